// The scenario contract: a case states its upstream issue, its actors and rules, its steps and its
// invariants; the runner runs it for a variant and a seed and checks the invariants on the history.
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import type { Violation } from './report.ts';
import type { World } from './world.ts';

export type Variant = 'buggy' | 'fixed';

export interface Upstream {
  /** e.g. kubernetes-sigs/cluster-api#11812; for a property case, the upstream file it follows. */
  issue: string;
  /** e.g. kubernetes-sigs/cluster-api#11814; empty for a property case (there is no bug to fix). */
  fix: string;
  url: string;
}

export interface ScenarioContext {
  world: World;
  variant: Variant;
  /** Pass to every component that carries the documented race. */
  fixed: boolean;
  /**
   * The fixed variant with one of the case's mutants (a broken or half fix) or equivalent fixes in place of
   * upstream's fix: pass it to the component that carries the fix, which selects the code path by it, as it
   * does by `fixed`. Undefined: upstream's fix (or bug).
   */
  mutant?: string;
  seed: number;
}

export interface CheckContext extends ScenarioContext {
  history: readonly HistoryEntry[];
}

export interface Invariant {
  name: string;
  /** Safety invariants hold at every point of the history; liveness ones at quiescence. */
  kind: 'safety' | 'liveness';
  check(ctx: CheckContext): Violation[] | Promise<Violation[]>;
}

/**
 * A premise of the workload ("the second claim update arrived while the eviction was in progress"). A
 * schedule on which it does not hold is vacuous: counted apart, neither a pass nor a violation.
 */
export interface Precondition {
  name: string;
  /** Undefined when it held; else what did not happen. */
  check(ctx: CheckContext): string | undefined | Promise<string | undefined>;
}

/**
 * A way the upstream fix itself still fails on a legitimate schedule: a finding, named and counted apart
 * from violations of the fixed variant, never hidden by narrowing exploration.
 */
export interface KnownLimitation {
  name: string;
  /** What goes wrong, and why upstream's fix does not cover it. */
  description: string;
  /** An upstream issue or PR about it, when there is one. */
  upstream?: string;
  /** Whether this violation of the fixed variant is this limitation. */
  matches(v: Violation, history: readonly HistoryEntry[]): boolean;
}

/**
 * A small named change of the fixed code path. A `mutant` breaks the fix (or half-fixes it) and must be
 * killed: some explored schedule violates an invariant. An `equivalent` fix is a different correct fix
 * and must hold on every schedule. Both run as the fixed variant with ScenarioContext.mutant set.
 */
export interface Mutant {
  name: string;
  kind: 'mutant' | 'equivalent';
  /** What the change is, in the component's terms. */
  description: string;
}

export interface ScenarioCase {
  name: string;
  /**
   * A documented race ('race', the default) has a buggy and a fixed variant. A controller's property case
   * ('property', scenarios/controllers) has only `fixed`: the re-implemented controller as upstream writes
   * it, whose own invariants must hold on every explored schedule; its mutants break the controller.
   */
  kind?: 'race' | 'property';
  title: string;
  upstream: Upstream;
  /** What the buggy variant shows and what the fix changes. */
  description: string;
  /** Simulated time the run may cover, at most (default: 10 minutes). */
  horizonMs?: number;
  /** Extra API servers the case needs (clusterctl move: a target). */
  servers?: number;
  /** The servers share one store, each behind its own watch cache that the strategy may hold (stale reads). */
  sharedStorage?: boolean;
  /** Actors that retry failed requests as upstream's do (controllers): the faults strategy may fail theirs. */
  faultTolerant?: readonly string[];
  /** Actors, rules and steps. Returns once the steps are done; the runner then waits for quiescence. */
  run(ctx: ScenarioContext): Promise<void>;
  invariants: Invariant[];
  preconditions?: Precondition[];
  /** Ways the fixed variant still fails upstream (see KnownLimitation). */
  knownLimitations?: KnownLimitation[];
  /** Broken fixes that must be killed and different correct fixes that must hold (see Mutant). */
  mutants?: Mutant[];
}

/** The variants of a case a request for `buggy`, `fixed` or `both` selects: a property case has no buggy one. */
export function caseVariants(c: ScenarioCase, requested: Variant | 'both'): Variant[] {
  const own: Variant[] = c.kind === 'property' ? ['fixed'] : ['buggy', 'fixed'];
  return requested === 'both' ? own : own.filter((v) => v === requested);
}

export interface RunResult {
  scenario: string;
  variant: Variant;
  /** The mutant or equivalent fix that ran in place of upstream's fix, if any. */
  mutant?: string;
  seed: number;
  /** Some invariant was violated: the race happened. */
  reproduced: boolean;
  /** What the variant should show: the buggy one reproduces, the fixed one does not. */
  expected: boolean;
  ok: boolean;
  durationMs: number;
  violations: Violation[];
  /** Violations of the fixed variant that are known limitations of the upstream fix (not in violations). */
  limitations?: (Violation & { limitation: string })[];
  /** Set when a precondition of the workload did not hold: the preconditions and what did not happen. */
  vacuous?: string[];
  /** Set when the run itself failed (an exception outside the race). */
  error?: string;
}
