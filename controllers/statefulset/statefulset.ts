// The StatefulSet controller (kubernetes pkg/controller/statefulset: stateful_set.go sync,
// stateful_set_control.go performUpdate, getStatefulSetRevisions, updateStatefulSet, processReplica,
// processCondemned, updateStatefulSetStatus, truncateHistory; stateful_pod_control.go's events). Pods are
// named `<set>-<ordinal>` with the pod-name and pod-index labels, hostname and subdomain; each carries the
// controller-revision-hash of its ControllerRevision. OrderedReady (monotonic) creates ordinal i+1 only once
// 0..i are Running and Ready, waits for a terminating pod, and scales down from the highest ordinal one at
// a time; Parallel creates and deletes in slow-start batches. RollingUpdate deletes the highest ordinal
// not at the update revision (down to the partition) once the ones above are healthy, and the
// replacement is made at the update revision. Status: replicas, readyReplicas, availableReplicas,
// currentReplicas, updatedReplicas, currentRevision, updateRevision (current once the rollout completed),
// collisionCount, observedGeneration: what `kubectl rollout status sts/x` reads.
//
// Left out: volumeClaimTemplates (no PVCs are made; persistentVolumeClaimRetentionPolicy is ignored),
// adopting and releasing pods by selector (only pods it controls count), maxUnavailable (the
// MaxUnavailableStatefulSet alpha gate) and the status conditions.
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { podsIn, podsResource, type Pod } from '../coreapi/core.ts';
import { controllerRevisionsIn, controllerRevisionsResource, CreateControllerRevision, EqualRevision, FindEqualRevisions, nextRevision, SortControllerRevisions, UpdateControllerRevision, type ControllerRevision } from '../history/history.ts';
import { GetControllerOf } from '../replicaset/replicaset.ts';
import {
  allowsBurst,
  ApplyRevision,
  descendingOrdinal,
  getEndOrdinal,
  getOrdinal,
  getPodRevision,
  getStartOrdinal,
  identityMatches,
  inconsistentStatus,
  isCreated,
  isFailed,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newRevision,
  newVersionedStatefulSetPod,
  podInOrdinalRange,
  statefulSetsIn,
  statefulSetsResource,
  updateIdentity,
  type StatefulSet,
} from './utils.ts';

export const controllerName = 'statefulset-controller';

/**
 * Named broken variants for the property case's mutation testing (scenarios/controllers/statefulset.ts);
 * undefined is upstream's code. parallel-when-ordered: OrderedReady treated as Parallel.
 * scale-down-all-at-once: every condemned pod deleted in one sync, without waiting for the higher ones.
 */
export type StatefulSetVariant = 'parallel-when-ordered' | 'scale-down-all-at-once';

export interface StatefulSetControllerOptions {
  variant?: StatefulSetVariant;
}

type Status = NonNullable<StatefulSet['status']>;

/** slowStartBatch: fn over 1, 2, 4, … items at once; a batch with a failure stops the rest. */
async function slowStartBatch(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let done = 0;
  for (let batch = Math.min(count, 1); done < count; batch = Math.min(2 * batch, count - done)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => fn(done + k)));
    done += batch;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

export class StatefulSetController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly variant: StatefulSetVariant | undefined;

  constructor(mgr: Manager, opts: StatefulSetControllerOptions = {}) {
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.variant = opts.variant;
    this.recorder = mgr.eventRecorderFor(controllerName);
    this.sets = mgr.informerFor<StatefulSet>(statefulSetsResource);
    this.pods = mgr.informerFor<Pod>(podsResource);
    this.revisions = mgr.informerFor<ControllerRevision>(controllerRevisionsResource);
    mgr.newController({ name: controllerName, reconcile: (_ctx, req) => this.sync(req) }).for(this.sets).owns(this.pods).owns(this.revisions);
  }

  /** stateful_set.go sync: the set's own pods to updateStatefulSet; conflicts are requeued. */
  private async sync(req: Request): Promise<Result | void> {
    const set = this.sets.lister().getByName(req.namespace, req.name);
    if (!set) return;
    const pods = this.pods.lister().list(req.namespace).filter((p) => GetControllerOf(p)?.uid === set.metadata.uid);
    try {
      const status = await this.performUpdate(set, pods);
      const minReady = set.spec.minReadySeconds ?? 0;
      if (minReady > 0 && (status.readyReplicas ?? 0) > (status.availableReplicas ?? 0)) return { requeueAfterMs: minReady * 1000 };
    } catch (e) {
      if (isConflict(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  private async performUpdate(set: StatefulSet, pods: Pod[]): Promise<Status> {
    const revisions = this.revisions.lister().list(set.metadata.namespace).filter((r) => GetControllerOf(r)?.uid === set.metadata.uid);
    const { currentRevision, updateRevision, collisionCount } = await this.getStatefulSetRevisions(set, revisions);
    // As upstream, the status is written even when updating the pods failed; then the error is returned.
    const { status, err } = await this.updateStatefulSet(set, currentRevision, updateRevision, collisionCount, pods);
    await this.updateStatefulSetStatus(set, status);
    if (err !== undefined) throw err;
    await this.truncateHistory(set, pods, revisions, currentRevision, updateRevision);
    return status;
  }

  /** getStatefulSetRevisions: the update revision made (or found, or rolled back to) and the current one. */
  private async getStatefulSetRevisions(set: StatefulSet, revisions: ControllerRevision[]): Promise<{ currentRevision: ControllerRevision; updateRevision: ControllerRevision; collisionCount: number }> {
    SortControllerRevisions(revisions);
    let collisionCount = set.status?.collisionCount ?? 0;
    let updateRevision = newRevision(set, nextRevision(revisions), collisionCount);
    const equal = FindEqualRevisions(revisions, updateRevision);
    const last = equal[equal.length - 1];
    if (last && EqualRevision(revisions[revisions.length - 1], last)) {
      updateRevision = revisions[revisions.length - 1] as ControllerRevision;
    } else if (last) {
      updateRevision = await UpdateControllerRevision(this.client, last, updateRevision.revision);
    } else {
      const made = await CreateControllerRevision(this.client, set, updateRevision, collisionCount);
      updateRevision = made.revision;
      collisionCount = made.collisionCount;
    }
    const currentRevision = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? updateRevision;
    return { currentRevision, updateRevision, collisionCount };
  }

  private async updateStatefulSet(set: StatefulSet, currentRevision: ControllerRevision, updateRevision: ControllerRevision, collisionCount: number, pods: Pod[]): Promise<{ status: Status; err?: unknown }> {
    const currentSet = ApplyRevision(set, currentRevision);
    const updateSet = ApplyRevision(set, updateRevision);
    const cur = currentRevision.metadata.name ?? '';
    const upd = updateRevision.metadata.name ?? '';
    const status: Status = { observedGeneration: set.metadata.generation, currentRevision: cur, updateRevision: upd, collisionCount };
    const replicaCount = set.spec.replicas ?? 1;
    const start = getStartOrdinal(set);
    const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(replicaCount).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let ord = start; ord <= getEndOrdinal(set); ord++) {
      if (!replicas[ord - start]) replicas[ord - start] = newVersionedStatefulSetPod(currentSet, updateSet, cur, upd, ord);
    }
    const live = replicas as Pod[];
    condemned.sort(descendingOrdinal);
    // the first unhealthy pod: of the replicas, else of the condemned from the lowest ordinal up
    const firstUnhealthyPod = live.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));
    const finish = (): Status => this.computeStatus(status, set, cur, upd, live, condemned);
    if (set.metadata.deletionTimestamp) return { status: finish() };

    const monotonic = !allowsBurst(set) && this.variant !== 'parallel-when-ordered';
    try {
      if (await this.runForAll(live.length, (i) => this.processReplica(set, updateSet, monotonic, live, i), monotonic)) return { status: finish() };
      // In monotonic mode every replica is now Running, Ready and available: the condemned may go.
      const allAtOnce = this.variant === 'scale-down-all-at-once';
      if (await this.runForAll(condemned.length, (i) => this.processCondemned(set, firstUnhealthyPod, monotonic && !allAtOnce, condemned, i), monotonic && !allAtOnce)) return { status: finish() };
    } catch (err) {
      return { status: finish(), err };
    }
    const out = finish();
    if (set.spec.updateStrategy?.type === 'OnDelete') return { status: out };
    // RollingUpdate: delete the highest ordinal not at the update revision, down to the partition, once
    // the ones above it are healthy; processReplica makes it again at the update revision.
    const updateMin = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = live.length - 1; target >= updateMin; target--) {
      const pod = live[target] as Pod;
      if (getPodRevision(pod) !== upd && !isTerminating(pod)) {
        out.currentReplicas = (out.currentReplicas ?? 0) - 1;
        try {
          await this.deletePod(set, pod);
        } catch (err) {
          return { status: out, err };
        }
        return { status: out };
      }
      if (!isHealthy(pod)) return { status: out };
    }
    return { status: out };
  }

  /** runForAll: in order, stopping at the first that says so (monotonic), else in slow-start batches. Returns shouldExit. */
  private async runForAll(count: number, fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<boolean> {
    if (monotonic) {
      for (let i = 0; i < count; i++) if (await fn(i)) return true;
      return false;
    }
    await slowStartBatch(count, fn);
    return false;
  }

  /** processReplica: replaces ended pods, creates missing ones, and in monotonic mode waits for each to be Running and available. */
  private async processReplica(set: StatefulSet, updateSet: StatefulSet, monotonic: boolean, replicas: Pod[], i: number): Promise<boolean> {
    const pod = replicas[i] as Pod;
    if (isFailed(pod) || isSucceeded(pod)) {
      if (!isTerminating(pod)) await this.deletePod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      await this.createPod(set, pod);
      return monotonic;
    }
    if (isTerminating(pod) && monotonic) return true;
    if (!isRunningAndAvailable(pod, set.spec.minReadySeconds ?? 0, this.clock.now()) && monotonic) return true;
    if (identityMatches(set, pod)) return false;
    const fixed: Pod = structuredClone(pod);
    updateIdentity(updateSet, fixed);
    await this.client.update(podsIn(set.metadata.namespace ?? ''), fixed);
    this.recorder.eventf(set, 'Normal', 'SuccessfulUpdate', 'update Pod %s in StatefulSet %s successful', pod.metadata.name, set.metadata.name);
    return false;
  }

  /** processCondemned: in monotonic mode, one at a time from the highest ordinal, each once healthy (or the first unhealthy). */
  private async processCondemned(set: StatefulSet, firstUnhealthyPod: Pod | undefined, monotonic: boolean, condemned: Pod[], i: number): Promise<boolean> {
    const pod = condemned[i] as Pod;
    if (isTerminating(pod)) return monotonic;
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthyPod) return true;
    if (!isRunningAndAvailable(pod, set.spec.minReadySeconds ?? 0, this.clock.now()) && monotonic && pod !== firstUnhealthyPod) return true;
    await this.deletePod(set, pod);
    return true;
  }

  /** StatefulPodControl.CreateStatefulPod; AlreadyExists (a stale cache) is returned as the error it is, as upstream. */
  private async createPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.create(podsIn(set.metadata.namespace ?? ''), pod);
      this.recorder.eventf(set, 'Normal', 'SuccessfulCreate', 'create Pod %s in StatefulSet %s successful', pod.metadata.name, set.metadata.name);
    } catch (e) {
      if (!isAlreadyExists(e)) this.recorder.eventf(set, 'Warning', 'FailedCreate', 'create Pod %s in StatefulSet %s failed error: %s', pod.metadata.name, set.metadata.name, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /** StatefulPodControl.DeleteStatefulPod; a pod already gone is fine. */
  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.delete(podsIn(set.metadata.namespace ?? ''), pod.metadata.name ?? '');
      this.recorder.eventf(set, 'Normal', 'SuccessfulDelete', 'delete Pod %s in StatefulSet %s successful', pod.metadata.name, set.metadata.name);
    } catch (e) {
      if (isNotFound(e)) return;
      this.recorder.eventf(set, 'Warning', 'FailedDelete', 'delete Pod %s in StatefulSet %s failed error: %s', pod.metadata.name, set.metadata.name, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /** updateStatus / computeReplicaStatus over the replicas and the condemned. */
  private computeStatus(status: Status, set: StatefulSet, cur: string, upd: string, ...lists: Pod[][]): Status {
    const now = this.clock.now();
    const minReady = set.spec.minReadySeconds ?? 0;
    Object.assign(status, { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 });
    for (const pod of lists.flat()) {
      const created = isCreated(pod);
      if (created) status.replicas = (status.replicas ?? 0) + 1;
      if (isRunningAndReady(pod)) {
        status.readyReplicas = (status.readyReplicas ?? 0) + 1;
        if (isRunningAndAvailable(pod, minReady, now)) status.availableReplicas = (status.availableReplicas ?? 0) + 1;
      }
      if (created && !isTerminating(pod)) {
        if (getPodRevision(pod) === cur) status.currentReplicas = (status.currentReplicas ?? 0) + 1;
        if (getPodRevision(pod) === upd) status.updatedReplicas = (status.updatedReplicas ?? 0) + 1;
      }
    }
    return status;
  }

  /** updateStatefulSetStatus with completeRollingUpdate: once every replica is updated and ready, the update revision is current. */
  private async updateStatefulSetStatus(set: StatefulSet, status: Status): Promise<void> {
    const out: Status = { ...status };
    if (set.spec.updateStrategy?.type === 'RollingUpdate' && out.updatedReplicas === out.replicas && out.readyReplicas === out.replicas) {
      out.currentReplicas = out.updatedReplicas;
      out.currentRevision = out.updateRevision;
    }
    if (!inconsistentStatus(set, out)) return;
    await this.client.updateStatus(statefulSetsIn(set.metadata.namespace ?? ''), { ...set, status: { ...(set.status ?? {}), ...out } });
  }

  /** truncateHistory: revisions no pod uses and neither current nor update beyond revisionHistoryLimit go, oldest first. */
  private async truncateHistory(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], current: ControllerRevision, update: ControllerRevision): Promise<void> {
    const live = new Set([current.metadata.name, update.metadata.name, ...pods.map(getPodRevision)]);
    const history = revisions.filter((r) => !live.has(r.metadata.name));
    const excess = history.length - (set.spec.revisionHistoryLimit ?? 10);
    for (const r of history.slice(0, Math.max(0, excess))) {
      try {
        await this.client.delete(controllerRevisionsIn(set.metadata.namespace ?? ''), r.metadata.name ?? '');
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
}

export type StatefulSetProcessOptions = ControllerProcessOptions & StatefulSetControllerOptions;

/** The controller in its own Manager, as the actor statefulset-controller. */
export function newStatefulSetManager(opts: StatefulSetProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new StatefulSetController(mgr, opts), opts, name);
}

export function statefulSetProcess(opts: StatefulSetProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new StatefulSetController(mgr, opts), opts);
}
