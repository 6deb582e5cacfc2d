// One watch on the in-memory store: filters events as the watch cache does (an object that stops matching
// is sent as DELETED, one that starts matching as ADDED) and buffers them, up to a bound, until taken. The
// initial events (the objects of a watch without a resourceVersion, or the history replayed after the one
// given) do not count against the bound: cache_watcher.go sends its initEvents before it reads its channel.
import { snapshotAt } from '../machinery/json.ts';
import type { KubeObject } from '../machinery/object.ts';
import type { StorageEvent, StorageWatcher, WatchItem } from './interface.ts';

export class MemoryWatcher implements StorageWatcher {
  private queue: WatchItem[] = [];
  /** Items of the initial state still in the queue: not counted against the bound. */
  private initial = 0;
  private ready: (() => void) | undefined;
  private readonly closedCallbacks: (() => void)[] = [];
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
  offer(ev: StorageEvent, initial = false): void {
    if (this.stopped || !ev.key.startsWith(this.prefix)) return;
    const push = (items: readonly WatchItem[]): void => (initial ? this.pushInitial(items) : this.push(items));
    const f = this.filter;
    if (!f) {
      push([ev]);
      return;
    }
    const cur = ev.type !== 'DELETED' && f(ev.object);
    const prev = ev.prevObject !== undefined && f(ev.prevObject);
    if (cur && !prev) push([{ type: 'ADDED', revision: ev.revision, object: ev.object }]);
    else if (cur && prev) push([ev]);
    else if (!cur && prev) {
      // The previous content, stamped with the event's revision.
      const last =
        ev.type === 'DELETED'
          ? ev.object
          : snapshotAt(ev.prevObject as KubeObject, ev.revision);
      push([{ type: 'DELETED', revision: ev.revision, object: last }]);
    }
  }

  /** The events a watch starts with, ahead of every new event. */
  pushInitial(items: readonly WatchItem[]): void {
    if (this.stopped || items.length === 0) return;
    for (const it of items) this.queue.push(it);
    this.initial += items.length;
    this.signal();
  }

  push(items: readonly WatchItem[]): void {
    if (this.stopped || items.length === 0) return;
    for (const it of items) this.queue.push(it);
    if (this.queue.length - this.initial > this.bufferLimit) {
      this.close(`watcher buffer of ${this.bufferLimit} items overflowed: the client is too slow`);
      return;
    }
    this.signal();
  }

  take(): WatchItem[] {
    const q = this.queue;
    this.queue = [];
    this.initial = 0;
    return q;
  }

  whenClosed(cb: () => void): void {
    if (this.stopped) queueMicrotask(cb);
    else this.closedCallbacks.push(cb);
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
    if (reason) {
      this.queue = [];
      this.initial = 0;
    }
    this.onStop(this);
    this.signal();
    for (const cb of this.closedCallbacks.splice(0)) queueMicrotask(cb);
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
