import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinKinds, type KindInfo, type PrinterColumn } from '../api/kinds.ts';
import { isStatusError } from '../machinery/errors.ts';
import type { KubeObject } from '../machinery/object.ts';
import {
  humanDuration,
  includeObjectFrom,
  parseIncludeObject,
  partialObjectMetadata,
  tableColumns,
  tableContentType,
  tableFor,
  tableWatchEncoder,
  wantsTable,
  type IncludeObject,
  type Table,
} from './table.ts';

const NOW = Date.parse('2025-05-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function kind(group: string, k: string): KindInfo {
  const info = builtinKinds.find((x) => x.group === group && x.kind === k);
  assert.ok(info, `no kind ${group}/${k}`);
  return info;
}

function crd(printerColumns: PrinterColumn[]): KindInfo {
  return {
    group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', namespaced: true,
    shortNames: [], categories: [], subresources: { status: true }, builtin: false, selectableFields: [], printerColumns,
  };
}

function table(info: KindInfo, objects: KubeObject[], includeObject: IncludeObject = 'Metadata'): Table {
  return tableFor(info, objects, { resourceVersion: '42', includeObject, now: NOW, version: 'v1' });
}

function cells(info: KindInfo, o: KubeObject): unknown[] {
  const row = table(info, [o]).rows[0];
  assert.ok(row);
  return row.cells;
}

/** Cells by column name. */
function byName(info: KindInfo, o: KubeObject): Record<string, unknown> {
  const names = tableColumns(info).map((c) => c.name);
  const c = cells(info, o);
  assert.equal(c.length, names.length, 'one cell per column');
  return Object.fromEntries(names.map((n, i) => [n, c[i]]));
}

const pods = kind('', 'Pod');

function pod(status: Record<string, unknown>, extra: { spec?: Record<string, unknown>; metadata?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '7', creationTimestamp: ago(5 * M + 2 * S), ...extra.metadata },
    spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }], ...extra.spec },
    status,
  };
}

const running = { running: { startedAt: ago(5 * M) } };

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  const cases: [number, string][] = [
    [-2500, '<invalid>'],
    [-1500, '0s'],
    [-400, '0s'],
    [0, '0s'],
    [5 * S + 999, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 2 * S, '3m2s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [48 * H, '2d'],
    [3 * D + 4 * H, '3d4h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [2 * 365 * D + 30 * D, '2y30d'],
    [8 * 365 * D + 100 * D, '8y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('wantsTable: Accept negotiation', () => {
  const kubectl = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  const cases: [string | undefined, 'v1' | 'v1beta1' | undefined][] = [
    [kubectl, 'v1'],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', 'v1beta1'],
    ['application/json;as=Table;g=meta.k8s.io;v=v1', 'v1'],
    ['application/json;stream=watch;as=Table;g=meta.k8s.io;v=v1', 'v1'],
    ['*/*;as=Table;g=meta.k8s.io;v=v1', 'v1'],
    ['application/*;as=Table;g=meta.k8s.io;v=v1', 'v1'],
    // Accept order decides between equal clauses
    ['application/json,application/json;as=Table;v=v1;g=meta.k8s.io', undefined],
    // q outranks order
    ['application/json;as=Table;v=v1;g=meta.k8s.io;q=0.5,application/json', undefined],
    ['application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io', 'v1'],
    // concrete types outrank wildcards
    ['*/*,application/json;as=Table;v=v1;g=meta.k8s.io', 'v1'],
    // a clause the server cannot honour is skipped
    ['application/json;as=Table;v=v2;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io', 'v1beta1'],
    ['application/json;as=Table;v=v1;g=example.com,application/json', undefined],
    ['application/json;as=Table;v=v1;g=meta.k8s.io;stream=bogus,application/json;as=Table;v=v1beta1;g=meta.k8s.io', 'v1beta1'],
    // not Tables
    ['application/json', undefined],
    ['application/vnd.kubernetes.protobuf,application/json', undefined],
    ['application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json', undefined],
    ['application/yaml;as=Table;v=v1;g=meta.k8s.io', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [accept, want] of cases) {
    it(`${String(accept)} → ${String(want)}`, () => assert.deepEqual(wantsTable(accept), want === undefined ? undefined : { version: want }));
  }

  it('the reply Content-Type is the plain serializer media type, as WriteObjectNegotiated writes it', () => {
    assert.equal(tableContentType('v1'), 'application/json');
    assert.equal(tableContentType('v1beta1'), 'application/json');
  });
});

describe('includeObject', () => {
  it('defaults to Metadata and accepts None and Object', () => {
    assert.equal(parseIncludeObject(undefined), 'Metadata');
    assert.equal(parseIncludeObject(null), 'Metadata');
    assert.equal(parseIncludeObject(''), 'Metadata');
    assert.equal(parseIncludeObject('Metadata'), 'Metadata');
    assert.equal(parseIncludeObject('None'), 'None');
    assert.equal(parseIncludeObject('Object'), 'Object');
    assert.equal(includeObjectFrom(new URLSearchParams('includeObject=Object&includeObject=None')), 'Object');
    assert.equal(includeObjectFrom(new URLSearchParams('limit=500')), 'Metadata');
  });

  it('rejects anything else with the 400 optionsForTransform sends', () => {
    assert.throws(
      () => parseIncludeObject('object'),
      (e: unknown) =>
        isStatusError(e, 'BadRequest') &&
        e.code === 400 &&
        e.status.message === `Unable to convert to Table as requested: includeObject: Invalid value: "object": must be 'Metadata', 'Object', 'None', or empty`,
    );
  });

  const p = pod({ phase: 'Running' }, { metadata: { labels: { app: 'web' }, generation: 0, managedFields: [] } });

  it('Metadata: each row carries a PartialObjectMetadata in the requested meta version', () => {
    const t = table(pods, [p]);
    assert.deepEqual(t.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '7', creationTimestamp: p.metadata.creationTimestamp, labels: { app: 'web' } },
    });
    const beta = tableFor(pods, [p], { resourceVersion: '42', includeObject: 'Metadata', now: NOW, version: 'v1beta1' });
    assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
    assert.equal((beta.rows[0]?.object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');
  });

  it('Metadata: ObjectMeta field order, omitempty, and a null creationTimestamp when unset', () => {
    const pom = partialObjectMetadata({ metadata: { finalizers: ['f'], resourceVersion: '3', name: 'x', extra: 'dropped', annotations: {} } });
    assert.deepEqual(Object.keys(pom.metadata), ['name', 'resourceVersion', 'creationTimestamp', 'finalizers']);
    assert.equal(pom.metadata.creationTimestamp, null);
  });

  it('None: the row object is an empty RawExtension (null)', () => {
    const row = table(pods, [p], 'None').rows[0];
    assert.equal(row?.object, null);
    assert.match(JSON.stringify(row), /"object":null/);
  });

  it('Object: the full object, with kind and apiVersion set', () => {
    assert.equal(table(pods, [p], 'Object').rows[0]?.object, p);
    const { kind: _k, apiVersion: _a, ...bare } = p;
    const got = table(pods, [bare as KubeObject], 'Object').rows[0]?.object as KubeObject;
    assert.equal(got.kind, 'Pod');
    assert.equal(got.apiVersion, 'v1');
    assert.deepEqual(got.spec, p.spec);
  });
});

describe('tableFor: the Table envelope', () => {
  it('carries the list metadata and all columns', () => {
    const t = tableFor(pods, [pod({ phase: 'Pending' })], { resourceVersion: '107', continue: 'abc', remainingItemCount: 0, includeObject: 'None', now: NOW, version: 'v1' });
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '107', continue: 'abc', remainingItemCount: 0 });
    assert.deepEqual(Object.keys(t), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
    assert.equal(t.columnDefinitions?.length, 9);
  });

  it('omits an empty continue, keeps empty rows as [], and drops headers with noHeaders', () => {
    const t = tableFor(pods, [], { resourceVersion: '9', includeObject: 'Metadata', now: NOW, noHeaders: true, version: 'v1' });
    assert.deepEqual(t.metadata, { resourceVersion: '9' });
    assert.equal(t.columnDefinitions, null);
    assert.deepEqual(t.rows, []);
    assert.match(JSON.stringify(t), /"columnDefinitions":null,"rows":\[\]/);
  });
});

describe('Pod columns (printers.go printPod)', () => {
  it('has NAME READY STATUS RESTARTS AGE, then the priority-1 wide columns', () => {
    const cols = tableColumns(pods);
    assert.deepEqual(
      cols.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ['Name', 'string', 'name', 0],
        ['Ready', 'string', '', 0],
        ['Status', 'string', '', 0],
        ['Restarts', 'string', '', 0],
        ['Age', 'string', '', 0],
        ['IP', 'string', '', 1],
        ['Node', 'string', '', 1],
        ['Nominated Node', 'string', '', 1],
        ['Readiness Gates', 'string', '', 1],
      ],
    );
    assert.match(cols[0]?.description ?? '', /^Name must be unique within a namespace/);
    assert.match(cols[4]?.description ?? '', /^CreationTimestamp is a timestamp/);
    assert.equal(cols[5]?.description, 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.');
  });

  it('a running pod: ready count, phase, age and wide cells', () => {
    const p = pod(
      {
        phase: 'Running',
        podIP: '10.0.0.5',
        conditions: [{ type: 'Ready', status: 'True' }, { type: 'example.com/gate', status: 'True' }],
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 0, state: running },
          { name: 'b', ready: false, restartCount: 0, state: running },
        ],
      },
      { spec: { nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/gate' }, { conditionType: 'example.com/other' }] } },
    );
    assert.deepEqual(cells(pods, p), ['web-1', '1/2', 'Running', '0', '5m2s', '10.0.0.5', 'node-1', '<none>', '1/2']);
  });

  it('a new pod: 0/N, Pending, <none> wide cells', () => {
    assert.deepEqual(cells(pods, pod({ phase: 'Pending' })), ['web-1', '0/2', 'Pending', '0', '5m2s', '<none>', '<none>', '<none>', '<none>']);
  });

  it('podIPs is read when podIP is absent; nominatedNodeName is shown', () => {
    const c = byName(pods, pod({ phase: 'Pending', podIPs: [{ ip: 'fd00::1' }], nominatedNodeName: 'node-9' }));
    assert.equal(c.IP, 'fd00::1');
    assert.equal(c['Nominated Node'], 'node-9');
  });

  it('STATUS from container waiting and terminated reasons (last container first wins)', () => {
    const waiting = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        { name: 'b', ready: true, restartCount: 0, state: running },
      ],
    });
    assert.equal(byName(pods, waiting).Status, 'CrashLoopBackOff');
    assert.equal(byName(pods, waiting).Ready, '1/2');
    assert.equal(byName(pods, waiting).Restarts, '3');

    const oom = pod({ phase: 'Running', containerStatuses: [{ name: 'a', state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] });
    assert.equal(byName(pods, oom).Status, 'OOMKilled');
    const signal = pod({ phase: 'Running', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, signal: 9 } } }] });
    assert.equal(byName(pods, signal).Status, 'Signal:9');
    const code = pod({ phase: 'Running', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 2 } } }] });
    assert.equal(byName(pods, code).Status, 'ExitCode:2');
  });

  it('Completed with a container still running shows Running or NotReady', () => {
    const status = (ready: boolean): Record<string, unknown> => ({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        { name: 'a', ready: true, state: running },
        { name: 'b', ready: false, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
      ],
    });
    assert.equal(byName(pods, pod(status(true))).Status, 'Running');
    assert.equal(byName(pods, pod(status(false))).Status, 'NotReady');
  });

  it('pod reason and SchedulingGated', () => {
    assert.equal(byName(pods, pod({ phase: 'Failed', reason: 'Evicted' })).Status, 'Evicted');
    const gated = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    assert.equal(byName(pods, gated).Status, 'SchedulingGated');
  });

  it('init containers: Init:i/n, Init:<reason>, Init:ExitCode, and restartable sidecars', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const first = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }] }, { spec });
    assert.equal(byName(pods, first).Status, 'Init:0/2');
    const second = pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: running }] },
      { spec },
    );
    assert.equal(byName(pods, second).Status, 'Init:1/2');
    const crash = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { spec });
    assert.deepEqual([byName(pods, crash).Status, byName(pods, crash).Restarts], ['Init:CrashLoopBackOff', '4']);
    const failed = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 3 } } }] }, { spec });
    assert.equal(byName(pods, failed).Status, 'Init:ExitCode:3');

    // A started restartable init container (sidecar) counts towards READY and the total.
    const sidecar = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: running }],
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 0, state: running },
          { name: 'b', ready: true, restartCount: 0, state: running },
        ],
      },
      { spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] } },
    );
    assert.deepEqual([byName(pods, sidecar).Ready, byName(pods, sidecar).Status, byName(pods, sidecar).Restarts], ['3/3', 'Running', '1']);
  });

  it('RESTARTS sums containers and adds the time since the last termination', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 2, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * M) } } },
        { name: 'b', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * M + 5 * S) } } },
      ],
    });
    assert.equal(byName(pods, p).Restarts, '3 (3m5s ago)');
  });

  it('Terminating while deleting, unless the phase is terminal; Unknown for NodeLost', () => {
    const deleting = { metadata: { deletionTimestamp: ago(S) } };
    assert.equal(byName(pods, pod({ phase: 'Running' }, deleting)).Status, 'Terminating');
    assert.equal(byName(pods, pod({ phase: 'Succeeded' }, deleting)).Status, 'Succeeded');
    assert.equal(byName(pods, pod({ phase: 'Running', reason: 'NodeLost' }, deleting)).Status, 'Unknown');
  });

  it('finished pods get a Completed row condition', () => {
    assert.deepEqual(table(pods, [pod({ phase: 'Succeeded' })]).rows[0]?.conditions, [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
    assert.equal(table(pods, [pod({ phase: 'Failed' })]).rows[0]?.conditions?.[0]?.reason, 'Failed');
    assert.equal(table(pods, [pod({ phase: 'Running' })]).rows[0]?.conditions, undefined);
  });

  it('an unset creationTimestamp ages as <unknown>', () => {
    assert.equal(byName(pods, pod({}, { metadata: { creationTimestamp: undefined } })).Age, '<unknown>');
  });
});

describe('other built-in printers', () => {
  const meta = (name: string): KubeObject['metadata'] => ({ name, creationTimestamp: ago(3 * D + 4 * H) });

  it('Namespace: NAME STATUS AGE', () => {
    const ns = kind('', 'Namespace');
    assert.deepEqual(tableColumns(ns).map((c) => c.name), ['Name', 'Status', 'Age']);
    assert.deepEqual(cells(ns, { metadata: meta('default'), status: { phase: 'Active' } }), ['default', 'Active', '3d4h']);
  });

  it('Node: status, roles, version and wide columns', () => {
    const nodes = kind('', 'Node');
    assert.deepEqual(
      tableColumns(nodes).map((c) => `${c.name}:${c.priority}`),
      ['Name:0', 'Status:0', 'Roles:0', 'Age:0', 'Version:0', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1'],
    );
    const n: KubeObject = {
      metadata: { ...meta('n1'), labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'infra' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
        nodeInfo: { kubeletVersion: 'v1.33.0', osImage: 'Debian' },
      },
    };
    assert.deepEqual(cells(nodes, n), ['n1', 'Ready,SchedulingDisabled', 'control-plane,infra,worker', '3d4h', 'v1.33.0', '172.18.0.2', '<none>', 'Debian', '<unknown>', '<unknown>']);
    assert.equal(cells(nodes, { metadata: meta('n2'), status: {} })[1], 'Unknown');
    assert.equal(cells(nodes, { metadata: meta('n3'), status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })[1], 'NotReady');
  });

  it('ConfigMap, Secret, ServiceAccount: counts', () => {
    assert.deepEqual(cells(kind('', 'ConfigMap'), { metadata: meta('cm'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), ['cm', 3, '3d4h']);
    assert.deepEqual(cells(kind('', 'Secret'), { metadata: meta('s'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }), ['s', 'kubernetes.io/tls', 2, '3d4h']);
    assert.deepEqual(cells(kind('', 'Secret'), { metadata: meta('s2'), stringData: { a: 'x' } }), ['s2', 'Opaque', 1, '3d4h']);
    assert.deepEqual(cells(kind('', 'ServiceAccount'), { metadata: meta('sa'), secrets: [{ name: 't' }] }), ['sa', 1, '3d4h']);
    assert.deepEqual(tableColumns(kind('', 'Secret')).map((c) => c.name), ['Name', 'Type', 'Data', 'Age']);
  });

  it('Service: type, cluster IP, external IP, ports and the wide selector', () => {
    const svc = kind('', 'Service');
    assert.deepEqual(tableColumns(svc).map((c) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    const clusterIP: KubeObject = {
      metadata: meta('web'),
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { tier: 'fe', app: 'web' } },
    };
    assert.deepEqual(cells(svc, clusterIP), ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP,53/UDP', '3d4h', 'app=web,tier=fe']);
    const lb: KubeObject = {
      metadata: meta('lb'),
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.11'], ports: [{ port: 443, nodePort: 30443, protocol: 'TCP' }] },
      status: { loadBalancer: {} },
    };
    assert.deepEqual(cells(svc, lb).slice(1, 5), ['LoadBalancer', '10.96.0.11', '<pending>', '443:30443/TCP']);
    const ext: KubeObject = { metadata: meta('ext'), spec: { type: 'ExternalName', externalName: 'example.com' } };
    assert.deepEqual(cells(svc, ext).slice(1, 5).concat(cells(svc, ext)[6]), ['ExternalName', '<none>', 'example.com', '<none>', '<none>']);
  });

  it('Event (core and events.k8s.io): LAST SEEN TYPE REASON OBJECT MESSAGE plus wide columns', () => {
    const core = kind('', 'Event');
    assert.deepEqual(
      tableColumns(core).map((c) => `${c.name}:${c.priority}`),
      ['Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1'],
    );
    const ev: KubeObject = {
      metadata: { name: 'web-1.17f', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{a}' },
      reason: 'Pulled',
      message: '  Container image "nginx" already present\n',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(30 * S),
      count: 4,
    };
    assert.deepEqual(cells(core, ev), ['30s', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{a}', 'kubelet, node-1', 'Container image "nginx" already present', '10m', 4, 'web-1.17f']);

    const fresh: KubeObject = { metadata: { name: 'e2' }, involvedObject: { kind: 'Node' }, eventTime: ago(2 * S), reportingController: 'racelab', type: 'Warning' };
    assert.deepEqual(cells(core, fresh), ['2s', 'Warning', '', 'node', '', 'racelab', '', '2s', 1, 'e2']);

    const v1 = kind('events.k8s.io', 'Event');
    const ev2: KubeObject = {
      metadata: { name: 'e3' },
      regarding: { kind: 'Pod', name: 'p' },
      note: 'hello',
      reason: 'Started',
      type: 'Normal',
      eventTime: ago(3 * M),
      series: { count: 7, lastObservedTime: ago(20 * S) },
      reportingController: 'kubelet',
      reportingInstance: 'node-2',
    };
    assert.deepEqual(cells(v1, ev2), ['20s', 'Normal', 'Started', 'pod/p', '', 'kubelet, node-2', 'hello', '3m', 7, 'e3']);
  });

  it('DRA kinds: ResourceSlice, ResourceClaim STATE, DeviceClass, DeviceTaintRule', () => {
    const slices = kind('resource.k8s.io', 'ResourceSlice');
    assert.deepEqual(tableColumns(slices).map((c) => c.name), ['Name', 'Node', 'Driver', 'Pool', 'Age']);
    assert.deepEqual(cells(slices, { metadata: meta('s1'), spec: { nodeName: 'n1', driver: 'gpu.example.com', pool: { name: 'n1', generation: 1 } } }), ['s1', 'n1', 'gpu.example.com', 'n1', '3d4h']);

    const claims = kind('resource.k8s.io', 'ResourceClaim');
    assert.deepEqual(tableColumns(claims).map((c) => c.name), ['Name', 'State', 'Age']);
    const state = (status: Record<string, unknown>, deleting = false): unknown =>
      cells(claims, { metadata: { ...meta('c'), ...(deleting ? { deletionTimestamp: ago(S) } : {}) }, status })[1];
    assert.equal(state({}), 'pending');
    assert.equal(state({ allocation: {} }), 'allocated');
    assert.equal(state({ allocation: {}, reservedFor: [{ resource: 'pods', name: 'p', uid: 'u' }] }), 'allocated,reserved');
    assert.equal(state({}, true), 'deleted');
    assert.equal(state({ allocation: {}, reservedFor: [{}] }, true), 'deleted,allocated,reserved');

    assert.deepEqual(cells(kind('resource.k8s.io', 'DeviceClass'), { metadata: meta('gpu') }), ['gpu', '3d4h']);
    const rules = kind('resource.k8s.io', 'DeviceTaintRule');
    assert.deepEqual(
      cells(rules, { metadata: meta('r'), spec: { taint: { key: 'example.com/unhealthy', value: 'true', effect: 'NoExecute', timeAdded: ago(90 * S) } } }),
      ['r', 'example.com/unhealthy', 'true', 'NoExecute', '90s', '3d4h'],
    );
  });
});

describe('custom resources (apiextensions tableconvertor)', () => {
  const w = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'default', creationTimestamp: ago(2 * H + 5 * M) },
    spec,
    status,
  });

  it('Name, then the printer columns, with their type, format, priority and description', () => {
    const info = crd([
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Readiness' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 1, format: 'int32' },
    ]);
    assert.deepEqual(tableColumns(info), [
      { name: 'Name', type: 'string', format: 'name', description: tableColumns(pods)[0]?.description, priority: 0 },
      { name: 'Ready', type: 'string', format: '', description: 'Readiness', priority: 0 },
      { name: 'Replicas', type: 'integer', format: 'int32', description: 'Custom resource definition column (in JSONPath format): .spec.replicas', priority: 1 },
    ]);
  });

  it('evaluates paths, indexes and filters; a missing value is a null cell', () => {
    const info = crd([
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'First', type: 'string', jsonPath: '.status.conditions[0].type' },
      { name: 'Last', type: 'string', jsonPath: ".status.conditions[-1]['type']" },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Missing', type: 'string', jsonPath: '.status.phase' },
      { name: 'OutOfRange', type: 'string', jsonPath: '.status.conditions[5].type' },
      { name: 'NotAList', type: 'string', jsonPath: '.spec.replicas[0]' },
    ]);
    const o = w({ replicas: 3 }, { conditions: [{ type: 'Available', status: 'False' }, { type: 'Ready', status: 'True' }] });
    assert.deepEqual(cells(info, o), ['w1', 'True', 'Available', 'Ready', 3, null, null, null]);
    assert.match(JSON.stringify(table(info, [o]).rows[0]?.cells), /,null,null,null\]$/);
  });

  it('converts values by column type like cellForJSONValue', () => {
    const info = crd([
      { name: 'Int', type: 'integer', jsonPath: '.spec.ratio' },
      { name: 'Num', type: 'number', jsonPath: '.spec.count' },
      { name: 'Bool', type: 'boolean', jsonPath: '.spec.paused' },
      { name: 'BoolFromString', type: 'boolean', jsonPath: '.spec.name' },
      { name: 'Str', type: 'string', jsonPath: '.spec.count' },
      { name: 'Float', type: 'string', jsonPath: '.spec.ratio' },
      { name: 'Big', type: 'string', jsonPath: '.spec.big' },
      { name: 'Map', type: 'string', jsonPath: '.spec.selector' },
      { name: 'Null', type: 'string', jsonPath: '.spec.gone' },
      { name: 'When', type: 'date', jsonPath: '.status.lastUpdate' },
      { name: 'Bad', type: 'date', jsonPath: '.spec.name' },
      { name: 'Empty', type: 'date', jsonPath: '.status.empty' },
    ]);
    const o = w(
      { ratio: 2.75, count: 4, paused: false, name: 'x', big: 1234567.5, selector: { z: '<a>', a: 1 }, gone: null },
      { lastUpdate: ago(3 * M + 2 * S), empty: '' },
    );
    assert.deepEqual(cells(info, o), ['w1', 2, 4, false, null, '4', '2.75', '1.2345675e+06', '{"a":1,"z":"\\u003ca\\u003e"}', '<no value>', '3m2s', '<invalid>', '<unknown>']);
  });

  it('wildcards, unions and exists filters', () => {
    const info = crd([
      { name: 'AllTypes', type: 'string', jsonPath: '.status.conditions[*].type' },
      { name: 'Union', type: 'string', jsonPath: '.status.conditions[1,0].type' },
      { name: 'WithReason', type: 'string', jsonPath: '.status.conditions[?(@.reason)].type' },
      { name: 'NumericFilter', type: 'string', jsonPath: '.status.conditions[?(@.gen > 1)].type' },
      { name: 'BadCompare', type: 'string', jsonPath: '.status.conditions[?(@.gen == "2")].type' },
    ]);
    const o = w({}, { conditions: [{ type: 'A', gen: 1 }, { type: 'B', reason: 'Why', gen: 2 }] });
    assert.deepEqual(cells(info, o), ['w1', 'A', 'B', 'B', 'B', null]);
  });

  it('no printer columns: the CRD default Age column', () => {
    const info = kind('infrastructure.cluster.x-k8s.io', 'DockerCluster');
    assert.deepEqual(
      tableColumns(info).map((c) => [c.name, c.type]),
      [['Name', 'string'], ['Age', 'date']],
    );
    assert.match(tableColumns(info)[1]?.description ?? '', /^CreationTimestamp is a timestamp/);
    assert.deepEqual(cells(info, { metadata: { name: 'dc', creationTimestamp: ago(2 * H + 5 * M) } }), ['dc', '125m']);
  });

  it('with printer columns, Age appears only where the CRD lists it', () => {
    const clusters = kind('cluster.x-k8s.io', 'Cluster');
    assert.deepEqual(tableColumns(clusters).map((c) => c.name), ['Name', 'ClusterClass', 'Phase', 'Age', 'Version']);
    const c = cells(clusters, { metadata: { name: 'c1', creationTimestamp: ago(5 * S) }, spec: { topology: { class: 'quick-start', version: 'v1.33.0' } }, status: {} });
    assert.deepEqual(c, ['c1', 'quick-start', null, '5s', 'v1.33.0']);
    assert.ok(!tableColumns(crd([{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }])).some((col) => col.name === 'Age'));
  });

  it('a column whose path does not parse ends the column list there', () => {
    const info = crd([
      { name: 'Ok', type: 'string', jsonPath: '.spec.a' },
      { name: 'Broken', type: 'string', jsonPath: '.spec[?(@.x' },
      { name: 'After', type: 'string', jsonPath: '.spec.b' },
    ]);
    assert.deepEqual(tableColumns(info).map((c) => c.name), ['Name', 'Ok']);
  });
});

describe('tableWatchEncoder', () => {
  const info = kind('', 'Namespace');
  const ns = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: rv, creationTimestamp: ago(S) }, status: { phase: 'Active' } });

  function decode(line: string): { type: string; object: Table } {
    assert.ok(line.endsWith('\n'), 'one line per event');
    assert.equal(line.indexOf('\n'), line.length - 1, 'no newline inside the event');
    return JSON.parse(line) as { type: string; object: Table };
  }

  it('sends columnDefinitions on the first event only; each event is a one-row Table at the object RV', () => {
    const enc = tableWatchEncoder(info, { includeObject: 'Metadata', now: () => NOW, version: 'v1' });
    const first = decode(enc({ type: 'ADDED', revision: 5, object: ns('a', '5') }));
    const second = decode(enc({ type: 'MODIFIED', revision: 6, object: ns('a', '6') }));
    const third = decode(enc({ type: 'DELETED', revision: 7, object: ns('a', '7') }));
    assert.equal(first.type, 'ADDED');
    assert.equal(first.object.kind, 'Table');
    assert.deepEqual(first.object.columnDefinitions?.map((c) => c.name), ['Name', 'Status', 'Age']);
    assert.equal(second.object.columnDefinitions, null);
    assert.equal(third.object.columnDefinitions, null);
    assert.deepEqual([first, second, third].map((e) => e.object.metadata.resourceVersion), ['5', '6', '7']);
    assert.deepEqual(first.object.rows.map((r) => r.cells), [['a', 'Active', '1s']]);
    assert.equal(third.type, 'DELETED');
    assert.equal((third.object.rows[0]?.object as { kind: string }).kind, 'PartialObjectMetadata');
  });

  it('reads the clock per event and honours includeObject', () => {
    let now = NOW;
    const enc = tableWatchEncoder(info, { includeObject: 'None', now: () => now, version: 'v1beta1' });
    const a = decode(enc({ type: 'ADDED', revision: 5, object: ns('a', '5') }));
    now += 2 * M;
    const b = decode(enc({ type: 'ADDED', revision: 6, object: ns('b', '6') }));
    assert.equal(a.object.apiVersion, 'meta.k8s.io/v1beta1');
    assert.equal(a.object.rows[0]?.cells[2], '1s');
    assert.equal(b.object.rows[0]?.cells[2], '2m1s');
    assert.equal(b.object.rows[0]?.object, null);
  });

  it('a BOOKMARK is converted like any object: an empty object of the kind carrying only its resourceVersion', () => {
    const enc = tableWatchEncoder(pods, { includeObject: 'Metadata', now: () => NOW, version: 'v1' });
    const bm = decode(enc({ type: 'BOOKMARK', revision: 12 }));
    assert.equal(bm.type, 'BOOKMARK');
    assert.deepEqual(bm.object.metadata, { resourceVersion: '12' });
    assert.equal(bm.object.columnDefinitions?.length, 9, 'a first bookmark takes the header slot');
    assert.deepEqual(bm.object.rows, [
      {
        cells: ['', '0/0', '', '0', '<unknown>', '<none>', '<none>', '<none>', '<none>'],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '12', creationTimestamp: null } },
      },
    ]);
    const next = decode(enc({ type: 'ADDED', revision: 13, object: pod({ phase: 'Pending' }) }));
    assert.equal(next.object.columnDefinitions, null);
  });
});
