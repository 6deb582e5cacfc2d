// The storage contract against etcd (the store behind its watch cache) and against the watch cache over
// the in-memory store; several caches over one store, one of them held. The etcd part skips with a message
// only when no etcd binary is installed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import type { KubeObject } from '../machinery/object.ts';
import { etcdSkip, startEtcd, type TestEtcd } from '../../testing/etcd.ts';
import { eventually } from '../../testing/eventually.ts';
import { Cacher } from './cacher.ts';
import { StorageError, type ListOptions, type ListResult, type Preconditions, type Storage, type StorageWatcher, type UpdateFn, type WatchItem, type WatchOptions } from './interface.ts';
import { MemoryStorage } from './memory.ts';
import { openEtcdStorage } from './etcd/open.ts';
import { storageContract } from './storage.contract.ts';

describe('watch cache over memory', () => {
  const opened: Storage[] = [];
  after(async () => {
    for (const s of opened) await s.close?.();
  });
  storageContract('Cacher over MemoryStorage', async (opts) => {
    const s = await Cacher.start(new MemoryStorage(opts), opts);
    opened.push(s);
    return s;
  });
});

/** A memory store whose watches the test can end with a reason, as a store connection that drops. */
class BreakableFeed implements Storage {
  feeds = 0;
  private readonly open: { w: StorageWatcher; broken?: string }[] = [];
  readonly historyLimit: number;

  constructor(private readonly inner: MemoryStorage) {
    this.historyLimit = inner.historyLimit;
  }

  revision = (): Promise<number> => this.inner.revision();
  create = (key: string, obj: KubeObject): Promise<KubeObject> => this.inner.create(key, obj);
  get = (key: string): Promise<KubeObject | undefined> => this.inner.get(key);
  list = (prefix: string, opts?: ListOptions): Promise<ListResult> => this.inner.list(prefix, opts);
  guaranteedUpdate = (key: string, fn: UpdateFn): ReturnType<Storage['guaranteedUpdate']> => this.inner.guaranteedUpdate(key, fn);
  delete = (key: string, p?: Preconditions): Promise<KubeObject> => this.inner.delete(key, p);

  watch(prefix: string, opts?: WatchOptions): StorageWatcher {
    this.feeds++;
    const entry: { w: StorageWatcher; broken?: string } = { w: this.inner.watch(prefix, opts) };
    this.open.push(entry);
    return {
      take: () => entry.w.take(),
      whenReady: (cb) => entry.w.whenReady(cb),
      requestBookmark: () => entry.w.requestBookmark(),
      stop: () => entry.w.stop(),
      get closed() {
        return entry.w.closed;
      },
      get closeReason() {
        return entry.broken ?? entry.w.closeReason;
      },
    };
  }

  breakFeeds(reason: string): void {
    for (const e of this.open.splice(0)) {
      e.broken = reason;
      e.w.stop();
    }
  }
}

describe('watch caches of several servers over one in-memory store', () => {
  const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } });
  const names = async (s: Storage, minRevision: number): Promise<string[]> => (await s.list('/core/configmaps/', { minRevision })).items.map((o) => o.metadata.name as string);

  it('each cache follows the store on its own; a held one serves its revision until released', async () => {
    const store = new MemoryStorage();
    const a = await Cacher.start(store);
    await store.create('/core/configmaps/ns/one', cm('one'));
    // A second server joins a store that already has writes: it replays the store's history from 0.
    const b = await Cacher.start(store, { replayFromStart: true, clock: new FakeClock() });
    after(() => Promise.all([a.close(), b.close()]));
    assert.deepEqual(await names(b, 1), ['one']);
    b.hold();
    const two = await store.create('/core/configmaps/ns/two', cm('two'));
    const rv = Number(two.metadata.resourceVersion);
    assert.deepEqual(await names(a, rv), ['one', 'two'], 'a catches up');
    await eventually(async () => (await b.cacheStatus()).buffered === 1, 'b to receive the write and keep it');
    assert.deepEqual(await names(b, 0), ['one'], 'b serves what it held');
    const w = b.watch('/core/configmaps/', { fromRevision: rv - 1 });
    assert.deepEqual(w.take(), []);
    const st = await b.cacheStatus();
    assert.deepEqual([st.storeRevision, st.cacheRevision, st.heldAt, st.lag], [rv, rv - 1, rv - 1, 1]);
    b.hold(rv);
    assert.deepEqual(await names(b, rv), ['one', 'two'], 'holding further on applies what it passes');
    assert.deepEqual(w.take().map((i) => `${i.type} ${i.object?.metadata.name} ${i.revision}`), [`ADDED two ${rv}`]);
    w.stop();
    assert.throws(() => b.hold(rv - 1), /cannot be held at/);
    b.release();
    assert.equal((await b.cacheStatus()).heldAt, undefined);
  });

  it('resumes its feed where it was when the store ends the watch, with no gap for its watchers', async () => {
    const store = new BreakableFeed(new MemoryStorage());
    const c = await Cacher.start(store);
    after(() => c.close());
    await store.create('/core/configmaps/ns/one', cm('one'));
    const w = c.watch('/core/configmaps/', { fromRevision: 0 });
    assert.deepEqual(await names(c, 1), ['one']);
    store.breakFeeds('the connection to the store was lost');
    await store.create('/core/configmaps/ns/two', cm('two'));
    assert.deepEqual(await names(c, 2), ['one', 'two']);
    const got: WatchItem[] = [];
    await eventually(() => (got.push(...w.take()), got.length >= 2 || w.closed), 'two events');
    assert.equal(w.closed, false, 'the watcher stays open');
    assert.deepEqual(got.map((i) => `${i.type} ${i.object?.metadata.name} ${i.revision}`), ['ADDED one 1', 'ADDED two 2']);
    assert.equal(store.feeds, 2, 'one feed, then one resumed');
    w.stop();
  });

  it('refuses to replay a store whose history no longer reaches back to 0', async () => {
    const store = new MemoryStorage({ historyLimit: 1 });
    await store.create('/core/configmaps/ns/one', cm('one'));
    await store.create('/core/configmaps/ns/two', cm('two'));
    await assert.rejects(Cacher.start(store, { replayFromStart: true }), (e: unknown) => e instanceof StorageError && e.code === 'Expired');
  });
});

const skip = etcdSkip();
describe('etcd', { skip }, () => {
  let etcd: TestEtcd | undefined;
  const opened: Storage[] = [];
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    for (const s of opened) await s.close?.();
    await etcd?.stop();
  });
  let n = 0;
  storageContract('etcd (EtcdStore behind a Cacher)', async (opts) => {
    if (!etcd) throw new Error('etcd did not start');
    // Each test its own key space: revisions are etcd's, shared, and the tests of this file run one by one.
    const s = await openEtcdStorage({ url: etcd.url, root: `/registry-${++n}`, historyLimit: opts.historyLimit });
    opened.push(s);
    return s;
  });
});
