// Protobuf bodies over HTTP against the real in-memory API server: kubectl's bytes create the object it
// meant; custom resources, unknown fields and broken envelopes get the Status upstream (or racelab's
// stated limit) gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { testServer } from '../../../testing/server.ts';
import { fixtureDir } from './testdata/cases.ts';
import { readEnvelope } from './decode.ts';

const pbHeaders = { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf,application/json' };
const fixture = (name: string): Buffer => readFileSync(join(fixtureDir, `${name}.pb`));

test('a protobuf ConfigMap from kubectl is created and reads back as JSON', async (t) => {
  const s = await testServer(t);
  const res = await s.fetch('/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict', { method: 'POST', headers: pbHeaders, body: fixture('configmap-literal') });
  assert.equal(res.status, 201, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const back = (await (await s.fetch('/api/v1/namespaces/default/configmaps/cm-lit')).json()) as { data: unknown; metadata: { managedFields: { manager: string }[]; creationTimestamp: string } };
  assert.deepEqual(back.data, { a: '1', b: 'two' });
  assert.equal(back.metadata.managedFields[0]?.manager, 'kubectl-create');
  assert.match(back.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT/);
});

test('secret data arrives as the bytes kubectl read, base64 in JSON', async (t) => {
  const s = await testServer(t);
  const res = await s.fetch('/api/v1/namespaces/default/secrets', { method: 'POST', headers: pbHeaders, body: fixture('secret-generic') });
  assert.equal(res.status, 201, await res.clone().text());
  const back = (await res.json()) as { data: Record<string, string>; type: string };
  assert.equal(Buffer.from(back.data.password ?? '', 'base64').toString(), 's3cr3t');
  assert.equal(back.type, 'Opaque');
});

test('custom resources sent as protobuf get the 415 of the custom resource handler', async (t) => {
  const s = await testServer(t);
  const res = await s.fetch('/apis/cluster.x-k8s.io/v1beta1/namespaces/default/clusters', { method: 'POST', headers: pbHeaders, body: fixture('configmap-literal') });
  assert.equal(res.status, 415);
  const st = (await res.json()) as { reason: string; message: string };
  assert.equal(st.reason, 'UnsupportedMediaType');
  assert.equal(st.message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
});

test('a field the decoder does not know is a 415 that names it; a body without the envelope is a 400', async (t) => {
  const s = await testServer(t);
  const env = readEnvelope(fixture('configmap-literal'));
  const raw = new Uint8Array([...env.raw, ...new BinaryWriter().tag(77, 2).string('new').finish()]);
  const w = new BinaryWriter().tag(1, 2).fork().tag(1, 2).string('v1').tag(2, 2).string('ConfigMap').join().tag(2, 2).bytes(raw);
  const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...w.finish()]);
  const res = await s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: pbHeaders, body });
  assert.equal(res.status, 415);
  const st = (await res.json()) as { message: string };
  assert.match(st.message, /does not know field 77 of k8s\.io\.api\.core\.v1\.ConfigMap; send this object as JSON/);
  const list = (await (await s.fetch('/api/v1/namespaces/default/configmaps')).json()) as { items: unknown[] };
  assert.equal(list.items.length, 0, 'nothing stored');

  const bad = await s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: pbHeaders, body: '{"kind":"ConfigMap"}' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /expected prefix \[107 56 115 0\]/);
});
