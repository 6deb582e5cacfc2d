// Finding 6 of issue 16: typed fields of built-in kinds are checked before storage with upstream's texts,
// Secret stringData is merged into data, and keys named like Object.prototype members are ordinary keys
// (`__proto__` is refused, never dropped).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testServer, type TestServer } from '../../testing/server.ts';

const cms = '/api/v1/namespaces/default/configmaps';
const secrets = '/api/v1/namespaces/default/secrets';

async function send(s: TestServer, method: string, path: string, body: string, type = 'application/json'): Promise<{ status: number; body: Record<string, unknown> & { message?: string; data?: Record<string, string>; metadata?: { labels?: Record<string, string>; managedFields?: { fieldsV1: unknown }[] } } }> {
  const res = await s.fetch(path, { method, headers: { 'content-type': type }, body });
  return { status: res.status, body: (await res.json()) as never };
}

describe('typed fields of built-in kinds', () => {
  it('refuses values of the wrong type with the decoder message, and stores nothing', async (t) => {
    const s = await testServer(t);
    const cases: [string, string, string][] = [
      [cms, '{"metadata":{"name":"a"},"data":{"k":{"n":1}}}', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ConfigMap.data of type string'],
      [cms, '{"metadata":{"name":"a"},"data":{"k":1}}', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string'],
      [cms, '{"metadata":{"name":"a"},"data":["x"]}', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string'],
      [cms, '{"metadata":{"name":"a"},"binaryData":{"b":"not base64!"}}', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 3'],
      [cms, '{"metadata":{"name":"a"},"immutable":"yes"}', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.immutable of type bool'],
      [cms, '{"metadata":{"name":"a","labels":{"k":5}}}', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
      [secrets, '{"metadata":{"name":"s"},"data":{"k":"abcde"}}', 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4'],
      [secrets, '{"metadata":{"name":"s"},"data":{"k":true}}', 'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal bool into Go struct field Secret.data of type []uint8'],
      [secrets, '{"metadata":{"name":"s"},"stringData":{"k":{}}}', 'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal object into Go struct field Secret.stringData of type string'],
      ['/api/v1/namespaces/default/pods', '{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}],"nodeSelector":{"zone":1}}}', 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field PodSpec.spec.nodeSelector of type string'],
      ['/api/v1/namespaces/default/services', '{"metadata":{"name":"svc"},"spec":{"selector":{"app":["x"]}}}', 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal array into Go struct field ServiceSpec.spec.selector of type string'],
    ];
    for (const [path, body, message] of cases) {
      const res = await send(s, 'POST', path, body);
      assert.equal(res.status, 400, body);
      assert.equal(res.body.reason, 'BadRequest');
      assert.equal(res.body.message, message);
    }
    assert.equal((await send(s, 'POST', cms, '{"metadata":{"name":"ok"},"data":{"k":"v"}}')).status, 201);
    for (const patch of ['{"data":{"k":{"n":1}}}', '{"data":{"k":2}}']) {
      const res = await send(s, 'PATCH', `${cms}/ok`, patch, 'application/merge-patch+json');
      assert.equal(res.status, 400, patch);
    }
    const list = (await (await s.fetch(cms)).json()) as { items: { metadata: { name: string }; data?: unknown }[] };
    assert.deepEqual(list.items.map((i) => [i.metadata.name, i.data]), [['ok', { k: 'v' }]]);
  });

  it('merges Secret stringData into data, base64-encoded, and never stores it', async (t) => {
    const s = await testServer(t);
    const created = await send(s, 'POST', secrets, '{"metadata":{"name":"s"},"data":{"a":"YQ==","b":"Yg=="},"stringData":{"b":"bee","c":"sea"}}');
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.data, { a: 'YQ==', b: 'YmVl', c: 'c2Vh' });
    assert.equal(created.body.stringData, undefined);
    const patched = await send(s, 'PATCH', `${secrets}/s`, '{"stringData":{"d":"dee"}}', 'application/merge-patch+json');
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.data, { a: 'YQ==', b: 'YmVl', c: 'c2Vh', d: 'ZGVl' });
    const got = (await (await s.fetch(`${secrets}/s`)).json()) as Record<string, unknown>;
    assert.equal(got.stringData, undefined);
  });

  it('keeps keys named like Object.prototype members and refuses __proto__', async (t) => {
    const s = await testServer(t);
    const keys = { constructor: 'c', prototype: 'p', toString: 't', hasOwnProperty: 'h' };
    const created = await send(s, 'POST', cms, JSON.stringify({ metadata: { name: 'proto', labels: keys }, data: keys }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.data, keys);
    assert.deepEqual(created.body.metadata?.labels, keys);
    const owned = JSON.stringify(created.body.metadata?.managedFields?.[0]?.fieldsV1);
    for (const k of Object.keys(keys)) assert.ok(owned.includes(`"f:${k}"`), `${k} is owned: ${owned}`);
    // Every patch type adds such keys like any other.
    const adds: [string, string][] = [
      ['application/merge-patch+json', '{"data":{"valueOf":"v1"}}'],
      ['application/strategic-merge-patch+json', '{"data":{"isPrototypeOf":"v2"}}'],
      ['application/json-patch+json', '[{"op":"add","path":"/data/propertyIsEnumerable","value":"v3"}]'],
      ['application/apply-patch+yaml', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proto"},"data":{"toLocaleString":"v4"}}'],
    ];
    for (const [type, body] of adds) {
      const res = await send(s, 'PATCH', `${cms}/proto?fieldManager=m${type.includes('apply') ? '&force=true' : ''}`, body, type);
      assert.equal(res.status, 200, `${type}: ${JSON.stringify(res.body)}`);
    }
    const got = (await (await s.fetch(`${cms}/proto`)).json()) as { data: Record<string, string> };
    assert.deepEqual(got.data, { ...keys, valueOf: 'v1', isPrototypeOf: 'v2', propertyIsEnumerable: 'v3', toLocaleString: 'v4' });
    // A label selector on such a key matches only objects that have it.
    assert.equal((await send(s, 'POST', cms, '{"metadata":{"name":"plain"}}')).status, 201);
    const selected = (await (await s.fetch(`${cms}?labelSelector=constructor`)).json()) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(selected.items.map((i) => i.metadata.name), ['proto']);
    // __proto__ in every body type is refused, naming the key.
    for (const [method, path, type, body] of [
      ['POST', cms, 'application/json', '{"metadata":{"name":"x","labels":{"__proto__":"a"}}}'],
      ['POST', cms, 'application/yaml', 'metadata: {name: x}\ndata: {__proto__: a}'],
      ['PATCH', `${cms}/proto`, 'application/merge-patch+json', '{"data":{"__proto__":{"polluted":"yes"}}}'],
      ['PATCH', `${cms}/proto`, 'application/strategic-merge-patch+json', '{"__proto__":{"polluted":"yes"}}'],
      ['PATCH', `${cms}/proto`, 'application/json-patch+json', '[{"op":"add","path":"/data/x","value":{"__proto__":{}}}]'],
      ['PATCH', `${cms}/proto?fieldManager=m`, 'application/apply-patch+yaml', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proto"},"__proto__":{"x":1}}'],
    ] as const) {
      const res = await send(s, method, path, body, type);
      assert.equal(res.status, 400, `${method} ${type}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.message ?? '', /the key "__proto__" is not allowed/);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  it('stores constructor and prototype keys and refuses __proto__ in every body and patch type, never dropping one', async (t) => {
    const s = await testServer(t);
    assert.equal((await send(s, 'POST', cms, '{"metadata":{"name":"o"},"data":{"a":"b"}}')).status, 201);
    const tag = (key: string): string => key.replace(/_/g, 'u');
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      // Each write sets data[key] (and for JSON patch also a label of that name) to a value of its own.
      const writes: [string, string, string, (v: string) => string][] = [
        ['POST', cms, 'application/json', (v) => `{"metadata":{"name":"n-${tag(key)}-${v}"},"data":{"${key}":"${v}"}}`],
        ['POST', cms, 'application/yaml', (v) => `metadata: {name: n-${tag(key)}-${v}}\ndata: {${key}: ${v}}`],
        ['PUT', `${cms}/o`, 'application/json', (v) => `{"metadata":{"name":"o"},"data":{"${key}":"${v}"}}`],
        ['PUT', `${cms}/o`, 'application/yaml', (v) => `metadata: {name: o}\ndata: {${key}: ${v}}`],
        ['PATCH', `${cms}/o`, 'application/merge-patch+json', (v) => `{"data":{"${key}":"${v}"}}`],
        ['PATCH', `${cms}/o`, 'application/strategic-merge-patch+json', (v) => `{"data":{"${key}":"${v}"}}`],
        ['PATCH', `${cms}/o`, 'application/json-patch+json', (v) => `[{"op":"add","path":"/data/${key}","value":"${v}"}]`],
        ['PATCH', `${cms}/o`, 'application/json-patch+json', (v) => `[{"op":"add","path":"/data","value":{"${key}":"${v}"}}]`],
        ['PATCH', `${cms}/o?fieldManager=a&force=true`, 'application/apply-patch+yaml', (v) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"o"},"data":{"${key}":"${v}"}}`],
        ['PATCH', `${cms}/o?fieldManager=b&force=true`, 'application/apply-patch+yaml', (v) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: o}\ndata: {${key}: ${v}}`],
      ];
      for (const [i, [method, path, type, body]] of writes.entries()) {
        const value = `v${i}`;
        const res = await send(s, method, path, body(value), type);
        const what = `${key} ${method} ${type} #${i}: ${res.status} ${JSON.stringify(res.body)}`;
        if (key === '__proto__') {
          assert.equal(res.status, 400, what);
          assert.match(res.body.message ?? '', /the key "__proto__" is not allowed/, what);
          continue;
        }
        assert.ok(res.status === 200 || res.status === 201, what);
        const name = method === 'POST' ? `n-${tag(key)}-${value}` : 'o';
        const got = (await (await s.fetch(`${cms}/${name}`)).json()) as { data: Record<string, string> };
        assert.ok(Object.hasOwn(got.data, key), what);
        assert.equal(got.data[key], value, what);
      }
    }
    assert.equal(Object.getPrototypeOf(({} as Record<string, unknown>)), Object.prototype);
    assert.equal(({} as Record<string, unknown>).v0, undefined);
  });
});
