// The core/v1 shapes the node agent and the scheduler read (k8s.io/api/core/v1 types.go), with the helpers
// upstream keeps in k8s.io/component-helpers and pkg/api/v1/pod (podutil), under their upstream names.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: '' | 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Affinity {
  nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] }; preferredDuringSchedulingIgnoredDuringExecution?: unknown[] };
  podAffinity?: unknown;
  podAntiAffinity?: unknown;
}

export interface Pod extends KubeObject {
  spec: {
    nodeName?: string;
    hostname?: string;
    subdomain?: string;
    affinity?: Affinity;
    schedulerName?: string;
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    containers: Container[];
    initContainers?: Container[];
    restartPolicy?: 'Always' | 'OnFailure' | 'Never';
    terminationGracePeriodSeconds?: number;
  };
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    conditions?: PodCondition[];
    hostIP?: string;
    hostIPs?: { ip: string }[];
    podIP?: string;
    podIPs?: { ip: string }[];
    startTime?: string;
    qosClass?: string;
    containerStatuses?: Record<string, unknown>[];
  };
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; podCIDR?: string; podCIDRs?: string[] };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: NodeCondition[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: Record<string, string>;
    daemonEndpoints?: { kubeletEndpoint: { Port: number } };
    phase?: string;
  };
}

export const podsResource: InformerResource = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' };
export const nodesResource: InformerResource = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };
export const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };
export const podsIn = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'pods', namespace });
export const leasesIn = (namespace: string): ResourceRef => ({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace });

/** v1.DefaultSchedulerName. */
export const DefaultSchedulerName = 'default-scheduler';
/** v1.NamespaceNodeLease: where nodes keep their heartbeat Leases. */
export const NamespaceNodeLease = 'kube-node-lease';
export const TaintNodeNotReady = 'node.kubernetes.io/not-ready';
export const TaintNodeUnschedulable = 'node.kubernetes.io/unschedulable';

/** podutil.GetPodCondition. */
export function GetPodCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/**
 * podutil.UpdatePodCondition: sets the condition, keeping lastTransitionTime when the status did not
 * change. Returns the new conditions, or undefined when nothing changed.
 */
export function UpdatePodCondition(conditions: readonly PodCondition[] | undefined, condition: PodCondition, now: string): PodCondition[] | undefined {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === condition.type);
  const old = i < 0 ? undefined : list[i];
  const next: PodCondition = { ...condition, lastProbeTime: condition.lastProbeTime ?? null, lastTransitionTime: old && old.status === condition.status ? old.lastTransitionTime : now };
  if (old && old.status === next.status && old.reason === next.reason && old.message === next.message) return undefined;
  if (i < 0) list.push(next);
  else list[i] = next;
  return list;
}

/** The pod has ended (podutil.IsPodTerminal). */
export function IsPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** A node is Ready when its Ready condition is True (nodeutil.IsNodeReady). */
export function IsNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

const quantitySuffixes: Readonly<Record<string, number>> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * resource.Quantity.MilliValue: `500m`, `128Mi`, `2`, `1e3` in milli-units (rounded up), so that CPU and
 * memory add up as integers. The server validated the quantity; one it could not read counts as 0.
 */
export function milliValue(quantity: string | undefined): number {
  const m = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(?:([eE][+-]?\d+)|([a-zA-Z]*))$/.exec(quantity ?? '');
  if (!m) return 0;
  const scale = m[2] !== undefined ? 10 ** Number(m[2].slice(1)) : quantitySuffixes[m[3] ?? ''];
  if (scale === undefined) return 0;
  // Rounded to a millionth first, so that binary floating point does not turn 1.1 into 1100.0000000000002.
  return Math.ceil(Math.round(Number(m[1]) * (scale * 1000) * 1e6) / 1e6);
}

/**
 * resourcehelper.PodRequests without overhead and sidecars: the sum of the containers' requests, or the
 * largest init container's request when that is higher, per resource, in milli-units.
 */
export function PodRequests(pod: Pod): Map<string, number> {
  const out = new Map<string, number>();
  const add = (c: Container): void => {
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) out.set(name, (out.get(name) ?? 0) + milliValue(q));
  };
  for (const c of pod.spec.containers) add(c);
  for (const c of pod.spec.initContainers ?? []) {
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) out.set(name, Math.max(out.get(name) ?? 0, milliValue(q)));
  }
  return out;
}

/** v1helper.TolerationsTolerateTaint (Toleration.ToleratesTaint per toleration). */
export function TolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
    if ((t.key ?? '') === '' && t.operator !== 'Exists') return false;
    if (t.operator === 'Exists') return true;
    return (t.value ?? '') === (taint.value ?? '');
  });
}
