// Server-side apply (application/apply-patch+yaml): the FieldManager.Apply chain of apimachinery
// pkg/util/managedfields/internal (versioncheck, lastappliedupdater, lastappliedmanager, skipnonapplied,
// buildmanagerinfo, managedfieldsupdater, stripmeta, structuredmerge) over structured-merge-diff's
// merge.Updater.Apply, and the checks handlers/patch.go makes around it.

import { badRequest, internalError, invalid, StatusError, type FieldError, type StatusCause } from '../machinery/errors.ts';
import { deepCopy, jsonEqual } from '../machinery/json.ts';
import { isObject, own, type KubeObject } from '../machinery/object.ts';
import {
  decodeManagedFields,
  encodeManagedFields,
  fieldSchemaFor,
  fieldSetOf,
  FieldSet,
  compareObjects,
  listPEs,
  managerIdentifier,
  pathString,
  printManager,
  recordUpdate,
  resetFieldSet,
  strippedFields,
  takeOwnership,
  withoutManagedFields,
  zeroObject,
  goJSON,
  type Conflict,
  type FieldSchema,
  type Managed,
  type OwnershipContext,
} from './managedfields.ts';

type JsonMap = Record<string, unknown>;

const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
/** apimachinery api/validation TotalAnnotationSizeLimitB. */
const totalAnnotationSizeLimit = 256 * 1024;
const fieldManagerMaxLength = 128;

function optionsInvalid(kind: string, errs: FieldError[]): StatusError {
  const err = invalid({ group: 'meta.k8s.io', kind }, '', errs);
  if (err.status.details) delete err.status.details.name; // Go omits the empty name
  return err;
}

/** validation.go ValidateFieldManager: at most 128 bytes, printable characters only. */
function fieldManagerErrors(fieldManager: string): FieldError[] {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(fieldManager) > fieldManagerMaxLength) {
    errs.push({ type: 'FieldValueTooLong', field: 'fieldManager', detail: `may not be more than ${fieldManagerMaxLength} bytes` });
  }
  let offset = 0;
  for (const ch of fieldManager) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) {
      const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      errs.push({ type: 'FieldValueInvalid', field: 'fieldManager', badValue: fieldManager, detail: `invalid character ${code} (at position ${offset})` });
    }
    offset += Buffer.byteLength(ch);
  }
  return errs;
}

/**
 * ValidatePatchOptions (apimachinery meta/v1/validation): apply needs a fieldManager, `force` is only for apply.
 * Throws 422 `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`.
 */
export function validatePatchOptions(options: { fieldManager?: string; force?: boolean }, apply: boolean): void {
  const errs: FieldError[] = [];
  if (!apply && options.force !== undefined) errs.push({ type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' });
  if (apply && !options.fieldManager) errs.push({ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' });
  errs.push(...fieldManagerErrors(options.fieldManager ?? ''));
  if (errs.length > 0) throw optionsInvalid('PatchOptions', errs);
}

/** ValidateCreateOptions / ValidateUpdateOptions, fieldManager part. */
export function validateFieldManagerOption(kind: 'CreateOptions' | 'UpdateOptions', fieldManager: string | undefined): void {
  const errs = fieldManagerErrors(fieldManager ?? '');
  if (errs.length > 0) throw optionsInvalid(kind, errs);
}

/** conflict.go NewConflictError: 409 Conflict, one FieldManagerConflict cause per field, grouped by sorted manager. */
export function applyConflictError(conflicts: readonly Conflict[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0] as Conflict;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const lines: string[] = [];
    for (const m of [...new Set(conflicts.map((c) => c.manager))].sort()) {
      lines.push(`conflicts with ${printManager(m)}:`);
      for (const c of conflicts) if (c.manager === m) lines.push(`- ${pathString(c.path)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', details: { causes }, code: 409 });
}

// --- typed merge (structured-merge-diff typed/merge.go, typed/remove.go) ---

const kindOf = (v: unknown): string => (v === null || v === undefined ? 'none' : Array.isArray(v) ? 'array' : isObject(v) ? 'object' : 'scalar');

/** TypedValue.Merge: `r` over `l`; objects field by field, associative lists item by item, anything else replaced. */
function mergeValues(l: unknown, r: unknown, s: FieldSchema): unknown {
  if (r === undefined) return l;
  if (l === undefined) return r;
  const kinds = new Set([kindOf(l), kindOf(r)].filter((k) => k !== 'none'));
  if (kinds.size === 1 && kinds.has('object') && s.type !== 'atomic') {
    const lm = isObject(l) ? l : {};
    const rm = isObject(r) ? r : {};
    if (Object.keys(lm).length === 0 && Object.keys(rm).length === 0) return r;
    const out: JsonMap = {};
    for (const k of new Set([...Object.keys(lm), ...Object.keys(rm)])) {
      const v = mergeValues(own(lm, k), own(rm, k), s.field(k));
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (kinds.size === 1 && kinds.has('array')) {
    const la = Array.isArray(l) ? l : [];
    const ra = Array.isArray(r) ? r : [];
    const lp = listPEs(la, s);
    const rp = listPEs(ra, s);
    if (lp && rp && la.length + ra.length > 0) return mergeLists(la, lp, ra, rp, s);
  }
  return r;
}

/** mergingWalker.visitListItems: live order, with applied items placed in the applied order. */
function mergeLists(la: unknown[], lp: string[], ra: unknown[], rp: string[], s: FieldSchema): unknown[] {
  const lItems = new Map(lp.map((pe, i) => [pe, la[i]]));
  const rItems = new Map(rp.map((pe, i) => [pe, ra[i]]));
  const shared = rp.filter((pe) => lItems.has(pe));
  let nextShared = shared.shift();
  const mergedR = new Set<string>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < lp.length || ri < rp.length) {
    if (li < lp.length && ri < rp.length) {
      const pe = lp[li] as string;
      if (pe === rp[ri]) {
        mergedR.add(pe);
        out.push(mergeValues(lItems.get(pe), rItems.get(pe), s));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (rItems.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < lp.length) {
      const pe = lp[li] as string;
      if (!rItems.has(pe)) {
        out.push(la[li]);
        li++;
        continue;
      }
      if (mergedR.has(pe)) li++;
    }
    if (ri < rp.length) {
      const pe = rp[ri] as string;
      mergedR.add(pe);
      out.push(mergeValues(lItems.get(pe), rItems.get(pe), s));
      ri++;
      if (nextShared === pe) nextShared = shared.shift();
    }
  }
  return out;
}

/** TypedValue.RemoveItems: drops the members of `set` (whole subtrees); a container emptied this way goes too. */
function removeItems(v: unknown, set: FieldSet, s: FieldSchema): unknown {
  if (isObject(v) && s.type !== 'atomic') {
    const out: JsonMap = {};
    for (const [k, val] of Object.entries(v)) {
      const pe = `f:${k}`;
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      const kept = sub ? removeItems(val, sub, s.field(k)) : val;
      if (kept !== undefined) out[k] = kept;
    }
    return Object.keys(out).length > 0 || Object.keys(v).length === 0 ? out : undefined;
  }
  const pes = Array.isArray(v) ? listPEs(v, s) : undefined;
  if (!Array.isArray(v) || !pes || v.length === 0) return v;
  const out: unknown[] = [];
  v.forEach((item, i) => {
    const pe = pes[i] as string;
    if (set.members.has(pe)) return;
    const sub = set.children.get(pe);
    const kept = sub ? removeItems(item, sub, s) : item;
    if (kept !== undefined) out.push(kept);
  });
  return out.length > 0 ? out : undefined;
}

const ownedFields = (obj: unknown, s: FieldSchema): FieldSet => fieldSetOf(obj, s).withNamedFieldsAsMembers();

/**
 * Updater.prune: what the applier applied last time but not now is removed, unless some manager (this applier
 * included) still owns it; fields nobody owns go with it (addBackOwnedItems, addBackDanglingItems).
 */
function prune(merged: unknown, managed: Managed, lastSet: FieldSet | undefined, s: FieldSchema): unknown {
  if (!lastSet || lastSet.empty()) return merged;
  const last = lastSet.withNamedFieldsAsMembers();
  const mergedSet = ownedFields(merged, s);
  const pruned = removeItems(merged, last, s) ?? {};
  let owned = new FieldSet();
  for (const m of managed.values()) owned = owned.union(m.set);
  const addedBack = removeItems(merged, mergedSet.difference(ownedFields(pruned, s).union(owned.withNamedFieldsAsMembers())), s) ?? {};
  return removeItems(merged, mergedSet.difference(ownedFields(addedBack, s)).intersection(last), s) ?? {};
}

// --- the apply chain ---

export interface ApplyOptions {
  /** The fieldManager query parameter (validatePatchOptions first). */
  manager: string;
  force: boolean;
  /** The endpoint's kind; the applied object's apiVersion and kind must match it. */
  kind: { group: string; version: string; kind: string };
  /** RFC 3339, second precision. */
  time: string;
  /** The name on the URL; when given, checked as handlers/patch.go checkName does. */
  name?: string;
  /** The request's namespace ('' for cluster-scoped kinds), filled in or checked when `name` is given. */
  namespace?: string;
  /** 'status' for apply to /status. */
  subresource?: string;
  /** The strategy's reset fields, e.g. [['status']] for the main resource of a kind with a status subresource. */
  resetFields?: readonly (readonly string[])[];
  /** Defaults to fieldSchemaFor(kind.group, kind.kind); pass one for CRDs with list-type annotations. */
  schema?: FieldSchema;
}

type ApplyOutcome = { object: JsonMap; managed: Managed } | { conflicts: Conflict[] };

/** buildmanagerinfo, skipnonapplied, managedfieldsupdater, stripmeta and structuredmerge, on a copy of `managedIn`. */
function applyOnce(live: JsonMap | undefined, applied: JsonMap, managedIn: Managed, force: boolean, opts: ApplyOptions, ctx: OwnershipContext): ApplyOutcome {
  const managed: Managed = new Map(managedIn);
  const id = managerIdentifier({ manager: opts.manager, operation: 'Apply', subresource: opts.subresource });
  if (managed.size === 0 && live) {
    // The fields of an object never tracked before belong to "before-first-apply".
    const before = managerIdentifier({ manager: 'before-first-apply', operation: 'Update', apiVersion: ctx.apiVersion, subresource: opts.subresource });
    recordUpdate(zeroObject(opts.kind.group, opts.kind.kind), live, managed, before, ctx);
  }
  const base = live ?? {};
  const lastSet = managed.get(id)?.set;
  const previousTime = managed.get(id)?.time;
  managed.set(id, { set: fieldSetOf(applied, ctx.schema).recursiveDifference(ctx.ignored), apiVersion: ctx.apiVersion, applied: true, ...(previousTime ? { time: previousTime } : {}) });
  const merged = (prune(mergeValues(base, applied, ctx.schema), managed, lastSet, ctx.schema) ?? {}) as JsonMap;
  const taken = takeOwnership(base, merged, managed, id, force, ctx);
  if (Array.isArray(taken)) return { conflicts: taken };
  const mine = managed.get(id);
  if (mine) {
    const set = mine.set.difference(strippedFields);
    if (set.empty()) managed.delete(id);
    else managed.set(id, { ...mine, set, ...(jsonEqual(base, merged) ? {} : { time: opts.time }) });
  }
  return { object: merged, managed };
}

/** lastappliedmanager.go: fields of the last-applied annotation that still match the live object. */
function lastAppliedFields(live: JsonMap, apiVersion: string, s: FieldSchema): FieldSet | undefined {
  const annotations = isObject(live.metadata) && isObject(live.metadata.annotations) ? live.metadata.annotations : {};
  const text = annotations[lastAppliedAnnotation];
  if (typeof text !== 'string' || text === '') return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(last) || last.apiVersion !== apiVersion) return undefined;
  const c = compareObjects(last, live, s);
  return fieldSetOf(last, s).difference(c.modified).difference(c.added).difference(c.removed);
}

function groupVersionOf(apiVersion: unknown): [string, string] {
  if (typeof apiVersion !== 'string' || apiVersion === '') return ['', ''];
  const parts = apiVersion.split('/');
  if (parts.length === 1) return ['', apiVersion];
  return parts.length === 2 ? [parts[0] as string, parts[1] as string] : ['', ''];
}

/**
 * Server-side apply of `applied` onto `live` (undefined: the object does not exist, and apply creates it).
 * Returns the object to persist, with its managedFields, or throws the upstream Status: 400 for a wrong
 * apiVersion/kind, managedFields in the body or a wrong name/namespace, 409 for conflicts, 500 for unreadable
 * managedFields on the live object.
 */
export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, opts: ApplyOptions): { object: KubeObject; created: boolean } {
  const { group, version, kind } = opts.kind;
  const apiVersion = group ? `${group}/${version}` : version;
  const [g, v] = groupVersionOf(applied.apiVersion);
  const k = typeof applied.kind === 'string' ? applied.kind : '';
  if (g !== group || v !== version || k !== kind) throw badRequest(`invalid object type: ${g}/${v}, Kind=${k}`);
  if (isObject(applied.metadata) && Array.isArray(applied.metadata.managedFields)) throw badRequest('metadata.managedFields must be nil');

  let managed: Managed;
  try {
    managed = decodeManagedFields(live?.metadata.managedFields);
  } catch (e) {
    throw internalError(`failed to decode managed fields: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ctx: OwnershipContext = { apiVersion, schema: opts.schema ?? fieldSchemaFor(group, kind), ignored: resetFieldSet(opts.resetFields), time: opts.time };
  const base = live ? (deepCopy(withoutManagedFields(live)) as JsonMap) : undefined;
  const config = deepCopy(applied) as JsonMap;

  let outcome = applyOnce(base, config, managed, opts.force, opts, ctx);
  if ('conflicts' in outcome && opts.manager === 'kubectl' && base) {
    // Upgrading from client-side apply: conflicts on fields the last-applied annotation holds are forced.
    const allowed = lastAppliedFields(base, apiVersion, ctx.schema);
    if (allowed) {
      const remaining = outcome.conflicts.filter((c) => !allowed.has(c.path));
      outcome = remaining.length === 0 ? applyOnce(base, config, managed, true, opts, ctx) : { conflicts: remaining };
    }
  }
  if ('conflicts' in outcome) throw applyConflictError(outcome.conflicts);

  const object = outcome.object as KubeObject;
  if (!isObject(object.metadata)) object.metadata = {};
  const meta = object.metadata;
  if (opts.manager === 'kubectl' && isObject(meta.annotations) && meta.annotations[lastAppliedAnnotation]) {
    // lastappliedupdater.go: keep the client-side apply annotation in step with what kubectl applied.
    const intent = deepCopy(config);
    if (isObject(intent.metadata) && isObject(intent.metadata.annotations)) delete intent.metadata.annotations[lastAppliedAnnotation];
    const annotations: Record<string, string> = { ...meta.annotations, [lastAppliedAnnotation]: `${goJSON(intent)}\n` };
    const size = Object.entries(annotations).reduce((n, [key, val]) => n + Buffer.byteLength(key) + Buffer.byteLength(String(val)), 0);
    if (size > totalAnnotationSizeLimit) delete annotations[lastAppliedAnnotation];
    meta.annotations = annotations;
  }
  const entries = encodeManagedFields(outcome.managed);
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;

  if (opts.name !== undefined) {
    // handlers/patch.go applyPatch: EnsureObjectNamespaceMatchesRequestNamespace, then checkName.
    const ns = opts.namespace ?? '';
    const objNs = typeof meta.namespace === 'string' ? meta.namespace : '';
    if (objNs !== ns) {
      if (objNs === '') meta.namespace = ns;
      else if (ns === '') delete meta.namespace;
      else throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const objName = typeof meta.name === 'string' ? meta.name : '';
    if (objName !== opts.name) throw badRequest(`the name of the object (${objName}) does not match the name on the URL (${opts.name})`);
  }
  return { object, created: live === undefined };
}
