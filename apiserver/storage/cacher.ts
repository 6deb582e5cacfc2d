// A watch cache in front of a Storage, as kube-apiserver's cacher (staging/src/k8s.io/apiserver/pkg/storage/
// cacher/cacher.go, watch_cache.go): one feed from the store (its current objects, then every change) keeps
// a replica and a bounded window of events. Watches and resourceVersion "0" / NotOlderThan lists are served
// from the replica; gets, consistent lists (resourceVersion ""), snapshot lists and writes go to the store.
// Each API server over a shared store has its own Cacher, so each can lag behind the store on its own.
//
// The test and scenario hook: hold(revision) stops the cache from applying events newer than `revision`
// (they wait in the inbox, in order) until release() or a later hold(); a held server serves stale lists
// and watches exactly as an API server whose watch cache lags would. cacheStatus() tells the lag.
import { RealClock, type Clock, type TimerHandle } from '../machinery/clock.ts';
import type { KubeObject } from '../machinery/object.ts';
import { quietLogger, type Logger } from '../machinery/log.ts';
import {
  StorageError,
  type ListOptions,
  type ListResult,
  type Preconditions,
  type Storage,
  type StorageEvent,
  type StorageWatcher,
  type UpdateFn,
  type WatchItem,
  type WatchOptions,
} from './interface.ts';
import { Bucket, bucketOf, defaultHistoryEvents, defaultWatcherBufferItems, lowerBoundPrefix } from './memory.ts';
import { MemoryWatcher } from './watcher.ts';

/** What GET /racelab/v1/watchcache tells: how far the cache is behind its store. */
export interface CacheStatus {
  /** The store's current revision. */
  storeRevision: number;
  /** The newest revision the cache has applied: lists and watches it serves reflect this. */
  cacheRevision: number;
  /** storeRevision - cacheRevision. */
  lag: number;
  /** Set while a test or scenario holds the cache at this revision (Cacher.hold). */
  heldAt?: number;
  /** Events received from the store but not applied (held, or not yet processed). */
  buffered: number;
  /** How long a list that needs a newer revision waits for the cache before it is refused with 504. */
  freshnessTimeoutMs: number;
}

/** How long a read that needs a newer revision waits for the cache (watch_cache.go blockTimeout). */
export const defaultFreshnessTimeoutMs = 3000;

export interface CacherOptions {
  /** Events kept in the cache's window: watches from an older revision get 410. */
  historyLimit?: number;
  watcherBufferLimit?: number;
  freshnessTimeoutMs?: number;
  /**
   * Follow the store's whole event history from revision 0 instead of starting from its current objects:
   * for an in-memory store whose history still reaches back to 0 (several servers over one MemoryStorage).
   * Default: only when the store is at revision 0.
   */
  replayFromStart?: boolean;
  /** How long start() waits for the store's current state before it gives up. */
  startTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** How long start() waits for the initial state (a large etcd lists for a while). */
export const defaultStartTimeoutMs = 60_000;

interface Waiter {
  revision: number;
  resolve: () => void;
  timer: TimerHandle;
}

export class Cacher implements Storage {
  readonly historyLimit: number;
  readonly freshnessTimeoutMs: number;
  private readonly watcherBufferLimit: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** The newest revision applied to the replica. */
  private rev = 0;
  /** The newest revision no longer in the window. */
  private compacted = 0;
  private ready = false;
  private readonly buckets = new Map<string, Bucket>();
  private history: StorageEvent[] = [];
  private historyStart = 0;
  /** Every watcher and the revision after which it gets events. */
  private readonly watchers = new Map<MemoryWatcher, number>();
  /** Received from the store, not yet applied (held, or not yet drained). */
  private inbox: WatchItem[] = [];
  private heldAt: number | undefined;
  /** The newest revision received from the store (applied or in the inbox). */
  private received = 0;
  /** Resumed feeds in a row that ended before bringing any event. */
  private failedResumes = 0;
  private feed: StorageWatcher | undefined;
  private waiters: Waiter[] = [];
  private closing = false;

  private constructor(
    private readonly backing: Storage,
    opts: CacherOptions,
  ) {
    this.historyLimit = opts.historyLimit ?? defaultHistoryEvents;
    this.watcherBufferLimit = opts.watcherBufferLimit ?? defaultWatcherBufferItems;
    this.freshnessTimeoutMs = opts.freshnessTimeoutMs ?? defaultFreshnessTimeoutMs;
    this.clock = opts.clock ?? new RealClock();
    this.logger = opts.logger ?? quietLogger();
  }

  /**
   * Starts a cache over `backing` and resolves once it holds the store's current state. The store's watch
   * without a revision must send every current object with its key and end them with a BOOKMARK at their
   * revision (the etcd store does); with replayFromStart the store's history is followed from revision 0.
   */
  static async start(backing: Storage, opts: CacherOptions = {}): Promise<Cacher> {
    const c = new Cacher(backing, opts);
    if (opts.replayFromStart ?? (await backing.revision()) === 0) {
      c.ready = true;
      c.follow(0); // a store whose history no longer reaches 0 refuses this with Expired
    } else {
      c.follow(undefined);
    }
    try {
      await c.waitFresh(0, '/', opts.startTimeoutMs ?? defaultStartTimeoutMs);
    } catch {
      await c.close();
      throw new Error('the watch cache got no initial state from its store (no initial-events bookmark)');
    }
    return c;
  }

  // --- the store's side: reads that must be consistent, and every write ---

  revision(): Promise<number> {
    return this.backing.revision();
  }

  get(key: string): Promise<KubeObject | undefined> {
    return this.backing.get(key);
  }

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.backing.create(key, obj);
  }

  guaranteedUpdate(key: string, fn: UpdateFn): Promise<{ object: KubeObject; changed: boolean }> {
    return this.backing.guaranteedUpdate(key, fn);
  }

  delete(key: string, preconditions?: Preconditions): Promise<KubeObject> {
    return this.backing.delete(key, preconditions);
  }

  // --- the cache's side ---

  /** The revision the cache reflects. */
  revisionNow(): number {
    return this.rev;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    // cacher.go shouldDelegateList: exact and paged reads, and consistent ones, go to the store.
    const min = opts.minRevision;
    if (opts.atRevision !== undefined || opts.startAfter !== undefined || min === undefined || (opts.limit && min > 0)) {
      return this.backing.list(prefix, opts);
    }
    await this.waitFresh(min, prefix, this.freshnessTimeoutMs);
    const bucket = this.bucket(prefix);
    const keys = bucket.keys();
    const items: KubeObject[] = [];
    for (let i = lowerBoundPrefix(keys, prefix); i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) break;
      const obj = bucket.objects.get(key) as KubeObject;
      if (!opts.filter || opts.filter(obj)) items.push(obj);
    }
    return { items, revision: this.rev };
  }

  watch(prefix: string, opts: WatchOptions = {}): StorageWatcher {
    const from = opts.fromRevision;
    if (!this.ready) {
      // Relisting: what it has is not a state at any revision, and the events before it are gone.
      throw new StorageError('Expired', prefix, `too old resource version: ${from ?? 0} (the watch cache is reinitializing)`, { oldest: this.compacted });
    }
    if (from !== undefined && from < this.compacted) {
      // cacher.go: the watch cache's window does not reach back this far.
      throw new StorageError('Expired', prefix, `too old resource version: ${from} (${this.compacted})`, { oldest: this.compacted });
    }
    const w = new MemoryWatcher(prefix, opts.filter, opts.bufferLimit ?? this.watcherBufferLimit, () => this.rev, (x) => this.watchers.delete(x));
    if (from === undefined) {
      const initial: WatchItem[] = [];
      const bucket = this.bucket(prefix);
      for (const key of bucket.keys()) {
        if (!key.startsWith(prefix)) continue;
        const obj = bucket.objects.get(key) as KubeObject;
        if (!opts.filter || opts.filter(obj)) initial.push({ type: 'ADDED', object: obj, revision: Number(obj.metadata.resourceVersion) });
      }
      w.push(initial);
    } else {
      let first = this.history.length;
      while (first > this.historyStart && (this.history[first - 1] as StorageEvent).revision > from) first--;
      for (let i = first; i < this.history.length; i++) w.offer(this.history[i] as StorageEvent);
    }
    // Events the cache applies later reach the watcher only past what it has been given (or asked for).
    this.watchers.set(w, Math.max(from ?? this.rev, this.rev));
    return w;
  }

  pendingWatchItems(): number {
    let n = 0;
    for (const w of this.watchers.keys()) n += w.pending;
    return n;
  }

  async cacheStatus(): Promise<CacheStatus> {
    const storeRevision = await this.backing.revision();
    return {
      storeRevision,
      cacheRevision: this.rev,
      lag: Math.max(0, storeRevision - this.rev),
      ...(this.heldAt !== undefined ? { heldAt: this.heldAt } : {}),
      buffered: this.inbox.length,
      freshnessTimeoutMs: this.freshnessTimeoutMs,
    };
  }

  /**
   * Holds the cache at `revision` (default: where it is): events after it are kept, in order, and not applied.
   * A later hold() moves the hold forward (applying what it passes); it cannot move back.
   */
  hold(revision: number = this.rev): void {
    if (revision < this.rev) throw new Error(`the watch cache is at ${this.rev}: it cannot be held at ${revision}`);
    this.heldAt = revision;
    this.drain();
  }

  /** Lets the cache catch up with everything it received. */
  release(): void {
    this.heldAt = undefined;
    this.drain();
  }

  /** Stops the feed, every watcher and the store. The cacher owns its store. */
  async close(): Promise<void> {
    this.closing = true;
    this.feed?.stop();
    for (const w of [...this.watchers.keys()]) w.stop();
    for (const x of this.waiters) {
      x.timer.cancel();
      x.resolve();
    }
    this.waiters = [];
    await this.backing.close?.();
  }

  // --- the feed ---

  private follow(fromRevision: number | undefined): void {
    const feed = this.backing.watch('/', { fromRevision, bufferLimit: Number.MAX_SAFE_INTEGER });
    this.feed = feed;
    const pump = (): void => {
      if (this.feed !== feed) return;
      for (const it of feed.take()) {
        this.failedResumes = 0;
        this.inbox.push(it);
        if (it.revision > this.received) this.received = it.revision;
      }
      this.drain();
      if (feed.closed) {
        if (this.closing) return;
        const reason = feed.closeReason ?? 'the store ended the watch';
        // Resume where the cache is; only a store that no longer has those revisions makes it relist.
        if (!this.ready || /too old resource version/.test(reason)) this.relist(reason);
        else this.resume(reason);
        return;
      }
      feed.whenReady(pump);
    };
    feed.whenReady(pump);
  }

  /** Follows the store again from what was received; backs off while resumed feeds end before any event. */
  private resume(reason: string): void {
    const delayMs = this.failedResumes === 0 ? 0 : Math.min(100 * 2 ** (this.failedResumes - 1), 5000);
    this.failedResumes++;
    this.logger.warn({ reason, revision: this.received, delayMs }, 'watch cache feed ended: resuming');
    this.feed = undefined;
    const again = (): void => {
      if (this.closing) return;
      try {
        this.follow(this.received);
      } catch (e) {
        this.relist(e instanceof Error ? e.message : String(e));
      }
    };
    if (delayMs === 0) again();
    else this.clock.setTimer(delayMs, again);
  }

  /**
   * The store no longer has the cache's revision (it compacted past a lagging cache): start again from a
   * fresh copy, as the reflector relists, and end every watcher (cacher.go terminateAllWatchers).
   */
  private relist(reason: string): void {
    this.logger.warn({ reason, revision: this.rev }, 'watch cache feed ended: relisting');
    for (const w of [...this.watchers.keys()]) w.stop();
    this.buckets.clear();
    this.history = [];
    this.historyStart = 0;
    this.inbox = [];
    this.received = 0;
    this.ready = false;
    this.follow(undefined);
  }

  private drain(): void {
    let i = 0;
    for (; i < this.inbox.length; i++) {
      const it = this.inbox[i] as WatchItem;
      if (this.ready && this.heldAt !== undefined && it.revision > this.heldAt) break;
      this.apply(it);
    }
    if (i > 0) this.inbox = this.inbox.slice(i);
  }

  private apply(it: WatchItem): void {
    if (!this.ready) {
      // The store's current objects, then the bookmark at the revision they reflect.
      if (it.type === 'BOOKMARK') {
        this.rev = it.revision;
        this.compacted = it.revision;
        this.ready = true;
        this.wake();
      } else if (it.object && it.key) {
        this.bucket(it.key).set(it.key, it.object);
      }
      return;
    }
    if (it.type === 'BOOKMARK' || it.revision <= this.rev) return;
    if (!it.key || !it.object) {
      this.logger.error({ revision: it.revision }, 'the store sent a watch event without its key');
      return;
    }
    const bucket = this.bucket(it.key);
    const prev = bucket.objects.get(it.key);
    let ev: StorageEvent;
    if (it.type === 'DELETED') {
      bucket.delete(it.key);
      ev = { type: 'DELETED', key: it.key, revision: it.revision, object: it.object, ...(prev ? { prevObject: prev } : {}) };
    } else {
      bucket.set(it.key, it.object);
      ev = prev
        ? { type: 'MODIFIED', key: it.key, revision: it.revision, object: it.object, prevObject: prev }
        : { type: 'ADDED', key: it.key, revision: it.revision, object: it.object };
    }
    this.rev = it.revision;
    this.history.push(ev);
    if (this.history.length - this.historyStart > this.historyLimit) {
      this.compacted = (this.history[this.historyStart] as StorageEvent).revision;
      this.history[this.historyStart] = undefined as unknown as StorageEvent;
      this.historyStart++;
      if (this.historyStart > 4096 && this.historyStart * 2 > this.history.length) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const [w, from] of this.watchers) if (ev.revision > from) w.offer(ev);
    this.wake();
  }

  /** Resolves once the cache is ready and at `revision` or newer; refuses with 504 after `timeoutMs`. */
  private waitFresh(revision: number, prefix: string, timeoutMs: number): Promise<void> {
    if (this.ready && this.rev >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.waiters = this.waiters.filter((x) => x.timer !== timer);
        // watch_cache.go waitUntilFreshAndBlock: NewTooLargeResourceVersionError.
        reject(new StorageError('TooLargeResourceVersion', prefix, `Too large resource version: ${revision}, current: ${this.rev}`, { current: this.rev }));
      });
      this.waiters.push({ revision, resolve, timer });
    });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((x) => {
      if (!this.ready || x.revision > this.rev) return true;
      x.timer.cancel();
      x.resolve();
      return false;
    });
  }

  private bucket(key: string): Bucket {
    const name = bucketOf(key);
    let b = this.buckets.get(name);
    if (!b) {
      b = new Bucket();
      this.buckets.set(name, b);
    }
    return b;
  }
}
