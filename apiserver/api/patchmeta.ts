// Strategic-merge-patch metadata of the built-in kinds: the `patchStrategy` / `patchMergeKey` Go struct tags of
// k8s.io/api v0.32.4 (core/v1, apps/v1, batch/v1 types.go) and apimachinery pkg/apis/meta/v1/types.go. Only
// tagged fields and the paths leading to them are listed; any other list is replaced whole (the Go default),
// e.g. tolerations, Node spec.taints, Namespace spec.finalizers, containerStatuses, managedFields.

import { structMeta, withTags, type PatchMeta } from '../machinery/strategicmerge.ts';

const mergeBy = (mergeKey: string, elem?: PatchMeta): PatchMeta => withTags({ strategy: 'merge', mergeKey }, elem);
const mergeRetainBy = (mergeKey: string): PatchMeta => withTags({ strategy: 'merge,retainKeys', mergeKey });
const mergeSet: PatchMeta = withTags({ strategy: 'merge' });
const conditions = mergeBy('type');
const withConditions = structMeta({ conditions });

/** metav1.ObjectMeta: ownerReferences by uid, finalizers a set; labels and annotations are plain maps. */
export const objectMetaPatchMeta = structMeta({ ownerReferences: mergeBy('uid'), finalizers: mergeSet });

// core/v1 Container, and EphemeralContainerCommon with the same tags.
const container = structMeta({
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
});

/** core/v1 PodSpec. */
export const podSpecPatchMeta = structMeta({
  volumes: mergeRetainBy('name'),
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeRetainBy('name'),
});

/** core/v1 PodTemplateSpec, embedded by Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, ... */
export const podTemplateSpecPatchMeta = structMeta({ metadata: objectMetaPatchMeta, spec: podSpecPatchMeta });

const podStatus = structMeta({
  conditions,
  hostIPs: mergeBy('ip'),
  podIPs: mergeBy('ip'),
  resourceClaimStatuses: mergeRetainBy('name'),
});

/** A top-level kind: ObjectMeta plus the given fields. */
const kind = (fields: Readonly<Record<string, PatchMeta>> = {}): PatchMeta =>
  structMeta({ metadata: objectMetaPatchMeta, ...fields });

/** A workload whose spec embeds a pod template and whose status has conditions by type. */
const workload = (spec: Readonly<Record<string, PatchMeta>> = {}): PatchMeta =>
  kind({ spec: structMeta({ template: podTemplateSpecPatchMeta, ...spec }), status: withConditions });

const objectOnly = kind();

const byGroupKind: ReadonlyMap<string, PatchMeta> = new Map([
  ['/Pod', kind({ spec: podSpecPatchMeta, status: podStatus })],
  ['/PodTemplate', kind({ template: podTemplateSpecPatchMeta })],
  ['/ReplicationController', workload()],
  ['/Node', kind({ spec: structMeta({ podCIDRs: mergeSet }), status: structMeta({ conditions, addresses: mergeBy('type') }) })],
  ['/Service', kind({ spec: structMeta({ ports: mergeBy('port') }), status: withConditions })],
  ['/ServiceAccount', kind({ secrets: mergeBy('name') })],
  ['/Namespace', kind({ status: withConditions })],
  ['/PersistentVolumeClaim', kind({ status: withConditions })],
  ['/ComponentStatus', kind({ conditions })],
  ['apps/Deployment', workload({ strategy: withTags({ strategy: 'retainKeys' }) })],
  ['apps/ReplicaSet', workload()],
  ['apps/StatefulSet', workload()],
  ['apps/DaemonSet', workload()],
  ['batch/Job', workload()],
  ['batch/CronJob', kind({ spec: structMeta({ jobTemplate: structMeta({ spec: structMeta({ template: podTemplateSpecPatchMeta }) }) }) })],
]);

/** The patch metadata of a kind ('' is the core group); ObjectMeta only for kinds not listed (ConfigMap, ...). */
export function patchMetaFor(group: string, kind: string): PatchMeta {
  return byGroupKind.get(`${group}/${kind}`) ?? objectOnly;
}
