// Legacy discovery documents: /api, /apis, /api/v1, /apis/{group}/{version}
// (used by client-node's KubernetesObjectApi and by kubectl when aggregated discovery is not asked for).
import { apiVersionOf, type KindInfo } from '../api/kinds.ts';

export const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const subresourceVerbs = ['get', 'patch', 'update'];

/**
 * The verbs a resource serves, as discovery lists them and the router serves them (endpoints/installer.go
 * registers a verb only where the storage implements it): namespaces have no deletecollection
 * (pkg/registry/core/namespace/storage is not a CollectionDeleter).
 */
export function verbsOf(k: Pick<KindInfo, 'group' | 'kind' | 'verbs'>): string[] {
  if (k.verbs) return k.verbs;
  return k.group === '' && k.kind === 'Namespace' ? allVerbs.filter((v) => v !== 'deletecollection') : allVerbs;
}

export interface GroupVersions {
  group: string;
  versions: string[];
}

/** Groups in the order they are served, each with its versions (preferred first). */
export function groupsOf(kinds: readonly KindInfo[]): GroupVersions[] {
  const out = new Map<string, string[]>();
  for (const k of kinds) {
    const versions = out.get(k.group) ?? [];
    if (!versions.includes(k.version)) versions.push(k.version);
    out.set(k.group, versions);
  }
  return [...out].map(([group, versions]) => ({ group, versions }));
}

export function apiVersions(host: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
}

export function apiGroupList(kinds: readonly KindInfo[]): object {
  const groups = groupsOf(kinds)
    .filter((g) => g.group !== '')
    .map((g) => {
      const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
      return { name: g.group, versions, preferredVersion: versions[0] };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiResourceList(kinds: readonly KindInfo[], group: string, version: string): object | undefined {
  const mine = kinds.filter((k) => k.group === group && k.version === version);
  if (mine.length === 0) return undefined;
  const resources: object[] = [];
  for (const k of mine) {
    resources.push({
      name: k.plural,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: verbsOf(k),
      ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
      ...(k.categories.length ? { categories: k.categories } : {}),
    });
    if (k.subresources.status) {
      resources.push({ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: subresourceVerbs });
    }
    if (k.subresources.scale) {
      resources.push({ name: `${k.plural}/scale`, singularName: '', namespaced: k.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: subresourceVerbs });
    }
    for (const x of k.subresources.extra ?? []) {
      const kind = x.kind;
      resources.push({ name: `${k.plural}/${x.name}`, singularName: '', namespaced: k.namespaced, ...(kind.group !== k.group || kind.version !== k.version ? { group: kind.group, version: kind.version } : {}), kind: kind.kind, verbs: x.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}
