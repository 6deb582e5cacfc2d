// The Cluster controller of Cluster API v1.9 (internal/controllers/cluster/cluster_controller.go,
// cluster_controller_phases.go and the phase part of cluster_controller_status.go, at v1.9.4), the
// controller whose early EnsureFinalizer races with `clusterctl move` (kubernetes-sigs/cluster-api
// #11812, see clients/clusterctl/move.ts). It is identical in the buggy and the fixed scenario: the fix was
// in clusterctl.
//
// Reconcile, in upstream's order:
//  1. the Cluster from the informer cache; gone → done;
//  2. EnsureFinalizer(cluster.cluster.x-k8s.io): on the *cached* object; when it adds the finalizer (a merge
//     patch without resourceVersion, #11286 "Handle finalizers early in Reconciles") it returns, and the
//     watch event brings the next reconcile;
//  3. EnsurePausedCondition: the v1beta2 Paused condition (#11284); paused (spec.paused or the
//     cluster.x-k8s.io/paused annotation) or the condition just changed → return. When paused nothing else
//     runs, reconcileDelete included;
//  4. reconcileInfrastructure, reconcileControlPlane, getDescendants, then reconcileControlPlaneInitialized
//     (normal) or reconcileDelete (deletionTimestamp set); whatever happened, updateStatus (reconcilePhase)
//     and one patch of the Cluster through the PatchHelper (observedGeneration only on success).
//
// Not reproduced: the ClusterCache remote-connection probe and its condition, the kubeconfig Secret
// (reconcileKubeconfig), MachinePools, the topology BeforeClusterDelete hook, the v1beta2 conditions other
// than Paused, and the v1beta1 Ready summary. The infrastructure cluster is watched only for the kind
// DockerCluster (upstream's externalTracker watches whatever kind the reference names).
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { deepCopy } from '../../apiserver/machinery/json.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { isObject, type KubeObject } from '../../apiserver/machinery/object.ts';
import { isNotFound, type ResourceRef } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import { park, type Context } from '../runtime/concurrency.ts';
import type { Controller, Request, Result } from '../runtime/controller.ts';
import { Manager, type InformerDefaults } from '../runtime/manager.ts';
import { resourceVersionChanged } from '../runtime/predicate.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import {
  clusterApiVersion,
  clusterFinalizer,
  clusterNameLabel,
  clusterResource,
  controlPlaneInitializedCondition,
  controlPlaneReadyCondition,
  deletedReason,
  deletingReason,
  dockerClusterResource,
  inNamespace,
  infrastructureReadyCondition,
  machineControlPlaneLabel,
  machineDeploymentResource,
  machineResource,
  machineSetResource,
  missingNodeRefReason,
  waitingForControlPlaneFallbackReason,
  waitingForInfrastructureFallbackReason,
  type Cluster,
  type Condition,
  type Machine,
  refResource,
  type ObjectReference,
} from './api.ts';
import { getCondition, isTrue, markFalse, markTrue, setCondition } from './conditions.ts';
import {
  actorConfig,
  aggregate,
  controllerOf,
  ensureFinalizer,
  ensurePausedCondition,
  getExternal,
  hasExactOwnerRef,
  isNotFoundCause,
  isOwnedByObject,
  kref,
  doReconcile,
  PatchHelper,
  referSameObject,
  wrap,
  type PatchDeps,
} from './util.ts';

/** cluster_controller.go deleteRequeueAfter: how often deletion checks again for remaining descendants. */
export const deleteRequeueAfterMs = 5_000;
/** cluster_controller_phases.go externalReadyWait: requeue while a referenced object does not exist yet. */
export const externalReadyWaitMs = 30_000;

export type ClusterPhase = 'Pending' | 'Provisioning' | 'Provisioned' | 'Deleting' | 'Failed' | 'Unknown';

export interface ClusterReconcilerOptions {
  /** controller.Options MaxConcurrentReconciles (upstream flag --cluster-concurrency, default 10). Default 1. */
  maxConcurrentReconciles?: number;
  logger?: Logger;
}

/** The objects one reconcile reads and the verdicts it reaches (cluster_controller.go scope). */
interface Scope {
  cluster: Cluster;
  infraCluster?: KubeObject;
  infraClusterIsNotFound: boolean;
  controlPlane?: KubeObject;
  controlPlaneIsNotFound: boolean;
  descendants?: Descendants;
  getDescendantsSucceeded: boolean;
  deletingReason?: string;
  deletingMessage?: string;
}

/** cluster_controller.go clusterDescendants (without MachinePools). */
interface Descendants {
  machineDeployments: KubeObject[];
  machineSets: KubeObject[];
  allMachines: Machine[];
  controlPlaneMachines: Machine[];
  workerMachines: Machine[];
}

type Phase = (ctx: Context, s: Scope) => Promise<Result>;

function statusField(obj: KubeObject | undefined, field: string): unknown {
  const status = obj?.status;
  return isObject(status) ? status[field] : undefined;
}

/** external.IsReady: status.ready. */
function isExternalReady(obj: KubeObject): boolean {
  return statusField(obj, 'ready') === true;
}

/** clusterv1.APIEndpoint.IsValid. */
function endpointIsValid(ep: { host?: string; port?: number } | undefined): boolean {
  return !!ep && !!ep.host && !!ep.port;
}

/** collections.ControlPlaneMachines: the control-plane label plus the cluster-name label. */
function isControlPlaneMachine(m: Machine): boolean {
  return m.metadata.labels !== undefined && Object.hasOwn(m.metadata.labels, machineControlPlaneLabel);
}

function sortedNames(objs: KubeObject[]): string {
  return objs
    .map((o) => o.metadata.name ?? '')
    .sort()
    .join(', ');
}

export class ClusterReconciler {
  readonly controller: Controller;
  private readonly mgr: Manager;
  private readonly clock: Clock;
  private readonly clusters: Informer<Cluster>;
  private readonly machineDeployments: Informer;
  private readonly machineSets: Informer;
  private readonly machines: Informer<Machine>;
  private readonly recorder: EventRecorder;
  private readonly opts: ClusterReconcilerOptions;
  private readonly log: Logger;

  /** SetupWithManager: the controller and its watches on mgr. Call before mgr.start(). */
  constructor(mgr: Manager, opts: ClusterReconcilerOptions = {}) {
    this.mgr = mgr;
    this.opts = opts;
    this.clock = mgr.clock;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'cluster-controller' });
    this.clusters = mgr.informerFor<Cluster>(clusterResource);
    this.machineDeployments = mgr.informerFor(machineDeploymentResource);
    this.machineSets = mgr.informerFor(machineSetResource);
    this.machines = mgr.informerFor<Machine>(machineResource);
    this.recorder = mgr.eventRecorderFor('cluster-controller');
    this.controller = mgr
      .newController({ name: 'cluster', reconcile: (ctx, req) => this.reconcile(ctx, req), maxConcurrentReconciles: opts.maxConcurrentReconciles })
      .for(this.clusters)
      // reconcileExternal's externalTracker.Watch(infra, EnqueueRequestForOwner(Cluster)).
      .owns(mgr.informerFor(dockerClusterResource), resourceVersionChanged)
      .watches(this.machines, (o) => this.controlPlaneMachineToCluster(o as Machine), resourceVersionChanged)
      .watches(this.machineDeployments, (o) => this.machineDeploymentToCluster(o), resourceVersionChanged);
  }

  private deps(req: Request, ctx: Context): PatchDeps<Cluster> {
    return {
      client: this.mgr.client,
      ref: inNamespace(clusterResource, req.namespace),
      latest: () => this.clusters.lister().getByName(req.namespace, req.name),
      clock: this.clock,
      ctx,
    };
  }

  /** cluster_controller.go Reconcile. */
  async reconcile(ctx: Context, req: Request): Promise<Result> {
    const cached = this.clusters.lister().getByName(req.namespace, req.name);
    if (!cached) return {}; // Object not found, return. Created objects are automatically garbage collected.
    const deps = this.deps(req, ctx);

    // Add finalizer first if not set to avoid the race condition between init and delete.
    if (await ensureFinalizer(cached, clusterFinalizer, deps)) return {};

    const paused = await ensurePausedCondition(cached, cached, 'Cluster', deps);
    if (paused.isPaused || paused.conditionChanged) return {};

    const cluster = deepCopy(cached) as Cluster;
    const s: Scope = { cluster, infraClusterIsNotFound: false, controlPlaneIsNotFound: false, getDescendantsSucceeded: false };
    const patchHelper = new PatchHelper(cached, deps);

    let result: Result = {};
    let err: unknown;
    try {
      result = await this.reconcileScope(ctx, s);
    } catch (e) {
      err = e;
    }
    // defer: always reconcile the status, always patch (observedGeneration only when the reconcile succeeded).
    this.updateStatus(s);
    try {
      await patchHelper.patch(cluster, { statusObservedGeneration: err === undefined });
    } catch (e) {
      err = aggregate([err, e]);
    }
    if (err !== undefined) throw err;
    return result;
  }

  private async reconcileScope(ctx: Context, s: Scope): Promise<Result> {
    const alwaysReconcile: Phase[] = [
      (c, sc) => this.reconcileInfrastructure(c, sc),
      (c, sc) => this.reconcileControlPlane(c, sc),
      async (_c, sc) => this.getDescendants(sc),
    ];
    // Handle deletion reconciliation loop.
    if (s.cluster.metadata.deletionTimestamp) return doReconcile(ctx, s, [...alwaysReconcile, (c, sc) => this.reconcileDelete(c, sc)]);
    // Handle normal reconciliation loop.
    if (s.cluster.spec?.topology && (!s.cluster.spec.controlPlaneRef || !s.cluster.spec.infrastructureRef)) {
      this.log.info({ cluster: kref(s.cluster.metadata.namespace, s.cluster.metadata.name) }, 'Waiting for the topology to be generated');
      return {};
    }
    // (reconcileKubeconfig is not reproduced.)
    return doReconcile(ctx, s, [...alwaysReconcile, async (_c, sc) => this.reconcileControlPlaneInitialized(sc)]);
  }

  // --- cluster_controller_phases.go ---

  /** reconcileExternal: the referenced object, owned by and labelled for the Cluster. */
  private async reconcileExternal(ctx: Context, cluster: Cluster, ref: ObjectReference): Promise<KubeObject> {
    const obj = await getExternal(this.mgr.client, ref, cluster.metadata.namespace, ctx);
    await this.ensureOwnerRefAndLabel(ctx, obj, cluster);
    const failureReason = statusField(obj, 'failureReason');
    const failureMessage = statusField(obj, 'failureMessage');
    cluster.status ??= {};
    if (typeof failureReason === 'string' && failureReason) cluster.status.failureReason = failureReason;
    if (typeof failureMessage === 'string' && failureMessage)
      cluster.status.failureMessage = `Failure detected from referenced resource ${obj.apiVersion}, Kind=${obj.kind} with name "${obj.metadata.name}": ${failureMessage}`;
    return obj;
  }

  /** ensureOwnerRefAndLabel: a controller reference to the Cluster and the cluster-name label. */
  private async ensureOwnerRefAndLabel(ctx: Context, obj: KubeObject, cluster: Cluster): Promise<void> {
    const desired = { apiVersion: clusterApiVersion, kind: 'Cluster', name: cluster.metadata.name ?? '', uid: cluster.metadata.uid ?? '', controller: true };
    if (hasExactOwnerRef(obj.metadata.ownerReferences, desired) && obj.metadata.labels?.[clusterNameLabel] === cluster.metadata.name) return;
    const current = controllerOf(obj);
    if (current && !referSameObject(current, desired)) {
      // controllerutil.SetControllerReference: AlreadyOwnedError.
      throw new Error(`Object ${kref(obj.metadata.namespace, obj.metadata.name)} is already owned by another ${current.kind} controller ${current.name}`);
    }
    const helper = new PatchHelper(obj, {
      client: this.mgr.client,
      ref: refResourceOf(obj),
      latest: () => undefined,
      clock: this.clock,
      ctx,
    });
    const after = deepCopy(obj);
    const controllerRef = { ...desired, blockOwnerDeletion: true };
    const refs = (after.metadata.ownerReferences ?? []).filter((r) => !referSameObject(r, desired));
    after.metadata.ownerReferences = [...refs, controllerRef];
    after.metadata.labels = { ...(after.metadata.labels ?? {}), [clusterNameLabel]: cluster.metadata.name ?? '' };
    await helper.patch(after);
  }

  /** reconcileInfrastructure. */
  private async reconcileInfrastructure(ctx: Context, s: Scope): Promise<Result> {
    const cluster = s.cluster;
    cluster.status ??= {};
    const ref = cluster.spec?.infrastructureRef;
    // If the infrastructure ref is not set, no-op (and mark the infrastructure ready to unblock provisioning).
    if (!ref) {
      if (!cluster.metadata.deletionTimestamp) {
        cluster.status.infrastructureReady = true;
        markTrue(cluster, infrastructureReadyCondition, this.clock.now());
      }
      return {};
    }
    let obj: KubeObject;
    try {
      obj = await this.reconcileExternal(ctx, cluster, ref);
    } catch (e) {
      if (!isNotFoundCause(e)) throw e;
      s.infraClusterIsNotFound = true;
      if (cluster.metadata.deletionTimestamp) return {}; // Tolerate infra cluster not found when the cluster is being deleted.
      if (cluster.status.infrastructureReady) throw new Error(`${ref.kind} has been deleted after being ready`);
      this.log.info({ cluster: cluster.metadata.name }, `Could not find ${ref.kind}, requeuing`);
      return { requeueAfterMs: externalReadyWaitMs };
    }
    s.infraCluster = obj;
    const ready = isExternalReady(obj);
    mirrorCondition(cluster, infrastructureReadyCondition, obj, ready, cluster.metadata.deletionTimestamp ? deletingReason : waitingForInfrastructureFallbackReason, this.clock.now());
    // There's no need to go any further if the infrastructure object is marked for deletion.
    if (obj.metadata.deletionTimestamp) return {};
    // If the infrastructure provider is not ready (and it wasn't ready before), return early.
    if (!ready && !cluster.status.infrastructureReady) return {};
    // Get and parse Spec.ControlPlaneEndpoint field from the infrastructure provider.
    if (!endpointIsValid(cluster.spec?.controlPlaneEndpoint)) {
      const ep = isObject(obj.spec) ? obj.spec.controlPlaneEndpoint : undefined;
      if (isObject(ep)) {
        cluster.spec ??= {};
        cluster.spec.controlPlaneEndpoint = deepCopy(ep) as { host?: string; port?: number };
      }
    }
    const failureDomains = statusField(obj, 'failureDomains');
    if (isObject(failureDomains)) cluster.status.failureDomains = deepCopy(failureDomains);
    if (!cluster.status.infrastructureReady) {
      this.recorder.eventf(cluster, 'Normal', 'InfrastructureReady', 'Cluster %s InfrastructureReady is now True', cluster.metadata.name);
    }
    cluster.status.infrastructureReady = true;
    return {};
  }

  /** reconcileControlPlane (the control plane object's readiness and initialization). */
  private async reconcileControlPlane(ctx: Context, s: Scope): Promise<Result> {
    const cluster = s.cluster;
    cluster.status ??= {};
    const ref = cluster.spec?.controlPlaneRef;
    if (!ref) return {};
    let obj: KubeObject;
    try {
      obj = await this.reconcileExternal(ctx, cluster, ref);
    } catch (e) {
      if (!isNotFoundCause(e)) throw e;
      s.controlPlaneIsNotFound = true;
      if (cluster.metadata.deletionTimestamp) return {};
      if (cluster.status.controlPlaneReady) throw new Error(`${ref.kind} has been deleted after being ready`);
      return { requeueAfterMs: externalReadyWaitMs };
    }
    s.controlPlane = obj;
    const ready = isExternalReady(obj);
    mirrorCondition(cluster, controlPlaneReadyCondition, obj, ready, cluster.metadata.deletionTimestamp ? deletingReason : waitingForControlPlaneFallbackReason, this.clock.now());
    if (obj.metadata.deletionTimestamp) return {};
    if (!isTrue(cluster, controlPlaneInitializedCondition)) {
      if (statusField(obj, 'initialized') === true) markTrue(cluster, controlPlaneInitializedCondition, this.clock.now());
      else
        markFalse(cluster, controlPlaneInitializedCondition, 'WaitingForControlPlaneProviderInitialized', 'Info', 'Waiting for control plane provider to indicate the control plane has been initialized', this.clock.now());
    }
    if (!ready && !cluster.status.controlPlaneReady) return {};
    if (!cluster.status.controlPlaneReady) {
      this.recorder.eventf(cluster, 'Normal', 'ControlPlaneReady', 'Cluster %s ControlPlaneReady is now True', cluster.metadata.name);
    }
    cluster.status.controlPlaneReady = true;
    return {};
  }

  /** getDescendants: MachineDeployments, MachineSets and Machines labelled for the cluster, from the cache. */
  private getDescendants(s: Scope): Result {
    const ns = s.cluster.metadata.namespace ?? '';
    const sel = `${clusterNameLabel}=${s.cluster.metadata.name ?? ''}`;
    const allMachines = this.machines.lister().list(ns, sel);
    const controlPlaneMachines = allMachines.filter(isControlPlaneMachine);
    s.descendants = {
      machineDeployments: this.machineDeployments.lister().list(ns, sel),
      machineSets: this.machineSets.lister().list(ns, sel),
      allMachines,
      controlPlaneMachines,
      workerMachines: allMachines.filter((m) => !isControlPlaneMachine(m)),
    };
    s.getDescendantsSucceeded = true;
    return {};
  }

  /** reconcileControlPlaneInitialized: without a control plane provider, the first control plane Machine with a nodeRef. */
  private reconcileControlPlaneInitialized(s: Scope): Result {
    const cluster = s.cluster;
    if (cluster.spec?.controlPlaneRef) return {};
    if (isTrue(cluster, controlPlaneInitializedCondition)) return {};
    const active = (s.descendants?.allMachines ?? []).filter((m) => !m.metadata.deletionTimestamp);
    if (active.some((m) => isControlPlaneMachine(m) && m.status?.nodeRef)) {
      markTrue(cluster, controlPlaneInitializedCondition, this.clock.now());
      return {};
    }
    markFalse(cluster, controlPlaneInitializedCondition, missingNodeRefReason, 'Info', 'Waiting for the first control plane machine to have its status.nodeRef set', this.clock.now());
    return {};
  }

  /** reconcileDelete: children first, then the control plane and infrastructure objects, then the finalizer. */
  private async reconcileDelete(ctx: Context, s: Scope): Promise<Result> {
    const cluster = s.cluster;
    if (!s.getDescendantsSucceeded || !s.descendants) {
      s.deletingReason = 'InternalError';
      s.deletingMessage = 'Please check controller logs for errors';
      return {};
    }
    const d = s.descendants;
    // filterOwnedDescendants: owned by the Cluster; control plane Machines only without a control plane object.
    const lists: KubeObject[][] = [d.machineDeployments, d.machineSets, sortByName(d.workerMachines)];
    if (!cluster.spec?.controlPlaneRef) lists.push(sortByName(d.controlPlaneMachines));
    const children = lists.flat().filter((o) => isOwnedByObject(o, cluster));
    if (children.length > 0) {
      this.log.info({ cluster: cluster.metadata.name, count: children.length }, 'Cluster still has children - deleting them first');
      const errs: Error[] = [];
      for (const child of children) {
        if (child.metadata.deletionTimestamp) continue; // Don't handle deleted child
        try {
          await park(this.mgr.client.delete(refResourceOf(child), child.metadata.name ?? '', { signal: ctx.done }));
        } catch (e) {
          if (isNotFound(e)) continue;
          errs.push(wrap(e, `error deleting cluster ${cluster.metadata.namespace}/${cluster.metadata.name}: failed to delete ${child.apiVersion}, Kind=${child.kind} ${child.metadata.name}`));
        }
      }
      const err = aggregate(errs);
      if (err) {
        s.deletingReason = 'InternalError';
        s.deletingMessage = 'Please check controller logs for errors';
        throw err;
      }
    }
    // objectsPendingDeleteCount: MachineDeployments, MachineSets, worker Machines (+ control plane Machines without a control plane object).
    const pending = [...d.machineDeployments, ...d.machineSets, ...d.workerMachines, ...(cluster.spec?.controlPlaneRef ? [] : d.controlPlaneMachines)];
    if (pending.length > 0) {
      const names = [
        ...(d.machineDeployments.length ? [`MachineDeployments: ${sortedNames(d.machineDeployments)}`] : []),
        ...(d.machineSets.length ? [`MachineSets: ${sortedNames(d.machineSets)}`] : []),
        ...(d.workerMachines.length ? [`Worker Machines: ${sortedNames(d.workerMachines)}`] : []),
      ];
      this.log.info({ cluster: cluster.metadata.name, descendants: names.join('; ') }, 'Cluster still has descendants - need to requeue');
      s.deletingReason = 'WaitingForWorkersDeletion';
      s.deletingMessage = names.map((n) => `* ${n}`).join('\n');
      // Requeue so we can check the next time to see if there are still any descendants left.
      return { requeueAfterMs: deleteRequeueAfterMs };
    }
    const external: [ObjectReference | undefined, KubeObject | undefined, boolean, string, string][] = [
      [cluster.spec?.controlPlaneRef, s.controlPlane, s.controlPlaneIsNotFound, controlPlaneReadyCondition, 'WaitingForControlPlaneDeletion'],
      [cluster.spec?.infrastructureRef, s.infraCluster, s.infraClusterIsNotFound, infrastructureReadyCondition, 'WaitingForInfrastructureDeletion'],
    ];
    for (const [ref, obj, notFound, condition, waitingReason] of external) {
      if (!ref) continue;
      if (!obj) {
        if (!notFound) {
          // A generic error (not NotFound) reading the object: do not continue with deletion.
          s.deletingReason = 'InternalError';
          s.deletingMessage = 'Please check controller logs for errors';
          return {};
        }
        // All good - the object has been deleted.
        markFalse(cluster, condition, deletedReason, 'Info', '', this.clock.now());
        continue;
      }
      if (!obj.metadata.deletionTimestamp) {
        // Issue a deletion request; once it is gone, the cluster will get processed again.
        try {
          await park(this.mgr.client.delete(refResourceOf(obj), obj.metadata.name ?? '', { signal: ctx.done }));
        } catch (e) {
          if (!isNotFound(e)) {
            s.deletingReason = 'InternalError';
            s.deletingMessage = 'Please check controller logs for errors';
            throw wrap(e, `failed to delete ${obj.kind} "${obj.metadata.name}" for Cluster "${cluster.metadata.name}" in namespace "${cluster.metadata.namespace}"`);
          }
        }
      }
      // Return here so we don't remove the finalizer yet.
      s.deletingReason = waitingReason;
      s.deletingMessage = `Waiting for ${ref.kind} to be deleted`;
      return {};
    }
    s.deletingReason = 'DeletionCompleted';
    s.deletingMessage = 'Deletion completed';
    cluster.metadata.finalizers = (cluster.metadata.finalizers ?? []).filter((f) => f !== clusterFinalizer);
    if (cluster.metadata.finalizers.length === 0) delete cluster.metadata.finalizers;
    this.recorder.eventf(cluster, 'Normal', 'Deleted', 'Cluster %s has been deleted', cluster.metadata.name);
    return {};
  }

  // --- cluster_controller_status.go ---

  private updateStatus(s: Scope): void {
    this.reconcilePhase(s.cluster);
  }

  /** reconcilePhase. */
  private reconcilePhase(cluster: Cluster): void {
    cluster.status ??= {};
    const pre = cluster.status.phase;
    if (!cluster.status.phase) cluster.status.phase = 'Pending';
    if (cluster.spec?.infrastructureRef || cluster.spec?.controlPlaneRef) cluster.status.phase = 'Provisioning';
    if (cluster.status.infrastructureReady && endpointIsValid(cluster.spec?.controlPlaneEndpoint)) cluster.status.phase = 'Provisioned';
    if (cluster.status.failureReason || cluster.status.failureMessage) cluster.status.phase = 'Failed';
    if (cluster.metadata.deletionTimestamp) cluster.status.phase = 'Deleting';
    const phase = cluster.status.phase;
    if (pre !== phase) {
      if (phase === 'Failed')
        this.recorder.eventf(cluster, 'Warning', phase, 'Cluster %s is %s: %s', cluster.metadata.name, phase, cluster.status.failureMessage ?? 'unknown');
      else this.recorder.eventf(cluster, 'Normal', phase, 'Cluster %s is %s', cluster.metadata.name, phase);
    }
  }

  // --- watches ---

  /** controlPlaneMachineToCluster: a control plane Machine with a nodeRef, while the control plane is not initialized. */
  private controlPlaneMachineToCluster(m: Machine): Request[] {
    if (!isControlPlaneMachine(m) || !m.status?.nodeRef) return [];
    const name = m.spec?.clusterName ?? '';
    const cluster = this.clusters.lister().getByName(m.metadata.namespace, name);
    if (!cluster || isTrue(cluster, controlPlaneInitializedCondition)) return [];
    return [{ namespace: m.metadata.namespace ?? '', name }];
  }

  /** machineDeploymentToCluster. */
  private machineDeploymentToCluster(md: KubeObject): Request[] {
    const name = isObject(md.spec) && typeof md.spec.clusterName === 'string' ? md.spec.clusterName : '';
    return name ? [{ namespace: md.metadata.namespace ?? '', name }] : [];
  }
}

/** conditions.SetMirror with a fallback: the source's Ready condition, else True when ready, else False(reason, Info). */
function mirrorCondition(cluster: Cluster, type: string, source: KubeObject, ready: boolean, fallbackReason: string, nowMs: number): void {
  const mirrored = getCondition(source as Cluster, 'Ready');
  if (mirrored) {
    const c: Condition = { ...mirrored, type };
    delete c.lastTransitionTime;
    setCondition(cluster, c, nowMs);
    return;
  }
  if (ready) markTrue(cluster, type, nowMs);
  else markFalse(cluster, type, fallbackReason, 'Info', '', nowMs);
}

function sortByName<T extends KubeObject>(objs: T[]): T[] {
  return [...objs].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
}


function refResourceOf(obj: KubeObject): ResourceRef {
  return refResource({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace });
}


export interface ClusterControllerManagerOptions extends ClusterReconcilerOptions {
  /** The KubeConfig to use; requests carry the actor's identity. */
  kc: k8s.KubeConfig;
  /** The actor (bearer token and User-Agent) on kc's server; absent: kc's own credentials. */
  actor?: string;
  clock: Clock;
  /** The manager's name (logs, events' reportingInstance). Default: the actor. */
  name?: string;
  informerDefaults?: InformerDefaults;
}

/** A Manager running only the Cluster controller, as `actor`. Start it with manager.start(ctx). */
export function newClusterControllerManager(opts: ClusterControllerManagerOptions): { manager: Manager; reconciler: ClusterReconciler } {
    const manager = new Manager({ kc: actorConfig(opts.kc, opts.actor), clock: opts.clock, name: opts.name ?? opts.actor ?? 'cluster-controller', logger: opts.logger, informerDefaults: opts.informerDefaults });
  const reconciler = new ClusterReconciler(manager, opts);
  return { manager, reconciler };
}
