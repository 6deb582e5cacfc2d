// Metadata-only replies and /openapi/v2 over HTTP against the real in-memory API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from '../../testing/server.ts';

const metaList = 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const metaOne = 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

async function createConfigMap(s: Awaited<ReturnType<typeof testServer>>, name: string): Promise<void> {
  const res = await s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name, labels: { app: 'x' } }, data: { secret: 'not in metadata' } }) });
  assert.equal(res.status, 201);
}

test('PartialObjectMetadata for get and PartialObjectMetadataList for list, as client-go metadata clients ask', async (t) => {
  const s = await testServer(t);
  await createConfigMap(s, 'a');
  await createConfigMap(s, 'b');
  const one = await s.fetch('/api/v1/namespaces/default/configmaps/a', { headers: { accept: metaOne } });
  assert.equal(one.headers.get('content-type'), 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
  const o = (await one.json()) as Record<string, unknown> & { metadata: { name: string; labels: Record<string, string> } };
  assert.deepEqual(Object.keys(o), ['kind', 'apiVersion', 'metadata']);
  assert.equal(o.kind, 'PartialObjectMetadata');
  assert.equal(o.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(o.metadata.labels, { app: 'x' });

  const list = await s.fetch('/api/v1/namespaces/default/configmaps?limit=1', { headers: { accept: metaList } });
  assert.equal(list.headers.get('content-type'), 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
  const l = (await list.json()) as { kind: string; metadata: { continue?: string; resourceVersion: string }; items: { kind: string; metadata: { name: string }; data?: unknown }[] };
  assert.equal(l.kind, 'PartialObjectMetadataList');
  assert.equal(l.items.length, 1);
  assert.equal(l.items[0]?.kind, 'PartialObjectMetadata');
  assert.equal(l.items[0]?.data, undefined);
  assert.ok(l.metadata.continue, 'paging still works');

  const plain = (await (await s.fetch('/api/v1/namespaces/default/configmaps/a')).json()) as { kind: string };
  assert.equal(plain.kind, 'ConfigMap');
});

test('a metadata-only watch sends PartialObjectMetadata events', async (t) => {
  const s = await testServer(t);
  const list = (await (await s.fetch('/api/v1/namespaces/default/configmaps', { headers: { accept: metaList } })).json()) as { metadata: { resourceVersion: string } };
  const ac = new AbortController();
  t.after(() => ac.abort());
  const res = await s.fetch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { headers: { accept: metaList }, signal: ac.signal });
  await createConfigMap(s, 'w');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  const ev = JSON.parse(text.split('\n')[0] ?? '') as { type: string; object: { kind: string; metadata: { name: string }; data?: unknown } };
  assert.equal(ev.type, 'ADDED');
  assert.equal(ev.object.kind, 'PartialObjectMetadata');
  assert.equal(ev.object.metadata.name, 'w');
  assert.equal(ev.object.data, undefined);
  await reader.cancel();
});

test('/openapi/v2 answers JSON or gnostic protobuf, with no definitions', async (t) => {
  const s = await testServer(t);
  const json = (await (await s.fetch('/openapi/v2')).json()) as { swagger: string; definitions: object };
  assert.equal(json.swagger, '2.0');
  assert.deepEqual(json.definitions, {});
  const pb = await s.fetch('/openapi/v2?timeout=32s', { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  assert.equal(pb.status, 200);
  assert.equal(pb.headers.get('content-type'), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  const bytes = Buffer.from(await pb.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 5)], [0x0a, 0x03, 0x32, 0x2e, 0x30], 'field 1 (swagger) = "2.0"');
});
