// The generic Store: the API rules shared by every kind (apiserver pkg/registry/generic/registry/store.go),
// with per-kind behaviour delegated to a Strategy.
import { apiVersionOf, type KindInfo } from '../api/kinds.ts';
import { decodeObject, DecodeError, unknownFields } from '../api/schemas.ts';
import { checkBuiltinTypes } from '../api/typecheck.ts';
import { rfc3339Seconds, type Clock } from '../machinery/clock.ts';
import {
  alreadyExists,
  badRequest,
  expired,
  conflict,
  forbidden,
  generateNameConflict,
  GoValue,
  invalid,
  notFound,
  optimisticLockErrorMsg,
  StatusError,
  successStatus,
  timeout,
  type FieldError,
  type Status,
} from '../machinery/errors.ts';
import { deepCopy, jsonEqual } from '../machinery/json.ts';
import { generateName } from '../machinery/names.ts';
import { checkObjectShape } from '../machinery/nesting.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import type { Random } from '../machinery/random.ts';
import { StorageError, type Storage, type StorageWatcher } from '../storage/interface.ts';
import { serverSideApply, validateFieldManagerOption, validatePatchOptions } from './apply.ts';
import { toStatusError } from './errors.ts';
import { updateManagedFields } from './managedfields.ts';
import { foregroundFinalizer, orphanFinalizer } from './gc.ts';
import {
  continueExpired,
  decodeContinue,
  encodeContinue,
  parseListResourceVersion,
  parseSelectors,
  validateListOptions,
  type ListQuery,
} from './listquery.ts';
import type { Strategy } from './strategy.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './validation.ts';

/** Tries at a unique generated name before giving up (store.go, create with generateName). */
const generateNameAttempts = 8;

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** Names the manager in managedFields when fieldManager is empty. */
  userAgent?: string;
}

export interface ApplyRequestOptions extends WriteOptions {
  force?: boolean;
  subresource?: 'status';
}

/** How a write's managedFields are produced. */
type Ownership = 'update' | 'applied';

export interface UpdateOptions extends WriteOptions {
  /** `finalize` exists on namespaces only: it writes spec.finalizers and nothing else. */
  subresource?: 'status' | 'finalize' | 'binding';
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  /** Warnings for the Warning header (fieldValidation=Warn). */
  warnings: string[];
}

export interface ListOutcome {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** What the store needs to know about namespaces, to refuse content in missing or terminating ones. */
export interface NamespaceLookup {
  get(name: string): Promise<KubeObject | undefined>;
}

export interface StoreDeps {
  storage: Storage;
  clock: Clock;
  random: Random;
  namespaces: NamespaceLookup;
}

/**
 * The finalizers after a DELETE with this propagation policy (store.go deletionFinalizersForGarbageCollection):
 * Orphan adds `orphan`, Foreground adds `foregroundDeletion`, Background removes both; without a policy an
 * existing one of the two decides, else Background.
 */
export function gcFinalizers(obj: KubeObject, policy: DeleteOptions['propagationPolicy']): string[] {
  const current = obj.metadata.finalizers ?? [];
  const effective = policy ?? (current.includes(orphanFinalizer) ? 'Orphan' : current.includes(foregroundFinalizer) ? 'Foreground' : 'Background');
  const rest = current.filter((f) => f !== orphanFinalizer && f !== foregroundFinalizer);
  if (effective === 'Orphan') return [...rest, orphanFinalizer];
  if (effective === 'Foreground') return [...rest, foregroundFinalizer];
  return rest;
}

/** ObjectMeta's collections are `omitempty`: an emptied one is dropped, as the Go encoder does. */
function dropEmptyMetadata(obj: KubeObject): void {
  const m = obj.metadata;
  for (const k of ['labels', 'annotations'] as const) if (m[k] && Object.keys(m[k]).length === 0) delete m[k];
  for (const k of ['ownerReferences', 'finalizers', 'managedFields'] as const) if (m[k] && m[k].length === 0) delete m[k];
}

/** Raised inside an update when the result has no finalizers left on an object being deleted. */
class EmptiedFinalizers {
  constructor(readonly current: KubeObject) {}
}

export class ResourceStore {
  readonly info: KindInfo;
  private readonly gr: { group: string; resource: string };
  private readonly gk: { group: string; kind: string };

  constructor(
    readonly strategy: Strategy,
    private readonly deps: StoreDeps,
  ) {
    this.info = strategy.info;
    this.gr = { group: this.info.group, resource: this.info.plural };
    this.gk = { group: this.info.group, kind: this.info.kind };
  }

  /** Storage key: /group/resource/namespace/name (core group spelled `core`). */
  key(namespace: string | undefined, name: string): string {
    return this.info.namespaced ? `${this.prefix(namespace)}${name}` : `${this.prefix(undefined)}${name}`;
  }

  /** Prefix of a collection; without a namespace, every namespace. */
  prefix(namespace: string | undefined): string {
    const base = `/${this.info.group || 'core'}/${this.info.plural}/`;
    return this.info.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  private decode(body: unknown, opts: WriteOptions): { obj: KubeObject; warnings: string[] } {
    // Every object that reaches storage passed here: nothing nested too deeply to walk or read back is stored.
    if (isObject(body)) checkObjectShape(body);
    let obj: KubeObject;
    const mode = opts.fieldValidation ?? 'Ignore';
    let typedUnknown: string[] | undefined;
    try {
      obj = decodeObject(this.info, body);
      // Built-in kinds: every field type-checked, unknown ones dropped (and refused when Strict).
      typedUnknown = checkBuiltinTypes(this.info, obj, mode);
    } catch (e) {
      if (e instanceof DecodeError) throw badRequest(e.message);
      throw e;
    }
    const want = apiVersionOf(this.info);
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== this.info.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${this.info.kind})`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== want) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`);
    }
    const warnings: string[] = [];
    if (mode !== 'Ignore') {
      const unknown = typedUnknown ?? unknownFields(this.info, obj);
      if (unknown.length > 0 && mode === 'Strict') {
        throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
      }
      for (const f of unknown) warnings.push(`unknown field "${f}"`);
    }
    return { obj, warnings };
  }

  private invalid(name: string, errs: FieldError[]): StatusError {
    return invalid(this.gk, name, errs);
  }

  private async checkNamespace(namespace: string, name: string): Promise<void> {
    const ns = await this.deps.namespaces.get(namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp) {
      // admission/plugin/namespace/lifecycle/admission.go
      throw forbidden(this.gr, name, `unable to create new content in namespace ${namespace} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  async create(namespace: string | undefined, body: unknown, opts: WriteOptions = {}, ownership: Ownership = 'update'): Promise<WriteResult> {
    const { obj, warnings } = this.decode(body, opts);
    const meta = obj.metadata;
    if (this.info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
      if (!meta.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    } else {
      delete meta.namespace;
    }
    const generated = !meta.name && !!meta.generateName;
    if (this.info.namespaced) await this.checkNamespace(meta.namespace as string, meta.name ?? meta.generateName ?? '');
    // rest.BeforeCreate: system fields, then the strategy, then validation.
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    meta.uid = this.deps.random.uuid();
    meta.creationTimestamp = rfc3339Seconds(this.deps.clock.now());
    if (this.strategy.generation !== 'none') meta.generation = 1;
    else delete meta.generation;
    // Kinds with a status subresource start without one (strategies' PrepareForCreate); a kubelet registers
    // its Node with status, so nodes keep theirs.
    if (this.info.subresources.status && !(this.info.builtin && this.info.kind === 'Node')) delete obj.status;
    this.strategy.prepareForCreate(obj);
    if (generated) meta.name = generateName(meta.generateName as string, this.deps.random);
    dropEmptyMetadata(obj);
    const release = await this.strategy.allocate?.(obj, async () => (await this.deps.storage.list(this.prefix(undefined))).items);
    try {
      return await this.createPrepared(obj, opts, ownership, warnings, generated);
    } finally {
      release?.();
    }
  }

  private async createPrepared(obj: KubeObject, opts: WriteOptions, ownership: Ownership, warnings: string[], generated: boolean): Promise<WriteResult> {
    const meta = obj.metadata;
    const errs = [...validateObjectMeta(obj, this.strategy.nameIsLabel), ...this.strategy.validate(obj)];
    if (errs.length > 0) throw this.invalid(meta.name ?? '', errs);
    if (ownership === 'update') {
      validateFieldManagerOption('CreateOptions', opts.fieldManager);
      this.setManagedFields(obj, updateManagedFields(undefined, obj, opts.fieldManager ?? '', this.managedFieldsOptions(undefined, opts)));
    }
    if (opts.dryRun) {
      const existing = await this.deps.storage.get(this.key(meta.namespace, meta.name as string));
      if (existing) throw alreadyExists(this.gr, meta.name as string);
      return { object: obj, warnings };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.deps.storage.create(this.key(meta.namespace, meta.name as string), obj);
        return { object: stored, warnings };
      } catch (e) {
        const err = toStatusError(e, this.info, meta.name as string);
        if (err.reason !== 'AlreadyExists' || !generated) throw err;
        if (attempt >= generateNameAttempts) throw generateNameConflict(this.gr, meta.name as string, 1);
        meta.name = generateName(meta.generateName as string, this.deps.random);
      }
    }
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.deps.storage.get(this.key(namespace, name));
    if (!obj) throw notFound(this.gr, name);
    return obj;
  }

  async list(namespace: string | undefined, q: ListQuery): Promise<ListOutcome> {
    validateListOptions(q, false);
    const { filter } = parseSelectors(this.strategy, q);
    const rv = parseListResourceVersion(q);
    const storage = this.deps.storage;
    const current = await storage.revision();
    let atRevision: number | undefined;
    let startAfter: string | undefined;
    let limit = q.limit;
    // What a watch cache may serve: resourceVersion "0" any state, NotOlderThan N one at least at N.
    let minRevision: number | undefined;
    if (q.continue) {
      const token = decodeContinue(q.continue);
      atRevision = token.rv;
      startAfter = token.startAfter;
    } else if (rv === 0 && q.resourceVersion === '0') {
      // "Any": served from the watch cache, which ignores limit.
      limit = undefined;
      minRevision = 0;
    } else if (rv !== undefined && rv > 0) {
      if (rv > current) throw this.tooLargeResourceVersion(rv, current);
      if (q.resourceVersionMatch === 'Exact') atRevision = rv;
      else minRevision = rv;
    }
    try {
      const res = await storage.list(this.prefix(namespace), { atRevision, startAfter, limit, filter, minRevision });
      const out: ListOutcome = { items: res.items, resourceVersion: String(res.revision) };
      if (res.continueAfter !== undefined) out.continue = encodeContinue(res.revision, res.continueAfter);
      if (res.remainingItemCount !== undefined) out.remainingItemCount = res.remainingItemCount;
      return out;
    } catch (e) {
      // A watch cache that did not reach the revision within its bound (watch_cache.go waitUntilFreshAndBlock).
      if (e instanceof StorageError && e.code === 'TooLargeResourceVersion') throw this.tooLargeResourceVersion(minRevision ?? 0, e.details.current ?? current);
      const err = toStatusError(e, this.info, '');
      if (err.reason !== 'Expired') throw err;
      if (q.continue) throw continueExpired();
      throw this.listTooOld();
    }
  }

  private listTooOld(): StatusError {
    return expired('The resourceVersion for the provided list is too old.'); // etcd3/errors.go
  }

  tooLargeResourceVersion(rv: number, current: number): StatusError {
    // apiserver pkg/storage/errors.go NewTooLargeResourceVersionError
    return timeout(`Too large resource version: ${rv}, current: ${current}`, 1, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
  }

  /** Starts a storage watch; `fromRevision` undefined sends the current objects first. */
  async watch(namespace: string | undefined, q: ListQuery): Promise<StorageWatcher> {
    validateListOptions(q, true);
    const { filter } = parseSelectors(this.strategy, q);
    const rv = parseListResourceVersion(q);
    const current = await this.deps.storage.revision();
    if (rv !== undefined && rv > current) throw this.tooLargeResourceVersion(rv, current);
    const fromRevision = rv === undefined || rv === 0 ? undefined : rv;
    try {
      return this.deps.storage.watch(this.prefix(namespace), { fromRevision, filter });
    } catch (e) {
      throw toStatusError(e, this.info, '');
    }
  }

  /** PUT of the main resource or of /status. */
  async update(namespace: string | undefined, name: string, body: unknown, opts: UpdateOptions = {}): Promise<WriteResult> {
    const { obj, warnings } = this.decode(body, opts);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (this.info.namespaced && obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.name = name;
    if (this.info.namespaced) obj.metadata.namespace = namespace;
    const object = await this.write(namespace, name, () => obj, opts, true);
    return { object, warnings };
  }

  /** PATCH: `apply` computes the patched object from the current one. A patch without a resourceVersion never conflicts. */
  async patch(namespace: string | undefined, name: string, apply: (current: KubeObject) => unknown, opts: UpdateOptions = {}, ownership: Ownership = 'update'): Promise<WriteResult> {
    let warnings: string[] = [];
    const object = await this.write(
      namespace,
      name,
      (current) => {
        const patched = apply(current);
        if (!isObject(patched)) throw badRequest('the patched result is not a JSON object');
        const decoded = this.decode(patched, opts);
        warnings = decoded.warnings;
        return decoded.obj;
      },
      opts,
      false,
      ownership,
    );
    return { object, warnings };
  }

  /**
   * Server-side apply (application/apply-patch+yaml): merges the applied configuration with field
   * ownership; creates the object when it does not exist (handlers/patch.go, replying 201).
   */
  async apply(namespace: string | undefined, name: string, body: unknown, opts: ApplyRequestOptions): Promise<WriteResult & { created: boolean }> {
    validatePatchOptions({ fieldManager: opts.fieldManager, force: opts.force }, true);
    if (!isObject(body)) throw badRequest('the applied configuration must be an object');
    const applyOpts = {
      manager: opts.fieldManager as string,
      force: opts.force ?? false,
      kind: { group: this.info.group, version: this.info.version, kind: this.info.kind },
      time: rfc3339Seconds(this.deps.clock.now()),
      name,
      namespace: this.info.namespaced ? (namespace ?? '') : '',
      subresource: opts.subresource,
      resetFields: this.resetFields(opts.subresource),
    };
    const existing = await this.deps.storage.get(this.key(namespace, name));
    if (!existing) {
      if (opts.subresource) throw notFound(this.gr, name);
      const { object } = serverSideApply(undefined, body as KubeObject, applyOpts);
      return { ...(await this.create(namespace, object, opts, 'applied')), created: true };
    }
    const res = await this.patch(namespace, name, (cur) => serverSideApply(cur, body as KubeObject, applyOpts).object, opts, 'applied');
    return { ...res, created: false };
  }

  /** Fields a write through this endpoint never owns: status on the main resource, spec on /status. */
  private resetFields(subresource: string | undefined): string[][] | undefined {
    if (subresource === 'status') return [['spec']];
    return this.info.subresources.status ? [['status']] : undefined;
  }

  private managedFieldsOptions(subresource: string | undefined, opts: WriteOptions) {
    return {
      operation: 'Update' as const,
      subresource,
      time: rfc3339Seconds(this.deps.clock.now()),
      apiVersion: apiVersionOf(this.info),
      userAgent: opts.userAgent,
      resetFields: this.resetFields(subresource),
    };
  }

  private setManagedFields(obj: KubeObject, entries: KubeObject['metadata']['managedFields']): void {
    if (entries && entries.length > 0) obj.metadata.managedFields = entries;
    else delete obj.metadata.managedFields;
  }

  /**
   * The update path shared by PUT and PATCH (store.go Update + rest.BeforeUpdate): preconditions, system
   * fields taken from the old object, the status split, generation, validation, and deletion once the last
   * finalizer of a deleting object is gone (ShouldDeleteDuringUpdate).
   */
  private async write(
    namespace: string | undefined,
    name: string,
    produce: (current: KubeObject) => KubeObject,
    opts: UpdateOptions,
    isPut: boolean,
    ownership: Ownership = 'update',
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    const decide = (current: KubeObject): KubeObject | undefined => {
      const next = produce(current);
      const rv = next.metadata.resourceVersion;
      if (rv === undefined || rv === '') {
        if (isPut && !this.strategy.allowUnconditionalUpdate) {
          throw this.invalid(name, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', badValue: new GoValue('0x0'), detail: 'must be specified for an update' }]);
        }
      } else if (rv !== current.metadata.resourceVersion) {
        throw conflict(this.gr, name, optimisticLockErrorMsg);
      }
      const applied = next.metadata.managedFields;
      const result = this.prepareUpdate(next, current, opts.subresource);
      if (ownership === 'applied') this.setManagedFields(result, applied);
      else this.setManagedFields(result, updateManagedFields(current, result, opts.fieldManager ?? '', this.managedFieldsOptions(opts.subresource === 'finalize' ? undefined : opts.subresource, opts)));
      if (jsonEqual(result, current)) return undefined;
      // ShouldDeleteDuringUpdate: only once no grace period is pending (a pod on a node waits for its kubelet).
      const graceDone = (current.metadata.deletionGracePeriodSeconds ?? 0) === 0;
      if (current.metadata.deletionTimestamp && graceDone && (result.metadata.finalizers ?? []).length === 0 && this.finalizersEmpty(result)) {
        throw new EmptiedFinalizers(current);
      }
      return result;
    };
    try {
      if (opts.dryRun) {
        const current = await this.get(namespace, name);
        try {
          return decide(current) ?? current;
        } catch (e) {
          if (e instanceof EmptiedFinalizers) return current;
          throw e;
        }
      }
      return (await this.deps.storage.guaranteedUpdate(key, decide)).object;
    } catch (e) {
      if (e instanceof EmptiedFinalizers) {
        // store.go deleteWithoutFinalizers: delete what was read, guarded by its uid and resourceVersion.
        const md = e.current.metadata;
        try {
          return await this.deps.storage.delete(key, { uid: md.uid, resourceVersion: md.resourceVersion });
        } catch (err) {
          throw toStatusError(err, this.info, name);
        }
      }
      throw toStatusError(e, this.info, name);
    }
  }

  /** Namespaces also wait for spec.finalizers (ShouldDeleteNamespaceDuringUpdate). */
  private finalizersEmpty(obj: KubeObject): boolean {
    if (this.info.kind !== 'Namespace' || this.info.group) return true;
    const spec = obj.spec;
    return !isObject(spec) || !Array.isArray(spec.finalizers) || spec.finalizers.length === 0;
  }

  private prepareUpdate(input: KubeObject, old: KubeObject, subresource: UpdateOptions['subresource']): KubeObject {
    let next = input;
    if (subresource === 'finalize') {
      // namespace/storage FinalizeREST: only spec.finalizers changes.
      const spec = isObject(input.spec) ? input.spec : {};
      next = { ...deepCopy(old), spec: { ...(isObject(old.spec) ? old.spec : {}), finalizers: Array.isArray(spec.finalizers) ? spec.finalizers : [] } };
    } else if (subresource === 'binding') {
      // pod/storage BindingREST.assignPod: only spec.nodeName changes, and the pod is marked scheduled.
      const spec = isObject(input.spec) ? input.spec : {};
      next = { ...deepCopy(old), spec: { ...(isObject(old.spec) ? old.spec : {}), nodeName: spec.nodeName } };
      // podutil.UpdatePodCondition(PodScheduled=True): a new or changed condition gets lastTransitionTime now.
      const status = isObject(next.status) ? next.status : (next.status = {});
      const conditions = Array.isArray(status.conditions) ? (status.conditions as Record<string, unknown>[]) : [];
      const prev = conditions.find((c) => c.type === 'PodScheduled');
      const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: prev?.status === 'True' ? prev.lastTransitionTime : rfc3339Seconds(this.deps.clock.now()) };
      status.conditions = prev ? conditions.map((c) => (c === prev ? scheduled : c)) : [...conditions, scheduled];
    } else if (subresource === 'status') {
      if (!this.info.builtin) {
        // customresource/status_strategy.go: the whole old object, with only status replaced.
        next = { ...deepCopy(old), status: input.status };
      } else {
        next = { ...input, metadata: { ...input.metadata } };
        if ('spec' in old) next.spec = old.spec;
        else delete next.spec;
      }
    } else if (this.info.subresources.status) {
      next = { ...input };
      if (old.status === undefined) delete next.status;
      else next.status = old.status;
    }
    const m = next.metadata;
    const o = old.metadata;
    // rest.BeforeUpdate: generation, uid, timestamps come from the old object.
    if (o.generation !== undefined) m.generation = o.generation;
    else delete m.generation;
    if (subresource === undefined) this.strategy.prepareForUpdate(next, old);
    if (!m.uid) m.uid = o.uid;
    if (o.creationTimestamp) m.creationTimestamp = o.creationTimestamp;
    if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
    if (o.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds === undefined) {
      m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
    }
    if (m.managedFields === undefined && o.managedFields !== undefined) m.managedFields = o.managedFields;
    m.resourceVersion = o.resourceVersion;
    if (subresource === undefined && o.generation !== undefined && this.generationChanged(next, old)) {
      m.generation = o.generation + 1;
    }
    dropEmptyMetadata(next);
    const errs = [...validateObjectMetaUpdate(next, old), ...this.strategy.validate(next), ...(subresource === undefined ? (this.strategy.validateUpdate?.(next, old) ?? []) : [])];
    if (errs.length > 0) throw this.invalid(old.metadata.name ?? '', errs);
    return next;
  }

  private generationChanged(next: KubeObject, old: KubeObject): boolean {
    switch (this.strategy.generation) {
      case 'none':
        return false;
      case 'spec':
        return !jsonEqual(next.spec, old.spec);
      case 'nonMetadata': {
        const strip = (o: KubeObject): Record<string, unknown> => {
          const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
          if (this.info.subresources.status) delete rest.status;
          return rest;
        };
        return !jsonEqual(strip(next), strip(old));
      }
    }
  }

  /**
   * DELETE (store.go Delete with rest/delete.go BeforeDelete): preconditions, then either a mark
   * (finalizers present, or a grace period from the kind's CheckGracefulDelete: deletionTimestamp and
   * deletionGracePeriodSeconds set, the object kept) or removal. A DELETE of an object whose grace period
   * is pending may only shorten it; shortened to 0 without finalizers, the object goes. Returns the object,
   * or a Success Status where the kind does not return deleted objects.
   */
  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<{ object: KubeObject | Status; code: number }> {
    const key = this.key(namespace, name);
    const current = await this.get(namespace, name);
    this.strategy.beforeDelete(current);
    this.checkDeletePreconditions(current, options);
    // rest/delete.go BeforeDelete: a negative grace period is treated as 1 s.
    const requested = options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0 ? 1 : options.gracePeriodSeconds;
    const finalizers = gcFinalizers(current, options.propagationPolicy);
    for (const f of this.strategy.finalizersOnDelete ?? []) if (!current.metadata.deletionTimestamp && !finalizers.includes(f)) finalizers.push(f);
    if (current.metadata.deletionTimestamp) {
      const pending = current.metadata.deletionGracePeriodSeconds ?? 0;
      if (this.strategy.checkGracefulDelete && pending > 0) {
        // Graceful deletion is pending: only a shorter grace period changes anything.
        if (requested === undefined || requested >= pending || options.dryRun) return { object: current, code: 200 };
        return this.shortenGracePeriod(key, name, requested, finalizers, options);
      }
      // Already being deleted: idempotent (rest/delete.go BeforeDelete), but a new propagation policy
      // still updates the garbage collector's finalizers (store.go updateForGracefulDeletionAndFinalizers).
      if (options.dryRun || jsonEqual(finalizers, current.metadata.finalizers ?? [])) return { object: current, code: 200 };
      return { object: await this.setFinalizers(key, name, finalizers, options), code: 200 };
    }
    const period = this.strategy.checkGracefulDelete?.(current, requested) ?? 0;
    if (finalizers.length > 0 || period > 0 || this.mustWaitToDelete(current)) {
      const mark = (obj: KubeObject): KubeObject => {
        const next = deepCopy(obj) as KubeObject;
        next.metadata.deletionTimestamp = rfc3339Seconds(this.deps.clock.now() + period * 1000);
        next.metadata.deletionGracePeriodSeconds = period;
        if (finalizers.length > 0) next.metadata.finalizers = finalizers;
        else delete next.metadata.finalizers;
        // markAsDeleting bumps generation when the kind tracks it.
        if (next.metadata.generation !== undefined && next.metadata.generation > 0) next.metadata.generation++;
        this.markDeleting(next);
        return next;
      };
      if (options.dryRun) return { object: mark(current), code: 200 };
      try {
        const res = await this.deps.storage.guaranteedUpdate(key, (obj) => {
          this.checkDeletePreconditions(obj, options);
          return obj.metadata.deletionTimestamp ? undefined : mark(obj);
        });
        return { object: res.object, code: 200 };
      } catch (e) {
        throw toStatusError(e, this.info, name);
      }
    }
    if (options.dryRun) return { object: this.deletedReply(current), code: 200 };
    try {
      const p = options.preconditions;
      const last = await this.deps.storage.delete(key, { uid: p?.uid ?? current.metadata.uid, resourceVersion: p?.resourceVersion });
      return { object: this.deletedReply(last), code: 200 };
    } catch (e) {
      throw toStatusError(e, this.info, name);
    }
  }

  /**
   * rest/delete.go BeforeDelete on an object whose graceful deletion is pending: the deletionTimestamp moves
   * earlier by the difference and deletionGracePeriodSeconds becomes the shorter period; at 0 without
   * finalizers the object is then removed (store.go updateForGracefulDeletionAndFinalizers, deleteImmediately).
   */
  private async shortenGracePeriod(key: string, name: string, period: number, finalizers: string[], options: DeleteOptions): Promise<{ object: KubeObject | Status; code: number }> {
    let updated: KubeObject;
    try {
      const res = await this.deps.storage.guaranteedUpdate(key, (obj) => {
        this.checkDeletePreconditions(obj, options);
        const pending = obj.metadata.deletionGracePeriodSeconds ?? 0;
        if (!obj.metadata.deletionTimestamp || pending <= period) return undefined;
        const next = deepCopy(obj) as KubeObject;
        next.metadata.deletionTimestamp = rfc3339Seconds(Date.parse(obj.metadata.deletionTimestamp) - pending * 1000 + period * 1000);
        next.metadata.deletionGracePeriodSeconds = period;
        if (finalizers.length > 0) next.metadata.finalizers = finalizers;
        else delete next.metadata.finalizers;
        return next;
      });
      updated = res.object;
    } catch (e) {
      throw toStatusError(e, this.info, name);
    }
    if ((updated.metadata.deletionGracePeriodSeconds ?? 0) > 0 || this.mustWaitToDelete(updated)) return { object: updated, code: 200 };
    try {
      const last = await this.deps.storage.delete(key, { uid: updated.metadata.uid, resourceVersion: updated.metadata.resourceVersion });
      return { object: this.deletedReply(last), code: 200 };
    } catch (e) {
      // Another DELETE may have won the race (kubernetes#19403): the object is gone either way.
      if (e instanceof StorageError && e.code === 'KeyNotFound') return { object: this.deletedReply(updated), code: 200 };
      throw toStatusError(e, this.info, name);
    }
  }

  private async setFinalizers(key: string, name: string, finalizers: string[], options: DeleteOptions): Promise<KubeObject> {
    try {
      const res = await this.deps.storage.guaranteedUpdate(key, (obj) => {
        this.checkDeletePreconditions(obj, options);
        return { ...obj, metadata: { ...obj.metadata, finalizers } };
      });
      return res.object;
    } catch (e) {
      throw toStatusError(e, this.info, name);
    }
  }

  /** Objects with finalizers, and namespaces (spec.finalizers), stay until their finalizers are gone. */
  private mustWaitToDelete(obj: KubeObject): boolean {
    if ((obj.metadata.finalizers ?? []).length > 0) return true;
    return this.info.kind === 'Namespace' && !this.info.group && !this.finalizersEmpty(obj);
  }

  private markDeleting(obj: KubeObject): void {
    if (this.info.kind === 'Namespace' && !this.info.group) {
      obj.status = { ...(isObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
    }
  }

  private deletedReply(obj: KubeObject): KubeObject | Status {
    if (this.strategy.returnDeletedObject) return obj;
    return successStatus({
      name: obj.metadata.name ?? '',
      ...(this.info.group ? { group: this.info.group } : {}),
      kind: this.info.plural,
      uid: obj.metadata.uid ?? '',
    });
  }

  /** rest/delete.go BeforeDelete preconditions; the conflict names the Kind, as upstream does. */
  private checkDeletePreconditions(obj: KubeObject, options: DeleteOptions): void {
    const p = options.preconditions;
    if (!p) return;
    const gr = { group: this.info.group, resource: this.info.kind };
    if (p.uid !== undefined && p.uid !== obj.metadata.uid) {
      throw conflict(gr, obj.metadata.name ?? '', `the UID in the precondition (${p.uid}) does not match the UID in record (${obj.metadata.uid}). The object might have been deleted and then recreated`);
    }
    if (p.resourceVersion !== undefined && p.resourceVersion !== obj.metadata.resourceVersion) {
      throw conflict(gr, obj.metadata.name ?? '', `the ResourceVersion in the precondition (${p.resourceVersion}) does not match the ResourceVersion in record (${obj.metadata.resourceVersion}). The object might have been modified`);
    }
  }

  /** DELETE on the collection: every matching object, one by one, as store.go DeleteCollection. */
  async deleteCollection(namespace: string | undefined, q: ListQuery, options: DeleteOptions = {}): Promise<ListOutcome> {
    const listed = await this.list(namespace, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    const deleted: KubeObject[] = [];
    for (const item of listed.items) {
      try {
        const res = await this.delete(item.metadata.namespace, item.metadata.name ?? '', { ...options, preconditions: undefined });
        deleted.push(isObject(res.object) && res.object.kind !== 'Status' ? (res.object as KubeObject) : item);
      } catch (e) {
        if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
      }
    }
    return { items: deleted, resourceVersion: String(await this.deps.storage.revision()) };
  }
}
