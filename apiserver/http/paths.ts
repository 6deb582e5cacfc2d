// Resource paths: /api/v1/... and /apis/{group}/{version}/..., namespaced and cluster-scoped.
import { badRequest } from '../machinery/errors.ts';

export interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

export type ParsedPath =
  | { type: 'resource'; path: ResourcePath }
  /** /api/v1 or /apis/{g}/{v}: the legacy resource list of one group-version. */
  | { type: 'groupVersion'; group: string; version: string }
  | { type: 'other' };

/** Subresources of a namespace, which would otherwise read as a namespaced resource in namespace {name}. */
const namespaceSubresources = new Set(['status', 'finalize']);

/** decodeURIComponent, with a malformed escape answered as a 400 (Go's url.PathUnescape error) instead of a crash. */
function unescapeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    const bad = /%(?![0-9a-fA-F]{2})[^/]{0,2}/.exec(segment)?.[0] ?? segment;
    throw badRequest(`invalid URL escape ${JSON.stringify(bad)}`);
  }
}

export function parsePath(pathname: string): ParsedPath {
  const parts = pathname.split('/').filter((p) => p.length > 0).map(unescapeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return { type: 'other' };
  }
  if (rest.length === 0) return { type: 'groupVersion', group, version };
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && group === '' && namespaceSubresources.has(rest[2] as string))) {
    const [, namespace, plural, name, subresource, ...extra] = rest as [string, string, string, string?, string?, ...string[]];
    if (extra.length > 0) return { type: 'other' };
    return { type: 'resource', path: { group, version, namespace, plural, name, subresource } };
  }
  const [plural, name, subresource, ...extra] = rest as [string, string?, string?, ...string[]];
  if (extra.length > 0) return { type: 'other' };
  return { type: 'resource', path: { group, version, plural, name, subresource } };
}
