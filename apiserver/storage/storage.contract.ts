// The storage contract suite: every Storage implementation (in-memory; etcd behind its watch cache) must pass it.
// It asserts nothing about when a store's watchers get an event, only what and in which order they get.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../machinery/object.ts';
import { StorageError, type Storage, type StorageWatcher, type WatchItem } from './interface.ts';

function obj(name: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', ...(labels ? { labels } : {}) }, ...extra };
}

const key = (name: string, ns = 'ns'): string => `/core/configmaps/${ns}/${name}`;
const prefix = '/core/configmaps/';

/** Waits until the watcher has at least n items (or closed) and returns everything taken so far. */
async function collect(w: StorageWatcher, n: number): Promise<WatchItem[]> {
  const out: WatchItem[] = [];
  for (;;) {
    out.push(...w.take());
    if (out.length >= n || w.closed) return out;
    await new Promise<void>((resolve) => w.whenReady(resolve));
  }
}

const rv = (o: KubeObject | undefined): number => Number(o?.metadata.resourceVersion);

export function storageContract(name: string, make: (opts: { historyLimit: number }) => Storage | Promise<Storage>): void {
  describe(`storage contract: ${name}`, () => {
    it('create stamps a new global revision and get returns the stored object', async () => {
      const s = await make({ historyLimit: 100 });
      const before = await s.revision();
      const a = await s.create(key('a'), obj('a'));
      const b = await s.create(key('b'), obj('b'));
      assert.equal(rv(a), before + 1);
      assert.equal(rv(b), before + 2);
      assert.equal(await s.revision(), before + 2);
      assert.deepEqual(await s.get(key('a')), a);
      assert.equal(await s.get(key('missing')), undefined);
    });

    it('stored objects are immutable snapshots', async () => {
      const s = await make({ historyLimit: 100 });
      const input = obj('a', { data: { x: '1' } });
      const stored = await s.create(key('a'), input);
      // The store takes ownership of what it is given: it either copies or freezes it.
      try {
        (input.data as Record<string, string>).x = 'changed';
      } catch {
        // frozen
      }
      assert.equal(((await s.get(key('a')))?.data as Record<string, string>).x, '1');
      assert.throws(() => {
        (stored.metadata as Record<string, unknown>).name = 'evil';
      });
    });

    it('create of an existing key fails with KeyExists', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('a'), obj('a'));
      await assert.rejects(s.create(key('a'), obj('a')), (e: unknown) => e instanceof StorageError && e.code === 'KeyExists');
    });

    it('list returns items in key order at the current revision, scoped by prefix', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('b'), obj('b'));
      await s.create(key('a'), obj('a'));
      await s.create(key('c', 'other'), obj('c'));
      await s.create('/core/secrets/ns/a', obj('a'));
      const all = await s.list(prefix);
      assert.deepEqual(all.items.map((o) => o.metadata.name), ['c', 'a', 'b'].sort((x, y) => (x === 'c' ? 1 : y === 'c' ? -1 : x.localeCompare(y))));
      assert.equal(all.revision, await s.revision());
      const ns = await s.list('/core/configmaps/ns/');
      assert.deepEqual(ns.items.map((o) => o.metadata.name), ['a', 'b']);
    });

    it('list pages with limit and continues from a consistent snapshot', async () => {
      const s = await make({ historyLimit: 100 });
      for (const n of ['a', 'b', 'c', 'd', 'e']) await s.create(key(n), obj(n));
      const p1 = await s.list(prefix, { limit: 2 });
      assert.deepEqual(p1.items.map((o) => o.metadata.name), ['a', 'b']);
      assert.equal(p1.remainingItemCount, 3);
      assert.ok(p1.continueAfter);
      // Changes after the first page do not show in later pages.
      await s.delete(key('c'));
      await s.create(key('bb'), obj('bb'));
      const p2 = await s.list(prefix, { limit: 2, atRevision: p1.revision, startAfter: p1.continueAfter });
      assert.deepEqual(p2.items.map((o) => o.metadata.name), ['c', 'd']);
      const p3 = await s.list(prefix, { limit: 2, atRevision: p1.revision, startAfter: p2.continueAfter });
      assert.deepEqual(p3.items.map((o) => o.metadata.name), ['e']);
      assert.equal(p3.continueAfter, undefined);
    });

    it('list with a filter fills the page with matching items only', async () => {
      const s = await make({ historyLimit: 100 });
      for (const n of ['a', 'b', 'c', 'd']) await s.create(key(n), obj(n, {}, { even: String(n === 'b' || n === 'd') }));
      const page = await s.list(prefix, { limit: 1, filter: (o) => o.metadata.labels?.even === 'true' });
      assert.deepEqual(page.items.map((o) => o.metadata.name), ['b']);
      assert.equal(page.remainingItemCount, undefined);
      const rest = await s.list(prefix, { atRevision: page.revision, startAfter: page.continueAfter, filter: (o) => o.metadata.labels?.even === 'true' });
      assert.deepEqual(rest.items.map((o) => o.metadata.name), ['d']);
    });

    it('a snapshot older than the history is refused with Expired', async () => {
      const s = await make({ historyLimit: 3 });
      await s.create(key('a'), obj('a'));
      const old = await s.revision();
      for (let i = 0; i < 5; i++) await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { i: String(i) } }));
      await assert.rejects(s.list(prefix, { atRevision: old - 1 }), (e: unknown) => e instanceof StorageError && e.code === 'Expired');
    });

    it('guaranteed update bumps the revision; an identical result writes nothing', async () => {
      const s = await make({ historyLimit: 100 });
      const a = await s.create(key('a'), obj('a'));
      const same = await s.guaranteedUpdate(key('a'), (o) => ({ ...o }));
      assert.equal(same.changed, false);
      assert.equal(rv(same.object), rv(a));
      assert.equal(await s.revision(), rv(a));
      const up = await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { x: '2' } }));
      assert.equal(up.changed, true);
      assert.equal(rv(up.object), rv(a) + 1);
      await assert.rejects(s.guaranteedUpdate(key('nope'), (o) => o), (e: unknown) => e instanceof StorageError && e.code === 'KeyNotFound');
    });

    it('delete removes, stamps a new revision, and checks preconditions', async () => {
      const s = await make({ historyLimit: 100 });
      const a = await s.create(key('a'), { ...obj('a'), metadata: { ...obj('a').metadata, uid: 'u1' } });
      await assert.rejects(s.delete(key('a'), { uid: 'other' }), (e: unknown) => e instanceof StorageError && e.code === 'PreconditionFailed' && e.details.actual === 'u1');
      await assert.rejects(s.delete(key('a'), { resourceVersion: '999' }), (e: unknown) => e instanceof StorageError && e.code === 'PreconditionFailed');
      const gone = await s.delete(key('a'), { uid: 'u1', resourceVersion: a.metadata.resourceVersion });
      assert.equal(rv(gone), rv(a) + 1);
      assert.equal(await s.get(key('a')), undefined);
      await assert.rejects(s.delete(key('a')), (e: unknown) => e instanceof StorageError && e.code === 'KeyNotFound');
    });

    it('watch without a revision sends ADDED for current objects, then live events', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('a'), obj('a'));
      await s.create(key('b'), obj('b'));
      const w = s.watch(prefix);
      await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { x: '1' } }));
      await s.delete(key('b'));
      const items = await collect(w, 4);
      assert.deepEqual(items.map((i) => `${i.type} ${i.object?.metadata.name}`), ['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
      w.stop();
    });

    it('watch from a revision replays every later event exactly once, in order, then streams', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('a'), obj('a'));
      const from = await s.revision();
      await s.create(key('b'), obj('b'));
      await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { x: '1' } }));
      const w = s.watch(prefix, { fromRevision: from });
      await s.delete(key('a'));
      const items = await collect(w, 3);
      assert.deepEqual(items.map((i) => `${i.type} ${i.object?.metadata.name}`), ['ADDED b', 'MODIFIED a', 'DELETED a']);
      const revs = items.map((i) => i.revision);
      assert.deepEqual(revs, [from + 1, from + 2, from + 3], 'no gaps, no duplicates, strictly increasing');
      assert.equal(rv(items[2]?.object), from + 3, 'a DELETED object carries the deletion revision');
      w.stop();
    });

    it('watch from the current revision sends nothing old', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('a'), obj('a'));
      const w = s.watch(prefix, { fromRevision: await s.revision() });
      assert.deepEqual(w.take(), []);
      await s.create(key('b'), obj('b'));
      assert.deepEqual((await collect(w, 1)).map((i) => i.object?.metadata.name), ['b']);
      w.stop();
    });

    it('watch from a revision older than the history fails with Expired and the upstream text', async () => {
      const s = await make({ historyLimit: 2 });
      const witness = s.watch(prefix, { fromRevision: await s.revision() });
      await s.create(key('a'), obj('a'));
      for (let i = 0; i < 4; i++) await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { i: String(i) } }));
      // Once a watcher has all five events, the store's window has moved past them.
      assert.equal((await collect(witness, 5)).length, 5);
      witness.stop();
      assert.throws(
        () => s.watch(prefix, { fromRevision: 1 }),
        (e: unknown) => e instanceof StorageError && e.code === 'Expired' && /^too old resource version: 1 \(\d+\)$/.test(e.message),
      );
      const current = await s.revision();
      s.watch(prefix, { fromRevision: current - 2 }).stop();
    });

    it('a filtered watch sees objects entering and leaving the selection as ADDED and DELETED', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('a'), obj('a', {}, { app: 'x' }));
      const w = s.watch(prefix, { fromRevision: await s.revision(), filter: (o) => o.metadata.labels?.app === 'web' });
      const setApp = (app: string) => (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, labels: { app } } });
      await s.guaranteedUpdate(key('a'), setApp('web'));
      await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { y: '1' } }));
      await s.guaranteedUpdate(key('a'), setApp('db'));
      await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { y: '2' } }));
      const items = await collect(w, 3);
      assert.deepEqual(items.map((i) => i.type), ['ADDED', 'MODIFIED', 'DELETED']);
      const last = items[2];
      assert.equal(last?.object?.metadata.labels?.app, 'web', 'DELETED carries the last matching content');
      assert.equal(last?.revision, rv(last?.object), 'stamped with the event revision');
      w.stop();
    });

    it('a watcher that falls too far behind is disconnected; writers never block', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('a'), obj('a'));
      const w = s.watch(prefix, { fromRevision: await s.revision(), bufferLimit: 5 });
      const witness = s.watch(prefix, { fromRevision: await s.revision() });
      for (let i = 0; i < 10; i++) await s.guaranteedUpdate(key('a'), (o) => ({ ...o, data: { i: String(i) } }));
      // Once another watcher has all ten events, the slow one has been offered them too.
      assert.equal((await collect(witness, 10)).length, 10);
      witness.stop();
      assert.equal(w.closed, true);
      assert.match(w.closeReason ?? '', /too slow/);
    });

    it('bookmarks carry the current revision', async () => {
      const s = await make({ historyLimit: 100 });
      await s.create(key('a'), obj('a'));
      const w = s.watch(prefix, { fromRevision: await s.revision() });
      const secrets = s.watch('/core/secrets/', { fromRevision: await s.revision() });
      await s.create('/core/secrets/ns/x', obj('x'));
      // A bookmark carries the revision the watch has reached: wait until the store's watches have this write.
      await collect(secrets, 1);
      secrets.stop();
      w.requestBookmark();
      const [b] = await collect(w, 1);
      assert.equal(b?.type, 'BOOKMARK');
      assert.equal(b?.revision, await s.revision());
      w.stop();
    });

    it('many concurrent watchers each see every event in revision order', async () => {
      const s = await make({ historyLimit: 1000 });
      const from = await s.revision();
      const watchers = Array.from({ length: 20 }, () => s.watch(prefix, { fromRevision: from }));
      await Promise.all(Array.from({ length: 50 }, (_, i) => s.create(key(`o${i}`), obj(`o${i}`))));
      for (const w of watchers) {
        const items = await collect(w, 50);
        assert.deepEqual(items.map((i) => i.revision), Array.from({ length: 50 }, (_, i) => from + i + 1));
        w.stop();
      }
    });

    it('an object that cannot be serialised is refused and nothing is committed', async () => {
      const s = await make({ historyLimit: 100 });
      const a = await s.create(key('a'), obj('a', { data: { x: '1' } }));
      const before = await s.revision();
      const w = s.watch(prefix, { fromRevision: before });
      const poison = (name: string): KubeObject => obj(name, { data: { x: 10n } });
      await assert.rejects(s.create(key('p'), poison('p')));
      await assert.rejects(s.guaranteedUpdate(key('a'), () => poison('a')));
      assert.equal(await s.revision(), before, 'no revision was used');
      assert.equal(await s.get(key('p')), undefined);
      assert.deepEqual(await s.get(key('a')), a);
      assert.deepEqual((await s.list(prefix)).items.map((o) => o.metadata.name), ['a']);
      assert.deepEqual(w.take(), [], 'watchers saw nothing');
      w.stop();
    });
  });
}
