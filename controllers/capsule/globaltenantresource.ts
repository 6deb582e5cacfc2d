// Capsule's GlobalTenantResource controller, after controllers/resources/global.go at v0.7.2/v0.7.3
// (identical in both; the race and its fix live in processor.ts).
//
// SetupWithManager: For(GlobalTenantResource), Watches(Tenant) mapped to every GlobalTenantResource whose
// spec.tenantSelector matches the Tenant's labels. Reads go through the manager's cache: the
// GlobalTenantResource, the Tenants, and the Namespaces (upstream's cached client starts a Namespace
// informer on the first List; here it is made at setup, since informers must exist before the manager
// starts). Upstream does not map Namespace events to requests: a new tenant namespace is picked up when the
// Tenant changes (Capsule's tenant controller records it in status.namespaces) or at the next resync.
// MaxConcurrentReconciles is controller-runtime's default, 1: the race is inside one reconcile.
//
// Reconcile: the object from the cache (gone: done); a patch helper (cluster-api util/patch) snapshots it
// and, deferred, patches what changed: metadata (finalizers) as a merge patch, then the status
// subresource. Being deleted: reconcileDelete; else reconcileNormal:
//  1. pruningOnDelete (default true): add the finalizer `capsule.clastix.io/resources`;
//  2. list the Tenants matching spec.tenantSelector;
//  3. for each spec.resources[i], for each tenant: HandleSection(tnt, true, "capsule.clastix.io/tenant", i, …);
//     any error: return it (requeued with backoff), status.processedItems untouched;
//  4. HandlePruning(status.processedItems, processed): delete current − desired; if the sets differ,
//     status.processedItems := processed (sorted);
//  5. status.selectedTenants := the tenants met in step 3 (sorted); requeue after spec.resyncPeriod (60 s).
// reconcileDelete: with pruningOnDelete, delete every processed item and remove the finalizer.
//
// A fatal runtime error runs no deferred function: a process that dies in HandleSection never patches.
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { deepCopy, jsonEqual } from '../../apiserver/machinery/json.ts';
import { labelSelectorFromMeta } from '../../apiserver/machinery/labels.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { KubeClient, ResourceRef } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import { FatalError, type Context, type GoRuntime } from '../runtime/concurrency.ts';
import { call } from './call.ts';
import { TerminalError, type Controller, type Request, type Result } from '../runtime/controller.ts';
import { Manager, type InformerDefaults } from '../runtime/manager.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import type { RaceDetector } from '../runtime/racedetector.ts';
import { errorsJoin, Processor, type ProcessorMutant } from './processor.ts';
import { RestMapper } from './restmapper.ts';
import {
  globalTenantResourceResource,
  namespaceResource,
  parseObjectReference,
  processedItemsAsSet,
  pruningOnDelete,
  resourcesFinalizer,
  resyncPeriodMs,
  tenantLabel,
  tenantResource,
  type GlobalTenantResource,
  type ObjectReferenceStatus,
  type Tenant,
} from './types.ts';

export interface GlobalTenantResourceOptions {
  /** false: Capsule v0.7.2 (#1263, concurrent map writes). true: v0.7.3 (#1264). */
  fixed: boolean;
  /** ProcessorOptions.mutant: a different fix in place of #1264's. */
  mutant?: ProcessorMutant;
  /** ProcessorOptions.mapWriteWindow: how long an insert into HandleSection's `processed` map stays in progress. */
  mapWriteWindow?: () => Promise<void>;
  detector?: RaceDetector;
  /** Default 1, as controller-runtime's. */
  maxConcurrentReconciles?: number;
  logger?: Logger;
}

const gtrRef: ResourceRef = { group: globalTenantResourceResource.group, version: globalTenantResourceResource.version, plural: globalTenantResourceResource.plural };

/** controllerutil.AddFinalizer / RemoveFinalizer. */
function addFinalizer(obj: KubeObject, f: string): void {
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(f)) obj.metadata.finalizers = [...list, f];
}

function removeFinalizer(obj: KubeObject, f: string): void {
  const list = (obj.metadata.finalizers ?? []).filter((x) => x !== f);
  if (list.length > 0) obj.metadata.finalizers = list;
  else delete obj.metadata.finalizers;
}

/** upstream's `Global` reconciler. */
export class GlobalTenantResourceReconciler {
  readonly processor: Processor;
  readonly controller: Controller;
  /** Reconciles that reached the deferred patch (did not die on the way). */
  completed = 0;
  private readonly client: KubeClient;
  private readonly gtrs: Informer<GlobalTenantResource>;
  private readonly tenants: Informer<Tenant>;
  private readonly log: Logger;

  /** SetupWithManager: the informers, the processor and the controller, registered on mgr (before it starts). */
  constructor(mgr: Manager, opts: GlobalTenantResourceOptions) {
    this.client = mgr.client;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'capsule-globaltenantresource', fixed: opts.fixed });
    this.gtrs = mgr.informerFor<GlobalTenantResource>(globalTenantResourceResource);
    this.tenants = mgr.informerFor<Tenant>(tenantResource);
    const namespaces = mgr.informerFor<KubeObject>(namespaceResource);
    this.processor = new Processor({
      client: mgr.client,
      fixed: opts.fixed,
      ...(opts.mutant ? { mutant: opts.mutant } : {}),
      namespaces: namespaces.lister(),
      mapper: new RestMapper(mgr.client),
      mapWriteWindow: opts.mapWriteWindow,
      detector: opts.detector,
      logger: opts.logger,
    });
    this.controller = mgr
      .newController({
        name: 'globaltenantresource',
        maxConcurrentReconciles: opts.maxConcurrentReconciles ?? 1,
        reconcile: (ctx, req) => this.Reconcile(ctx, req),
      })
      .for(this.gtrs)
      .watches(this.tenants, (obj) => this.enqueueRequestFromTenant(obj));
  }

  /** Every GlobalTenantResource whose tenantSelector matches the Tenant's labels. */
  enqueueRequestFromTenant(tnt: KubeObject): Request[] {
    const names = new Set<string>();
    for (const res of this.gtrs.lister().list()) {
      let selector;
      try {
        selector = labelSelectorFromMeta(res.spec?.tenantSelector ?? {});
      } catch {
        continue;
      }
      if (selector.matches(tnt.metadata.labels)) names.add(res.metadata.name ?? '');
    }
    return [...names].map((name) => ({ namespace: '', name }));
  }

  async Reconcile(ctx: Context, request: Request): Promise<Result | void> {
    const log = this.log.child({ name: request.name });
    log.info('start processing');
    const cached = this.gtrs.lister().getByName(undefined, request.name);
    if (!cached) {
      log.info('Request object not found, could have been deleted after reconcile request');
      return;
    }
    const before = cached;
    const tntResource = deepCopy(cached) as GlobalTenantResource;
    let result: Result | undefined;
    let err: unknown;
    try {
      result = tntResource.metadata.deletionTimestamp ? await this.reconcileDelete(ctx, tntResource) : await this.reconcileNormal(ctx, tntResource);
    } catch (e) {
      if (e instanceof FatalError) throw e; // a runtime throw runs no deferred function
      err = e;
    }
    // defer patchHelper.Patch(ctx, tntResource). Upstream assigns a patch error to a local variable after
    // the (unnamed) results were set, so it is never returned: log it.
    try {
      await this.patch(ctx, before, tntResource);
    } catch (e) {
      if (e instanceof FatalError) throw e;
      log.error({ err: e }, 'failed to patch GlobalTenantResource');
    }
    this.completed++;
    if (err !== undefined) throw err;
    return result;
  }

  private async reconcileNormal(ctx: Context, tntResource: GlobalTenantResource): Promise<Result> {
    const log = this.log.child({ name: tntResource.metadata.name });
    const spec = tntResource.spec ?? {};
    if (pruningOnDelete(spec)) addFinalizer(tntResource, resourcesFinalizer);
    const status = (tntResource.status ??= { selectedTenants: null, processedItems: null });
    status.processedItems ??= [];

    let tntSelector;
    try {
      tntSelector = labelSelectorFromMeta(spec.tenantSelector ?? {});
    } catch (e) {
      log.error({ err: e }, 'cannot create MatchingLabelsSelector for Global filtering');
      throw e;
    }
    const tntList = this.tenants.lister().list(undefined, tntSelector);
    // The Tenants selected now, recorded in the status after replication and pruning.
    const tntSet = new Set<string>();
    // The replicas of every section: the status is updated only when no section failed.
    const processedItems = new Set<string>();
    let err: Error | undefined;
    for (const [index, resource] of (spec.resources ?? []).entries()) {
      for (const tnt of tntList) {
        tntSet.add(tnt.metadata.name ?? '');
        const [items, sectionErr] = await this.processor.HandleSection(ctx, tnt, true, tenantLabel, index, resource);
        if (sectionErr) err = errorsJoin(err, sectionErr); // keep going: one failure does not block the rest
        else for (const item of items) processedItems.add(item);
      }
    }
    if (err) {
      log.error({ err }, 'unable to replicate the requested resources');
      throw err;
    }
    if (await this.processor.HandlePruning(ctx, processedItemsAsSet(status.processedItems), processedItems)) {
      const next: ObjectReferenceStatus[] = [];
      for (const item of [...processedItems].sort()) {
        try {
          next.push(parseObjectReference(item));
        } catch {
          // upstream skips what it cannot parse
        }
      }
      status.processedItems = next;
    }
    status.selectedTenants = [...tntSet].sort();
    log.info('processing completed');
    return this.requeue(spec);
  }

  private async reconcileDelete(ctx: Context, tntResource: GlobalTenantResource): Promise<Result> {
    const spec = tntResource.spec ?? {};
    if (pruningOnDelete(spec)) {
      await this.processor.HandlePruning(ctx, processedItemsAsSet(tntResource.status?.processedItems), undefined);
      removeFinalizer(tntResource, resourcesFinalizer);
    }
    this.log.info({ name: tntResource.metadata.name }, 'processing completed');
    return this.requeue(spec);
  }

  /** reconcile.Result{Requeue: true, RequeueAfter: spec.resyncPeriod}: RequeueAfter wins when positive. */
  private requeue(spec: GlobalTenantResource['spec']): Result {
    let ms: number;
    try {
      ms = resyncPeriodMs(spec);
    } catch (e) {
      throw new TerminalError(`spec.resyncPeriod: ${(e as Error).message}`, { cause: e });
    }
    return ms > 0 ? { requeueAfterMs: ms } : { requeue: true };
  }

  /**
   * cluster-api util/patch Helper.Patch: the metadata/spec changes as a merge patch without resourceVersion
   * (only the finalizers change here), then the status changes as a merge patch of the status subresource.
   * A status patch that finds the object gone is ignored when it was being deleted and has no finalizers.
   */
  private async patch(ctx: Context, before: GlobalTenantResource, after: GlobalTenantResource): Promise<void> {
    const name = after.metadata.name ?? '';
    const errs: unknown[] = [];
    const finalizersBefore = before.metadata.finalizers ?? [];
    const finalizersAfter = after.metadata.finalizers ?? [];
    if (!jsonEqual(finalizersBefore, finalizersAfter)) {
      try {
        await call(ctx, (signal) => this.client.patch(gtrRef, name, { metadata: { finalizers: finalizersAfter.length > 0 ? finalizersAfter : null } }, 'merge', { signal }));
      } catch (e) {
        errs.push(e);
      }
    }
    const statusPatch: Record<string, unknown> = {};
    for (const field of ['selectedTenants', 'processedItems'] as const) {
      const was = before.status?.[field] ?? null;
      const now = after.status?.[field] ?? null;
      if (!jsonEqual(was, now)) statusPatch[field] = now;
    }
    if (Object.keys(statusPatch).length > 0) {
      try {
        await call(ctx, (signal) => this.client.patch(gtrRef, name, { status: statusPatch }, 'merge', { subresource: 'status', signal }));
      } catch (e) {
        const goneForGood = (e as { reason?: string }).reason === 'NotFound' && after.metadata.deletionTimestamp && finalizersAfter.length === 0;
        if (!goneForGood) errs.push(e);
      }
    }
    const joined = errorsJoin(...errs);
    if (joined) throw joined;
  }
}

export interface CapsuleProcessOptions extends GlobalTenantResourceOptions {
  /** The controller's KubeConfig: an ActorKubeConfig, so that its requests carry the actor's identity. */
  kc: k8s.KubeConfig;
  clock: Clock;
  /** The process name (default "capsule"). */
  name?: string;
  informerDefaults?: InformerDefaults;
}

export interface CapsuleProcess extends ProcessSpec {
  /** The manager of the current run, once built. */
  manager(): Manager | undefined;
  /** The reconciler of the current run, once built. */
  reconciler(): GlobalTenantResourceReconciler | undefined;
}

/**
 * The Capsule controller process (manager + GlobalTenantResource controller), for a Supervisor: each run
 * builds a fresh manager inside its own GoRuntime, so a fatal error kills exactly that run.
 */
export function capsuleControllerProcess(opts: CapsuleProcessOptions): CapsuleProcess {
  let mgr: Manager | undefined;
  let rec: GlobalTenantResourceReconciler | undefined;
  const name = opts.name ?? 'capsule';
  return {
    name,
    main: async (ctx: Context, runtime: GoRuntime) => {
      mgr = new Manager({ kc: opts.kc, clock: opts.clock, name: runtime.name, logger: opts.logger, informerDefaults: opts.informerDefaults });
      rec = new GlobalTenantResourceReconciler(mgr, opts);
      await mgr.start(ctx);
    },
    idle: () => mgr?.idle() ?? true,
    manager: () => mgr,
    reconciler: () => rec,
  };
}
