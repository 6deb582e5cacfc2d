// Helpers of kubernetes pkg/controller/daemon/util/daemonset_util.go and daemon_controller.go's
// NodeShouldRunDaemonPod, under their upstream names.
import type { KubeObject, OwnerReference } from '../../apiserver/machinery/object.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';
import { ControllerRevisionHashLabel } from '../history/history.ts';
import { IsNodeReady, TaintNodeNotReady, TolerationsTolerateTaint, type Affinity, type Node, type Pod, type Taint, type Toleration } from '../coreapi/core.ts';
import { RequiredNodeAffinityMatches } from '../coreapi/nodeaffinity.ts';
import type { ReplicaSet } from '../replicaset/replicaset.ts';

/** apps/v1 DefaultDaemonSetUniqueLabelKey: the pods' and revisions' hash label. */
export const DefaultDaemonSetUniqueLabelKey = ControllerRevisionHashLabel;

export interface DaemonSet extends KubeObject {
  spec: {
    selector: ReplicaSet['spec']['selector'];
    template: ReplicaSet['spec']['template'];
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: {
    currentNumberScheduled?: number;
    numberMisscheduled?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    observedGeneration?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    collisionCount?: number;
    conditions?: unknown[];
  };
}

export const daemonSetsResource: InformerResource = { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet' };
export const daemonSetsIn = (namespace: string): ResourceRef => ({ group: 'apps', version: 'v1', plural: 'daemonsets', namespace });

export function controllerRef(ds: DaemonSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name ?? '', uid: ds.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates (node conditions, cordoning). */
export function AddOrUpdateDaemonPodTolerations(tolerations: readonly Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const out = [...(tolerations ?? [])];
  const add = (t: Toleration): void => {
    const i = out.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (i < 0) out.push(t);
    else out[i] = t;
  };
  add({ key: TaintNodeNotReady, operator: 'Exists', effect: 'NoExecute' });
  add({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
  add({ key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' });
  add({ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' });
  add({ key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' });
  add({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' });
  if (hostNetwork) add({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity pins the pod to nodeName (matchFields metadata.name). */
export function ReplaceDaemonSetPodNodeNameNodeAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } };
}

/** GetTargetNodeName: spec.nodeName, else the one node the required affinity's metadata.name field names. */
export function GetTargetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** IsPodUpdated by the hash label (the deprecated pod-template-generation is not kept here). */
export const IsPodUpdated = (pod: Pod, hash: string): boolean => hash !== '' && pod.metadata.labels?.[DefaultDaemonSetUniqueLabelKey] === hash;

/** CreatePodTemplate: the template with the hash label and the daemon tolerations. */
export function CreatePodTemplate(ds: DaemonSet, hash: string): { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: Pod['spec'] } {
  const t = structuredClone(ds.spec.template);
  const spec = t.spec as Pod['spec'] & { hostNetwork?: boolean };
  spec.tolerations = AddOrUpdateDaemonPodTolerations(spec.tolerations, spec.hostNetwork === true);
  return { metadata: { labels: { ...(t.metadata?.labels ?? {}), ...(hash ? { [DefaultDaemonSetUniqueLabelKey]: hash } : {}) }, ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}) }, spec };
}

/**
 * The node's taints as the DaemonSet controller weighs them. Named choice: a node that is not Ready counts
 * as tainted node.kubernetes.io/not-ready:NoSchedule, as the scheduler here counts it (the node lifecycle
 * controller that would set the taint upstream does not run).
 */
export function effectiveTaints(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  if (!IsNodeReady(node) && !taints.some((t) => t.key === TaintNodeNotReady)) taints.push({ key: TaintNodeNotReady, effect: 'NoSchedule' });
  return taints;
}

/**
 * NodeShouldRunDaemonPod with its predicates: shouldRun when the template's nodeName (if any), the node
 * affinity and the NoSchedule/NoExecute taints all fit; shouldContinueRunning also when only NoSchedule
 * taints do not.
 */
export function NodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const nodeName = node.metadata.name ?? '';
  // NewPod: the template's pod on the node, with the daemon tolerations.
  const pod: Pod = { metadata: {}, spec: { ...CreatePodTemplate(ds, '').spec, nodeName } };
  if (ds.spec.template.spec.nodeName && ds.spec.template.spec.nodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  if (!RequiredNodeAffinityMatches(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = effectiveTaints(node);
  const untolerated = (effects: readonly string[]): boolean => taints.some((t) => effects.includes(t.effect) && !TolerationsTolerateTaint(pod.spec.tolerations, t));
  if (untolerated(['NoSchedule', 'NoExecute'])) return { shouldRun: false, shouldContinueRunning: !untolerated(['NoExecute']) };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** podByCreationTimestampAndPhase: Running before not, then oldest first, then (a named tie-break) by name. */
export function podByCreationTimestampAndPhase(a: Pod, b: Pod): number {
  const ra = a.status?.phase === 'Running' ? 0 : 1;
  const rb = b.status?.phase === 'Running' ? 0 : 1;
  if (ra !== rb) return ra - rb;
  const ca = a.metadata.creationTimestamp ?? '';
  const cb = b.metadata.creationTimestamp ?? '';
  if (ca !== cb) return ca < cb ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}
