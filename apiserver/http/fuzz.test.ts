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
