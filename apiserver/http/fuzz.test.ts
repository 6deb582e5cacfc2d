// Random requests: every answer is a well-formed Status or object, and the server keeps answering.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { testServer } from '../../testing/server.ts';

const segments = fc.constantFrom('api', 'apis', 'v1', 'namespaces', 'default', 'kube-system', 'nope', 'pods', 'configmaps', 'status', 'scale', 'cluster.x-k8s.io', 'v1beta1', 'clusters', 'machinesets', 'resource.k8s.io', 'resourceslices', 'x', 'c1', '%41', '..', 'watch', '');
const paths = fc.oneof(
  fc.array(segments, { minLength: 0, maxLength: 7 }).map((p) => `/${p.join('/')}`),
  fc.constantFrom('/api/v1/namespaces/default/configmaps', '/api/v1/namespaces/default/configmaps/x', '/apis/cluster.x-k8s.io/v1beta1/namespaces/default/clusters/c1/status', '/api/v1/nodes', '/api/v1/namespaces/default'),
);
const queryValues = fc.oneof(fc.constantFrom('', '0', '1', '-1', 'abc', '999999999', 'All', 'Strict', 'a=b', 'a in (x,y),!b', 'metadata.name=x', 'spec.x=1', '((', 'true', 'Exact', 'Foreground'), fc.string({ maxLength: 12 }));
const query = fc
  .array(fc.tuple(fc.constantFrom('labelSelector', 'fieldSelector', 'resourceVersion', 'resourceVersionMatch', 'limit', 'continue', 'dryRun', 'fieldValidation', 'propagationPolicy', 'gracePeriodSeconds', 'fieldManager', 'force'), queryValues), { maxLength: 4 })
  .map((kv) => new URLSearchParams(kv).toString());
const bodies = fc.oneof(
  fc.constant(undefined),
  fc.json(),
  fc.string({ maxLength: 40 }),
  fc.record({ metadata: fc.record({ name: fc.constantFrom('x', 'c1', 'Bad_Name', ''), labels: fc.oneof(fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }))), finalizers: fc.oneof(fc.constant(undefined), fc.array(fc.constantFrom('a.io/f', 'bad finalizer'))), resourceVersion: fc.oneof(fc.constant(undefined), fc.constantFrom('1', 'x', '99999')) }, { requiredKeys: [] }), data: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })), spec: fc.anything() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.array(fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'test', 'move', 'bogus'), path: fc.constantFrom('/data/a', '/metadata/labels', '/spec', '', '/x/y/z'), value: fc.anything() }), { maxLength: 3 }).map((o) => JSON.stringify(o)),
);
const contentTypes = fc.constantFrom(undefined, 'application/json', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'text/html');

it('answers random requests with well-formed objects or Statuses and keeps answering', async (t) => {
  const s = await testServer(t);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), paths, query, bodies, contentTypes, async (method, path, q, body, type) => {
      const headers: Record<string, string> = {};
      if (type) headers['content-type'] = type;
      const init: RequestInit = { method, headers };
      if (body !== undefined && method !== 'GET') init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await s.fetch(`${path}${q ? `?${q}` : ''}`, init);
      const text = await res.text();
      if (path.startsWith('/healthz') || path.startsWith('/readyz') || path.startsWith('/livez')) return;
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${method} ${path}?${q} -> ${res.status} ${text}`);
      const parsed = JSON.parse(text) as { kind?: string; code?: number; status?: string; apiVersion?: string };
      if (res.status >= 400) {
        assert.equal(parsed.kind, 'Status', text);
        assert.equal(parsed.code, res.status, text);
        assert.equal(parsed.status, 'Failure');
        assert.ok(res.status < 500, `no internal errors: ${method} ${path}?${q} ${String(body)} -> ${text}`);
      } else {
        assert.ok(parsed.kind, `objects name their kind: ${text}`);
      }
    }),
    { seed: 20251122, numRuns: 1500 },
  );
  const ready = await s.fetch('/readyz');
  assert.equal(ready.status, 200);
});

// Issue 16's classes of hostile input: deep nesting in every body type, __proto__ keys in every patch type,
// huge strings, malformed percent-encodings, odd media types and Origins. No 5xx, the server keeps answering,
// and a canary set of objects in a namespace no request names is exactly as it was.
const deep = (depth: number, open: string, close: string, leaf: string): string => `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
const hostileBodies = fc.oneof(
  fc.integer({ min: 1000, max: 20_000 }).map((d) => `{"metadata":{"name":"x"},"data":{"k":${deep(d, '{"n":', '}', '"x"')}}}`),
  fc.integer({ min: 1000, max: 20_000 }).map((d) => `{"metadata":{"name":"x"},"spec":${deep(d, '[', ']', '1')}}`),
  fc.integer({ min: 1000, max: 20_000 }).map((d) => `metadata: {name: x}\ndata: ${deep(d, '[', ']', 'x')}`),
  fc.integer({ min: 1000, max: 5_000 }).map((d) => `[{"op":"add","path":"/data/k","value":${deep(d, '{"a":', '}', '1')}}]`),
  fc.constantFrom(
    '{"metadata":{"name":"x","labels":{"__proto__":"a"}}}',
    '{"__proto__":{"polluted":true}}',
    '{"data":{"__proto__":{"x":"y"}}}',
    '[{"op":"add","path":"/data/__proto__","value":"x"}]',
    '[{"op":"add","path":"/metadata/labels","value":{"__proto__":"x"}}]',
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"__proto__":{"x":1}}',
    'metadata: {name: x}\n__proto__: {polluted: true}',
    '{"metadata":{"name":"x"},"data":{"constructor":"c","prototype":"p","toString":"t"}}',
    '{"metadata":{"name":"x"},"data":{"k":{"n":1}}}',
    '{"metadata":{"name":"x"},"stringData":{"k":"v"},"data":{"b":"!!"}}',
  ),
  fc.integer({ min: 100_000, max: 2_000_000 }).map((n) => `{"metadata":{"name":"x","annotations":{"a":"${'x'.repeat(n)}"}},"data":{"k":"${'y'.repeat(n / 2)}"}}`),
);
const hostilePaths = fc.oneof(
  paths,
  fc.constantFrom('/api/v1/namespaces/%zz/configmaps', '/api/v1/namespaces/default/configmaps/%E0%A4%A', '/api/%', '/apis/%c0%80/v1/x', '/openapi/v3/%zz', '/api/v1/namespaces/default/configmaps/a%2Fb', '/racelab/v1/%', '/api/v1/configmaps', '/api/v1/namespaces', '/api/v1/namespaces/default/secrets/x'),
);
const hostileTypes = fc.constantFrom(undefined, 'text/plain', 'text/plain;charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/vnd.kubernetes.protobuf', 'application/cbor', '*/*', ';;;', 'application/json; charset=binary');
const origins = fc.constantFrom(undefined, undefined, 'https://evil.example', 'null', 'http://127.0.0.1:1', '');

it('survives hostile bodies, paths, media types and Origins, and leaves the canaries alone', async (t) => {
  const s = await testServer(t);
  const json = { 'content-type': 'application/json' };
  assert.equal((await s.fetch('/api/v1/namespaces', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'canary' } }) })).status, 201);
  for (const name of ['c1', 'c2']) {
    assert.equal((await s.fetch('/api/v1/namespaces/canary/configmaps', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name, labels: { constructor: 'x' } }, data: { k: name } }) })).status, 201);
  }
  assert.equal((await s.fetch('/api/v1/namespaces/canary/secrets', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 's' }, stringData: { p: 'w' } }) })).status, 201);
  const canaries = async (): Promise<string> =>
    JSON.stringify(await Promise.all(['/api/v1/namespaces/canary', '/api/v1/namespaces/canary/configmaps', '/api/v1/namespaces/canary/secrets'].map(async (p) => (await s.fetch(p)).json())));
  const before = await canaries();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), hostilePaths, query, hostileBodies, hostileTypes, origins, async (method, path, q, body, type, origin) => {
      const headers: Record<string, string> = {};
      if (type) headers['content-type'] = type;
      if (origin !== undefined) headers.origin = origin;
      const init: RequestInit = { method, headers };
      if (method !== 'GET') init.body = Buffer.from(body);
      const res = await s.fetch(`${path}${q ? `?${q}` : ''}`, init);
      const text = await res.text();
      assert.ok(res.status < 500, `no internal errors: ${method} ${path}?${q} ${type} ${body.slice(0, 80)} -> ${res.status} ${text.slice(0, 300)}`);
      if (res.status >= 400 && res.headers.get('content-type')?.startsWith('application/json')) {
        const st = JSON.parse(text) as { kind?: string; code?: number };
        assert.equal(st.kind, 'Status', text.slice(0, 300));
        assert.equal(st.code, res.status);
      }
    }),
    { seed: 20261204, numRuns: 400, verbose: 0, reporter: (r) => { if (r.failed) throw new Error(`${String(r.errorInstance).slice(0, 600)} (seed ${r.seed}, path ${r.counterexamplePath ?? ''})`); } },
  );
  assert.equal((await s.fetch('/readyz')).status, 200);
  assert.equal(await canaries(), before, 'the canaries are unchanged');
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
});

// Issue 16's typed-field class: a random wrong-typed value in a random typed field of a random built-in kind,
// created or merge-patched in, is a 400 BadRequest, and nothing is stored or changed. The wrong values come from
// oracles independent of the checker: JSON kinds other than the field's, and strings outside the grammar the
// upstream message names.
type FieldClass = 'string' | 'int' | 'bool' | 'quantity' | 'intOrString' | 'time' | 'microTime' | 'bytes' | 'stringMap' | 'list' | 'struct';
interface TypedKind {
  path: string;
  body: Record<string, unknown>;
  fields: [string, FieldClass][];
}
const container = { name: 'c', image: 'nginx', args: ['a'], ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, readinessProbe: { httpGet: { port: 80 } } };
const typedKinds: TypedKind[] = [
  {
    path: '/api/v1/namespaces/default/pods',
    body: { metadata: { labels: { a: 'b' } }, spec: { containers: [container], nodeSelector: { z: 'a' }, terminationGracePeriodSeconds: 30, hostNetwork: false } },
    fields: [['metadata.labels', 'stringMap'], ['metadata.labels.a', 'string'], ['spec', 'struct'], ['spec.containers', 'list'], ['spec.containers.0.name', 'string'], ['spec.containers.0.args.0', 'string'], ['spec.containers.0.ports.0.containerPort', 'int'], ['spec.containers.0.resources.limits.cpu', 'quantity'], ['spec.containers.0.readinessProbe.httpGet.port', 'intOrString'], ['spec.nodeSelector', 'stringMap'], ['spec.terminationGracePeriodSeconds', 'int'], ['spec.hostNetwork', 'bool']],
  },
  {
    path: '/apis/apps/v1/namespaces/default/deployments',
    body: { spec: { replicas: 1, paused: false, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [container] } }, strategy: { rollingUpdate: { maxSurge: '25%' } } } },
    fields: [['spec.replicas', 'int'], ['spec.paused', 'bool'], ['spec.selector.matchLabels', 'stringMap'], ['spec.template.spec.containers.0.ports.0.containerPort', 'int'], ['spec.template.spec.containers.0.resources.limits.cpu', 'quantity'], ['spec.strategy.rollingUpdate.maxSurge', 'intOrString']],
  },
  {
    path: '/api/v1/namespaces/default/services',
    body: { spec: { selector: { app: 'd' }, ports: [{ port: 80, targetPort: 8080 }] } },
    fields: [['spec.selector', 'stringMap'], ['spec.ports.0.port', 'int'], ['spec.ports.0.targetPort', 'intOrString'], ['spec.ports', 'list']],
  },
  {
    path: '/api/v1/namespaces/default/configmaps',
    body: { data: { k: 'v' }, binaryData: { b: 'aGk=' }, immutable: false },
    fields: [['data', 'stringMap'], ['data.k', 'string'], ['binaryData.b', 'bytes'], ['immutable', 'bool']],
  },
  {
    path: '/api/v1/namespaces/default/secrets',
    body: { data: { k: 'aGk=' }, type: 'Opaque' },
    fields: [['data.k', 'bytes'], ['type', 'string']],
  },
  {
    path: '/apis/coordination.k8s.io/v1/namespaces/default/leases',
    body: { spec: { holderIdentity: 'h', leaseDurationSeconds: 15, renewTime: '2024-01-01T00:00:00.000000Z' } },
    fields: [['spec.holderIdentity', 'string'], ['spec.leaseDurationSeconds', 'int'], ['spec.renewTime', 'microTime']],
  },
  {
    path: '/api/v1/namespaces/default/events',
    body: { involvedObject: { kind: 'Pod', name: 'p' }, count: 1, lastTimestamp: '2024-01-01T00:00:00Z' },
    fields: [['involvedObject', 'struct'], ['involvedObject.name', 'string'], ['count', 'int'], ['lastTimestamp', 'time']],
  },
  {
    path: '/apis/batch/v1/namespaces/default/jobs',
    body: { spec: { backoffLimit: 6, template: { spec: { restartPolicy: 'Never', containers: [container] } } } },
    fields: [['spec.backoffLimit', 'int'], ['spec.template.spec.containers.0.resources.limits.cpu', 'quantity']],
  },
];

const notString = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }));
const notNumber = fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant({}), fc.constant([1]));
const wrongValues: Record<FieldClass, fc.Arbitrary<unknown>> = {
  string: notString,
  int: fc.oneof(notNumber, fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)), fc.constantFrom(2 ** 63 * 4, -(2 ** 64))),
  bool: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant({}), fc.constant([true])),
  quantity: fc.oneof(
    fc.boolean(),
    fc.constant({}),
    fc.constant(['1']),
    fc.string({ maxLength: 8 }).filter((s) => !/^[+-]?[0-9.]+([eEinumkKMGTP]*[-+]?[0-9]*)$/.test(s.trim())),
  ),
  intOrString: fc.oneof(fc.boolean(), fc.constant({ a: 1 }), fc.constant([1]), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)), fc.constant(2 ** 31)),
  time: fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.string({ maxLength: 12 }).filter((s) => !/^\d{4}-\d\d-\d\dT\d\d?:\d\d:\d\d/.test(s))),
  microTime: fc.oneof(fc.integer(), fc.constant([]), fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123Z', 'now')),
  bytes: fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.string({ minLength: 1, maxLength: 8 }).filter((s) => /[^A-Za-z0-9+/=\r\n]/.test(s))),
  stringMap: fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant([]), fc.constant({ k: 1 }), fc.constant({ k: { n: 'x' } })),
  list: fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant({ a: 1 })),
  struct: fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant([{}])),
};

function withValue(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  const keys = path.split('.');
  let at: Record<string, unknown> = out;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[keys[keys.length - 1] as string] = value;
  return out;
}

it('refuses wrong-typed values in typed fields of built-in kinds with 400, storing nothing', async (t) => {
  const s = await testServer(t);
  const json = { 'content-type': 'application/json' };
  for (const [i, k] of typedKinds.entries()) {
    const res = await s.fetch(k.path, { method: 'POST', headers: json, body: JSON.stringify({ ...k.body, metadata: { ...(k.body.metadata as object), name: 'base' } }) });
    assert.equal(res.status, 201, `the base object of ${String(i)} is valid: ${await res.text()}`);
  }
  const stored = async (): Promise<string> => JSON.stringify(await Promise.all(typedKinds.map(async (k) => (await s.fetch(k.path)).json())));
  const before = await stored();
  const case_ = fc
    .nat({ max: typedKinds.length - 1 })
    .chain((i) => fc.tuple(fc.constant(typedKinds[i] as TypedKind), fc.constantFrom(...(typedKinds[i] as TypedKind).fields)))
    .chain(([k, [path, cls]]) => fc.tuple(fc.constant(k), fc.constant(path), wrongValues[cls], fc.constantFrom('create', 'patch')));
  await fc.assert(
    fc.asyncProperty(case_, async ([k, path, value, how]) => {
      // A create names a new object; a merge patch of the base object carries the whole body, the name aside.
      const body = withValue({ ...k.body, metadata: { ...(k.body.metadata as object), ...(how === 'create' ? { name: 'x' } : {}) } }, path, value);
      const res =
        how === 'create'
          ? await s.fetch(k.path, { method: 'POST', headers: json, body: JSON.stringify(body) })
          : await s.fetch(`${k.path}/base`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify(body) });
      const text = await res.text();
      const st = JSON.parse(text) as { kind?: string; reason?: string };
      assert.equal(res.status, 400, `${how} ${k.path} ${path}=${JSON.stringify(value)} -> ${text.slice(0, 300)}`);
      assert.equal(st.kind, 'Status');
      assert.equal(st.reason, 'BadRequest');
    }),
    { seed: 20261205, numRuns: 400 },
  );
  assert.equal(await stored(), before, 'nothing was stored or changed');
});
