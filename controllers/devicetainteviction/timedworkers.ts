// TimedWorkerQueue as in Kubernetes 1.33 (pkg/controller/tainteviction/timed_workers.go; the 1.33-era file
// is in the fork tchap/kubernetes at 98198a8d). It runs a work function for a key no earlier than a given
// time, on the injected Clock.
//
// Semantics kept from upstream:
//  - workers is keyed by `namespace/name` (KeyFromWorkArgs; the UID is not part of the key).
//  - createWorker: a fire time already reached starts the work at once in a goroutine and returns nil, so a
//    nil (here: null) entry in the map means "work already started and still running". Otherwise a
//    TimedWorker with a Clock timer (time.AfterFunc) is stored.
//  - The wrapped work function runs workFunc, then deletes the key (1.33 deletes it; before 1.33 it stored
//    nil to block re-adds). It deletes whatever entry is there by then, as upstream does.
//  - AddWork skips a key that exists (nil or not). UpdateWork keeps an entry with the same FireAt and
//    otherwise cancels it and creates a new one. CancelWork stops a pending timer (true) and deletes the
//    key in every case; it cannot stop work already running (false).
//
// The documented race (kubernetes#130940 → #130947) sits in UpdateWork, side by side below:
//  - fixed: false (as merged with #130447): no nil check, so an update for a key whose work is in progress
//    reads FireAt through the nil entry: a Go nil pointer dereference, thrown here as a Panic;
//  - fixed: true (#130947): "Keeping existing work, already in progress".
// With fixed: true, `updateWorkFix` names what UpdateWork does with work in progress: upstream's fix ('keep')
// or one of the broken and equivalent fixes that the scenario devicetaint-nil-worker runs in its place.
//
// Concurrency. Every method is one synchronous critical section (no await inside), which is what holding
// the queue's sync.Mutex gives upstream: on Node nothing can interleave with it. The work itself runs in
// goroutines of the caller's process (go(), or a Clock timer starting one), so an escaping Panic ends that
// process, as in Go.
import type { Clock, TimerHandle } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { currentGoroutine, FatalError, go, SyncClock, withCancel, type Context } from '../runtime/concurrency.ts';
import { Panic } from '../runtime/controller.ts';

/** Go's message for a nil pointer dereference (runtime/panic.go panicmem). */
export const nilPointerDereference = 'runtime error: invalid memory address or nil pointer dereference';

/** tainteviction.NamespacedObject: a namespaced name plus the UID, when it was known. */
export interface NamespacedObject {
  namespace: string;
  name: string;
  uid?: string;
}

/** timed_workers.go WorkArgs. */
export interface WorkArgs {
  Object: NamespacedObject;
}

/** timed_workers.go KeyFromWorkArgs: the namespaced name, the UID ignored. */
export function KeyFromWorkArgs(args: WorkArgs): string {
  return `${args.Object.namespace}/${args.Object.name}`;
}

/** timed_workers.go NewWorkArgs (no UID). */
export function NewWorkArgs(name: string, namespace: string): WorkArgs {
  return { Object: { namespace, name } };
}

/** The work: a thrown error is the Go error return (logged); a thrown Panic or FatalError is a Go panic. */
export type WorkFunc = (ctx: Context, fireAtMs: number, args: WorkArgs) => Promise<void>;

/** timed_workers.go TimedWorker: runs its function no earlier than FireAt (Clock ms). */
export interface TimedWorker {
  WorkItem: WorkArgs;
  CreatedAt: number;
  FireAt: number;
  Timer: TimerHandle;
}

/** Reads a field through a pointer the way Go does: through nil, it panics. */
function deref<T>(p: T | null): T {
  if (p === null) throw new Panic(nilPointerDereference);
  return p;
}

/** (*TimedWorker).Cancel: a nil receiver is allowed. */
function cancelWorker(w: TimedWorker | null): void {
  if (w !== null) w.Timer.cancel();
}

/**
 * What a fixed UpdateWork does with a key whose work is in progress:
 *  - 'keep' (kubernetes#130947): the nil entry is work that already started; keep it.
 *  - 'second-worker' (broken): the nil check is kept, but the key is treated as free: a second work starts.
 *  - 'cancel' (broken): the work in progress is cancelled (its context) and nothing starts again.
 *  - 'restart' (broken): the work in progress is cancelled and a new one started in its place.
 *  - 'running-set' (equivalent): the queue remembers which keys' work runs and UpdateWork keeps those,
 *    checked before any entry is read (a different structure than the nil check).
 */
export type UpdateWorkFix = 'keep' | 'second-worker' | 'cancel' | 'restart' | 'running-set';
export const updateWorkFixes: readonly UpdateWorkFix[] = ['keep', 'second-worker', 'cancel', 'restart', 'running-set'];

export interface TimedWorkerQueueOptions {
  clock: Clock;
  /** false: UpdateWork as merged with kubernetes#130447 (panics on in-progress work); true: with #130947. */
  fixed: boolean;
  /** With fixed: what UpdateWork does with work in progress (default 'keep', upstream's fix). */
  updateWorkFix?: UpdateWorkFix;
  /** Prefix of the goroutine names (for exit reports). */
  name?: string;
  logger?: Logger;
}

export class TimedWorkerQueue {
  /** Entries may be null if the work did not need a timer and is already running. */
  private readonly workers = new Map<string, TimedWorker | null>();
  private readonly workFunc: WorkFunc;
  private readonly clock: Clock;
  private readonly fixed: boolean;
  private readonly updateWorkFix: UpdateWorkFix;
  /** 'running-set': keys whose work runs now. 'cancel'/'restart': how to cancel it. Not upstream. */
  private readonly runningKeys = new Map<string, (cause?: unknown) => void>();
  private readonly name: string;
  private readonly log: Logger;
  private runningNow = 0;
  private startedTotal = 0;

  /** timed_workers.go CreateWorkerQueue. */
  constructor(f: WorkFunc, opts: TimedWorkerQueueOptions) {
    this.workFunc = f;
    this.clock = opts.clock;
    this.fixed = opts.fixed;
    this.updateWorkFix = opts.updateWorkFix ?? 'keep';
    this.name = opts.name ?? 'timed-worker';
    this.log = (opts.logger ?? quietLogger()).child({ component: 'timed-worker-queue' });
  }

  /** timed_workers.go AddWork: adds work unless the key exists (pending or in progress). */
  AddWork(ctx: Context, args: WorkArgs, createdAtMs: number, fireAtMs: number): void {
    const key = KeyFromWorkArgs(args);
    if (this.workers.has(key)) {
      this.log.debug({ item: key, createTime: createdAtMs, firedTime: fireAtMs }, 'Trying to add already existing work, skipping');
      return;
    }
    this.log.debug({ item: key, createTime: createdAtMs, firedTime: fireAtMs }, 'Adding TimedWorkerQueue item and to be fired at firedTime');
    this.workers.set(key, this.createWorker(ctx, args, createdAtMs, fireAtMs, this.getWrappedWorkerFunc(key)));
  }

  /** timed_workers.go UpdateWork: adds or replaces work so that it runs no earlier than fireAt. */
  UpdateWork(ctx: Context, args: WorkArgs, createdAtMs: number, fireAtMs: number): void {
    const key = KeyFromWorkArgs(args);
    if (this.fixed && this.updateWorkFix === 'running-set' && this.runningKeys.has(key)) {
      this.log.debug({ item: key }, 'Keeping existing work, already in progress');
      return;
    }
    if (this.workers.has(key)) {
      const worker = this.workers.get(key) ?? null;
      if (this.fixed && worker === null) {
        switch (this.updateWorkFix) {
          case 'keep':
          case 'running-set':
            // kubernetes#130947: a nil entry is work that already started; keep it.
            this.log.debug({ item: key }, 'Keeping existing work, already in progress');
            return;
          case 'second-worker':
            // Broken: no dereference, but the work in progress is forgotten and a second one starts.
            this.workers.set(key, this.createWorker(ctx, args, createdAtMs, fireAtMs, this.getWrappedWorkerFunc(key)));
            return;
          case 'cancel':
            // Broken: the work in progress is cancelled and nothing takes its place.
            this.runningKeys.get(key)?.(new Error('work in progress cancelled by UpdateWork'));
            this.workers.delete(key);
            return;
          case 'restart':
            // Broken: the work in progress is cancelled and replaced by a new one.
            this.runningKeys.get(key)?.(new Error('work in progress replaced by UpdateWork'));
            this.workers.set(key, this.createWorker(ctx, args, createdAtMs, fireAtMs, this.getWrappedWorkerFunc(key)));
            return;
        }
      }
      // Buggy (kubernetes#130940, code as merged with #130447): no nil check; worker.FireAt dereferences nil.
      const existing = deref(worker);
      if (existing.FireAt === fireAtMs) {
        this.log.debug({ item: key, createTime: existing.CreatedAt, firedTime: existing.FireAt }, 'Keeping existing work, same time');
        return;
      }
      this.log.debug({ item: key, createTime: existing.CreatedAt, firedTime: existing.FireAt }, 'Replacing existing work');
      cancelWorker(existing);
    }
    this.log.debug({ item: key, createTime: createdAtMs, firedTime: fireAtMs }, 'Adding TimedWorkerQueue item and to be fired at firedTime');
    this.workers.set(key, this.createWorker(ctx, args, createdAtMs, fireAtMs, this.getWrappedWorkerFunc(key)));
  }

  /** timed_workers.go CancelWork: true if a pending timer was stopped; the key is removed in any case. */
  CancelWork(key: string): boolean {
    if (!this.workers.has(key)) return false;
    const worker = this.workers.get(key) ?? null;
    this.log.debug({ item: key, time: this.clock.now() }, 'Cancelling TimedWorkerQueue item');
    let result = false;
    if (worker !== null) {
      result = true;
      cancelWorker(worker);
    }
    this.workers.delete(key);
    return result;
  }

  /** timed_workers.go GetWorkerUnsafe: the pending worker; null when there is none or its work is running. */
  GetWorkerUnsafe(key: string): TimedWorker | null {
    return this.workers.get(key) ?? null;
  }

  /** Whether the key has an entry at all (a pending worker, or null = in progress). Not upstream. */
  has(key: string): boolean {
    return this.workers.has(key);
  }

  /** Whether the key's entry is the null "in progress" marker. Not upstream. */
  inProgress(key: string): boolean {
    return this.workers.has(key) && this.workers.get(key) === null;
  }

  /** Work functions running now (started and not returned). */
  running(): number {
    return this.runningNow;
  }

  /** Work functions started since the queue was made. */
  started(): number {
    return this.startedTotal;
  }

  /** Keys with an entry, sorted. */
  keys(): string[] {
    return [...this.workers.keys()].sort();
  }

  /** timed_workers.go getWrappedWorkerFunc: runs workFunc, then deletes the key. */
  private getWrappedWorkerFunc(key: string): WorkFunc {
    return async (ctx, fireAtMs, args) => {
      this.log.debug({ item: key, firedTime: fireAtMs }, 'Firing worker');
      let err: unknown;
      try {
        await this.workFunc(ctx, fireAtMs, args);
      } catch (e) {
        if (e instanceof Panic || e instanceof FatalError) throw e;
        err = e;
      }
      this.log.debug({ item: key, err: err === undefined ? undefined : String(err) }, 'Worker finished, removing');
      this.workers.delete(key);
      if (err !== undefined) throw err;
    };
  }

  /** timed_workers.go createWorker: null if the work was started at once and needs no timer. */
  private createWorker(ctx: Context, args: WorkArgs, createdAtMs: number, fireAtMs: number, f: WorkFunc): TimedWorker | null {
    const delay = fireAtMs - createdAtMs;
    const key = KeyFromWorkArgs(args);
    const fWithErrorLogging = async (workCtx: Context = ctx, done?: () => void): Promise<void> => {
      try {
        await f(workCtx, fireAtMs, args);
      } catch (e) {
        if (e instanceof Panic || e instanceof FatalError) throw e; // the goroutine panics: the process dies
        this.log.error({ err: String(e), item: key }, 'TaintEvictionController: timed worker failed');
      } finally {
        this.runningNow--;
        done?.();
      }
    };
    // The variants that track running work give it a context of its own, to cancel it, from the instant
    // it counts as running; upstream's passes ctx on.
    const start = (): (() => Promise<void>) => {
      if (!this.fixed || this.updateWorkFix === 'keep') return () => fWithErrorLogging();
      const child = withCancel(ctx);
      this.runningKeys.set(key, child.cancel);
      return () =>
        fWithErrorLogging(child.ctx, () => {
          if (this.runningKeys.get(key) === child.cancel) this.runningKeys.delete(key);
          child.cancel(new Error('work done'));
        });
    };
    const runtime = currentGoroutine().runtime;
    if (delay <= 0) {
      if (!runtime.exited) {
        // A goroutine of a dead process never starts (and never ends): count only live ones.
        this.runningNow++;
        this.startedTotal++;
      }
      go(`${this.name} ${key}`, start());
      return null;
    }
    // time.AfterFunc, as the runtime's afterFunc() does it (the creator happens-before the work), but the
    // work counts as running from the instant the timer fires, not a microtask later when it starts.
    const created = new SyncClock();
    created.release();
    const timer = this.clock.setTimer(delay, () => {
      if (runtime.exited) return;
      this.runningNow++;
      this.startedTotal++;
      const run = start();
      runtime.go(`${this.name} ${key}`, () => {
        created.acquire();
        return run();
      });
    });
    return { WorkItem: args, CreatedAt: createdAtMs, FireAt: fireAtMs, Timer: timer };
  }
}
