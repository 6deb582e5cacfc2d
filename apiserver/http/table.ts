// Server-side Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), as kube-apiserver 1.33 builds it:
// - negotiation: apiserver pkg/endpoints/handlers/negotiation/negotiate.go (goautoneg clause order, as/g/v params,
//   RequestScope.AllowsMediaTypeTransform: Tables only as json or yaml);
// - the reply: apiserver pkg/endpoints/handlers/response.go asTable (includeObject None/Metadata/Object,
//   PartialObjectMetadata), optionsForTransform (400 for a bad includeObject), watchEmbeddedEncoder (columns on the first
//   watch event only);
// - built-in kinds: kubernetes pkg/printers/internalversion/printers.go, served by printers/storage with Wide: true,
//   so every column (priority 0 and 1) is always present and kubectl hides priority > 0 unless `-o wide`;
// - custom resources: apiextensions-apiserver pkg/registry/customresource/tableconvertor (Name, then the CRD's
//   additionalPrinterColumns, evaluated with client-go util/jsonpath; a missing value is a null cell), with the CRD
//   default of a single Age column when there are none (apiextensions helpers.go serveDefaultColumnsIfEmpty);
// - ages: apimachinery pkg/util/duration HumanDuration.
// Pure functions: no express, no clock reads (`now` is passed in).
import { apiVersionOf, type KindInfo, type PrinterColumn } from '../api/kinds.ts';
import { badRequest } from '../machinery/errors.ts';
import type { KubeObject } from '../machinery/object.ts';
import type { WatchItem } from '../storage/interface.ts';
import type { WatchEncoder } from './watch.ts';
import { extraPrinters } from './printers.ts';

// ---------------------------------------------------------------------------------------------------------------------
// Wire types (apimachinery pkg/apis/meta/v1/types.go Table, TableColumnDefinition, TableRow, TableRowCondition)

export type TableVersion = 'v1' | 'v1beta1';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata (Metadata), the object (Object) or null (None: an empty RawExtension marshals as null). */
  object: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** null on every watch event after the first (TableOptions.NoHeaders). */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

// ---------------------------------------------------------------------------------------------------------------------
// Accept negotiation

interface AcceptClause {
  type: string;
  subType: string;
  q: number;
  params: Map<string, string>;
}

/** github.com/munnerz/goautoneg ParseAccept (the version kube-apiserver vendors): no lower-casing, no unquoting. */
function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  for (const rawPart of header.split(',')) {
    const part = rawPart.replace(/^ +| +$/g, '');
    const mrp = part.split(';');
    const sp = (mrp[0] ?? '').split('/');
    const type = (sp[0] ?? '').replace(/^ +| +$/g, '');
    let subType: string;
    if (sp.length === 1 && type === '*') subType = '*';
    else if (sp.length === 2) subType = (sp[1] ?? '').replace(/^ +| +$/g, '');
    else continue;
    const clause: AcceptClause = { type, subType, q: 1, params: new Map() };
    for (const param of mrp.slice(1)) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const token = param.slice(0, eq).replace(/^ +| +$/g, '');
      const value = param.slice(eq + 1);
      if (token === 'q') {
        const q = Number.parseFloat(value);
        clause.q = Number.isNaN(q) ? 0 : q;
      } else {
        clause.params.set(token, value.replace(/^ +| +$/g, ''));
      }
    }
    out.push(clause);
  }
  // sort.Sort with goautoneg's Less; Go sorts short slices (<= 12) by insertion sort, which this reproduces.
  const less = (a: AcceptClause, b: AcceptClause): boolean =>
    a.q > b.q || (a.type !== '*' && b.type === '*') || (a.subType !== '*' && b.subType === '*');
  for (let i = 1; i < out.length; i++) {
    for (let j = i; j > 0 && less(out[j] as AcceptClause, out[j - 1] as AcceptClause); j--) {
      [out[j], out[j - 1]] = [out[j - 1] as AcceptClause, out[j] as AcceptClause];
    }
  }
  return out;
}

/** The serializers kube-apiserver offers, in its order; only the first two can carry a Table. */
const serializers: readonly { type: string; subType: string; stream: boolean }[] = [
  { type: 'application', subType: 'json', stream: true },
  { type: 'application', subType: 'yaml', stream: false },
  { type: 'application', subType: 'vnd.kubernetes.protobuf', stream: true },
];

/**
 * Whether the negotiated reply is a JSON Table, and in which meta.k8s.io version. Clauses are tried in goautoneg order
 * (q, then concrete before wildcard, otherwise Accept order); the first clause a serializer can honour wins, so
 * `application/json;as=Table;v=v1;g=meta.k8s.io,application/json` is a Table and `application/json,...;as=Table...`
 * is not. A YAML Table (which the real server would send) is not offered here: the answer is then undefined.
 */
export function wantsTable(accept: string | undefined): { version: TableVersion } | undefined {
  const t = wantsTransform(accept);
  return t?.as === 'Table' ? { version: t.version } : undefined;
}

/** A transformed reply the Accept header asks for: a Table, or metadata only (PartialObjectMetadata, meta.k8s.io/v1). */
export type Transform = { as: 'Table'; version: TableVersion } | { as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'; version: 'v1' };

/** The negotiation of wantsTable for every transform kube-apiserver offers (handlers/response.go transformObject). */
export function wantsTransform(accept: string | undefined): Transform | undefined {
  if (accept === undefined || accept === '') return undefined;
  for (const clause of parseAccept(accept)) {
    for (const s of serializers) {
      const matches =
        (clause.type === s.type && (clause.subType === s.subType || clause.subType === '*')) ||
        (clause.type === '*' && clause.subType === '*');
      if (!matches) continue;
      // acceptMediaTypeOptions
      let convert: { kind: string; group: string; version: string } | undefined;
      let ok = true;
      for (const [k, v] of clause.params) {
        if (k === 'as' || k === 'g' || k === 'v') {
          convert ??= { kind: '', group: '', version: '' };
          if (k === 'as') convert.kind = v;
          else if (k === 'g') convert.group = v;
          else convert.version = v;
        } else if (k === 'stream') {
          if (v !== '' && (!s.stream || v !== 'watch')) ok = false;
        } else if (k === 'sv') {
          if (v !== '' && v !== 'v1') ok = false; // RequestScope.AllowsServerVersion: the meta group version
        }
      }
      if (!ok) continue;
      if (convert === undefined) return undefined; // a plain representation wins
      // RequestScope.AllowsMediaTypeTransform
      const metaVersion = convert.group === 'meta.k8s.io' && (convert.version === 'v1' || convert.version === 'v1beta1');
      if (!metaVersion) continue;
      if (convert.kind === 'Table') {
        if (s.subType === 'json') return { as: 'Table', version: convert.version as TableVersion };
        if (s.subType === 'yaml') return undefined;
        continue;
      }
      if ((convert.kind === 'PartialObjectMetadata' || convert.kind === 'PartialObjectMetadataList') && convert.version === 'v1') {
        // Only JSON is written here; a protobuf clause gives way to the JSON one after it (client-go's metadata client sends both).
        if (s.subType === 'json') return { as: convert.kind, version: 'v1' };
        continue;
      }
    }
  }
  return undefined;
}

/**
 * The Content-Type of a Table reply. kube-apiserver writes transformed objects with WriteObjectNegotiated(...,
 * listGVKInContentType=false) (handlers/response.go), so the header is the serializer's plain media type, not
 * `application/json;as=Table;v=v1;g=meta.k8s.io`; clients read `kind: Table` from the body.
 */
export function tableContentType(_version: TableVersion = 'v1'): string {
  return 'application/json';
}

// ---------------------------------------------------------------------------------------------------------------------
// includeObject (metav1.TableOptions; apimachinery meta/v1beta1/validation ValidateTableOptions)

/** The first `includeObject` value; '' or absent means Metadata. Throws a 400 as optionsForTransform does. */
export function parseIncludeObject(raw: string | null | undefined): IncludeObject {
  if (raw === null || raw === undefined || raw === '' || raw === 'Metadata') return 'Metadata';
  if (raw === 'None' || raw === 'Object') return raw;
  throw badRequest(
    `Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(raw)}: must be 'Metadata', 'Object', 'None', or empty`,
  );
}

/** parseIncludeObject on a request's query. Only Table requests validate it; other replies ignore the parameter. */
export function includeObjectFrom(query: URLSearchParams): IncludeObject {
  return parseIncludeObject(query.get('includeObject'));
}

// ---------------------------------------------------------------------------------------------------------------------
// Durations and times

/** apimachinery duration.HumanDuration for a duration in milliseconds: `5s`, `3m2s`, `10m`, `2h5m`, `3d4h`, `2y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

const goZeroTime = -62_135_596_800_000; // 0001-01-01T00:00:00Z, Go's zero time.Time
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A metav1.Time / MicroTime: undefined is Go's zero time (absent, null, or 0001-01-01T00:00:00Z). */
function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t) || t === goZeroTime) return undefined;
  return t;
}

/** printers.go translateTimestampSince / translateMicroTimestampSince; meta/table ConvertToHumanReadableDateType. */
function since(t: number | undefined, now: number): string {
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

// ---------------------------------------------------------------------------------------------------------------------
// Column descriptions (SwaggerDoc() of the k8s.io/api and apimachinery v0.33 types printers.go cites)

const doc = {
  metaName:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  metaCreationTimestamp:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  podStatusPodIP: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
  podSpecNodeName:
    'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
  podStatusNominatedNodeName:
    'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
  podSpecReadinessGates:
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
  serviceSpecType:
    'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  serviceSpecClusterIP:
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  serviceSpecExternalIPs:
    'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
  serviceSpecPorts:
    'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  serviceSpecSelector:
    'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
  nodeSystemInfoKubeletVersion: 'Kubelet Version reported by the node.',
  nodeStatusAddresses:
    "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
  nodeSystemInfoOsImage: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
  nodeSystemInfoKernelVersion: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
  nodeSystemInfoContainerRuntimeVersion:
    'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
  eventLastTimestamp: 'The time at which the most recent occurrence of this event was recorded.',
  eventType: 'Type of this event (Normal, Warning), new types could be added in the future',
  eventReason:
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  eventInvolvedObject: 'The object that this event is about.',
  objectReferenceFieldPath:
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
  eventSource: 'The component reporting this event. Should be a short machine understandable string.',
  eventMessage: 'A human-readable description of the status of this operation.',
  eventFirstTimestamp: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
  eventCount: 'The number of times this event has occurred.',
  secretType:
    'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
  secretData:
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
  serviceAccountSecrets:
    'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
  configMapData:
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
  resourceSliceSpecNodeName:
    'NodeName identifies the node which provides the resources in this pool. A field selector can be used to list only ResourceSlice objects belonging to a certain node.\n\nThis field can be used to limit access from nodes to ResourceSlices with the same node name. It also indicates to autoscalers that adding new nodes of the same type as some old node might also make new resources available.\n\nExactly one of NodeName, NodeSelector, AllNodes, and PerDeviceNodeSelection must be set. This field is immutable.',
  resourceSliceSpecDriver:
    'Driver identifies the DRA driver providing the capacity information. A field selector can be used to list only ResourceSlice objects with a certain driver name.\n\nMust be a DNS subdomain and should end with a DNS domain owned by the vendor of the driver. This field is immutable.',
  resourcePoolName:
    'Name is used to identify the pool. For node-local devices, this is often the node name, but this is not required.\n\nIt must not be longer than 253 characters and must consist of one or more DNS sub-domains separated by slashes. This field is immutable.',
  deviceTaintKey: 'The taint key to be applied to a device. Must be a label name.',
  deviceTaintValue: 'The taint value corresponding to the taint key. Must be a label value.',
  deviceTaintEffect:
    'The effect of the taint on claims that do not tolerate the taint and through such claims on the pods using them. Valid effects are NoSchedule and NoExecute. PreferNoSchedule as used for nodes is not valid here.',
  deviceTaintTimeAdded: 'TimeAdded represents the time at which the taint was added. Added automatically during create or update if not set.',
} as const;

function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const nameColumn = col('Name', 'string', doc.metaName, 0, 'name');
const ageColumn = col('Age', 'string', doc.metaCreationTimestamp);

// ---------------------------------------------------------------------------------------------------------------------
// Small accessors over decoded JSON (a missing field reads as Go's zero value)

type J = Record<string, unknown>;
const isMap = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): J => (isMap(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
const keyCount = (v: unknown): number => (isMap(v) ? Object.keys(v).length : 0);
const orNone = (v: string): string => (v === '' ? '<none>' : v);

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
function formatLabels(m: unknown): string {
  const pairs = Object.entries(obj(m)).map(([k, v]) => `${k}=${str(v)}`);
  pairs.sort();
  return orNone(pairs.join(','));
}

// ---------------------------------------------------------------------------------------------------------------------
// Printers for built-in kinds (pkg/printers/internalversion/printers.go)

interface RowOut {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  row(o: KubeObject, now: number): RowOut;
}

const podColumns = [
  nameColumn,
  col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'string', 'The aggregate status of the containers in this pod.'),
  col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  ageColumn,
  col('IP', 'string', doc.podStatusPodIP, 1),
  col('Node', 'string', doc.podSpecNodeName, 1),
  col('Nominated Node', 'string', doc.podStatusNominatedNodeName, 1),
  col('Readiness Gates', 'string', doc.podSpecReadinessGates, 1),
];

const podSucceededConditions: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const podFailedConditions: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

/** podutil.IsRestartableInitContainer. */
function isRestartableInit(c: J | undefined): boolean {
  return c !== undefined && c.restartPolicy === 'Always';
}

/** Keeps the later of two Go times (metav1.Time.Before), undefined being the zero time. */
function later(cur: number | undefined, t: number | undefined): number | undefined {
  return t !== undefined && (cur === undefined || cur < t) ? t : cur;
}

function printPod(pod: KubeObject, now: number): RowOut {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const conditions = arr(status.conditions).map(obj);
  const specInit = arr(spec.initContainers).map(obj);
  let restarts = 0;
  let restartableInitContainerRestarts = 0;
  let totalContainers = arr(spec.containers).length;
  let readyContainers = 0;
  let lastRestartDate: number | undefined;
  let lastRestartableInitContainerRestartDate: number | undefined;

  const podPhase = str(status.phase);
  let reason = podPhase;
  if (str(status.reason) !== '') reason = str(status.reason);
  for (const c of conditions) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const out: RowOut = { cells: [] };
  if (podPhase === 'Succeeded') out.conditions = podSucceededConditions;
  else if (podPhase === 'Failed') out.conditions = podFailedConditions;

  const initContainers = new Map<string, J>();
  for (const c of specInit) {
    initContainers.set(str(c.name), c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses).map(obj);
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i] as J;
    const state = obj(container.state);
    const terminated = isMap(state.terminated) ? state.terminated : undefined;
    const waiting = isMap(state.waiting) ? state.waiting : undefined;
    const lastTerminated = obj(container.lastState).terminated;
    const restartable = isRestartableInit(initContainers.get(str(container.name)));
    restarts += int(container.restartCount);
    if (isMap(lastTerminated)) lastRestartDate = later(lastRestartDate, timeOf(lastTerminated.finishedAt));
    if (restartable) {
      restartableInitContainerRestarts += int(container.restartCount);
      if (isMap(lastTerminated)) lastRestartableInitContainerRestartDate = later(lastRestartableInitContainerRestartDate, timeOf(lastTerminated.finishedAt));
    }
    if (terminated !== undefined && int(terminated.exitCode) === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready === true) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      if (str(terminated.reason) === '') {
        reason = int(terminated.signal) !== 0 ? `Init:Signal:${int(terminated.signal)}` : `Init:ExitCode:${int(terminated.exitCode)}`;
      } else {
        reason = `Init:${str(terminated.reason)}`;
      }
    } else if (waiting !== undefined && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${specInit.length}`;
    }
    initializing = true;
    break;
  }

  const initializedCondition = conditions.find((c) => c.type === 'Initialized');
  if (!initializing || initializedCondition?.status === 'True') {
    restarts = restartableInitContainerRestarts;
    lastRestartDate = lastRestartableInitContainerRestartDate;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses).map(obj);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] as J;
      const state = obj(container.state);
      const terminated = isMap(state.terminated) ? state.terminated : undefined;
      const waiting = isMap(state.waiting) ? state.waiting : undefined;
      const lastTerminated = obj(container.lastState).terminated;
      restarts += int(container.restartCount);
      if (isMap(lastTerminated)) lastRestartDate = later(lastRestartDate, timeOf(lastTerminated.finishedAt));
      if (waiting !== undefined && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated !== undefined && str(terminated.reason) !== '') {
        reason = str(terminated.reason);
      } else if (terminated !== undefined) {
        reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      } else if (container.ready === true && isMap(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed but another still runs is shown as running.
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && podPhase !== 'Failed' && podPhase !== 'Succeeded') reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestartDate !== undefined) restartsStr = `${restarts} (${since(lastRestartDate, now)} ago)`;

  // v1 → internal conversion: podIP is authoritative, podIPs[0] otherwise.
  const podIP = str(status.podIP) || str(obj(arr(status.podIPs)[0]).ip);
  const readinessGates = arr(spec.readinessGates).map(obj);
  let gates = '<none>';
  if (readinessGates.length > 0) {
    let trueConditions = 0;
    for (const gate of readinessGates) {
      const c = conditions.find((x) => x.type === gate.conditionType);
      if (c?.status === 'True') trueConditions++;
    }
    gates = `${trueConditions}/${readinessGates.length}`;
  }
  out.cells = [
    str(pod.metadata.name),
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsStr,
    since(timeOf(pod.metadata.creationTimestamp), now),
    orNone(podIP),
    orNone(str(spec.nodeName)),
    orNone(str(status.nominatedNodeName)),
    gates,
  ];
  return out;
}

const namespaceColumns = [nameColumn, col('Status', 'string', 'The status of the namespace'), ageColumn];

const nodeColumns = [
  nameColumn,
  col('Status', 'string', 'The status of the node'),
  col('Roles', 'string', 'The roles of the node'),
  ageColumn,
  col('Version', 'string', doc.nodeSystemInfoKubeletVersion),
  col('Internal-IP', 'string', doc.nodeStatusAddresses, 1),
  col('External-IP', 'string', doc.nodeStatusAddresses, 1),
  col('OS-Image', 'string', doc.nodeSystemInfoOsImage, 1),
  col('Kernel-Version', 'string', doc.nodeSystemInfoKernelVersion, 1),
  col('Container-Runtime', 'string', doc.nodeSystemInfoContainerRuntimeVersion, 1),
];

function printNode(node: KubeObject, now: number): RowOut {
  const spec = obj(node.spec);
  const status = obj(node.status);
  const byType = new Map<string, J>();
  for (const c of arr(status.conditions).map(obj)) byType.set(str(c.type), c);
  const conds: string[] = [];
  const ready = byType.get('Ready');
  if (ready !== undefined) conds.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (conds.length === 0) conds.push('Unknown');
  if (spec.unschedulable === true) conds.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(node.metadata.labels))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && str(v) !== '') {
      roles.add(str(v));
    }
  }
  const addresses = arr(status.addresses).map(obj);
  const address = (type: string): string => str(addresses.find((a) => a.type === type)?.address) || '<none>';
  const info = obj(status.nodeInfo);
  const unknown = (v: unknown): string => str(v) || '<unknown>';
  return {
    cells: [
      str(node.metadata.name),
      conds.join(','),
      orNone([...roles].sort().join(',')),
      since(timeOf(node.metadata.creationTimestamp), now),
      str(info.kubeletVersion),
      address('InternalIP'),
      address('ExternalIP'),
      unknown(info.osImage),
      unknown(info.kernelVersion),
      unknown(info.containerRuntimeVersion),
    ],
  };
}

const configMapColumns = [nameColumn, col('Data', 'string', doc.configMapData), ageColumn];
const secretColumns = [nameColumn, col('Type', 'string', doc.secretType), col('Data', 'string', doc.secretData), ageColumn];
const serviceAccountColumns = [nameColumn, col('Secrets', 'string', doc.serviceAccountSecrets), ageColumn];

const serviceColumns = [
  nameColumn,
  col('Type', 'string', doc.serviceSpecType),
  col('Cluster-IP', 'string', doc.serviceSpecClusterIP),
  col('External-IP', 'string', doc.serviceSpecExternalIPs),
  col('Port(s)', 'string', doc.serviceSpecPorts),
  ageColumn,
  col('Selector', 'string', doc.serviceSpecSelector, 1),
];

function printService(svc: KubeObject, now: number): RowOut {
  const spec = obj(svc.spec);
  // The real server stores defaulted objects: type ClusterIP, protocol TCP.
  const type = str(spec.type) || 'ClusterIP';
  const clusterIPs = arr(spec.clusterIPs);
  const internalIP = clusterIPs.length > 0 ? str(clusterIPs[0]) : str(spec.clusterIP) || '<none>';
  const externalIPs = arr(spec.externalIPs).map(str);
  let externalIP: string;
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      externalIP = externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
      break;
    case 'LoadBalancer': {
      // loadBalancerStatusStringer with wide=true: a sorted set, not clipped.
      const ips = new Set<string>();
      for (const ing of arr(obj(obj(svc.status).loadBalancer).ingress).map(obj)) {
        if (str(ing.ip) !== '') ips.add(str(ing.ip));
        else if (str(ing.hostname) !== '') ips.add(str(ing.hostname));
      }
      const lb = [...ips].sort();
      if (externalIPs.length > 0) externalIP = [...lb, ...externalIPs].join(',');
      else externalIP = lb.length > 0 ? lb.join(',') : '<pending>';
      break;
    }
    case 'ExternalName':
      externalIP = str(spec.externalName);
      break;
    default:
      externalIP = '<unknown>';
  }
  const ports = arr(spec.ports)
    .map(obj)
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      return int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
  return {
    cells: [str(svc.metadata.name), type, internalIP, externalIP, orNone(ports), since(timeOf(svc.metadata.creationTimestamp), now), formatLabels(spec.selector)],
  };
}

const eventColumns = [
  col('Last Seen', 'string', doc.eventLastTimestamp),
  col('Type', 'string', doc.eventType),
  col('Reason', 'string', doc.eventReason),
  col('Object', 'string', doc.eventInvolvedObject),
  col('Subobject', 'string', doc.objectReferenceFieldPath, 1),
  col('Source', 'string', doc.eventSource, 1),
  col('Message', 'string', doc.eventMessage),
  col('First Seen', 'string', doc.eventFirstTimestamp, 1),
  col('Count', 'string', doc.eventCount, 1),
  col('Name', 'string', doc.metaName, 1, 'name'),
];

/** The internal core Event fields printEvent reads, from a core/v1 or an events.k8s.io/v1 object. */
function coreEvent(ev: KubeObject, eventsGroup: boolean): J {
  if (!eventsGroup) return ev;
  // pkg/apis/events/v1 Convert_v1_Event_To_core_Event
  return {
    ...ev,
    involvedObject: ev.regarding,
    source: ev.deprecatedSource,
    message: ev.note,
    firstTimestamp: ev.deprecatedFirstTimestamp,
    lastTimestamp: ev.deprecatedLastTimestamp,
    count: ev.deprecatedCount,
  };
}

function printEvent(raw: KubeObject, now: number, eventsGroup: boolean): RowOut {
  const ev = coreEvent(raw, eventsGroup);
  const firstT = timeOf(ev.firstTimestamp);
  const firstTimestamp = firstT === undefined ? since(timeOf(ev.eventTime), now) : since(firstT, now);
  const lastT = timeOf(ev.lastTimestamp);
  let lastTimestamp = lastT === undefined ? firstTimestamp : since(lastT, now);
  let count = int(ev.count);
  if (isMap(ev.series)) {
    lastTimestamp = since(timeOf(ev.series.lastObservedTime), now);
    count = int(ev.series.count);
  } else if (count === 0) {
    count = 1; // singleton events have no count in the new API
  }
  const involved = obj(ev.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) !== '' ? `${kind}/${str(involved.name)}` : kind;
  const source = obj(ev.source);
  const component = str(source.component) || str(ev.reportingController);
  const instance = str(source.host) || str(ev.reportingInstance);
  return {
    cells: [
      lastTimestamp,
      str(ev.type),
      str(ev.reason),
      target,
      str(involved.fieldPath),
      instance === '' ? component : `${component}, ${instance}`,
      str(ev.message).trim(),
      firstTimestamp,
      count,
      str(raw.metadata.name),
    ],
  };
}

const resourceSliceColumns = [
  nameColumn,
  col('Node', 'string', doc.resourceSliceSpecNodeName),
  col('Driver', 'string', doc.resourceSliceSpecDriver),
  col('Pool', 'string', doc.resourcePoolName),
  ageColumn,
];
const resourceClaimColumns = [nameColumn, col('State', 'string', 'A summary of the current state (allocated, pending, reserved, etc.).'), ageColumn];
const deviceTaintRuleColumns = [
  nameColumn,
  col('Key', 'string', doc.deviceTaintKey),
  col('Value', 'string', doc.deviceTaintValue),
  col('Effect', 'string', doc.deviceTaintEffect),
  col('TimeAdded', 'string', doc.deviceTaintTimeAdded),
  ageColumn,
];

/** printers.go resourceClaimState. */
function resourceClaimState(claim: KubeObject): string {
  const states: string[] = [];
  const deleting = claim.metadata.deletionTimestamp !== undefined && claim.metadata.deletionTimestamp !== null;
  const status = obj(claim.status);
  if (deleting) states.push('deleted');
  if (!isMap(status.allocation)) {
    if (!deleting) states.push('pending');
  } else {
    states.push('allocated');
    if (arr(status.reservedFor).length > 0) states.push('reserved');
  }
  return states.join(',');
}

const age = (o: KubeObject, now: number): string => since(timeOf(o.metadata.creationTimestamp), now);
const name = (o: KubeObject): string => str(o.metadata.name);

const builtinPrinters: Record<string, Printer> = {
  ...extraPrinters({ nameColumn, ageColumn, since: (v, now) => since(timeOf(v), now), humanDuration, formatLabels }),
  '/Pod': { columns: podColumns, row: printPod },
  '/Namespace': { columns: namespaceColumns, row: (o, now) => ({ cells: [name(o), str(obj(o.status).phase), age(o, now)] }) },
  '/Node': { columns: nodeColumns, row: printNode },
  '/ConfigMap': { columns: configMapColumns, row: (o, now) => ({ cells: [name(o), keyCount(o.data) + keyCount(o.binaryData), age(o, now)] }) },
  '/Secret': {
    columns: secretColumns,
    // stringData is merged into data on write (v1 → internal conversion); the type defaults to Opaque.
    row: (o, now) => ({ cells: [name(o), str(o.type) || 'Opaque', new Set([...Object.keys(obj(o.data)), ...Object.keys(obj(o.stringData))]).size, age(o, now)] }),
  },
  '/ServiceAccount': { columns: serviceAccountColumns, row: (o, now) => ({ cells: [name(o), arr(o.secrets).length, age(o, now)] }) },
  '/Service': { columns: serviceColumns, row: printService },
  '/Event': { columns: eventColumns, row: (o, now) => printEvent(o, now, false) },
  'events.k8s.io/Event': { columns: eventColumns, row: (o, now) => printEvent(o, now, true) },
  'resource.k8s.io/ResourceSlice': {
    columns: resourceSliceColumns,
    row: (o, now) => {
      const spec = obj(o.spec);
      return { cells: [name(o), str(spec.nodeName), str(spec.driver), str(obj(spec.pool).name), age(o, now)] };
    },
  },
  'resource.k8s.io/ResourceClaim': { columns: resourceClaimColumns, row: (o, now) => ({ cells: [name(o), resourceClaimState(o), age(o, now)] }) },
  'resource.k8s.io/DeviceClass': { columns: [nameColumn, ageColumn], row: (o, now) => ({ cells: [name(o), age(o, now)] }) },
  'resource.k8s.io/DeviceTaintRule': {
    columns: deviceTaintRuleColumns,
    row: (o, now) => {
      const taint = obj(obj(o.spec).taint);
      const added = timeOf(taint.timeAdded);
      return { cells: [name(o), str(taint.key), str(taint.value), str(taint.effect), added === undefined ? '' : since(added, now), age(o, now)] };
    },
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// JSONPath (client-go util/jsonpath: parser.go and jsonpath.go, the subset a printer column can use)

/** A float literal; integers from JSON decode as int64 and float literals stay float64, and Go never compares the two. */
class GoFloat {
  constructor(readonly value: number) {}
}

interface ParamsEntry {
  value: number;
  known: boolean;
  derived: boolean;
}

type JPNode =
  | { t: 'list'; nodes: JPNode[] }
  | { t: 'text'; text: string }
  | { t: 'field'; name: string }
  | { t: 'wildcard' }
  | { t: 'recursive' }
  | { t: 'array'; params: [ParamsEntry, ParamsEntry, ParamsEntry] }
  | { t: 'filter'; left: JPList; right: JPList; op: string }
  | { t: 'union'; lists: JPList[] }
  | { t: 'int'; value: number }
  | { t: 'float'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'identifier'; name: string };
type JPList = { t: 'list'; nodes: JPNode[] };

class JSONPathError extends Error {}

const EOF = '';
const isDigit = (r: string): boolean => /^\p{Nd}$/u.test(r);
const isAlphaNumeric = (r: string): boolean => r === '_' || /^[\p{L}\p{Nd}]$/u.test(r);
const isTerminator = (r: string): boolean => r === EOF || ' \t\r\n.,[]$@{}'.includes(r);

class JPParser {
  readonly root: JPList = { t: 'list', nodes: [] };
  private pos = 0;
  private start = 0;
  private width = 0;

  constructor(private readonly input: string) {}

  static parse(text: string): JPList {
    const p = new JPParser(text);
    p.parseText(p.root);
    return p.root;
  }

  /** parseAction: the nodes of `{text}`. */
  static action(text: string): JPList {
    const root = JPParser.parse(`{${text}}`);
    const first = root.nodes[0];
    if (first === undefined || first.t !== 'list') throw new JSONPathError(`invalid action ${text}`);
    return first;
  }

  private next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = String.fromCodePoint(this.input.codePointAt(this.pos) as number);
    this.width = r.length;
    this.pos += this.width;
    return r;
  }

  private peek(): string {
    const r = this.next();
    this.backup();
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private consume(): string {
    const v = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return v;
  }

  private parseText(cur: JPList): void {
    for (;;) {
      if (this.input.startsWith('{', this.pos)) {
        if (this.pos > this.start) cur.nodes.push({ t: 'text', text: this.consume() });
        this.pos += 1;
        this.consume();
        const list: JPList = { t: 'list', nodes: [] };
        cur.nodes.push(list);
        this.parseInsideAction(list);
        return;
      }
      if (this.next() === EOF) break;
    }
    if (this.pos > this.start) cur.nodes.push({ t: 'text', text: this.consume() });
  }

  private parseInsideAction(cur: JPList): void {
    for (;;) {
      const rest = this.input.slice(this.pos);
      if (rest.startsWith('}')) {
        this.pos += 1;
        this.consume();
        this.parseText(this.root);
        return;
      }
      if (rest.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        const last = cur.nodes[cur.nodes.length - 1];
        if (last?.t === 'recursive') throw new JSONPathError('invalid multiple recursive descent');
        this.pos += 2;
        this.consume();
        cur.nodes.push({ t: 'recursive' });
        if (isAlphaNumeric(this.peek())) this.parseField(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || r === '\r' || r === '\n') throw new JSONPathError('unclosed action');
      if (r === ' ' || r === '@' || r === '$') {
        this.consume();
      } else if (r === '[') {
        this.parseArray(cur);
      } else if (r === '"' || r === "'") {
        this.parseQuote(cur, r);
      } else if (r === '.') {
        this.parseField(cur);
      } else if (r === '+' || r === '-' || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        throw new JSONPathError(`unrecognized character in action: ${r}`);
      }
    }
  }

  private parseIdentifier(cur: JPList): void {
    for (;;) {
      if (isTerminator(this.next())) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    if (value === 'true' || value === 'false') cur.nodes.push({ t: 'bool', value: value === 'true' });
    else cur.nodes.push({ t: 'identifier', name: value });
  }

  private parseNumber(cur: JPList): void {
    const first = this.peek();
    if (first === '+' || first === '-') this.next();
    for (;;) {
      const r = this.next();
      if (r !== '.' && !isDigit(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    if (/^[+-]?\d+$/.test(value)) cur.nodes.push({ t: 'int', value: Number(value) });
    else if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) cur.nodes.push({ t: 'float', value: Number(value) });
    else throw new JSONPathError(`cannot parse number ${value}`);
  }

  private parseArray(cur: JPList): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JSONPathError('unterminated array');
      if (r === ']') break;
    }
    let text = this.consume().slice(1, -1);
    if (text === '*') text = ':';
    const parts = text.split(',');
    if (parts.length > 1) {
      cur.nodes.push({ t: 'union', lists: parts.map((p) => JPParser.action(`[${p.trim()}]`)) });
      return;
    }
    const dict = /^'([^']*)'$/.exec(text);
    if (dict) {
      cur.nodes.push(...JPParser.action(`.${dict[1] ?? ''}`).nodes);
      return;
    }
    const slice = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/.exec(text);
    if (!slice) throw new JSONPathError(`invalid array index ${text}`);
    const params: [ParamsEntry, ParamsEntry, ParamsEntry] = [
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let v = slice[i + 1] ?? '';
      const p = params[i] as ParamsEntry;
      if (v !== '') {
        if (i > 0) v = v.slice(1);
        if (i > 0 && v === '') {
          p.known = false;
        } else {
          if (!/^-?\d+$/.test(v)) throw new JSONPathError(`array index ${v} is not a number`);
          p.known = true;
          p.value = Number(v);
        }
      } else if (i === 1) {
        p.known = true;
        p.value = params[0].value + 1;
        p.derived = true;
      }
    }
    cur.nodes.push({ t: 'array', params });
  }

  private parseFilter(cur: JPList): void {
    this.pos += 3;
    this.consume();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JSONPathError('unterminated filter');
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === ')') {
        if (begin === end) break;
      }
    }
    if (this.next() !== ']') throw new JSONPathError('unclosed array expect ]');
    const text = this.consume().slice(0, -2);
    const m = /^([^!<>=]+)([!<>=]+)(.+?)$/.exec(text);
    if (!m) cur.nodes.push({ t: 'filter', left: JPParser.action(text), right: { t: 'list', nodes: [] }, op: 'exists' });
    else cur.nodes.push({ t: 'filter', left: JPParser.action(m[1] ?? ''), right: JPParser.action(m[3] ?? ''), op: m[2] ?? '' });
  }

  private parseQuote(cur: JPList, quote: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JSONPathError('unterminated quoted string');
      if (r === quote && this.input[this.pos - 2] !== '\\') break;
    }
    cur.nodes.push({ t: 'text', text: unquoteExtend(this.consume()) });
  }

  private parseField(cur: JPList): void {
    this.consume();
    for (;;) {
      const r = this.next();
      if (r === '\\') {
        this.next();
      } else if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    if (value === '*') cur.nodes.push({ t: 'wildcard' });
    else cur.nodes.push({ t: 'field', name: value.replaceAll('\\', '') });
  }
}

/** jsonpath.UnquoteExtend: strconv.Unquote that also takes single quotes. */
function unquoteExtend(s: string): string {
  const quote = s[0];
  if (s.length < 2 || (quote !== '"' && quote !== "'") || s[s.length - 1] !== quote) throw new JSONPathError('invalid syntax');
  const body = s.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === quote) throw new JSONPathError('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new JSONPathError('invalid syntax');
    const hex = (len: number): string => {
      const h = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new JSONPathError('invalid syntax');
      i += len;
      return String.fromCodePoint(Number.parseInt(h, 16));
    };
    if (e in simple) {
      if ((e === "'" || e === '"') && e !== quote) throw new JSONPathError('invalid syntax');
      out += simple[e];
    } else if (e === 'x') out += hex(2);
    else if (e === 'u') out += hex(4);
    else if (e === 'U') out += hex(8);
    else if (/[0-7]/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) throw new JSONPathError('invalid syntax');
      out += String.fromCharCode(Number.parseInt(o, 8));
      i += 2;
    } else throw new JSONPathError('invalid syntax');
  }
  return out;
}

/** A walk step: values, and the error Go would return alongside them (evalArray returns its input on error). */
type Step = [unknown[], JSONPathError | undefined];

function goKind(v: unknown): 'bool' | 'int' | 'float' | 'string' | undefined {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v instanceof GoFloat) return 'float';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return undefined;
}

const numeric = (v: unknown): number => (v instanceof GoFloat ? v.value : (v as number));

/** text/template Equal and Less over Go's basic kinds. */
function compare(op: string, l: unknown, r: unknown): boolean {
  const kl = goKind(l);
  const kr = goKind(r);
  if (kl === undefined || kr === undefined) throw new JSONPathError('invalid type for comparison');
  const equal = (): boolean => {
    if (kl !== kr) throw new JSONPathError('incompatible types for comparison');
    return kl === 'int' || kl === 'float' ? numeric(l) === numeric(r) : l === r;
  };
  const less = (): boolean => {
    if (kl !== kr) throw new JSONPathError('incompatible types for comparison');
    if (kl === 'bool') throw new JSONPathError('invalid type for comparison');
    return kl === 'string' ? (l as string) < (r as string) : numeric(l) < numeric(r);
  };
  switch (op) {
    case '==':
      return equal();
    case '!=':
      return !equal();
    case '<':
      return less();
    case '<=':
      return less() || equal();
    case '>':
      return !(less() || equal());
    case '>=':
      return !less();
    default:
      throw new JSONPathError(`unrecognized filter operator ${op}`);
  }
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isMap(v)) return Object.values(v);
  if (typeof v === 'string') return [...new TextEncoder().encode(v)];
  return [];
}

function evalList(input: unknown[], list: JPList): Step {
  let cur = input;
  for (const node of list.nodes) {
    const [next, err] = walk(cur, node);
    if (err) return [next, err];
    cur = next;
  }
  return [cur, undefined];
}

function walk(input: unknown[], node: JPNode): Step {
  switch (node.t) {
    case 'list':
      return evalList(input, node);
    case 'text':
      return [[node.text], undefined];
    case 'int':
      return [input.map(() => node.value), undefined];
    case 'float':
      return [input.map(() => new GoFloat(node.value)), undefined];
    case 'bool':
      return [input.map(() => node.value), undefined];
    case 'identifier':
      return [input, new JSONPathError(`unrecognized identifier ${node.name}`)];
    case 'field': {
      const out: unknown[] = [];
      for (const v of input) {
        if (isMap(v) && Object.hasOwn(v, node.name)) out.push(v[node.name]);
      }
      return [out, undefined]; // AllowMissingKeys(true)
    }
    case 'wildcard': {
      const out: unknown[] = [];
      for (const v of input) out.push(...children(v));
      return [out, undefined];
    }
    case 'recursive': {
      const rec = (values: unknown[]): unknown[] => {
        const out: unknown[] = [];
        for (const v of values) {
          const c = children(v);
          if (c.length > 0) out.push(v, ...rec(c));
        }
        return out;
      };
      return [rec(input), undefined];
    }
    case 'array': {
      const out: unknown[] = [];
      for (const v of input) {
        if (v === null || v === undefined) continue;
        if (!Array.isArray(v)) return [input, new JSONPathError('not array or slice')];
        const p = node.params.map((x) => ({ ...x }));
        const [p0, p1, p2] = p as [ParamsEntry, ParamsEntry, ParamsEntry];
        const len = v.length;
        if (!p0.known) p0.value = 0;
        if (p0.value < 0) p0.value += len;
        if (!p1.known) p1.value = len;
        if (p1.value < 0 || (p1.value === 0 && p1.derived)) p1.value += len;
        if (p1.value === p0.value) return [out, undefined];
        if (p0.value >= len || p0.value < 0) return [input, new JSONPathError(`array index out of bounds: index ${p0.value}, length ${len}`)];
        if (p1.value > len || p1.value < 0) return [input, new JSONPathError(`array index out of bounds: index ${p1.value - 1}, length ${len}`)];
        if (p0.value > p1.value) return [input, new JSONPathError(`starting index ${p0.value} is greater than ending index ${p1.value}`)];
        let step = 1;
        if (p2.known) {
          if (p2.value <= 0) return [input, new JSONPathError('step must be > 0')];
          step = p2.value;
        }
        const sliced = v.slice(p0.value, p1.value);
        for (let i = 0; i < sliced.length; i += step) out.push(sliced[i]);
      }
      return [out, undefined];
    }
    case 'union': {
      const out: unknown[] = [];
      for (const list of node.lists) {
        const [vals, err] = evalList(input, list);
        if (err) return [input, err];
        out.push(...vals);
      }
      return [out, undefined];
    }
    case 'filter': {
      const out: unknown[] = [];
      for (const v of input) {
        if (!Array.isArray(v)) return [input, new JSONPathError('is not array or slice and cannot be filtered')];
        for (const item of v) {
          const [lefts, lerr] = evalList([item], node.left);
          if (node.op === 'exists') {
            if (lefts.length > 0) out.push(item);
            continue;
          }
          if (lerr) return [input, lerr];
          if (lefts.length === 0) continue;
          if (lefts.length > 1) return [input, new JSONPathError('can only compare one element at a time')];
          const [rights, rerr] = evalList([item], node.right);
          if (rerr) return [input, rerr];
          if (rights.length === 0) continue;
          if (rights.length > 1) return [input, new JSONPathError('can only compare one element at a time')];
          try {
            if (compare(node.op, lefts[0], rights[0])) out.push(item);
          } catch (e) {
            return [out, e as JSONPathError];
          }
        }
      }
      return [out, undefined];
    }
  }
}

/** JSONPath.FindResults on `{path}`: one result list per top-level node. */
function findResults(root: JPList, data: unknown): unknown[][] {
  const out: unknown[][] = [];
  for (const node of root.nodes) {
    const [vals, err] = walk([data], node);
    if (err) throw err;
    out.push(vals);
  }
  return out;
}

/** Go's json.Marshal of a decoded JSON value: map keys sorted, <, > and & escaped as \u003c, \u003e, \u0026. */
function goJSON(v: unknown): string {
  const sortKeys = (x: unknown): unknown => {
    if (x instanceof GoFloat) return x.value;
    if (Array.isArray(x)) return x.map(sortKeys);
    if (isMap(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys(x[k])]));
    return x;
  };
  return JSON.stringify(sortKeys(v))
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** fmt.Fprint of a float64: %v is strconv 'g' with the shortest digits, in %e form when the exponent is < -4 or >= 6. */
function goFloatV(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant = '', expStr = '0'] = f.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${mant}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return String(f);
}

/** JSONPath.PrintResults for one value: JSON for maps and lists, fmt.Fprint otherwise, `<no value>` for null. */
function printResult(v: unknown): string {
  if (Array.isArray(v) || isMap(v)) return goJSON(v);
  if (v === null || v === undefined) return '<no value>';
  if (v instanceof GoFloat) return goFloatV(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloatV(v);
  return String(v);
}

/** tableconvertor cellForJSONValue for non-string columns. */
function cellForJSONValue(type: string, v: unknown, now: number): unknown {
  if (v === null || v === undefined) return null;
  const value = v instanceof GoFloat ? v.value : v;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      // metav1.Time.UnmarshalQueryParameter: "" and "null" are the zero time.
      if (value === '' || value === 'null') return '<unknown>';
      if (!rfc3339.test(value) || Number.isNaN(Date.parse(value))) return '<invalid>';
      return since(timeOf(value), now);
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Custom resources (apiextensions-apiserver tableconvertor) and the fallback for built-ins without a printer

/** The column list a CRD serves: its additionalPrinterColumns, or Age alone when it has none. */
function crdColumnsOf(info: KindInfo): PrinterColumn[] {
  if (info.printerColumns.length > 0) return info.printerColumns;
  return [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: doc.metaCreationTimestamp }];
}

function columnPrinter(columnsIn: readonly PrinterColumn[]): Printer {
  const columns: TableColumnDefinition[] = [nameColumn];
  const paths: JPList[] = [];
  for (const c of columnsIn) {
    let root: JPList;
    try {
      root = JPParser.parse(`{${c.jsonPath}}`);
    } catch {
      break; // tableconvertor.New stops at the first column it cannot parse and serves the ones before it
    }
    paths.push(root);
    columns.push({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ? c.description : `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    });
  }
  return {
    columns,
    row(o, now) {
      const cells: unknown[] = [str(o.metadata.name)];
      paths.forEach((root, i) => {
        const type = (columns[i + 1] as TableColumnDefinition).type;
        let results: unknown[][];
        try {
          results = findResults(root, o);
        } catch {
          cells.push(null);
          return;
        }
        const first = results[0];
        if (first === undefined || first.length === 0) {
          cells.push(null);
          return;
        }
        const value = first[0];
        cells.push(type === 'string' ? printResult(value) : cellForJSONValue(type, value, now));
      });
      return { cells };
    },
  };
}

const defaultPrinter: Printer = { columns: [nameColumn, ageColumn], row: (o, now) => ({ cells: [name(o), age(o, now)] }) };

const printerCache = new WeakMap<KindInfo, Printer>();

/** The printer kube-apiserver would use for the kind. Built-ins without a ported printer show their printerColumns, or Name and Age. */
function printerFor(info: KindInfo): Printer {
  let p = printerCache.get(info);
  if (p === undefined) {
    if (!info.builtin) p = columnPrinter(crdColumnsOf(info));
    else p = builtinPrinters[`${info.group}/${info.kind}`] ?? (info.printerColumns.length > 0 ? columnPrinter(info.printerColumns) : defaultPrinter);
    printerCache.set(info, p);
  }
  return p;
}

/** The column definitions a Table of this kind carries (all priorities; kubectl shows priority > 0 only with -o wide). */
export function tableColumns(info: KindInfo): readonly TableColumnDefinition[] {
  return printerFor(info).columns;
}

// ---------------------------------------------------------------------------------------------------------------------
// Rows and Tables

const metaFieldOrder = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;

/** meta.AsPartialObjectMetadata serialized as Go does: ObjectMeta's fields in order, omitempty, creationTimestamp null when zero. */
export function partialObjectMetadata(o: KubeObject, version: TableVersion = 'v1'): { kind: 'PartialObjectMetadata'; apiVersion: string; metadata: Record<string, unknown> } {
  const m = o.metadata as Record<string, unknown>;
  const meta: Record<string, unknown> = {};
  for (const k of metaFieldOrder) {
    const v = m[k];
    switch (k) {
      case 'generation':
        if (typeof v === 'number' && v !== 0) meta[k] = v;
        break;
      case 'creationTimestamp':
        meta[k] = typeof v === 'string' && v !== '' ? v : null;
        break;
      case 'deletionTimestamp':
      case 'deletionGracePeriodSeconds':
        if (v !== undefined && v !== null) meta[k] = v;
        break;
      case 'labels':
      case 'annotations':
        if (isMap(v) && Object.keys(v).length > 0) meta[k] = v;
        break;
      case 'ownerReferences':
      case 'finalizers':
      case 'managedFields':
        if (Array.isArray(v) && v.length > 0) meta[k] = v;
        break;
      default:
        if (typeof v === 'string' && v !== '') meta[k] = v;
    }
  }
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: meta };
}

/** The object in the resource's own version (ConvertToVersion sets kind and apiVersion). */
function fullObject(info: KindInfo, o: KubeObject): KubeObject {
  if (o.kind === info.kind && o.apiVersion === apiVersionOf(info)) return o;
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return { kind: info.kind, apiVersion: apiVersionOf(info), ...rest } as KubeObject;
}

function rowFor(info: KindInfo, printer: Printer, o: KubeObject, includeObject: IncludeObject, now: number, version: TableVersion): TableRow {
  const { cells, conditions } = printer.row(o, now);
  const row: TableRow = conditions ? { cells, conditions, object: null } : { cells, object: null };
  if (includeObject === 'Metadata') row.object = partialObjectMetadata(o, version);
  else if (includeObject === 'Object') row.object = fullObject(info, o);
  return row;
}

export interface TableOptions {
  /** The list's resourceVersion, or the object's for a single GET. */
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
  includeObject: IncludeObject;
  /** Milliseconds since the epoch, from the Clock. */
  now: number;
  /** Omit the column definitions (columnDefinitions: null). */
  noHeaders?: boolean;
  version: TableVersion;
}

/** The Table for a list (or, with one object, for a single GET), as response.go asTable sends it. */
export function tableFor(info: KindInfo, objects: readonly KubeObject[], opts: TableOptions): Table {
  const printer = printerFor(info);
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== '') metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue !== undefined && opts.continue !== '') metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata,
    columnDefinitions: opts.noHeaders ? null : printer.columns.map((c) => ({ ...c })),
    rows: objects.map((o) => rowFor(info, printer, o, opts.includeObject, opts.now, opts.version)),
  };
}

/**
 * A watch of Tables (handlers/response.go watchEmbeddedEncoder): every event's object is a one-row Table whose
 * resourceVersion is the object's, and only the first event carries columnDefinitions. A BOOKMARK goes through the same
 * conversion, as the real server does: its object (an empty object of the kind carrying only the resourceVersion)
 * becomes a one-row Table of zero-value cells, and it takes the header slot if it comes first.
 */
export function tableWatchEncoder(info: KindInfo, opts: { includeObject: IncludeObject; now: () => number; version: TableVersion }): WatchEncoder {
  let noHeaders = false;
  return (item: WatchItem): string => {
    const o: KubeObject =
      item.type === 'BOOKMARK' || item.object === undefined
        ? { kind: info.kind, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(item.revision) } }
        : item.object;
    const table = tableFor(info, [o], {
      resourceVersion: str(o.metadata.resourceVersion),
      includeObject: opts.includeObject,
      now: opts.now(),
      noHeaders,
      version: opts.version,
    });
    noHeaders = true;
    return `${JSON.stringify({ type: item.type, object: table })}\n`;
  };
}
