// The door: every request to a world's API servers waits here, and every watch item passes through here on
// its way to the wire. Each time the world is quiet the scheduler takes one step, and the run's Strategy
// chooses what happens in it: which waiting request or requests go in (several go in together and are
// served concurrently), which held-back watch item is written, whether the next timer fires although
// requests still wait. When an item is produced the strategy may hold it back (its stream behind it); when
// timers tie it picks their order; when a request goes in it may answer a fault instead. Every choice other
// than the default (arrival order, one at a time, nothing held, timers at quiescence, no fault) is recorded
// as a Decision and noted on the history, on the lane of the actor it acted for.
import type { RecordingInterleaver } from '../../apiserver/interleave/interleaver.ts';
import type { DeliveryItem, Interleaver, RequestInfo, WatchInfo } from '../../apiserver/interleave/types.ts';
import type { FakeClock } from '../../apiserver/machinery/clock.ts';
import { conflict, expired, internalError, tooManyRequests, type Status } from '../../apiserver/machinery/errors.ts';
import { decisionActor, describeDecision, type Decision, type DeliveryKey, type FaultKind, type RequestKey } from './schedule.ts';
import { DefaultStrategy, type StepView, type Strategy } from './strategy.ts';

/**
 * How late a request may be served, or a watch item written, in simulated time: a timer may fire while
 * they wait only if it is due within this bound of the oldest one's arrival (a slow API server, not a
 * stalled one).
 */
export const latencyBoundMs = 1_000;

interface Waiting {
  key: RequestKey;
  /** The actor's own name (key.actor may be an alias). */
  actor: string;
  /** When it arrived, on the world's clock. */
  sinceMs: number;
  /** A watch that resumes from a resourceVersion. */
  resume: boolean;
  passedOver: number;
  /**
   * It was the first waiting request not skipped before at some step, and another went in instead: a
   * replay must keep it out until it has waited as long again (its `passedOver` is recorded).
   */
  skipped: boolean;
  admit: (fault: FaultKind | undefined) => void;
}

interface QueuedItem {
  item: DeliveryItem;
  decided: boolean;
  key?: DeliveryKey;
}

interface Stream {
  server: number;
  watch: WatchInfo;
  inner: Interleaver;
  queue: QueuedItem[];
  write?: (items: readonly DeliveryItem[]) => boolean;
  /** The held head of the queue: how many steps it has waited. */
  held?: { key: DeliveryKey; steps: number; order: number; sinceMs: number };
  /** Items handed to the inner interleaver whose write has not completed. */
  writing?: Promise<boolean>;
  lastOk: boolean;
  done: ((ok: boolean) => void)[];
  closed: boolean;
}

export interface DoorOptions {
  strategy?: Strategy;
  /** The world's clock: early timers and ties. */
  clock?: FakeClock;
  /** The world's epoch: timer keys count from it. */
  epochMs?: number;
  /** The end of the simulated time the world may cover now (runUntil's horizon), if any. */
  horizonEnd?: () => number | undefined;
  /** Actors that retry failed requests (controllers): the only ones the faults strategy touches. */
  faultTolerant?: (actor: string) => boolean;
  /** Where a decision is noted on the history. */
  note?: (actor: string, tag: string, text: string) => void;
  /** The servers whose watch cache the strategy may hold behind the shared store (a stale API server). */
  caches?: readonly WatchCache[];
  /** Kills and restarts the process of an actor that runs as one (Sieve's intermediate state), if it does. */
  killer?: (actor: string) => ((why: string) => void) | undefined;
  /**
   * Test-only: the names the door (and so the strategy) knows the actors by. A run with every actor
   * renamed must take the same decisions: none may depend on a name or its sort order.
   */
  actorAlias?: (actor: string) => string;
}

const writeVerbs: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function faultStatus(f: FaultKind, info: RequestInfo): Status {
  const gr = { group: info.group, resource: info.resource };
  switch (f) {
    case 'error500':
      return internalError('injected by schedule exploration').status;
    case 'throttle429':
      return tooManyRequests(1).status;
    case 'conflict409':
      return conflict(gr, info.name ?? '', 'the object has been modified; please apply your changes to the latest version and try again').status;
    case 'expired410':
      return expired('too old resource version: injected by schedule exploration').status;
  }
}

/** A server's watch cache over a store shared with other servers (apiserver/storage/cacher.ts). */
export interface WatchCache {
  server: number;
  /** The shared store's revision now. */
  storeRevision(): number;
  hold(): void;
  release(): void;
}

interface CacheState {
  cache: WatchCache;
  /** The store revision the strategy was last asked about. */
  asked: number;
  held?: { steps: number; want: number };
}

export class AdmissionGate {
  readonly strategy: Strategy;
  readonly decisions: Decision[] = [];
  private readonly opts: DoorOptions;
  private readonly waiting: Waiting[] = [];
  private readonly streams = new Map<WatchInfo, Stream>();
  private readonly requestCounts = new Map<string, number>();
  private readonly itemCounts = new Map<string, number>();
  private readonly timerChances = new Map<number, number>();
  /** Early firings so far of timers due at each instant (TimerKey.n). */
  private readonly earlyFired = new Map<number, number>();
  private readonly tiesAt = new Map<number, number>();
  private onArrival: (() => void) | undefined;
  private opened = false;
  private steps = 0;
  private holdOrder = 0;
  private readonly caches: CacheState[] = [];

  constructor(opts: DoorOptions = {}) {
    this.opts = opts;
    this.strategy = opts.strategy ?? new DefaultStrategy();
    for (const cache of opts.caches ?? []) this.addCache(cache);
    if (opts.clock && this.strategy.name !== 'default') {
      opts.clock.tieBreak = (at, of) => this.tie(at, of);
    }
  }

  /** A server's watch cache the strategy may hold behind its store from now on. */
  addCache(cache: WatchCache): void {
    this.caches.push({ cache, asked: cache.storeRevision() });
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** From now on requests go straight in and items straight out (the world is shutting down). */
  open(): void {
    this.opened = true;
    if (this.opts.clock) this.opts.clock.tieBreak = undefined;
    for (const w of this.waiting.splice(0)) w.admit(undefined);
    for (const c of this.caches) {
      if (c.held) c.cache.release();
      c.held = undefined;
    }
    for (const st of this.streams.values()) {
      st.held = undefined;
      this.pump(st);
    }
  }

  /** Resolves when something waits (at once if something already does). */
  arrival(): Promise<void> {
    if (this.size > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onArrival = resolve;
    });
  }

  /** Requests waiting plus streams held back: what a step can act on. */
  get size(): number {
    let held = 0;
    for (const st of this.streams.values()) if (st.held) held++;
    for (const c of this.caches) if (c.held) held++;
    return this.waiting.length + held;
  }

  /** Wraps server `server`'s interleaver: requests wait at the door, watch items pass through it. */
  wrap(inner: RecordingInterleaver, server = 0): Interleaver {
    return {
      beginRequest: async (info) => {
        let key: RequestKey | undefined;
        if (!this.opened) {
          const k = this.requestKey(server, info);
          key = k;
          const fault = await new Promise<FaultKind | undefined>((admit) => {
            this.waiting.push({ key: k, actor: info.actor, sinceMs: this.now(), resume: resumesWatch(info), passedOver: 0, skipped: false, admit });
            this.wake();
          });
          if (fault) return inner.injectFault(info, faultStatus(fault, info), `explore:${fault}`);
        }
        const sink = await inner.beginRequest(info);
        const kill = key && writeVerbs.has(info.verb) ? this.opts.killer?.(info.actor) : undefined;
        if (!kill || !key) return sink;
        const written = key;
        return (outcome) => {
          sink(outcome);
          if (this.opened || outcome.code < 200 || outcome.code >= 300 || !this.strategy.crash(written)) return;
          const d: Decision = { kind: 'crash', request: written };
          this.record(d);
          kill(describeDecision(d));
        };
      },
      deliver: (watch, items, write) => this.deliver(server, inner, watch, items, write),
      watchClosed: (watch) => {
        const st = this.streams.get(watch);
        if (st) {
          st.closed = true;
          st.held = undefined;
          st.queue = [];
          this.streams.delete(watch);
          for (const d of st.done.splice(0)) d(false);
        }
        inner.watchClosed?.(watch);
      },
    };
  }

  /** One step: the strategy chooses what happens now among what waits. */
  step(): void {
    if (this.opened) return;
    this.steps++;
    this.lagCaches();
    const heldStreams = [...this.streams.values()].filter((s) => s.held).sort((a, b) => (a.held?.order ?? 0) - (b.held?.order ?? 0));
    for (const st of heldStreams) if (st.held) st.held.steps++;
    const timer = this.earlyTimer();
    const view: StepView = {
      step: this.steps,
      requests: this.waiting.map((w) => ({ key: w.key, passedOver: w.passedOver })),
      held: heldStreams.map((s) => ({ key: (s.held as { key: DeliveryKey }).key, steps: (s.held as { steps: number }).steps })),
      ...(timer ? { timer } : {}),
    };
    const choice = this.strategy.choose(view);

    if (timer) {
      if (choice.fireTimer) {
        this.record({ kind: 'timer', timer: timer.key, early: timer.chances });
        this.timerChances.delete(timer.key.atMs);
        this.earlyFired.set(timer.key.atMs, timer.key.n + 1);
        this.opts.clock?.runNext();
      } else {
        this.timerChances.set(timer.key.atMs, timer.chances + 1);
      }
    }

    for (const i of [...new Set(choice.release)].sort((a, b) => a - b)) {
      const st = heldStreams[i];
      if (!st?.held) continue;
      this.record({ kind: 'deliver', delivery: st.held.key, steps: st.held.steps });
      st.held = undefined;
      const head = st.queue[0];
      if (head) head.decided = true;
      this.pump(st);
    }

    const admitted = [...new Set(choice.admit)].filter((i) => i >= 0 && i < this.waiting.length).sort((a, b) => a - b);
    const going = admitted.map((i) => this.waiting[i] as Waiting);
    const going0 = going[0];
    // Waiting requests ahead of the step's first one (all of them, when none goes in) went unchosen
    // although the default would take them.
    for (const w of this.waiting) {
      if (w === going0) break;
      if (!going.includes(w)) w.skipped = true;
    }
    for (const w of going) {
      if (w === going0) {
        if (w.skipped) this.record({ kind: 'admit', request: w.key, passedOver: w.passedOver, joined: false });
      } else if (going0) {
        this.record({ kind: 'admit', request: w.key, passedOver: w.passedOver, joined: true, with: going0.key });
      }
    }
    const left = this.waiting.filter((w) => !going.includes(w));
    this.waiting.length = 0;
    this.waiting.push(...left);
    for (const w of left) w.passedOver++;
    for (const w of going) {
      const fault = this.strategy.fault(w.key, { tolerant: this.opts.faultTolerant?.(w.actor) ?? false, resume: w.resume });
      if (fault) this.record({ kind: 'fault', request: w.key, fault });
      w.admit(fault);
    }
  }

  // --- watch caches ---

  /** Releases caches held long enough; asks the strategy whether to hold each cache that is current. */
  private lagCaches(): void {
    for (const c of this.caches) {
      if (c.held) {
        if (++c.held.steps >= c.held.want) {
          c.held = undefined;
          c.cache.release();
        }
        continue;
      }
      const revision = c.cache.storeRevision();
      if (revision <= c.asked) continue;
      c.asked = revision;
      const steps = this.strategy.lagCache(c.cache.server, revision);
      if (steps <= 0) continue;
      this.record({ kind: 'cache', server: c.cache.server, revision, steps });
      c.held = { steps: 0, want: steps };
      c.cache.hold();
    }
  }

  // --- requests ---

  private requestKey(server: number, info: RequestInfo): RequestKey {
    const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    let name = info.name;
    if (name === undefined && info.verb === 'create') {
      try {
        const body = info.body() as { metadata?: { name?: unknown } } | undefined;
        if (typeof body?.metadata?.name === 'string') name = body.metadata.name;
      } catch {
        name = undefined;
      }
    }
    const actor = this.alias(info.actor);
    const sig = `${server}|${actor}|${info.verb}|${resource}|${info.namespace ?? ''}|${name ?? ''}`;
    const n = this.requestCounts.get(sig) ?? 0;
    this.requestCounts.set(sig, n + 1);
    return {
      server,
      actor,
      verb: info.verb,
      resource,
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      n,
    };
  }

  // --- watch items ---

  private deliver(server: number, inner: Interleaver, watch: WatchInfo, items: readonly DeliveryItem[], write: (items: readonly DeliveryItem[]) => boolean): Promise<boolean> | boolean {
    let st = this.streams.get(watch);
    if (!st) {
      if (this.opened) return inner.deliver(watch, items, write);
      st = { server, watch, inner, queue: [], lastOk: true, done: [], closed: false };
      this.streams.set(watch, st);
    }
    st.write = write;
    for (const item of items) st.queue.push({ item, decided: false });
    this.pump(st);
    if (st.queue.length === 0 && !st.held) return st.writing ?? st.lastOk;
    return new Promise<boolean>((resolve) => (st as Stream).done.push(resolve));
  }

  /** Writes the stream's queue up to the first item the strategy holds back. */
  private pump(st: Stream): void {
    if (st.closed || st.held || !st.write) return;
    const batch: DeliveryItem[] = [];
    while (st.queue.length > 0) {
      const q = st.queue[0] as QueuedItem;
      if (!q.decided && !this.opened) {
        q.decided = true;
        const key = this.deliveryKey(st, q.item);
        if (q.item.type !== 'BOOKMARK' && st.watch.close && this.strategy.drop(key, { tolerant: this.opts.faultTolerant?.(st.watch.actor) ?? false, resume: false })) {
          this.record({ kind: 'drop', delivery: key });
          st.queue = [];
          st.watch.close();
          return;
        }
        if (q.item.type !== 'BOOKMARK' && this.strategy.hold(key, this.pendingActors())) {
          st.held = { key, steps: 0, order: this.holdOrder++, sinceMs: this.now() };
          this.wake();
          break;
        }
      }
      batch.push(q.item);
      st.queue.shift();
    }
    if (batch.length > 0) {
      const inner = st.inner;
      const watch = st.watch;
      const write = st.write;
      const handOver = (): Promise<boolean> | boolean => inner.deliver(watch, batch, write);
      const r = st.writing ? st.writing.then(handOver) : handOver();
      if (typeof r === 'boolean') {
        st.lastOk = r;
      } else {
        st.writing = r;
        void r.then((ok) => {
          st.lastOk = ok;
          if (st.writing === r) st.writing = undefined;
          this.settleStream(st);
        });
        return;
      }
    }
    this.settleStream(st);
  }

  private settleStream(st: Stream): void {
    if (st.queue.length > 0 || st.held || st.writing) return;
    for (const d of st.done.splice(0)) d(st.lastOk);
  }

  private deliveryKey(st: Stream, item: DeliveryItem): DeliveryKey {
    const meta = item.object?.metadata;
    const actor = this.alias(st.watch.actor);
    const sig = `${st.server}|${actor}|${st.watch.resource}|${item.type}|${meta?.namespace ?? ''}|${meta?.name ?? ''}`;
    const n = this.itemCounts.get(sig) ?? 0;
    this.itemCounts.set(sig, n + 1);
    return {
      server: st.server,
      actor,
      resource: st.watch.resource,
      eventType: item.type,
      ...(meta?.namespace !== undefined ? { namespace: meta.namespace } : {}),
      ...(meta?.name !== undefined ? { name: meta.name } : {}),
      n,
    };
  }

  private pendingActors(): Set<string> {
    const out = new Set<string>();
    for (const w of this.waiting) out.add(w.key.actor);
    for (const st of this.streams.values()) if (st.held) out.add(this.alias(st.watch.actor));
    return out;
  }

  // --- timers ---

  /** The next timer, if it may fire now although work waits. */
  private earlyTimer(): StepView['timer'] {
    const clock = this.opts.clock;
    if (!clock || this.strategy.name === 'default') return undefined;
    const at = clock.nextTimerAt();
    if (at === undefined) return undefined;
    const horizon = this.opts.horizonEnd?.();
    if (horizon !== undefined && at > horizon) return undefined;
    let oldest = Infinity;
    for (const w of this.waiting) oldest = Math.min(oldest, w.sinceMs);
    for (const st of this.streams.values()) if (st.held) oldest = Math.min(oldest, st.held.sinceMs);
    if (oldest === Infinity || at > oldest + latencyBoundMs) return undefined;
    const atMs = at - (this.opts.epochMs ?? 0);
    return { key: { atMs, n: this.earlyFired.get(atMs) ?? 0 }, chances: this.timerChances.get(atMs) ?? 0 };
  }

  private tie(at: number, of: number): number {
    const atMs = at - (this.opts.epochMs ?? 0);
    const n = this.tiesAt.get(atMs) ?? 0;
    this.tiesAt.set(atMs, n + 1);
    const rank = Math.min(of - 1, Math.max(0, this.strategy.tie(atMs, n, of)));
    if (rank !== 0) this.record({ kind: 'tie', atMs, n, rank, of });
    return rank;
  }

  private alias(actor: string): string {
    return this.opts.actorAlias ? this.opts.actorAlias(actor) : actor;
  }

  private now(): number {
    return this.opts.clock?.now() ?? 0;
  }

  // --- recording ---

  private record(d: Decision): void {
    this.decisions.push(d);
    this.opts.note?.(decisionActor(d), 'decision', describeDecision(d));
  }

  private wake(): void {
    const w = this.onArrival;
    this.onArrival = undefined;
    w?.();
  }
}

/** A watch from a resourceVersion other than "" and "0": a resume, which may be answered 410. */
function resumesWatch(info: RequestInfo): boolean {
  const rv = info.verb === 'watch' ? info.query.get('resourceVersion') : null;
  return rv !== null && rv !== '' && rv !== '0';
}
