// Two API servers over one etcd, each with its own watch cache: writes through one are visible through
// the other, a watch resumes across them without a gap or a duplicate, and a held cache serves stale
// lists and watches (while consistent reads do not) until it is released.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { etcdSkip, startEtcd, type TestEtcd } from '../../testing/etcd.ts';
import { eventually } from '../../testing/eventually.ts';
import { mergePatch, testServer, type TestServer } from '../../testing/server.ts';
import { openWatchLines } from '../../testing/watchlines.ts';
import type { CacheStatus, Cacher } from '../storage/cacher.ts';
import { openEtcdStorage } from '../storage/etcd/open.ts';

const skip = etcdSkip();

interface HaServer extends TestServer {
  cache: Cacher;
}

describe('two API servers over one etcd', { skip }, () => {
  let etcd: TestEtcd | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(() => etcd?.stop());
  let n = 0;

  async function pair(t: TestContext, clock?: FakeClock): Promise<[HaServer, HaServer]> {
    const root = `/registry-${++n}`;
    const start = async (): Promise<HaServer> => {
      const cache = await openEtcdStorage({ url: (etcd as TestEtcd).url, root, clock });
      const s = await testServer(t, { storage: cache });
      t.after(() => cache.close());
      return { ...s, cache };
    };
    // Both bootstrap at once over the same keys, as two replicas of a control plane do.
    const [a, b] = await Promise.all([start(), start()]);
    return [a, b];
  }

  const list = async (s: TestServer, query = ''): Promise<{ rv: number; names: string[]; status: number; body: Record<string, unknown> }> => {
    const res = await s.fetch(`/api/v1/namespaces/default/configmaps${query}`);
    const body = (await res.json()) as { metadata?: { resourceVersion: string }; items?: { metadata: { name: string } }[] };
    return { rv: Number(body.metadata?.resourceVersion), names: (body.items ?? []).map((i) => i.metadata.name), status: res.status, body };
  };

  const cacheStatus = async (s: TestServer): Promise<CacheStatus> => (await (await s.fetch('/racelab/v1/watchcache')).json()) as CacheStatus;

  it('shows a write through one server on the other: at once on a consistent read, and from its cache once it reaches the revision', async (t) => {
    const [a, b] = await pair(t);
    const made = await a.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' }, data: { v: '1' } } });
    const rv = Number(made.metadata?.resourceVersion);
    assert.equal((await b.core().readNamespacedConfigMap({ namespace: 'default', name: 'x' })).data?.v, '1');
    assert.deepEqual((await list(b)).names, ['x'], 'resourceVersion "" reads through to etcd');
    // NotOlderThan: served from b's cache, which waits (within its freshness bound) until it has rv.
    const cached = await list(b, `?resourceVersion=${rv}`);
    assert.equal(cached.status, 200);
    assert.deepEqual(cached.names, ['x']);
    assert.ok(cached.rv >= rv);
    const st = await cacheStatus(b);
    assert.ok(st.cacheRevision >= rv, 'the cache reports the revision it has reached');
    assert.equal(st.freshnessTimeoutMs, 3000);
  });

  it('resumes a watch on the other server from the first one\'s resourceVersion with no gap and no duplicate', async (t) => {
    const [a, b] = await pair(t);
    const x = await a.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } });
    const onA = await openWatchLines(`${a.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${x.metadata?.resourceVersion}`);
    t.after(() => onA.abort());
    await a.core().patchNamespacedConfigMap({ namespace: 'default', name: 'x', body: { data: { n: '1' } } }, mergePatch);
    await b.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'y' } } });
    await eventually(() => onA.lines.length >= 2, 'two events on a');
    onA.abort();
    const last = onA.lines[1]?.object.metadata.resourceVersion as string;
    // Written while the client is between servers, through both.
    await b.core().patchNamespacedConfigMap({ namespace: 'default', name: 'y', body: { data: { n: '2' } } }, mergePatch);
    await a.core().deleteNamespacedConfigMap({ namespace: 'default', name: 'x' });
    const onB = await openWatchLines(`${b.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${last}`);
    t.after(() => onB.abort());
    await a.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'z' } } });
    await eventually(() => onB.lines.length >= 3, 'three events on b');
    const seen = [...onA.lines.slice(0, 2), ...onB.lines];
    assert.deepEqual(seen.map((l) => `${l.type} ${l.object.metadata.name}`), ['MODIFIED x', 'ADDED y', 'MODIFIED y', 'DELETED x', 'ADDED z']);
    const revs = seen.map((l) => Number(l.object.metadata.resourceVersion));
    const first = revs[0] as number;
    assert.deepEqual(revs, [first, first + 1, first + 2, first + 3, first + 4], 'every revision once, in order');
  });

  it('a held cache serves stale lists and watches, consistent reads stay fresh, and fresher lists wait, then get 504', async (t) => {
    const clock = new FakeClock();
    const [a, b] = await pair(t, clock);
    const before = await list(b, '?resourceVersion=0');
    b.cache.hold();
    const w = await openWatchLines(`${b.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before.rv}`);
    t.after(() => w.abort());
    const late = await a.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'late' } } });
    const rv = Number(late.metadata?.resourceVersion);
    await eventually(async () => (await cacheStatus(b)).buffered >= 1, 'b to receive the event and keep it');
    const st = await cacheStatus(b);
    assert.equal(st.heldAt, before.rv);
    assert.equal(st.cacheRevision, before.rv);
    assert.ok(st.lag >= 1);

    const stale = await list(b, '?resourceVersion=0');
    assert.deepEqual(stale.names, [], 'resourceVersion 0 is served from the held cache');
    assert.equal(stale.rv, before.rv);
    assert.deepEqual((await list(b)).names, ['late'], 'a consistent list reads etcd');
    assert.equal((await b.core().readNamespacedConfigMap({ namespace: 'default', name: 'late' })).metadata?.name, 'late');
    assert.equal(w.lines.length, 0, 'the watch on b has not seen it');

    // A list that needs rv waits for the cache, and is refused once the freshness bound passes.
    const waiting = list(b, `?resourceVersion=${rv}`);
    await eventually(() => clock.pendingTimers() > 0, 'the list to wait on the cache');
    clock.step(st.freshnessTimeoutMs);
    const refused = await waiting;
    assert.equal(refused.status, 504);
    assert.equal(refused.body.reason, 'Timeout');
    assert.equal(refused.body.message, `Too large resource version: ${rv}, current: ${before.rv}`);

    b.cache.release();
    const fresh = await list(b, `?resourceVersion=${rv}`);
    assert.deepEqual(fresh.names, ['late']);
    await eventually(() => w.lines.length >= 1, 'the watch on b to get the event');
    assert.deepEqual(w.lines.map((l) => `${l.type} ${l.object.metadata.name} ${l.object.metadata.resourceVersion}`), [`ADDED late ${rv}`]);
    assert.equal((await cacheStatus(b)).heldAt, undefined);
  });

  it('holds and releases a server\'s cache over HTTP, as an out-of-process scenario would', async (t) => {
    const [a, b] = await pair(t);
    const post = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await b.fetch(path, { method: 'POST' });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const at = (await cacheStatus(b)).cacheRevision;
    const held = await post('/racelab/v1/watchcache/hold');
    assert.equal(held.status, 200);
    assert.equal(held.body.heldAt, at);
    await a.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } });
    await eventually(async () => (await cacheStatus(b)).buffered >= 1, 'b to keep the event');
    assert.deepEqual((await list(b, '?resourceVersion=0')).names, [], 'stale while held');
    const back = await post(`/racelab/v1/watchcache/hold?revision=${at - 1}`);
    assert.equal(back.status, 400);
    assert.equal(back.body.message, `the watch cache is at ${at}: it cannot be held at ${at - 1}`);
    assert.equal((await post('/racelab/v1/watchcache/hold?revision=soon')).status, 400);
    const released = await post('/racelab/v1/watchcache/release');
    assert.equal(released.status, 200);
    assert.equal(released.body.heldAt, undefined);
    assert.deepEqual((await list(b, `?resourceVersion=${at + 1}`)).names, ['x']);
  });

  it('a server on the in-memory store has no watch cache to report or hold', async (t) => {
    const s = await testServer(t);
    for (const [path, method] of [['/racelab/v1/watchcache', 'GET'], ['/racelab/v1/watchcache/hold', 'POST']] as const) {
      const res = await s.fetch(path, { method });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { reason: string }).reason, 'NotFound');
    }
  });
});
