// Go-style concurrency on Node's single thread: goroutines, WaitGroup, Mutex, RWMutex, channels, Context, sleep.
//
// Model. A goroutine is an async function started with go(name, fn); its identity follows it across awaits
// through AsyncLocalStorage, so currentGoroutine() names the one running (a process's "main" goroutine outside
// any). Every goroutine carries a vector clock, and the synchronisation operations create the happens-before
// edges of Go's memory model: go() (parent → child), WaitGroup.Done → Wait, Mutex Unlock → Lock, RWMutex
// (R)Unlock → (R)Lock, channel send → receive and close → receive, context cancel → an Err() that sees it,
// and Goroutine.join() (which Go lacks; it is pthread_join, for supervisors and tests). racedetector.ts
// checks memory accesses against these clocks.
//
// Differences from Go. Nothing runs in parallel: goroutines interleave only at awaits, so a race is "two
// conflicting accesses not ordered by happens-before", never a torn value. A started goroutine first runs on
// the next microtask (runnable, not running, as in Go). Sleeps and real time create no edge, as in Go.
// Vector clocks are plain maps that grow with the number of goroutines met; TSan recycles slots instead.
//
// Processes. A GoRuntime stands for one OS process. An error escaping a goroutine (an unrecovered panic) or a
// FatalError (Go's runtime throw, e.g. "concurrent map writes") ends it: onExit is called once, the root
// context runtime.ctx is cancelled with the error as cause, no goroutine starts any more, and every wait here
// (sleep, lock, WaitGroup.wait, join, park) never resumes. Other awaits (an HTTP response) still resume, so
// such code should watch runtime.ctx or await through park(). A FatalError is thrown only to stop the current
// code path: catching it (as a reconciler's recover would) does not bring the process back.
import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import type { Clock, TimerHandle } from '../../apiserver/machinery/clock.ts';

/** Logical time per goroutine. Keyed by the Goroutine object, so clocks of separate runtimes never mix. */
export class VectorClock {
  private readonly t = new Map<Goroutine, number>();

  get(g: Goroutine): number {
    return this.t.get(g) ?? 0;
  }

  tick(g: Goroutine): void {
    this.t.set(g, this.get(g) + 1);
  }

  join(other: VectorClock): void {
    for (const [g, n] of other.t) if (n > this.get(g)) this.t.set(g, n);
  }
}

/** A synchronisation object: release() in one goroutine happens-before a later acquire() in another (TSan's Release/Acquire). */
export class SyncClock {
  private readonly vc = new VectorClock();

  release(): void {
    const g = currentGoroutine();
    this.vc.join(g.clock);
    g.clock.tick(g);
  }

  acquire(): void {
    currentGoroutine().clock.join(this.vc);
  }
}

/** Go's runtime throw ("fatal error: ..."): not a panic, cannot be recovered, the process dies. */
export class FatalError extends Error {
  override readonly name = 'FatalError';
}

/** Why a process ended, printed the way the Go runtime prints it. Go exits with status 2 for both kinds. */
export class ExitReport {
  readonly exitCode = 2;

  constructor(
    readonly kind: 'panic' | 'fatal',
    readonly error: unknown,
    readonly goroutine: Goroutine,
  ) {}

  toString(): string {
    const message = this.error instanceof Error ? this.error.message : String(this.error);
    const stack = this.error instanceof Error ? stackFrames(this.error).map((f) => `  ${f}`) : [];
    const head = this.kind === 'fatal' ? `fatal error: ${message}` : `panic: ${message}`;
    return [head, '', `goroutine ${this.goroutine.id} [running]:`, ...stack].join('\n');
  }
}

const current = new AsyncLocalStorage<Goroutine>();
const ownFile = fileURLToPath(import.meta.url);

/** The frames of err's stack without "at ", without this runtime's own frames, Node's, or those of hideFiles. */
export function stackFrames(err: Error, ...hideFiles: string[]): string[] {
  const hidden = [ownFile, ...hideFiles];
  return (err.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/^at /, ''))
    .filter((l) => l !== '' && !/\(?node:/.test(l) && !hidden.some((f) => l.includes(f)));
}

export class Goroutine {
  readonly clock = new VectorClock();
  state: 'runnable' | 'running' | 'finished' = 'runnable';
  private readonly end = new SyncClock();
  private markFinished!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.markFinished = resolve));

  constructor(
    readonly runtime: GoRuntime,
    readonly id: number,
    readonly name: string,
    /** Where go() was called; formatted lazily (TSan's "Goroutine N created at"). */
    readonly createdAt: Error | undefined,
  ) {}

  /** Resolves when the goroutine has returned (or panicked), with a happens-before edge from its end to the caller. */
  async join(): Promise<void> {
    await park(this.finished);
    this.end.acquire();
  }

  /** @internal Called by the runtime in this goroutine's context when fn has settled. */
  finish(): void {
    this.end.release();
    this.state = 'finished';
    this.markFinished();
  }
}

export interface GoRuntimeOptions {
  /** Name of the process, for messages. */
  name?: string;
  /** Called once when a goroutine panics or the runtime throws. Without it the report is rethrown as an uncaught exception. */
  onExit?: (report: ExitReport) => void;
}

/** One process: its goroutines, its main goroutine, and how it dies. */
export class GoRuntime {
  readonly name: string;
  readonly main: Goroutine;
  /** Cancelled with the fatal error or panic as cause when the process exits. */
  readonly ctx: Context;
  exitReport: ExitReport | undefined;
  private nextId = 1;
  private readonly onExit: ((report: ExitReport) => void) | undefined;
  private readonly cancelRoot: (cause?: unknown) => void;

  constructor(options: GoRuntimeOptions = {}) {
    this.name = options.name ?? 'main';
    this.onExit = options.onExit;
    this.main = new Goroutine(this, this.nextId++, 'main', undefined);
    this.main.clock.tick(this.main);
    this.main.state = 'running';
    const { ctx, cancel } = withCancel(background());
    this.ctx = ctx;
    this.cancelRoot = cancel;
  }

  get exited(): boolean {
    return this.exitReport !== undefined;
  }

  /** Starts fn as a goroutine of this process; its parent is the running goroutine if it belongs here, else main. */
  go(name: string, fn: () => Promise<void> | void): Goroutine {
    const running = current.getStore();
    const parent = running?.runtime === this ? running : this.main;
    const g = this.spawn(parent.clock, name, fn); // go statement → goroutine start
    parent.clock.tick(parent);
    return g;
  }

  /** Ends the process (Go: an unrecovered panic or a runtime throw). Later calls are ignored: the first death wins. */
  exit(kind: 'panic' | 'fatal', error: unknown, goroutine: Goroutine = currentGoroutine()): void {
    if (this.exitReport) return;
    const report = new ExitReport(kind, error, goroutine);
    this.exitReport = report;
    this.cancelRoot(error);
    if (this.onExit) this.onExit(report);
    else
      process.nextTick(() => {
        throw new Error(`process ${this.name} exited:\n${report.toString()}`, { cause: error });
      });
  }

  /** @internal */
  spawn(from: VectorClock, name: string, fn: () => Promise<void> | void): Goroutine {
    const g = new Goroutine(this, this.nextId++, name, new Error('goroutine created'));
    g.clock.join(from);
    g.clock.tick(g);
    void Promise.resolve().then(() => current.run(g, () => this.run(g, fn)));
    return g;
  }

  private async run(g: Goroutine, fn: () => Promise<void> | void): Promise<void> {
    if (this.exited) return; // a dead process starts nothing; join() parks
    g.state = 'running';
    try {
      await fn();
    } catch (err) {
      this.exit(err instanceof FatalError ? 'fatal' : 'panic', err, g);
    } finally {
      g.finish();
    }
  }
}

/** The goroutine running now; the default runtime's main goroutine outside any. */
export function currentGoroutine(): Goroutine {
  return current.getStore() ?? defaultRuntime.main;
}

/** Go's `go fn()`, in the process of the running goroutine. */
export function go(name: string, fn: () => Promise<void> | void): Goroutine {
  return currentGoroutine().runtime.go(name, fn);
}

/** Go's runtime throw: kills the running goroutine's process, then throws to stop the current code path. */
export function fatal(message: string): never {
  const err = new FatalError(message);
  currentGoroutine().runtime.exit('fatal', err);
  throw err;
}

/** Awaits p, but never resumes if the caller's process died meanwhile: a dead process runs no more code. */
export async function park<T>(p: Promise<T>): Promise<T> {
  const runtime = currentGoroutine().runtime;
  try {
    return await p;
  } finally {
    if (runtime.exited) await new Promise<never>(() => {});
  }
}

export class WaitGroup {
  private count = 0;
  private waiters: (() => void)[] = [];
  private readonly hb = new SyncClock();

  add(delta: number): void {
    this.count += delta;
    if (this.count < 0) throw new Error('sync: negative WaitGroup counter');
    if (this.count > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  done(): void {
    this.hb.release();
    this.add(-1);
  }

  async wait(): Promise<void> {
    if (this.count > 0) await park(new Promise<void>((wake) => this.waiters.push(wake)));
    this.hb.acquire();
  }
}

/** FIFO mutex; unlock hands the lock straight to the next waiter. */
export class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];
  private readonly hb = new SyncClock();

  async lock(): Promise<void> {
    if (this.locked) await park(new Promise<void>((wake) => this.waiters.push(wake)));
    else this.locked = true;
    this.hb.acquire();
  }

  tryLock(): boolean {
    if (this.locked) return false;
    this.locked = true;
    this.hb.acquire();
    return true;
  }

  unlock(): void {
    if (!this.locked) fatal('sync: unlock of unlocked mutex');
    this.hb.release();
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

/** A value in flight on a channel, with the sender's clock at the send (TSan: release on send). */
interface Sent<T> {
  value: T;
  clock: VectorClock;
}

/**
 * Go's chan T with a buffer of `capacity` (make(chan T, capacity)). A send happens-before the receive that
 * gets its value, and close happens-before a receive that sees the channel closed (Go's memory model).
 * Sends block while the buffer is full, receives while it is empty, FIFO. Not modelled: the edge from the
 * k-th receive to the (k+capacity)-th send's completion, and select.
 */
export class Chan<T> {
  private readonly buffer: Sent<T>[] = [];
  private readonly receivers: ((item: Sent<T> | undefined) => void)[] = [];
  private readonly senders: { item: Sent<T>; wake: (closed?: Error) => void }[] = [];
  private closed: VectorClock | undefined;

  constructor(readonly capacity = 0) {}

  /** ch <- value */
  async send(value: T): Promise<void> {
    if (this.closed) throw new Error('send on closed channel');
    const g = currentGoroutine();
    const item: Sent<T> = { value, clock: new VectorClock() };
    item.clock.join(g.clock);
    g.clock.tick(g);
    const receiver = this.receivers.shift();
    if (receiver) receiver(item);
    else if (this.buffer.length < this.capacity) this.buffer.push(item);
    else {
      const closed = await park(new Promise<Error | undefined>((wake) => this.senders.push({ item, wake })));
      if (closed) throw closed; // closed while this send was blocked: Go panics the sender
    }
  }

  /** v, ok := <-ch: ok is false once the channel is closed and drained. */
  async recv(): Promise<[T | undefined, boolean]> {
    let item = this.buffer.shift();
    const sender = this.senders.shift();
    if (sender) {
      if (item) this.buffer.push(sender.item);
      else item = sender.item;
      sender.wake();
    }
    if (!item && !this.closed) item = await park(new Promise<Sent<T> | undefined>((resolve) => this.receivers.push(resolve)));
    const clock = item ? item.clock : this.closed;
    if (clock) currentGoroutine().clock.join(clock);
    return item ? [item.value, true] : [undefined, false];
  }

  /** close(ch) */
  close(): void {
    if (this.closed) throw new Error('close of closed channel');
    const g = currentGoroutine();
    this.closed = new VectorClock();
    this.closed.join(g.clock);
    g.clock.tick(g);
    for (const receiver of this.receivers.splice(0)) receiver(undefined);
    for (const sender of this.senders.splice(0)) sender.wake(new Error('send on closed channel'));
  }

  /** for v := range ch */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<T> {
    for (;;) {
      const [value, ok] = await this.recv();
      if (!ok) return;
      yield value as T;
    }
  }
}

/** Readers share, a writer excludes; FIFO, so a waiting writer holds back later readers (as Go's does). */
export class RWMutex {
  private readers = 0;
  private writer = false;
  private readonly queue: { write: boolean; wake: () => void }[] = [];
  private readonly writes = new SyncClock(); // Unlock → Lock and RLock
  private readonly reads = new SyncClock(); // RUnlock → Lock

  async lock(): Promise<void> {
    if (this.writer || this.readers > 0 || this.queue.length > 0) await this.enqueue(true);
    else this.writer = true;
    this.writes.acquire();
    this.reads.acquire();
  }

  unlock(): void {
    if (!this.writer) fatal('sync: Unlock of unlocked RWMutex');
    this.writes.release();
    this.writer = false;
    this.grant();
  }

  async rLock(): Promise<void> {
    if (this.writer || this.queue.length > 0) await this.enqueue(false);
    else this.readers++;
    this.writes.acquire();
  }

  rUnlock(): void {
    if (this.readers === 0) fatal('sync: RUnlock of unlocked RWMutex');
    this.reads.release();
    this.readers--;
    this.grant();
  }

  private enqueue(write: boolean): Promise<void> {
    return park(new Promise<void>((wake) => this.queue.push({ write, wake })));
  }

  private grant(): void {
    for (let next = this.queue[0]; next; next = this.queue[0]) {
      if (this.writer || (next.write && this.readers > 0)) return;
      this.queue.shift();
      if (next.write) this.writer = true;
      else this.readers++;
      next.wake();
    }
  }
}

export const Canceled = new Error('context canceled');
export const DeadlineExceeded = new Error('context deadline exceeded');

/** Go's context.Context, cancellation only. done aborts with the cause as its reason. */
export interface Context {
  readonly done: AbortSignal;
  /** undefined until cancelled, then Canceled or DeadlineExceeded. */
  err(): Error | undefined;
  /** context.Cause: undefined until cancelled, then the cause given to cancel, else err(). */
  cause(): unknown;
}

class CancelCtx implements Context {
  private readonly controller = new AbortController();
  private readonly children = new Set<CancelCtx>();
  private readonly hb = new SyncClock();
  private error: Error | undefined;
  private why: unknown;

  constructor(private readonly parent: CancelCtx | undefined) {
    if (!parent) return;
    if (parent.error) this.cancel(parent.error, parent.why);
    else parent.children.add(this);
  }

  get done(): AbortSignal {
    return this.controller.signal;
  }

  err(): Error | undefined {
    if (this.error) this.hb.acquire(); // cancel → observing it, as close(done) → receive
    return this.error;
  }

  cause(): unknown {
    return this.err() ? this.why : undefined;
  }

  cancel(error: Error, cause: unknown): void {
    if (this.error) return;
    this.hb.release();
    this.error = error;
    this.why = cause ?? error;
    this.parent?.children.delete(this);
    this.controller.abort(this.why);
    for (const child of this.children) child.cancel(error, this.why);
    this.children.clear();
  }
}

const root = new CancelCtx(undefined);

/** context.Background(): never cancelled. */
export function background(): Context {
  return root;
}

function asCancelCtx(parent: Context): CancelCtx {
  if (!(parent instanceof CancelCtx)) throw new TypeError('context: parent was not made by background() or withCancel()');
  return parent;
}

/** context.WithCancelCause: cancel(cause?) cancels ctx and its descendants; the first cancel wins. */
export function withCancel(parent: Context): { ctx: Context; cancel: (cause?: unknown) => void } {
  const ctx = new CancelCtx(asCancelCtx(parent));
  return { ctx, cancel: (cause?: unknown) => ctx.cancel(Canceled, cause) };
}

/** context.WithTimeout on the injected clock: cancelled with DeadlineExceeded after ms. */
export function withTimeout(parent: Context, clock: Clock, ms: number): { ctx: Context; cancel: (cause?: unknown) => void } {
  const ctx = new CancelCtx(asCancelCtx(parent));
  const timer = clock.setTimer(ms, () => ctx.cancel(DeadlineExceeded, undefined));
  return {
    ctx,
    cancel: (cause?: unknown) => {
      timer.cancel();
      ctx.cancel(Canceled, cause);
    },
  };
}

/** Sleeps ms on the clock; rejects with the context's cause if it is cancelled first. Creates no happens-before edge. */
export function sleep(clock: Clock, ms: number, ctx?: Context): Promise<void> {
  return park(clock.sleep(ms, ctx?.done));
}

/** time.AfterFunc: runs fn in its own goroutine after ms, its parent being the caller (the timer fires from any context). */
export function afterFunc(clock: Clock, ms: number, name: string, fn: () => Promise<void> | void): TimerHandle {
  const parent = currentGoroutine();
  const from = new VectorClock();
  from.join(parent.clock);
  parent.clock.tick(parent);
  return clock.setTimer(ms, () => {
    if (!parent.runtime.exited) parent.runtime.spawn(from, name, fn);
  });
}

/** The process of code not started by any GoRuntime (tests, scripts). Last: it needs background(). */
export const defaultRuntime = new GoRuntime();
