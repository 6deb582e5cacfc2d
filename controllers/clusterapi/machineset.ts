// The MachineSet controller of Cluster API (internal/controllers/machineset/machineset_controller.go and
// machineset_delete_policy.go), as of v1.9.4 (buggy) and v1.10.0 (fixed): the two differ only in what
// syncReplicas does when creating the InfraMachine fails (kubernetes-sigs/cluster-api #11211, merge commit
// 02e03de4bb, backported to v1.9.6 as #11916):
//  - fixed: false (before #11211): set MachinesCreated=False/InfrastructureTemplateCloningFailed and
//    return the error; the bootstrap config created a moment before is leaked, and since each retry picks
//    a new random Machine name, every retry leaks one more;
//  - fixed: true (#11211): delete that bootstrap config first (NotFound ignored), set the same condition,
//    and return kerrors.NewAggregate([create error, delete error]); no Machine is created and the error
//    makes the controller requeue with backoff ("hold off").
//
// Reconcile, in upstream's order: the MachineSet from the cache; EnsureFinalizer(cluster.x-k8s.io/
// machineset); its Cluster from the cache (missing → error); the PatchHelper; EnsurePausedCondition; then
// reconcileMachineSetOwnerAndLabels, reconcileInfrastructure / reconcileBootstrapConfig (the templates get
// an ownerReference to the Cluster), getAndAdoptMachinesForMachineSet, and reconcileDelete or syncReplicas;
// always reconcileStatus and one patch of the MachineSet; while replicas are not ready, a requeue after 15 s
// (shouldRequeueForReplicaCountersRefresh).
//
// Differences from upstream, none of which touch the race:
//  - Machines are created with a POST (fieldManager capi-machineset) instead of a server-side apply
//    create: KubeClient has no apply patch type, and with a fresh random name both create the object.
//  - Templates are read with a GET; upstream reads them from its cache of unstructured objects.
//  - Not reproduced: syncMachines (in-place propagation to existing Machines), reconcileUnhealthyMachines
//    (MachineHealthCheck remediation), the preflight checks (they need a control plane object), the
//    v1beta2 status and conditions other than Paused, the Ready and MachinesReady summaries, machine naming
//    strategies.
//  - There is no workload cluster, so a replica counts as ready when its Machine has status.nodeRef and the
//    v1beta1 condition NodeHealthy=True (what the Machine controller mirrors from the Node), and as
//    available once that condition has been True for minReadySeconds.
//  - Upstream's delete policy "Random" is in fact deterministic (every healthy Machine gets the same
//    priority and ties go by name); so is this one. The injected Random only makes Machine names.
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { deepCopy } from '../../apiserver/machinery/json.ts';
import { labelSelectorFromMeta } from '../../apiserver/machinery/labels.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { generateName } from '../../apiserver/machinery/names.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { Random } from '../../apiserver/machinery/random.ts';
import { isNotFound } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import { park, type Context } from '../runtime/concurrency.ts';
import type { Controller, Request, Result } from '../runtime/controller.ts';
import { Manager, type InformerDefaults } from '../runtime/manager.ts';
import { resourceVersionChanged, type Predicate } from '../runtime/predicate.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import {
  bootstrapTemplateCloningFailedReason,
  clusterApiVersion,
  clusterNameLabel,
  clusterResource,
  deleteMachineAnnotation,
  disableMachineCreateAnnotation,
  infrastructureTemplateCloningFailedReason,
  inNamespace,
  machineCreationFailedReason,
  machineDeploymentNameLabel,
  machineDeploymentResource,
  machineFinalizer,
  machineResource,
  machinesCreatedCondition,
  machineSetFinalizer,
  machineSetNameLabel,
  machineSetResource,
  resizedCondition,
  scalingDownReason,
  scalingUpReason,
  refResource,
  templateSuffix,
  type Cluster,
  type Machine,
  type MachineSet,
  type ObjectReference,
} from './api.ts';
import { getCondition, isFalse, markFalse, markTrue } from './conditions.ts';
import {
  actorConfig,
  aggregate,
  controllerOf,
  createFromTemplate,
  deleteExternal,
  ensureFinalizer,
  ensureOwnerRef,
  ensurePausedCondition,
  errorMessage,
  getExternal,
  hasExactOwnerRef,
  isNotFoundCause,
  kref,
  doReconcile,
  lowestNonZeroResult,
  newControllerRef,
  PatchHelper,
  wrap,
  type PatchDeps,
} from './util.ts';

/** machineset_controller.go stateConfirmationTimeout: how long to wait for the cache to show a created or deleted Machine. */
export const stateConfirmationTimeoutMs = 10_000;
/** shouldRequeueForReplicaCountersRefresh: "quickly reconcile until the nodes become Ready". */
export const replicaCountersRefreshMs = 15_000;
/** machineset_controller.go machineSetManagerName: the field manager of the Machines it writes. */
export const machineSetManagerName = 'capi-machineset';
/** common_types.go RevisionAnnotation. */
export const revisionAnnotation = 'machinedeployment.clusters.x-k8s.io/revision';

/**
 * Other ways syncReplicas could handle a failed InfraMachine create than #11211's, selected with
 * `fixed: true` (issue 13's mutants and equivalent fixes of machineset-infra-failure):
 *  - 'cleanup-first-failure-only' (broken): the bootstrap config is deleted after the first failure only;
 *  - 'delete-infra-instead' (broken): the cleanup deletes the InfraMachine (which was never created: 404,
 *    ignored) instead of the bootstrap config;
 *  - 'create-machine-anyway' (broken): the bootstrap config is deleted, but the Machine is created anyway,
 *    without an InfrastructureRef;
 *  - 'infra-before-bootstrap' (correct): the InfraMachine is cloned first, so its failure leaves nothing to
 *    clean up; a failed bootstrap clone then deletes the InfraMachine;
 *  - 'cleanup-with-retry' (correct): #11211's cleanup, its DELETE retried with client-go's
 *    retry.DefaultBackoff (4 tries, 10 ms × 5ⁿ), which also covers a failing cleanup DELETE.
 */
export const syncReplicasVariants = ['cleanup-first-failure-only', 'delete-infra-instead', 'create-machine-anyway', 'infra-before-bootstrap', 'cleanup-with-retry'] as const;
export type SyncReplicasVariant = (typeof syncReplicasVariants)[number];
export const isSyncReplicasVariant = (v: string): v is SyncReplicasVariant => (syncReplicasVariants as readonly string[]).includes(v);
/** client-go util/retry DefaultBackoff. */
const retryDefaultBackoff = { steps: 4, durationMs: 10, factor: 5 };

/**
 * 'first-only' waits for the first created Machine only; 'deletes-only' confirms deletions but not creations;
 * 'background' starts the wait without awaiting it (broken fixes). 'live-list' confirms nothing but, before
 * creating, counts the MachineSet's Machines with a consistent list from the API server (a different fix,
 * as k0smotron#1535 did for its control plane).
 */
export type ConfirmWrites = 'all' | 'none' | 'first-only' | 'deletes-only' | 'background' | 'live-list';

export interface MachineSetReconcilerOptions {
  /**
   * kubernetes-sigs/cluster-api #11211. false: as before it (v1.9.0–v1.9.5), a failed InfraMachine create
   * leaks the bootstrap config; true: as after it (v1.10.0, v1.9.6), the bootstrap config is deleted.
   */
  fixed: boolean;
  /** With fixed: another syncReplicas scale-up in place of #11211's (a broken one or a different correct one); see SyncReplicasVariant. */
  variant?: SyncReplicasVariant;
  /** Machine names (names.SimpleNameGenerator). */
  random: Random;
  /** controller.Options MaxConcurrentReconciles. Default 1. */
  maxConcurrentReconciles?: number;
  /** The requeue while replicas are not ready (upstream 15 s); 0 turns it off. */
  replicaCountersRefreshMs?: number;
  /** waitForMachineCreation / waitForMachineDeletion timeout (upstream 10 s). */
  stateConfirmationTimeoutMs?: number;
  /**
   * kubernetes-sigs/cluster-api #245 → #316: how syncReplicas keeps the next reconcile from counting a stale
   * list. 'all' (default, #316): after creating or deleting Machines, wait until the cache shows them
   * (waitForMachineCreation / waitForMachineDeletion). 'none': as before #316, return at once. The rest are
   * the machineset-stale-cache case's mutants and equivalent fix (see ConfirmWrites).
   */
  confirmWrites?: ConfirmWrites;
  logger?: Logger;
}

interface Scope {
  machineSet: MachineSet;
  cluster: Cluster;
  machines: Machine[];
  bootstrapObjectNotFound: boolean;
  infrastructureObjectNotFound: boolean;
  getAndAdoptMachinesForMachineSetSucceeded: boolean;
  owningMachineDeployment?: KubeObject;
}

type Phase = (ctx: Context, s: Scope) => Promise<Result>;

/** wrapErrMachineSetReconcileFunc. */
function wrapPhase(f: Phase, msg: string): Phase {
  return async (ctx, s) => {
    try {
      return await f(ctx, s);
    } catch (e) {
      throw wrap(e, msg);
    }
  };
}


/** isDeploymentChild. */
function isDeploymentChild(ms: MachineSet): boolean {
  return ms.metadata.labels !== undefined && Object.hasOwn(ms.metadata.labels, machineDeploymentNameLabel);
}

/** machineLabelsFromMachineSet. */
function machineLabelsFromMachineSet(ms: MachineSet): Record<string, string> {
  const labels: Record<string, string> = { ...(ms.spec?.template?.metadata?.labels ?? {}) };
  labels[machineSetNameLabel] = ms.metadata.name ?? '';
  const md = ms.metadata.labels?.[machineDeploymentNameLabel];
  if (md !== undefined) labels[machineDeploymentNameLabel] = md;
  return labels;
}

/** machineAnnotationsFromMachineSet. */
function machineAnnotationsFromMachineSet(ms: MachineSet): Record<string, string> {
  return { ...(ms.spec?.template?.metadata?.annotations ?? {}) };
}

// --- machineset_delete_policy.go ---

type DeletePriority = number;
const mustDelete = 100.0;
const shouldDelete = 75.0;
const betterDelete = 50.0;
const couldDelete = 20.0;
const mustNotDelete = 0.0;
const secondsPerTenDays = 864000;

/** isMachineHealthy (for prioritization only). */
function isMachineHealthy(m: Machine): boolean {
  if (!m.status?.nodeRef) return false;
  if (m.status.failureReason || m.status.failureMessage) return false;
  if (getCondition(m, 'NodeHealthy')?.status === 'False') return false;
  if (getCondition(m, 'HealthCheckSucceeded')?.status === 'False') return false;
  return true;
}

function basePriority(m: Machine): DeletePriority | undefined {
  if (m.metadata.deletionTimestamp) return mustDelete;
  if (m.metadata.annotations && Object.hasOwn(m.metadata.annotations, deleteMachineAnnotation)) return shouldDelete;
  if (!isMachineHealthy(m)) return betterDelete;
  return undefined;
}

type DeletePriorityFunc = (m: Machine, nowMs: number) => DeletePriority;

/** oldestDeletePriority: maps the age onto 0..50. */
const oldestDeletePriority: DeletePriorityFunc = (m, nowMs) => {
  const base = basePriority(m);
  if (base !== undefined) return base;
  const created = m.metadata.creationTimestamp ? Date.parse(m.metadata.creationTimestamp) : NaN;
  if (Number.isNaN(created)) return mustNotDelete;
  const seconds = (nowMs - created) / 1000;
  if (seconds < 0) return mustNotDelete;
  return betterDelete * (1.0 - Math.exp(-seconds / secondsPerTenDays));
};

const newestDeletePriority: DeletePriorityFunc = (m, nowMs) => {
  const base = basePriority(m);
  if (base !== undefined) return base;
  return betterDelete - oldestDeletePriority(m, nowMs);
};

const randomDeletePolicy: DeletePriorityFunc = (m) => basePriority(m) ?? couldDelete;

/** getDeletePriorityFunc. */
function getDeletePriorityFunc(ms: MachineSet): DeletePriorityFunc {
  const policy = ms.spec?.deletePolicy ?? '';
  switch (policy) {
    case 'Random':
    case '':
      return randomDeletePolicy;
    case 'Newest':
      return newestDeletePriority;
    case 'Oldest':
      return oldestDeletePriority;
    default:
      throw new Error(`Unsupported delete policy ${String(policy)}. Must be one of 'Random', 'Newest', or 'Oldest'`);
  }
}

/** getMachinesToDeletePrioritized: highest priority first, ties by name. */
export function getMachinesToDeletePrioritized(machines: Machine[], diff: number, fn: DeletePriorityFunc, nowMs: number): Machine[] {
  if (diff >= machines.length) return machines;
  if (diff <= 0) return [];
  const sorted = [...machines].sort((a, b) => {
    const pa = fn(a, nowMs);
    const pb = fn(b, nowMs);
    if (pa === pb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
    return pb - pa;
  });
  return sorted.slice(0, diff);
}

export { getDeletePriorityFunc };

// --- the controller ---

interface CacheWaiter {
  check(): boolean;
  resolve(): void;
}

export class MachineSetReconciler {
  readonly controller: Controller;
  private readonly mgr: Manager;
  private readonly clock: Clock;
  private readonly opts: MachineSetReconcilerOptions;
  private readonly log: Logger;
  private readonly machineSets: Informer<MachineSet>;
  private readonly machines: Informer<Machine>;
  private readonly clusters: Informer<Cluster>;
  private readonly machineDeployments: Informer;
  private readonly recorder: EventRecorder;
  private readonly cacheWaiters = new Set<CacheWaiter>();
  /** 'cleanup-first-failure-only': a cleanup after a failed InfraMachine create has run. */
  private cleanedUpAfterInfraFailure = false;

  /** SetupWithManager: the controller and its watches on mgr. Call before mgr.start(). */
  constructor(mgr: Manager, opts: MachineSetReconcilerOptions) {
    this.mgr = mgr;
    this.opts = opts;
    this.clock = mgr.clock;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'machineset-controller', fixed: opts.fixed });
    this.machineSets = mgr.informerFor<MachineSet>(machineSetResource);
    this.machines = mgr.informerFor<Machine>(machineResource);
    this.clusters = mgr.informerFor<Cluster>(clusterResource);
    this.machineDeployments = mgr.informerFor(machineDeploymentResource);
    this.recorder = mgr.eventRecorderFor('machineset-controller');
    // waitForMachineCreation / waitForMachineDeletion poll the cache upstream; here they wake on its changes.
    const wake = (): void => {
      for (const w of [...this.cacheWaiters]) if (w.check()) w.resolve();
    };
    this.machines.addEventHandler({ onAdd: wake, onUpdate: wake, onDelete: wake });
    this.controller = mgr
      .newController({ name: 'machineset', reconcile: (ctx, req) => this.reconcile(ctx, req), maxConcurrentReconciles: opts.maxConcurrentReconciles })
      .for(this.machineSets)
      .owns(this.machines, resourceVersionChanged)
      // Watches enqueues MachineSet for corresponding Machine resources, if no managed controller reference (owner) exists.
      .watches(this.machines, (o) => this.machineToMachineSets(o as Machine), resourceVersionChanged)
      .watches(this.machineDeployments, (o) => this.machineDeploymentToMachineSets(o), resourceVersionChanged)
      .watches(this.clusters, (o) => this.clusterToMachineSets(o), resourceVersionChanged, clusterPausedTransitions);
  }

  private deps(req: Request, ctx: Context): PatchDeps<MachineSet> {
    return {
      client: this.mgr.client,
      ref: inNamespace(machineSetResource, req.namespace),
      latest: () => this.machineSets.lister().getByName(req.namespace, req.name),
      clock: this.clock,
      ctx,
    };
  }

  /** machineset_controller.go Reconcile. */
  async reconcile(ctx: Context, req: Request): Promise<Result> {
    const cached = this.machineSets.lister().getByName(req.namespace, req.name);
    if (!cached) return {};
    const deps = this.deps(req, ctx);

    // Add finalizer first if not set to avoid the race condition between init and delete.
    if (await ensureFinalizer(cached, machineSetFinalizer, deps)) return {};

    // util.GetClusterByName, from the cache.
    const clusterName = cached.spec?.clusterName ?? '';
    const cluster = this.clusters.lister().getByName(req.namespace, clusterName);
    if (!cluster) throw new Error(`failed to get Cluster/${clusterName}: clusters.cluster.x-k8s.io "${clusterName}" not found`);

    const patchHelper = new PatchHelper(cached, deps);
    const paused = await ensurePausedCondition(cluster, cached, 'MachineSet', deps);
    if (paused.isPaused || paused.conditionChanged) return {};

    const s: Scope = {
      machineSet: deepCopy(cached) as MachineSet,
      cluster,
      machines: [],
      bootstrapObjectNotFound: false,
      infrastructureObjectNotFound: false,
      getAndAdoptMachinesForMachineSetSucceeded: false,
    };
    let result: Result = {};
    let err: unknown;
    try {
      result = await this.reconcileScope(ctx, s);
    } catch (e) {
      err = e;
    }
    // defer: status, then one patch of the MachineSet and its status.
    try {
      this.reconcileStatus(s);
    } catch (e) {
      err = aggregate([err, wrap(e, 'failed to update status')]);
    }
    try {
      await patchHelper.patch(s.machineSet);
    } catch (e) {
      err = aggregate([err, e]);
    }
    if (err !== undefined) throw err;
    // Adjust requeue when scaling up.
    if (!s.machineSet.metadata.deletionTimestamp) result = lowestNonZeroResult(result, this.shouldRequeueForReplicaCountersRefresh(s));
    return result;
  }

  private async reconcileScope(ctx: Context, s: Scope): Promise<Result> {
    if (isDeploymentChild(s.machineSet)) {
      // If the MachineSet is in a MachineDeployment, try to get the owning MachineDeployment.
      const mdName = s.machineSet.metadata.labels?.[machineDeploymentNameLabel] ?? '';
      const md = this.machineDeployments.lister().getByName(s.machineSet.metadata.namespace, mdName);
      if (!md)
        throw new Error(
          `failed to retrieve owner MachineDeployment for MachineSet ${kref(s.machineSet.metadata.namespace, s.machineSet.metadata.name)}: machinedeployments.cluster.x-k8s.io "${mdName}" not found`,
        );
      s.owningMachineDeployment = md;
    }
    const alwaysReconcile: Phase[] = [
      wrapPhase(async (_c, sc) => this.reconcileMachineSetOwnerAndLabels(sc), 'failed to set MachineSet owner and labels'),
      wrapPhase((c, sc) => this.reconcileInfrastructure(c, sc), 'failed to reconcile infrastructure'),
      wrapPhase((c, sc) => this.reconcileBootstrapConfig(c, sc), 'failed to reconcile bootstrapConfig'),
      wrapPhase((c, sc) => this.getAndAdoptMachinesForMachineSet(c, sc), 'failed to get and adopt Machines for MachineSet'),
    ];
    // Handle deletion reconciliation loop.
    if (s.machineSet.metadata.deletionTimestamp) {
      return doReconcile(ctx, s, [...alwaysReconcile, wrapPhase((c, sc) => this.reconcileDelete(c, sc), 'failed to reconcile delete')]);
    }
    // (reconcileUnhealthyMachines and syncMachines are not reproduced.)
    return doReconcile(ctx, s, [...alwaysReconcile, wrapPhase((c, sc) => this.syncReplicas(c, sc), 'failed to sync replicas')]);
  }

  /** reconcileMachineSetOwnerAndLabels: cluster-name label, stand-alone sets owned by the Cluster, selector and template labels. */
  private reconcileMachineSetOwnerAndLabels(s: Scope): Result {
    const ms = s.machineSet;
    const clusterName = ms.spec?.clusterName ?? '';
    ms.metadata.labels = { ...(ms.metadata.labels ?? {}), [clusterNameLabel]: clusterName };
    if (this.shouldAdopt(ms)) {
      ms.metadata.ownerReferences = ensureOwnerRef(ms.metadata.ownerReferences, {
        apiVersion: clusterApiVersion,
        kind: 'Cluster',
        name: s.cluster.metadata.name ?? '',
        uid: s.cluster.metadata.uid ?? '',
      });
    }
    ms.spec ??= {};
    ms.spec.selector ??= {};
    ms.spec.selector.matchLabels = { ...(ms.spec.selector.matchLabels ?? {}), [clusterNameLabel]: clusterName };
    ms.spec.template ??= {};
    ms.spec.template.metadata ??= {};
    ms.spec.template.metadata.labels = { ...(ms.spec.template.metadata.labels ?? {}), [clusterNameLabel]: clusterName };
    return {};
  }

  /** shouldAdopt: not owned by a MachineDeployment or a Cluster, and not a MachineDeployment's child. */
  private shouldAdopt(ms: MachineSet): boolean {
    const owned = (ms.metadata.ownerReferences ?? []).some((r) => r.apiVersion === clusterApiVersion && (r.kind === 'MachineDeployment' || r.kind === 'Cluster'));
    if (owned) return false;
    return !isDeploymentChild(ms);
  }

  private async reconcileInfrastructure(ctx: Context, s: Scope): Promise<Result> {
    const ref = s.machineSet.spec?.template?.spec?.infrastructureRef ?? {};
    s.infrastructureObjectNotFound = await this.reconcileExternalTemplateReference(ctx, s, ref);
    return {};
  }

  private async reconcileBootstrapConfig(ctx: Context, s: Scope): Promise<Result> {
    const ref = s.machineSet.spec?.template?.spec?.bootstrap?.configRef;
    if (ref) s.bootstrapObjectNotFound = await this.reconcileExternalTemplateReference(ctx, s, ref);
    return {};
  }

  /** reconcileExternalTemplateReference: the template gets an ownerReference to the Cluster. Returns "not found". */
  private async reconcileExternalTemplateReference(ctx: Context, s: Scope, ref: ObjectReference): Promise<boolean> {
    if (!(ref.kind ?? '').endsWith(templateSuffix)) return false;
    const ms = s.machineSet;
    let obj: KubeObject;
    try {
      obj = await getExternal(this.mgr.client, ref, s.cluster.metadata.namespace, ctx);
    } catch (e) {
      if (!isNotFoundCause(e)) throw e;
      // Tolerate object not found when the machineSet is being deleted.
      if (ms.metadata.deletionTimestamp) return true;
      // If the MachineSet is not in a MachineDeployment, return the error immediately.
      const owner = s.owningMachineDeployment;
      if (!owner) throw e;
      // Not the current revision: ignore the missing reference.
      if (owner.metadata.annotations?.[revisionAnnotation] !== ms.metadata.annotations?.[revisionAnnotation]) return true;
      throw e;
    }
    const desired = { apiVersion: clusterApiVersion, kind: 'Cluster', name: s.cluster.metadata.name ?? '', uid: s.cluster.metadata.uid ?? '' };
    if (hasExactOwnerRef(obj.metadata.ownerReferences, desired)) return false;
    const helper = new PatchHelper(obj, {
      client: this.mgr.client,
      ref: inNamespaceOf(obj, ref),
      latest: () => undefined,
      clock: this.clock,
      ctx,
    });
    const after = deepCopy(obj);
    after.metadata.ownerReferences = ensureOwnerRef(after.metadata.ownerReferences, desired);
    await helper.patch(after);
    return false;
  }

  /** getAndAdoptMachinesForMachineSet: the Machines the selector matches (deleting ones included), orphans adopted. */
  private async getAndAdoptMachinesForMachineSet(ctx: Context, s: Scope): Promise<Result> {
    const ms = s.machineSet;
    const selector = labelSelectorFromMeta(ms.spec?.selector ?? {});
    const all = this.machines.lister().list(ms.metadata.namespace ?? '', selector);
    const filtered: Machine[] = [];
    for (const m of all) {
      const owner = controllerOf(m);
      // shouldExcludeMachine: controlled by someone else.
      if (owner && owner.uid !== ms.metadata.uid) continue;
      if (!owner) {
        try {
          await this.adoptOrphan(ctx, ms, m);
        } catch (e) {
          this.log.error({ err: errorMessage(e), machine: m.metadata.name }, 'Failed to adopt Machine');
          this.recorder.eventf(ms, 'Warning', 'FailedAdopt', 'Failed to adopt Machine %q: %v', m.metadata.name, errorMessage(e));
          continue;
        }
        this.recorder.eventf(ms, 'Normal', 'SuccessfulAdopt', 'Adopted Machine %q', m.metadata.name);
      }
      filtered.push(m);
    }
    s.machines = filtered;
    s.getAndAdoptMachinesForMachineSetSucceeded = true;
    return {};
  }

  /** adoptOrphan: a controller reference to the MachineSet, by merge patch. */
  private async adoptOrphan(ctx: Context, ms: MachineSet, m: Machine): Promise<void> {
    const refs = ensureOwnerRef(m.metadata.ownerReferences, newControllerRef(ms, clusterApiVersion, 'MachineSet'));
    await park(this.mgr.client.patch(inNamespace(machineResource, m.metadata.namespace), m.metadata.name ?? '', { metadata: { ownerReferences: refs } }, 'merge', { signal: ctx.done }));
  }

  /** reconcileDelete: delete the Machines; once none is left, remove the finalizer. */
  private async reconcileDelete(ctx: Context, s: Scope): Promise<Result> {
    const ms = s.machineSet;
    if (!s.getAndAdoptMachinesForMachineSetSucceeded) return {};
    if (s.machines.length === 0) {
      ms.metadata.finalizers = (ms.metadata.finalizers ?? []).filter((f) => f !== machineSetFinalizer);
      if (ms.metadata.finalizers.length === 0) delete ms.metadata.finalizers;
      return {};
    }
    for (const m of s.machines) {
      if (m.metadata.deletionTimestamp) continue;
      try {
        await park(this.mgr.client.delete(inNamespace(machineResource, m.metadata.namespace), m.metadata.name ?? '', { signal: ctx.done }));
      } catch (e) {
        if (!isNotFound(e)) throw wrap(e, `failed to delete Machine ${kref(m.metadata.namespace, m.metadata.name)}`);
      }
    }
    this.log.info({ machines: s.machines.map((m) => m.metadata.name) }, 'Waiting for Machines to be deleted');
    return {};
  }

  /** computeDesiredMachine, for a new Machine. */
  private computeDesiredMachine(ms: MachineSet): Machine {
    const spec = deepCopy(ms.spec?.template?.spec ?? {});
    spec.clusterName = ms.spec?.clusterName;
    // The refs point at the templates in the MachineSet; the Machine gets refs to the clones once created.
    spec.infrastructureRef = {};
    spec.bootstrap = { ...(spec.bootstrap ?? {}) };
    delete spec.bootstrap.configRef;
    return {
      apiVersion: clusterApiVersion,
      kind: 'Machine',
      metadata: {
        name: generateName(`${ms.metadata.name ?? ''}-`, this.opts.random),
        namespace: ms.metadata.namespace,
        // By setting the ownerRef on creation we signal to the Machine controller that this is not a stand-alone Machine.
        ownerReferences: [newControllerRef(ms, clusterApiVersion, 'MachineSet')],
        labels: machineLabelsFromMachineSet(ms),
        annotations: machineAnnotationsFromMachineSet(ms),
        finalizers: [machineFinalizer],
      },
      spec,
    };
  }

  /** The cleanup of a failed InfraMachine create, for #11211's fix and its variants; the error to aggregate, if any. */
  private async cleanupAfterInfraFailure(ctx: Context, variant: SyncReplicasVariant | undefined, bootstrapRef: ObjectReference | undefined, infraTemplateRef: ObjectReference, machineName: string): Promise<Error | undefined> {
    const after = `after ${infraTemplateRef.kind ?? ''} creation failed`;
    const infraMachineRef: ObjectReference = { ...infraTemplateRef, kind: (infraTemplateRef.kind ?? '').replace(new RegExp(`${templateSuffix}$`), ''), name: machineName };
    switch (variant) {
      case 'delete-infra-instead':
        return this.deleteIgnoringNotFound(ctx, infraMachineRef, after, 1);
      case 'cleanup-first-failure-only':
        if (this.cleanedUpAfterInfraFailure) return undefined;
        this.cleanedUpAfterInfraFailure = true;
        break;
      case 'cleanup-with-retry':
        return bootstrapRef && this.deleteIgnoringNotFound(ctx, bootstrapRef, after, retryDefaultBackoff.steps);
      default:
        break;
    }
    return bootstrapRef && this.deleteIgnoringNotFound(ctx, bootstrapRef, after, 1);
  }

  /** client.Delete of ref, NotFound ignored; up to `tries` attempts on retry.DefaultBackoff. */
  private async deleteIgnoringNotFound(ctx: Context, ref: ObjectReference, after: string, tries: number): Promise<Error | undefined> {
    let sleepMs = retryDefaultBackoff.durationMs;
    for (let i = 1; ; i++) {
      try {
        await deleteExternal(this.mgr.client, ref, ctx);
        return undefined;
      } catch (de) {
        if (isNotFound(de)) return undefined;
        if (i >= tries) return wrap(de, `failed to cleanup ${ref.kind ?? ''} ${kref(ref.namespace, ref.name)} ${after}`);
      }
      await this.clock.sleep(sleepMs, ctx.done);
      sleepMs *= retryDefaultBackoff.factor;
    }
  }

  /** syncReplicas: scales Machines up or down. */
  private async syncReplicas(ctx: Context, s: Scope): Promise<Result> {
    const ms = s.machineSet;
    const machines = s.machines;
    if (!s.getAndAdoptMachinesForMachineSetSucceeded) return {};
    const replicas = ms.spec?.replicas;
    if (replicas === undefined || replicas === null) throw new Error(`the Replicas field in Spec for MachineSet ${ms.metadata.name} is nil, this should not be allowed`);
    const now = (): number => this.clock.now();
    let diff = machines.length - replicas;
    if (diff < 0) {
      diff = -diff;
      this.log.info({ replicas, machineCount: machines.length }, `MachineSet is scaling up to ${replicas} replicas by creating ${diff} machines`);
      if (ms.metadata.annotations && Object.hasOwn(ms.metadata.annotations, disableMachineCreateAnnotation)) {
        this.log.info('Automatic creation of new machines disabled for machine set');
        return {};
      }
      // (runPreflightChecks is not reproduced: every check passes.)
      if (this.confirm() === 'live-list') {
        // The cache may be stale: count what the API server has (a list without resourceVersion is consistent).
        const live = await park(this.mgr.client.list<Machine>(inNamespace(machineResource, ms.metadata.namespace ?? ''), { signal: ctx.done }));
        const owned = live.items.filter((m) => !m.metadata.deletionTimestamp && (m.metadata.ownerReferences ?? []).some((r) => r.uid === ms.metadata.uid)).length;
        diff = Math.min(diff, Math.max(0, replicas - owned));
        if (diff === 0) return {};
      }
      const created: Machine[] = [];
      const errs: Error[] = [];
      const template = ms.spec?.template?.spec ?? {};
      const ownerRef = { apiVersion: clusterApiVersion, kind: 'MachineSet', name: ms.metadata.name ?? '', uid: ms.metadata.uid ?? '' };
      for (let i = 0; i < diff; i++) {
        const machine = this.computeDesiredMachine(ms);
        const namespace = machine.metadata.namespace ?? '';
        const name = machine.metadata.name ?? '';
        const common = { namespace, name, clusterName: machine.spec?.clusterName ?? '', labels: machine.metadata.labels, annotations: machine.metadata.annotations, ownerRef };

        const variant = this.opts.fixed ? this.opts.variant : undefined;
        const infraTemplateRef = template.infrastructureRef ?? {};
        const configRef = template.bootstrap?.configRef;
        const cloneInfra = (): Promise<ObjectReference> =>
          createFromTemplate(this.mgr.client, { ...common, templateRef: infraTemplateRef }, ctx).catch((e: unknown) => {
            markFalse(ms, machinesCreatedCondition, infrastructureTemplateCloningFailedReason, 'Error', errorMessage(e), now());
            throw wrap(e, `failed to clone infrastructure machine from ${infraTemplateRef.kind} ${kref(infraTemplateRef.namespace, infraTemplateRef.name)} while creating a machine`);
          });

        // 'infra-before-bootstrap': the InfraMachine first; nothing is left behind when it fails.
        let earlyInfraRef: ObjectReference | undefined;
        if (variant === 'infra-before-bootstrap') earlyInfraRef = await cloneInfra();

        // Create the BootstrapConfig if necessary.
        let bootstrapRef: ObjectReference | undefined;
        if (configRef) {
          try {
            bootstrapRef = await createFromTemplate(this.mgr.client, { ...common, templateRef: configRef }, ctx);
          } catch (e) {
            markFalse(ms, machinesCreatedCondition, bootstrapTemplateCloningFailedReason, 'Error', errorMessage(e), now());
            const cloneErr = wrap(e, `failed to clone bootstrap configuration from ${configRef.kind} ${kref(configRef.namespace, configRef.name)} while creating a machine`);
            if (!earlyInfraRef) throw cloneErr;
            throw aggregate([cloneErr, await this.deleteIgnoringNotFound(ctx, earlyInfraRef, `after ${configRef.kind} creation failed`, 1)]);
          }
          machine.spec ??= {};
          machine.spec.bootstrap = { ...(machine.spec.bootstrap ?? {}), configRef: bootstrapRef };
        }

        // Create the InfraMachine.
        let infraRef: ObjectReference;
        if (earlyInfraRef) {
          infraRef = earlyInfraRef;
        } else {
          try {
            infraRef = await cloneInfra();
          } catch (cloneErr) {
            if (!this.opts.fixed) {
              // Buggy (before #11211, v1.9.0–v1.9.5): the bootstrap config created above is left behind; the
              // retry computes a new Machine name and clones another one.
              throw cloneErr;
            }
            // Fixed (kubernetes-sigs/cluster-api #11211, v1.10.0 / v1.9.6): clean up the bootstrap resource if
            // we can't create the InfraMachine, or we might risk to leak it; no Machine is created and the
            // aggregate error makes the controller back off before the next attempt.
            const cleanupErr = await this.cleanupAfterInfraFailure(ctx, variant, bootstrapRef, infraTemplateRef, name);
            // (cloneInfra set MachinesCreated=False/InfrastructureTemplateCloningFailed.)
            if (variant !== 'create-machine-anyway') {
              throw aggregate([cloneErr instanceof Error ? cloneErr : new Error(String(cloneErr)), cleanupErr]);
            }
            // 'create-machine-anyway': on to the Machine, without an InfrastructureRef.
            infraRef = {};
            if (machine.spec?.bootstrap) delete machine.spec.bootstrap.configRef;
          }
        }
        machine.spec ??= {};
        machine.spec.infrastructureRef = infraRef;

        // Create the Machine.
        let m: Machine;
        try {
          m = await park(this.mgr.client.create<Machine>(inNamespace(machineResource, namespace), machine, { fieldManager: machineSetManagerName, signal: ctx.done }));
        } catch (e) {
          this.log.error({ err: errorMessage(e), machine: name }, 'Error while creating a machine');
          this.recorder.eventf(ms, 'Warning', 'FailedCreate', 'Failed to create machine: %v', errorMessage(e));
          errs.push(e instanceof Error ? e : new Error(String(e)));
          markFalse(ms, machinesCreatedCondition, machineCreationFailedReason, 'Error', errorMessage(e), now());
          // Try to cleanup the external objects if the Machine creation failed.
          for (const ref of [infraRef, bootstrapRef]) {
            if (!ref) continue;
            try {
              await deleteExternal(this.mgr.client, ref, ctx);
            } catch (de) {
              if (!isNotFound(de)) this.log.error({ err: errorMessage(de), kind: ref.kind, name: ref.name }, 'Failed to cleanup object after Machine creation error');
            }
          }
          continue;
        }
        this.log.info({ machine: name }, `Machine created (scale up, creating ${i + 1} of ${diff})`);
        this.recorder.eventf(ms, 'Normal', 'SuccessfulCreate', 'Created machine %q', name);
        created.push(m);
      }
      const err = aggregate(errs);
      if (err) throw err;
      const confirm = this.confirm();
      if (confirm === 'all') await this.waitForMachineCreation(ctx, created);
      else if (confirm === 'first-only') await this.waitForMachineCreation(ctx, created.slice(0, 1));
      else if (confirm === 'background') void this.waitForMachineCreation(ctx, created).catch(() => undefined);
      return {};
    }
    if (diff > 0) {
      this.log.info({ replicas, machineCount: machines.length, deletePolicy: ms.spec?.deletePolicy }, `MachineSet is scaling down to ${replicas} replicas by deleting ${diff} machines`);
      const fn = getDeletePriorityFunc(ms);
      const toDelete = getMachinesToDeletePrioritized(machines, diff, fn, now());
      const errs: Error[] = [];
      for (const m of toDelete) {
        if (m.metadata.deletionTimestamp) continue; // Waiting for Machine to be deleted
        try {
          await park(this.mgr.client.delete(inNamespace(machineResource, m.metadata.namespace), m.metadata.name ?? '', { signal: ctx.done }));
        } catch (e) {
          this.recorder.eventf(ms, 'Warning', 'FailedDelete', 'Failed to delete machine %q: %v', m.metadata.name, errorMessage(e));
          errs.push(e instanceof Error ? e : new Error(String(e)));
          continue;
        }
        this.recorder.eventf(ms, 'Normal', 'SuccessfulDelete', 'Deleted machine %q', m.metadata.name);
      }
      const err = aggregate(errs);
      if (err) throw err;
      if (['all', 'first-only', 'deletes-only'].includes(this.confirm())) await this.waitForMachineDeletion(ctx, toDelete);
    }
    return {};
  }

  /** Resolves once check() holds on the Machine cache, re-checked on every change of it; rejects after the timeout. */
  private waitForCache(ctx: Context, check: () => boolean, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    if (ctx.done.aborted) return Promise.reject(new Error(`${what}: context canceled`));
    const timeoutMs = this.opts.stateConfirmationTimeoutMs ?? stateConfirmationTimeoutMs;
    return park(
      new Promise<void>((resolve, reject) => {
        const finish = (err?: Error): void => {
          this.cacheWaiters.delete(waiter);
          timer.cancel();
          ctx.done.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve();
        };
        const waiter: CacheWaiter = { check, resolve: () => finish() };
        const onAbort = (): void => finish(new Error(`${what}: context canceled`));
        const timer = this.clock.setTimer(timeoutMs, () => finish(new Error(`${what}: context deadline exceeded`)));
        ctx.done.addEventListener('abort', onAbort, { once: true });
        this.cacheWaiters.add(waiter);
      }),
    );
  }

  private confirm(): ConfirmWrites {
    return this.opts.confirmWrites ?? 'all';
  }

  /** waitForMachineCreation: until the cache shows every Machine just created (so the next reconcile counts them). */
  private async waitForMachineCreation(ctx: Context, machines: Machine[]): Promise<void> {
    const lister = this.machines.lister();
    for (const m of machines) {
      await this.waitForCache(ctx, () => lister.getByName(m.metadata.namespace, m.metadata.name ?? '') !== undefined, 'failed waiting for machine object to be created');
    }
  }

  /** waitForMachineDeletion: until the cache shows every Machine gone or deleting. */
  private async waitForMachineDeletion(ctx: Context, machines: Machine[]): Promise<void> {
    const lister = this.machines.lister();
    for (const m of machines) {
      await this.waitForCache(
        ctx,
        () => {
          const cur = lister.getByName(m.metadata.namespace, m.metadata.name ?? '');
          return cur === undefined || cur.metadata.deletionTimestamp !== undefined;
        },
        'failed waiting for machine object to be deleted',
      );
    }
  }

  /** Our stand-in for the Node's Ready condition: nodeRef set and NodeHealthy=True; its lastTransitionTime. */
  private readySince(m: Machine): number | undefined {
    if (!m.status?.nodeRef) return undefined;
    const c = getCondition(m, 'NodeHealthy');
    if (c?.status !== 'True') return undefined;
    return c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
  }

  /** reconcileStatus: replica counters, selector, observedGeneration, Resized and MachinesCreated. */
  private reconcileStatus(s: Scope): void {
    if (!s.getAndAdoptMachinesForMachineSetSucceeded) return;
    const ms = s.machineSet;
    const replicas = ms.spec?.replicas;
    if (replicas === undefined || replicas === null) throw new Error('Cannot update status when MachineSet spec.replicas is not set');
    ms.status ??= {};
    const desiredReplicas = ms.metadata.deletionTimestamp ? 0 : replicas;
    const templateLabels = ms.spec?.template?.metadata?.labels ?? {};
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    const now = this.clock.now();
    const minReadyMs = (ms.spec?.minReadySeconds ?? 0) * 1000;
    for (const m of s.machines) {
      if (Object.entries(templateLabels).every(([k, v]) => m.metadata.labels?.[k] === v)) fullyLabeled++;
      const since = this.readySince(m);
      if (since === undefined) continue;
      ready++;
      if (minReadyMs === 0 || since + minReadyMs <= now) available++;
    }
    const next = {
      selector: labelSelectorFromMeta(ms.spec?.selector ?? {}).toString(),
      replicas: s.machines.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
    };
    const st = ms.status;
    if (
      (st.replicas ?? 0) !== next.replicas ||
      (st.fullyLabeledReplicas ?? 0) !== next.fullyLabeledReplicas ||
      (st.readyReplicas ?? 0) !== next.readyReplicas ||
      (st.availableReplicas ?? 0) !== next.availableReplicas ||
      (ms.metadata.generation ?? 0) !== (st.observedGeneration ?? 0)
    ) {
      Object.assign(st, next);
      st.observedGeneration = ms.metadata.generation;
    }
    if (next.replicas < desiredReplicas) {
      markFalse(ms, resizedCondition, scalingUpReason, 'Warning', `Scaling up MachineSet to ${desiredReplicas} replicas (actual ${next.replicas})`, now);
    } else if (next.replicas > desiredReplicas) {
      markFalse(ms, resizedCondition, scalingDownReason, 'Warning', `Scaling down MachineSet to ${desiredReplicas} replicas (actual ${next.replicas})`, now);
      markTrue(ms, machinesCreatedCondition, now); // no error in generating the desired number of machine objects
    } else {
      if (next.readyReplicas === next.replicas) {
        if (isFalse(ms, resizedCondition)) this.log.info({ replicas: next.readyReplicas }, 'All the replicas are ready');
        markTrue(ms, resizedCondition, now);
      }
      markTrue(ms, machinesCreatedCondition, now);
    }
  }

  /** shouldRequeueForReplicaCountersRefresh. */
  private shouldRequeueForReplicaCountersRefresh(s: Scope): Result {
    const ms = s.machineSet;
    const replicas = ms.spec?.replicas ?? 0;
    const minReadySeconds = ms.spec?.minReadySeconds ?? 0;
    const st = ms.status ?? {};
    if (minReadySeconds > 0 && (st.readyReplicas ?? 0) === replicas && (st.availableReplicas ?? 0) !== replicas) return { requeueAfterMs: minReadySeconds * 1000 };
    const refresh = this.opts.replicaCountersRefreshMs ?? replicaCountersRefreshMs;
    if (refresh > 0 && (st.readyReplicas ?? 0) !== replicas) return { requeueAfterMs: refresh };
    return {};
  }

  // --- watches ---

  /** MachineToMachineSets: for a Machine without a controller, the MachineSets whose selector matches it. */
  private machineToMachineSets(m: Machine): Request[] {
    if (controllerOf(m)) return [];
    if (!m.metadata.labels || Object.keys(m.metadata.labels).length === 0) return [];
    return this.machineSets
      .lister()
      .list(m.metadata.namespace ?? '')
      .filter((ms) => hasMatchingLabels(ms, m))
      .map((ms) => ({ namespace: ms.metadata.namespace ?? '', name: ms.metadata.name ?? '' }));
  }

  /** util.MachineDeploymentToObjectsMapper: the MachineSets labelled with the MachineDeployment's name. */
  private machineDeploymentToMachineSets(md: KubeObject): Request[] {
    return this.machineSets
      .lister()
      .list(md.metadata.namespace ?? '', `${machineDeploymentNameLabel}=${md.metadata.name ?? ''}`)
      .map((ms) => ({ namespace: ms.metadata.namespace ?? '', name: ms.metadata.name ?? '' }));
  }

  /** util.ClusterToTypedObjectsMapper: the MachineSets labelled with the Cluster's name. */
  private clusterToMachineSets(cluster: KubeObject): Request[] {
    return this.machineSets
      .lister()
      .list(cluster.metadata.namespace ?? '', `${clusterNameLabel}=${cluster.metadata.name ?? ''}`)
      .map((ms) => ({ namespace: ms.metadata.namespace ?? '', name: ms.metadata.name ?? '' }));
  }
}

/** machine.HasMatchingLabels: a non-empty selector that matches the Machine's labels. */
function hasMatchingLabels(ms: MachineSet, m: Machine): boolean {
  const sel = ms.spec?.selector;
  if (!sel) return false;
  try {
    const parsed = labelSelectorFromMeta(sel);
    return !parsed.empty && parsed.matches(m.metadata.labels);
  } catch {
    return false;
  }
}

/** predicates.ClusterPausedTransitions: only updates that flip spec.paused. */
export const clusterPausedTransitions: Predicate = {
  create: () => false,
  delete: () => false,
  update: (oldObj, newObj) => ((oldObj as Cluster).spec?.paused === true) !== ((newObj as Cluster).spec?.paused === true),
};

function inNamespaceOf(obj: KubeObject, ref: ObjectReference): ReturnType<typeof inNamespace> {
  return { ...refResource(ref), namespace: obj.metadata.namespace };
}


export interface MachineSetControllerManagerOptions extends MachineSetReconcilerOptions {
  kc: k8s.KubeConfig;
  /** The actor (bearer token and User-Agent) on kc's server; absent: kc's own credentials. */
  actor?: string;
  clock: Clock;
  name?: string;
  informerDefaults?: InformerDefaults;
}

/** A Manager running only the MachineSet controller, as `actor`. Start it with manager.start(ctx). */
export function newMachineSetControllerManager(opts: MachineSetControllerManagerOptions): { manager: Manager; reconciler: MachineSetReconciler } {
    const manager = new Manager({ kc: actorConfig(opts.kc, opts.actor), clock: opts.clock, name: opts.name ?? opts.actor ?? 'machineset-controller', logger: opts.logger, informerDefaults: opts.informerDefaults });
  const reconciler = new MachineSetReconciler(manager, opts);
  return { manager, reconciler };
}
