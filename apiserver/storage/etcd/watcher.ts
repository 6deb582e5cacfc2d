// One etcd watch behind the StorageWatcher interface: the current objects first when no revision is given
// (as a list at revision R ending with a BOOKMARK at R, then a watch from R+1), then etcd's events with their previous values, filtered
// and buffered by a MemoryWatcher. A compacted start revision or an undecodable value closes it with a reason.
import type { IEvent, Watcher } from 'etcd3';
import type { KubeObject } from '../../machinery/object.ts';
import type { StorageEvent, StorageWatcher, WatchItem, WatchOptions } from '../interface.ts';
import { MemoryWatcher } from '../watcher.ts';
import type { EtcdStore } from './store.ts';
import { prefixEnd, withRevision } from './store.ts';

export class EtcdWatcher implements StorageWatcher {
  private readonly inner: MemoryWatcher;
  private failure: string | undefined;
  private etcd: Watcher | undefined;

  constructor(
    private readonly store: EtcdStore,
    private readonly prefix: string,
    private readonly opts: WatchOptions,
    bufferLimit: number,
    seen: () => number,
    private readonly onStop: (w: EtcdWatcher) => void,
  ) {
    this.inner = new MemoryWatcher(prefix, opts.filter, bufferLimit, seen, () => this.stopped());
  }

  get pending(): number {
    return this.inner.pending;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  get closeReason(): string | undefined {
    return this.failure ?? this.inner.closeReason;
  }

  take(): WatchItem[] {
    return this.inner.take();
  }

  whenReady(cb: () => void): void {
    this.inner.whenReady(cb);
  }

  requestBookmark(): void {
    this.inner.requestBookmark();
  }

  stop(): void {
    this.inner.stop();
  }

  private stopped(): void {
    this.onStop(this);
    const w = this.etcd;
    this.etcd = undefined;
    if (w) void w.cancel().catch(() => undefined);
  }

  private fail(reason: string): void {
    if (this.inner.closed) return;
    this.failure = reason;
    this.inner.stop();
  }

  async start(): Promise<void> {
    try {
      let from = this.opts.fromRevision;
      if (from === undefined) from = await this.sendCurrent();
      if (this.inner.closed) return;
      const w = await this.store.client.watch().prefix(this.store.etcdKey(this.prefix)).startRevision(String(from + 1)).withPreviousKV().create();
      if (this.inner.closed) {
        await w.cancel();
        return;
      }
      this.etcd = w;
      const since = from;
      w.on('data', (res) => {
        try {
          for (const ev of res.events) {
            if (this.inner.closed) return;
            this.inner.offer(this.toEvent(ev));
          }
        } catch (e) {
          this.fail(e instanceof Error ? e.message : String(e));
        }
      });
      // etcd cancels a watch whose start revision it compacted, with an empty reason (the client drops compact_revision).
      w.on('error', (err) => this.fail(/canceled: $|compacted/.test(err.message) ? `too old resource version: ${since} (compacted)` : err.message));
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  /** Synthetic ADDED for every current object; returns the revision they reflect. */
  private async sendCurrent(): Promise<number> {
    const start = this.store.etcdKey(this.prefix);
    const res = await this.store.client.kv.range({ key: start, range_end: prefixEnd(start) });
    const items: WatchItem[] = [];
    for (const kv of res.kvs) {
      const object = this.store.decode(kv, kv.mod_revision);
      if (!this.opts.filter || this.opts.filter(object)) items.push({ type: 'ADDED', object, revision: Number(kv.mod_revision), key: this.store.storageKey(kv.key) });
    }
    // The initial-events-end bookmark: a watch cache knows from it that it holds the state at this revision.
    items.push({ type: 'BOOKMARK', revision: Number(res.header.revision) });
    this.inner.push(items);
    return Number(res.header.revision);
  }

  private toEvent(ev: IEvent): StorageEvent {
    const key = this.store.storageKey(ev.kv.key);
    const revision = Number(ev.kv.mod_revision);
    const prevObject: KubeObject | undefined = ev.prev_kv ? this.store.decode(ev.prev_kv, ev.prev_kv.mod_revision) : undefined;
    if (ev.type === 'Put') {
      const object = this.store.decode(ev.kv, revision);
      const created = ev.kv.create_revision === ev.kv.mod_revision;
      return created ? { type: 'ADDED', key, revision, object } : { type: 'MODIFIED', key, revision, object, ...(prevObject ? { prevObject } : {}) };
    }
    if (!prevObject) throw new Error(`etcd sent a delete of ${key} without its previous value`);
    return { type: 'DELETED', key, revision, object: withRevision(prevObject, revision), prevObject };
  }
}
