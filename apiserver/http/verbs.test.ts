// Finding 5 of issue 16: the router serves exactly the verbs discovery lists, as kube-apiserver's installer
// registers them; anything else is 405 MethodNotAllowed with upstream's message, and nothing is deleted.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { testServer, type TestServer } from '../../testing/server.ts';

const notAllowed = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', details: {}, code: 405 };

async function names(s: TestServer, path: string): Promise<string[]> {
  const list = (await (await s.fetch(path)).json()) as { items: { metadata: { name: string; namespace?: string } }[] };
  return list.items.map((i) => `${i.metadata.namespace ?? ''}/${i.metadata.name}`).sort();
}

it('serves deletecollection only on the namespaced path of namespaced resources and never on namespaces', async (t) => {
  const s = await testServer(t);
  for (const ns of ['a', 'b']) {
    const json = { 'content-type': 'application/json' };
    assert.equal((await s.fetch('/api/v1/namespaces', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: ns } }) })).status, 201);
    assert.equal((await s.fetch(`/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'cm' } }) })).status, 201);
  }
  const configMaps = await names(s, '/api/v1/configmaps');
  const namespaces = await names(s, '/api/v1/namespaces');
  for (const [method, path] of [
    ['DELETE', '/api/v1/configmaps'],
    ['DELETE', '/api/v1/namespaces'],
    ['POST', '/api/v1/configmaps'],
    ['PUT', '/api/v1/namespaces/a/configmaps'],
    ['PATCH', '/api/v1/namespaces/a/configmaps'],
    ['POST', '/api/v1/namespaces/a/configmaps/cm'],
    ['DELETE', '/api/v1/namespaces/a/status'],
    ['POST', '/api/v1/namespaces/a/finalize'],
    ['DELETE', '/apis/cluster.x-k8s.io/v1beta1/namespaces/a/machinesets/x/scale'],
  ] as const) {
    const res = await s.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: method === 'DELETE' ? undefined : JSON.stringify({ metadata: { name: 'cm' } }) });
    assert.equal(res.status, 405, `${method} ${path}`);
    assert.deepEqual(await res.json(), notAllowed, `${method} ${path}`);
  }
  assert.deepEqual(await names(s, '/api/v1/configmaps'), configMaps, 'no ConfigMap was deleted');
  assert.deepEqual(await names(s, '/api/v1/namespaces'), namespaces, 'no namespace was deleted');

  // The namespaced path still deletes the collection of its namespace only.
  const res = await s.fetch('/api/v1/namespaces/a/configmaps', { method: 'DELETE' });
  assert.equal(res.status, 200);
  assert.deepEqual(await names(s, '/api/v1/configmaps'), configMaps.filter((n) => !n.startsWith('a/')));
});

it('lists in discovery exactly the verbs the router serves', async (t) => {
  const s = await testServer(t);
  type Resource = { resource: string; verbs: string[] };
  const doc = (await (await s.fetch('/api', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).json()) as { items: { versions: { resources: Resource[] }[] }[] };
  const core = doc.items[0]?.versions[0]?.resources ?? [];
  assert.deepEqual(core.find((r) => r.resource === 'namespaces')?.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.ok(core.find((r) => r.resource === 'configmaps')?.verbs.includes('deletecollection'));
  const legacy = (await (await s.fetch('/api/v1')).json()) as { resources: { name: string; verbs: string[] }[] };
  assert.deepEqual(legacy.resources.find((r) => r.name === 'namespaces')?.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  const openapi = (await (await s.fetch('/openapi/v3/api/v1')).json()) as { paths: Record<string, Record<string, unknown>> };
  assert.equal(openapi.paths['/api/v1/namespaces']?.delete, undefined);
  assert.ok(openapi.paths['/api/v1/namespaces/{namespace}/configmaps']?.delete);
});
