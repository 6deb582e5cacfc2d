// The simulated containers of the node agent's nodes, after KWOK's pod controller
// (sigs.k8s.io/kwok pkg/kwok/controllers/pod_controller.go) and the kubelet's status manager
// (pkg/kubelet/status/status_manager.go): a pod bound to one of the nodes becomes Running at once, with a
// pod IP from the node's podCIDR, hostIP, the kubelet's five conditions and one running, started and ready
// status per container. A pod owned by a Job, or one with the racelab.dev/run-for annotation, then
// Succeeds after its simulated run time (containers terminated with exit code 0, reason Completed). A pod
// whose graceful deletion started is finished as the kubelet does once its containers stopped: a DELETE
// with gracePeriodSeconds=0 and the pod's UID as precondition (status_manager.go canBeDeleted →
// NewDeleteOptions(0) with NewUIDPreconditions). Containers stop at once on SIGTERM, except in a pod with
// the racelab.dev/ignore-sigterm annotation: those run until the grace period ends (the kubelet's SIGKILL at
// the deletionTimestamp), so the pod stays Terminating that long.
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import { isConflict, isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import { DeletedFinalStateUnknown, type Informer } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { newPredicateFuncs } from '../runtime/predicate.ts';
import type { Manager } from '../runtime/manager.ts';
import { IsPodTerminal, podsIn, podsResource, UpdatePodCondition, type Pod, type PodCondition } from '../coreapi/core.ts';
import type { SimulatedNode } from './node.ts';

/** A pod annotation: how long its containers run before they exit 0 (`30s`, `5m`, `1h`), or `forever`. */
export const runForAnnotation = 'racelab.dev/run-for';
/** A pod annotation ("true"): its containers ignore SIGTERM and stop only when the grace period ends. */
export const ignoreSigtermAnnotation = 'racelab.dev/ignore-sigterm';
/** How long a Job's pod runs when it does not say (simulated time). */
export const defaultJobPodRunMs = 5_000;

export interface PodControllerOptions {
  nodes: readonly SimulatedNode[];
  /** The run time of Job pods without the annotation. */
  jobPodRunMs?: number;
}

/** `90s`, `5m`, `1h30m`, `250ms` → ms; `forever` → Infinity; anything else undefined. */
export function parseRunFor(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'forever') return Infinity;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
    matched = re.lastIndex;
  }
  return matched === value.length && matched > 0 ? total : undefined;
}

function ownedByJob(pod: Pod): boolean {
  return (pod.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'Job' && r.apiVersion.startsWith('batch/'));
}

/** The host part of an IP taken from a /24: 2 … 254 (.1 is the node's bridge), the lowest free one. */
function freeHost(used: ReadonlySet<number>): number | undefined {
  for (let h = 2; h < 255; h++) if (!used.has(h)) return h;
  return undefined;
}

export class PodController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly nodes: Map<string, SimulatedNode>;
  private readonly informer: Informer<Pod>;
  private readonly jobPodRunMs: number;
  /** Pod IPs handed out and not yet seen in the cache (uid → ip), so that two pods never share one. */
  private readonly assigned = new Map<string, string>();

  constructor(mgr: Manager, opts: PodControllerOptions) {
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.nodes = new Map(opts.nodes.map((n) => [n.name, n]));
    this.jobPodRunMs = opts.jobPodRunMs ?? defaultJobPodRunMs;
    this.informer = mgr.informerFor<Pod>(podsResource);
    this.informer.addEventHandler({
      onDelete: (o) => {
        const pod = o instanceof DeletedFinalStateUnknown ? o.obj : o;
        if (pod.metadata.uid) this.assigned.delete(pod.metadata.uid);
      },
    });
    const onOurNodes = newPredicateFuncs<Pod>((p) => this.nodes.has(p.spec.nodeName ?? ''));
    mgr.newController({ name: 'kwok-pod', reconcile: (_ctx, req) => this.reconcile(req) }).for(this.informer, onOurNodes as never);
  }

  private async reconcile(req: Request): Promise<Result | void> {
    const pod = this.informer.lister().getByName(req.namespace, req.name);
    if (!pod) return;
    const node = this.nodes.get(pod.spec.nodeName ?? '');
    if (!node) return;
    try {
      if (pod.metadata.deletionTimestamp) return await this.finishDeletion(pod);
      if (IsPodTerminal(pod)) return;
      if (pod.status?.phase !== 'Running') return await this.run(pod, node);
      return await this.maybeComplete(pod);
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeue: true };
      throw e;
    }
  }

  /** The kubelet's final DELETE once the containers stopped. */
  private async finishDeletion(pod: Pod): Promise<Result | void> {
    if (pod.metadata.annotations?.[ignoreSigtermAnnotation] === 'true') {
      const left = Date.parse(pod.metadata.deletionTimestamp ?? '') - this.clock.now();
      if (left > 0) return { requeueAfterMs: left };
    }
    await this.client.delete(podsIn(pod.metadata.namespace ?? ''), pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
  }

  private podIP(pod: Pod, node: SimulatedNode): string | undefined {
    const uid = pod.metadata.uid ?? '';
    const prefix = node.podCIDR.replace(/\.0\/24$/, '.');
    const mine = pod.status?.podIP ?? this.assigned.get(uid);
    if (mine) return mine;
    const used = new Set<number>();
    const hostOf = (ip: string | undefined): void => {
      if (ip?.startsWith(prefix)) used.add(Number(ip.slice(prefix.length)));
    };
    for (const p of this.informer.lister().list()) if (p.spec.nodeName === node.name && !IsPodTerminal(p)) hostOf(p.status?.podIP);
    for (const [otherUid, ip] of this.assigned) if (otherUid !== uid) hostOf(ip);
    const host = freeHost(used);
    if (host === undefined) return undefined;
    const ip = `${prefix}${host}`;
    this.assigned.set(uid, ip);
    return ip;
  }

  private containerID(pod: Pod, name: string): string {
    return `kwok://${pod.metadata.uid ?? ''}-${name}`;
  }

  /** Pending → Running: what the kubelet reports once every container started and is ready. */
  private async run(pod: Pod, node: SimulatedNode): Promise<Result | void> {
    const ip = this.podIP(pod, node);
    if (!ip) return { requeueAfterMs: 10_000 }; // the node's /24 is full
    const now = rfc3339Seconds(this.clock.now());
    let conditions: PodCondition[] = pod.status?.conditions ?? [];
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) {
      conditions = UpdatePodCondition(conditions, { type, status: 'True' }, now) ?? conditions;
    }
    const startTime = pod.status?.startTime ?? now;
    await this.client.patch(podsIn(pod.metadata.namespace ?? ''), pod.metadata.name ?? '', {
      metadata: { resourceVersion: pod.metadata.resourceVersion },
      status: {
        phase: 'Running',
        conditions,
        hostIP: node.internalIP,
        hostIPs: [{ ip: node.internalIP }],
        podIP: ip,
        podIPs: [{ ip }],
        startTime,
        containerStatuses: this.containerStatuses(pod, true, () => ({ running: { startedAt: startTime } })),
      },
    }, 'merge', { subresource: 'status' });
  }

  /** One ContainerStatus per container, all in the same state, as the kubelet reports them. */
  private containerStatuses(pod: Pod, running: boolean, state: (containerID: string) => Record<string, unknown>): Record<string, unknown>[] {
    return pod.spec.containers.map((c) => {
      const containerID = this.containerID(pod, c.name);
      return { name: c.name, image: c.image ?? '', imageID: c.image ?? '', containerID, ready: running, started: running, restartCount: 0, state: state(containerID), lastState: {} };
    });
  }

  /** A Job pod (or one with a run time) exits 0 when its simulated run time is over. */
  private async maybeComplete(pod: Pod): Promise<Result | void> {
    const runFor = parseRunFor(pod.metadata.annotations?.[runForAnnotation]) ?? (ownedByJob(pod) ? this.jobPodRunMs : Infinity);
    if (runFor === Infinity) return;
    const started = Date.parse(pod.status?.startTime ?? rfc3339Seconds(this.clock.now()));
    const left = started + runFor - this.clock.now();
    if (left > 0) return { requeueAfterMs: left };
    const now = rfc3339Seconds(this.clock.now());
    let conditions: PodCondition[] = pod.status?.conditions ?? [];
    for (const type of ['PodReadyToStartContainers', 'Ready', 'ContainersReady']) {
      const reason = type === 'PodReadyToStartContainers' ? undefined : 'PodCompleted';
      conditions = UpdatePodCondition(conditions, { type, status: 'False', ...(reason ? { reason } : {}) }, now) ?? conditions;
    }
    await this.client.patch(podsIn(pod.metadata.namespace ?? ''), pod.metadata.name ?? '', {
      metadata: { resourceVersion: pod.metadata.resourceVersion },
      status: {
        phase: 'Succeeded',
        conditions,
        containerStatuses: this.containerStatuses(pod, false, (containerID) => ({ terminated: { exitCode: 0, reason: 'Completed', startedAt: pod.status?.startTime ?? now, finishedAt: now, containerID } })),
      },
    }, 'merge', { subresource: 'status' });
  }
}
