// Strategic merge patch (application/strategic-merge-patch+json), re-implemented from apimachinery v0.32.4
// pkg/util/strategicpatch/patch.go (StrategicMergeMapPatch → mergeMap / mergeSlice). A pure function: the
// inputs are never mutated (they may be frozen store snapshots) and the result shares nothing with them.
//
// Left to the caller, as upstream leaves them to the typed decode that follows (handlers/patch.go
// applyPatchToObject): nulls inside elements appended to a list or inside wholesale-replaced values, and
// `$`-prefixed keys inside subtrees that were absent from the original, survive into the result.

/** A field's `patchStrategy` Go struct tag. `retainKeys` only shapes the patches clients compute. */
export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

/** The `patchStrategy` and `patchMergeKey` struct tags of one field. */
export interface PatchTags {
  readonly strategy?: PatchStrategy;
  readonly mergeKey?: string;
}

/**
 * Patch metadata at one point of an object: the tags of the field that leads here, and field(name) for the
 * fields below it (for a list, the fields of its elements). After strategicpatch/meta.go LookupPatchMeta.
 */
export interface PatchMeta extends PatchTags {
  field(name: string): PatchMeta;
}

/** No metadata: maps merge key by key and lists are replaced whole, as in a JSON merge patch. */
export const unknownMeta: PatchMeta = { field: () => unknownMeta };

/** A struct whose listed fields carry metadata; any other field is unknownMeta. */
export function structMeta(fields: Readonly<Record<string, PatchMeta>>, tags: PatchTags = {}): PatchMeta {
  return { ...tags, field: (name) => (Object.hasOwn(fields, name) ? fields[name] : undefined) ?? unknownMeta };
}

/** The schema `meta` reached through a field tagged with `tags`. */
export function withTags(tags: PatchTags, meta: PatchMeta = unknownMeta): PatchMeta {
  return { ...meta, ...tags, field: (name) => meta.field(name) };
}

/**
 * A malformed patch. `code` is the HTTP status the real server answers with: 400 or 422 for the sentinel
 * errors handlers/patch.go interpretStrategicMergePatchError maps, otherwise 500 (reason Unknown, as
 * responsewriters.ErrorToAPIStatus does for a plain error).
 */
export class StrategicMergeError extends Error {
  override readonly name = 'StrategicMergeError';
  constructor(
    message: string,
    readonly code: 400 | 422 | 500 = 500,
  ) {
    super(message);
  }
}

type JsonMap = Record<string, unknown>;
type Kind = 'map' | 'slice' | 'string' | 'number' | 'bool' | 'nil';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

/** Applies `patch` to `original` (a JSON object, or null/undefined for {}) using the schema `meta`. */
export function strategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (original !== null && original !== undefined && !isMap(original)) throw badArgType('map', original);
  const base: JsonMap = isMap(original) ? structuredClone(original) : {};
  // handlers/patch.go strategicPatchObject: the body must decode into a map ("null" decodes to a nil map).
  if (patch === null) return base;
  if (!isMap(patch)) {
    throw new StrategicMergeError(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`, 400);
  }
  return mergeMap(base, structuredClone(patch), meta);
}

// mergeMap: merges patch into original, mutating both (they are private copies here).
function mergeMap(original: JsonMap, patch: JsonMap, meta: PatchMeta): JsonMap {
  if (Object.hasOwn(patch, directiveMarker)) return mapDirective(patch[directiveMarker], patch);
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, meta);

  for (const [key, patchV] of Object.entries(patch)) {
    // preprocessDeletionListForMerging: `$deleteFromPrimitiveList/<list>` targets <list>.
    let k = key;
    const isDeleteList = key.startsWith(deleteFromPrimitiveListPrefix);
    if (isDeleteList) k = directiveTarget(key, deleteFromPrimitiveListPrefix) || key;

    if (patchV === null) {
      delete original[k];
      continue;
    }
    const originalV = original[k];
    if (!Object.hasOwn(original, k) || kindOf(originalV) !== kindOf(patchV)) {
      // A new (or retyped) value is taken from the patch without its nulls and directives; a deletion list
      // never creates its list.
      if (!isDeleteList) setKept(original, k, removeDirectives(discardNulls(patchV)));
      continue;
    }
    const sub = meta.field(k);
    const strategy = baseStrategy(sub.strategy);
    if (isMap(originalV) && isMap(patchV)) {
      original[k] = strategy === 'replace' ? patchV : mergeMap(originalV, patchV, sub); // mergeMapHandler
    } else if (Array.isArray(originalV) && Array.isArray(patchV)) {
      // mergeSliceHandler: deletion lists apply whatever the field's strategy.
      original[k] = strategy === 'merge' || isDeleteList ? mergeSlice(originalV, patchV, sub, isDeleteList) : patchV;
    } else {
      original[k] = patchV;
    }
  }
  return original;
}

// handleDirectiveInMergeMap: `$patch: replace` keeps the patch as is, `$patch: delete` empties the map.
function mapDirective(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === 'replace') {
    delete patch[directiveMarker];
    return patch;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

// applyRetainKeysDirective: every key the patch sets must be retained; original keys not retained are cleared.
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const retained = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retained)) throw badRetainKeysFormat();
  const keep = new Set(retained);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
    if (!keep.has(k)) throw badRetainKeysFormat();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

// mergePatchIntoOriginal: merges each list that has a `$setElementOrder/<list>` and orders it; the order list
// takes precedence over the order of the patch list, which takes precedence over the live order.
function mergeOrderedLists(original: JsonMap, patch: JsonMap, meta: PatchMeta): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('slice', order);
    const k = directiveTarget(key, setElementOrderPrefix);
    const foundOriginal = Object.hasOwn(original, k);
    const foundPatch = Object.hasOwn(patch, k);
    const originalList = foundOriginal ? asSlice(original[k]) : [];
    const patchList = foundPatch ? asSlice(patch[k]) : [];
    const sub = meta.field(k);
    const mergeKey = sub.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList) as unknown[];
    else if (foundOriginal && foundPatch) {
      merged = baseStrategy(sub.strategy) === 'merge' ? mergeSlice(originalList, patchList, sub, false) : patchList;
    } else continue;

    const [patchItems, serverOnly] = partition(merged, order, mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    original[k] = normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey, kind);
    delete patch[k];
  }
}

// validatePatchWithSetOrderList: the patch list (deletions aside) must follow the order of the order list.
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isMap(item) && Object.hasOwn(item, directiveMarker)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length) {
    throw new StrategicMergeError(
      `The order in patch list:\n${goFmt(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFmt(order)}\n`,
    );
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isMap(left)) throw badArgType('map', left);
  if (!isMap(right)) throw badArgType('map', right);
  if (!Object.hasOwn(left, mergeKey)) throw noMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// mergeSlice: primitives merge as a set (or are removed, for a deletion list); maps merge by merge key.
function mergeSlice(original: unknown[], patch: unknown[], meta: PatchMeta, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  const mergeKey = meta.mergeKey ?? '';
  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v)); // deleteFromSlice, order kept
    merged = [...new Set([...original, ...patch])]; // deduplicateScalars; the order is restored below
  } else {
    if (!mergeKey) throw new StrategicMergeError('cannot merge lists without merge key for struct');
    [original, patch] = mergeSliceWithSpecialElements(original as JsonMap[], patch as JsonMap[], mergeKey);
    merged = mergeSliceWithoutSpecialElements(original as JsonMap[], patch as JsonMap[], mergeKey, meta);
  }
  const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

// mergeSliceWithSpecialElements: applies `$patch: delete` and `$patch: replace` elements; returns the new
// original and the patch without them.
function mergeSliceWithSpecialElements(original: JsonMap[], patch: JsonMap[], mergeKey: string): [JsonMap[], JsonMap[]] {
  const plain: JsonMap[] = [];
  let replace = false;
  for (const item of patch) {
    if (!Object.hasOwn(item, directiveMarker)) {
      plain.push(item);
      continue;
    }
    const directive = item[directiveMarker];
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      original = original.filter((e) => !(Object.hasOwn(e, mergeKey) && e[mergeKey] === item[mergeKey])); // deleteMatchingEntries
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw new StrategicMergeError('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, item);
    }
  }
  return replace ? [plain, []] : [original, plain];
}

// mergeSliceWithoutSpecialElements: an element whose merge key matches is merged, any other is appended.
function mergeSliceWithoutSpecialElements(original: JsonMap[], patch: JsonMap[], mergeKey: string, meta: PatchMeta): JsonMap[] {
  const merged = [...original];
  for (const item of patch) {
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    const i = findByMergeKey(merged, mergeKey, item[mergeKey]);
    const match = merged[i];
    if (match) merged[i] = mergeMap(match, item, meta);
    else merged.push(item);
  }
  return merged;
}

// findMapInSliceBasedOnKeyValue
function findByMergeKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (const [i, v] of list.entries()) {
    if (!isMap(v)) throw new StrategicMergeError(`value for key ${i} is not a map`);
    if (Object.hasOwn(v, mergeKey) && v[mergeKey] === value) return i;
  }
  return -1;
}

// partitionPrimitivesByPresentInList / partitionMapsByPresentInList: [items present in `by`, the others].
function partition(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const v of list) {
    let found: boolean;
    if (!mergeKey) found = by.includes(v);
    else {
      if (!isMap(v)) throw badArgType('map', v);
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
      found = findByMergeKey(by, mergeKey, v[mergeKey]) >= 0;
    }
    (found ? present : absent).push(v);
  }
  return [present, absent];
}

// normalizeElementOrder: patch items in patch order, server-only items in live order, then interleaved.
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const patchSorted = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const serverSorted = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(serverSorted, patchSorted, serverOrder, mergeKey, kind);
}

// normalizeSliceOrder: a stable sort by position in `order`, with `$patch: delete` elements moved last.
function normalizeSliceOrder(items: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let toSort = items;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const v of [...items, ...order]) {
      if (!isMap(v)) throw badArgType('map', v);
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    }
    [toSort, toDelete] = extractToDeleteItems(items);
  }
  // Go's sort.SliceStable comparator, where an element missing from `order` sorts before anything.
  const less = (a: unknown, b: unknown): boolean => {
    const ia = indexIn(order, a, mergeKey, kind);
    const ib = ia >= 0 ? indexIn(order, b, mergeKey, kind) : -1;
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  };
  const sorted = [...toSort];
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0 && less(sorted[j], sorted[j - 1]); j--) {
      [sorted[j - 1], sorted[j]] = [sorted[j], sorted[j - 1]];
    }
  }
  return [...sorted, ...toDelete];
}

// extractToDeleteItems: [elements to keep, `$patch: delete` elements].
function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const drop: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw badArgType('map', v);
    (v[directiveMarker] === 'delete' ? drop : keep).push(v);
  }
  return [keep, drop];
}

// mergeSortedSlice: inserts each server-only item (left) before the first patch item (right) that follows it
// in the live list; patch items new to the list come before the remaining server-only items.
function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: Kind): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    let takeLeft = j >= right.length;
    if (i < left.length && j < right.length) {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      takeLeft = li >= 0 && ri >= 0 && li < ri;
    }
    out.push(takeLeft ? left[i++] : right[j++]);
  }
  return out;
}

// index: position of an element in `list`, compared by merge key value for maps.
function indexIn(list: unknown[], value: unknown, mergeKey: string, kind: Kind): number {
  const key = (v: unknown): unknown => (kind !== 'map' ? v : isMap(v) && Object.hasOwn(v, mergeKey) ? v[mergeKey] : null);
  const k = key(value);
  return list.findIndex((v) => key(v) === k);
}

// sliceElementType: all elements of the lists must have one type, and not be lists.
function sliceElementKind(...lists: unknown[][]): Kind {
  let kind: Kind | undefined;
  for (const v of lists.flat()) {
    const k = kindOf(v);
    if (kind === undefined) {
      if (k === 'slice') throw new StrategicMergeError('lists of lists are not supported', 422);
      kind = k;
    } else if (k !== kind) {
      throw new StrategicMergeError(`list element types are not identical: ${goFmt(lists)}`);
    }
  }
  if (kind === undefined) throw new StrategicMergeError('no elements in any of the given slices');
  return kind;
}

// removeDirectives: drops every map holding `$patch` (and the element or field holding it).
function removeDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !hasDirective(e)).map(removeDirectives);
  if (!isMap(v)) return v;
  for (const [k, e] of Object.entries(v)) setKept(v, k, removeDirectives(e));
  return v;
}

function hasDirective(v: unknown): boolean {
  return isMap(v) && Object.hasOwn(v, directiveMarker);
}

/** Sets m[k] = v, or deletes m[k] if v is a map removeDirectives drops. */
function setKept(m: JsonMap, k: string, v: unknown): void {
  if (hasDirective(v)) delete m[k];
  else m[k] = v;
}

// discardNullValuesFromPatch: removes null fields from maps at any depth (list elements stay).
function discardNulls(v: unknown): unknown {
  if (Array.isArray(v)) v.forEach(discardNulls);
  else if (isMap(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) delete v[k];
      else discardNulls(e);
    }
  }
  return v;
}

// extractKey: the list name after `<prefix>/`.
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw prefix === setElementOrderPrefix ? badSetElementOrderFormat() : badPrimitiveListFormat();
  }
  return key.slice(slash + 1);
}

// extractRetainKeysPatchStrategy: what remains once retainKeys is set aside.
function baseStrategy(strategy: PatchStrategy | undefined): 'merge' | 'replace' | '' {
  if (strategy === 'merge' || strategy === 'merge,retainKeys') return 'merge';
  return strategy === 'replace' ? 'replace' : '';
}

function asSlice(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw badArgType('slice', v);
  return v;
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): Kind {
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'nil';
}

function jsonKind(v: unknown): string {
  return Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
}

// Errors of apimachinery pkg/util/mergepatch/errors.go, with Go's %v rendering of values.
function badRetainKeysFormat(): StrategicMergeError {
  return new StrategicMergeError('invalid patch format of retainKeys', 400);
}

function badSetElementOrderFormat(): StrategicMergeError {
  return new StrategicMergeError('invalid patch format of setElementOrder list', 400);
}

function badPrimitiveListFormat(): StrategicMergeError {
  return new StrategicMergeError('invalid patch format of primitive list', 400);
}

function noMergeKey(m: JsonMap, mergeKey: string): StrategicMergeError {
  return new StrategicMergeError(`map: ${goFmt(m)} does not contain declared merge key: ${mergeKey}`);
}

function badPatchType(directive: unknown, m: JsonMap): StrategicMergeError {
  const s = typeof directive === 'string' ? directive : directive === null ? '%!s(<nil>)' : `%!s(${goType(directive)}=${goFmt(directive)})`;
  return new StrategicMergeError(`unknown patch type: ${s} in map: ${goFmt(m)}`);
}

function badArgType(expected: 'map' | 'slice', actual: unknown): StrategicMergeError {
  return new StrategicMergeError(`expected a ${goType(expected === 'map' ? {} : [])}, but received a ${goType(actual)}`);
}

function goType(v: unknown): string {
  const names: Record<Kind, string> = {
    map: 'map[string]interface {}',
    slice: '[]interface {}',
    string: 'string',
    number: Number.isInteger(v) ? 'int64' : 'float64',
    bool: 'bool',
    nil: '%!s(<nil>)',
  };
  return names[kindOf(v)];
}

function goFmt(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFmt).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goFmt(v[k])}`).join(' ')}]`;
  return v === null || v === undefined ? '<nil>' : String(v);
}
