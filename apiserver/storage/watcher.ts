// One watch on the in-memory store: filters events as the watch cache does (an object that stops matching
// is sent as DELETED, one that starts matching as ADDED) and buffers them, up to a bound, until taken.
import { deepFreeze } from '../machinery/json.ts';
import type { KubeObject } from '../machinery/object.ts';
import type { StorageEvent, StorageWatcher, WatchItem } from './interface.ts';

export class MemoryWatcher implements StorageWatcher {
  private queue: WatchItem[] = [];
  private ready: (() => void) | undefined;
  private reason: string | undefined;
  private stopped = false;

  constructor(
    private readonly prefix: string,
    private readonly filter: ((obj: KubeObject) => boolean) | undefined,
    private readonly bufferLimit: number,
    private readonly currentRevision: () => number,
    private readonly onStop: (w: MemoryWatcher) => void,
  ) {}

  /** Items waiting to be taken. */
  get pending(): number {
    return this.queue.length;
  }

  get closed(): boolean {
    return this.stopped;
  }

  get closeReason(): string | undefined {
    return this.reason;
  }

  /** Offers a committed event; converts it as the watcher's filter sees it (cache_watcher.go convertToWatchEvent). */
  offer(ev: StorageEvent): void {
    if (this.stopped || !ev.key.startsWith(this.prefix)) return;
    const f = this.filter;
    if (!f) {
      this.push([ev]);
      return;
    }
    const cur = ev.type !== 'DELETED' && f(ev.object);
    const prev = ev.prevObject !== undefined && f(ev.prevObject);
    if (cur && !prev) this.push([{ type: 'ADDED', revision: ev.revision, object: ev.object }]);
    else if (cur && prev) this.push([ev]);
    else if (!cur && prev) {
      // The previous content, stamped with the event's revision.
      const last =
        ev.type === 'DELETED'
          ? ev.object
          : deepFreeze({ ...(ev.prevObject as KubeObject), metadata: { ...(ev.prevObject as KubeObject).metadata, resourceVersion: String(ev.revision) } });
      this.push([{ type: 'DELETED', revision: ev.revision, object: last }]);
    }
  }

  push(items: readonly WatchItem[]): void {
    if (this.stopped || items.length === 0) return;
    for (const it of items) this.queue.push(it);
    if (this.queue.length > this.bufferLimit) {
      this.close(`watcher buffer of ${this.bufferLimit} items overflowed: the client is too slow`);
      return;
    }
    this.signal();
  }

  take(): WatchItem[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  whenReady(cb: () => void): void {
    if (this.stopped || this.queue.length > 0) {
      queueMicrotask(cb);
      return;
    }
    this.ready = cb;
  }

  requestBookmark(): void {
    this.push([{ type: 'BOOKMARK', revision: this.currentRevision() }]);
  }

  stop(): void {
    this.close(undefined);
  }

  private close(reason: string | undefined): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    if (reason) this.queue = [];
    this.onStop(this);
    this.signal();
  }

  /** Wakes the consumer on the next turn of the event loop, so a burst of events is taken in one batch. */
  private signal(): void {
    const cb = this.ready;
    if (cb) {
      this.ready = undefined;
      setImmediate(cb);
    }
  }
}
