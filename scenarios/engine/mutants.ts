// Mutation testing of the verdicts: each mutant of a case (a broken or half fix, run in place of upstream's
// fix) must be killed by some explored schedule; each equivalent fix (a different correct fix) must hold on
// every schedule of every strategy. A case whose mutant survives has an invariant that is too weak or a
// workload that never reaches the race.
import { estimateSteps } from './explore.ts';
import { runCase } from './runner.ts';
import { explorationStrategies, type StrategyName } from './schedule.ts';
import { defaultTuning } from './strategy.ts';
import type { Mutant, ScenarioCase } from './types.ts';

export interface MutantRow {
  scenario: string;
  mutant: string;
  kind: Mutant['kind'];
  /** Some schedule violated an invariant. */
  killed: boolean;
  /** 1-based index of the first violating schedule, counting the strategies in order, or null. */
  firstViolation: number | null;
  /** Schedules run (a mutant stops at its first kill). */
  schedules: number;
  /** The strategy and seed of the first kill, and what it violated. */
  killedBy?: { strategy: StrategyName; seed: number; violations: { invariant: string; message: string }[] };
  /** Schedules whose run failed outside the race (an equivalent fix must have none). */
  errors: number;
  firstError?: string;
  /** Mutants killed, equivalent fixes held without errors. */
  ok: boolean;
  durationMs: number;
}

export interface MutantOptions {
  /** Schedules per strategy. */
  schedules: number;
  baseSeed: number;
  depth: number;
  onSchedule?: () => void;
}

export async function exploreMutant(c: ScenarioCase, m: Mutant, opts: MutantOptions): Promise<MutantRow> {
  const started = performance.now();
  const row: MutantRow = { scenario: c.name, mutant: m.name, kind: m.kind, killed: false, firstViolation: null, schedules: 0, errors: 0, ok: false, durationMs: 0 };
  outer: for (const strategy of explorationStrategies) {
    const tuning = { ...defaultTuning, depth: opts.depth, steps: strategy === 'pct' ? await estimateSteps(c, 'fixed') : defaultTuning.steps };
    for (let i = 1; i <= opts.schedules; i++) {
      const seed = opts.baseSeed + i - 1;
      const out = await runCase(c, 'fixed', seed, { strategy, tuning, hints: false, mutant: m.name });
      row.schedules++;
      opts.onSchedule?.();
      if (out.result.error) {
        row.errors++;
        row.firstError ??= `${strategy} seed ${seed}: ${out.result.error.split('\n')[0] ?? ''}`;
        continue;
      }
      if (out.result.vacuous || !out.result.reproduced) continue;
      row.killed = true;
      row.firstViolation ??= row.schedules;
      row.killedBy ??= { strategy, seed, violations: out.result.violations.map((v) => ({ invariant: v.invariant, message: v.message })) };
      if (m.kind === 'mutant') break outer;
    }
  }
  row.ok = m.kind === 'mutant' ? row.killed : !row.killed && row.errors === 0;
  row.durationMs = Math.round(performance.now() - started);
  return row;
}
