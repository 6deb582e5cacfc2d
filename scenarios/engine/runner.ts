// Runs a case for one variant and one seed in a fresh world, waits for quiescence, checks invariants.
// The strategy chooses the schedule (default: arrival order, with the case's hints installed); the
// decisions it took come back with the result, so the run can be replayed.
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import type { Logger } from '../../apiserver/machinery/log.ts';
import { SeededRandom } from '../../apiserver/machinery/random.ts';
import type { RunReport, Violation } from './report.ts';
import type { Decision, StrategyName } from './schedule.ts';
import { liveStrategy, ReplayStrategy, defaultTuning, type Strategy, type StrategyTuning } from './strategy.ts';
import { caseVariants, type RunResult, type ScenarioCase, type ScenarioContext, type Variant } from './types.ts';
import { World } from './world.ts';

/** Simulated time a case may cover unless it says otherwise. */
export const defaultHorizonMs = 10 * 60_000;

export interface RunOutput {
  result: RunResult;
  report: RunReport;
  /** The non-default decisions of the run, in the order they were taken. */
  decisions: Decision[];
  /** Steps the door took. */
  steps: number;
}

export interface RunOptions {
  logger?: Logger;
  /** Who chooses the schedule (default 'default'). */
  strategy?: StrategyName;
  tuning?: StrategyTuning;
  /** Replay these decisions (defaults elsewhere) instead of drawing them. */
  replay?: readonly Decision[];
  /** Install the case's hints; default: only under the default strategy without a replay. */
  hints?: boolean;
  /** Test-only: the names the door knows actors by. */
  actorAlias?: (actor: string) => string;
  /** Run one of the case's mutants or equivalent fixes (the fixed variant with it in place of the fix). */
  mutant?: string;
}

/** The strategy's own random stream: derived from the seed, apart from the one the world's parts draw from. */
export function strategySeed(seed: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x5eed5eed) >>> 0;
}

function strategyFor(seed: number, opts: RunOptions): Strategy {
  const name = opts.strategy ?? 'default';
  if (opts.replay) return new ReplayStrategy(opts.replay, name);
  return liveStrategy(name, new SeededRandom(strategySeed(seed)), opts.tuning ?? defaultTuning);
}

export async function runCase(c: ScenarioCase, variant: Variant, seed: number, opts: RunOptions = {}): Promise<RunOutput> {
  const started = performance.now();
  const strategy = strategyFor(seed, opts);
  const hints = opts.hints ?? (strategy.name === 'default' && !opts.replay);
  const world = await World.create({ seed, servers: c.servers ?? 1, logger: opts.logger, strategy, hints, faultTolerant: c.faultTolerant, sharedStorage: c.sharedStorage, ...(opts.actorAlias ? { actorAlias: opts.actorAlias } : {}) });
  if (opts.mutant !== undefined && !(c.mutants ?? []).some((m) => m.name === opts.mutant)) throw new Error(`${c.name} has no mutant "${opts.mutant}"`);
  if (opts.mutant !== undefined && variant !== 'fixed') throw new Error('a mutant replaces the fix: run it as the fixed variant');
  if (!caseVariants(c, variant).length) throw new Error(`${c.name} is a property case: it has only the fixed variant`);
  const ctx: ScenarioContext = { world, variant, fixed: variant === 'fixed', seed, ...(opts.mutant !== undefined ? { mutant: opts.mutant } : {}) };
  const violations: Violation[] = [];
  const vacuous: string[] = [];
  const limitations: (Violation & { limitation: string })[] = [];
  let error: string | undefined;
  let history: HistoryEntry[] = [];
  try {
    await c.run(ctx);
    await world.runQuiet(c.horizonMs ?? defaultHorizonMs);
    history = [...world.history.entries()];
    for (const inv of c.invariants) {
      for (const v of await inv.check({ ...ctx, history })) violations.push({ ...v, invariant: v.invariant || inv.name });
    }
    // A violation of the fixed variant that is a known limitation of upstream's fix is counted apart.
    if (variant === 'fixed' && c.knownLimitations) {
      for (let i = violations.length - 1; i >= 0; i--) {
        const v = violations[i] as Violation;
        const lim = c.knownLimitations.find((l) => l.matches(v, history));
        if (!lim) continue;
        limitations.unshift({ ...v, limitation: lim.name });
        violations.splice(i, 1);
      }
    }
    for (const p of c.preconditions ?? []) {
      const why = await p.check({ ...ctx, history });
      if (why !== undefined) vacuous.push(`${p.name}: ${why}`);
    }
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    history = [...world.history.entries()];
  } finally {
    await world.close();
  }
  const reproduced = violations.length > 0;
  const expected = variant === 'buggy';
  const durationMs = Math.round(performance.now() - started);
  // A vacuous run says nothing about the race: never a pass, never a reproduction.
  const result: RunResult = {
    scenario: c.name,
    variant,
    ...(opts.mutant !== undefined ? { mutant: opts.mutant } : {}),
    seed,
    reproduced,
    expected,
    ok: !error && vacuous.length === 0 && reproduced === expected,
    durationMs,
    violations,
    ...(limitations.length > 0 ? { limitations } : {}),
    ...(vacuous.length > 0 ? { vacuous } : {}),
    ...(error ? { error } : {}),
  };
  const report: RunReport = { scenario: c.name, variant, seed, reproduced, expected, ok: result.ok, durationMs, violations, history, description: c.description, upstream: c.upstream.url, objects: world.objects?.versions() ?? [], actorStores: Object.fromEntries([...world.actorStores].map(([a, s]) => [a, [...s].sort((x, y) => x - y)])) };
  // A replay reports the recorded decisions it used (a schedule with some reverted may not use them all).
  const decisions = strategy instanceof ReplayStrategy ? [...strategy.taken] : [...world.door.decisions];
  return { result, report, decisions, steps: world.door.stepCount };
}
