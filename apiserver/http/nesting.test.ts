// Finding 1 and 2 of issue 16: deep bodies are refused with a 400 in every body type, objects at the limit
// round-trip, and a failing write of any verb leaves storage exactly as it was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxBodyNestingDepth, maxNestingDepth } from '../machinery/nesting.ts';
import { testServer, type TestServer } from '../../testing/server.ts';

/** `{"n":{"n":…"x"…}}`, `depth` objects deep, written as text (JSON.stringify itself overflows on deep values). */
const nestedJson = (depth: number): string => `${'{"n":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
const nestedYaml = (depth: number): string => `${'['.repeat(depth)}x${']'.repeat(depth)}`;

const cm = '/api/v1/namespaces/default/configmaps';
const clusters = '/apis/cluster.x-k8s.io/v1beta1/namespaces/default/clusters';
const clusterBody = (name: string, spec: string): string => `{"apiVersion":"cluster.x-k8s.io/v1beta1","kind":"Cluster","metadata":{"name":"${name}"},"spec":${spec}}`;

async function send(s: TestServer, method: string, path: string, body: string | undefined, type = 'application/json'): Promise<{ status: number; body: { kind?: string; message?: string; reason?: string } }> {
  const res = await s.fetch(path, { method, headers: { 'content-type': type }, body });
  return { status: res.status, body: (await res.json()) as { kind?: string; message?: string } };
}

/** Everything a client could see of the objects: the storage revision and every stored object. */
async function snapshot(s: TestServer): Promise<string> {
  const lists = await Promise.all([cm, clusters, '/api/v1/namespaces/default/secrets'].map(async (p) => (await s.fetch(p)).text()));
  return JSON.stringify({ rev: s.storage.revisionNow?.(), lists });
}

describe('nesting limits', () => {
  it('refuses a body nested deeper than the limit with a 400 in every body type, and keeps answering', async (t) => {
    const s = await testServer(t);
    assert.equal((await send(s, 'POST', clusters, clusterBody('c1', '{}'))).status, 201);
    const deep = maxBodyNestingDepth + 1;
    const cases: [string, string, string, string][] = [
      ['POST', cm, 'application/json', `{"metadata":{"name":"d"},"data":${nestedJson(deep)}}`],
      ['POST', cm, 'application/yaml', `metadata: {name: d}\ndata: ${nestedYaml(deep)}`],
      ['POST', cm, 'application/json', `{"metadata":{"name":"d"},"data":${nestedJson(200_000)}}`],
      ['POST', cm, 'application/yaml', `metadata: {name: d}\ndata: ${nestedYaml(200_000)}`],
      ['PUT', `${clusters}/c1`, 'application/json', clusterBody('c1', nestedJson(deep))],
      ['PATCH', `${clusters}/c1`, 'application/merge-patch+json', `{"spec":${nestedJson(deep)}}`],
      ['PATCH', `${clusters}/c1`, 'application/json-patch+json', `[{"op":"add","path":"/spec/x","value":${nestedJson(deep)}}]`],
      ['PATCH', `${cm}/x`, 'application/strategic-merge-patch+json', `{"data":${nestedJson(deep)}}`],
      ['PATCH', `${clusters}/c1?fieldManager=m`, 'application/apply-patch+yaml', clusterBody('c1', nestedJson(deep))],
      ['PATCH', `${clusters}/c1?fieldManager=m`, 'application/apply-patch+yaml', `apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: {name: c1}\nspec: ${nestedYaml(deep)}`],
      ['DELETE', `${clusters}/c1`, 'application/json', `{"kind":"DeleteOptions","x":${nestedJson(deep)}}`],
    ];
    for (const [method, path, type, body] of cases) {
      const res = await send(s, method, path, body, type);
      assert.equal(res.status, 400, `${method} ${path} ${type}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.reason, 'BadRequest');
      assert.match(res.body.message ?? '', /nested too deeply: more than \d+ levels/);
    }
    assert.equal((await s.fetch('/readyz')).status, 200);
    assert.equal((await s.fetch(`${clusters}/c1`)).status, 200);
  });

  it('stores an object nested up to the limit, reads it back and accepts it again', async (t) => {
    const s = await testServer(t);
    // The object, its spec and the chain: the deepest object sits exactly at the limit.
    const spec = nestedJson(maxNestingDepth - 1);
    const created = await send(s, 'POST', clusters, clusterBody('deep', spec));
    assert.equal(created.status, 201, JSON.stringify(created.body).slice(0, 300));
    const got = await s.fetch(`${clusters}/deep`);
    assert.equal(got.status, 200);
    const text = await got.text();
    assert.ok(text.includes(spec), 'the spec comes back as sent');
    const list = await s.fetch('/apis/cluster.x-k8s.io/v1beta1/clusters');
    assert.equal(list.status, 200);
    // managedFields mirror the spec a few levels deeper; the object as read is still a valid body.
    const again = await send(s, 'PUT', `${clusters}/deep`, text);
    assert.equal(again.status, 200, JSON.stringify(again.body).slice(0, 300));
    // One level more is refused, even when it is a patch that makes the object deeper.
    const deeper = await send(s, 'PATCH', `${clusters}/deep`, `[{"op":"add","path":"/spec/n","value":${nestedJson(maxNestingDepth - 1)}}]`, 'application/json-patch+json');
    assert.equal(deeper.status, 400, JSON.stringify(deeper.body).slice(0, 300));
    assert.match(deeper.body.message ?? '', new RegExp(`more than ${maxNestingDepth} levels`));
  });

  it('a failing request of any write verb never changes storage', async (t) => {
    const s = await testServer(t);
    assert.equal((await send(s, 'POST', cm, '{"metadata":{"name":"x","labels":{"a":"b"}},"data":{"k":"v"}}')).status, 201);
    assert.equal((await send(s, 'POST', clusters, clusterBody('c1', '{"paused":false}'))).status, 201);
    const before = await snapshot(s);
    const deep = nestedJson(maxBodyNestingDepth + 1);
    const failing: [string, string, string, string | undefined, number][] = [
      ['create', cm, 'application/json', `{"metadata":{"name":"y"},"data":{"k":${deep}}}`, 400],
      ['create (invalid)', cm, 'application/json', '{"metadata":{"name":"Bad_Name"}}', 422],
      ['update', `${cm}/x`, 'application/json', `{"metadata":{"name":"x"},"data":{"k":${deep}}}`, 400],
      ['update (conflict)', `${cm}/x`, 'application/json', '{"metadata":{"name":"x","resourceVersion":"1"},"data":{"k":"w"}}', 409],
      ['update status', `${clusters}/c1/status`, 'application/json', clusterBody('c1', deep), 400],
      ['merge patch', `${cm}/x`, 'application/merge-patch+json', `{"data":{"k":${deep}}}`, 400],
      ['merge patch (growing)', `${clusters}/c1`, 'application/merge-patch+json', `{"spec":${nestedJson(maxNestingDepth)}}`, 400],
      ['json patch', `${cm}/x`, 'application/json-patch+json', `[{"op":"add","path":"/data/k2","value":"v"},{"op":"test","path":"/data/k","value":"nope"}]`, 422],
      ['strategic merge patch', `${cm}/x`, 'application/strategic-merge-patch+json', `{"metadata":{"labels":{"a":"c"}},"data":{"k":${deep}}}`, 400],
      ['apply', `${cm}/x?fieldManager=m`, 'application/apply-patch+yaml', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":${deep}}}`, 400],
      ['apply (create)', `${cm}/z?fieldManager=m`, 'application/apply-patch+yaml', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"z"},"data":{"k":${deep}}}`, 400],
      ['delete (precondition)', `${cm}/x`, 'application/json', '{"preconditions":{"uid":"nope"}}', 409],
      ['delete (deep options)', `${cm}/x`, 'application/json', `{"preconditions":${deep}}`, 400],
      ['deletecollection (bad selector)', `${cm}?labelSelector=a%20in%20(`, 'application/json', undefined, 400],
    ];
    for (const [verb, path, type, body, code] of failing) {
      const method = verb.startsWith('create') ? 'POST' : verb.startsWith('update') ? 'PUT' : verb.startsWith('delete') ? 'DELETE' : 'PATCH';
      const res = await send(s, method, path, body, type);
      assert.equal(res.status, code, `${verb}: ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.equal(await snapshot(s), before, `${verb} changed nothing`);
    }
  });
});
