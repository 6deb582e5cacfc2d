// The objects of a run at each resourceVersion, as the report shows them on click: which versions a row
// wrote, read or delivered, and each version's diff against the previous version of the same object in the
// same store (changed, added and removed paths with old → new values).
import fjp from 'fast-json-patch';
import type { HistoryEntry, RequestEntry, ResponseEntry } from '../../apiserver/interleave/types.ts';

/** One object as stored at one resourceVersion (scenarios/engine/objectlog.ts). */
export interface ObjectVersion {
  /** The store it lives in: the world's server index (0 for the one store that several servers share). */
  store: number;
  /** The storage event that made this version (a DELETED one is the object's last state). */
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  group: string;
  resource: string;
  namespace?: string;
  name: string;
  rv: number;
  /** The object, Secret values redacted and managedFields left out. */
  object: unknown;
}

export interface ObjectChange {
  op: 'add' | 'remove' | 'replace';
  /** A readable path: `spec.template.metadata.labels["app.kubernetes.io/name"]`, `status.conditions[0].status`. */
  path: string;
  old?: unknown;
  new?: unknown;
}

/** A JSON pointer as a readable path: dotted keys, `[i]` for array indexes, `["a.b/c"]` for odd keys. */
export function readablePath(pointer: string): string {
  if (pointer === '') return '(the object)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9]\d*)$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** The changes from prev to cur (prev undefined: cur was created, every top-level field added). */
export function objectDiff(prev: unknown, cur: unknown): ObjectChange[] {
  if (prev === undefined || prev === null || typeof prev !== 'object' || cur === null || typeof cur !== 'object') {
    if (cur === null || typeof cur !== 'object') return [{ op: 'replace', path: readablePath(''), old: prev, new: cur }];
    return Object.entries(cur as Record<string, unknown>).map(([k, v]) => ({ op: 'add' as const, path: readablePath(`/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`), new: v }));
  }
  const ops = fjp.compare(prev as object, cur as object);
  const changes: ObjectChange[] = [];
  for (const op of ops) {
    const path = readablePath(op.path);
    if (op.op === 'add') changes.push({ op: 'add', path, new: op.value });
    else if (op.op === 'remove') changes.push({ op: 'remove', path, old: fjp.getValueByPointer(prev, op.path) });
    else if (op.op === 'replace') changes.push({ op: 'replace', path, old: fjp.getValueByPointer(prev, op.path), new: op.value });
  }
  // In path order, so a reader finds metadata before spec before status.
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What a history entry names an object by, for finding its versions. */
function objectKey(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}/${namespace ?? ''}/${name}`;
}

function versionKey(resource: string, namespace: string | undefined, name: string, rv: number): string {
  return `${objectKey(resource, namespace, name)}@${rv}`;
}

export interface ObjectIndex {
  versions: readonly ObjectVersion[];
  /** For each version: the index of the previous version of the same object in the same store, or -1. */
  prev: number[];
  /** For each version: its changes against the previous one (all added when there is none). */
  diffs: ObjectChange[][];
  /** The versions at `resource/namespace/name@rv`: one per store that has it (several only across separate servers). */
  byKey: Map<string, number[]>;
  /** Every version of `resource/namespace/name`, in store and revision order. */
  byObject: Map<string, number[]>;
}

export function buildObjectIndex(versions: readonly ObjectVersion[]): ObjectIndex {
  const prev: number[] = [];
  const diffs: ObjectChange[][] = [];
  const byKey = new Map<string, number[]>();
  const byObject = new Map<string, number[]>();
  const last = new Map<string, number>();
  versions.forEach((v, i) => {
    const obj = `${v.store}|${v.group}|${v.resource}|${v.namespace ?? ''}|${v.name}`;
    const p = last.get(obj);
    // A version after a delete is a new object of the same name: it has no previous state.
    const before = p !== undefined && versions[p]!.type !== 'DELETED' ? p : -1;
    prev.push(before);
    diffs.push(objectDiff(before < 0 ? undefined : versions[before]!.object, v.object));
    last.set(obj, i);
    const k = versionKey(v.resource, v.namespace, v.name, v.rv);
    const list = byKey.get(k) ?? [];
    list.push(i);
    byKey.set(k, list);
    const o = objectKey(v.resource, v.namespace, v.name);
    const all = byObject.get(o) ?? [];
    all.push(i);
    byObject.set(o, all);
  });
  return { versions, prev, diffs, byKey, byObject };
}

/** The verbs whose successful reply carries the object at the resourceVersion it wrote or read. */
const objectReplyVerbs = new Set(['create', 'update', 'patch', 'delete', 'get']);
/** The verbs that write one object. */
const writeVerbs = new Set(['create', 'update', 'patch', 'delete']);

/**
 * The versions a row shows on click: a watch delivery's object at its revision; a request's object at the
 * resourceVersion of its successful reply (written, or read by a GET). A write whose reply carries no
 * resourceVersion (a DELETE answered with a Status) shows, per store, the newest version of its object the
 * server stored while serving it (rvBefore < rv ≤ rvAfter).
 */
export function versionsOfEntry(index: ObjectIndex, e: HistoryEntry, request?: RequestEntry, reply?: ResponseEntry): number[] {
  if (e.type === 'delivery') return e.name !== undefined && e.eventType !== 'BOOKMARK' ? (index.byKey.get(versionKey(e.resource, e.namespace, e.name, e.revision)) ?? []) : [];
  const r = e.type === 'response' ? e : e.type === 'request' ? reply : undefined;
  const q = e.type === 'request' ? e : request;
  if (!r || r.code >= 300 || r.name === undefined || !objectReplyVerbs.has(r.verb)) return [];
  if (r.objectRv !== undefined) {
    const rv = Number(r.objectRv);
    return Number.isSafeInteger(rv) ? (index.byKey.get(versionKey(r.resource, r.namespace, r.name, rv)) ?? []) : [];
  }
  if (!q || !writeVerbs.has(r.verb)) return [];
  const newest = new Map<number, number>();
  for (const i of index.byObject.get(objectKey(r.resource, r.namespace, r.name)) ?? []) {
    const v = index.versions[i]!;
    if (v.rv > q.rvBefore && v.rv <= r.rvAfter) newest.set(v.store, i);
  }
  return [...newest.values()];
}
