// Cluster API v1beta1 shapes and constants, as far as the Cluster and MachineSet controllers use them
// (cluster-api v1.9/v1.10: api/v1beta1/{cluster_types,machineset_types,machine_types,common_types,
// condition_consts,v1beta2_condition_consts}.go). Objects travel as plain JSON; these interfaces name the
// fields read and written here, everything else is carried along untouched.
import { builtinKinds } from '../../apiserver/api/kinds.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';

export const clusterGroup = 'cluster.x-k8s.io';
export const clusterApiVersion = 'cluster.x-k8s.io/v1beta1';

// --- finalizers ---
/** cluster_types.go ClusterFinalizer. */
export const clusterFinalizer = 'cluster.cluster.x-k8s.io';
/** machineset_types.go MachineSetFinalizer. */
export const machineSetFinalizer = 'cluster.x-k8s.io/machineset';
/** machine_types.go MachineFinalizer: set by the MachineSet on the Machines it creates (computeDesiredMachine). */
export const machineFinalizer = 'machine.cluster.x-k8s.io';

// --- labels and annotations (common_types.go, machine_types.go) ---
export const clusterNameLabel = 'cluster.x-k8s.io/cluster-name';
export const machineSetNameLabel = 'cluster.x-k8s.io/set-name';
export const machineDeploymentNameLabel = 'cluster.x-k8s.io/deployment-name';
export const machineControlPlaneLabel = 'cluster.x-k8s.io/control-plane';
export const pausedAnnotation = 'cluster.x-k8s.io/paused';
export const disableMachineCreateAnnotation = 'cluster.x-k8s.io/disable-machine-create';
export const deleteMachineAnnotation = 'cluster.x-k8s.io/delete-machine';
export const templateClonedFromNameAnnotation = 'cluster.x-k8s.io/cloned-from-name';
export const templateClonedFromGroupKindAnnotation = 'cluster.x-k8s.io/cloned-from-groupkind';
export const templateSuffix = 'Template';

// --- conditions (condition_consts.go, v1beta2_condition_consts.go) ---
export const readyCondition = 'Ready';
export const infrastructureReadyCondition = 'InfrastructureReady';
export const controlPlaneReadyCondition = 'ControlPlaneReady';
export const controlPlaneInitializedCondition = 'ControlPlaneInitialized';
export const machinesCreatedCondition = 'MachinesCreated';
export const resizedCondition = 'Resized';
export const bootstrapTemplateCloningFailedReason = 'BootstrapTemplateCloningFailed';
export const infrastructureTemplateCloningFailedReason = 'InfrastructureTemplateCloningFailed';
export const machineCreationFailedReason = 'MachineCreationFailed';
export const preflightCheckFailedReason = 'PreflightCheckFailed';
export const scalingUpReason = 'ScalingUp';
export const scalingDownReason = 'ScalingDown';
export const waitingForInfrastructureFallbackReason = 'WaitingForInfrastructure';
export const waitingForControlPlaneFallbackReason = 'WaitingForControlPlane';
export const missingNodeRefReason = 'MissingNodeRef';
export const deletingReason = 'Deleting';
export const deletedReason = 'Deleted';
export const pausedV1Beta2Condition = 'Paused';
export const pausedV1Beta2Reason = 'Paused';
export const notPausedV1Beta2Reason = 'NotPaused';

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type ConditionSeverity = 'Error' | 'Warning' | 'Info' | '';

/** clusterv1.Condition (v1beta1 conditions, status.conditions). */
export interface Condition {
  type: string;
  status: ConditionStatus;
  severity?: ConditionSeverity;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** metav1.Condition (v1beta2 conditions, status.v1beta2.conditions). */
export interface MetaCondition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime?: string;
  reason: string;
  message?: string;
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
}

export interface ClusterSpec {
  paused?: boolean;
  clusterNetwork?: unknown;
  controlPlaneEndpoint?: { host?: string; port?: number };
  controlPlaneRef?: ObjectReference;
  infrastructureRef?: ObjectReference;
  topology?: { class?: string; classNamespace?: string; version?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface ClusterStatus {
  phase?: string;
  infrastructureReady?: boolean;
  controlPlaneReady?: boolean;
  failureReason?: string;
  failureMessage?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  v1beta2?: { conditions?: MetaCondition[]; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Cluster extends KubeObject {
  spec?: ClusterSpec;
  status?: ClusterStatus;
}

export interface MachineSpec {
  clusterName?: string;
  bootstrap?: { configRef?: ObjectReference; dataSecretName?: string };
  infrastructureRef?: ObjectReference;
  version?: string;
  providerID?: string;
  failureDomain?: string;
  [k: string]: unknown;
}

export interface MachineStatus {
  phase?: string;
  nodeRef?: ObjectReference;
  failureReason?: string;
  failureMessage?: string;
  conditions?: Condition[];
  v1beta2?: { conditions?: MetaCondition[]; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Machine extends KubeObject {
  spec?: MachineSpec;
  status?: MachineStatus;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export type MachineSetDeletePolicy = 'Random' | 'Newest' | 'Oldest';

export interface MachineSetSpec {
  clusterName?: string;
  replicas?: number;
  minReadySeconds?: number;
  deletePolicy?: MachineSetDeletePolicy | '';
  selector?: LabelSelectorSpec;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: MachineSpec };
  [k: string]: unknown;
}

export interface MachineSetStatus {
  selector?: string;
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
  v1beta2?: { conditions?: MetaCondition[]; [k: string]: unknown };
  [k: string]: unknown;
}

export interface MachineSet extends KubeObject {
  spec?: MachineSetSpec;
  status?: MachineSetStatus;
}

// --- where the kinds live ---

function resource(kind: string): InformerResource {
  const k = builtinKinds.find((r) => r.kind === kind && (r.group === clusterGroup || r.group.endsWith(`.${clusterGroup}`)));
  if (!k) throw new Error(`unknown Cluster API kind ${kind}`);
  return { group: k.group, version: k.version, plural: k.plural, kind: k.kind, namespaced: k.namespaced };
}

export const clusterResource = resource('Cluster');
export const machineDeploymentResource = resource('MachineDeployment');
export const machineSetResource = resource('MachineSet');
export const machineResource = resource('Machine');
export const dockerClusterResource = resource('DockerCluster');

/** The ResourceRef of one of the resources above, in a namespace. */
export function inNamespace(r: InformerResource, namespace: string | undefined): ResourceRef {
  return { group: r.group, version: r.version, plural: r.plural, namespace };
}

function groupOfApiVersion(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function versionOfApiVersion(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? apiVersion : apiVersion.slice(i + 1);
}

/**
 * The REST resource of an ObjectReference (what controller-runtime's RESTMapper does for unstructured
 * objects): a kind of the server's kind table, else the lower-cased kind plus "s".
 */
export function refResource(ref: ObjectReference, namespace?: string): ResourceRef {
  const apiVersion = ref.apiVersion ?? '';
  const group = groupOfApiVersion(apiVersion);
  const version = versionOfApiVersion(apiVersion);
  const known = builtinKinds.find((k) => k.group === group && k.version === version && k.kind === ref.kind);
  const plural = known?.plural ?? `${(ref.kind ?? '').toLowerCase()}s`;
  const namespaced = known?.namespaced ?? true;
  return { group, version, plural, namespace: namespaced ? (ref.namespace ?? namespace) : undefined };
}

/** schema.GroupKind.String() of an apiVersion and kind: `Kind.group`. */
export function groupKindString(apiVersion: string | undefined, kind: string | undefined): string {
  const group = groupOfApiVersion(apiVersion ?? '');
  return group ? `${kind ?? ''}.${group}` : (kind ?? '');
}

