// Helpers shared by the Cluster API controllers, each after the upstream file it re-implements
// (cluster-api v1.9/v1.10):
//   - PatchHelper: util/patch/patch.go (conditions first, with optimistic locking and retries on
//     conflict; then metadata+spec as a JSON merge patch without resourceVersion; then status through the
//     status subresource);
//   - ensureFinalizer: util/finalizers/finalizers.go EnsureFinalizer;
//   - ensurePausedCondition: util/paused/paused.go EnsurePausedCondition;
//   - getExternal / createFromTemplate / generateTemplate: controllers/external/util.go;
//   - owner reference helpers: util/util.go (EnsureOwnerRef, HasExactOwnerRef, IsOwnedByObject);
//   - aggregate / wrap: k8s.io/apimachinery util/errors NewAggregate and github.com/pkg/errors Wrapf.
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { deepCopy, jsonEqual } from '../../apiserver/machinery/json.ts';
import { isObject, type KubeObject, type OwnerReference } from '../../apiserver/machinery/object.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { isConflict, isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { park, type Context } from '../runtime/concurrency.ts';
import type { Result } from '../runtime/controller.ts';
import {
  clusterNameLabel,
  groupKindString,
  notPausedV1Beta2Reason,
  pausedAnnotation,
  pausedV1Beta2Condition,
  pausedV1Beta2Reason,
  refResource,
  templateClonedFromGroupKindAnnotation,
  templateClonedFromNameAnnotation,
  templateSuffix,
  type Cluster,
  type Condition,
  type MetaCondition,
  type ObjectReference,
} from './api.ts';
import { getV1Beta2Condition, setV1Beta2Condition, v1beta2HasSameState } from './conditions.ts';

// --- identity ---

/**
 * The KubeConfig a component runs with. The API server names the actor of a request by its bearer token
 * (else its User-Agent), so with `actor` the result talks to kc's server as that actor (token and
 * User-Agent both the actor, as ActorKubeConfig.forServer); without it, kc is used with its own
 * credentials and the User-Agent of its user.
 */
export function actorConfig(kc: k8s.KubeConfig, actor: string | undefined): ActorKubeConfig {
  if (actor === undefined) return kc instanceof ActorKubeConfig ? kc : ActorKubeConfig.from(kc, kc.getCurrentUser()?.name ?? 'racelab');
  if (kc instanceof ActorKubeConfig && kc.actor === actor) return kc;
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the KubeConfig has no current cluster');
  return ActorKubeConfig.forServer(server, actor);
}

// --- errors ---

/** pkg/errors Wrapf: `msg: cause`, the cause kept. */
export function wrap(err: unknown, msg: string): Error {
  return new Error(`${msg}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Whether e, or an error in its cause chain, is a NotFound (apierrors.IsNotFound sees through errors.Wrap). */
export function isNotFoundCause(e: unknown): boolean {
  for (let cur = e, depth = 0; cur !== undefined && depth < 16; cur = cur instanceof Error ? cur.cause : undefined, depth++) {
    if (isNotFound(cur)) return true;
  }
  return false;
}

/** An aggregate of errors, as kerrors.NewAggregate: `[a, b]`, or the one error's message. */
export class ErrorAggregate extends Error {
  override readonly name = 'ErrorAggregate';
  constructor(readonly errors: readonly Error[]) {
    super(errors.length === 1 ? (errors[0]?.message ?? '') : `[${errors.map((e) => e.message).join(', ')}]`, { cause: errors[0] });
  }
}

/** kerrors.NewAggregate: nil entries dropped; undefined when nothing is left. */
export function aggregate(errs: readonly (unknown | undefined)[]): Error | undefined {
  const list = errs.filter((e): e is unknown => e !== undefined && e !== null).map((e) => (e instanceof Error ? e : new Error(String(e))));
  if (list.length === 0) return undefined;
  return new ErrorAggregate(list);
}

/** util.LowestNonZeroResult, for our Result. */
export function lowestNonZeroResult(a: Result, b: Result): Result {
  const ra = a.requeueAfterMs ?? 0;
  const rb = b.requeueAfterMs ?? 0;
  if (ra === 0 && !a.requeue) return b;
  if (rb === 0 && !b.requeue) return a;
  if (ra === 0) return b.requeueAfterMs ? b : a;
  if (rb === 0) return a;
  return ra <= rb ? a : b;
}

/**
 * The controllers' doReconcile (cluster_controller.go, machineset_controller.go): every phase runs; after
 * the first error, results no longer count and the errors are aggregated.
 */
export async function doReconcile<C, S>(ctx: C, s: S, phases: readonly ((ctx: C, s: S) => Promise<Result>)[]): Promise<Result> {
  let res: Result = {};
  const errs: unknown[] = [];
  for (const phase of phases) {
    let phaseResult: Result = {};
    try {
      phaseResult = await phase(ctx, s);
    } catch (e) {
      errs.push(e);
    }
    if (errs.length > 0) continue;
    res = lowestNonZeroResult(res, phaseResult);
  }
  const err = aggregate(errs);
  if (err) throw err;
  return res;
}

// --- JSON merge patches ---

/** The RFC 7386 merge patch that turns `from` into `to` (jsonpatch.CreateMergePatch). Undefined when equal. */
export function createMergePatch(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return jsonEqual(from, to) ? undefined : (to ?? null);
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined) continue;
    const old = from[k];
    if (old === undefined) {
      patch[k] = v;
      continue;
    }
    if (isObject(old) && isObject(v)) {
      const sub = createMergePatch(old, v);
      if (sub !== undefined) patch[k] = sub;
    } else if (!jsonEqual(old, v)) patch[k] = v;
  }
  for (const [k, v] of Object.entries(from)) if (v !== undefined && to[k] === undefined) patch[k] = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

// --- PatchHelper ---

/** What a PatchHelper needs: the client, where the object lives, its cache, and time for retries. */
export interface PatchDeps<T extends KubeObject> {
  client: KubeClient;
  /** The object's resource, with its namespace. */
  ref: ResourceRef;
  /** The object as the controller's cache has it now (patch.go reads "latest" through the cached client). */
  latest(): T | undefined;
  clock: Clock;
  ctx?: Context;
}

export interface PatchOptions {
  /** patch.WithStatusObservedGeneration. */
  statusObservedGeneration?: boolean;
}

/** patch.go's backoff for the conditions patch: 5 steps (upstream: 100 ms apart, jitter 1.0). */
export const conditionsPatchSteps = 5;

type Obj = KubeObject & { status?: Record<string, unknown> };

function conditionsOf(o: Obj | undefined): Condition[] | undefined {
  return (o?.status?.conditions as Condition[] | undefined) ?? undefined;
}

function v1beta2ConditionsOf(o: Obj | undefined): MetaCondition[] | undefined {
  const v = o?.status?.v1beta2;
  return isObject(v) ? (v.conditions as MetaCondition[] | undefined) : undefined;
}

/** The conditions that changed from before to after: set (changed or added) and removed types. */
function conditionsDiff<C extends { type: string }>(before: C[] | undefined, after: C[] | undefined): { set: C[]; removed: string[] } | undefined {
  const b = new Map((before ?? []).map((c) => [c.type, c]));
  const a = new Map((after ?? []).map((c) => [c.type, c]));
  const set = [...a.values()].filter((c) => !jsonEqual(b.get(c.type), c));
  const removed = [...b.keys()].filter((t) => !a.has(t));
  return set.length + removed.length > 0 ? { set, removed } : undefined;
}

function applyDiff<C extends { type: string }>(latest: C[] | undefined, diff: { set: C[]; removed: string[] }): C[] {
  const out = (latest ?? []).filter((c) => !diff.removed.includes(c.type));
  for (const c of diff.set) {
    const i = out.findIndex((x) => x.type === c.type);
    if (i >= 0) out[i] = c;
    else out.push(c);
  }
  return out;
}

/** The object without status: what the metadata+spec patch compares. */
function withoutStatus(o: Obj): Record<string, unknown> {
  const { status: _status, ...rest } = o;
  return rest;
}

/** The status without the conditions, which have their own patch. */
function statusWithoutConditions(o: Obj): Record<string, unknown> | undefined {
  if (!isObject(o.status)) return undefined;
  const { conditions: _c, v1beta2, ...rest } = o.status;
  if (isObject(v1beta2)) {
    const { conditions: _v, ...v1beta2Rest } = v1beta2;
    if (Object.keys(v1beta2Rest).length > 0) rest.v1beta2 = v1beta2Rest;
  }
  return rest;
}

/**
 * util/patch/patch.go Helper: remembers the object as read and, on patch(after), sends only what changed.
 * Conditions are patched on the latest cached copy with its resourceVersion (MergeFromWithOptimisticLock)
 * and retried on 409; metadata and spec go as one merge patch without resourceVersion (never a conflict);
 * the rest of the status goes through the status subresource. Upstream lets a controller declare which
 * conditions it owns and refuses to overwrite others' changes; here every condition the controller
 * changed is written (each condition these controllers touch is one upstream lists as owned).
 */
export class PatchHelper<T extends KubeObject> {
  private readonly before: Obj;

  constructor(
    obj: T,
    private readonly deps: PatchDeps<T>,
  ) {
    this.before = deepCopy(obj) as Obj;
  }

  async patch(afterObj: T, opts: PatchOptions = {}): Promise<void> {
    const after = afterObj as Obj;
    const name = this.before.metadata.name ?? '';
    if (opts.statusObservedGeneration && after.metadata.generation !== undefined) {
      after.status ??= {};
      after.status.observedGeneration = after.metadata.generation;
    }
    const errs: unknown[] = [];
    try {
      await this.patchStatusConditions(after);
    } catch (e) {
      errs.push(e);
    }
    const spec = createMergePatch(withoutStatus(this.before), withoutStatus(after));
    if (spec !== undefined) {
      try {
        await park(this.deps.client.patch(this.deps.ref, name, spec, 'merge', { signal: this.deps.ctx?.done }));
      } catch (e) {
        errs.push(e);
      }
    }
    const status = createMergePatch(statusWithoutConditions(this.before) ?? {}, statusWithoutConditions(after) ?? {});
    if (status !== undefined) {
      try {
        await park(this.deps.client.patch(this.deps.ref, name, { status }, 'merge', { subresource: 'status', signal: this.deps.ctx?.done }));
      } catch (e) {
        // patch.go: a NotFound after the last finalizer was removed from a deleting object is expected.
        const gone = isNotFound(e) && after.metadata.deletionTimestamp && (after.metadata.finalizers ?? []).length === 0;
        if (!gone) errs.push(e);
      }
    }
    const err = aggregate(errs);
    if (err) throw wrap(err, `failed to patch ${after.kind ?? 'object'} ${this.before.metadata.namespace ?? ''}/${name}`);
  }

  /** patch.go patchStatusConditions. */
  private async patchStatusConditions(after: Obj): Promise<void> {
    const v1 = conditionsDiff(conditionsOf(this.before), conditionsOf(after));
    const v2 = conditionsDiff(v1beta2ConditionsOf(this.before), v1beta2ConditionsOf(after));
    if (!v1 && !v2) return;
    const name = this.before.metadata.name ?? '';
    for (let step = 1; ; step++) {
      const latest = (this.deps.latest() as Obj | undefined) ?? this.before;
      const status: Record<string, unknown> = {};
      if (v1) status.conditions = applyDiff(conditionsOf(latest), v1);
      if (v2) status.v1beta2 = { conditions: applyDiff(v1beta2ConditionsOf(latest), v2) };
      const body = { metadata: { resourceVersion: latest.metadata.resourceVersion }, status };
      try {
        await park(this.deps.client.patch(this.deps.ref, name, body, 'merge', { subresource: 'status', signal: this.deps.ctx?.done }));
        return;
      } catch (e) {
        // A conflict means the cached copy was stale: read it again and retry, at most conditionsPatchSteps
        // times. Upstream sleeps 100 ms (jittered) between tries; here the retry is immediate, so that no
        // reconcile ever waits on the Clock (a waiting reconcile is never idle, so virtual time would not
        // advance). When the tries are used up the error requeues the key with the rate limiter instead.
        if (!isConflict(e) || step >= conditionsPatchSteps) throw e;
      }
    }
  }
}

// --- finalizers and pause ---

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * util/finalizers/finalizers.go EnsureFinalizer: nothing when the (cached) object is being deleted or
 * already has the finalizer; otherwise a merge patch `{"metadata":{"finalizers":[...]}}` without
 * resourceVersion, and true ("added": the caller returns, the watch event brings the next reconcile).
 */
export async function ensureFinalizer<T extends KubeObject>(obj: T, finalizer: string, deps: PatchDeps<T>): Promise<boolean> {
  if (obj.metadata.deletionTimestamp) return false;
  if (hasFinalizer(obj, finalizer)) return false;
  const helper = new PatchHelper(obj, deps);
  const after = deepCopy(obj);
  after.metadata.finalizers = [...(after.metadata.finalizers ?? []), finalizer];
  await helper.patch(after);
  return true;
}

/** util/annotations HasPaused. */
export function hasPausedAnnotation(obj: KubeObject): boolean {
  return obj.metadata.annotations !== undefined && Object.hasOwn(obj.metadata.annotations, pausedAnnotation);
}

/** util/paused/paused.go pausedCondition. */
export function pausedCondition(cluster: Cluster | undefined, obj: KubeObject, kind: string): MetaCondition {
  const clusterPaused = cluster?.spec?.paused === true;
  if (clusterPaused || hasPausedAnnotation(obj)) {
    const messages: string[] = [];
    if (clusterPaused) messages.push('Cluster spec.paused is set to true');
    if (hasPausedAnnotation(obj)) messages.push(`${obj.kind ?? kind} has the ${pausedAnnotation} annotation`);
    return { type: pausedV1Beta2Condition, status: 'True', reason: pausedV1Beta2Reason, message: messages.join(', '), observedGeneration: obj.metadata.generation };
  }
  return { type: pausedV1Beta2Condition, status: 'False', reason: notPausedV1Beta2Reason, observedGeneration: obj.metadata.generation };
}

/**
 * util/paused/paused.go EnsurePausedCondition: sets the v1beta2 Paused condition (patching it when it
 * changed) and tells whether the object counts as paused (spec.paused on its Cluster, or the
 * cluster.x-k8s.io/paused annotation on the object itself).
 */
export async function ensurePausedCondition<T extends KubeObject>(
  cluster: Cluster | undefined,
  obj: T,
  kind: string,
  deps: PatchDeps<T>,
): Promise<{ isPaused: boolean; conditionChanged: boolean }> {
  const old = getV1Beta2Condition(obj as Obj, pausedV1Beta2Condition);
  const next = pausedCondition(cluster, obj, kind);
  const isPaused = next.status === 'True';
  if (old && v1beta2HasSameState(old, next)) return { isPaused, conditionChanged: false };
  const helper = new PatchHelper(obj, deps);
  const after = deepCopy(obj);
  setV1Beta2Condition(after as Obj, next, deps.clock.now());
  await helper.patch(after);
  return { isPaused, conditionChanged: true };
}

// --- owner references (util/util.go) ---

function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  const i = v.indexOf('/');
  return i < 0 ? '' : v.slice(0, i);
}

/** util.go referSameObject: same group, kind and name. */
export function referSameObject(a: { apiVersion?: string; kind?: string; name?: string }, b: { apiVersion?: string; kind?: string; name?: string }): boolean {
  return groupOf(a.apiVersion) === groupOf(b.apiVersion) && a.kind === b.kind && a.name === b.name;
}

/** util.EnsureOwnerRef: adds ref, or replaces the reference to the same object. */
export function ensureOwnerRef(refs: readonly OwnerReference[] | undefined, ref: OwnerReference): OwnerReference[] {
  const out = [...(refs ?? [])];
  const i = out.findIndex((r) => referSameObject(r, ref));
  if (i < 0) out.push(ref);
  else out[i] = ref;
  return out;
}

/** util.HasExactOwnerRef. */
export function hasExactOwnerRef(refs: readonly OwnerReference[] | undefined, ref: OwnerReference): boolean {
  return (refs ?? []).some((r) => jsonEqual(r, ref));
}

/** util.IsOwnedByObject: some ownerReference names the object (group, kind, name). */
export function isOwnedByObject(obj: KubeObject, owner: KubeObject): boolean {
  const target = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name };
  return (obj.metadata.ownerReferences ?? []).some((r) => referSameObject(r, target));
}

/** metav1.GetControllerOf. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** metav1.NewControllerRef. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

// --- external objects (controllers/external/util.go) ---

/** external.Get: the referenced object, read from the API server. */
export async function getExternal(client: KubeClient, ref: ObjectReference, namespace: string | undefined, ctx?: Context): Promise<KubeObject> {
  const res = refResource(ref, namespace);
  try {
    return await park(client.get(res, ref.name ?? '', { signal: ctx?.done }));
  } catch (e) {
    throw wrap(e, `failed to retrieve ${ref.kind} ${res.namespace ? `${res.namespace}/` : ''}${ref.name}`);
  }
}

export interface GenerateTemplateInput {
  template: KubeObject;
  templateRef: ObjectReference;
  namespace: string;
  /** The name of the clone; upstream generates one from the template name when empty. */
  name: string;
  clusterName: string;
  ownerRef?: OwnerReference;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** external.GenerateTemplate: the object in `<template>.spec.template`, named, labelled and owned. */
export function generateTemplate(input: GenerateTemplateInput): KubeObject {
  const spec = input.template.spec;
  const tpl = isObject(spec) ? spec.template : undefined;
  if (!isObject(tpl)) throw new Error(`missing Spec.Template on ${groupKindString(input.template.apiVersion, input.template.kind)} "${input.template.metadata.name ?? ''}"`);
  const to = deepCopy(tpl) as KubeObject;
  const meta = isObject(to.metadata) ? (to.metadata as KubeObject['metadata']) : {};
  delete meta.resourceVersion;
  delete meta.finalizers;
  delete meta.uid;
  meta.name = input.name;
  meta.namespace = input.namespace;
  meta.annotations = { ...(meta.annotations ?? {}), ...(input.annotations ?? {}) };
  meta.annotations[templateClonedFromNameAnnotation] = input.templateRef.name ?? '';
  meta.annotations[templateClonedFromGroupKindAnnotation] = groupKindString(input.templateRef.apiVersion, input.templateRef.kind);
  meta.labels = { ...(meta.labels ?? {}), ...(input.labels ?? {}) };
  meta.labels[clusterNameLabel] = input.clusterName;
  if (input.ownerRef) meta.ownerReferences = [input.ownerRef];
  to.metadata = meta;
  to.apiVersion ??= input.template.apiVersion;
  to.kind ??= (input.template.kind ?? '').replace(new RegExp(`${templateSuffix}$`), '');
  return to;
}

/** external.CreateFromTemplate: GET the template, POST the clone, return a reference to it. */
export async function createFromTemplate(client: KubeClient, input: Omit<GenerateTemplateInput, 'template'>, ctx?: Context): Promise<ObjectReference> {
  const template = await getExternal(client, input.templateRef, input.namespace, ctx);
  const to = generateTemplate({ ...input, template });
  const created = await park(client.create(refResource({ apiVersion: to.apiVersion, kind: to.kind }, input.namespace), to, { signal: ctx?.done }));
  return { apiVersion: created.apiVersion ?? to.apiVersion, kind: created.kind ?? to.kind, name: created.metadata.name, namespace: created.metadata.namespace, uid: created.metadata.uid };
}

/** client.Delete of an ObjectReference (util.ObjectReferenceToUnstructured). */
export async function deleteExternal(client: KubeClient, ref: ObjectReference, ctx?: Context): Promise<void> {
  await park(client.delete(refResource(ref), ref.name ?? '', { signal: ctx?.done }));
}

/** The `namespace/name` a log or message shows (klog.KRef). */
export function kref(namespace: string | undefined, name: string | undefined): string {
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type { ResourceRef };
