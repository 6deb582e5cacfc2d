// The storage contract: kind-agnostic keys, immutable objects, one global revision, events and watches.
// The in-memory store is the embedded default; the etcd-backed one (etcd/) behind a watch cache (cacher.ts)
// implements the same interface and passes the same contract suite (storage.contract.ts).
import type { KubeObject } from '../machinery/object.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `object` carries the event's revision; for DELETED it is the last state. */
export interface StorageEvent {
  readonly type: EventType;
  readonly key: string;
  readonly revision: number;
  readonly object: KubeObject;
  /** The state before this change (MODIFIED and DELETED). */
  readonly prevObject?: KubeObject;
}

/** What a watcher receives: a change as the watcher's filter sees it, or a bookmark. */
export interface WatchItem {
  readonly type: EventType | 'BOOKMARK';
  readonly revision: number;
  /** Absent for bookmarks. */
  readonly object?: KubeObject;
  /** The storage key of the change; always set on an unfiltered watch (a watch cache keys its replica by it). */
  readonly key?: string;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface ListOptions {
  /** Serve the list as it was at this revision (paging through a snapshot); default: now. */
  atRevision?: number;
  /**
   * Without atRevision: a list that a watch cache may serve, as fresh as at least this revision
   * (resourceVersion "0" is 0, resourceVersion=N NotOlderThan is N). Undefined: a consistent read of the
   * store itself (resourceVersion ""). A store without a cache serves every list at its current revision.
   */
  minRevision?: number;
  /** Only keys strictly after this one (relative to the prefix). */
  startAfter?: string;
  /** At most this many matching items; 0 or undefined: no limit. */
  limit?: number;
  filter?: (obj: KubeObject) => boolean;
}

export interface ListResult {
  items: KubeObject[];
  /** The revision the list reflects. */
  revision: number;
  /** Set when a limit cut the list: the last returned key, relative to the prefix. */
  continueAfter?: string;
  /** Items left after this page, when known (only without a filter, as upstream). */
  remainingItemCount?: number;
}

export interface WatchOptions {
  /** Replay every event after this revision, then stream; undefined: synthetic ADDED for every current object first. */
  fromRevision?: number;
  filter?: (obj: KubeObject) => boolean;
  /** Disconnect the watcher when this many items wait undelivered. */
  bufferLimit?: number;
}

export interface StorageWatcher {
  /** Removes and returns every item that waits. */
  take(): WatchItem[];
  /** Called (at most once per call of this method) when items are waiting or the watcher closed. */
  whenReady(cb: () => void): void;
  /** Called once when the watcher closes, however it closes (at once if it already has), where the store can tell. */
  whenClosed?(cb: () => void): void;
  /** Queues a bookmark at the store's current revision. */
  requestBookmark(): void;
  stop(): void;
  readonly closed: boolean;
  /** Why the store closed the watcher, if it did. */
  readonly closeReason: string | undefined;
}

/** A decision of a guaranteed update: the new object, or undefined for "leave it unchanged". */
export type UpdateFn = (current: KubeObject) => KubeObject | undefined;

/** create and guaranteedUpdate take ownership of the objects they are given (the in-memory store freezes them). */
export interface Storage {
  /** The current global revision. */
  revision(): Promise<number>;
  create(key: string, obj: KubeObject): Promise<KubeObject>;
  get(key: string): Promise<KubeObject | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Applies fn to the current object atomically; an unchanged result writes nothing and bumps nothing. */
  guaranteedUpdate(key: string, fn: UpdateFn): Promise<{ object: KubeObject; changed: boolean }>;
  delete(key: string, preconditions?: Preconditions): Promise<KubeObject>;
  watch(prefix: string, opts?: WatchOptions): StorageWatcher;
  /** How many events the store keeps for watches and snapshots. */
  readonly historyLimit: number;
  /** Watch items committed but not yet taken by their watchers, where the store can tell. */
  pendingWatchItems?(): number;
  /** The current revision without a round trip, where the store can tell (the in-memory store; a watch cache tells its own). */
  revisionNow?(): number;
  /** Releases connections and stops feeds, where the store holds any. */
  close?(): Promise<void>;
}

export type StorageErrorCode = 'KeyExists' | 'KeyNotFound' | 'PreconditionFailed' | 'Expired' | 'InvalidObject' | 'TooLargeResourceVersion';

/** Storage speaks only of keys; the registry turns these into API Status errors in one place. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    readonly details: { expected?: string; actual?: string; field?: 'uid' | 'resourceVersion'; oldest?: number; current?: number } = {},
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
