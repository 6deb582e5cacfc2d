// A controller-runtime style controller (pkg/internal/controller/controller.go, pkg/builder,
// pkg/handler): watches map informer events to {namespace, name} requests on a rate-limited work queue;
// maxConcurrentReconciles workers (goroutines) call reconcile(ctx, request) for one key at a time each.
//
// Reconcile outcome (controller.go reconcileHandler):
//  - throws a TerminalError (or an error whose cause chain holds one): logged, never retried;
//  - throws anything else: requeued rate-limited (per-key exponential backoff on the Clock);
//  - returns {requeueAfterMs > 0}: requeued after that long, the key's backoff forgotten;
//  - returns {requeue: true}: requeued rate-limited;
//  - returns nothing: the key's backoff is forgotten.
// Panics: a reconciler that throws a Panic is treated as a Go panic; with recoverPanic (the default, as
// controller-runtime's RecoverPanic) it is logged and requeued like an error, without it the worker
// goroutine dies and with it the process. A FatalError (Go's runtime throw) always kills the process.
//
// Work queue invariants are workqueue.ts's (a key is never reconciled twice at once; adds while it is
// reconciled re-queue it when done; repeated adds collapse). On shutdown (ctx cancelled) the queue is shut
// down at once (delayed requeues dropped, their timers cancelled), keys still queued are dropped (level
// based: the next start lists again), and start() resolves after the in-flight reconciles returned.
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import type { KubeObject, OwnerReference } from '../../apiserver/machinery/object.ts';
import { DeletedFinalStateUnknown, type HandlerRegistration, type Informer, type InformerResource } from '../../clients/kube/informer.ts';
import { FatalError, go, park, WaitGroup, type Context } from './concurrency.ts';
import { passes, type Predicate } from './predicate.ts';
import type { RateLimiter } from './ratelimiter.ts';
import type { ReconcileEnd, ReconcileObserver } from './reconcileobserver.ts';
import { RateLimitingQueue } from './workqueue.ts';

/** What a reconciler is asked to converge: one object's key. namespace is '' for cluster-scoped kinds. */
export interface Request {
  namespace: string;
  name: string;
}

export interface Result {
  requeueAfterMs?: number;
  requeue?: boolean;
}

export type Reconciler = (ctx: Context, req: Request) => Promise<Result | void> | Result | void;

/** reconcile.TerminalError: an error that retrying cannot fix. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/** A Go panic thrown by a reconciler (as opposed to an error it returns). */
export class Panic extends Error {
  override readonly name = 'Panic';
}

export function isTerminal(e: unknown): boolean {
  for (let cur = e, depth = 0; cur instanceof Error && depth < 16; cur = cur.cause, depth++) {
    if (cur instanceof TerminalError) return true;
  }
  return false;
}

export function requestKey(req: Request): string {
  return req.namespace ? `${req.namespace}/${req.name}` : req.name;
}

export function parseRequestKey(key: string): Request {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function requestFor(obj: KubeObject): Request {
  return { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

/** Turns a kind into its informer; the Manager is one (shared informers). */
export interface InformerSource {
  informerFor<T extends KubeObject = KubeObject>(resource: InformerResource, opts?: { labelSelector?: string; fieldSelector?: string }): Informer<T>;
}

export type MapFunc = (obj: KubeObject) => Request[];

export interface ControllerOptions {
  name: string;
  clock: Clock;
  reconcile: Reconciler;
  /** Workers reconciling different keys at once. Default 1. */
  maxConcurrentReconciles?: number;
  /** Default: client-go's default controller rate limiter on the Clock. */
  rateLimiter?: RateLimiter;
  /** controller-runtime RecoverPanic. Default true. */
  recoverPanic?: boolean;
  /** Needed to name kinds instead of passing informers. */
  informers?: InformerSource;
  logger?: Logger;
  /** Told when each reconcile starts and ends (a scenario world's reconcile spans). */
  observer?: ReconcileObserver;
}

export interface ControllerStats {
  reconciles: number;
  errors: number;
  terminalErrors: number;
  panics: number;
  requeuesAfter: number;
}

type Source = Informer | InformerResource;

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** What the observer is told of a reconcile's end (the cases of reconcileHandler below). */
function reconcileEnd(failed: boolean, result: Result | void): ReconcileEnd {
  if (failed) return { result: 'error' };
  if (result && result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) return { result: 'requeue', requeueAfterMs: result.requeueAfterMs };
  if (result?.requeue) return { result: 'requeue' };
  return { result: 'ok' };
}

export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  readonly stats: ControllerStats = { reconciles: 0, errors: 0, terminalErrors: 0, panics: 0, requeuesAfter: 0 };
  private readonly opts: ControllerOptions;
  private readonly log: Logger;
  private readonly informers = new Set<Informer>();
  private readonly registrations: HandlerRegistration[] = [];
  private forResource: InformerResource | undefined;
  private started = false;
  private active = 0;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.queue = new RateLimitingQueue<string>(opts.clock, opts.rateLimiter);
    this.log = (opts.logger ?? quietLogger()).child({ component: 'controller', controller: opts.name });
  }

  /** builder.For: events of this kind enqueue the object's own key. */
  for(source: Source, ...predicates: Predicate[]): this {
    const informer = this.resolve(source);
    this.forResource = informer.resource;
    return this.watch(informer, (obj) => [requestFor(obj)], predicates);
  }

  /** builder.Owns: events of this kind enqueue the owner named by the object's controller ownerReference, if it is of the For kind. */
  owns(source: Source, ...predicates: Predicate[]): this {
    const owner = this.forResource;
    if (!owner?.kind) throw new Error(`controller ${this.name}: owns() needs for() first, on a resource with its kind`);
    const namespaced = owner.namespaced ?? true;
    const map: MapFunc = (obj) => {
      const ref = (obj.metadata.ownerReferences ?? []).find((r: OwnerReference) => r.controller === true);
      if (!ref || ref.kind !== owner.kind || groupOf(ref.apiVersion) !== owner.group) return [];
      return [{ namespace: namespaced ? (obj.metadata.namespace ?? '') : '', name: ref.name }];
    };
    return this.watch(this.resolve(source), map, predicates);
  }

  /** builder.Watches with handler.EnqueueRequestsFromMapFunc. */
  watches(source: Source, map: MapFunc, ...predicates: Predicate[]): this {
    return this.watch(this.resolve(source), map, predicates);
  }

  /** Quiescence: nothing queued and nothing being reconciled (delayed requeues are Clock timers). */
  idle(): boolean {
    return this.queue.idle() && this.active === 0;
  }

  /** Reconciles in flight. */
  inFlight(): number {
    return this.active;
  }

  /** Waits for its informers' sync, runs the workers until ctx is cancelled, then waits for in-flight reconciles. */
  async start(ctx: Context): Promise<void> {
    if (this.started) throw new Error(`controller ${this.name} was already started`);
    this.started = true;
    const shutDown = (): void => this.queue.shutDown();
    if (ctx.done.aborted) shutDown();
    else ctx.done.addEventListener('abort', shutDown, { once: true });
    const synced = await park(Promise.all([...this.informers].map((i) => i.waitForSync(ctx.done))));
    if (!synced.every(Boolean)) {
      shutDown();
      return;
    }
    const workers = Math.max(1, this.opts.maxConcurrentReconciles ?? 1);
    this.log.debug({ workers }, 'starting workers');
    const wg = new WaitGroup();
    for (let i = 0; i < workers; i++) {
      wg.add(1);
      go(`${this.name}/worker-${i}`, async () => {
        try {
          await this.worker(ctx, i);
        } finally {
          wg.done();
        }
      });
    }
    await wg.wait();
    ctx.done.removeEventListener('abort', shutDown);
    for (const r of this.registrations) r.remove();
    this.log.debug('workers stopped');
  }

  private resolve(source: Source): Informer {
    if (this.started) throw new Error(`controller ${this.name}: watches must be set up before start`);
    if ('addEventHandler' in source) return source;
    if (!this.opts.informers) throw new Error(`controller ${this.name}: naming a kind needs the informers option (a Manager)`);
    return this.opts.informers.informerFor(source);
  }

  private watch(informer: Informer, map: MapFunc, predicates: Predicate[]): this {
    this.informers.add(informer);
    // All keys of one event are collected first: a waiting worker takes a key the moment it is added, so
    // adding it twice in a row would reconcile it twice.
    const enqueue = (...objs: KubeObject[]): void => {
      const keys = new Set<string>();
      for (const obj of objs) for (const req of map(obj)) if (req.name) keys.add(requestKey(req));
      for (const key of keys) this.queue.add(key);
    };
    this.registrations.push(
      informer.addEventHandler({
        onAdd: (obj) => {
          if (passes(predicates, 'create', obj)) enqueue(obj);
        },
        onUpdate: (oldObj, newObj) => {
          if (!passes(predicates, 'update', oldObj, newObj)) return;
          enqueue(oldObj, newObj); // an owner or mapping may have changed (handler.EnqueueRequestForOwner maps both)
        },
        onDelete: (o) => {
          const obj = o instanceof DeletedFinalStateUnknown ? o.obj : o;
          if (passes(predicates, 'delete', obj)) enqueue(obj);
        },
      }),
    );
    return this;
  }

  private async worker(ctx: Context, worker: number): Promise<void> {
    for (;;) {
      const got = await park(this.queue.get());
      if (got.shutdown) return;
      if (ctx.done.aborted) {
        this.queue.done(got.key); // shutting down: drop what is still queued
        continue;
      }
      await this.reconcileHandler(ctx, got.key, worker);
    }
  }

  private async reconcileHandler(ctx: Context, key: string, worker: number): Promise<void> {
    const req = parseRequestKey(key);
    const ended = this.opts.observer?.({ controller: this.name, worker, key });
    this.active++;
    this.stats.reconciles++;
    let result: Result | void = undefined;
    let error: unknown;
    let failed = false;
    try {
      result = await this.opts.reconcile(ctx, req);
    } catch (e) {
      failed = true;
      error = e;
    } finally {
      this.active--;
    }
    ended?.(reconcileEnd(failed, result));
    if (failed && (error instanceof FatalError || (error instanceof Panic && this.opts.recoverPanic === false))) {
      this.queue.done(key);
      throw error; // the goroutine dies, and the process with it
    }
    if (failed) {
      if (error instanceof Panic) {
        this.stats.panics++;
        this.log.error({ key, err: error }, 'observed a panic in reconciler [recovered]');
      }
      if (isTerminal(error)) {
        this.stats.terminalErrors++;
        this.log.error({ key, err: error }, 'Reconciler error (terminal, not retried)');
        this.queue.forget(key);
      } else {
        this.stats.errors++;
        this.log.error({ key, err: error }, 'Reconciler error');
        this.queue.addRateLimited(key);
      }
    } else if (result && result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
      this.stats.requeuesAfter++;
      this.queue.forget(key);
      this.queue.addAfter(key, result.requeueAfterMs);
    } else if (result?.requeue) {
      this.queue.addRateLimited(key);
    } else {
      this.queue.forget(key);
    }
    this.queue.done(key);
  }
}
