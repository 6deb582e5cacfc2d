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
