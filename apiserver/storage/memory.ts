// The embedded in-memory store: one global revision, immutable snapshots, a bounded event history and
// watch fan-out. Everything happens synchronously inside one call, so each write is atomic.
import { jsonEqual, jsonOf, snapshotAt } from '../machinery/json.ts';
import type { KubeObject } from '../machinery/object.ts';
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
import { MemoryWatcher } from './watcher.ts';

/** Events kept for watch resumption and list snapshots, unless configured otherwise. */
export const defaultHistoryEvents = 10_000;
/** Undelivered items a watcher may hold before it is disconnected as too slow. */
export const defaultWatcherBufferItems = 10_000;

/** Keys look like /group/resource/namespace/name; a bucket is /group/resource/. */
export function bucketOf(key: string): string {
  const second = key.indexOf('/', 1);
  const third = key.indexOf('/', second + 1);
  return key.slice(0, third + 1);
}

/** One resource's objects and their keys in order, kept sorted as keys come and go (no re-sort on list). */
export class Bucket {
  readonly objects = new Map<string, KubeObject>();
  private readonly sorted: string[] = [];

  keys(): readonly string[] {
    return this.sorted;
  }

  set(key: string, obj: KubeObject): void {
    if (!this.objects.has(key)) this.sorted.splice(lowerBoundPrefix(this.sorted, key), 0, key);
    this.objects.set(key, obj);
  }

  delete(key: string): void {
    if (this.objects.delete(key)) this.sorted.splice(lowerBoundPrefix(this.sorted, key), 1);
  }
}

/** First index in a sorted array whose value is > key. */
export function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The snapshot to store, frozen and serialised before anything is committed: an object whose JSON cannot be
 * produced throws here and never reaches a bucket, the history or a watcher.
 */
function withRevision(obj: KubeObject, revision: number): KubeObject {
  const stored = snapshotAt(obj, revision);
  jsonOf(stored);
  return stored;
}

export interface MemoryStorageOptions {
  historyLimit?: number;
  watcherBufferLimit?: number;
}

export class MemoryStorage implements Storage {
  readonly historyLimit: number;
  private readonly watcherBufferLimit: number;
  private rev = 0;
  /** The newest revision no longer in the history: watches from before it get 410. */
  private compacted = 0;
  private readonly buckets = new Map<string, Bucket>();
  private history: StorageEvent[] = [];
  private historyStart = 0;
  private readonly watchers = new Set<MemoryWatcher>();

  constructor(opts: MemoryStorageOptions = {}) {
    this.historyLimit = opts.historyLimit ?? defaultHistoryEvents;
    this.watcherBufferLimit = opts.watcherBufferLimit ?? defaultWatcherBufferItems;
  }

  async revision(): Promise<number> {
    return this.rev;
  }

  revisionNow(): number {
    return this.rev;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const bucket = this.bucket(key);
    if (bucket.objects.has(key)) throw new StorageError('KeyExists', key, `key exists: ${key}`);
    const stored = withRevision(obj, this.rev + 1);
    this.rev++;
    bucket.set(key, stored);
    this.publish({ type: 'ADDED', key, revision: this.rev, object: stored });
    return stored;
  }

  async get(key: string): Promise<KubeObject | undefined> {
    return this.buckets.get(bucketOf(key))?.objects.get(key);
  }

  async guaranteedUpdate(key: string, fn: UpdateFn): Promise<{ object: KubeObject; changed: boolean }> {
    const bucket = this.bucket(key);
    const current = bucket.objects.get(key);
    if (!current) throw new StorageError('KeyNotFound', key, `key not found: ${key}`);
    const next = fn(current);
    if (next === undefined || sameExceptRevision(current, next)) return { object: current, changed: false };
    const stored = withRevision(next, this.rev + 1);
    this.rev++;
    bucket.set(key, stored);
    this.publish({ type: 'MODIFIED', key, revision: this.rev, object: stored, prevObject: current });
    return { object: stored, changed: true };
  }

  async delete(key: string, preconditions?: Preconditions): Promise<KubeObject> {
    const bucket = this.bucket(key);
    const current = bucket.objects.get(key);
    if (!current) throw new StorageError('KeyNotFound', key, `key not found: ${key}`);
    checkPreconditions(key, current, preconditions);
    const last = withRevision(current, this.rev + 1);
    this.rev++;
    bucket.delete(key);
    this.publish({ type: 'DELETED', key, revision: this.rev, object: last, prevObject: current });
    return last;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const revision = opts.atRevision ?? this.rev;
    const source = revision === this.rev ? this.bucket(prefix) : this.snapshot(prefix, revision);
    const keys = source.keys();
    let i = opts.startAfter === undefined ? lowerBoundPrefix(keys, prefix) : upperBound(keys, prefix + opts.startAfter);
    const items: KubeObject[] = [];
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    let lastKey: string | undefined;
    for (; i < keys.length && items.length < limit; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) break;
      const obj = source.objects.get(key) as KubeObject;
      lastKey = key;
      if (!opts.filter || opts.filter(obj)) items.push(obj);
    }
    const result: ListResult = { items, revision };
    // More keys under the prefix means there may be more matching items.
    if (items.length >= limit && i < keys.length && (keys[i] as string).startsWith(prefix) && lastKey) {
      result.continueAfter = lastKey.slice(prefix.length);
      if (!opts.filter) {
        let remaining = 0;
        for (let j = i; j < keys.length && (keys[j] as string).startsWith(prefix); j++) remaining++;
        result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  watch(prefix: string, opts: WatchOptions = {}): StorageWatcher {
    const from = opts.fromRevision;
    if (from !== undefined && from < this.compacted) {
      throw new StorageError('Expired', prefix, `too old resource version: ${from} (${this.compacted})`, {
        oldest: this.compacted,
      });
    }
    const w = new MemoryWatcher(prefix, opts.filter, opts.bufferLimit ?? this.watcherBufferLimit, () => this.rev, (x) =>
      this.watchers.delete(x),
    );
    if (from === undefined) {
      const initial: WatchItem[] = [];
      const bucket = this.bucket(prefix);
      for (const key of bucket.keys()) {
        if (!key.startsWith(prefix)) continue;
        const obj = bucket.objects.get(key) as KubeObject;
        if (!opts.filter || opts.filter(obj)) {
          initial.push({ type: 'ADDED', object: obj, revision: Number(obj.metadata.resourceVersion) });
        }
      }
      w.pushInitial(initial);
    } else {
      let first = this.history.length;
      while (first > this.historyStart && (this.history[first - 1] as StorageEvent).revision > from) first--;
      for (let i = first; i < this.history.length; i++) w.offer(this.history[i] as StorageEvent, true);
    }
    this.watchers.add(w);
    return w;
  }

  /** Watch items committed but not yet taken by their watchers: quiescence checks wait for zero. */
  pendingWatchItems(): number {
    let n = 0;
    for (const w of this.watchers) n += w.pending;
    return n;
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

  private publish(ev: StorageEvent): void {
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
    for (const w of this.watchers) w.offer(ev);
  }

  /** The bucket as it was at `revision`, rebuilt by undoing the newer events of the history. */
  private snapshot(prefix: string, revision: number): Bucket {
    if (revision < this.compacted || revision > this.rev) {
      throw new StorageError('Expired', prefix, `revision ${revision} is not available`, { oldest: this.compacted });
    }
    const current = this.bucket(prefix);
    const snap = new Bucket();
    // In key order, so each key lands at the end of the copy's sorted keys.
    for (const k of current.keys()) if (k.startsWith(prefix)) snap.set(k, current.objects.get(k) as KubeObject);
    for (let i = this.history.length - 1; i >= this.historyStart; i--) {
      const ev = this.history[i] as StorageEvent;
      if (ev.revision <= revision) break;
      if (!ev.key.startsWith(prefix)) continue;
      if (ev.type === 'ADDED') snap.delete(ev.key);
      else snap.set(ev.key, ev.prevObject as KubeObject);
    }
    return snap;
  }
}

export function lowerBoundPrefix(keys: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function sameExceptRevision(a: KubeObject, b: KubeObject): boolean {
  return jsonEqual({ ...a, metadata: { ...a.metadata, resourceVersion: undefined } }, {
    ...b,
    metadata: { ...b.metadata, resourceVersion: undefined },
  });
}

export function checkPreconditions(key: string, current: KubeObject, p: Preconditions | undefined): void {
  if (!p) return;
  if (p.uid !== undefined && p.uid !== current.metadata.uid) {
    throw new StorageError('PreconditionFailed', key, 'uid precondition failed', {
      field: 'uid',
      expected: p.uid,
      actual: current.metadata.uid ?? '',
    });
  }
  if (p.resourceVersion !== undefined && p.resourceVersion !== current.metadata.resourceVersion) {
    throw new StorageError('PreconditionFailed', key, 'resourceVersion precondition failed', {
      field: 'resourceVersion',
      expected: p.resourceVersion,
      actual: current.metadata.resourceVersion ?? '',
    });
  }
}
