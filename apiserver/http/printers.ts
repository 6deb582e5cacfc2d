// Server-side printers of the workload, RBAC, policy, scheduling, networking, storage, coordination and
// apiregistration kinds (pkg/printers/internalversion/printers.go; kube-aggregator's APIService table).
// table.ts hands in its column and time helpers, so this module depends on nothing at load time.
import type { TableColumnDefinition, TableRowCondition } from './table.ts';
import type { KubeObject } from '../machinery/object.ts';

type J = Record<string, unknown>;

export interface PrinterHelpers {
  nameColumn: TableColumnDefinition;
  ageColumn: TableColumnDefinition;
  /** Human-readable time since an RFC 3339 timestamp (`<unknown>` for none). */
  since(ts: unknown, now: number): string;
  humanDuration(ms: number): string;
  formatLabels(m: unknown): string;
}

export interface PrinterLike {
  readonly columns: readonly TableColumnDefinition[];
  row(o: KubeObject, now: number): { cells: unknown[]; conditions?: TableRowCondition[] };
}

const isMap = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): J => (isMap(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
const orNone = (v: string): string => (v === '' ? '<none>' : v);

function col(name: string, type: string, description: string, priority = 0): TableColumnDefinition {
  return { name, type, format: '', description, priority };
}

/** layoutContainerCells: the containers' names and images, comma-joined. */
function containerCells(template: unknown): [string, string] {
  const containers = arr(obj(obj(template).spec).containers).map(obj);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

/** metav1.FormatLabelSelector: matchLabels then expressions, `<none>` when empty. */
function formatSelector(sel: unknown): string {
  const s = obj(sel);
  const parts = Object.entries(obj(s.matchLabels)).map(([k, v]) => `${k}=${str(v)}`);
  parts.sort();
  for (const e of arr(s.matchExpressions).map(obj)) {
    const values = arr(e.values).map(str);
    const op = str(e.operator);
    if (op === 'In') parts.push(`${str(e.key)} in (${values.join(',')})`);
    else if (op === 'NotIn') parts.push(`${str(e.key)} notin (${values.join(',')})`);
    else if (op === 'Exists') parts.push(str(e.key));
    else if (op === 'DoesNotExist') parts.push(`!${str(e.key)}`);
  }
  return orNone(parts.join(','));
}

const containersCol = col('Containers', 'string', 'Names of each container in the template.', 1);
const imagesCol = col('Images', 'string', 'Images referenced by each container in the template.', 1);
const selectorCol = col('Selector', 'string', 'Label selector for pods.', 1);

function condition(o: KubeObject, type: string): J | undefined {
  return arr(obj(o.status).conditions).map(obj).find((c) => c.type === type);
}

/** printJob's status column (1.30+). */
function jobStatus(job: KubeObject): string {
  const is = (t: string): boolean => condition(job, t)?.status === 'True';
  if (is('Failed')) return 'Failed';
  if (is('Complete')) return 'Complete';
  if (is('Suspended')) return 'Suspended';
  if (is('FailureTarget')) return 'FailureTarget';
  if (is('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  return 'Running';
}

function ts(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

export function extraPrinters(h: PrinterHelpers): Record<string, PrinterLike> {
  const { nameColumn, ageColumn } = h;
  const name = (o: KubeObject): string => str(o.metadata.name);
  const age = (o: KubeObject, now: number): string => h.since(o.metadata.creationTimestamp, now);
  const createdAt = col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
  const replicated = (legacy: boolean): PrinterLike => ({
    columns: [nameColumn, col('Desired', 'integer', 'Number of desired pods.'), col('Current', 'integer', 'Number of actual replicas.'), col('Ready', 'integer', 'Number of ready replicas.'), ageColumn, containersCol, imagesCol, selectorCol],
    row: (o, now) => {
      const spec = obj(o.spec);
      const status = obj(o.status);
      const [c, i] = containerCells(spec.template);
      return { cells: [name(o), int(spec.replicas), int(status.replicas), int(status.readyReplicas), age(o, now), c, i, legacy ? h.formatLabels(spec.selector) : formatSelector(spec.selector)] };
    },
  });
  const binding: PrinterLike = {
    columns: [nameColumn, col('Role', 'string', 'RoleRef references a Role or ClusterRole.'), ageColumn, col('Users', 'string', 'Users in the binding.', 1), col('Groups', 'string', 'Groups in the binding.', 1), col('ServiceAccounts', 'string', 'ServiceAccounts in the binding.', 1)],
    row: (o, now) => {
      const ref = obj(o.roleRef);
      const subjects = arr(o.subjects).map(obj);
      const of = (kind: string): string => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}:${str(s.name)}` : str(s.name))).join(', ');
      return { cells: [name(o), `${str(ref.kind)}/${str(ref.name)}`, age(o, now), of('User'), of('Group'), of('ServiceAccount')] };
    },
  };
  const createdOnly: PrinterLike = { columns: [nameColumn, createdAt], row: (o) => ({ cells: [name(o), str(o.metadata.creationTimestamp)] }) };
  return {
    'apps/Deployment': {
      columns: [nameColumn, col('Ready', 'string', 'Number of the pod with ready state'), col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'), col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), ageColumn, containersCol, imagesCol, selectorCol],
      row: (o, now) => {
        const spec = obj(o.spec);
        const status = obj(o.status);
        const [c, i] = containerCells(spec.template);
        return { cells: [name(o), `${int(status.readyReplicas)}/${int(spec.replicas)}`, int(status.updatedReplicas), int(status.availableReplicas), age(o, now), c, i, formatSelector(spec.selector)] };
      },
    },
    'apps/ReplicaSet': replicated(false),
    '/ReplicationController': replicated(true),
    'apps/StatefulSet': {
      columns: [nameColumn, col('Ready', 'string', 'Number of the pod with ready state'), ageColumn, containersCol, imagesCol],
      row: (o, now) => {
        const spec = obj(o.spec);
        const [c, i] = containerCells(spec.template);
        return { cells: [name(o), `${int(obj(o.status).readyReplicas)}/${int(spec.replicas)}`, age(o, now), c, i] };
      },
    },
    'apps/DaemonSet': {
      columns: [nameColumn, col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'), col('Current', 'integer', 'The number of nodes running at least one daemon pod.'), col('Ready', 'integer', 'The number of nodes with a ready daemon pod.'), col('Up-to-date', 'integer', 'The number of nodes running the updated daemon pod.'), col('Available', 'integer', 'The number of nodes with an available daemon pod.'), col('Node Selector', 'string', 'NodeSelector of the pod template.'), ageColumn, containersCol, imagesCol, selectorCol],
      row: (o, now) => {
        const spec = obj(o.spec);
        const status = obj(o.status);
        const [c, i] = containerCells(spec.template);
        return { cells: [name(o), int(status.desiredNumberScheduled), int(status.currentNumberScheduled), int(status.numberReady), int(status.updatedNumberScheduled), int(status.numberAvailable), h.formatLabels(obj(obj(spec.template).spec).nodeSelector), age(o, now), c, i, formatSelector(spec.selector)] };
      },
    },
    'apps/ControllerRevision': {
      columns: [nameColumn, col('Controller', 'string', 'Controller of the object.'), col('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'), ageColumn],
      row: (o, now) => {
        const owner = arr(o.metadata.ownerReferences).map(obj).find((r) => r.controller === true);
        const group = owner ? str(owner.apiVersion).split('/').slice(0, -1).join('/') : '';
        return { cells: [name(o), owner ? `${str(owner.kind).toLowerCase()}${group ? `.${group}` : ''}/${str(owner.name)}` : '<none>', int(o.revision), age(o, now)] };
      },
    },
    'batch/Job': {
      columns: [nameColumn, col('Status', 'string', 'Status of the job.'), col('Completions', 'string', 'The completion status of the job.'), col('Duration', 'string', 'Time required to complete the job.'), ageColumn, containersCol, imagesCol, selectorCol],
      row: (o, now) => {
        const spec = obj(o.spec);
        const status = obj(o.status);
        const completions = spec.completions === undefined || spec.completions === null ? `${int(status.succeeded)}/1 of ${int(spec.parallelism)}` : `${int(status.succeeded)}/${int(spec.completions)}`;
        const start = ts(status.startTime);
        const end = ts(status.completionTime);
        const duration = start === undefined ? '' : h.humanDuration((end ?? now) - start);
        const [c, i] = containerCells(spec.template);
        return { cells: [name(o), jobStatus(o), completions, duration, age(o, now), c, i, formatSelector(spec.selector)] };
      },
    },
    'batch/CronJob': {
      columns: [nameColumn, col('Schedule', 'string', 'The schedule in Cron format.'), col('Timezone', 'string', 'The time zone name for the given schedule.'), col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'), col('Active', 'integer', 'A list of pointers to currently running jobs.'), col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'), ageColumn, containersCol, imagesCol, selectorCol],
      row: (o, now) => {
        const spec = obj(o.spec);
        const status = obj(o.status);
        const jobSpec = obj(obj(spec.jobTemplate).spec);
        const last = status.lastScheduleTime;
        const [c, i] = containerCells(jobSpec.template);
        return { cells: [name(o), str(spec.schedule), orNone(str(spec.timeZone)), spec.suspend === true ? 'True' : 'False', arr(status.active).length, last ? h.since(last, now) : '<none>', age(o, now), c, i, formatSelector(jobSpec.selector)] };
      },
    },
    'rbac.authorization.k8s.io/Role': createdOnly,
    'rbac.authorization.k8s.io/ClusterRole': createdOnly,
    'rbac.authorization.k8s.io/RoleBinding': binding,
    'rbac.authorization.k8s.io/ClusterRoleBinding': binding,
    '/LimitRange': createdOnly,
    '/ResourceQuota': {
      columns: [nameColumn, ageColumn, col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'), col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
      row: (o, now) => {
        const hard = obj(obj(o.status).hard);
        const used = obj(obj(o.status).used);
        const request: string[] = [];
        const limit: string[] = [];
        for (const k of Object.keys(hard).sort()) {
          const cell = `${k}: ${str(used[k]) || '0'}/${str(hard[k])}`;
          if (k.startsWith('limits.')) limit.push(cell);
          else request.push(cell);
        }
        return { cells: [name(o), age(o, now), request.join(', '), limit.join(', ')] };
      },
    },
    'policy/PodDisruptionBudget': {
      columns: [nameColumn, col('Min Available', 'string', 'The minimum number of pods that must be available simultaneously.'), col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable simultaneously.'), col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at the moment.'), ageColumn],
      row: (o, now) => {
        const spec = obj(o.spec);
        const v = (x: unknown): string => (x === undefined || x === null ? 'N/A' : String(x));
        return { cells: [name(o), v(spec.minAvailable), v(spec.maxUnavailable), int(obj(o.status).disruptionsAllowed), age(o, now)] };
      },
    },
    'scheduling.k8s.io/PriorityClass': {
      columns: [nameColumn, col('Value', 'integer', 'The integer value of this priority class.'), col('Global-Default', 'boolean', 'Whether this priority class should be considered as the default priority.'), ageColumn, col('PreemptionPolicy', 'string', 'The policy for preempting pods with lower priority.')],
      row: (o, now) => ({ cells: [name(o), int(o.value), o.globalDefault === true, age(o, now), str(o.preemptionPolicy)] }),
    },
    'networking.k8s.io/Ingress': {
      columns: [nameColumn, col('Class', 'string', 'The name of the IngressClass resource.'), col('Hosts', 'string', 'Hosts that incoming requests are matched against.'), col('Address', 'string', 'Address is a list containing ingress points for the load-balancer.'), col('Ports', 'string', 'Ports of TLS configurations that open.'), ageColumn],
      row: (o, now) => {
        const spec = obj(o.spec);
        const hosts = arr(spec.rules).map(obj).map((r) => str(r.host)).filter((x) => x !== '');
        const address = arr(obj(obj(o.status).loadBalancer).ingress).map(obj).map((i) => str(i.ip) || str(i.hostname)).filter((x) => x !== '');
        return { cells: [name(o), orNone(str(spec.ingressClassName)), hosts.length > 0 ? hosts.join(',') : '*', address.join(','), arr(spec.tls).length > 0 ? '80, 443' : '80', age(o, now)] };
      },
    },
    'networking.k8s.io/IngressClass': {
      columns: [nameColumn, col('Controller', 'string', 'Controller that is responsible for handling this class.'), col('Parameters', 'string', 'A reference to a resource with additional parameters.'), ageColumn],
      row: (o, now) => {
        const spec = obj(o.spec);
        const p = isMap(spec.parameters) ? spec.parameters : undefined;
        return { cells: [name(o), str(spec.controller), p ? `${str(p.kind)}.${str(p.apiGroup)}/${str(p.name)}` : '<none>', age(o, now)] };
      },
    },
    'networking.k8s.io/NetworkPolicy': {
      columns: [nameColumn, col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), ageColumn],
      row: (o, now) => ({ cells: [name(o), formatSelector(obj(o.spec).podSelector).replace('<none>', '<none>'), age(o, now)] }),
    },
    'storage.k8s.io/StorageClass': {
      columns: [nameColumn, col('Provisioner', 'string', 'Indicates the type of the provisioner.'), col('ReclaimPolicy', 'string', 'Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy.'), col('VolumeBindingMode', 'string', 'VolumeBindingMode indicates how PersistentVolumeClaims should be bound.'), col('AllowVolumeExpansion', 'string', 'AllowVolumeExpansion shows whether the storage class allow volume expand.'), ageColumn],
      row: (o, now) => {
        const isDefault = obj(o.metadata.annotations)['storageclass.kubernetes.io/is-default-class'] === 'true';
        return { cells: [`${name(o)}${isDefault ? ' (default)' : ''}`, str(o.provisioner), str(o.reclaimPolicy) || 'Delete', str(o.volumeBindingMode) || 'Immediate', o.allowVolumeExpansion === true ? 'true' : 'false', age(o, now)] };
      },
    },
    'coordination.k8s.io/Lease': {
      columns: [nameColumn, col('Holder', 'string', 'The holder of the lease.'), ageColumn],
      row: (o, now) => ({ cells: [name(o), str(obj(o.spec).holderIdentity), age(o, now)] }),
    },
    'discovery.k8s.io/EndpointSlice': {
      columns: [nameColumn, col('AddressType', 'string', 'The type of address carried by this EndpointSlice.'), col('Ports', 'string', 'Ports allowed by this EndpointSlice.'), col('Endpoints', 'string', 'Endpoints of this EndpointSlice.'), ageColumn],
      row: (o, now) => {
        const ports = arr(o.ports).map(obj).map((p) => String(int(p.port)));
        const addrs = arr(o.endpoints).flatMap((e) => arr(obj(e).addresses).map(str));
        const shown = addrs.slice(0, 3).join(',') + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : '');
        return { cells: [name(o), str(o.addressType), ports.length > 0 ? ports.join(',') : '<unset>', addrs.length > 0 ? shown : '<unset>', age(o, now)] };
      },
    },
    'apiregistration.k8s.io/APIService': {
      columns: [nameColumn, col('Service', 'string', 'The reference to the service that hosts this API endpoint.'), col('Available', 'string', 'Whether this service is available.'), ageColumn],
      row: (o, now) => {
        const svc = obj(o.spec).service;
        const avail = condition(o, 'Available');
        // Local APIServices (served by kube-apiserver itself) are always available.
        const available = avail ? (avail.status === 'True' ? 'True' : `${str(avail.status)} (${str(avail.reason)})`) : isMap(svc) ? 'Unknown' : 'True';
        return { cells: [name(o), isMap(svc) ? `${str(svc.namespace)}/${str(svc.name)}` : 'Local', available, age(o, now)] };
      },
    },
  };
}
