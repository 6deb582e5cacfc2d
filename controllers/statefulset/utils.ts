// Helpers of kubernetes pkg/controller/statefulset/stateful_set_utils.go under their upstream names: the
// StatefulSet's shape, ordinals and identity, pods from a revision, health, and the revisions' patch.
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import type { KubeObject, OwnerReference } from '../../apiserver/machinery/object.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';
import { ControllerRevisionHashLabel, NewControllerRevision, type ControllerRevision } from '../history/history.ts';
import { GetPodCondition, type Pod } from '../coreapi/core.ts';
import { IsPodAvailable, type ReplicaSet } from '../replicaset/replicaset.ts';

/** apps/v1 StatefulSetPodNameLabel and PodIndexLabel. */
export const StatefulSetPodNameLabel = 'statefulset.kubernetes.io/pod-name';
export const PodIndexLabel = 'apps.kubernetes.io/pod-index';
/** apps/v1 StatefulSetRevisionLabel: the pod's revision (the ControllerRevision's name). */
export const StatefulSetRevisionLabel = ControllerRevisionHashLabel;

export interface StatefulSet extends KubeObject {
  spec: {
    replicas?: number;
    selector: ReplicaSet['spec']['selector'];
    template: ReplicaSet['spec']['template'];
    serviceName?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    ordinals?: { start?: number };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    collisionCount?: number;
    conditions?: unknown[];
  };
}

export const statefulSetsResource: InformerResource = { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet' };
export const statefulSetsIn = (namespace: string): ResourceRef => ({ group: 'apps', version: 'v1', plural: 'statefulsets', namespace });

/** getStartOrdinal and getEndOrdinal (spec.ordinals.start, StatefulSetStartOrdinal GA in 1.31). */
export const getStartOrdinal = (set: StatefulSet): number => set.spec.ordinals?.start ?? 0;
export const getEndOrdinal = (set: StatefulSet): number => getStartOrdinal(set) + (set.spec.replicas ?? 1) - 1;

/** getParentNameAndOrdinal: `<parent>-<ordinal>`, else no ordinal (-1). */
export function getParentNameAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = /^(.*)-([0-9]+)$/.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return { parent: m[1] ?? '', ordinal: Number.isSafeInteger(ordinal) ? ordinal : -1 };
}

export const getOrdinal = (pod: Pod): number => getParentNameAndOrdinal(pod).ordinal;
export const getPodName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name ?? ''}-${ordinal}`;

export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= getStartOrdinal(set) && o <= getEndOrdinal(set);
}

/** identityMatches: the pod's name, namespace and identity labels are those of its ordinal in the set. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = getParentNameAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[StatefulSetPodNameLabel] === pod.metadata.name && pod.metadata.labels?.[PodIndexLabel] === String(ordinal);
}

/** updateIdentity: the identity labels, hostname and subdomain. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [StatefulSetPodNameLabel]: pod.metadata.name ?? '', [PodIndexLabel]: String(ordinal) };
  pod.spec.hostname = pod.metadata.name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
}

/** isCreated: the pod exists in the API (upstream: it has a phase; ours: it has a uid, set by the server). */
export const isCreated = (pod: Pod): boolean => pod.metadata.uid !== undefined;
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && GetPodCondition(pod, 'Ready')?.status === 'True';
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now: number): boolean => pod.status?.phase === 'Running' && IsPodAvailable(pod, minReadySeconds, now);
export const isTerminating = (pod: Pod): boolean => pod.metadata.deletionTimestamp !== undefined;
export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const allowsBurst = (set: StatefulSet): boolean => set.spec.podManagementPolicy === 'Parallel';
export const getPodRevision = (pod: Pod): string => pod.metadata.labels?.[StatefulSetRevisionLabel] ?? '';

export function controllerRef(set: StatefulSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name ?? '', uid: set.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** newStatefulSetPod: the template's pod (controller.GetPodFromTemplate) with the ordinal's identity. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const t = set.spec.template;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: getPodName(set, ordinal),
      ...(t.metadata?.labels ? { labels: { ...t.metadata.labels } } : {}),
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(set)],
    },
    spec: structuredClone(t.spec),
  };
  updateIdentity(set, pod);
  return pod;
}

/** setPodRevision. */
export function setPodRevision(pod: Pod, revision: string): void {
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [StatefulSetRevisionLabel]: revision };
}

/**
 * newVersionedStatefulSetPod: below the partition (or, without a rollingUpdate, below currentReplicas)
 * a pod of the current revision, else of the update revision.
 */
export function newVersionedStatefulSetPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const us = currentSet.spec.updateStrategy;
  const start = getStartOrdinal(currentSet);
  // Go's precedence, as upstream: (RollingUpdate && no rollingUpdate && below currentReplicas) || below the partition.
  const current =
    (us?.type === 'RollingUpdate' && us.rollingUpdate === undefined && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) || (us?.rollingUpdate !== undefined && ordinal < start + (us.rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(current ? currentSet : updateSet, ordinal);
  setPodRevision(pod, current ? currentRevision : updateRevision);
  return pod;
}

/** getPatch: what a revision keeps, the template replacing the set's (`$patch: replace`). */
export function getPatch(set: StatefulSet): unknown {
  return { spec: { template: { ...structuredClone(set.spec.template), $patch: 'replace' } } };
}

/** newRevision: the set's template as a ControllerRevision, with the set's annotations. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const cr = NewControllerRevision(set, controllerRef(set), set.spec.template.metadata?.labels, getPatch(set), revision, collisionCount === 0 ? undefined : collisionCount);
  if (set.metadata.annotations) cr.metadata.annotations = { ...set.metadata.annotations };
  return cr;
}

/** ApplyRevision: the set with the revision's template. */
export function ApplyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const data = revision.data as { spec?: { template?: StatefulSet['spec']['template'] & { $patch?: string } } } | undefined;
  const template = data?.spec?.template;
  if (!template) return set;
  const { $patch: _patch, ...rest } = template;
  return { ...set, spec: { ...set.spec, template: structuredClone(rest) } };
}

/** descendingOrdinal. */
export const descendingOrdinal = (a: Pod, b: Pod): number => getOrdinal(b) - getOrdinal(a);

/** inconsistentStatus: whether the computed status differs from the set's. */
export function inconsistentStatus(set: StatefulSet, status: NonNullable<StatefulSet['status']>): boolean {
  const cur = set.status ?? {};
  const keys = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'] as const;
  return keys.some((k) => !jsonEqual(cur[k], status[k]));
}
