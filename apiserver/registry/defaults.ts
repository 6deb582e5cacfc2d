// Upstream defaulting of the built-in kinds clients depend on, as pure functions on the JSON object:
// pkg/apis/core/v1/defaults.go (pods, containers, probes, volumes, services), pkg/apis/apps/v1/defaults.go,
// pkg/apis/batch/v1/defaults.go, pkg/apis/policy, scheduling and networking defaults, and the admission
// plugins every cluster runs on pods (ServiceAccount, Priority, DefaultTolerationSeconds).
import { isObject } from '../machinery/object.ts';

type J = Record<string, unknown>;

const objAt = (o: J, k: string): J => {
  const v = o[k];
  if (isObject(v)) return v;
  const fresh: J = {};
  o[k] = fresh;
  return fresh;
};
const list = (v: unknown): J[] => (Array.isArray(v) ? v.filter(isObject) : []);
const setDefault = (o: J, k: string, v: unknown): void => {
  if (o[k] === undefined || o[k] === null) o[k] = v;
};

/** SetDefaults_Container's imagePullPolicy: Always for `:latest` or no tag, IfNotPresent otherwise (digests too). */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  const tag = tagAt < 0 ? '' : image.slice(tagAt + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isObject(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  if (isObject(p.httpGet)) setDefault(p.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(c: J): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  if (typeof c.image === 'string') setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(c, 'resources', {});
  for (const port of list(c.ports)) setDefault(port, 'protocol', 'TCP');
  for (const e of list(c.env)) {
    const ref = isObject(e.valueFrom) ? e.valueFrom.fieldRef : undefined;
    if (isObject(ref)) setDefault(ref, 'apiVersion', 'v1');
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: J): void {
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) if (isObject(v[k])) setDefault(v[k], 'defaultMode', 420);
  if (isObject(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObject(v.iscsi)) setDefault(v.iscsi, 'iscsiInterface', 'default');
}

/** SetDefaults_PodSpec (also on every pod template). */
export function defaultPodSpec(spec: J): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const c of [...list(spec.containers), ...list(spec.initContainers), ...list(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
}

const defaultTolerationSeconds = 300;

/** SetDefaults_Pod and the admission plugins that change every pod: ServiceAccount, Priority, DefaultTolerationSeconds. */
export function defaultPod(pod: J): void {
  const spec = objAt(pod, 'spec');
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  if (typeof spec.serviceAccountName !== 'string' || spec.serviceAccountName === '') spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : 'default';
  spec.serviceAccount = spec.serviceAccountName;
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const tolerations = list(spec.tolerations);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const has = tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'));
    if (!has) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds });
  }
  spec.tolerations = tolerations;
}

function defaultTemplate(template: unknown): void {
  if (!isObject(template)) return;
  const meta = objAt(template, 'metadata');
  setDefault(meta, 'creationTimestamp', null);
  defaultPodSpec(objAt(template, 'spec'));
}

/** apps/v1 SetDefaults_Deployment. */
export function defaultDeployment(d: J): void {
  const spec = objAt(d, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = objAt(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = objAt(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec.template);
}

/** apps/v1 SetDefaults_ReplicaSet; core/v1 SetDefaults_ReplicationController also takes selector and labels from the template. */
export function defaultReplicaSet(rs: J, legacy = false): void {
  const spec = objAt(rs, 'spec');
  setDefault(spec, 'replicas', 1);
  if (legacy && isObject(spec.template)) {
    const labels = isObject(spec.template.metadata) ? spec.template.metadata.labels : undefined;
    if (isObject(labels)) {
      if (!isObject(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
      const meta = objAt(rs, 'metadata');
      if (!isObject(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = { ...labels };
    }
  }
  defaultTemplate(spec.template);
}

/** apps/v1 SetDefaults_StatefulSet. */
export function defaultStatefulSet(s: J): void {
  const spec = objAt(s, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const us = objAt(spec, 'updateStrategy');
  setDefault(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') setDefault(objAt(us, 'rollingUpdate'), 'partition', 0);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = objAt(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  for (const pvc of list(spec.volumeClaimTemplates)) {
    setDefault(objAt(pvc, 'spec'), 'volumeMode', 'Filesystem');
    setDefault(pvc, 'status', { phase: 'Pending' });
  }
  defaultTemplate(spec.template);
}

/** apps/v1 SetDefaults_DaemonSet. */
export function defaultDaemonSet(ds: J): void {
  const spec = objAt(ds, 'spec');
  const us = objAt(spec, 'updateStrategy');
  setDefault(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = objAt(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultTemplate(spec.template);
}

/** batch/v1 SetDefaults_Job. */
export function defaultJob(job: J): void {
  const spec = objAt(job, 'spec');
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  if (spec.podFailurePolicy === undefined) setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultTemplate(spec.template);
}

/** batch/v1 SetDefaults_CronJob; the job template's pod template gets the pod spec defaults. */
export function defaultCronJob(cj: J): void {
  const spec = objAt(cj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jt = objAt(spec, 'jobTemplate');
  setDefault(objAt(jt, 'metadata'), 'creationTimestamp', null);
  defaultTemplate(objAt(jt, 'spec').template);
}

/** core/v1 SetDefaults_Service and SetDefaults_ServicePort, less the allocated clusterIP and node ports. */
export function defaultService(svc: J): void {
  const spec = objAt(svc, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') setDefault(objAt(objAt(spec, 'sessionAffinityConfig'), 'clientIP'), 'timeoutSeconds', 10800);
  for (const p of list(spec.ports)) {
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
}

/** policy/v1: unhealthyPodEvictionPolicy has no default; scheduling/v1 SetDefaults_PriorityClass. */
export function defaultPriorityClass(pc: J): void {
  setDefault(pc, 'preemptionPolicy', 'PreemptLowerPriority');
}

/** core/v1 SetDefaults_PersistentVolumeClaim and SetDefaults_PersistentVolume. */
export function defaultVolumeClaim(pvc: J): void {
  setDefault(objAt(pvc, 'spec'), 'volumeMode', 'Filesystem');
}

export function defaultPersistentVolume(pv: J): void {
  const spec = objAt(pv, 'spec');
  setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
}

/** storage/v1 SetDefaults_StorageClass. */
export function defaultStorageClass(sc: J): void {
  setDefault(sc, 'reclaimPolicy', 'Delete');
  setDefault(sc, 'volumeBindingMode', 'Immediate');
}

/** networking/v1 SetDefaults_NetworkPolicy: no policyTypes means Ingress, plus Egress when egress rules exist. */
export function defaultNetworkPolicy(np: J): void {
  const spec = objAt(np, 'spec');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const rule of [...list(spec.ingress), ...list(spec.egress)]) for (const p of list(rule.ports)) setDefault(p, 'protocol', 'TCP');
}

/** discovery/v1 EndpointSlice ports and core/v1 Endpoints ports default to TCP. */
export function defaultEndpoints(ep: J): void {
  for (const s of list(ep.subsets)) for (const p of list(s.ports)) setDefault(p, 'protocol', 'TCP');
  for (const p of list(ep.ports)) setDefault(p, 'protocol', 'TCP');
}

/** core/v1 SetDefaults_LimitRangeItem: a missing default limit or request takes the max or the default limit. */
export function defaultLimitRange(lr: J): void {
  for (const item of list(objAt(lr, 'spec').limits)) {
    if (item.type !== 'Container') continue;
    const max = isObject(item.max) ? item.max : {};
    const def = objAt(item, 'default');
    for (const [k, v] of Object.entries(max)) setDefault(def, k, v);
    const req = objAt(item, 'defaultRequest');
    for (const [k, v] of Object.entries(def)) setDefault(req, k, v);
    if (Object.keys(def).length === 0) delete item.default;
    if (Object.keys(req).length === 0) delete item.defaultRequest;
  }
}

/** The status a new object starts with, as each strategy's PrepareForCreate leaves it (Go zero structs, non-omitempty fields). */
export const initialStatus: Readonly<Record<string, () => J>> = {
  'apps/Deployment': () => ({}),
  'apps/ReplicaSet': () => ({ replicas: 0 }),
  'apps/StatefulSet': () => ({ replicas: 0, availableReplicas: 0 }),
  'apps/DaemonSet': () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
  'batch/Job': () => ({}),
  'batch/CronJob': () => ({}),
  '/ReplicationController': () => ({ replicas: 0 }),
  '/Service': () => ({ loadBalancer: {} }),
  '/PersistentVolumeClaim': () => ({ phase: 'Pending' }),
  '/PersistentVolume': () => ({ phase: 'Pending' }),
  '/ResourceQuota': () => ({}),
  'policy/PodDisruptionBudget': () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
  'networking.k8s.io/Ingress': () => ({ loadBalancer: {} }),
  'apiregistration.k8s.io/APIService': () => ({}),
};
