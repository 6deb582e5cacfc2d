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
import { StorageError, type Storage } from './interface.ts';
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
