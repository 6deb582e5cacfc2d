import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { testServer, type TestServer } from '../../testing/server.ts';
import { actorKubeConfig } from './actor.ts';
import { KubeClient, type ResourceRef } from './client.ts';
import { DeletedFinalStateUnknown, Informer, type InformerOptions } from './informer.ts';
import { eventually } from '../../testing/eventually.ts';

type ConfigMap = KubeObject & { data?: Record<string, string> };

const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespace: 'default' };

/** Waits for cond, yielding to I/O between checks; fails after a generous bound (never a fixed sleep). */

interface Tracked {
  open: Set<IncomingMessage>;
  log: { method: string; url: string; ua: string | undefined; auth: string | undefined }[];
}

/** Requests the server is still answering, and every request seen. */
function track(server: TestServer): Tracked {
  const t: Tracked = { open: new Set(), log: [] };
  server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    t.open.add(req);
    t.log.push({ method: req.method ?? '', url: req.url ?? '', ua: req.headers['user-agent'], auth: req.headers.authorization });
    res.on('close', () => t.open.delete(req));
  });
  return t;
}

type Note = { ev: 'add' | 'update' | 'delete'; name: string; initial?: boolean; tombstone?: boolean; old?: ConfigMap; obj: ConfigMap };

function recorder(inf: Informer<ConfigMap>): Note[] {
  const notes: Note[] = [];
  const lister = inf.lister();
  inf.addEventHandler({
    onAdd: (obj, initial) => {
      assert.equal(lister.get(`default/${obj.metadata.name}`), obj, 'the store holds the object before onAdd');
      notes.push({ ev: 'add', name: obj.metadata.name ?? '', initial, obj });
    },
    onUpdate: (old, obj) => {
      assert.equal(lister.get(`default/${obj.metadata.name}`), obj, 'the store holds the new object before onUpdate');
      notes.push({ ev: 'update', name: obj.metadata.name ?? '', old, obj });
    },
    onDelete: (o) => {
      const tombstone = o instanceof DeletedFinalStateUnknown;
      const obj = o instanceof DeletedFinalStateUnknown ? o.obj : o;
      assert.equal(lister.get(`default/${obj.metadata.name}`), undefined, 'the store dropped the object before onDelete');
      notes.push({ ev: 'delete', name: obj.metadata.name ?? '', tombstone, obj });
    },
  });
  return notes;
}

async function setup(t: Parameters<typeof testServer>[0], cfg: Parameters<typeof testServer>[1] = {}, opts: Partial<InformerOptions> = {}) {
  const server = await testServer(t, cfg);
  const tracked = track(server);
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const kc = actorKubeConfig(server.url, 'informer');
  const inf = new Informer<ConfigMap>({ resource: { ...cmRef, kind: 'ConfigMap' }, kc, clock, ...opts });
  const put = (name: string, data: Record<string, string>, labels?: Record<string, string>): Promise<ConfigMap> =>
    client.create<ConfigMap>(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });
  const set = (name: string, data: Record<string, string>): Promise<ConfigMap> => client.patch<ConfigMap>(cmRef, name, { data }, 'merge');
  const del = (name: string): Promise<unknown> => client.delete(cmRef, name);
  return { server, tracked, clock, client, kc, inf, put, set, del };
}

/** The informer's objects equal the server's, by name and resourceVersion. */
async function assertMirrors(inf: Informer<ConfigMap>, client: KubeClient, sel: { labelSelector?: string; fieldSelector?: string } = {}): Promise<void> {
  const server = await client.list<ConfigMap>(cmRef, sel);
  const want = server.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
  const have = inf.lister().list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
  assert.deepEqual(have, want);
}

test('lists, then watches from the list resourceVersion; store before handlers; frozen listers; clean stop', async (t) => {
  const { tracked, clock, client, inf, put, set, del } = await setup(t);
  await put('a', { v: '1' }, { app: 'x' });
  await put('b', { v: '1' }, { app: 'y' });
  const realTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const timersBefore = realTimers();
  const notes = recorder(inf);
  inf.start();
  assert.equal(await inf.waitForSync(), true);
  assert.ok(inf.hasSynced());
  assert.deepEqual(notes.map((n) => [n.ev, n.name, n.initial]), [['add', 'a', true], ['add', 'b', true]]);
  const listRv = inf.lastSyncResourceVersion();
  await eventually(() => inf.state() === 'watching', 'the watch');
  const watchReq = tracked.log.find((r) => r.url.includes('watch=true'));
  assert.ok(watchReq, 'a watch request');
  assert.match(watchReq.url, new RegExp(`resourceVersion=${listRv}(&|$)`));
  assert.match(watchReq.url, /allowWatchBookmarks=true/);
  assert.equal(watchReq.ua, 'racelab-informer');
  assert.equal(watchReq.auth, 'Bearer informer');

  await put('c', { v: '1' }, { app: 'x' });
  await set('a', { v: '2' });
  await del('b');
  await eventually(() => notes.length === 5, 'three more notifications');
  assert.deepEqual(notes.slice(2).map((n) => [n.ev, n.name]), [['add', 'c'], ['update', 'a'], ['delete', 'b']]);
  const upd = notes[3] as Note;
  assert.equal(upd.old?.data?.v, '1');
  assert.equal(upd.obj.data?.v, '2');
  assert.equal(notes[4]?.tombstone, false);
  assert.equal(notes[4]?.obj.data?.v, '1', 'onDelete gets the last state');
  await eventually(() => inf.idle(), 'idle');

  const lister = inf.lister();
  assert.deepEqual(lister.list('default', 'app=x').map((o) => o.metadata.name), ['a', 'c']);
  assert.deepEqual(lister.list('other').length, 0);
  assert.deepEqual(lister.keys(), ['default/a', 'default/c']);
  const a = lister.getByName('default', 'a') as ConfigMap;
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.metadata) && Object.isFrozen(a.data));
  assert.throws(() => {
    (a.data as Record<string, string>).v = 'changed';
  }, TypeError);
  await assertMirrors(inf, client);

  await inf.stop();
  assert.equal(inf.state(), 'stopped');
  assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
  await eventually(() => tracked.open.size === 0, 'the watch request to end on the server');
  // Nor a real one: client-node's watch inactivity timer and the server's watch timeout are gone too.
  await eventually(() => realTimers() === timersBefore, 'the real timers to be gone');
  assert.equal(inf.stats.lists, 1);
  assert.equal(inf.stats.watches, 1);
});

test('label and field selectors reach the list and the watch', async (t) => {
  const { tracked, client, inf, put, set } = await setup(t, {}, { labelSelector: 'app=x', fieldSelector: 'metadata.name!=skip' });
  await put('a', { v: '1' }, { app: 'x' });
  await put('skip', { v: '1' }, { app: 'x' });
  await put('b', { v: '1' }, { app: 'y' });
  const notes = recorder(inf);
  inf.start();
  await inf.waitForSync();
  assert.deepEqual(inf.lister().keys(), ['default/a']);
  await put('c', { v: '1' }, { app: 'x' });
  await put('d', { v: '1' }, { app: 'y' });
  await set('b', { v: '2' });
  await eventually(() => notes.some((n) => n.name === 'c'), 'c');
  await client.patch(cmRef, 'a', { metadata: { labels: { app: 'y' } } }, 'merge');
  await eventually(() => inf.lister().get('default/a') === undefined, 'a leaving the selector');
  assert.deepEqual(inf.lister().keys(), ['default/c']);
  assert.ok(notes.every((n) => n.name !== 'b' && n.name !== 'd' && n.name !== 'skip'));
  await assertMirrors(inf, client, { labelSelector: 'app=x', fieldSelector: 'metadata.name!=skip' });
  const list = tracked.log.find((r) => !r.url.includes('watch=true') && r.url.startsWith('/api/v1/namespaces/default/configmaps?'));
  const watch = tracked.log.find((r) => r.url.includes('watch=true'));
  for (const r of [list, watch]) {
    assert.match(r?.url ?? '', /labelSelector=app%3Dx/);
    assert.match(r?.url ?? '', /fieldSelector=metadata.name%21%3Dskip/);
  }
  await inf.stop();
});

test('a closed watch stream or a server-side watch timeout re-watches from the last resourceVersion without missing a change', async (t) => {
  const serverClock = new FakeClock();
  const { server, tracked, clock, client, inf, put, set } = await setup(t, { clock: serverClock }, { watchTimeoutSeconds: 60 });
  await put('a', { v: '1' });
  const notes = recorder(inf);
  inf.start();
  await inf.waitForSync();
  await eventually(() => inf.state() === 'watching', 'the first watch');

  server.closeWatches();
  await eventually(() => inf.stats.watches === 2 && inf.state() === 'watching', 'a second watch');
  await set('a', { v: '2' });
  await put('b', { v: '1' });
  await eventually(() => notes.length === 3, 'the changes after the closure');

  // The server ends the stream after timeoutSeconds on its own clock.
  const watchUrls = (): string[] => tracked.log.filter((r) => r.url.includes('watch=true')).map((r) => r.url);
  assert.match(watchUrls()[1] ?? '', /timeoutSeconds=60/);
  serverClock.step(60_000);
  await eventually(() => inf.stats.watches === 3 && inf.state() === 'watching', 'a third watch');
  await set('b', { v: '2' });
  await eventually(() => notes.length === 4, 'the change after the timeout');
  assert.deepEqual(notes.map((n) => [n.ev, n.name, n.obj.data?.v]), [['add', 'a', '1'], ['update', 'a', '2'], ['add', 'b', '1'], ['update', 'b', '2']]);
  assert.equal(inf.stats.lists, 1, 're-watching needs no relist');
  assert.equal(inf.stats.streamEnds, 2);
  const rvs = watchUrls().map((u) => new URL(u, 'http://x').searchParams.get('resourceVersion'));
  assert.equal(rvs[1], rvs[0], 'nothing was seen before the closure: the same resourceVersion again');
  assert.equal(rvs[2], notes[2]?.obj.metadata.resourceVersion, 'after the timeout: the newest resourceVersion seen');
  await assertMirrors(inf, client);
  assert.equal(clock.pendingTimers(), 0, 'no backoff was needed');
  await inf.stop();
  await eventually(() => tracked.open.size === 0, 'no request left');
});

test('410 Gone relists: missed adds, updates and deletions (as DeletedFinalStateUnknown) arrive; backoff on the Clock', async (t) => {
  const { server, tracked, clock, client, inf, put, set, del } = await setup(t, { watchHistory: 5 });
  await put('a', { v: '1' });
  await put('b', { v: '1' });
  await put('gone', { v: '1' });
  const notes = recorder(inf);
  inf.start();
  await inf.waitForSync();
  await eventually(() => inf.state() === 'watching', 'the first watch');

  // Two stream ends in a row without any event: the first re-watches at once, the second backs off.
  server.closeWatches();
  await eventually(() => inf.stats.watches === 2 && inf.state() === 'watching', 'an immediate re-watch');
  server.closeWatches();
  await eventually(() => inf.state() === 'backoff', 'a backoff');
  assert.equal(clock.pendingTimers(), 1);
  assert.equal((clock.nextTimerAt() ?? 0) - clock.now(), 800, 'reflector backoff starts at 800 ms');

  // More writes than the server's watch history keeps, while the informer is not watching.
  await set('a', { v: '2' });
  await del('gone');
  for (const n of ['c', 'd', 'e', 'f']) await put(n, { v: '1' });
  await set('b', { v: '2' });
  await set('c', { v: '2' });
  const before = notes.length;
  clock.runNext();
  await eventually(() => inf.stats.expired === 1 && inf.state() === 'watching', 'the relist after 410');
  assert.equal(inf.stats.lists, 2);
  const after = notes.slice(before).map((n) => `${n.ev}:${n.name}${n.tombstone ? ':tombstone' : ''}`).sort();
  assert.deepEqual(after, ['add:c', 'add:d', 'add:e', 'add:f', 'delete:gone:tombstone', 'update:a', 'update:b'].sort());
  const tomb = notes.find((n) => n.tombstone);
  assert.equal(tomb?.obj.data?.v, '1', 'the tombstone carries the last state known');
  await assertMirrors(inf, client);

  // And it keeps watching from the relist's resourceVersion.
  await set('d', { v: '2' });
  await eventually(() => notes.some((n) => n.ev === 'update' && n.name === 'd'), 'a change after the relist');
  await inf.stop();
  assert.equal(clock.pendingTimers(), 0);
  await eventually(() => tracked.open.size === 0, 'no request left');
});

test('a failing list backs off on the Clock (800 ms doubling) and stop() cancels the timer', async (t) => {
  const server = await testServer(t);
  const url = server.url;
  await server.close(); // nothing listens there any more
  const clock = new FakeClock();
  const inf = new Informer<ConfigMap>({ resource: cmRef, kc: actorKubeConfig(url, 'x'), clock, backoffMaxMs: 3000 });
  inf.start();
  const delays: number[] = [];
  for (let i = 1; i <= 4; i++) {
    await eventually(() => inf.stats.lists === i && inf.state() === 'backoff', `failure ${i}`);
    delays.push((clock.nextTimerAt() ?? 0) - clock.now());
    assert.equal(clock.pendingTimers(), 1);
    assert.ok(inf.idle(), 'a backoff is a timer, not work');
    clock.runNext();
  }
  assert.deepEqual(delays, [800, 1600, 3000, 3000]);
  await eventually(() => inf.stats.lists === 5 && inf.state() === 'backoff', 'the next failure');
  await inf.stop();
  assert.equal(clock.pendingTimers(), 0);
  assert.equal(inf.hasSynced(), false);
  assert.equal(await inf.waitForSync(), false);
});

test('late handlers hear the current objects; resync reports every object; a throwing handler ends run()', async (t) => {
  const { tracked, clock, inf, put, set } = await setup(t, {}, { resyncPeriodMs: 30_000 });
  await put('a', { v: '1' });
  const ac = new AbortController();
  const running = inf.run(ac.signal);
  await inf.waitForSync();
  const late: string[] = [];
  const reg = inf.addEventHandler({ onAdd: (o, initial) => late.push(`add:${o.metadata.name}:${initial}`), onUpdate: (o, n) => late.push(`update:${n.metadata.name}:${o === n}`) });
  assert.deepEqual(late, ['add:a:true']);
  assert.ok(reg.hasSynced());
  clock.step(30_000);
  assert.deepEqual(late, ['add:a:true', 'update:a:true']);
  assert.equal(clock.pendingTimers(), 1, 'the next resync');
  reg.remove();

  inf.addEventHandler({
    onUpdate: () => {
      throw new Error('handler bug');
    },
  });
  await eventually(() => inf.state() === 'watching', 'the watch');
  await set('a', { v: '2' });
  await assert.rejects(running, /handler bug/);
  assert.equal(inf.state(), 'stopped');
  assert.equal(clock.pendingTimers(), 0, 'the resync timer is cancelled');
  await eventually(() => tracked.open.size === 0, 'the watch request to end');
});

test('aborting the signal while the informer lists or backs off leaves nothing behind', async (t) => {
  const { tracked, clock, inf } = await setup(t);
  const ac = new AbortController();
  const running = inf.run(ac.signal);
  ac.abort();
  await running;
  assert.equal(inf.state(), 'stopped');
  assert.equal(clock.pendingTimers(), 0);
  await eventually(() => tracked.open.size === 0, 'no request left');
  assert.throws(() => inf.run(), /runs once/);
});

test('lists in pages when asked, then watches from the snapshot resourceVersion', async (t) => {
  const { tracked, client, inf, put } = await setup(t, {}, { pageSize: 2 });
  for (const n of ['a', 'b', 'c', 'd', 'e']) await put(n, { v: '1' });
  inf.start();
  await inf.waitForSync();
  assert.deepEqual(inf.lister().keys(), ['default/a', 'default/b', 'default/c', 'default/d', 'default/e']);
  const lists = tracked.log.filter((r) => r.method === 'GET' && r.url.includes('limit=2'));
  assert.equal(lists.length, 3);
  assert.equal(inf.stats.lists, 1);
  await put('f', { v: '1' });
  await eventually(() => inf.lister().get('default/f') !== undefined, 'f through the watch');
  await assertMirrors(inf, client);
  await inf.stop();
});
