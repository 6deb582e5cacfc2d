import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { testServer } from '../../testing/server.ts';
import { actorKubeConfig, ActorKubeConfig, userAgentFor } from './actor.ts';
import { kubeConfigFor } from './config.ts';
import { ApiError, isAlreadyExists, isConflict, isNotFound, KubeClient, resourcePath, type ResourceRef } from './client.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';

interface Seen {
  method: string;
  url: string;
  ua: string | undefined;
  auth: string | undefined;
  contentType: string | undefined;
}

function record(server: { server: { on(ev: 'request', fn: (req: IncomingMessage) => void): unknown } }): Seen[] {
  const seen: Seen[] = [];
  server.server.on('request', (req: IncomingMessage) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', ua: req.headers['user-agent'], auth: req.headers.authorization, contentType: req.headers['content-type'] });
  });
  return seen;
}

const cms = (namespace = 'default'): ResourceRef => ({ group: '', version: 'v1', plural: 'configmaps', namespace });
const clusters = (namespace = 'default'): ResourceRef => ({ group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'clusters', namespace });

type ConfigMap = KubeObject & { data?: Record<string, string> };

test('CRUD on a core kind with typed errors, every request carrying the actor identity', async (t) => {
  const server = await testServer(t);
  const seen = record(server);
  const client = new KubeClient(actorKubeConfig(server.url, 'alice'));

  const created = await client.create<ConfigMap>(cms(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: '1' } });
  assert.equal(created.metadata.namespace, 'default');
  assert.equal(typeof created.metadata.creationTimestamp, 'string', 'objects are the server JSON as is');

  const dup = await client.create(cms(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }).catch((e: unknown) => e);
  assert.ok(dup instanceof ApiError);
  assert.ok(isAlreadyExists(dup));
  assert.equal(dup.code, 409);
  assert.equal(dup.reason, 'AlreadyExists');
  assert.match(dup.message, /configmaps "a" already exists/);

  const got = await client.get<ConfigMap>(cms(), 'a');
  assert.deepEqual(got.data, { k: '1' });

  const updated = await client.update<ConfigMap>(cms(), { ...got, data: { k: '2' } });
  assert.deepEqual(updated.data, { k: '2' });
  const stale = await client.update<ConfigMap>(cms(), { ...got, data: { k: '3' } }).catch((e: unknown) => e);
  assert.ok(isConflict(stale), 'a PUT with a stale resourceVersion conflicts');

  const merged = await client.patch<ConfigMap>(cms(), 'a', { data: { m: 'x' } }, 'merge');
  assert.deepEqual(merged.data, { k: '2', m: 'x' });
  const jsonPatched = await client.patch<ConfigMap>(cms(), 'a', [{ op: 'replace', path: '/data/k', value: '4' }], 'json');
  assert.deepEqual(jsonPatched.data, { k: '4', m: 'x' });
  const strategic = await client.patch<ConfigMap>(cms(), 'a', { metadata: { labels: { l: 'v' } } }, 'strategic');
  assert.deepEqual(strategic.metadata.labels, { l: 'v' });

  await client.create(cms(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: { l: 'w' } } });
  const list = await client.list<ConfigMap>(cms(), { labelSelector: 'l=v' });
  assert.deepEqual(list.items.map((o) => o.metadata.name), ['a']);
  assert.match(list.metadata.resourceVersion ?? '', /^\d+$/);
  const all = await client.list<ConfigMap>({ group: '', version: 'v1', plural: 'configmaps' });
  assert.deepEqual(all.items.map((o) => o.metadata.name).sort(), ['a', 'b']);

  const badPrecondition = await client.delete(cms(), 'a', { preconditions: { uid: 'not-the-uid' } }).catch((e: unknown) => e);
  assert.ok(isConflict(badPrecondition));
  await client.delete(cms(), 'a', { preconditions: { uid: got.metadata.uid } });
  const gone = await client.get(cms(), 'a').catch((e: unknown) => e);
  assert.ok(isNotFound(gone));
  assert.equal((gone as ApiError).status.details?.name, 'a');
  assert.equal((gone as ApiError).path, resourcePath(cms(), 'a'));

  assert.ok(seen.length >= 12);
  for (const s of seen) {
    assert.equal(s.ua, 'racelab-alice', `${s.method} ${s.url}`);
    assert.equal(s.auth, 'Bearer alice');
    assert.ok(s.url.startsWith('/api/v1/'), s.url);
  }
  const patches = seen.filter((s) => s.method === 'PATCH').map((s) => s.contentType);
  assert.deepEqual(patches, ['application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json']);
});

test('custom resources: status subresource, cluster scope, and an aborted request', async (t) => {
  const server = await testServer(t);
  const client = new KubeClient(actorKubeConfig(server.url, 'bob'));
  const c = await client.create(clusters(), { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: { name: 'c1' }, spec: { paused: false } });
  assert.equal(c.metadata.generation, 1);
  const withStatus = await client.updateStatus(clusters(), { ...c, status: { phase: 'Provisioned' }, spec: { paused: true } });
  assert.deepEqual(withStatus.status, { phase: 'Provisioned' });
  assert.deepEqual(withStatus.spec, { paused: false }, 'a status update ignores spec');
  assert.equal(withStatus.metadata.generation, 1);
  const statusPatched = await client.patch(clusters(), 'c1', { status: { phase: 'Deleting' } }, 'merge', { subresource: 'status' });
  assert.deepEqual(statusPatched.status, { phase: 'Deleting' });

  const ns = { group: '', version: 'v1', plural: 'namespaces' };
  const created = await client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  assert.equal(created.metadata.namespace, undefined);
  assert.equal((await client.get(ns, 'team-a')).metadata.name, 'team-a');

  const ac = new AbortController();
  ac.abort();
  await assert.rejects(client.get(clusters(), 'c1', { signal: ac.signal }), (e: Error) => e.name === 'AbortError');
  assert.equal(client.inFlight(), 0);
  assert.ok(client.idle());
});

test('ActorKubeConfig: from() keeps the credentials of a kubeconfig and adds the actor User-Agent', async (t) => {
  const server = await testServer(t);
  const seen = record(server);
  const kc = ActorKubeConfig.from(kubeConfigFor(server.url, 'token-user'), 'carol');
  assert.equal(kc.userAgent, userAgentFor('carol'));
  await new KubeClient(kc).list(cms());
  assert.equal(seen[0]?.auth, 'Bearer token-user');
  assert.equal(seen[0]?.ua, 'racelab-carol');
});
