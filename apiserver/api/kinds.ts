// The one kind table: every kind the server serves at start, with its group, version, plural, scope and
// subresources. Custom resources defined at run time get rows of the same shape.

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: { status: boolean; scale?: ScaleSubresource };
  /** Built into kube-apiserver (strategic merge patch, unconditional PUT) rather than a custom resource. */
  builtin: boolean;
  /** Extra selectable fields beyond metadata.name and metadata.namespace, as JSON paths like `.spec.nodeName`. */
  selectableFields: string[];
  /** CRD additionalPrinterColumns (custom resources) or the server's own columns (built-ins); NAME comes first. */
  printerColumns: PrinterColumn[];
}

export function apiVersionOf(k: { group: string; version: string }): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

type Row = Partial<KindInfo> & Pick<KindInfo, 'group' | 'version' | 'kind' | 'plural' | 'namespaced'>;

function row(r: Row): KindInfo {
  return {
    listKind: `${r.kind}List`,
    singular: r.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    subresources: { status: false },
    builtin: true,
    selectableFields: [],
    printerColumns: [],
    ...r,
  };
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const capi = (r: Omit<Row, 'namespaced'> & { namespaced?: boolean }): KindInfo =>
  row({ namespaced: true, builtin: false, subresources: { status: true }, categories: ['cluster-api'], ...r });

const replicasScale: ScaleSubresource = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.status.selector',
};

export const builtinKinds: readonly KindInfo[] = [
  // core/v1
  row({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: { status: true }, selectableFields: ['.status.phase'] }),
  row({
    group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: { status: true },
    selectableFields: ['.spec.nodeName', '.spec.restartPolicy', '.spec.schedulerName', '.spec.serviceAccountName', '.spec.hostNetwork', '.status.phase', '.status.podIP', '.status.nominatedNodeName'],
  }),
  row({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], subresources: { status: true }, selectableFields: ['.spec.unschedulable'] }),
  row({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] }),
  row({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, selectableFields: ['.type'] }),
  row({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] }),
  row({ group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: { status: true } }),
  row({
    group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'],
    selectableFields: ['.involvedObject.kind', '.involvedObject.namespace', '.involvedObject.name', '.involvedObject.uid', '.involvedObject.apiVersion', '.involvedObject.resourceVersion', '.involvedObject.fieldPath', '.reason', '.reportingComponent', '.source', '.type'],
  }),
  // apiextensions.k8s.io/v1
  row({ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: { status: true } }),
  // events.k8s.io/v1
  row({ group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], selectableFields: ['.reason', '.type', '.regarding.kind', '.regarding.namespace', '.regarding.name', '.regarding.uid'] }),
  // resource.k8s.io (Kubernetes 1.33 versions)
  row({ group: 'resource.k8s.io', version: 'v1beta1', kind: 'ResourceSlice', plural: 'resourceslices', namespaced: false, selectableFields: ['.spec.nodeName', '.spec.driver'] }),
  row({ group: 'resource.k8s.io', version: 'v1beta1', kind: 'ResourceClaim', plural: 'resourceclaims', namespaced: true, subresources: { status: true } }),
  row({ group: 'resource.k8s.io', version: 'v1beta1', kind: 'DeviceClass', plural: 'deviceclasses', namespaced: false }),
  row({ group: 'resource.k8s.io', version: 'v1alpha3', kind: 'DeviceTaintRule', plural: 'devicetaintrules', namespaced: false }),
  // Cluster API v1beta1 (custom resources upstream)
  capi({
    group: 'cluster.x-k8s.io', version: 'v1beta1', kind: 'Cluster', plural: 'clusters', shortNames: ['cl'],
    printerColumns: [
      { name: 'ClusterClass', type: 'string', jsonPath: '.spec.topology.class' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      age,
      { name: 'Version', type: 'string', jsonPath: '.spec.topology.version' },
    ],
  }),
  capi({
    group: 'cluster.x-k8s.io', version: 'v1beta1', kind: 'MachineDeployment', plural: 'machinedeployments', shortNames: ['md'], subresources: { status: true, scale: replicasScale },
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Updated', type: 'integer', jsonPath: '.status.updatedReplicas' },
      { name: 'Unavailable', type: 'integer', jsonPath: '.status.unavailableReplicas' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      age,
      { name: 'Version', type: 'string', jsonPath: '.spec.template.spec.version' },
    ],
  }),
  capi({
    group: 'cluster.x-k8s.io', version: 'v1beta1', kind: 'MachineSet', plural: 'machinesets', shortNames: ['ms'], subresources: { status: true, scale: replicasScale },
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
      age,
      { name: 'Version', type: 'string', jsonPath: '.spec.template.spec.version' },
    ],
  }),
  capi({
    group: 'cluster.x-k8s.io', version: 'v1beta1', kind: 'Machine', plural: 'machines', shortNames: ['ma'],
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName' },
      { name: 'NodeName', type: 'string', jsonPath: '.status.nodeRef.name' },
      { name: 'ProviderID', type: 'string', jsonPath: '.spec.providerID' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      age,
      { name: 'Version', type: 'string', jsonPath: '.spec.version' },
    ],
  }),
  capi({ group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', kind: 'DockerCluster', plural: 'dockerclusters' }),
  capi({ group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', kind: 'DockerMachine', plural: 'dockermachines' }),
  capi({ group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', kind: 'DockerMachineTemplate', plural: 'dockermachinetemplates', subresources: { status: false } }),
  capi({ group: 'bootstrap.cluster.x-k8s.io', version: 'v1beta1', kind: 'KubeadmConfig', plural: 'kubeadmconfigs' }),
  capi({ group: 'bootstrap.cluster.x-k8s.io', version: 'v1beta1', kind: 'KubeadmConfigTemplate', plural: 'kubeadmconfigtemplates', subresources: { status: false } }),
  // Capsule v1beta2 (custom resources upstream)
  row({
    group: 'capsule.clastix.io', version: 'v1beta2', kind: 'Tenant', plural: 'tenants', namespaced: false, shortNames: ['tnt'], builtin: false, subresources: { status: true },
    printerColumns: [
      { name: 'State', type: 'string', jsonPath: '.status.state' },
      { name: 'Namespace quota', type: 'integer', jsonPath: '.spec.namespaceOptions.quota' },
      { name: 'Namespace count', type: 'integer', jsonPath: '.status.size' },
      age,
    ],
  }),
  row({ group: 'capsule.clastix.io', version: 'v1beta2', kind: 'GlobalTenantResource', plural: 'globaltenantresources', namespaced: false, builtin: false, subresources: { status: true } }),
];
