// The ReplicaSet controller (kubernetes pkg/controller/replicaset/replica_set.go: syncReplicaSet,
// manageReplicas, getPodsToDelete; replica_set_utils.go calculateStatus; pkg/controller/controller_utils.go
// ControllerExpectations and ActivePodsWithRanks). It keeps spec.replicas active pods made from the
// template (generateName `<rs>-`, a controller ownerReference), creating in slow-start batches of 1, 2, 4, …
// and deleting the lowest ranked pods first, waits for its own creates and deletes to be observed before
// acting again (expectations, 5 minutes at most on the Clock), and writes status: replicas,
// fullyLabeledReplicas, readyReplicas, availableReplicas (Ready for minReadySeconds) and
// observedGeneration.
//
// The ReplicationController runs the same code (pkg/controller/replication/replication_controller.go
// NewReplicationManager wraps NewBaseController with the ReplicationController kind and adapters that
// convert it to a ReplicaSet): replicationControllerKind below, its plain-map selector read as matchLabels.
//
// Left out: adopting and releasing pods by selector (ClaimPods: only pods it controls count), the
// ReplicaFailure condition, the pods-per-node rank and burstReplicas above 500.
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { labelSelectorFromMeta } from '../../apiserver/machinery/labels.ts';
import type { KubeObject, OwnerReference } from '../../apiserver/machinery/object.ts';
import { isConflict, isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { DeletedFinalStateUnknown, type Informer, type InformerResource } from '../../clients/kube/informer.ts';
import { ControllerExpectations } from '../runtime/expectations.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import { GetPodCondition, IsPodTerminal, podsIn, podsResource, type Pod } from '../coreapi/core.ts';

export const controllerName = 'replicaset-controller';
/** replica_set.go BurstReplicas. */
export const BurstReplicas = 500;
/** controller_utils.go SlowStartInitialBatchSize. */
export const SlowStartInitialBatchSize = 1;

export interface ReplicaSet extends KubeObject {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Pod['spec'] };
  };
  status?: { replicas?: number; fullyLabeledReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number; conditions?: unknown[] };
}

export const replicaSetsResource: InformerResource = { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet' };
export const replicaSetsIn = (namespace: string): ResourceRef => ({ group: 'apps', version: 'v1', plural: 'replicasets', namespace });
export const replicationControllersResource: InformerResource = { group: '', version: 'v1', plural: 'replicationcontrollers', kind: 'ReplicationController' };
export const replicationControllersIn = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'replicationcontrollers', namespace });

/** A core/v1 ReplicationController: a ReplicaSet whose selector is a plain label map. */
export interface ReplicationController extends KubeObject {
  spec: Omit<ReplicaSet['spec'], 'selector'> & { selector?: Record<string, string> };
  status?: ReplicaSet['status'];
}

/**
 * The kind the base controller manages (replica_set.go NewBaseController's schema.GroupVersionKind, the
 * event source name, and replication's informerAdapter conversion to a ReplicaSet).
 */
export interface ReplicaSetKind {
  controllerName: string;
  apiVersion: string;
  resource: InformerResource;
  refIn(namespace: string): ResourceRef;
  /** The object as a ReplicaSet (a ReplicaSet as it is). */
  toReplicaSet(obj: KubeObject): ReplicaSet;
}

export const replicaSetKind: ReplicaSetKind = { controllerName, apiVersion: 'apps/v1', resource: replicaSetsResource, refIn: replicaSetsIn, toReplicaSet: (o) => o as ReplicaSet };

/** The ReplicationManager's event source and actor (replication_controller.go: "replication-controller"). */
export const replicationControllerName = 'replication-controller';

/** replication/conversion.go: the ReplicationController converted to a ReplicaSet, its selector as matchLabels. */
export const replicationControllerKind: ReplicaSetKind = {
  controllerName: replicationControllerName,
  apiVersion: 'v1',
  resource: replicationControllersResource,
  refIn: replicationControllersIn,
  toReplicaSet: (o) => {
    const rc = o as ReplicationController;
    return { ...rc, spec: { ...rc.spec, selector: { matchLabels: { ...(rc.spec.selector ?? {}) } } } };
  },
};

/** metav1.GetControllerOf. */
export function GetControllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** podutil.IsPodReady. */
export function IsPodReady(pod: Pod): boolean {
  return GetPodCondition(pod, 'Ready')?.status === 'True';
}

/** podutil.IsPodAvailable: Ready for at least minReadySeconds. */
export function IsPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = GetPodCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds === 0) return true;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** controller.FilterActivePods: neither terminal nor being deleted. */
export function FilterActivePods(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => !IsPodTerminal(p) && !p.metadata.deletionTimestamp);
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * ActivePodsWithRanks.Less, without the per-node rank: unassigned before assigned, Pending before Unknown
 * before Running, not ready before ready, ready for less time first, more restarts first, newer first;
 * then (a named tie-break) by name, descending.
 */
export function comparePodsToDelete(a: Pod, b: Pod): number {
  const assigned = (p: Pod): number => (p.spec.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const pa = phaseRank[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = phaseRank[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  if (IsPodReady(a) !== IsPodReady(b)) return IsPodReady(a) ? 1 : -1;
  if (IsPodReady(a)) {
    const ta = Date.parse(GetPodCondition(a, 'Ready')?.lastTransitionTime ?? '') || 0;
    const tb = Date.parse(GetPodCondition(b, 'Ready')?.lastTransitionTime ?? '') || 0;
    if (ta !== tb) return tb - ta;
  }
  const restarts = (p: Pod): number => (p.status?.containerStatuses ?? []).reduce((n, s) => Math.max(n, Number(s.restartCount ?? 0)), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ca = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const cb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ca !== cb) return cb - ca;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? 1 : -1;
}

/**
 * Named broken variants for the property cases' mutation testing (scenarios/controllers/replicaset.ts);
 * undefined is upstream's code. no-expectations: acts on every sync without waiting for its creates and
 * deletes to be observed. active-means-ready: only Ready pods count as active.
 */
export type ReplicaSetVariant = 'no-expectations' | 'active-means-ready';

export interface ReplicaSetControllerOptions {
  variant?: ReplicaSetVariant;
}

export class ReplicaSetController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly kind: ReplicaSetKind;
  private readonly rsInformer: Informer;
  private readonly podInformer: Informer<Pod>;
  private readonly recorder: EventRecorder;
  /** Creates and deletes sent and not yet seen, per ReplicaSet key. */
  private readonly expectations: ControllerExpectations;

  private readonly variant: ReplicaSetVariant | undefined;

  constructor(mgr: Manager, kind: ReplicaSetKind = replicaSetKind, opts: ReplicaSetControllerOptions = {}) {
    this.kind = kind;
    this.variant = opts.variant;
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.expectations = new ControllerExpectations(mgr.clock);
    this.recorder = mgr.eventRecorderFor(kind.controllerName);
    this.rsInformer = mgr.informerFor(kind.resource);
    this.podInformer = mgr.informerFor<Pod>(podsResource);
    const observe = (pod: Pod, which: 'add' | 'del'): void => {
      const ref = GetControllerOf(pod);
      if (!ref || ref.kind !== this.kind.resource.kind || ref.apiVersion !== this.kind.apiVersion) return;
      const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
      if (which === 'add') this.expectations.CreationObserved(key);
      else this.expectations.DeletionObserved(key);
    };
    this.podInformer.addEventHandler({
      onAdd: (p) => observe(p, 'add'),
      onUpdate: (o, p) => {
        if (!o.metadata.deletionTimestamp && p.metadata.deletionTimestamp) observe(p, 'del');
      },
      onDelete: (o) => {
        const p = o instanceof DeletedFinalStateUnknown ? o.obj : o;
        if (!p.metadata.deletionTimestamp) observe(p, 'del');
      },
    });
    mgr.newController({ name: kind.controllerName, reconcile: (_ctx, req) => this.syncReplicaSet(req) }).for(this.rsInformer).owns(this.podInformer);
  }

  private satisfied(key: string): boolean {
    return this.variant === 'no-expectations' || this.expectations.SatisfiedExpectations(key);
  }

  private async syncReplicaSet(req: Request): Promise<Result | void> {
    const key = `${req.namespace}/${req.name}`;
    const raw = this.rsInformer.lister().getByName(req.namespace, req.name);
    if (!raw) {
      this.expectations.DeleteExpectations(key);
      return;
    }
    const rs = this.kind.toReplicaSet(raw);
    const selector = labelSelectorFromMeta(rs.spec.selector);
    const owned = this.podInformer.lister().list(req.namespace).filter((p) => GetControllerOf(p)?.uid === rs.metadata.uid);
    const active = this.variant === 'active-means-ready' ? FilterActivePods(owned).filter(IsPodReady) : FilterActivePods(owned);
    try {
      if (this.satisfied(key) && !rs.metadata.deletionTimestamp) await this.manageReplicas(key, active, rs);
      return await this.updateStatus(raw, rs, active, selector.matches.bind(selector));
    } catch (e) {
      if (isConflict(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  private async manageReplicas(key: string, active: Pod[], rs: ReplicaSet): Promise<void> {
    const diff = active.length - (rs.spec.replicas ?? 1);
    const ns = rs.metadata.namespace ?? '';
    if (diff < 0) {
      let want = Math.min(-diff, BurstReplicas);
      this.expectations.SetExpectations(key, want, 0);
      // slowStartBatch: 1, 2, 4, … at once; a batch that fails stops the rest.
      for (let batch = Math.min(want, SlowStartInitialBatchSize); want > 0; batch = Math.min(2 * batch, want)) {
        const results = await Promise.allSettled(Array.from({ length: batch }, () => this.client.create(podsIn(ns), this.podFromTemplate(rs))));
        want -= batch;
        const failed = results.filter((r) => r.status === 'rejected');
        this.expectations.LowerExpectations(key, failed.length, 0);
        if (failed.length > 0) {
          this.expectations.LowerExpectations(key, want, 0); // the skipped ones will not come either
          const err = (failed[0] as PromiseRejectedResult).reason as Error;
          this.recorder.eventf(rs, 'Warning', 'FailedCreate', 'Error creating: %s', err.message);
          throw err;
        }
        for (const r of results) if (r.status === 'fulfilled') this.recorder.eventf(rs, 'Normal', 'SuccessfulCreate', 'Created pod: %s', r.value.metadata.name);
      }
    } else if (diff > 0) {
      const victims = [...active].sort(comparePodsToDelete).slice(0, Math.min(diff, BurstReplicas));
      this.expectations.SetExpectations(key, 0, victims.length);
      await Promise.all(
        victims.map(async (p) => {
          try {
            await this.client.delete(podsIn(ns), p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
            this.recorder.eventf(rs, 'Normal', 'SuccessfulDelete', 'Deleted pod: %s', p.metadata.name);
          } catch (e) {
            this.expectations.LowerExpectations(key, 0, 1);
            if (!isNotFound(e)) throw e;
          }
        }),
      );
    }
  }

  /** controller.GetPodFromTemplate. */
  private podFromTemplate(rs: ReplicaSet): Pod {
    const t = rs.spec.template;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name ?? ''}-`,
        namespace: rs.metadata.namespace,
        ...(t.metadata?.labels ? { labels: { ...t.metadata.labels } } : {}),
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: this.kind.apiVersion, kind: this.kind.resource.kind ?? '', name: rs.metadata.name ?? '', uid: rs.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(t.spec),
    };
  }

  /** calculateStatus + updateReplicaSetStatus; requeued after minReadySeconds while pods become available. */
  private async updateStatus(raw: KubeObject, rs: ReplicaSet, active: Pod[], matches: (labels: Record<string, string> | undefined) => boolean): Promise<Result | void> {
    const now = this.clock.now();
    const minReady = rs.spec.minReadySeconds ?? 0;
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => matches(p.metadata.labels) && Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: active.filter(IsPodReady).length,
      availableReplicas: active.filter((p) => IsPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
    };
    const cur = rs.status ?? {};
    const same = cur.replicas === status.replicas && cur.fullyLabeledReplicas === status.fullyLabeledReplicas && cur.readyReplicas === status.readyReplicas && cur.availableReplicas === status.availableReplicas && cur.observedGeneration === status.observedGeneration;
    if (!same) {
      await this.client.updateStatus(this.kind.refIn(rs.metadata.namespace ?? ''), { ...raw, status: { ...cur, ...status } });
    }
    if (minReady > 0 && status.readyReplicas > status.availableReplicas) return { requeueAfterMs: minReady * 1000 };
  }
}


export type ReplicaSetProcessOptions = ControllerProcessOptions & ReplicaSetControllerOptions;

/** The controller in its own Manager and process, as the actor replicaset-controller. */
export function newReplicaSetManager(opts: ReplicaSetProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new ReplicaSetController(mgr, replicaSetKind, opts), opts, name);
}

export function replicaSetProcess(opts: ReplicaSetProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new ReplicaSetController(mgr), opts);
}

/** The ReplicationManager in its own Manager, as the actor replication-controller. */
export function newReplicationManager(opts: ReplicaSetProcessOptions, name = replicationControllerName): Manager {
  return singleControllerManager(replicationControllerName, (mgr) => new ReplicaSetController(mgr, replicationControllerKind, opts), opts, name);
}

export function replicationManagerProcess(opts: ReplicaSetProcessOptions): ProcessSpec {
  return singleControllerProcess(replicationControllerName, (mgr) => new ReplicaSetController(mgr, replicationControllerKind), opts);
}
