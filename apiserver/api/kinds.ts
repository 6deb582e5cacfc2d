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

/** A subresource beyond status and scale, as discovery lists it (e.g. pods/eviction, serviceaccounts/token). */
export interface ExtraSubresource {
  name: string;
  /** The kind discovery names for it (the options kind of a stream such as pods/exec). */
  kind: { group: string; version: string; kind: string };
  verbs: string[];
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
  subresources: { status: boolean; scale?: ScaleSubresource; extra?: ExtraSubresource[] };
  /** The verbs the resource supports; every storage verb when absent. Create-only kinds (reviews) are not stored. */
  verbs?: string[];
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

/** The verbs of the proxy subresources (pods/proxy, services/proxy, nodes/proxy). */
const proxyVerbs = ['create', 'delete', 'get', 'patch', 'update'];

const replicasScale: ScaleSubresource = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.status.selector',
};

export const builtinKinds: readonly KindInfo[] = [
  // core/v1
  row({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: { status: true, extra: [{ name: 'finalize', kind: { group: '', version: 'v1', kind: 'Namespace' }, verbs: ['update'] }] }, selectableFields: ['.status.phase'] }),
  row({
    group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'],
    subresources: {
      status: true,
      extra: [
        { name: 'attach', kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
        { name: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
        { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
        { name: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
        { name: 'log', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
        { name: 'portforward', kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] },
        { name: 'proxy', kind: { group: '', version: 'v1', kind: 'PodProxyOptions' }, verbs: proxyVerbs },
      ],
    },
    selectableFields: ['.spec.nodeName', '.spec.restartPolicy', '.spec.schedulerName', '.spec.serviceAccountName', '.spec.hostNetwork', '.status.phase', '.status.podIP', '.status.nominatedNodeName'],
  }),
  row({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], subresources: { status: true, extra: [{ name: 'proxy', kind: { group: '', version: 'v1', kind: 'NodeProxyOptions' }, verbs: proxyVerbs }] }, selectableFields: ['.spec.unschedulable'] }),
  row({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] }),
  row({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, selectableFields: ['.type'] }),
  row({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'], subresources: { status: false, extra: [{ name: 'token', kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }] } }),
  row({ group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: { status: true, extra: [{ name: 'proxy', kind: { group: '', version: 'v1', kind: 'ServiceProxyOptions' }, verbs: proxyVerbs }] } }),
  row({ group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: { status: true } }),
  row({ group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], subresources: { status: true } }),
  row({ group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], subresources: { status: true } }),
  row({ group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] }),
  row({ group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], categories: ['all'], subresources: { status: true, scale: replicasScale }, selectableFields: ['.status.replicas'] }),
  row({ group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'], singular: 'endpoints' }),
  row({ group: '', version: 'v1', kind: 'PodTemplate', plural: 'podtemplates', namespaced: true }),
  row({
    group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'],
    selectableFields: ['.involvedObject.kind', '.involvedObject.namespace', '.involvedObject.name', '.involvedObject.uid', '.involvedObject.apiVersion', '.involvedObject.resourceVersion', '.involvedObject.fieldPath', '.reason', '.reportingComponent', '.source', '.type'],
  }),
  // apps/v1
  row({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: { status: true, scale: replicasScale } }),
  row({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: { status: true, scale: replicasScale }, selectableFields: ['.status.replicas'] }),
  row({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: { status: true, scale: replicasScale } }),
  row({ group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: { status: true } }),
  row({ group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true }),
  // batch/v1
  row({ group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], subresources: { status: true }, selectableFields: ['.status.successful'] }),
  row({ group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: { status: true } }),
  // rbac.authorization.k8s.io/v1
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false }),
  // policy/v1, scheduling.k8s.io/v1
  row({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], subresources: { status: true } }),
  row({ group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'] }),
  // networking.k8s.io/v1
  row({ group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: { status: true } }),
  row({ group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false }),
  row({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'] }),
  // storage.k8s.io/v1, coordination.k8s.io/v1, discovery.k8s.io/v1
  row({ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, shortNames: ['sc'] }),
  row({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true }),
  row({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true }),
  // apiregistration.k8s.io/v1 (kube-aggregator)
  row({ group: 'apiregistration.k8s.io', version: 'v1', kind: 'APIService', plural: 'apiservices', namespaced: false, categories: ['api-extensions'], subresources: { status: true } }),
  // Reviews: created and answered at once, never stored.
  row({ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create'] }),
  row({ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, verbs: ['create'] }),
  row({ group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, verbs: ['create'] }),
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
