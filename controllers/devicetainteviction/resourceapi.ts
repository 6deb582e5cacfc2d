// The resource.k8s.io shapes (Kubernetes 1.33: v1beta1 slices, claims and classes; v1alpha3
// DeviceTaintRule) and the core/v1 Pod fields the device taint eviction controller and the kubelet's DRA
// code read. Only the fields used here are typed; objects keep every other field as the server sent it.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';

export const resourceGroup = 'resource.k8s.io';

export const podsResource: InformerResource = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' };
export const nodesResource: InformerResource = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };
export const resourceClaimsResource: InformerResource = { group: resourceGroup, version: 'v1beta1', plural: 'resourceclaims', kind: 'ResourceClaim' };
export const resourceSlicesResource: InformerResource = { group: resourceGroup, version: 'v1beta1', plural: 'resourceslices', kind: 'ResourceSlice', namespaced: false };
export const deviceClassesResource: InformerResource = { group: resourceGroup, version: 'v1beta1', plural: 'deviceclasses', kind: 'DeviceClass', namespaced: false };
export const deviceTaintRulesResource: InformerResource = { group: resourceGroup, version: 'v1alpha3', plural: 'devicetaintrules', kind: 'DeviceTaintRule', namespaced: false };

/** resource/v1beta1 DeviceTaintEffect values of 1.33. */
export const DeviceTaintEffectNoSchedule = 'NoSchedule';
export const DeviceTaintEffectNoExecute = 'NoExecute';

/** resource/v1beta1 ResourceSliceSelectorNodeName / ResourceSliceSelectorDriver. */
export const ResourceSliceSelectorNodeName = 'spec.nodeName';
export const ResourceSliceSelectorDriver = 'spec.driver';

export interface DeviceTaint {
  key: string;
  value?: string;
  effect: string;
  /** RFC 3339; the server defaults it on create and update. */
  timeAdded?: string;
}

export interface BasicDevice {
  attributes?: Record<string, unknown>;
  capacity?: Record<string, unknown>;
  taints?: DeviceTaint[];
}

/** v1beta1 Device: the fields sit under `basic`. */
export interface Device {
  name: string;
  basic?: BasicDevice;
}

export interface ResourcePool {
  name: string;
  generation: number;
  resourceSliceCount: number;
}

export interface ResourceSliceSpec {
  driver: string;
  pool: ResourcePool;
  nodeName?: string;
  nodeSelector?: unknown;
  allNodes?: boolean;
  devices?: Device[];
}

export interface ResourceSlice extends KubeObject {
  spec: ResourceSliceSpec;
}

export interface DeviceToleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface DeviceRequestAllocationResult {
  request: string;
  driver: string;
  pool: string;
  device: string;
  adminAccess?: boolean;
  tolerations?: DeviceToleration[];
}

export interface AllocationResult {
  devices?: { results?: DeviceRequestAllocationResult[]; config?: unknown[] };
  nodeSelector?: unknown;
}

export interface ResourceClaimConsumerReference {
  apiGroup?: string;
  resource: string;
  name: string;
  uid: string;
}

export interface DeviceRequest {
  name: string;
  deviceClassName: string;
  allocationMode?: string;
  count?: number;
  selectors?: unknown[];
  tolerations?: DeviceToleration[];
}

export interface ResourceClaim extends KubeObject {
  spec?: { devices?: { requests?: DeviceRequest[] } };
  status?: {
    allocation?: AllocationResult;
    reservedFor?: ResourceClaimConsumerReference[];
  };
}

export interface DeviceTaintSelector {
  deviceClassName?: string;
  driver?: string;
  pool?: string;
  device?: string;
  selectors?: unknown[];
}

export interface DeviceTaintRule extends KubeObject {
  spec: { deviceSelector?: DeviceTaintSelector; taint: DeviceTaint };
}

export interface PodResourceClaim {
  name: string;
  resourceClaimName?: string;
  resourceClaimTemplateName?: string;
}

export interface PodResourceClaimStatus {
  name: string;
  resourceClaimName?: string;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; resourceClaims?: PodResourceClaim[]; [key: string]: unknown };
  status?: { phase?: string; conditions?: PodCondition[]; resourceClaimStatuses?: PodResourceClaimStatus[]; [key: string]: unknown };
}

/** The taints of a v1beta1 device. */
export function deviceTaints(d: Device): readonly DeviceTaint[] {
  return d.basic?.taints ?? [];
}

/** resourceclaim.ToleratesTaint (k8s.io/dynamic-resource-allocation/resourceclaim), 1.33. */
export function ToleratesTaint(toleration: DeviceToleration, taint: DeviceTaint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** resourceclaim.Name: the claim a pod's entry refers to; mustCheckOwner for claims made from a template. */
export function claimName(pod: Pod, podClaim: PodResourceClaim): { name: string | undefined; mustCheckOwner: boolean } | { error: string } {
  if (podClaim.resourceClaimName !== undefined) return { name: podClaim.resourceClaimName, mustCheckOwner: false };
  if (podClaim.resourceClaimTemplateName !== undefined) {
    for (const status of pod.status?.resourceClaimStatuses ?? []) {
      if (status.name === podClaim.name) return { name: status.resourceClaimName, mustCheckOwner: true };
    }
    return { error: `pod "${pod.metadata.namespace}/${pod.metadata.name}": ResourceClaim not created yet` };
  }
  return { error: `pod "${pod.metadata.namespace}/${pod.metadata.name}", spec.resourceClaim "${podClaim.name}": unsupported workload API` };
}

/** resourceclaim.IsForPod: the claim is controlled by the pod. */
export function IsForPod(pod: Pod, claim: ResourceClaim): boolean {
  if (claim.metadata.namespace !== pod.metadata.namespace) return false;
  return (claim.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === pod.metadata.uid);
}

/** resourceclaim.IsReservedForPod. */
export function IsReservedForPod(pod: Pod, claim: ResourceClaim): boolean {
  return (claim.status?.reservedFor ?? []).some((r) => r.uid === pod.metadata.uid);
}

/** RFC 3339 (seconds or fractional) to Clock ms; undefined when absent or unparsable. */
export function parseTime(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
