// The HTTP API on etcd storage: CRUD, watch resume, 410 after compaction, finalizers, and acknowledged writes
// surviving a server restart. Skips with a message only when no etcd binary is installed.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { etcdSkip, startEtcd, type TestEtcd } from '../../testing/etcd.ts';
import { eventually } from '../../testing/eventually.ts';
import { mergePatch, statusOf, testServer, type TestServer } from '../../testing/server.ts';
import { openWatchLines } from '../../testing/watchlines.ts';
import { openEtcdStorage } from '../storage/etcd/open.ts';
import { EtcdStore } from '../storage/etcd/store.ts';

const skip = etcdSkip();

describe('the API server on etcd', { skip }, () => {
  let etcd: TestEtcd | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(() => etcd?.stop());
  let n = 0;

  async function server(t: TestContext, root = `/registry-${++n}`, historyLimit?: number): Promise<TestServer> {
    const storage = await openEtcdStorage({ url: (etcd as TestEtcd).url, root, historyLimit });
    const s = await testServer(t, { storage });
    t.after(() => storage.close());
    return s;
  }

  const listRv = async (s: TestServer, query = ''): Promise<{ rv: string; names: string[]; continue?: string; status: number; body: Record<string, unknown> }> => {
    const res = await s.fetch(`/api/v1/namespaces/default/configmaps${query}`);
    const body = (await res.json()) as { metadata: { resourceVersion: string; continue?: string }; items?: { metadata: { name: string } }[] };
    return { rv: body.metadata?.resourceVersion, names: (body.items ?? []).map((i) => i.metadata.name), continue: body.metadata?.continue, status: res.status, body };
  };

  it('creates, reads, lists, updates with optimistic concurrency and deletes', async (t) => {
    const s = await server(t);
    const core = s.core();
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' }, data: { x: '1' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
    assert.equal((await core.readNamespacedConfigMap({ namespace: 'default', name: 'a' })).data?.x, '1');
    assert.deepEqual((await listRv(s)).names, ['a', 'b']);
    const dup = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } }).catch(statusOf);
    assert.equal((dup as { code: number }).code, 409);
    const up = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'a', body: { ...a, data: { x: '2' } } });
    assert.ok(Number(up.metadata?.resourceVersion) > Number(a.metadata?.resourceVersion));
    // The old resourceVersion no longer matches: 409 Conflict, as etcd's mod_revision guard refuses it.
    const stale = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'a', body: { ...a, data: { x: '3' } } }).catch(statusOf);
    assert.equal((stale as { code: number; reason?: string }).reason, 'Conflict');
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'a' });
    const gone = await core.readNamespacedConfigMap({ namespace: 'default', name: 'a' }).catch(statusOf);
    assert.equal((gone as { code: number }).code, 404);
    assert.deepEqual((await listRv(s)).names, ['b']);
  });

  it('resumes a watch from a resourceVersion with every later event once, in order', async (t) => {
    const s = await server(t);
    const core = s.core();
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    const from = a.metadata?.resourceVersion as string;
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'a', body: { data: { y: '1' } } }, mergePatch);
    const w = await openWatchLines(`${s.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}`);
    t.after(() => w.abort());
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'b' });
    await eventually(() => w.lines.length >= 3, 'three events');
    assert.deepEqual(w.lines.map((l) => `${l.type} ${l.object.metadata.name}`), ['ADDED b', 'MODIFIED a', 'DELETED b']);
    const revs = w.lines.map((l) => Number(l.object.metadata.resourceVersion));
    assert.deepEqual(revs, [Number(from) + 1, Number(from) + 2, Number(from) + 3]);
  });

  it('answers 410 Expired for a continue token and an Exact list after etcd compacted their revision', async (t) => {
    const s = await server(t);
    const core = s.core();
    for (const name of ['a', 'b', 'c']) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });
    const page = await listRv(s, '?limit=1');
    assert.ok(page.continue);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'd' } } });
    const store = new EtcdStore({ url: (etcd as TestEtcd).url });
    t.after(() => store.close());
    await store.compact(await store.revision());
    const cont = await listRv(s, `?limit=1&continue=${encodeURIComponent(page.continue as string)}`);
    assert.equal(cont.status, 410);
    assert.equal(cont.body.reason, 'Expired');
    assert.match(String(cont.body.message), /^The provided continue parameter is too old/);
    const exact = await listRv(s, `?resourceVersion=${page.rv}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 410);
    assert.equal(exact.body.message, 'The resourceVersion for the provided list is too old.');
    // The newest state still lists.
    assert.deepEqual((await listRv(s)).names, ['a', 'b', 'c', 'd']);
  });

  it('answers a watch older than the watch cache window with a 410 ERROR event', async (t) => {
    const s = await server(t, undefined, 3);
    const core = s.core();
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    for (let i = 0; i < 5; i++) await core.patchNamespacedConfigMap({ namespace: 'default', name: 'a', body: { data: { i: String(i) } } }, mergePatch);
    const last = await core.readNamespacedConfigMap({ namespace: 'default', name: 'a' });
    // The cache has applied the last patch once a watch from it streams nothing old.
    await eventually(async () => (await (await s.fetch('/racelab/v1/watchcache')).json() as { cacheRevision: number }).cacheRevision >= Number(last.metadata?.resourceVersion), 'the cache to catch up');
    const w = await openWatchLines(`${s.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.metadata?.resourceVersion}`);
    t.after(() => w.abort());
    await eventually(() => w.lines.length >= 1, 'the ERROR event');
    assert.equal(w.lines[0]?.type, 'ERROR');
    assert.equal(w.lines[0]?.object.code, 410);
    assert.match(String((w.lines[0]?.object as { message?: string }).message), /^too old resource version: /);
  });

  it('holds a deletion while finalizers remain; watchers see the deletionTimestamp, then DELETED', async (t) => {
    const s = await server(t);
    const core = s.core();
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a', finalizers: ['racelab.dev/hold'] } } });
    const w = await openWatchLines(`${s.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.metadata?.resourceVersion}`);
    t.after(() => w.abort());
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'a' });
    const held = await core.readNamespacedConfigMap({ namespace: 'default', name: 'a' });
    assert.ok(held.metadata?.deletionTimestamp, 'still there, marked for deletion');
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'a', body: { metadata: { finalizers: null } } }, mergePatch);
    const gone = await core.readNamespacedConfigMap({ namespace: 'default', name: 'a' }).catch(statusOf);
    assert.equal((gone as { code: number }).code, 404);
    await eventually(() => w.lines.at(-1)?.type === 'DELETED', 'the DELETED event');
    // The update that removes the last finalizer deletes in the same write: no MODIFIED in between.
    assert.deepEqual(w.lines.map((l) => l.type), ['MODIFIED', 'DELETED']);
    assert.ok((w.lines[0]?.object.metadata as { deletionTimestamp?: string }).deletionTimestamp);
    assert.equal(Number(w.lines[1]?.object.metadata.resourceVersion), Number(w.lines[0]?.object.metadata.resourceVersion) + 1);
  });

  it('keeps every acknowledged write across a server restart on the same etcd', async (t) => {
    const root = `/registry-restart-${++n}`;
    const first = await openEtcdStorage({ url: (etcd as TestEtcd).url, root });
    const s1 = await testServer({ after: () => undefined }, { storage: first });
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await s1.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `cm-${i}` } } }));
    await s1.close();
    await first.close();
    const s2 = await server(t, root);
    const back = await s2.core().listNamespacedConfigMap({ namespace: 'default' });
    assert.deepEqual(
      back.items.map((c) => [c.metadata?.name, c.metadata?.resourceVersion, c.metadata?.uid]),
      made.map((c) => [c.metadata?.name, c.metadata?.resourceVersion, c.metadata?.uid]),
    );
    // The namespaces the first server created are not created again.
    const ns = await s2.core().readNamespace({ name: 'default' });
    assert.ok(Number(ns.metadata?.resourceVersion) < Number(made[0]?.metadata?.resourceVersion));
  });
});
