// Storage on etcd v3, as kube-apiserver's etcd3 store (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go):
// every key lives under a root prefix (/registry), an object's resourceVersion is its key's mod_revision
// (stored bytes carry none), and each write is one transaction guarded by the key's mod_revision.
// Watches are etcd watches with the previous value; a watch cache (../cacher.ts) serves clients from them.
import { Etcd3, type IKeyValue, type IRangeRequest, type IResponseHeader } from 'etcd3';
import { snapshotAt } from '../../machinery/json.ts';
import type { KubeObject } from '../../machinery/object.ts';
import {
  StorageError,
  type ListOptions,
  type ListResult,
  type Preconditions,
  type Storage,
  type StorageWatcher,
  type UpdateFn,
  type WatchOptions,
} from '../interface.ts';
import { checkPreconditions, defaultHistoryEvents, defaultWatcherBufferItems, sameExceptRevision } from '../memory.ts';
import { EtcdWatcher } from './watcher.ts';

/** kube-apiserver's default --etcd-prefix. */
export const defaultEtcdRoot = '/registry';

export interface EtcdStoreOptions {
  /** Client URL(s) of etcd, e.g. http://127.0.0.1:2379 (comma-separated for several members). */
  url: string;
  /** Key prefix of everything this store writes; keys become ROOT/<group>/<resource>/<ns>/<name>. */
  root?: string;
  /** Revisions behind the newest that snapshot lists (continue tokens, Exact) may still read. */
  historyLimit?: number;
  watcherBufferLimit?: number;
}

/** The byte after a prefix's last one: [prefix, end) is every key under it (clientv3.GetPrefixRangeEnd). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** What etcd stores: the object without its resourceVersion (etcd3/store.go: the version lives in the revision). */
function encode(obj: KubeObject): Buffer {
  const { resourceVersion: _, ...metadata } = obj.metadata;
  return Buffer.from(JSON.stringify({ ...obj, metadata }));
}

export function withRevision(obj: KubeObject, revision: number): KubeObject {
  return snapshotAt(obj, revision);
}

function isCompacted(e: unknown): boolean {
  return e instanceof Error && /compacted/.test(e.message);
}

function isFutureRevision(e: unknown): boolean {
  return e instanceof Error && /future revision/.test(e.message);
}

interface Current {
  obj: KubeObject;
  modRevision: string;
}

export class EtcdStore implements Storage {
  readonly historyLimit: number;
  readonly client: Etcd3;
  readonly root: string;
  private readonly watcherBufferLimit: number;
  private readonly watchers = new Set<EtcdWatcher>();
  /** The newest revision seen in any response: what a bookmark carries without a round trip. */
  private seen = 0;

  constructor(opts: EtcdStoreOptions) {
    this.client = new Etcd3({ hosts: opts.url.split(','), dialTimeout: 5000 });
    this.root = (opts.root ?? defaultEtcdRoot).replace(/\/+$/, '');
    this.historyLimit = opts.historyLimit ?? defaultHistoryEvents;
    this.watcherBufferLimit = opts.watcherBufferLimit ?? defaultWatcherBufferItems;
  }

  etcdKey(key: string): Buffer {
    return Buffer.from(this.root + key);
  }

  storageKey(etcdKey: Buffer): string {
    return etcdKey.toString().slice(this.root.length);
  }

  /** Decodes a stored value; a value this store cannot read back is refused, never served half-read. */
  decode(kv: Pick<IKeyValue, 'key' | 'value'>, revision: string | number): KubeObject {
    let obj: KubeObject;
    try {
      obj = JSON.parse(kv.value.toString()) as KubeObject;
    } catch (e) {
      throw new StorageError('InvalidObject', this.storageKey(kv.key), `cannot decode ${kv.key.toString()}: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || typeof obj.metadata !== 'object') {
      throw new StorageError('InvalidObject', this.storageKey(kv.key), `cannot decode ${kv.key.toString()}: no metadata`);
    }
    return withRevision(obj, Number(revision));
  }

  private note(header: IResponseHeader | undefined): number {
    const rev = Number(header?.revision ?? 0);
    if (rev > this.seen) this.seen = rev;
    return rev;
  }

  async revision(): Promise<number> {
    const res = await this.client.kv.range({ key: this.etcdKey('/'), count_only: true });
    return this.note(res.header);
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const k = this.etcdKey(key);
    const value = encode(obj);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: 0 }],
      success: [{ request_put: { key: k, value } }],
      failure: [],
    });
    if (!res.succeeded) throw new StorageError('KeyExists', key, `key exists: ${key}`);
    return withRevision(obj, this.note(res.header));
  }

  private async current(key: string): Promise<Current | undefined> {
    const res = await this.client.kv.range({ key: this.etcdKey(key) });
    this.note(res.header);
    const kv = res.kvs[0];
    return kv ? { obj: this.decode(kv, kv.mod_revision), modRevision: kv.mod_revision } : undefined;
  }

  async get(key: string): Promise<KubeObject | undefined> {
    return (await this.current(key))?.obj;
  }

  /** A transaction that writes `op` only if the key is unchanged; otherwise it reads the key again. */
  private async casOrRead(key: string, cur: Current, op: 'put' | 'delete', value?: Buffer) {
    const k = this.etcdKey(key);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: cur.modRevision }],
      success: [op === 'put' ? { request_put: { key: k, value } } : { request_delete_range: { key: k } }],
      failure: [{ request_range: { key: k } }],
    });
    const revision = this.note(res.header);
    if (res.succeeded) return { revision, fresh: undefined };
    const kv = res.responses[0]?.response_range.kvs[0];
    return { revision, fresh: kv ? { obj: this.decode(kv, kv.mod_revision), modRevision: kv.mod_revision } : undefined, conflict: true };
  }

  async guaranteedUpdate(key: string, fn: UpdateFn): Promise<{ object: KubeObject; changed: boolean }> {
    let cur = await this.current(key);
    for (;;) {
      if (!cur) throw new StorageError('KeyNotFound', key, `key not found: ${key}`);
      const next = fn(cur.obj);
      if (next === undefined || sameExceptRevision(cur.obj, next)) return { object: cur.obj, changed: false };
      const r = await this.casOrRead(key, cur, 'put', encode(next));
      if (!r.conflict) return { object: withRevision(next, r.revision), changed: true };
      // Someone wrote in between: decide again on what is there now (etcd3/store.go GuaranteedUpdate).
      cur = r.fresh;
    }
  }

  async delete(key: string, preconditions?: Preconditions): Promise<KubeObject> {
    let cur = await this.current(key);
    for (;;) {
      if (!cur) throw new StorageError('KeyNotFound', key, `key not found: ${key}`);
      checkPreconditions(key, cur.obj, preconditions);
      const r = await this.casOrRead(key, cur, 'delete');
      if (!r.conflict) return withRevision(cur.obj, r.revision);
      cur = r.fresh;
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const start = this.etcdKey(prefix);
    const end = prefixEnd(start);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let from = opts.startAfter === undefined ? start : Buffer.concat([this.etcdKey(prefix + opts.startAfter), Buffer.from([0])]);
    let revision = opts.atRevision ?? 0;
    const items: KubeObject[] = [];
    let lastKey: Buffer | undefined;
    let more = false;
    let count = 0;
    for (let first = true; ; first = false) {
      // A filtered page reads on in batches of the page size until it is full (etcd3/store.go GetList).
      const req: IRangeRequest = { key: from, range_end: end, revision, limit };
      const res = await this.range(prefix, req);
      const current = this.note(res.header);
      if (first) {
        if (revision === 0) revision = current;
        else if (current - revision > this.historyLimit) {
          throw new StorageError('Expired', prefix, `revision ${revision} is not available`, { oldest: current - this.historyLimit });
        }
        count = Number(res.count);
      }
      let i = 0;
      for (; i < res.kvs.length && (!limit || items.length < limit); i++) {
        const kv = res.kvs[i] as IKeyValue;
        lastKey = kv.key;
        const obj = this.decode(kv, kv.mod_revision);
        if (!opts.filter || opts.filter(obj)) items.push(obj);
      }
      more = i < res.kvs.length || res.more;
      if (!limit || items.length >= limit || !res.more || !lastKey) break;
      from = Buffer.concat([lastKey, Buffer.from([0])]);
    }
    const result: ListResult = { items, revision };
    if (limit && items.length >= limit && more && lastKey) {
      result.continueAfter = this.storageKey(lastKey).slice(prefix.length);
      if (!opts.filter) result.remainingItemCount = count - items.length;
    }
    return result;
  }

  private async range(prefix: string, req: IRangeRequest) {
    try {
      return await this.client.kv.range(req);
    } catch (e) {
      if (isCompacted(e) || isFutureRevision(e)) {
        throw new StorageError('Expired', prefix, `revision ${String(req.revision)} is not available: ${(e as Error).message}`);
      }
      throw e;
    }
  }

  /** An etcd watch from `fromRevision` (exclusive); without it, the current objects first. */
  watch(prefix: string, opts: WatchOptions = {}): StorageWatcher {
    const w = new EtcdWatcher(this, prefix, opts, opts.bufferLimit ?? this.watcherBufferLimit, () => this.seen, (x) => this.watchers.delete(x));
    this.watchers.add(w);
    void w.start();
    return w;
  }

  /** Compacts etcd's history up to `revision`: older snapshots and watches get 410 (kube-apiserver's compactor). */
  async compact(revision: number): Promise<void> {
    await this.client.kv.compact({ revision, physical: true });
  }

  pendingWatchItems(): number {
    let n = 0;
    for (const w of this.watchers) n += w.pending;
    return n;
  }

  async close(): Promise<void> {
    for (const w of [...this.watchers]) w.stop();
    this.client.close();
  }
}
