// Field ownership (metadata.managedFields) as apimachinery pkg/util/managedfields/internal computes it on top
// of sigs.k8s.io/structured-merge-diff v4 (fieldpath, typed, merge), for plain JSON objects.
//
// A field set is a trie of path elements in their FieldsV1 spelling: `f:<name>` (a field), `k:{"name":"x"}` (an
// item of an associative list, by its keys), `v:"x"` (an item of a set of scalars) and `i:<n>` (an index, only read).
// The schema (which lists are associative, which objects are atomic) comes from the strategic-merge-patch metadata
// of the built-in kinds, plus the few list-map keys and atomic structs where the OpenAPI schema says more.

import { patchMetaFor } from '../api/patchmeta.ts';
import { jsonEqual } from '../machinery/json.ts';
import { isObject, own, type KubeObject, type ManagedFieldsEntry } from '../machinery/object.ts';
import type { PatchMeta } from '../machinery/strategicmerge.ts';

type JsonMap = Record<string, unknown>;

// --- schema ---

/** How a position of an object is owned. Objects are granular unless `type` is 'atomic'; lists are atomic unless 'set' or 'map'. */
export interface FieldSchema {
  readonly type?: 'atomic' | 'set' | 'map';
  /** The keys of a 'map' list (x-kubernetes-list-map-keys), with defaults for absent key fields. */
  readonly keys?: readonly string[];
  readonly keyDefaults?: Readonly<JsonMap>;
  /** The schema of a field of this object, or of the items' fields for a list. */
  field(name: string): FieldSchema;
}

/** Granular objects and atomic lists: a CRD's default, and the fallback for unknown fields. */
export const granularSchema: FieldSchema = { field: () => granularSchema };
const atomicObject: FieldSchema = { type: 'atomic', field: () => granularSchema };

/** Lists whose OpenAPI list-map keys are more than the patch merge key (`+listMapKey` tags in k8s.io/api). */
const extraListKeys = new Map<string, { keys: string[]; defaults?: JsonMap }>([
  ['containerPort', { keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } }],
  ['port', { keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } }],
  ['topologyKey', { keys: ['topologyKey', 'whenUnsatisfiable'] }],
]);
/** metav1.LabelSelector is `+structType=atomic`. */
const labelSelectorFields = new Set(['labelSelector', 'namespaceSelector']);
const workloadsWithLabelSelector = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job']);

/** One schema per patch metadata node: a walk over a wide or deep object asks for the same ones again and again. */
const schemaOfMeta = new WeakMap<PatchMeta, FieldSchema>();

function fromPatchMeta(meta: PatchMeta): FieldSchema {
  const known = schemaOfMeta.get(meta);
  if (known) return known;
  const field = (name: string): FieldSchema => (labelSelectorFields.has(name) ? atomicObject : fromPatchMeta(meta.field(name)));
  let schema: FieldSchema;
  if (!(meta.strategy ?? '').split(',').includes('merge')) schema = { field };
  else if (!meta.mergeKey) schema = { type: 'set', field };
  else {
    const extra = extraListKeys.get(meta.mergeKey);
    schema = { type: 'map', keys: extra?.keys ?? [meta.mergeKey], keyDefaults: extra?.defaults, field };
  }
  schemaOfMeta.set(meta, schema);
  return schema;
}

/** The ownership schema of a kind ('' is the core group). */
export function fieldSchemaFor(group: string, kind: string): FieldSchema {
  const root = fromPatchMeta(patchMetaFor(group, kind));
  if (!workloadsWithLabelSelector.has(`${group}/${kind}`)) return root;
  const spec = root.field('spec');
  const specWithSelector: FieldSchema = { ...spec, field: (n) => (n === 'selector' ? atomicObject : spec.field(n)) };
  return { ...root, field: (n) => (n === 'spec' ? specWithSelector : root.field(n)) };
}

export function groupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function schemaOf(obj: unknown): FieldSchema {
  const o = isObject(obj) ? obj : {};
  return fieldSchemaFor(groupOf(o.apiVersion), typeof o.kind === 'string' ? o.kind : '');
}

const podSpecZero = { containers: null };
const templateZero = { metadata: {}, spec: podSpecZero };
const zeroValues = new Map<string, JsonMap>([
  ['/Pod', { spec: podSpecZero, status: {} }],
  ['/PodTemplate', { template: templateZero }],
  ['apps/Deployment', { spec: { template: templateZero, strategy: {} }, status: {} }],
  ['apps/StatefulSet', { spec: { template: templateZero, updateStrategy: {} }, status: {} }],
  ['apps/DaemonSet', { spec: { template: templateZero, updateStrategy: {} }, status: {} }],
  ['apps/ReplicaSet', { spec: { template: templateZero }, status: {} }],
  ['batch/Job', { spec: { template: templateZero }, status: {} }],
  ['batch/CronJob', { spec: { jobTemplate: { metadata: {}, spec: { template: templateZero } } }, status: {} }],
]);
const builtinGroups = new Set(['', 'apps', 'batch', 'resource.k8s.io']);

/**
 * The new, empty object a create starts from (runtime.ObjectCreater.New): Go structs that are not pointers are
 * present even when empty, so creating them is not "adding" them (no `.` entry for `f:spec` of a Pod).
 */
export function zeroObject(group: string, kind: string): JsonMap {
  return structuredClone(zeroValues.get(`${group}/${kind}`) ?? (builtinGroups.has(group) ? { spec: {}, status: {} } : {}));
}

// --- path elements ---

/** encoding/json text: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJSON(v: unknown, sortKeys = true): string {
  if (typeof v === 'string') {
    // eslint-disable-next-line no-control-regex -- encoding/json escapes control characters
    return `"${v.replace(/[\u0000-\u001f"\\<>&\u2028\u2029]/g, (c) => ({ '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => goJSON(x, sortKeys)).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (sortKeys) keys.sort();
    return `{${keys.map((k) => `${goJSON(k)}:${goJSON(v[k], sortKeys)}`).join(',')}}`;
  }
  return 'null';
}

function itemPE(item: unknown, s: FieldSchema): string | undefined {
  if (s.type === 'set') return item !== null && typeof item !== 'object' ? `v:${goJSON(item)}` : undefined;
  if (!isObject(item)) return undefined;
  const key: JsonMap = {};
  for (const k of s.keys ?? []) {
    const v = Object.hasOwn(item, k) ? item[k] : s.keyDefaults?.[k];
    if (v !== undefined) key[k] = v;
  }
  return Object.keys(key).length > 0 ? `k:${goJSON(key)}` : undefined;
}

/**
 * The path elements of a granular list's items, or undefined where the list is owned as a whole: atomic lists,
 * and lists whose items do not fit (no keys, not scalars, duplicates), which upstream rejects.
 */
export function listPEs(list: readonly unknown[], s: FieldSchema): string[] | undefined {
  if (s.type !== 'set' && s.type !== 'map') return undefined;
  const pes = list.map((item) => itemPE(item, s));
  if (pes.some((pe) => pe === undefined) || new Set(pes).size !== pes.length) return undefined;
  return pes as string[];
}

interface ParsedPE {
  rank: number;
  name: string;
  fields: [string, unknown][];
  value: unknown;
}

function parsePE(pe: string): ParsedPE {
  const body = pe.slice(2);
  switch (pe[0]) {
    case 'f':
      return { rank: 0, name: body, fields: [], value: undefined };
    case 'k': {
      const key: unknown = JSON.parse(body);
      if (!isObject(key)) throw new Error(`invalid key path element: ${pe}`);
      return { rank: 1, name: '', fields: Object.entries(key).sort(([a], [b]) => cmp(a, b)), value: undefined };
    }
    case 'v':
      return { rank: 2, name: '', fields: [], value: JSON.parse(body) as unknown };
    default:
      return { rank: 3, name: '', fields: [], value: Number(body) };
  }
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);
const valueRank = (v: unknown): number =>
  typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : isObject(v) ? 4 : 5;

/** value.Compare: numbers < strings < booleans < lists < maps < null. */
function compareValues(a: unknown, b: unknown): number {
  const d = valueRank(a) - valueRank(b);
  if (d !== 0) return d;
  if (typeof a === 'number' || typeof a === 'string') return cmp(a, b as typeof a);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return cmp(goJSON(a), goJSON(b));
}

/** PathElement.Compare: fields by name, then keys, values, indexes. */
export function comparePE(a: string, b: string): number {
  // Two fields compare by name, which is comparing the whole strings: the common case, without parsing.
  if (a.charCodeAt(0) === 0x66 && b.charCodeAt(0) === 0x66 && a.charCodeAt(1) === 0x3a && b.charCodeAt(1) === 0x3a) return cmp(a, b);
  const x = parsePE(a);
  const y = parsePE(b);
  if (x.rank !== y.rank) return x.rank - y.rank;
  if (x.rank === 0) return cmp(x.name, y.name);
  if (x.rank === 1) {
    for (let i = 0; i < Math.min(x.fields.length, y.fields.length); i++) {
      const [xn, xv] = x.fields[i] as [string, unknown];
      const [yn, yv] = y.fields[i] as [string, unknown];
      const c = cmp(xn, yn) || compareValues(xv, yv);
      if (c !== 0) return c;
    }
    return x.fields.length - y.fields.length;
  }
  return compareValues(x.value, y.value);
}

/** value.ToString. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (isObject(v)) return Object.entries(v).map(([k, x]) => `${k}=${valueString(x)}`).join('');
  return String(v);
}

/** fieldpath.Path.String(): `.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`. */
export function pathString(path: readonly string[]): string {
  return path
    .map((pe) => {
      const p = parsePE(pe);
      if (p.rank === 0) return `.${p.name}`;
      if (p.rank === 1) return `[${p.fields.map(([k, v]) => `${k}=${valueString(v)}`).join(',')}]`;
      return p.rank === 2 ? `[=${valueString(p.value)}]` : `[${String(p.value)}]`;
    })
    .join('');
}

// --- field sets ---

/**
 * fieldpath.Set: `members` are owned paths; `children` lead to owned paths below. Operations return new sets,
 * sharing the subtrees they leave unchanged (sets are never changed once built), so each costs at most the
 * size of the parts it actually touches.
 */
export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  static of(paths: readonly (readonly string[])[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds one path; iterative, so its cost is the path's length. */
  insert(path: readonly string[]): this {
    if (path.length === 0) return this;
    if (path.length === 1) {
      this.members.add(path[0] as string);
      return this;
    }
    let node = this.child(path[0] as string);
    for (let i = 1; i < path.length - 1; i++) node = node.child(path[i] as string);
    node.members.add(path[path.length - 1] as string);
    return this;
  }

  /** The child set under `pe`, created when missing. */
  child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  has(path: readonly string[]): boolean {
    if (path.length === 0) return false;
    if (path.length === 1) return this.members.has(path[0] as string);
    let node = this.children.get(path[0] as string);
    for (let i = 1; i < path.length - 1 && node; i++) node = node.children.get(path[i] as string);
    return node?.members.has(path[path.length - 1] as string) ?? false;
  }

  empty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  union(o: FieldSet): FieldSet {
    if (o.empty()) return this;
    if (this.empty()) return o;
    const out = new FieldSet();
    for (const m of [...this.members, ...o.members]) out.members.add(m);
    for (const [pe, c] of this.children) out.children.set(pe, c.union(o.children.get(pe) ?? emptySet));
    for (const [pe, c] of o.children) if (!out.children.has(pe)) out.children.set(pe, c);
    return out;
  }

  /** Exact paths of `o` removed; a parent in `o` does not remove its children (Set.Difference). */
  difference(o: FieldSet): FieldSet {
    if (o.empty()) return this;
    return this.filter((m) => !o.members.has(m), (pe, c) => c.difference(o.children.get(pe) ?? emptySet));
  }

  /** Paths of `o` removed with everything below them (Set.RecursiveDifference). */
  recursiveDifference(o: FieldSet): FieldSet {
    if (o.empty()) return this;
    return this.filter(
      (m) => !o.members.has(m),
      (pe, c) => (o.members.has(pe) ? emptySet : c.recursiveDifference(o.children.get(pe) ?? emptySet)),
    );
  }

  intersection(o: FieldSet): FieldSet {
    if (o.empty() || this.empty()) return emptySet;
    return this.filter((m) => o.members.has(m), (pe, c) => c.intersection(o.children.get(pe) ?? emptySet));
  }

  /** Set.EnsureNamedFieldsAreMembers: a field with owned paths below it counts as owned itself. */
  withNamedFieldsAsMembers(): FieldSet {
    const out = this.filter(() => true, (_pe, c) => c.withNamedFieldsAsMembers());
    for (const pe of this.children.keys()) if (pe.startsWith('f:')) out.members.add(pe);
    return out;
  }

  /** Set.Iterate order: this level's members, then each child's paths, both sorted. */
  paths(): string[][] {
    const out = [...this.members].sort(comparePE).map((pe) => [pe]);
    for (const pe of [...this.children.keys()].sort(comparePE)) {
      for (const p of (this.children.get(pe) as FieldSet).paths()) out.push([pe, ...p]);
    }
    return out;
  }

  private filter(keep: (member: string) => boolean, child: (pe: string, c: FieldSet) => FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (keep(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const r = child(pe, c);
      if (!r.empty()) out.children.set(pe, r);
    }
    return out;
  }
}

const emptySet = new FieldSet();

/** The FieldsV1 JSON of a set: `{"f:data":{".":{},"f:a":{}}}`, keys in path-element order. */
export function toFieldsV1(set: FieldSet): JsonMap {
  const out: JsonMap = {};
  let keys = [...set.members];
  for (const pe of set.children.keys()) if (!set.members.has(pe)) keys.push(pe);
  // Fields alone compare as whole strings (comparePE's fast path), which the built-in sort does without a callback.
  if (keys.length > 1) keys = keys.every((k) => k.startsWith('f:')) ? keys.sort() : keys.sort(comparePE);
  for (const pe of keys) {
    const child = set.children.get(pe);
    if (!child) {
      out[pe] = {};
      continue;
    }
    const sub = toFieldsV1(child);
    out[pe] = set.members.has(pe) ? Object.assign({ '.': {} }, sub) : sub;
  }
  return out;
}

/** Parses FieldsV1; unknown path element types are dropped, malformed ones throw. */
export function fromFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  if (!isObject(fields)) throw new Error('FieldsV1 must be a JSON object');
  for (const [key, sub] of Object.entries(fields)) {
    if (key === '.') continue;
    const type = key.slice(0, 2);
    if (!['f:', 'k:', 'v:', 'i:'].includes(type)) {
      if (key.length < 2 || key[1] !== ':') throw new Error(`invalid path element: ${key}`);
      continue;
    }
    let pe = key;
    if (type === 'k:' || type === 'v:') pe = `${type}${goJSON(JSON.parse(key.slice(2)))}`;
    else if (type === 'i:' && !/^-?\d+$/.test(key.slice(2))) throw new Error(`invalid index path element: ${key}`);
    const child = fromFieldsV1(sub);
    if (!child.empty()) set.children.set(pe, child);
    if (child.empty() || (isObject(sub) && Object.hasOwn(sub, '.'))) set.members.add(pe);
  }
  return set;
}

/**
 * A position in a field set being built, whose set is only created once a path is inserted at or below it:
 * walks pass positions down instead of copying paths, so building a set is linear in the object's size.
 */
class SetCursor {
  private node: FieldSet | undefined;

  constructor(
    private readonly parent: SetCursor | FieldSet,
    private readonly pe: string,
  ) {}

  static root(set: FieldSet): SetCursor {
    const c = new SetCursor(set, '');
    c.node = set;
    return c;
  }

  at(pe: string): SetCursor {
    return new SetCursor(this, pe);
  }

  /** Inserts the path this cursor stands for (a no-op at the root, as inserting the empty path is). */
  insert(): void {
    if (this.parent instanceof FieldSet) return;
    this.parent.set().members.add(this.pe);
  }

  private set(): FieldSet {
    if (this.node) return this.node;
    // Iterative: climb to the nearest materialised ancestor, then create the sets down to this cursor.
    const chain: SetCursor[] = [this];
    let c = this.parent as SetCursor;
    while (!c.node) {
      chain.push(c);
      c = c.parent as SetCursor;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const link = chain[i] as SetCursor;
      link.node = (c.node as FieldSet).child(link.pe);
      c = link;
    }
    return c.node as FieldSet;
  }
}

/** TypedValue.ToFieldSet: every leaf, list item, empty or null field and atomic value the object sets. */
export function fieldSetOf(obj: unknown, schema: FieldSchema = schemaOf(obj)): FieldSet {
  const set = new FieldSet();
  // An explicit stack keeps the walk iterative; every position is visited once.
  const stack: { at: SetCursor; v: unknown; s: FieldSchema }[] = [{ at: SetCursor.root(set), v: obj, s: schema }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { at, v, s } = top;
    if (Array.isArray(v)) {
      const pes = listPEs(v, s);
      if (!pes) at.insert();
      else {
        pes.forEach((pe, i) => {
          const item = at.at(pe);
          item.insert();
          stack.push({ at: item, v: v[i], s });
        });
      }
    } else if (isObject(v) && s.type !== 'atomic') {
      for (const [k, val] of Object.entries(v)) {
        if (val === undefined) continue;
        const field = at.at(`f:${k}`);
        if (val === null || (isObject(val) && Object.keys(val).length === 0)) field.insert();
        stack.push({ at: field, v: val, s: s.field(k) });
      }
    } else {
      at.insert();
    }
  }
  return set;
}

// --- comparison ---

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Both sides as objects or lists, a null counting as an empty one; undefined where the position is a leaf. */
function containerKind(l: unknown, r: unknown): 'object' | 'array' | undefined {
  const kinds = new Set([l, r].filter((v) => v !== undefined && v !== null).map((v) => (Array.isArray(v) ? 'array' : isObject(v) ? 'object' : 'scalar')));
  return kinds.size === 1 && !kinds.has('scalar') ? ([...kinds][0] as 'object' | 'array') : undefined;
}

const isEmptyMap = (m: JsonMap): boolean => Object.values(m).every((v) => v === undefined);
const keysOf = (a: JsonMap, b: JsonMap): string[] => [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => own(a, k) !== undefined || own(b, k) !== undefined);

/** TypedValue.Compare: the fields `rhs` added, modified and removed relative to `lhs`. Iterative and linear. */
export function compareObjects(lhs: unknown, rhs: unknown, schema: FieldSchema): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  interface Position {
    added: SetCursor;
    modified: SetCursor;
    removed: SetCursor;
  }
  const root: Position = { added: SetCursor.root(c.added), modified: SetCursor.root(c.modified), removed: SetCursor.root(c.removed) };
  const at = (p: Position, pe: string): Position => ({ added: p.added.at(pe), modified: p.modified.at(pe), removed: p.removed.at(pe) });
  const stack: { p: Position; l: unknown; r: unknown; s: FieldSchema }[] = [{ p: root, l: lhs, r: rhs, s: schema }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { p, l, r, s } = top;
    // The same value on both sides (a subtree a patch did not touch is shared): nothing changed at or below it.
    if (l === r) continue;
    if (l === undefined && r !== undefined) {
      // A subtree only `rhs` has: every position in it is added (the walk below with one cursor, not three).
      insertAdded(p.added, r, s);
      continue;
    }
    const kind = containerKind(l, r);
    let leaf = true;
    if (kind === 'object' && s.type !== 'atomic') {
      const lm = isObject(l) ? l : {};
      const rm = isObject(r) ? r : {};
      if (!isEmptyMap(lm) || !isEmptyMap(rm)) {
        leaf = false;
        for (const k of keysOf(lm, rm)) {
          const lv = own(lm, k);
          const rv = own(rm, k);
          // The same value on both sides (what a patch did not touch is shared): nothing changed below it.
          if (lv !== rv) stack.push({ p: at(p, `f:${k}`), l: lv, r: rv, s: s.field(k) });
        }
      }
    } else if (kind === 'array') {
      const la = Array.isArray(l) ? l : [];
      const ra = Array.isArray(r) ? r : [];
      const lp = listPEs(la, s);
      const rp = listPEs(ra, s);
      if (lp && rp && la.length + ra.length > 0) {
        leaf = false;
        const li = new Map(lp.map((pe, i) => [pe, la[i]]));
        const ri = new Map(rp.map((pe, i) => [pe, ra[i]]));
        for (const pe of new Set([...lp, ...rp])) stack.push({ p: at(p, pe), l: li.get(pe), r: ri.get(pe), s });
      }
    }
    if (l === undefined) p.added.insert();
    else if (r === undefined) p.removed.insert();
    else if (leaf && !jsonEqual(l, r)) p.modified.insert();
  }
  return c;
}

/** compareObjects on a subtree that only the right side has: the position and every one below it are added. */
function insertAdded(at: SetCursor, value: unknown, schema: FieldSchema): void {
  const stack: { at: SetCursor; v: unknown; s: FieldSchema }[] = [{ at, v: value, s: schema }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, s } = top;
    if (Array.isArray(v)) {
      const pes = v.length > 0 ? listPEs(v, s) : undefined;
      if (pes) pes.forEach((pe, i) => stack.push({ at: top.at.at(pe), v: v[i], s }));
    } else if (isObject(v) && s.type !== 'atomic') {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        const child = v[k];
        if (child !== undefined) stack.push({ at: top.at.at(`f:${k}`), v: child, s: s.field(k) });
      }
    }
    top.at.insert();
  }
}

// --- managed fields ---

export interface ManagerEntry {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
  time?: string;
}

/** fieldpath.ManagedFields keyed by manager identifier (BuildManagerIdentifier). */
export type Managed = Map<string, ManagerEntry>;

/** The JSON of a ManagedFieldsEntry without fields and time; appliers without apiVersion. */
export function managerIdentifier(e: { manager?: string; operation: 'Apply' | 'Update'; apiVersion?: string; subresource?: string }): string {
  const id: JsonMap = {};
  if (e.manager) id.manager = e.manager;
  id.operation = e.operation;
  if (e.operation === 'Update' && e.apiVersion) id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return goJSON(id, false);
}

/** conflict.go printManager: `"kubectl"`, `"kubectl-client-side-apply" using v1`, `"x" with subresource "status" using v1`. */
export function printManager(identifier: string): string {
  let e: unknown;
  try {
    e = JSON.parse(identifier);
  } catch {
    return JSON.stringify(identifier);
  }
  if (!isObject(e)) return JSON.stringify(identifier);
  let s = JSON.stringify(typeof e.manager === 'string' ? e.manager : '');
  if (typeof e.subresource === 'string' && e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${typeof e.apiVersion === 'string' ? e.apiVersion : ''}`;
  return s;
}

/** DecodeManagedFields; throws on an invalid entry. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Managed {
  const managed: Managed = new Map();
  (entries ?? []).forEach((e, i) => {
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType !== 'FieldsV1') {
      throw new Error(e.fieldsType ? `invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}` : `missing fieldsType in managed fields entry ${i}`);
    }
    const id = managerIdentifier({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, subresource: e.subresource });
    managed.set(id, { set: fromFieldsV1(e.fieldsV1 ?? {}), apiVersion: e.apiVersion, applied: e.operation === 'Apply', ...(e.time ? { time: e.time } : {}) });
  });
  return managed;
}

const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);

/** encodeManagedFields: entries sorted by operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] {
  const entries = [...managed].map(([id, m]) => {
    const info = JSON.parse(id) as { manager?: string; operation?: 'Apply' | 'Update'; subresource?: string };
    const e: ManagedFieldsEntry = {};
    if (info.manager) e.manager = info.manager;
    e.operation = m.applied ? 'Apply' : (info.operation ?? 'Update');
    e.apiVersion = m.apiVersion;
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = toFieldsV1(m.set);
    if (info.subresource) e.subresource = info.subresource;
    return e;
  });
  return entries.sort(
    (p, q) =>
      cmp(p.operation ?? '', q.operation ?? '') ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager ?? '', q.manager ?? '') ||
      cmp(p.apiVersion ?? '', q.apiVersion ?? '') ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
}

const isPrint = (ch: string): boolean => /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch);

/** handlers/rest.go managerOrUserAgent: the fieldManager, else the User-Agent before its first `/`, printable, at most 128 bytes. */
export function managerOrUserAgent(manager: string | undefined, userAgent: string | undefined): string {
  if (manager) return manager;
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0] ?? '') {
    if (!isPrint(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

/** stripmeta.go: fields never owned by anyone. */
export const strippedFields = FieldSet.of([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => ['f:metadata', `f:${f}`]),
]);

export interface Conflict {
  manager: string;
  path: string[];
}

export interface OwnershipContext {
  apiVersion: string;
  schema: FieldSchema;
  /** The strategy's reset fields: ignored, with everything below them. */
  ignored: FieldSet;
  time: string;
}

/**
 * merge.Updater.update: every manager but `workflow` loses the fields that `next` changed or removed; with
 * `force` false, fields changed under another manager are returned as conflicts instead (nothing is changed).
 */
export function takeOwnership(live: unknown, next: unknown, managed: Managed, workflow: string, force: boolean, ctx: OwnershipContext): Comparison | Conflict[] {
  const c = compareObjects(live, next, ctx.schema);
  const cmpr: Comparison = { added: c.added.recursiveDifference(ctx.ignored), modified: c.modified.recursiveDifference(ctx.ignored), removed: c.removed.recursiveDifference(ctx.ignored) };
  const changed = cmpr.modified.union(cmpr.added);
  const conflicts: Conflict[] = [];
  for (const id of force ? [] : [...managed.keys()].sort()) {
    if (id === workflow) continue;
    for (const path of (managed.get(id) as ManagerEntry).set.intersection(changed).paths()) conflicts.push({ manager: id, path });
  }
  if (!force && conflicts.length > 0) return conflicts;
  for (const [id, m] of managed) {
    if (id === workflow) continue;
    const set = m.set.difference(changed).difference(cmpr.removed);
    if (set.empty()) managed.delete(id);
    else managed.set(id, { ...m, set });
  }
  return cmpr;
}

/**
 * An Update by the manager `identifier`: Updater.Update under "current-operation", stripMeta, then
 * managedFieldsUpdater merging it into the manager's entry with a new time when it took any field, and capManagers.
 */
export function recordUpdate(live: unknown, next: unknown, managed: Managed, identifier: string, ctx: OwnershipContext): void {
  const cmpr = takeOwnership(live, next, managed, 'current-operation', true, ctx) as Comparison;
  const set = cmpr.modified.union(cmpr.added).recursiveDifference(ctx.ignored).difference(strippedFields);
  if (!set.empty()) {
    const previous = managed.get(identifier);
    managed.set(identifier, { set: previous ? set.union(previous.set) : set, apiVersion: ctx.apiVersion, applied: false, time: ctx.time });
  }
  capUpdateManagers(managed);
}

/** capmanagers.go: beyond 10 Update entries, the oldest merge into "ancient-changes" per apiVersion. */
function capUpdateManagers(managed: Managed, max = 10): void {
  const updaters = [...managed].filter(([, m]) => !m.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  const time = (id: string): number => seconds(managed.get(id)?.time);
  updaters.sort((a, b) => time(a) - time(b) || cmp(a, b));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i] as string;
    const m = managed.get(id) as ManagerEntry;
    const first = firstByVersion.get(m.apiVersion);
    if (first === undefined) {
      firstByVersion.set(m.apiVersion, id);
      continue;
    }
    const bucket = managerIdentifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: m.apiVersion });
    if (!managed.has(bucket)) {
      managed.set(bucket, managed.get(first) as ManagerEntry);
      managed.delete(first);
    }
    managed.set(bucket, { set: m.set.union((managed.get(bucket) as ManagerEntry).set), apiVersion: m.apiVersion, applied: m.applied, ...(m.time ? { time: m.time } : {}) });
    managed.delete(id);
    length--;
  }
}

export function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!isObject(obj.metadata)) return obj;
  const { managedFields: _managedFields, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** A non-nil empty list, or one empty entry, asks for managedFields to be reset (fieldmanager.go isResetManagedFields). */
function isResetManagedFields(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  return mf.length === 0 || (mf.length === 1 && isObject(mf[0]) && Object.values(mf[0]).every((v) => v === undefined || v === null || v === ''));
}

/** fieldmanager.go decodeLiveOrNew: the request's managedFields when valid and not empty, else the live object's. */
function liveOrNew(old: KubeObject | undefined, next: KubeObject, subresource: boolean): Managed {
  const fromLive = (): Managed => {
    try {
      return decodeManagedFields(old?.metadata.managedFields);
    } catch {
      return new Map();
    }
  };
  if (subresource) return fromLive();
  const mf = next.metadata.managedFields;
  if (isResetManagedFields(mf)) return new Map();
  try {
    const m = decodeManagedFields(mf);
    if (m.size > 0) return m;
  } catch {
    // fall back to the live object's
  }
  return fromLive();
}

/** Field paths like [['status']], turned into a set of fields to ignore. */
export function resetFieldSet(paths: readonly (readonly string[])[] | undefined): FieldSet {
  return FieldSet.of((paths ?? []).map((p) => p.map((f) => `f:${f}`)));
}

export interface UpdateManagedFieldsOptions {
  operation: 'Update';
  subresource?: string;
  /** RFC 3339, second precision. */
  time: string;
  /** The request's group/version, e.g. `v1` or `apps/v1`. */
  apiVersion: string;
  /** Names the manager when `manager` is empty (managerOrUserAgent); "unknown" when both are. */
  userAgent?: string;
  /** The strategy's reset fields, e.g. [['status']] for the main resource of a kind with a status subresource. */
  resetFields?: readonly (readonly string[])[];
  /** Defaults to fieldSchemaFor(group, kind) of `next`. */
  schema?: FieldSchema;
}

/**
 * FieldManager.Update for POST, PUT and non-apply PATCH (old undefined on create): the manager takes the fields
 * that differ from `old`, other managers lose them, and the new managedFields are returned. An empty list means
 * the object carries no managedFields (an existing object that never had any, or a request that reset them).
 */
export function updateManagedFields(old: KubeObject | undefined, next: KubeObject, manager: string, opts: UpdateManagedFieldsOptions): ManagedFieldsEntry[] {
  const managed = liveOrNew(old, next, !!opts.subresource);
  // skipnonapplied.go: an existing object without managedFields is not tracked until it is applied to.
  if (managed.size === 0 && old !== undefined) return [];
  const group = groupOf(opts.apiVersion);
  const kind = typeof next.kind === 'string' ? next.kind : '';
  const ctx: OwnershipContext = { apiVersion: opts.apiVersion, schema: opts.schema ?? fieldSchemaFor(group, kind), ignored: resetFieldSet(opts.resetFields), time: opts.time };
  const identifier = managerIdentifier({ manager: managerOrUserAgent(manager, opts.userAgent) || 'unknown', operation: 'Update', apiVersion: opts.apiVersion, subresource: opts.subresource });
  recordUpdate(old ? withoutManagedFields(old) : zeroObject(group, kind), withoutManagedFields(next), managed, identifier, ctx);
  return encodeManagedFields(managed);
}
