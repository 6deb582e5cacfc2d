// The pod garbage collector (kubernetes pkg/controller/podgc/gc_controller.go gc, gcTerminated,
// gcOrphaned, discoverDeletedNodes, gcUnscheduledTerminating, markFailedAndDeletePodWithCondition). Every
// gcCheckPeriod on the injected Clock it deletes, from its informers' view:
//  - the oldest terminated (Succeeded/Failed) pods beyond terminatedPodThreshold (0 turns this off);
//  - pods bound to a node that no longer exists, once the node has been missing for quarantineTime and the
//    server confirms it is gone: the pod first gets phase Failed and the DisruptionTarget condition
//    (DeletionByPodGC), then is deleted with grace period 0;
//  - pods being deleted that were never scheduled (no kubelet will finish them), also with grace 0.
//
// Left out: gcTerminating (terminating pods on not-ready nodes with the out-of-service taint) and the
// metrics.
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { isConflict, isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import { sleep, type Context } from '../runtime/concurrency.ts';
import type { Manager, Runnable } from '../runtime/manager.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { IsPodTerminal, nodesRef, nodesResource, podsIn, podsResource, UpdatePodCondition, type Node, type Pod, type PodCondition } from '../coreapi/core.ts';

export const controllerName = 'pod-garbage-collector';
/** --terminated-pod-gc-threshold's default in kube-controller-manager. */
export const DefaultTerminatedPodGCThreshold = 12500;
/** gcCheckPeriod: how often gc runs. */
export const gcCheckPeriodMs = 20_000;
/** quarantineTime: how long a node must be missing before its pods are deleted. */
export const quarantineTimeMs = 40_000;

/**
 * Broken variants for the property case (scenarios/controllers/podgc.ts); undefined is the real controller.
 * - delete-newest-first: gcTerminated deletes the newest terminated pods beyond the threshold.
 * - no-quarantine: a node missing from the cache is taken as deleted at once (no quarantine, no live check).
 * - count-running-as-terminated: gcTerminated counts and deletes every pod, not only terminated ones.
 */
export type PodGCMutant = 'delete-newest-first' | 'no-quarantine' | 'count-running-as-terminated';

export interface PodGCOptions {
  /** Terminated pods kept before the oldest are deleted; 0 or less keeps them all. */
  terminatedPodThreshold?: number;
  logger?: Logger;
  mutant?: PodGCMutant;
}

/**
 * byEvictionAndCreationTimestamp: evicted pods first, then the oldest; pods created in the same second are
 * ordered by name (a named tie-break; upstream leaves their order to sort.Sort).
 */
export function byEvictionAndCreationTimestamp(a: Pod, b: Pod): number {
  const evicted = (p: Pod): number => ((p.status as { reason?: string } | undefined)?.reason === 'Evicted' ? 0 : 1);
  const created = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return evicted(a) - evicted(b) || created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

export class PodGCController implements Runnable {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly threshold: number;
  private readonly log: Logger;
  private readonly mutant: PodGCMutant | undefined;
  /** nodeQueue: missing node names and when their quarantine ends. */
  private readonly quarantine = new Map<string, number>();
  private running = false;

  constructor(mgr: Manager, opts: PodGCOptions = {}) {
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.threshold = opts.terminatedPodThreshold ?? DefaultTerminatedPodGCThreshold;
    this.log = (opts.logger ?? quietLogger()).child({ component: controllerName });
    this.mutant = opts.mutant;
    this.pods = mgr.informerFor<Pod>(podsResource);
    this.nodes = mgr.informerFor<Node>(nodesResource);
    mgr.add(this);
  }

  idle(): boolean {
    return !this.running;
  }

  /** wait.UntilWithContext(gc, gcCheckPeriod). */
  async start(ctx: Context): Promise<void> {
    while (!ctx.done.aborted) {
      this.running = true;
      try {
        await this.gc();
      } catch (e) {
        this.log.error({ err: e }, 'pod garbage collection failed');
      } finally {
        this.running = false;
      }
      try {
        await sleep(this.clock, gcCheckPeriodMs, ctx);
      } catch {
        return;
      }
    }
  }

  /** One pass: what the informers show now. */
  async gc(): Promise<void> {
    const pods = this.pods.lister().list();
    const nodes = this.nodes.lister().list();
    if (this.threshold > 0) await this.gcTerminated(pods);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    const terminated = pods.filter((p) => IsPodTerminal(p) || this.mutant === 'count-running-as-terminated');
    const deleteCount = terminated.length - this.threshold;
    if (deleteCount <= 0) return;
    this.log.info({ numPods: deleteCount }, 'Garbage collecting pods');
    const order = this.mutant === 'delete-newest-first' ? (a: Pod, b: Pod) => byEvictionAndCreationTimestamp(b, a) : byEvictionAndCreationTimestamp;
    for (const p of [...terminated].sort(order).slice(0, deleteCount)) await this.markFailedAndDeletePod(p);
  }

  private async gcOrphaned(pods: Pod[], nodes: Node[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata.name ?? ''));
    const now = this.clock.now();
    for (const p of pods) {
      const node = p.spec.nodeName ?? '';
      if (node !== '' && !existing.has(node) && !this.quarantine.has(node)) this.quarantine.set(node, this.mutant === 'no-quarantine' ? now : now + quarantineTimeMs);
    }
    const deleted = await this.discoverDeletedNodes(existing, now);
    for (const p of pods) {
      if (!deleted.has(p.spec.nodeName ?? '')) continue;
      const condition: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
      if (await this.markFailedAndDeletePod(p, condition)) this.log.info({ pod: `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}` }, 'Forced deletion of orphaned Pod succeeded');
    }
  }

  /** Nodes out of quarantine that are still missing, confirmed by the server. */
  private async discoverDeletedNodes(existing: Set<string>, now: number): Promise<Set<string>> {
    const deleted = new Set<string>();
    for (const [node, until] of [...this.quarantine]) {
      if (until > now) continue;
      this.quarantine.delete(node);
      if (existing.has(node)) continue;
      if (this.mutant === 'no-quarantine') {
        deleted.add(node);
        continue;
      }
      try {
        await this.client.get(nodesRef, node);
      } catch (e) {
        if (isNotFound(e)) deleted.add(node);
        else throw e;
      }
    }
    return deleted;
  }

  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    for (const p of pods) if (p.metadata.deletionTimestamp && !p.spec.nodeName) await this.markFailedAndDeletePod(p);
  }

  /** markFailedAndDeletePodWithCondition: a pod not yet terminal gets phase Failed (and the condition), then is deleted at once. */
  private async markFailedAndDeletePod(p: Pod, condition?: PodCondition): Promise<boolean> {
    const ns = p.metadata.namespace ?? '';
    const name = p.metadata.name ?? '';
    try {
      if (!IsPodTerminal(p)) {
        const conditions = condition ? UpdatePodCondition(p.status?.conditions, condition, rfc3339Seconds(this.clock.now())) : undefined;
        await this.client.patch(podsIn(ns), name, { status: { phase: 'Failed', ...(conditions ? { conditions } : {}) } }, 'merge', { subresource: 'status' });
      }
      await this.client.delete(podsIn(ns), name, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
      return true;
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return false;
      throw e;
    }
  }
}

export interface PodGCProcessOptions extends ControllerProcessOptions {
  terminatedPodThreshold?: number;
  mutant?: PodGCMutant;
}

export function newPodGCManager(opts: PodGCProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new PodGCController(mgr, { terminatedPodThreshold: opts.terminatedPodThreshold, logger: opts.logger, mutant: opts.mutant }), opts, name);
}

export function podGCProcess(opts: PodGCProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new PodGCController(mgr, { terminatedPodThreshold: opts.terminatedPodThreshold, logger: opts.logger }), opts);
}
