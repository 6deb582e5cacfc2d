// Strategies: the one place that chooses where a world could go more than one way (Coyote's and Shuttle's
// design: the runtime consults the strategy at every decision point; nothing else picks an order). Every
// choice is drawn from the run's seeded Random, in decision order, and depends only on what is waiting and
// when it arrived, never on actor names or key sort order.
//
// default  arrival order, one request at a time, nothing held, timers at quiescence, no faults.
// random   uniform over the enabled choices at each step; watch items held back at a fixed rate.
// pct      Burckhardt et al., ASPLOS 2010: random actor priorities, depth−1 priority change points; an
//          actor's waiting requests (its goroutines) go in together.
// faults   random, plus faults at a low rate on the requests of the actors a case names as fault-tolerant.
// replay   the decisions of a schedule file (see schedule.ts), defaults elsewhere.
import type { Random } from '../../apiserver/machinery/random.ts';
import { deliveryKeyString, requestKeyString, timerKeyString, type Decision, type DeliveryKey, type FaultKind, type RequestKey, type StrategyName, type TimerKey } from './schedule.ts';

/** A request waiting at the door. */
export interface WaitingView {
  key: RequestKey;
  /** Steps at which it was waiting and was not admitted. */
  passedOver: number;
}

/** A watch stream whose next item is held back. */
export interface HeldView {
  key: DeliveryKey;
  /** Steps it has been held so far (≥ 1 at the step it is looked at). */
  steps: number;
}

export interface StepView {
  step: number;
  /** Waiting requests, in arrival order. */
  requests: readonly WaitingView[];
  /** Held-back watch items, one per stream, in the order they were held. */
  held: readonly HeldView[];
  /** The next timer, when it may fire now although requests wait; `chances`: steps it could have before. */
  timer?: { key: TimerKey; chances: number };
}

export interface StepChoice {
  /** Indexes into view.requests: admitted together in this step. */
  admit: number[];
  /** Indexes into view.held: written now. */
  release: number[];
  fireTimer: boolean;
}

export interface FaultContext {
  /** The actor is one the case names as fault-tolerant (a controller that retries). */
  tolerant: boolean;
  /** A watch that resumes from a resourceVersion. */
  resume: boolean;
}

export interface Strategy {
  readonly name: StrategyName;
  /** At each step where something waits: what happens now. */
  choose(view: StepView): StepChoice;
  /** A watch item is about to be written to `key.actor`: hold it (and its stream behind it) back? */
  hold(key: DeliveryKey, pendingActors: ReadonlySet<string>): boolean;
  /** Of `of` timers due at one instant (the `n`-th tie there), which fires next, by creation rank. */
  tie(atMs: number, n: number, of: number): number;
  /** A request is let in: serve it, or answer a fault. */
  fault(key: RequestKey, ctx: FaultContext): FaultKind | undefined;
  /** A watch item is about to be written: drop the connection instead? */
  drop(key: DeliveryKey, ctx: FaultContext): boolean;
  /** A write of a killable actor was answered: kill and restart its process now? */
  crash(key: RequestKey): boolean;
  /** Server `server`'s watch cache is at store revision `revision`: hold it there for how many steps (0: no)? */
  lagCache(server: number, revision: number): number;
}

/** Tunables of the live strategies: named so that none is hidden in the mechanism. */
export interface StrategyTuning {
  /** random/faults: chance that another waiting request is admitted together with the chosen one. */
  joinRate: number;
  /** random/faults: chance that a watch item is held back when it is produced. */
  holdRate: number;
  /** faults: chance that an eligible request gets a fault. */
  faultRate: number;
  /** pct: depth d (d − 1 priority change points). */
  depth: number;
  /** pct: the estimated number of steps of a run (k in the paper). */
  steps: number;
}

/** random/faults: the longest a watch cache is held behind its store, in steps. */
export const maxCacheLagSteps = 24;

export const defaultTuning: StrategyTuning = { joinRate: 0.25, holdRate: 0.25, faultRate: 0.04, depth: 2, steps: 100 };

const nothing = (): StepChoice => ({ admit: [], release: [], fireTimer: false });

/** The defaults of the fault and lag decisions: no fault, no dropped watch, no kill, caches current. */
abstract class WithoutFaults {
  fault(_key: RequestKey, _ctx: FaultContext): FaultKind | undefined {
    return undefined;
  }

  drop(_key: DeliveryKey, _ctx: FaultContext): boolean {
    return false;
  }

  crash(_key: RequestKey): boolean {
    return false;
  }

  lagCache(_server: number, _revision: number): number {
    return 0;
  }
}

export class DefaultStrategy extends WithoutFaults implements Strategy {
  readonly name = 'default' as const;
  choose(view: StepView): StepChoice {
    // Held items only exist under other strategies; write them at once.
    return { admit: view.requests.length > 0 ? [0] : [], release: view.held.map((_, i) => i), fireTimer: false };
  }
  hold(): boolean {
    return false;
  }
  tie(): number {
    return 0;
  }
}

export class RandomStrategy extends WithoutFaults implements Strategy {
  readonly name: StrategyName = 'random';
  constructor(
    protected readonly random: Random,
    protected readonly tuning: StrategyTuning = defaultTuning,
  ) {
    super();
  }

  choose(view: StepView): StepChoice {
    const options = view.requests.length + view.held.length + (view.timer ? 1 : 0);
    const out = nothing();
    if (options === 0) return out;
    const pick = this.random.int(options);
    if (pick < view.requests.length) {
      out.admit.push(pick);
      for (let i = 0; i < view.requests.length; i++) if (i !== pick && this.random.float() < this.tuning.joinRate) out.admit.push(i);
    } else if (pick < view.requests.length + view.held.length) {
      out.release.push(pick - view.requests.length);
    } else {
      out.fireTimer = true;
    }
    return out;
  }

  hold(): boolean {
    return this.random.float() < this.tuning.holdRate;
  }

  tie(_atMs: number, _n: number, of: number): number {
    return this.random.int(of);
  }

  override lagCache(_server: number, _revision: number): number {
    return this.random.float() < this.tuning.holdRate ? 1 + this.random.int(maxCacheLagSteps) : 0;
  }
}

export class FaultsStrategy extends RandomStrategy {
  override readonly name: StrategyName = 'faults';

  override fault(key: RequestKey, ctx: FaultContext): FaultKind | undefined {
    if (!ctx.tolerant) return undefined;
    const kinds: FaultKind[] =
      key.verb === 'watch' ? (ctx.resume ? ['expired410'] : []) : key.verb === 'update' || key.verb === 'patch' ? ['error500', 'throttle429', 'conflict409'] : ['error500', 'throttle429'];
    if (kinds.length === 0 || this.random.float() >= this.tuning.faultRate) return undefined;
    return kinds[this.random.int(kinds.length)];
  }

  override drop(_key: DeliveryKey, ctx: FaultContext): boolean {
    return ctx.tolerant && this.random.float() < this.tuning.faultRate;
  }

  override crash(): boolean {
    return this.random.float() < this.tuning.faultRate;
  }
}

/** The pseudo-actor that owns timers in PCT's priority order. */
const clockActor = '\u0000clock';

/** Cache lag is not an actor's: pct leaves caches current (random and faults lag them), and injects no faults. */
export class PctStrategy extends WithoutFaults implements Strategy {
  readonly name = 'pct' as const;
  private readonly priority = new Map<string, number>();
  private readonly changePoints: number[];
  private changesTaken = 0;

  constructor(
    private readonly random: Random,
    private readonly tuning: StrategyTuning = defaultTuning,
  ) {
    super();
    this.changePoints = [];
    for (let j = 0; j < Math.max(0, tuning.depth - 1); j++) this.changePoints.push(1 + this.random.int(Math.max(1, tuning.steps)));
    this.changePoints.sort((a, b) => a - b);
  }

  /** A new actor gets a random priority above every changed one (priorities d, d+1, … in random order). */
  private prio(actor: string): number {
    let p = this.priority.get(actor);
    if (p === undefined) {
      p = this.tuning.depth + this.random.float() * 1_000_000;
      this.priority.set(actor, p);
    }
    return p;
  }

  choose(view: StepView): StepChoice {
    const out = nothing();
    let best: { prio: number; apply: () => void; actor: string } | undefined;
    const consider = (actor: string, apply: () => void): void => {
      const p = this.prio(actor);
      if (!best || p > best.prio) best = { prio: p, apply, actor };
    };
    // An actor's held watch items before its requests, each in order: the first option of an actor wins ties.
    view.held.forEach((h, i) => consider(h.key.actor, () => out.release.push(i)));
    // An actor is one process: its waiting requests come from different goroutines, which run
    // concurrently, so the chosen actor's requests all go in together.
    view.requests.forEach((r) => consider(r.key.actor, () => view.requests.forEach((o, j) => o.key.actor === r.key.actor && out.admit.push(j))));
    if (view.timer) consider(clockActor, () => (out.fireTimer = true));
    if (!best) return out;
    (best as { apply: () => void }).apply();
    // The j-th change point lowers the priority of the actor that just ran below every initial one.
    while (this.changesTaken < this.changePoints.length && (this.changePoints[this.changesTaken] as number) <= view.step) {
      this.changesTaken++;
      this.priority.set((best as { actor: string }).actor, this.tuning.depth - this.changesTaken);
    }
    return out;
  }

  hold(key: DeliveryKey, pendingActors: ReadonlySet<string>): boolean {
    const mine = this.prio(key.actor);
    for (const a of pendingActors) if (a !== key.actor && this.prio(a) > mine) return true;
    return false;
  }

  tie(_atMs: number, _n: number, of: number): number {
    return this.random.int(of);
  }

}

/**
 * Replays recorded decisions: a request goes in once it was passed over as often as recorded (joining the
 * step's first request if it joined then), a held item is written after its recorded steps, a timer fires
 * early at its recorded chance, ties and faults as recorded. Anything not recorded takes its default, so a
 * schedule with some decisions reverted still runs (shrinking relies on it).
 */
export class ReplayStrategy implements Strategy {
  readonly name: StrategyName;
  private readonly admits = new Map<string, Decision & { kind: 'admit' }>();
  private readonly holds = new Map<string, Decision & { kind: 'deliver' }>();
  private readonly timers = new Map<string, Decision & { kind: 'timer' }>();
  private readonly ties = new Map<string, Decision & { kind: 'tie' }>();
  private readonly faults = new Map<string, Decision & { kind: 'fault' }>();
  private readonly drops = new Map<string, Decision & { kind: 'drop' }>();
  private readonly crashes = new Map<string, Decision & { kind: 'crash' }>();
  private readonly caches = new Map<string, Decision & { kind: 'cache' }>();
  /** The recorded decisions this run used, in the order it used them. */
  readonly taken: Decision[] = [];

  constructor(decisions: readonly Decision[], name: StrategyName = 'default') {
    this.name = name;
    for (const d of decisions) {
      if (d.kind === 'admit') this.admits.set(requestKeyString(d.request), d);
      else if (d.kind === 'deliver') this.holds.set(deliveryKeyString(d.delivery), d);
      else if (d.kind === 'timer') this.timers.set(timerKeyString(d.timer), d);
      else if (d.kind === 'tie') this.ties.set(`${d.atMs}|${d.n}`, d);
      else if (d.kind === 'fault') this.faults.set(requestKeyString(d.request), d);
      else if (d.kind === 'drop') this.drops.set(deliveryKeyString(d.delivery), d);
      else if (d.kind === 'cache') this.caches.set(`${d.server}|${d.revision}`, d);
      else this.crashes.set(requestKeyString(d.request), d);
    }
  }

  choose(view: StepView): StepChoice {
    const out = nothing();
    if (view.timer) {
      const rec = this.timers.get(timerKeyString(view.timer.key));
      if (rec && view.timer.chances >= rec.early) {
        out.fireTimer = true;
        this.taken.push(rec);
      }
    }
    view.held.forEach((h, i) => {
      const rec = this.holds.get(deliveryKeyString(h.key));
      if (h.steps >= (rec?.steps ?? 0)) {
        out.release.push(i);
        if (rec) this.taken.push(rec);
      }
    });
    const ready = view.requests.map((r, i) => ({ i, rec: this.admits.get(requestKeyString(r.key)), passedOver: r.passedOver })).filter((r) => r.passedOver >= (r.rec?.passedOver ?? 0));
    const [first, ...rest] = ready;
    if (first) {
      out.admit.push(first.i);
      if (first.rec) this.taken.push(first.rec);
      for (const r of rest) {
        if (!r.rec?.joined) continue;
        out.admit.push(r.i);
        this.taken.push(r.rec);
      }
    }
    return out;
  }

  hold(key: DeliveryKey): boolean {
    return (this.holds.get(deliveryKeyString(key))?.steps ?? 0) > 0;
  }

  tie(atMs: number, n: number, of: number): number {
    const rec = this.ties.get(`${atMs}|${n}`);
    if (!rec || rec.rank >= of) return 0;
    this.taken.push(rec);
    return rec.rank;
  }

  fault(key: RequestKey): FaultKind | undefined {
    const rec = this.faults.get(requestKeyString(key));
    if (rec) this.taken.push(rec);
    return rec?.fault;
  }

  drop(key: DeliveryKey): boolean {
    const rec = this.drops.get(deliveryKeyString(key));
    if (rec) this.taken.push(rec);
    return rec !== undefined;
  }

  crash(key: RequestKey): boolean {
    const rec = this.crashes.get(requestKeyString(key));
    if (rec) this.taken.push(rec);
    return rec !== undefined;
  }

  lagCache(server: number, revision: number): number {
    const rec = this.caches.get(`${server}|${revision}`);
    if (rec) this.taken.push(rec);
    return rec?.steps ?? 0;
  }
}

export function liveStrategy(name: StrategyName, random: Random, tuning: StrategyTuning = defaultTuning): Strategy {
  switch (name) {
    case 'default':
      return new DefaultStrategy();
    case 'random':
      return new RandomStrategy(random, tuning);
    case 'pct':
      return new PctStrategy(random, tuning);
    case 'faults':
      return new FaultsStrategy(random, tuning);
  }
}
