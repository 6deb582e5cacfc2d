// The default scheduler in miniature (kubernetes pkg/scheduler/schedule_one.go: scheduleOne, schedulePod,
// findNodesThatFitPod, prioritizeNodes, bind, handleSchedulingFailure; the filters of
// pkg/scheduler/framework/plugins: NodeUnschedulable, NodeName, TaintToleration, NodeAffinity (nodeSelector
// and required node affinity terms) and NodeResourcesFit; its LeastAllocated score). A pending pod of schedulerName default-scheduler
// is bound to the feasible node with the most room left through pods/binding, with a "Scheduled" Event;
// when no node fits, the pod gets PodScheduled=False reason Unschedulable and a FailedScheduling Event
// with upstream's "0/N nodes are available: …" message, and is tried again when a node or a pod changes
// (the unschedulable queue's moveAllToActiveOrBackoffQueue) or after the pod's backoff.
//
// Named choices: among nodes with the same score the first by name wins (upstream picks one at random);
// a node that is not Ready counts as tainted node.kubernetes.io/not-ready:NoSchedule (what the node
// lifecycle controller's TaintNodesByCondition would have done; that controller does not run here).
// Left out: preemption (the message has no "preemption:" part), preferred node affinity, pod (anti)affinity,
// topology spread, node ports, volumes, DRA claims, scheduling gates, extended resources beyond what the
// node lists.
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isConflict, isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import {
  DefaultSchedulerName,
  IsNodeReady,
  IsPodTerminal,
  milliValue,
  nodesResource,
  PodRequests,
  podsIn,
  podsResource,
  TaintNodeNotReady,
  TaintNodeUnschedulable,
  TolerationsTolerateTaint,
  UpdatePodCondition,
  type Node,
  type Pod,
  type Taint,
} from '../coreapi/core.ts';
import { RequiredNodeAffinityMatches } from '../coreapi/nodeaffinity.ts';

export const schedulerName = DefaultSchedulerName;
/** scheduler's podMaxBackoffDuration: an unschedulable pod is tried again at least this often. */
export const podMaxBackoffMs = 10_000;

/** framework.FitError.Error: `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) …`, reasons sorted. */
export function fitErrorMessage(numAllNodes: number, reasons: readonly string[]): string {
  if (numAllNodes === 0) return 'no nodes available to schedule pods';
  const histogram = new Map<string, number>();
  for (const r of reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  const sorted = [...histogram].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${numAllNodes} nodes are available${sorted.length > 0 ? `: ${sorted.join(', ')}.` : '.'}`;
}

function taintString(t: Taint): string {
  return `{${t.key}: ${t.value ?? ''}}`;
}

/** schedutil.DefaultMilliCPURequest and DefaultMemoryRequest, in milli-units. */
export const DefaultMilliCPURequest = 100;
export const DefaultMemoryRequest = 200 * 1024 * 1024 * 1000;

/** schedutil.GetNonzeroRequests per container, summed. */
function nonZeroRequests(pod: Pod): Map<string, number> {
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers) {
    const r = c.resources?.requests ?? {};
    cpu += r.cpu !== undefined ? milliValue(r.cpu) : DefaultMilliCPURequest;
    memory += r.memory !== undefined ? milliValue(r.memory) : DefaultMemoryRequest;
  }
  return new Map([['cpu', cpu], ['memory', memory]]);
}

export function needsScheduling(pod: Pod): boolean {
  return !pod.spec.nodeName && (pod.spec.schedulerName ?? DefaultSchedulerName) === schedulerName && !pod.metadata.deletionTimestamp && !IsPodTerminal(pod);
}

export interface SchedulerOptions {
  logger?: Logger;
}

export class Scheduler {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  /**
   * The scheduler cache's assumed pods: bound by us, not yet seen bound in the informer (key → the pod's
   * uid, node, requests). The uid tells a pod made again under the same name (a StatefulSet's) apart.
   */
  private readonly assumed = new Map<string, { uid: string | undefined; node: string; requests: Map<string, number> }>();

  constructor(mgr: Manager, opts: SchedulerOptions = {}) {
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.log = (opts.logger ?? quietLogger()).child({ component: schedulerName });
    this.recorder = mgr.eventRecorderFor(schedulerName);
    this.pods = mgr.informerFor<Pod>(podsResource);
    this.nodes = mgr.informerFor<Node>(nodesResource);
    const pendingPods = (): Request[] => this.pods.lister().list().filter(needsScheduling).map((p) => ({ namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '' }));
    mgr
      .newController({ name: schedulerName, reconcile: (_ctx, req) => this.scheduleOne(req) })
      .for(this.pods, { create: (p) => needsScheduling(p as Pod), update: (_o, p) => needsScheduling(p as Pod), delete: () => false })
      // A node added or changed, or a bound pod gone or finished, may make room: every pending pod is tried again.
      .watches(this.nodes, () => pendingPods())
      .watches(this.pods, () => pendingPods(), { create: () => false, update: (o, n) => !IsPodTerminal(o as Pod) && IsPodTerminal(n as Pod), delete: (p) => Boolean((p as Pod).spec.nodeName) });
  }

  private requested(nodeName: string): { requests: Map<string, number>; pods: number } {
    const requests = new Map<string, number>();
    let pods = 0;
    const add = (r: Map<string, number>): void => {
      pods++;
      for (const [k, v] of r) requests.set(k, (requests.get(k) ?? 0) + v);
    };
    for (const p of this.pods.lister().list()) {
      const key = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
      if (p.spec.nodeName) this.assumed.delete(key); // the binding is in the cache now
      if (p.spec.nodeName === nodeName && !IsPodTerminal(p)) add(PodRequests(p));
    }
    for (const a of this.assumed.values()) if (a.node === nodeName) add(a.requests);
    return { requests, pods };
  }

  /** The filter plugins in the default profile's order; the first that fails gives the node's reason. */
  private filter(pod: Pod, node: Node, requests: Map<string, number>): string | undefined {
    const taints: Taint[] = [...(node.spec?.taints ?? [])];
    if (!IsNodeReady(node)) taints.push({ key: TaintNodeNotReady, effect: 'NoSchedule' });
    // NodeUnschedulable
    if (node.spec?.unschedulable && !TolerationsTolerateTaint(pod.spec.tolerations, { key: TaintNodeUnschedulable, effect: 'NoSchedule' })) return 'node(s) were unschedulable';
    // TaintToleration: NoSchedule and NoExecute taints must be tolerated.
    const untolerated = taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !TolerationsTolerateTaint(pod.spec.tolerations, t));
    if (untolerated) return `node(s) had untolerated taint ${taintString(untolerated)}`;
    // NodeAffinity: spec.nodeSelector and the required node affinity terms (a DaemonSet pod's metadata.name field).
    if (!RequiredNodeAffinityMatches(pod, node)) return "node(s) didn't match Pod's node affinity/selector";
    // NodeResourcesFit
    const allocatable = node.status?.allocatable ?? {};
    const used = this.requested(node.metadata.name ?? '');
    if (used.pods + 1 > milliValue(allocatable.pods ?? '0') / 1000) return 'Too many pods';
    for (const [resource, want] of [...requests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (want === 0) continue;
      if (want + (used.requests.get(resource) ?? 0) > milliValue(allocatable[resource])) return `Insufficient ${resource}`;
    }
    return undefined;
  }

  /**
   * NodeResourcesFit's LeastAllocated score: the mean free share of cpu and memory, 0–100, counting a
   * container without a request as schedutil's non-zero defaults (100m CPU, 200 MB memory), so that
   * pods without requests still spread.
   */
  private score(node: Node, pod: Pod): number {
    const allocatable = node.status?.allocatable ?? {};
    const used = new Map<string, number>();
    const add = (p: Pod): void => {
      for (const [k, v] of nonZeroRequests(p)) used.set(k, (used.get(k) ?? 0) + v);
    };
    for (const p of this.pods.lister().list()) if (p.spec.nodeName === node.metadata.name && !IsPodTerminal(p)) add(p);
    for (const [key, a] of this.assumed) if (a.node === node.metadata.name) {
      const p = this.pods.lister().get(key);
      if (p && !p.spec.nodeName) add(p);
    }
    add(pod);
    let sum = 0;
    for (const r of ['cpu', 'memory']) {
      const cap = milliValue(allocatable[r]);
      const req = used.get(r) ?? 0;
      sum += cap === 0 || req > cap ? 0 : ((cap - req) * 100) / cap;
    }
    return sum / 2;
  }

  private async scheduleOne(req: Request): Promise<Result | void> {
    const pod = this.pods.lister().getByName(req.namespace, req.name);
    if (!pod || !needsScheduling(pod)) return;
    const key = `${req.namespace}/${req.name}`;
    const assumed = this.assumed.get(key);
    if (assumed && assumed.uid === pod.metadata.uid) return;
    if (assumed) this.assumed.delete(key); // the assumed pod is gone: this is a new one of the same name
    const nodes = this.nodes.lister().list().sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    const requests = PodRequests(pod);
    const reasons: string[] = [];
    let best: { node: Node; score: number } | undefined;
    for (const node of nodes) {
      const reason = this.filter(pod, node, requests);
      if (reason) {
        reasons.push(reason);
        continue;
      }
      const score = this.score(node, pod);
      if (!best || score > best.score) best = { node, score };
    }
    if (!best) return this.handleSchedulingFailure(pod, fitErrorMessage(nodes.length, reasons));
    const nodeName = best.node.metadata.name ?? '';
    this.assumed.set(key, { uid: pod.metadata.uid, node: nodeName, requests });
    try {
      await this.client.createSubresource(podsIn(req.namespace), req.name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: req.name, namespace: req.namespace, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
    } catch (e) {
      this.assumed.delete(key); // ForgetPod
      if (isNotFound(e) || isConflict(e)) return; // gone, or bound by someone else
      throw e;
    }
    this.recorder.eventf(pod as KubeObject, 'Normal', 'Scheduled', 'Successfully assigned %s/%s to %s', req.namespace, req.name, nodeName);
    this.log.debug({ pod: key, node: nodeName }, 'bound');
  }

  /** handleSchedulingFailure: the Event, and the PodScheduled condition through pods/status. */
  private async handleSchedulingFailure(pod: Pod, message: string): Promise<Result> {
    this.recorder.event(pod as KubeObject, 'Warning', 'FailedScheduling', message);
    const conditions = UpdatePodCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }, rfc3339Seconds(this.clock.now()));
    if (conditions) {
      try {
        await this.client.patch(podsIn(pod.metadata.namespace ?? ''), pod.metadata.name ?? '', { status: { conditions } }, 'merge', { subresource: 'status' });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return { requeueAfterMs: podMaxBackoffMs };
  }
}
