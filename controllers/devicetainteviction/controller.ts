// The DRA device taint eviction controller as in Kubernetes 1.33
// (pkg/controller/devicetainteviction/device_taint_eviction.go; KEP 5055, merged with kubernetes#130447).
// It deletes pods that use a ResourceClaim allocated with a device carrying a NoExecute taint that the
// allocation does not tolerate, at `timeAdded + min(tolerationSeconds)`.
//
// Structure, as upstream:
//  - All eviction decisions run in the informer event handlers (handleClaimChange, handlePodChange,
//    handleSliceChange → handlePods → handlePod). They never block: upstream serialises them with one
//    mutex; here each handler is a synchronous call, which gives the same exclusion on Node.
//  - Slices come through the ResourceSlice tracker (tracker.ts), which appends the taints of matching
//    DeviceTaintRules, so the handlers do not care where a taint came from.
//  - evictPod → TimedWorkerQueue.UpdateWork(podRef, now, fireAt); the work (deletePodHandler →
//    addConditionAndDeletePod, up to 5 tries 10 ms apart) GETs the pod, checks its UID, emits
//    "Marking for deletion" once, patches the DisruptionTarget condition on pods/status, then DELETEs with
//    a UID precondition. NotFound counts as done. cancelWorkWithEvent emits "Cancelling deletion" when a
//    pending timer was cancelled.
//  - Events go through the asynchronous recorder (record.EventRecorder: Eventf only queues; the manager's
//    broadcaster writes them later), as the comment in upstream's Run says.
//
// The documented race (kubernetes#130940 → #130947) is in TimedWorkerQueue.UpdateWork (timedworkers.ts):
// with fixed: false a second event for a pod whose eviction already runs dereferences the nil worker
// entry inside the event handler; the Panic escapes the informer's run loop and kills the controller
// process, which its Supervisor restarts (deviceTaintEvictionProcess below). Upstream logs
// "Observed a panic" (utilruntime.HandleCrash) before the process dies; so does this.
//
// Where a 1.33 detail is not confirmed (races.md §4), the simplest behaviour is chosen: handlePod skips
// unscheduled pods and claims not reserved for the pod (as in 1.33.x); a taint without timeAdded (the
// server defaults it; see the report) yields no eviction time instead of dereferencing nil.
import type * as k8s from '@kubernetes/client-node';
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import { notFound } from '../../apiserver/machinery/errors.ts';
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { DeletedFinalStateUnknown, type Informer } from '../../clients/kube/informer.ts';
import { FatalError, park, type Context } from '../runtime/concurrency.ts';
import { Panic, type InformerSource } from '../runtime/controller.ts';
import { Manager, type InformerDefaults, type ManagerOptions, type Runnable } from '../runtime/manager.ts';
import type { EventRecorder, ObjectReference } from '../runtime/recorder.ts';
import { managerProcess, type ProcessSpec } from '../runtime/supervisor.ts';
import {
  claimName,
  deviceTaints,
  DeviceTaintEffectNoExecute,
  deviceTaintRulesResource,
  IsForPod,
  IsReservedForPod,
  parseTime,
  podsResource,
  resourceClaimsResource,
  resourceSlicesResource,
  ToleratesTaint,
  type Device,
  type DeviceRequestAllocationResult,
  type DeviceTaint,
  type DeviceTaintRule,
  type Pod,
  type PodCondition,
  type ResourceClaim,
  type ResourceSlice,
} from './resourceapi.ts';
import { TimedWorkerQueue, type NamespacedObject, type UpdateWorkFix, type WorkFunc } from './timedworkers.ts';
import { Tracker } from './tracker.ts';

/** names.DeviceTaintEvictionController: the controller's name and its Events' source.component. */
export const defaultControllerName = 'device-taint-eviction-controller';
/** device_taint_eviction.go retries: tries to delete a pod that needs to be evicted. */
export const retries = 5;
/** The pause between tries (time.Sleep(10 * time.Millisecond) upstream), on the Clock. */
export const retrySleepMs = 10;

export const evictionEventReason = 'DeviceTaintManagerEviction';
export const markingForDeletionMessage = 'Marking for deletion';
export const cancellingDeletionMessage = 'Cancelling deletion';
export const disruptionTargetCondition: Readonly<Omit<PodCondition, 'lastTransitionTime'>> = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByDeviceTaintManager',
  message: 'Device Taint manager: deleting due to NoExecute taint',
};

const podsIn = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'pods', namespace });

function unwrap<T>(o: T | DeletedFinalStateUnknown<T>): T {
  return o instanceof DeletedFinalStateUnknown ? o.obj : o;
}

function newObject(obj: { metadata: { namespace?: string; name?: string; uid?: string } }): NamespacedObject {
  return { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', uid: obj.metadata.uid };
}

function nsName(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

function podKey(ref: NamespacedObject): string {
  return `${ref.namespace}/${ref.name}`;
}

/** poolID{driverName, poolName}. */
function poolID(driverName: string, poolName: string): string {
  return `${driverName}\x00${poolName}`;
}

interface TaintedDevice {
  deviceName: string;
  taint: DeviceTaint;
}

function taintEqual(a: DeviceTaint, b: DeviceTaint): boolean {
  return a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect && (a.timeAdded ?? '') === (b.timeAdded ?? '');
}

/** device_taint_eviction.go pool: the slices of one driver's pool; only the highest generation counts. */
class Pool {
  readonly slices = new Map<string, ResourceSlice>();
  maxGeneration = Number.MIN_SAFE_INTEGER;

  addSlice(slice: ResourceSlice | undefined): void {
    if (!slice) return;
    this.slices.set(slice.metadata.name ?? '', slice);
    // Adding a slice can only increase the generation.
    if (slice.spec.pool.generation > this.maxGeneration) this.maxGeneration = slice.spec.pool.generation;
  }

  removeSlice(slice: ResourceSlice | undefined): void {
    if (!slice) return;
    this.slices.delete(slice.metadata.name ?? '');
    // Removing a slice might have decreased the generation to that of some other slice.
    if (slice.spec.pool.generation === this.maxGeneration) {
      let max = Number.MIN_SAFE_INTEGER;
      for (const s of this.slices.values()) if (s.spec.pool.generation > max) max = s.spec.pool.generation;
      this.maxGeneration = max;
    }
  }

  /** getTaintedDevices: every NoExecute device taint, sorted by device name. */
  getTaintedDevices(): TaintedDevice[] {
    const out: TaintedDevice[] = [];
    for (const slice of this.slices.values()) {
      if (slice.spec.pool.generation !== this.maxGeneration) continue;
      for (const device of slice.spec.devices ?? []) {
        for (const taint of deviceTaints(device)) {
          if (taint.effect !== DeviceTaintEffectNoExecute) continue;
          out.push({ deviceName: device.name, taint });
        }
      }
    }
    return out.sort((a, b) => (a.deviceName < b.deviceName ? -1 : a.deviceName > b.deviceName ? 1 : 0));
  }

  /** getDevice: one device by name; out-dated slices are ignored. */
  getDevice(deviceName: string): Device | undefined {
    for (const slice of this.slices.values()) {
      if (slice.spec.pool.generation !== this.maxGeneration) continue;
      const d = (slice.spec.devices ?? []).find((x) => x.name === deviceName);
      if (d) return d;
    }
    return undefined;
  }
}

/** allocatedClaim: a claim with an allocation and, if tainted, when its pods must go (Clock ms). */
/**
 * evictionTime (device_taint_eviction.go): the earliest time any allocated device has a NoExecute taint the
 * allocation does not tolerate: timeAdded, plus the smallest tolerationSeconds of the matching tolerations; a
 * matching toleration without tolerationSeconds tolerates for ever. Undefined if nothing evicts.
 */
export function evictionTimeOf(
  results: readonly DeviceRequestAllocationResult[],
  deviceOf: (r: DeviceRequestAllocationResult) => Device | undefined,
  observe?: (r: DeviceRequestAllocationResult, taint: DeviceTaint, evictionTime: number | undefined) => void,
): number | undefined {
  let evictionTime: number | undefined;
  for (const allocatedDevice of results) {
    const device = deviceOf(allocatedDevice);
    if (!device) continue; // Unknown device? Can't be tainted...
    nextTaint: for (const taint of deviceTaints(device)) {
      if (taint.effect !== DeviceTaintEffectNoExecute) continue;
      let haveToleration = false;
      let tolerationSeconds = Number.MAX_SAFE_INTEGER;
      for (const toleration of allocatedDevice.tolerations ?? []) {
        // 1.33: only tolerations with effect NoExecute count.
        if (toleration.effect === DeviceTaintEffectNoExecute && ToleratesTaint(toleration, taint)) {
          if (toleration.tolerationSeconds === undefined || toleration.tolerationSeconds === null) continue nextTaint; // tolerated forever
          tolerationSeconds = Math.min(tolerationSeconds, Math.max(0, toleration.tolerationSeconds));
          haveToleration = true;
        }
      }
      let newEvictionTime = parseTime(taint.timeAdded);
      if (newEvictionTime === undefined) {
        observe?.(allocatedDevice, taint, undefined);
        continue;
      }
      if (haveToleration) newEvictionTime += tolerationSeconds * 1000;
      if (evictionTime === undefined || newEvictionTime < evictionTime) {
        evictionTime = newEvictionTime;
        observe?.(allocatedDevice, taint, evictionTime);
      }
    }
  }
  return evictionTime;
}

interface AllocatedClaim {
  claim: ResourceClaim;
  evictionTime: number | undefined;
}

/** apipod.UpdatePodCondition on a copy: the new conditions and whether anything changed. */
function updatePodCondition(conditions: readonly PodCondition[], condition: PodCondition): { conditions: PodCondition[]; changed: PodCondition | undefined } {
  const next = conditions.map((c) => ({ ...c }));
  const i = next.findIndex((c) => c.type === condition.type);
  const old = next[i];
  if (!old) return { conditions: [...next, condition], changed: condition };
  const cond = { ...condition };
  if (cond.status === old.status) cond.lastTransitionTime = old.lastTransitionTime;
  const equal =
    cond.status === old.status &&
    (cond.reason ?? '') === (old.reason ?? '') &&
    (cond.message ?? '') === (old.message ?? '') &&
    (cond.lastProbeTime ?? null) === (old.lastProbeTime ?? null) &&
    cond.lastTransitionTime === old.lastTransitionTime;
  next[i] = cond;
  return { conditions: next, changed: equal ? undefined : cond };
}

/**
 * utilpod.PatchPodStatus's patch: the two-way strategic merge patch from the old to the new status, with
 * metadata.uid as a precondition. Conditions merge by type, so only the changed one is sent, with
 * `$setElementOrder/conditions` giving the order of the whole list.
 */
function podStatusPatch(uid: string | undefined, old: readonly PodCondition[], next: readonly PodCondition[], changed: PodCondition): unknown {
  const before = old.find((c) => c.type === changed.type);
  const delta: Record<string, unknown> = { type: changed.type };
  for (const [k, v] of Object.entries(changed)) {
    if (v === undefined || k === 'type') continue;
    if (!before || (before as unknown as Record<string, unknown>)[k] !== v) delta[k] = v;
  }
  return {
    metadata: { uid },
    status: { '$setElementOrder/conditions': next.map((c) => ({ type: c.type })), conditions: [delta] },
  };
}

export interface DeviceTaintEvictionMetrics {
  /** metrics.PodDeletionsTotal. */
  podDeletionsTotal: number;
  /** metrics.PodDeletionsLatency observations, in seconds. */
  podDeletionsLatencySeconds: number[];
}

export interface DeviceTaintEvictionOptions {
  /** false: TimedWorkerQueue.UpdateWork as merged with kubernetes#130447; true: with #130947. */
  fixed: boolean;
  /** With fixed: upstream's UpdateWork fix or a broken/equivalent one in its place (timedworkers.ts). */
  updateWorkFix?: UpdateWorkFix;
  clock: Clock;
  client: KubeClient;
  recorder: EventRecorder;
  /** Where the shared informers come from (a Manager). Asked for in the constructor. */
  informers: InformerSource;
  name?: string;
  logger?: Logger;
}

/** The controller, run by a Manager as a Runnable (its informers are the manager's shared ones). */
export class DeviceTaintEvictionController implements Runnable {
  readonly name: string;
  readonly metrics: DeviceTaintEvictionMetrics = { podDeletionsTotal: 0, podDeletionsLatencySeconds: [] };
  private readonly opts: DeviceTaintEvictionOptions;
  private readonly clock: Clock;
  private readonly client: KubeClient;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly podInformer: Informer<Pod>;
  private readonly claimInformer: Informer<ResourceClaim>;
  private readonly sliceInformer: Informer<ResourceSlice>;
  private readonly ruleInformer: Informer<DeviceTaintRule>;
  /** allocatedClaims: every known claim with an allocation, by namespace/name. */
  private readonly allocatedClaims = new Map<string, AllocatedClaim>();
  /** pools: every slice by driver and pool. */
  private readonly pools = new Map<string, Pool>();
  private queue: TimedWorkerQueue | undefined;
  private evictPod: (podRef: NamespacedObject, fireAtMs: number) => void = () => undefined;
  private cancelEvict: (podRef: NamespacedObject) => boolean = () => false;
  private syncedNow = false;
  private retrySleeping = 0;

  constructor(opts: DeviceTaintEvictionOptions) {
    this.opts = opts;
    this.name = opts.name ?? defaultControllerName;
    this.clock = opts.clock;
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'controller', controller: this.name });
    // New: instantiate all informers now so that they get started.
    this.podInformer = opts.informers.informerFor<Pod>(podsResource);
    this.claimInformer = opts.informers.informerFor<ResourceClaim>(resourceClaimsResource);
    this.sliceInformer = opts.informers.informerFor<ResourceSlice>(resourceSlicesResource);
    this.ruleInformer = opts.informers.informerFor<DeviceTaintRule>(deviceTaintRulesResource);
  }

  /** The TimedWorkerQueue of the current run (for scenarios and tests). */
  workerQueue(): TimedWorkerQueue | undefined {
    return this.queue;
  }

  /** True once every handler has seen the initial state. */
  hasSynced(): boolean {
    return this.syncedNow;
  }

  /** Quiescence: no eviction work running, except work sleeping between tries on the Clock. */
  idle(): boolean {
    return (this.queue?.running() ?? 0) - this.retrySleeping <= 0;
  }

  /** Run: sets up the queue and the handlers, then waits until ctx is cancelled. */
  async start(ctx: Context): Promise<void> {
    this.log.info({ controller: this.name }, 'Starting');
    const queue = new TimedWorkerQueue(this.deletePodHandler((ref) => this.emitPodDeletionEvent(ref)), {
      clock: this.clock,
      fixed: this.opts.fixed,
      updateWorkFix: this.opts.updateWorkFix,
      name: `${this.name}/taint-eviction`,
      logger: this.opts.logger,
    });
    this.queue = queue;
    this.evictPod = (podRef, fireAtMs) => queue.UpdateWork(ctx, { Object: podRef }, this.clock.now(), fireAtMs);
    this.cancelEvict = (podRef) => queue.CancelWork(podKey(podRef));

    const registrations: { remove(): void }[] = [];
    const tracker = new Tracker(this.sliceInformer, this.ruleInformer, this.log);
    try {
      const claimHandler = this.claimInformer.addEventHandler({
        onAdd: (claim) => this.guard(() => this.handleClaimChange(undefined, claim)),
        onUpdate: (oldClaim, newClaim) => this.guard(() => this.handleClaimChange(oldClaim, newClaim)),
        onDelete: (obj) => this.guard(() => this.handleClaimChange(unwrap(obj), undefined)),
      });
      registrations.push(claimHandler);
      const podHandler = this.podInformer.addEventHandler({
        onAdd: (pod) => this.guard(() => this.handlePodChange(undefined, pod)),
        onUpdate: (oldPod, newPod) => this.guard(() => this.handlePodChange(oldPod, newPod)),
        onDelete: (obj) => this.guard(() => this.handlePodChange(unwrap(obj), undefined)),
      });
      registrations.push(podHandler);
      tracker.start();
      const synced = await park(
        Promise.all([
          this.podInformer.waitForSync(ctx.done),
          this.claimInformer.waitForSync(ctx.done),
          this.sliceInformer.waitForSync(ctx.done),
          this.ruleInformer.waitForSync(ctx.done),
        ]),
      );
      if (!synced.every(Boolean) || !claimHandler.hasSynced() || !podHandler.hasSynced() || !tracker.hasSynced()) {
        if (!ctx.done.aborted) this.log.error('wait for cache sync failed');
        return;
      }
      this.log.debug('Underlying informers have synced');
      // The tracker delivers every known slice as an add before this returns: our state is then up to date.
      registrations.push(
        tracker.addEventHandler({
          onAdd: (slice) => this.guard(() => this.handleSliceChange(undefined, slice)),
          onUpdate: (oldSlice, newSlice) => this.guard(() => this.handleSliceChange(oldSlice, newSlice)),
          onDelete: (slice) => this.guard(() => this.handleSliceChange(slice, undefined)),
        }),
      );
      this.syncedNow = true;
      if (!ctx.done.aborted) await park(new Promise<void>((resolve) => ctx.done.addEventListener('abort', () => resolve(), { once: true })));
    } finally {
      for (const r of registrations) r.remove();
      tracker.stop();
      this.log.info({ controller: this.name }, 'Shutting down controller');
    }
  }

  /** utilruntime.HandleCrash in a handler: log the panic, then let it end the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof Panic) this.log.error({ panic: e.message }, 'Observed a panic');
      throw e;
    }
  }

  handleClaimChange(oldClaim: ResourceClaim | undefined, newClaim: ResourceClaim | undefined): void {
    const claim = newClaim ?? oldClaim;
    if (!claim) return;
    const name = nsName(claim);
    // Deleted?
    if (!newClaim) {
      this.allocatedClaims.delete(name);
      this.handlePods(claim);
      return;
    }
    // Added?
    if (!oldClaim) {
      if (!claim.status?.allocation) return;
      this.allocatedClaims.set(name, { claim, evictionTime: this.evictionTime(claim) });
      this.handlePods(claim);
      return;
    }
    // Same name, different UID: a remove and an add.
    if (oldClaim.metadata.uid !== newClaim.metadata.uid) {
      this.handleClaimChange(oldClaim, undefined);
      this.handleClaimChange(undefined, newClaim);
      return;
    }
    const syncBothClaims = (): void => {
      // ReservedFor may have changed. If it did, sync both old and new lists, otherwise only once.
      if (!jsonEqual(oldClaim.status?.reservedFor ?? [], newClaim.status?.reservedFor ?? [])) {
        this.handlePods(oldClaim);
        this.handlePods(newClaim);
      } else {
        this.handlePods(claim);
      }
    };
    const hadAllocation = oldClaim.status?.allocation !== undefined && oldClaim.status.allocation !== null;
    const hasAllocation = newClaim.status?.allocation !== undefined && newClaim.status.allocation !== null;
    // Allocation added?
    if (!hadAllocation && hasAllocation) {
      this.allocatedClaims.set(name, { claim, evictionTime: this.evictionTime(claim) });
      syncBothClaims();
      return;
    }
    // Allocation removed?
    if (hadAllocation && !hasAllocation) {
      this.allocatedClaims.delete(name);
      syncBothClaims();
      return;
    }
    // Allocated before and after? The allocation is immutable: keep the eviction time, store the newer claim.
    if (hasAllocation) {
      this.allocatedClaims.set(name, { claim, evictionTime: this.allocatedClaims.get(name)?.evictionTime });
      syncBothClaims();
    }
    // If we get here, nothing changed.
  }

  /**
   * evictionTime: the earliest time any allocated device has a NoExecute taint the allocation does not
   * tolerate (timeAdded, plus the smallest tolerationSeconds of matching tolerations); undefined if none.
   */
  evictionTime(claim: ResourceClaim): number | undefined {
    return evictionTimeOf(
      claim.status?.allocation?.devices?.results ?? [],
      (r) => this.pools.get(poolID(r.driver, r.pool))?.getDevice(r.device),
      (r, taint, t) => {
        if (t === undefined) this.log.warn({ claim: nsName(claim), device: r.device, taint: taint.key }, 'NoExecute taint without timeAdded, ignoring it');
        else this.log.debug({ claim: nsName(claim), device: r.device, taint: taint.key, evictionTime: t }, 'Claim is affected by device taint');
      },
    );
  }

  handleSliceChange(oldSlice: ResourceSlice | undefined, newSlice: ResourceSlice | undefined): void {
    const slice = newSlice ?? oldSlice;
    if (!slice) return;
    const id = poolID(slice.spec.driver, slice.spec.pool.name);
    // Old and new device taints; only devices whose taints change trigger checks of the claims using them.
    const p = this.pools.get(id) ?? new Pool();
    const oldDeviceTaints = p.getTaintedDevices();
    p.removeSlice(oldSlice);
    p.addSlice(newSlice);
    if (p.slices.size === 0) this.pools.delete(id);
    else this.pools.set(id, p);
    const newDeviceTaints = p.getTaintedDevices();

    if (oldDeviceTaints.length === 0 && newDeviceTaints.length === 0) return;
    // Both lists are sorted by device name.
    const modifiedDevices = new Set<string>();
    let o = 0;
    let n = 0;
    while (o < oldDeviceTaints.length || n < newDeviceTaints.length) {
      // Devices in both lists with the same name.
      for (; o < oldDeviceTaints.length && n < newDeviceTaints.length; o++, n++) {
        const a = oldDeviceTaints[o] as TaintedDevice;
        const b = newDeviceTaints[n] as TaintedDevice;
        if (a.deviceName !== b.deviceName) break;
        if (!taintEqual(a.taint, b.taint)) modifiedDevices.add(a.deviceName);
      }
      // Old devices which were removed.
      const newDeviceName = newDeviceTaints[n]?.deviceName ?? '';
      for (; o < oldDeviceTaints.length && (oldDeviceTaints[o] as TaintedDevice).deviceName !== newDeviceName; o++) {
        modifiedDevices.add((oldDeviceTaints[o] as TaintedDevice).deviceName);
      }
      // New devices which were added.
      const oldDeviceName = oldDeviceTaints[o]?.deviceName ?? '';
      const added = newDeviceTaints[n];
      if (added && added.deviceName !== oldDeviceName) {
        modifiedDevices.add(added.deviceName);
        n++;
      }
    }

    // Every claim using a modified device: update its eviction time, and handle its pods if it changed.
    for (const [name, allocated] of this.allocatedClaims) {
      const uses = (allocated.claim.status?.allocation?.devices?.results ?? []).some(
        (d) => d.driver === slice.spec.driver && d.pool === slice.spec.pool.name && modifiedDevices.has(d.device),
      );
      if (!uses) continue;
      const newEvictionTime = this.evictionTime(allocated.claim);
      if (newEvictionTime === allocated.evictionTime) continue;
      this.allocatedClaims.set(name, { claim: allocated.claim, evictionTime: newEvictionTime });
      this.handlePods(allocated.claim);
    }
  }

  handlePodChange(oldPod: Pod | undefined, newPod: Pod | undefined): void {
    if (!newPod) {
      // Nothing left to do for it. No need to emit an event here, it's gone.
      if (oldPod) this.cancelEvict(newObject(oldPod));
      return;
    }
    // Pods are updated often. Check again only if they got scheduled or their claims changed; in particular
    // the controller's own DisruptionTarget patch does not add the pod again.
    if (oldPod && (oldPod.spec?.nodeName ?? '') === (newPod.spec?.nodeName ?? '') && jsonEqual(oldPod.status?.resourceClaimStatuses ?? null, newPod.status?.resourceClaimStatuses ?? null)) {
      return;
    }
    this.handlePod(newPod);
  }

  handlePods(claim: ResourceClaim): void {
    for (const consumer of claim.status?.reservedFor ?? []) {
      if ((consumer.apiGroup ?? '') === '' && consumer.resource === 'pods') {
        const pod = this.podInformer.lister().getByName(claim.metadata.namespace, consumer.name);
        if (!pod) return; // as upstream: NotFound ends the loop
        if (pod.metadata.uid !== consumer.uid) return; // Not the pod we were looking for.
        this.handlePod(pod);
      }
    }
  }

  handlePod(pod: Pod): void {
    // Not scheduled yet? No need to evict.
    if (!pod.spec?.nodeName) return;
    // If any claim in use by the pod is tainted such that the taint is not tolerated, the pod must go.
    let evictionTime: number | undefined;
    for (const podClaim of pod.spec.resourceClaims ?? []) {
      const resolved = claimName(pod, podClaim);
      if ('error' in resolved) continue; // Not created yet or unsupported. Definitely not tainted.
      if (resolved.name === undefined) continue; // Claim not needed.
      const allocated = this.allocatedClaims.get(`${pod.metadata.namespace ?? ''}/${resolved.name}`);
      if (!allocated) continue; // Referenced, but not found or not allocated. Also not tainted.
      if (resolved.mustCheckOwner && !IsForPod(pod, allocated.claim)) continue;
      // The pod isn't the one which is allowed to use the claim (perhaps a replacement under the same name).
      if (!IsReservedForPod(pod, allocated.claim)) continue;
      if (allocated.evictionTime === undefined) continue;
      if (evictionTime === undefined || allocated.evictionTime < evictionTime) evictionTime = allocated.evictionTime;
      this.log.debug({ pod: nsName(pod), evictionTime: rfc3339Seconds(evictionTime), claim: nsName(allocated.claim) }, 'Going to evict pod');
    }
    const podRef = newObject(pod);
    if (evictionTime !== undefined) this.evictPod(podRef, evictionTime);
    else this.cancelWorkWithEvent(podRef);
  }

  private cancelWorkWithEvent(podRef: NamespacedObject): void {
    if (this.cancelEvict(podRef)) this.emitCancelPodDeletionEvent(podRef);
  }

  private podReference(podRef: NamespacedObject): ObjectReference {
    return { apiVersion: 'v1', kind: 'Pod', name: podRef.name, namespace: podRef.namespace, uid: podRef.uid };
  }

  private emitPodDeletionEvent(podRef: NamespacedObject): void {
    this.recorder.eventf(this.podReference(podRef), 'Normal', evictionEventReason, markingForDeletionMessage);
  }

  private emitCancelPodDeletionEvent(podRef: NamespacedObject): void {
    this.recorder.eventf(this.podReference(podRef), 'Normal', evictionEventReason, cancellingDeletionMessage);
  }

  /** deletePodHandler: the TimedWorkerQueue's work; up to `retries` tries of addConditionAndDeletePod. */
  private deletePodHandler(emitEventFunc: (podRef: NamespacedObject) => void): WorkFunc {
    return async (ctx, fireAtMs, args) => {
      const podRef = args.Object;
      this.log.info({ pod: podKey(podRef) }, 'Deleting pod');
      // Emit the event only once per eviction, and only if we are actually doing something.
      let emit: ((ref: NamespacedObject) => void) | undefined = emitEventFunc;
      const once = (): void => {
        emit?.(podRef);
        emit = undefined;
      };
      let err: unknown;
      for (let i = 0; i < retries; i++) {
        try {
          await this.addConditionAndDeletePod(ctx, podRef, once);
          this.metrics.podDeletionsTotal++;
          this.metrics.podDeletionsLatencySeconds.push((this.clock.now() - fireAtMs) / 1000);
          return;
        } catch (e) {
          if (e instanceof Panic || e instanceof FatalError) throw e;
          // Not a problem, the work is done. But we didn't do it, so don't bump the metric.
          if (isNotFound(e)) return;
          err = e;
        }
        try {
          await this.retrySleep(ctx);
        } catch {
          break; // cancelled: the next try would fail on the cancelled context anyway
        }
      }
      throw err;
    };
  }

  /**
   * time.Sleep(10 * time.Millisecond) between tries, on the Clock. The worker does not count as busy while it
   * sleeps, and counts again from the instant the timer fires (or ctx is cancelled), not a microtask later.
   */
  private retrySleep(ctx: Context): Promise<void> {
    if (ctx.done.aborted) return Promise.reject(ctx.done.reason);
    this.retrySleeping++;
    return park(
      new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          timer.cancel();
          this.retrySleeping--;
          reject(ctx.done.reason);
        };
        const timer = this.clock.setTimer(retrySleepMs, () => {
          ctx.done.removeEventListener('abort', onAbort);
          this.retrySleeping--;
          resolve();
        });
        ctx.done.addEventListener('abort', onAbort, { once: true });
      }),
    );
  }

  /** addConditionAndDeletePod: GET, UID check, event, DisruptionTarget status patch, DELETE with UID precondition. */
  private async addConditionAndDeletePod(ctx: Context, podRef: NamespacedObject, emitEvent: () => void): Promise<void> {
    const ref = podsIn(podRef.namespace);
    const signal = ctx.done;
    const pod = await park(this.client.get<Pod>(ref, podRef.name, { signal }));
    if (pod.metadata.uid !== podRef.uid) {
      // The pod we were meant to evict is gone and replaced by another one with the same name: stop, no event.
      throw notFound({ group: '', resource: 'pods' }, pod.metadata.name ?? podRef.name);
    }
    emitEvent();
    const old = pod.status?.conditions ?? [];
    const { conditions, changed } = updatePodCondition(old, { ...disruptionTargetCondition, lastTransitionTime: rfc3339Seconds(this.clock.now()) });
    if (changed) {
      await park(this.client.patch(ref, podRef.name, podStatusPatch(pod.metadata.uid, old, conditions, changed), 'strategic', { subresource: 'status', signal }));
    }
    // The pod could have been replaced under the same name meanwhile: the UID precondition prevents
    // deleting the new one; the next try then sees the new UID and stops.
    await park(this.client.delete(ref, podRef.name, { preconditions: { uid: podRef.uid }, signal }));
  }
}

export interface DeviceTaintEvictionProcessOptions {
  /** false: the buggy UpdateWork (kubernetes#130940); true: the fix (#130947). */
  fixed: boolean;
  /** With fixed: upstream's UpdateWork fix or a broken/equivalent one in its place (timedworkers.ts). */
  updateWorkFix?: UpdateWorkFix;
  /** The cluster to talk to; requests are sent as `actor` (bearer token and User-Agent). */
  kc: k8s.KubeConfig;
  actor: string;
  clock: Clock;
  /** The process name (supervisor, logs, events' reportingInstance). Default: the actor. */
  processName?: string;
  /** The controller's name, also its Events' source.component. */
  controllerName?: string;
  logger?: Logger;
  informerDefaults?: InformerDefaults;
  events?: ManagerOptions['events'];
}

export type DeviceTaintEvictionProcess = ProcessSpec & {
  manager(): Manager | undefined;
  controller(): DeviceTaintEvictionController | undefined;
};

/**
 * The controller as a process for a Supervisor: each run builds a fresh Manager (shared informers, client,
 * event broadcaster) and the controller inside the process's GoRuntime, so a panic in a handler or a worker
 * ends that run, and the Supervisor restarts it with the kubelet's crash-loop backoff.
 */
export function deviceTaintEvictionProcess(opts: DeviceTaintEvictionProcessOptions): DeviceTaintEvictionProcess {
  const kc = ActorKubeConfig.from(opts.kc, opts.actor);
  let ctrl: DeviceTaintEvictionController | undefined;
  const spec = managerProcess(opts.processName ?? opts.actor, (runtime) => {
    const mgr = new Manager({ kc, clock: opts.clock, name: runtime.name, logger: opts.logger, informerDefaults: opts.informerDefaults, events: opts.events });
    const name = opts.controllerName ?? defaultControllerName;
    ctrl = new DeviceTaintEvictionController({
      fixed: opts.fixed,
      updateWorkFix: opts.updateWorkFix,
      clock: opts.clock,
      client: mgr.client,
      recorder: mgr.eventRecorderFor(name),
      informers: mgr,
      name,
      logger: opts.logger,
    });
    mgr.add(ctrl);
    return mgr;
  });
  return { ...spec, controller: () => ctrl };
}
