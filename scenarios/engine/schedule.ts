// Schedules: the decisions a world took where it could have gone more than one way, recorded by what was
// chosen (the request, the watch item, the timer), not by an index among the choices, so a replay on
// changed code fails loudly instead of silently taking another path. Only non-default decisions are
// recorded: every point that is not in the list took its default (arrival order, nothing held, timers at
// quiescence, ties by creation order, no fault).

/** A request as the door saw it: its n-th arrival with this signature on this server. */
export interface RequestKey {
  server: number;
  actor: string;
  verb: string;
  /** `clusters` or `clusters/status`. */
  resource: string;
  namespace?: string;
  name?: string;
  /** 0-based ordinal among this server's arrivals with the same actor, verb, resource, namespace and name. */
  n: number;
}

/** A watch item on its way to an actor: the n-th item of this type for this object on the actor's watches. */
export interface DeliveryKey {
  server: number;
  actor: string;
  resource: string;
  eventType: string;
  namespace?: string;
  name?: string;
  n: number;
}

/**
 * A timer, by its due time (ms after the world's epoch; timers due at one instant fire together) and how
 * many times timers due then were fired early before (0 for the first).
 */
export interface TimerKey {
  atMs: number;
  n: number;
}

export type FaultKind = 'error500' | 'throttle429' | 'conflict409' | 'expired410';

export type Decision =
  /** The request went in after being passed over `passedOver` times; `joined`: together with the step's first. */
  | { kind: 'admit'; request: RequestKey; passedOver: number; joined: boolean; with?: RequestKey }
  /** The watch item was held back for `steps` steps (its stream behind it). */
  | { kind: 'deliver'; delivery: DeliveryKey; steps: number }
  /** The timer fired while requests still waited, at the `early`-th step it could have. */
  | { kind: 'timer'; timer: TimerKey; early: number }
  /** Of the timers due at one instant, the `rank`-th by creation fired next (the `n`-th tie at that instant). */
  | { kind: 'tie'; atMs: number; n: number; rank: number; of: number }
  /** The request was answered with a fault instead of being served. */
  | { kind: 'fault'; request: RequestKey; fault: FaultKind }
  /** The watch connection was dropped instead of writing this item (the client resumes from its last resourceVersion). */
  | { kind: 'drop'; delivery: DeliveryKey }
  /** The actor's process was killed and restarted right after this write of its was answered (Sieve's intermediate state). */
  | { kind: 'crash'; request: RequestKey }
  /** Server `server`'s watch cache stopped at store revision `revision` for `steps` steps (a lagging API server). */
  | { kind: 'cache'; server: number; revision: number; steps: number };

export type StrategyName = 'default' | 'random' | 'pct' | 'faults';
export const explorationStrategies: readonly StrategyName[] = ['random', 'pct', 'faults'];

/** A schedule file: everything needed to replay a run. */
export interface ScheduleFile {
  racelab: { version: string; commit?: string };
  scenario: string;
  variant: 'buggy' | 'fixed';
  strategy: StrategyName;
  seed: number;
  /** PCT's depth, when the strategy is pct. */
  depth?: number;
  /** Set on a minimised schedule: the file it was shrunk from. */
  shrunkFrom?: string;
  decisions: Decision[];
  /** The decisions in words. */
  described?: string[];
  /** The violated invariants, when the schedule failed. */
  violations?: { invariant: string; message: string }[];
}

const where = (k: { namespace?: string; name?: string }): string => (k.name !== undefined ? ` ${k.namespace !== undefined ? `${k.namespace}/` : ''}${k.name}` : k.namespace !== undefined ? ` in ${k.namespace}` : '');
const nth = (n: number): string => (n === 0 ? '' : ` (#${n + 1})`);
/** 1 → 1st, 2 → 2nd, 3 → 3rd, 4 → 4th, 11 → 11th. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}
const server = (s: number): string => (s === 0 ? '' : ` on server ${s}`);

export function requestKeyString(k: RequestKey): string {
  return `${k.server}|${k.actor}|${k.verb}|${k.resource}|${k.namespace ?? ''}|${k.name ?? ''}|${k.n}`;
}

export function deliveryKeyString(k: DeliveryKey): string {
  return `${k.server}|${k.actor}|${k.resource}|${k.eventType}|${k.namespace ?? ''}|${k.name ?? ''}|${k.n}`;
}

export function timerKeyString(k: TimerKey): string {
  return `${k.atMs}|${k.n}`;
}

export function describeRequest(k: RequestKey): string {
  return `${k.actor}'s ${k.verb.toUpperCase()} ${k.resource}${where(k)}${nth(k.n)}${server(k.server)}`;
}

export function describeDecision(d: Decision): string {
  switch (d.kind) {
    case 'admit': {
      const waited = d.passedOver > 0 ? `admitted ${describeRequest(d.request)} after letting ${d.passedOver} step(s) go first` : `admitted ${describeRequest(d.request)}`;
      return d.joined ? `${waited}, concurrently with ${d.with ? describeRequest(d.with) : "the step's first request"}` : waited;
    }
    case 'deliver':
      return `held the ${d.delivery.eventType} of ${d.delivery.resource}${where(d.delivery)}${nth(d.delivery.n)} to ${d.delivery.actor}${server(d.delivery.server)} for ${d.steps} step(s)`;
    case 'timer':
      return `fired the timer due at +${(d.timer.atMs / 1000).toFixed(3)}s while requests still waited${d.early > 0 ? ` (at its ${ordinal(d.early + 1)} chance)` : ''}`;
    case 'tie':
      return `of the ${d.of} timers due at +${(d.atMs / 1000).toFixed(3)}s, fired the ${ordinal(d.rank + 1)} set first`;
    case 'fault':
      return `answered ${describeRequest(d.request)} with ${faultStatusLine(d.fault)}`;
    case 'drop':
      return `dropped ${d.delivery.actor}'s watch of ${d.delivery.resource}${server(d.delivery.server)} instead of writing the ${d.delivery.eventType} of${where(d.delivery)}${nth(d.delivery.n)}`;
    case 'crash':
      return `killed ${d.request.actor} right after ${describeRequest(d.request)} was answered`;
    case 'cache':
      return `held server ${d.server}'s watch cache at revision ${d.revision} for ${d.steps} step(s)`;
  }
}

export function faultStatusLine(f: FaultKind): string {
  switch (f) {
    case 'error500':
      return '500 InternalError';
    case 'throttle429':
      return '429 TooManyRequests (Retry-After 1)';
    case 'conflict409':
      return '409 Conflict';
    case 'expired410':
      return '410 Expired';
  }
}

/** The actor a decision acted for, to mark it on that actor's lane. */
export function decisionActor(d: Decision): string {
  switch (d.kind) {
    case 'admit':
    case 'fault':
    case 'crash':
      return d.request.actor;
    case 'deliver':
    case 'drop':
      return d.delivery.actor;
    case 'timer':
    case 'tie':
      return 'clock';
    case 'cache':
      return `apiserver-${d.server}`;
  }
}
