// One in-process feed of every committed change, for the server's own controllers (garbage collector,
// namespace lifecycle). It reads a storage watch over all keys and never falls behind a bound.
import type { Logger } from 'pino';
import type { Storage, StorageWatcher, WatchItem } from '../storage/interface.ts';

export type FeedListener = (item: WatchItem) => void;

export class ChangeFeed {
  private readonly listeners = new Set<FeedListener>();
  private watcher: StorageWatcher | undefined;
  private seen = 0;
  private waiters: { revision: number; resolve: () => void }[] = [];

  constructor(private readonly storage: Storage) {}

  /** Starts following changes committed after `fromRevision`. */
  start(fromRevision: number): void {
    this.seen = fromRevision;
    this.watcher = this.storage.watch('/', { fromRevision, bufferLimit: Number.MAX_SAFE_INTEGER });
    const pump = (): void => {
      const w = this.watcher;
      if (!w) return;
      for (const item of w.take()) {
        for (const l of this.listeners) l(item);
        this.seen = item.revision;
      }
      this.waiters = this.waiters.filter((x) => (x.revision <= this.seen ? (x.resolve(), false) : true));
      if (!w.closed) w.whenReady(pump);
    };
    this.watcher.whenReady(pump);
  }

  /** Resolves once every change up to `revision` has reached the listeners. */
  caughtUp(revision: number): Promise<void> {
    if (revision <= this.seen || !this.watcher) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ revision, resolve }));
  }

  subscribe(fn: FeedListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  stop(): void {
    this.watcher?.stop();
    this.watcher = undefined;
  }
}

/** A queue of keys processed one at a time by an async worker, each key at most once at a time. */
export class KeyedWorker {
  private readonly dirty = new Set<string>();
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly work: (key: string) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  add(key: string): void {
    this.dirty.add(key);
    if (!this.running) void this.run();
  }

  idle(): boolean {
    return !this.running && this.dirty.size === 0;
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.dirty.size > 0) {
      const key = this.dirty.values().next().value as string;
      this.dirty.delete(key);
      try {
        await this.work(key);
      } catch (e) {
        this.onError(key, e);
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** A controller inside the server: follows the feed, queues keys, syncs one key at a time. */
export abstract class FeedController {
  protected readonly worker: KeyedWorker;

  constructor(
    protected readonly logger: Logger,
    what: string,
  ) {
    this.worker = new KeyedWorker(
      (key) => this.sync(key),
      (key, err) => this.logger.warn({ err, key }, `${what} failed`),
    );
  }

  protected abstract sync(key: string): Promise<void>;

  idle(): boolean {
    return this.worker.idle();
  }

  whenIdle(): Promise<void> {
    return this.worker.whenIdle();
  }
}
