// An informer per kind: a reflector that lists, then watches from the list's resourceVersion, keeping a
// local store and telling event handlers about every change. After client-go tools/cache (reflector.go,
// shared_informer.go, delta_fifo.go, controller.go). Requests go over HTTP through client-node: the list
// through CustomObjectsApi (client.ts), the watch through client-node's Watch. client-node's own
// ListWatch/makeInformer is not used: it backs off on real timers (node:timers/promises), stops for good on
// any list or watch error, keeps the previous objects on a 410 until the stream ends and has no tombstones
// (reference/apiserver.md §4.3), which cannot meet the guarantees below.
//
// Guarantees (as SharedInformer documents its own in shared_informer.go):
//
//  1. The store is updated before any handler hears of the change, so a handler, and anything it wakes,
//     reads a state at least as new as the notification. On a relist the whole store is replaced first,
//     then the handlers are told of each difference.
//  2. Handlers of one informer are called one at a time, in the order the server sent the changes, from
//     the informer's run loop (the goroutine that called run()). They must not block; a handler that
//     throws ends run() with that error, as a panic in a client-go handler ends the process.
//  3. onAdd(obj, isInInitialList) for an object new to the store; onUpdate(old, new) when it changed (a
//     relist reports only objects whose resourceVersion differs; resync, if enabled, reports every object
//     as onUpdate(obj, obj)); onDelete(last) with the last state the server sent, or, when the deletion was
//     missed and only noticed by a relist, a DeletedFinalStateUnknown carrying the last state known here.
//  4. Eventual consistency: after the server stops changing objects, the store converges to the server's
//     state and each handler has seen the notifications that lead there (intermediate states may be
//     skipped across a relist). Nothing is missed across a closed watch stream (it re-watches from the last
//     resourceVersion seen) or a 410 Gone (it relists and reconciles the store with the list).
//  5. hasSynced() becomes true once the first complete list is in the store and its notifications were
//     delivered; it never turns false again.
//  6. Objects handed out (to handlers and by the Lister) are deep-frozen snapshots: copy before changing.
//  7. Retries: a failed list, a failed watch request or a watch ERROR other than 410 backs off on the
//     injected Clock (backoffInitialMs doubling up to backoffMaxMs), then relists; a 410 (ERROR event or
//     HTTP status) relists at once; a stream that ends re-watches at once from the last resourceVersion,
//     backing off only when streams keep ending without delivering anything. No real timer is used here;
//     client-node's Watch keeps its own inactivity timer (requestTimeoutMs, real time, cleared when the
//     stream ends), after which the informer simply re-watches.
//  8. stop() (or aborting run()'s signal) aborts the list or watch request in flight and cancels every
//     timer; it resolves once the watch request has ended. client-node's Watch hands out its
//     AbortController only once the response headers arrived, so a watch still waiting for its headers
//     is aborted as soon as they come.
//
// Quiescence: idle() is true when no list or watch request is being set up and every change received
// was handled. A backoff in progress is a pending Clock timer, not work.
import * as k8s from '@kubernetes/client-node';
import type { Clock, TimerHandle } from '../../apiserver/machinery/clock.ts';
import { deepFreeze } from '../../apiserver/machinery/json.ts';
import { parseLabelSelector, type LabelSelector } from '../../apiserver/machinery/labels.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { objectKey, type KubeObject } from '../../apiserver/machinery/object.ts';
import { ActorKubeConfig } from './actor.ts';
import { codeOf, isGone, KubeClient, resourcePath, type ResourceRef } from './client.ts';

/** reflector.go's backoff: 800 ms initial, 30 s cap. */
export const defaultBackoffInitialMs = 800;
export const defaultBackoffMaxMs = 30_000;

/** A kind an informer watches. `kind` and `namespaced` are needed only to map ownerReferences to it. */
export interface InformerResource extends ResourceRef {
  kind?: string;
  /** Whether the kind is namespaced (default true); `namespace` restricts the informer to one namespace. */
  namespaced?: boolean;
}

/** delta_fifo.go DeletedFinalStateUnknown: a deletion noticed only by a relist; obj is the last state known. */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

export interface EventHandler<T> {
  onAdd?(obj: T, isInInitialList: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration {
  remove(): void;
  /** True once the registration has been told of every object of the initial list. */
  hasSynced(): boolean;
}

export interface InformerOptions {
  resource: InformerResource;
  /** The actor's KubeConfig (an ActorKubeConfig sends its User-Agent). */
  kc: k8s.KubeConfig;
  clock: Clock;
  labelSelector?: string;
  fieldSelector?: string;
  /** Sent as the watch's timeoutSeconds; the server then ends each stream after that long (on its clock). */
  watchTimeoutSeconds?: number;
  /** Ask for BOOKMARK events (client-go always does). Default true. */
  allowWatchBookmarks?: boolean;
  /** client-node Watch's inactivity timeout (a real timer inside client-node). Default: client-node's 30 s. */
  watchIdleTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Every so often, onUpdate(obj, obj) for every object (client-go resync). 0 or absent: never. */
  resyncPeriodMs?: number;
  /** List in pages of this many objects; 0 or absent: one request. */
  pageSize?: number;
  /** Shared client for the list requests; default: one made from kc. */
  client?: KubeClient;
  logger?: Logger;
}

export type InformerState = 'new' | 'listing' | 'connecting' | 'watching' | 'backoff' | 'stopped';

export interface InformerStats {
  lists: number;
  watches: number;
  /** Relists caused by 410 Gone. */
  expired: number;
  /** Watch streams that ended (server timeout, closed connection, idle timeout). */
  streamEnds: number;
  /** Failed lists and watch requests. */
  failures: number;
  events: number;
}

type RawEvent = { type: string; object: unknown };
type WatchOutcome = 'stopped' | 'expired' | 'failed' | 'ended' | 'ended-empty';

/** Read access to an informer's store. Everything returned is frozen; lists are sorted by key. */
export class Lister<T extends KubeObject> {
  constructor(private readonly store: ReadonlyMap<string, T>) {}

  /** By key: `namespace/name`, or `name` for cluster-scoped objects. */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string, labelSelector?: string | LabelSelector): T[] {
    const sel = typeof labelSelector === 'string' ? parseLabelSelector(labelSelector) : labelSelector;
    const out: T[] = [];
    for (const key of [...this.store.keys()].sort()) {
      const obj = this.store.get(key) as T;
      if (namespace !== undefined && (obj.metadata.namespace ?? '') !== namespace) continue;
      if (sel && !sel.matches(obj.metadata.labels)) continue;
      out.push(obj);
    }
    return out;
  }

  keys(): string[] {
    return [...this.store.keys()].sort();
  }
}

interface Registration<T> {
  handler: EventHandler<T>;
  synced: boolean;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: InformerResource;
  readonly stats: InformerStats = { lists: 0, watches: 0, expired: 0, streamEnds: 0, failures: 0, events: 0 };
  private readonly opts: InformerOptions;
  private readonly clock: Clock;
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly store = new Map<string, T>();
  private readonly registrations: Registration<T>[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private readonly internal = new AbortController();
  private synced = false;
  private rv = '';
  private stateNow: InformerState = 'new';
  private buffered = 0;
  private failures = 0;
  private emptyEnds = 0;
  private resyncTimer: TimerHandle | undefined;
  private runPromise: Promise<void> | undefined;

  constructor(opts: InformerOptions) {
    this.opts = opts;
    this.resource = opts.resource;
    this.clock = opts.clock;
    this.client = opts.client ?? new KubeClient(opts.kc);
    const r = opts.resource;
    const actor = opts.kc instanceof ActorKubeConfig ? opts.kc.actor : undefined;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'informer', actor, resource: `${r.plural}${r.group ? `.${r.group}` : ''}`, namespace: r.namespace });
  }

  /** Adds a handler. On an informer that already holds objects, it first hears onAdd for each of them. */
  addEventHandler(handler: EventHandler<T>): HandlerRegistration {
    const reg: Registration<T> = { handler, synced: this.synced };
    this.registrations.push(reg);
    if (this.store.size > 0) for (const obj of this.lister().list()) handler.onAdd?.(obj, true);
    return {
      remove: () => {
        const i = this.registrations.indexOf(reg);
        if (i >= 0) this.registrations.splice(i, 1);
      },
      hasSynced: () => reg.synced,
    };
  }

  lister(): Lister<T> {
    return new Lister(this.store);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if the signal aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stateNow === 'stopped' || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.synced);
      });
    });
  }

  /** The resourceVersion of the last list or watch event handled. */
  lastSyncResourceVersion(): string {
    return this.rv;
  }

  state(): InformerState {
    return this.stateNow;
  }

  /** Quiescence: no list or watch request being set up, no received change left to handle. */
  idle(): boolean {
    if (this.buffered > 0) return false;
    return this.stateNow !== 'listing' && this.stateNow !== 'connecting';
  }

  /** Runs run() in the background; stop() ends it (and reports a handler's error). */
  start(): void {
    if (this.runPromise) return;
    this.run().catch((err: unknown) => this.log.error({ err }, 'informer failed'));
  }

  /** Aborts the request in flight and every timer; resolves when the watch request has ended. */
  async stop(): Promise<void> {
    this.internal.abort(new Error('informer stopped'));
    if (this.runPromise) await this.runPromise;
    else this.finish();
  }

  /**
   * Lists and watches until the signal aborts or stop() is called. Resolves once every request it made has
   * ended and its timers are cancelled; rejects with the error of a handler that threw. Runs once.
   */
  run(signal?: AbortSignal): Promise<void> {
    if (this.runPromise || this.stateNow !== 'new') throw new Error('an informer runs once');
    const onAbort = (): void => this.internal.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.runPromise = this.loop(this.internal.signal).finally(() => {
      signal?.removeEventListener('abort', onAbort);
      this.internal.abort(new Error('informer stopped'));
      this.finish();
    });
    return this.runPromise;
  }

  private finish(): void {
    this.stateNow = 'stopped';
    this.resyncTimer?.cancel();
    this.resyncTimer = undefined;
    const waiters = this.syncWaiters.splice(0);
    for (const w of waiters) w();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    this.stateNow = 'listing';
    let needList = true;
    while (!signal.aborted) {
      if (needList) {
        if (!(await this.listAndReplace(signal))) {
          this.failures++;
          if (!(await this.backoff(this.backoffMs(this.failures), signal))) return;
          continue;
        }
        this.failures = 0;
        needList = false;
      }
      const outcome = await this.watchOnce(signal);
      switch (outcome) {
        case 'stopped':
          return;
        case 'expired':
          this.stats.expired++;
          needList = true;
          break;
        case 'failed':
          this.failures++;
          needList = true;
          if (!(await this.backoff(this.backoffMs(this.failures), signal))) return;
          break;
        case 'ended':
          break;
        case 'ended-empty':
          this.emptyEnds++;
          // The first stream in a row that delivered nothing re-watches at once; more back off.
          if (this.emptyEnds > 1 && !(await this.backoff(this.backoffMs(this.emptyEnds - 1), signal))) return;
          break;
      }
    }
  }

  private backoffMs(n: number): number {
    const initial = this.opts.backoffInitialMs ?? defaultBackoffInitialMs;
    const max = this.opts.backoffMaxMs ?? defaultBackoffMaxMs;
    return Math.min(initial * 2 ** Math.max(0, n - 1), max);
  }

  /** Sleeps on the Clock; false if stopped meanwhile. */
  private async backoff(ms: number, signal: AbortSignal): Promise<boolean> {
    this.stateNow = 'backoff';
    this.log.debug({ ms }, 'backing off');
    try {
      await this.clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** reflector.go list + Replace: the whole list, then the store replaced and the handlers told. */
  private async listAndReplace(signal: AbortSignal): Promise<boolean> {
    this.stateNow = 'listing';
    this.stats.lists++;
    const items: KubeObject[] = [];
    let rv = '';
    const sel = { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, signal };
    try {
      let cont: string | undefined;
      do {
        let page;
        try {
          page = await this.client.list(this.resource, { ...sel, limit: this.opts.pageSize || undefined, continue: cont });
        } catch (err) {
          // pager.go FullListIfExpired: a continue token that expired falls back to one full list.
          if (!cont || !isGone(err) || signal.aborted) throw err;
          items.length = 0;
          page = await this.client.list(this.resource, sel);
        }
        if (signal.aborted) return false;
        items.push(...page.items);
        if (!cont || !page.metadata.continue) rv = page.metadata.resourceVersion ?? rv;
        cont = page.metadata.continue || undefined;
      } while (cont);
    } catch (err) {
      if (!signal.aborted) {
        this.stats.failures++;
        this.log.warn({ err: String(err), code: codeOf(err), gone: isGone(err) }, 'list failed');
      }
      return false;
    }
    this.replace(items, rv, signal);
    return true;
  }

  private replace(items: KubeObject[], rv: string, signal: AbortSignal): void {
    const previous = new Map(this.store);
    const fresh = new Map<string, T>();
    for (const raw of items) {
      const obj = deepFreeze(raw) as T;
      fresh.set(objectKey(obj), obj);
    }
    this.store.clear();
    for (const [k, v] of fresh) this.store.set(k, v);
    this.rv = rv;
    const initial = !this.synced;
    for (const [key, obj] of fresh) {
      if (signal.aborted) return;
      const old = previous.get(key);
      if (!old) this.dispatch((h) => h.onAdd?.(obj, initial));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.dispatch((h) => h.onUpdate?.(old, obj));
    }
    for (const [key, old] of previous) {
      if (signal.aborted) return;
      if (!fresh.has(key)) this.dispatch((h) => h.onDelete?.(new DeletedFinalStateUnknown(key, old)));
    }
    if (!this.synced) {
      this.synced = true;
      for (const r of this.registrations) r.synced = true;
      const waiters = this.syncWaiters.splice(0);
      for (const w of waiters) w();
      this.scheduleResync(signal);
      this.log.debug({ rv, objects: fresh.size }, 'synced');
    }
  }

  private scheduleResync(signal: AbortSignal): void {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period <= 0 || signal.aborted) return;
    this.resyncTimer = this.clock.setTimer(period, () => {
      this.resyncTimer = undefined;
      if (signal.aborted) return;
      for (const obj of this.lister().list()) this.dispatch((h) => h.onUpdate?.(obj, obj));
      this.scheduleResync(signal);
    });
  }

  private dispatch(fn: (h: EventHandler<T>) => void): void {
    for (const r of [...this.registrations]) fn(r.handler);
  }

  /** One watch request: resolves when its stream has ended (and the request is gone). */
  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    this.stateNow = 'connecting';
    this.stats.watches++;
    const events: RawEvent[] = [];
    let ended: { err: unknown } | undefined;
    let established = false;
    let controller: AbortController | undefined;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const watch = new k8s.Watch(this.opts.kc);
    // requestTimeoutMs is private in the typings but is the documented knob of watch.js.
    if (this.opts.watchIdleTimeoutMs !== undefined) (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = this.opts.watchIdleTimeoutMs;
    const params: Record<string, string | number | boolean | undefined> = {
      resourceVersion: this.rv,
      allowWatchBookmarks: this.opts.allowWatchBookmarks ?? true,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      timeoutSeconds: this.opts.watchTimeoutSeconds,
    };
    const path = resourcePath(this.resource);
    let closing = false;
    const onAbort = (): void => {
      controller?.abort();
      notify();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    watch
      .watch(
        path,
        params,
        (type: string, object: unknown) => {
          events.push({ type, object });
          this.buffered++;
          notify();
        },
        (err: unknown) => {
          ended = { err };
          notify();
        },
      )
      .then(
        (c) => {
          controller = c;
          if (!ended) {
            established = true;
            if (this.stateNow === 'connecting') this.stateNow = 'watching';
          }
          if (signal.aborted || closing) c.abort();
          notify();
        },
        (err: unknown) => {
          ended ??= { err };
          notify();
        },
      );

    let outcome: WatchOutcome | undefined;
    let delivered = 0;
    try {
      while (outcome === undefined) {
        const ev = events.shift();
        if (ev) {
          this.buffered--;
          if (signal.aborted) continue;
          const verdict = this.handleEvent(ev);
          if (verdict) {
            outcome = verdict;
            controller?.abort();
          } else delivered++;
          continue;
        }
        if (signal.aborted) outcome = 'stopped';
        else if (ended) outcome = this.endOutcome(ended.err, established, delivered);
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      // Whatever ended the loop (an outcome, or a handler that threw), the request must be gone first.
      closing = true;
      controller?.abort();
      while (!ended) await new Promise<void>((resolve) => (wake = resolve));
      this.buffered -= events.length;
      events.length = 0;
      signal.removeEventListener('abort', onAbort);
    }
    if (outcome === 'ended' || outcome === 'ended-empty') this.stats.streamEnds++;
    if (outcome === 'failed') this.stats.failures++;
    if (delivered > 0) {
      this.emptyEnds = 0;
      this.failures = 0;
    }
    return outcome;
  }

  private endOutcome(err: unknown, established: boolean, delivered: number): WatchOutcome {
    const e = err as { statusCode?: number; name?: string } | null | undefined;
    if (!established) {
      if (e?.statusCode === 410) return 'expired';
      this.log.warn({ err: String(err), statusCode: e?.statusCode }, 'watch request failed');
      return 'failed';
    }
    // client-node's inactivity timeout on a quiet watch is no sign of trouble: re-watch at once.
    if (e?.name === 'TimeoutError' || delivered > 0) return 'ended';
    return 'ended-empty';
  }

  /** Applies one watch event; returns an outcome when the event ends the watch (ERROR). */
  private handleEvent(ev: RawEvent): WatchOutcome | undefined {
    this.stats.events++;
    if (ev.type === 'ERROR') {
      const status = ev.object as { code?: number; message?: string } | undefined;
      if (status?.code === 410) {
        this.log.debug({ message: status.message }, 'watch expired, relisting');
        return 'expired';
      }
      this.log.warn({ status }, 'watch error event');
      return 'failed';
    }
    const obj = deepFreeze(ev.object as T);
    const rv = obj?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return undefined;
    }
    if (!obj?.metadata) return undefined;
    const key = objectKey(obj);
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.store.get(key);
        this.store.set(key, obj);
        if (rv) this.rv = rv;
        if (old) this.dispatch((h) => h.onUpdate?.(old, obj));
        else this.dispatch((h) => h.onAdd?.(obj, false));
        break;
      }
      case 'DELETED': {
        this.store.delete(key);
        if (rv) this.rv = rv;
        this.dispatch((h) => h.onDelete?.(obj));
        break;
      }
      default:
        this.log.warn({ type: ev.type }, 'unknown watch event type');
    }
    return undefined;
  }
}

/** A convenience for one-off use: an informer started at once. */
export function startInformer<T extends KubeObject = KubeObject>(opts: InformerOptions): Informer<T> {
  const inf = new Informer<T>(opts);
  inf.start();
  return inf;
}
