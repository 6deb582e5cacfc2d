// ControllerRevisions, the history of a StatefulSet's or DaemonSet's templates (kubernetes
// pkg/controller/history/controller_history.go: NewControllerRevision, HashControllerRevision,
// ControllerRevisionName, EqualRevision, FindEqualRevisions, SortControllerRevisions, and the
// realHistory's CreateControllerRevision with its collision count). The hash is FNV-32a of the revision's
// data as JSON (upstream hashes the raw bytes too, but Go's field order differs from ours, so the values
// differ from a real cluster's), rendered as rand.SafeEncodeString does.
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import type { KubeObject, OwnerReference } from '../../apiserver/machinery/object.ts';
import { isAlreadyExists, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';

/** apps/v1 ControllerRevisionHashLabelKey: on a revision and on the pods made from it. */
export const ControllerRevisionHashLabel = 'controller-revision-hash';

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

export const controllerRevisionsResource: InformerResource = { group: 'apps', version: 'v1', plural: 'controllerrevisions', kind: 'ControllerRevision' };
export const controllerRevisionsIn = (namespace: string): ResourceRef => ({ group: 'apps', version: 'v1', plural: 'controllerrevisions', namespace });

/** rand.SafeEncodeString's alphabet: no vowels, no look-alike characters. */
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

/** HashControllerRevision: FNV-32a of the data, then of the collision count when there is one. */
export function HashControllerRevision(revision: ControllerRevision, probe: number | undefined): string {
  let h = 0x811c9dc5;
  const feed = (s: string): void => {
    for (const byte of Buffer.from(s, 'utf8')) {
      h ^= byte;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  feed(JSON.stringify(revision.data ?? null));
  if (probe !== undefined) feed(String(probe));
  return [...String(h >>> 0)].map((c) => alphanums[c.charCodeAt(0) % alphanums.length]).join('');
}

/** ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function ControllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** NewControllerRevision: owned by parent, labelled with templateLabels and its hash. */
export function NewControllerRevision(parent: KubeObject, owner: OwnerReference, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount: number | undefined): ControllerRevision {
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { namespace: parent.metadata.namespace, labels: { ...(templateLabels ?? {}) }, ownerReferences: [owner] },
    data,
    revision,
  };
  const hash = HashControllerRevision(cr, collisionCount);
  cr.metadata.name = ControllerRevisionName(parent.metadata.name ?? '', hash);
  (cr.metadata.labels as Record<string, string>)[ControllerRevisionHashLabel] = hash;
  return cr;
}

/** EqualRevision: the same hash label and the same data. */
export function EqualRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.metadata.labels?.[ControllerRevisionHashLabel] !== b.metadata.labels?.[ControllerRevisionHashLabel]) return false;
  return jsonEqual(a.data, b.data);
}

export function FindEqualRevisions(revisions: readonly ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  return revisions.filter((r) => EqualRevision(r, needle));
}

/** SortControllerRevisions: by revision, then (upstream's tie-break) creation time, then name. */
export function SortControllerRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.sort((a, b) => a.revision - b.revision || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** nextRevision: one more than the highest, or 1. */
export function nextRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision), 0) + 1;
}

/**
 * realHistory.CreateControllerRevision: creates the revision under its hash name; when a different
 * revision already has that name, the collision count goes up and the hash is taken again. Returns the
 * revision stored and the collision count used.
 */
export async function CreateControllerRevision(client: KubeClient, parent: KubeObject, revision: ControllerRevision, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  const ns = parent.metadata.namespace ?? '';
  for (let count = collisionCount; ; count++) {
    const hash = HashControllerRevision(revision, count === 0 ? undefined : count);
    const cr: ControllerRevision = { ...revision, metadata: { ...revision.metadata, name: ControllerRevisionName(parent.metadata.name ?? '', hash), labels: { ...(revision.metadata.labels ?? {}), [ControllerRevisionHashLabel]: hash } } };
    try {
      return { revision: await client.create<ControllerRevision>(controllerRevisionsIn(ns), cr), collisionCount: count };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await client.get<ControllerRevision>(controllerRevisionsIn(ns), cr.metadata.name ?? '');
      const mine = (existing.metadata.ownerReferences ?? []).some((r) => r.uid === parent.metadata.uid);
      if (mine && jsonEqual(existing.data, cr.data)) return { revision: existing, collisionCount: count };
    }
  }
}

/** realHistory.UpdateControllerRevision: gives an older revision the newest number (a rollback). */
export async function UpdateControllerRevision(client: KubeClient, revision: ControllerRevision, newRevision: number): Promise<ControllerRevision> {
  if (revision.revision === newRevision) return revision;
  return client.update<ControllerRevision>(controllerRevisionsIn(revision.metadata.namespace ?? ''), { ...revision, revision: newRevision });
}
