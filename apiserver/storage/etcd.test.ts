// The storage contract against etcd (the store behind its watch cache) and against the watch cache over
// the in-memory store; the etcd part skips with a message only when no etcd binary is installed.
import { after, before, describe } from 'node:test';
import { etcdSkip, startEtcd, type TestEtcd } from '../../testing/etcd.ts';
import { Cacher } from './cacher.ts';
import type { Storage } from './interface.ts';
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
