// Work queues after client-go util/workqueue: a deduplicating FIFO (queue.go), a delaying wrapper on the
// injected Clock (delaying_queue.go) and a rate-limited wrapper (rate_limiting_queue.go). JavaScript is
// single-threaded, so upstream's cond.Wait in Get becomes a pending get() promise that add() fulfils.
import type { Clock, TimerHandle } from '../../apiserver/machinery/clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './ratelimiter.ts';

export type GetResult<T extends string> = { key: T; shutdown: false } | { shutdown: true };

/** What a quiescence checker needs: delayed keys are pending Clock timers, not work. */
export interface QueueActivity {
  /** Nothing queued and nothing processing. */
  idle(): boolean;
  processingCount(): number;
  waitingCount(): number;
}

interface Waiter<T extends string> {
  resolve(result: GetResult<T>): void;
}

/** queue.go Typed: every key in `queue` is in `dirty` and not in `processing`. */
export class WorkQueue<T extends string> implements QueueActivity {
  private readonly queue: T[] = [];
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private waiters: Waiter<T>[] = [];
  private drainers: (() => void)[] = [];
  private shutting = false;

  /** queue.go Add: marks the key as needing processing; a key already dirty collapses. */
  add(key: T): void {
    if (this.shutting || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // done() re-queues it
    this.push(key);
  }

  /** queue.go Len: keys waiting to be handed out. */
  len(): number {
    return this.queue.length;
  }

  /**
   * queue.go Get: the next key, once one is queued; {shutdown: true} once the queue is shut down and empty.
   * Call done(key) when finished. Rejects with the signal's reason if it aborts first (no key is taken).
   */
  get(signal?: AbortSignal): Promise<GetResult<T>> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const next = this.take();
    if (next) return Promise.resolve(next);
    if (this.shutting) return Promise.resolve({ shutdown: true });
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter<T> = {
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** queue.go Done: ends processing; a key added meanwhile goes back on the queue. */
  done(key: T): void {
    // Upstream would push a queued key twice here; ignoring keys not being processed keeps the invariant.
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key)) this.push(key);
    if (this.processing.size === 0) this.wakeDrainers();
  }

  /** queue.go ShutDown: ignores new adds; waiting get()s return shutdown, queued keys are still handed out. */
  shutDown(): void {
    this.shutting = true;
    this.wakeWaiters();
    this.wakeDrainers(); // drain = false releases ShutDownWithDrain
  }

  /** queue.go ShutDownWithDrain: as shutDown, then resolves once no key is processing (or shutDown() is called). */
  shutDownWithDrain(): Promise<void> {
    this.shutting = true;
    this.wakeWaiters();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shutting;
  }

  idle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0;
  }

  processingCount(): number {
    return this.processing.size;
  }

  waitingCount(): number {
    return 0;
  }

  /**
   * cond.Signal: a waiting worker wakes later, as a signalled goroutine is scheduled later, so adds of the
   * same key in the meantime collapse instead of handing the key out twice in a row.
   */
  private push(key: T): void {
    this.queue.push(key);
    if (this.waiters.length === 0 || this.wakeScheduled) return;
    this.wakeScheduled = true;
    queueMicrotask(() => {
      this.wakeScheduled = false;
      while (this.waiters.length > 0 && this.queue.length > 0) {
        const next = this.take();
        if (next) this.waiters.shift()?.resolve(next);
      }
    });
  }

  private wakeScheduled = false;

  private take(): GetResult<T> | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.processing.add(key);
    this.dirty.delete(key);
    return { key, shutdown: false };
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve({ shutdown: true });
  }

  private wakeDrainers(): void {
    const drainers = this.drainers;
    this.drainers = [];
    for (const d of drainers) d();
  }
}

/** delaying_queue.go delayingType: addAfter on the Clock, one timer per waiting key. */
export class DelayingQueue<T extends string> extends WorkQueue<T> {
  private readonly waiting = new Map<T, { readyAt: number; timer: TimerHandle }>();

  constructor(protected readonly clock: Clock) {
    super();
  }

  /** delaying_queue.go AddAfter: adds the key once ms have passed; ms <= 0 adds now; the earliest deadline wins. */
  addAfter(key: T, ms: number): void {
    if (this.shuttingDown()) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.readyAt <= readyAt) return; // delaying_queue.go insert keeps the earlier readyAt
    existing?.timer.cancel();
    const timer = this.clock.setTimer(ms, () => {
      this.waiting.delete(key);
      this.add(key);
    });
    this.waiting.set(key, { readyAt, timer });
  }

  /** Keys waiting on the Clock to be added. */
  override waitingCount(): number {
    return this.waiting.size;
  }

  /** delaying_queue.go ShutDown: stops the waiting loop, so delayed keys are dropped. */
  override shutDown(): void {
    this.stopWaiting();
    super.shutDown();
  }

  override shutDownWithDrain(): Promise<void> {
    this.stopWaiting();
    return super.shutDownWithDrain();
  }

  private stopWaiting(): void {
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
  }
}

/** rate_limiting_queue.go rateLimitingType: addAfter by the limiter's verdict. Remember to forget(). */
export class RateLimitingQueue<T extends string> extends DelayingQueue<T> {
  private readonly limiter: RateLimiter;

  constructor(clock: Clock, limiter: RateLimiter = defaultControllerRateLimiter(clock)) {
    super(clock);
    this.limiter = limiter;
  }

  /** rate_limiting_queue.go AddRateLimited. */
  addRateLimited(key: T): void {
    this.addAfter(key, this.limiter.when(key));
  }

  /** rate_limiting_queue.go Forget: clears the limiter's memory of the key; still call done(). */
  forget(key: T): void {
    this.limiter.forget(key);
  }

  numRequeues(key: T): number {
    return this.limiter.numRequeues(key);
  }
}
