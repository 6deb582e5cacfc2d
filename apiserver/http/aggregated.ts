// Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1) for /api and /apis: one reply that carries
// every group, version and resource, so kubectl needs no per-group requests. The client decides on the
// reply's Content-Type alone (client-go discovery/discovery_client.go:240-300), and refuses any resource
// or subresource without a responseKind (client-go discovery/aggregated_discovery.go:121-141).
import { createHash } from 'node:crypto';
import type { KindInfo } from '../api/kinds.ts';
import { groupsOf, subresourceVerbs, verbsOf } from './discovery.ts';

export type DiscoveryVersion = 'v2' | 'v2beta1';

const discoveryGroup = 'apidiscovery.k8s.io';
const discoveryKind = 'APIGroupDiscoveryList';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKind;
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKind;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

export interface APIGroupDiscovery {
  metadata: { name?: string };
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: typeof discoveryKind;
  apiVersion: string;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

interface MediaRange {
  type: string;
  subtype: string;
  params: Map<string, string>;
  q: number;
  index: number;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  accept.split(',').forEach((clause, index) => {
    const [mime = '', ...rawParams] = clause.split(';').map((s) => s.trim());
    const [type = '', subtype = ''] = mime.toLowerCase().split('/');
    if (!type || !subtype) return;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq <= 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? n : 0;
      } else params.set(key, value);
    }
    out.push({ type, subtype, params, q, index });
  });
  // Highest quality first; equal qualities keep the client's order.
  return out.sort((a, b) => b.q - a.q || a.index - b.index);
}

/**
 * Which aggregated discovery version to send for an Accept header, or undefined for the legacy documents
 * (APIVersions / APIGroupList). The first acceptable media range wins, as in the real server's
 * negotiation: kubectl 1.32 lists v2, then v2beta1, then application/json; kubectl 1.27-1.29 list only v2beta1.
 */
export function discoveryVersionFor(accept: string | undefined): DiscoveryVersion | undefined {
  if (!accept) return undefined;
  for (const r of parseAccept(accept)) {
    if (r.q <= 0) continue;
    const json = r.type === 'application' && r.subtype === 'json';
    if (r.params.has('g') || r.params.has('v') || r.params.has('as')) {
      // A profiled media type: only the discovery list in JSON is served; anything else (Table,
      // protobuf discovery, an unknown version) is skipped in favour of the next range.
      if (json && r.params.get('g') === discoveryGroup && r.params.get('as') === discoveryKind) {
        const v = r.params.get('v');
        if (v === 'v2' || v === 'v2beta1') return v;
      }
      continue;
    }
    if (json || (r.type === 'application' && r.subtype === '*') || (r.type === '*' && r.subtype === '*')) return undefined;
  }
  return undefined;
}

/** The exact Content-Type kubectl checks to recognise an aggregated reply. */
export function aggregatedContentType(v: DiscoveryVersion): string {
  return `application/json;g=${discoveryGroup};v=${v};as=${discoveryKind}`;
}

function resourceOf(k: KindInfo): APIResourceDiscovery {
  const subresources: APISubresourceDiscovery[] = [];
  if (k.subresources.scale) {
    subresources.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: [...subresourceVerbs] });
  }
  if (k.subresources.status) {
    subresources.push({ subresource: 'status', responseKind: { group: k.group, version: k.version, kind: k.kind }, verbs: [...subresourceVerbs] });
  }
  for (const x of k.subresources.extra ?? []) {
    subresources.push({ subresource: x.name, responseKind: { ...x.kind }, verbs: [...x.verbs] });
  }
  subresources.sort((a, b) => a.subresource.localeCompare(b.subresource));
  // Field order and omitempty as in k8s.io/api/apidiscovery/v2 APIResourceDiscovery.
  return {
    resource: k.plural,
    responseKind: { group: k.group, version: k.version, kind: k.kind },
    scope: k.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: k.singular || k.kind.toLowerCase(),
    verbs: [...verbsOf(k)],
    ...(k.shortNames.length ? { shortNames: [...k.shortNames] } : {}),
    ...(k.categories.length ? { categories: [...k.categories] } : {}),
    ...(subresources.length ? { subresources } : {}),
  };
}

function groupOf(kinds: readonly KindInfo[], group: string, versions: readonly string[]): APIGroupDiscovery {
  return {
    metadata: group ? { name: group } : {},
    versions: versions.map((version) => ({
      version,
      resources: kinds
        .filter((k) => k.group === group && k.version === version)
        .map(resourceOf)
        .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0)),
      freshness: 'Current',
    })),
  };
}

/**
 * The APIGroupDiscoveryList for `/api` (the core group only, an item whose metadata has no name) or
 * `/apis` (every other group, in served order, versions preferred-first, as the legacy documents list them).
 */
export function aggregatedDiscovery(kinds: readonly KindInfo[], which: 'core' | 'apis', v: DiscoveryVersion): APIGroupDiscoveryList {
  const items = groupsOf(kinds)
    .filter((g) => (which === 'core' ? g.group === '' : g.group !== ''))
    .map((g) => groupOf(kinds, g.group, g.versions));
  return { kind: discoveryKind, apiVersion: `${discoveryGroup}/${v}`, metadata: {}, items };
}

/** A strong ETag for a discovery document: the quoted hex sha256 of its JSON. */
export function discoveryETag(doc: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(doc)).digest('hex')}"`;
}
