// Exploration: run a case under a strategy for N schedules (seeds base, base+1, …), count the violating,
// vacuous and erroring ones, keep the first failing schedule and shrink it. Hints are never installed: the
// strategy has to find the interleaving by itself.
import { runCase, type RunOutput } from './runner.ts';
import { describeDecision, type Decision, type ScheduleFile, type StrategyName } from './schedule.ts';
import { shrink } from './shrink.ts';
import { defaultTuning, type StrategyTuning } from './strategy.ts';
import type { ScenarioCase, Variant } from './types.ts';

export interface ExploreOptions {
  schedules: number;
  /** The first seed; schedule i (1-based) runs seed base + i − 1. */
  baseSeed: number;
  /** PCT's depth. */
  depth: number;
  /** Shrink the first failing schedule (default true). */
  shrink?: boolean;
  /** racelab's version and commit, written into schedule files. */
  provenance: ScheduleFile['racelab'];
  /** Called after every schedule. */
  onSchedule?: (done: number) => void;
  /** Test-only: the names the door knows actors by (admission.ts DoorOptions.actorAlias). */
  actorAlias?: (actor: string) => string;
  /** Run only the schedules i with (i − 1) mod count = index: one of `count` disjoint slices (0-based). */
  shard?: Shard;
}

export interface Shard {
  index: number;
  count: number;
}

export interface ExploreRow {
  scenario: string;
  variant: Variant;
  strategy: StrategyName;
  /** Schedules run (in a shard: this shard's). */
  schedules: number;
  /** Set when the row is one slice of a campaign ("I/N", 0-based I): merge the slices with mergeRows. */
  shard?: string;
  violating: number;
  vacuous: number;
  errors: number;
  /** 1-based index of the first violating schedule, or null. */
  firstViolation: number | null;
  ok: boolean;
  durationMs: number;
  failingSchedule?: ScheduleFile;
  minimalSchedule?: ScheduleFile;
  /** The first error, when a schedule's run failed outside the race. */
  firstError?: string;
  /** Fixed variant: schedules on which upstream's fix showed a known limitation, per limitation. */
  knownLimitations?: { name: string; schedules: number; firstSchedule: number; minimalSchedule?: ScheduleFile }[];
}

export function scheduleFile(c: ScenarioCase, variant: Variant, strategy: StrategyName, seed: number, out: RunOutput, opts: { provenance: ScheduleFile['racelab']; depth?: number; decisions?: Decision[] }): ScheduleFile {
  const decisions = opts.decisions ?? out.decisions;
  return {
    racelab: opts.provenance,
    scenario: c.name,
    variant,
    strategy,
    seed,
    ...(strategy === 'pct' && opts.depth !== undefined ? { depth: opts.depth } : {}),
    decisions,
    described: decisions.map(describeDecision),
    violations: [...out.result.violations, ...(out.result.limitations ?? [])].map((v) => ({ invariant: v.invariant, message: v.message })),
  };
}

/** PCT's k: the steps of one run of the case under the default schedule. */
export async function estimateSteps(c: ScenarioCase, variant: Variant): Promise<number> {
  const out = await runCase(c, variant, 1, { strategy: 'default', hints: false });
  // Steps do not depend on names (the default order is arrival order), so no alias is needed here.
  return Math.max(1, out.steps);
}

export async function exploreOne(c: ScenarioCase, variant: Variant, strategy: StrategyName, opts: ExploreOptions): Promise<ExploreRow> {
  const started = performance.now();
  const tuning: StrategyTuning = { ...defaultTuning, depth: opts.depth, steps: strategy === 'pct' ? await estimateSteps(c, variant) : defaultTuning.steps };
  const shard = opts.shard;
  const mine = (i: number): boolean => !shard || (i - 1) % shard.count === shard.index;
  let count = 0;
  for (let i = 1; i <= opts.schedules; i++) if (mine(i)) count++;
  const row: ExploreRow = { scenario: c.name, variant, strategy, schedules: count, ...(shard ? { shard: `${shard.index}/${shard.count}` } : {}), violating: 0, vacuous: 0, errors: 0, firstViolation: null, ok: false, durationMs: 0 };
  let first: { seed: number; out: RunOutput } | undefined;
  const limits = new Map<string, { name: string; schedules: number; firstSchedule: number; seed: number; out: RunOutput }>();
  let ran = 0;
  for (let i = 1; i <= opts.schedules; i++) {
    if (!mine(i)) continue;
    ran++;
    const seed = opts.baseSeed + i - 1;
    const out = await runCase(c, variant, seed, { strategy, tuning, hints: false, ...(opts.actorAlias ? { actorAlias: opts.actorAlias } : {}) });
    if (out.result.error) {
      row.errors++;
      row.firstError ??= `seed ${seed}: ${out.result.error.split('\n')[0] ?? ''}`;
    } else if (out.result.vacuous) {
      row.vacuous++;
    } else if (out.result.reproduced) {
      row.violating++;
      row.firstViolation ??= i;
      first ??= { seed, out };
    }
    for (const name of new Set((out.result.limitations ?? []).map((l) => l.limitation))) {
      const lim = limits.get(name);
      if (lim) lim.schedules++;
      else limits.set(name, { name, schedules: 1, firstSchedule: i, seed, out });
    }
    opts.onSchedule?.(ran);
  }
  if (first) {
    row.failingSchedule = scheduleFile(c, variant, strategy, first.seed, first.out, { provenance: opts.provenance, depth: opts.depth });
    if (opts.shrink !== false) {
      const minimal = await shrink(c, variant, first.seed, first.out, strategy);
      row.minimalSchedule = { ...scheduleFile(c, variant, strategy, first.seed, minimal.out, { provenance: opts.provenance, depth: opts.depth, decisions: minimal.decisions }), shrunkFrom: `${c.name}-${variant}-${strategy}-seed${first.seed}.json` };
    }
  }
  if (limits.size > 0) {
    row.knownLimitations = [];
    for (const l of limits.values()) {
      const entry: NonNullable<ExploreRow['knownLimitations']>[number] = { name: l.name, schedules: l.schedules, firstSchedule: l.firstSchedule };
      if (opts.shrink !== false) {
        const minimal = await shrink(c, variant, l.seed, l.out, strategy);
        entry.minimalSchedule = { ...scheduleFile(c, variant, strategy, l.seed, minimal.out, { provenance: opts.provenance, depth: opts.depth, decisions: minimal.decisions }), shrunkFrom: `${c.name}-${variant}-${strategy}-seed${l.seed}.json` };
      }
      row.knownLimitations.push(entry);
    }
  }
  row.ok = variant === 'fixed' ? row.violating === 0 && row.errors === 0 : row.violating > 0;
  row.durationMs = Math.round(performance.now() - started);
  return row;
}

/** Buggy rows are ok when some strategy of that case and variant found a violation. */
export function settleBuggyVerdicts(rows: ExploreRow[]): void {
  for (const r of rows) {
    if (r.variant !== 'buggy') continue;
    r.ok = rows.some((o) => o.scenario === r.scenario && o.variant === 'buggy' && o.violating > 0);
  }
}

/**
 * Merges the rows of several shards of one campaign (racelab explore merge): per (scenario, variant,
 * strategy) the counts add up, the first violation is the smallest, its schedules are kept, and the
 * verdicts are settled again as for one run.
 */
export function mergeRows(parts: readonly ExploreRow[][]): ExploreRow[] {
  const byKey = new Map<string, ExploreRow>();
  for (const rows of parts) {
    for (const r of rows) {
      const key = `${r.scenario}\u0000${r.variant}\u0000${r.strategy}`;
      const m = byKey.get(key);
      if (!m) {
        const { shard: _shard, ...rest } = r;
        byKey.set(key, { ...rest, knownLimitations: r.knownLimitations ? [...r.knownLimitations] : undefined });
        continue;
      }
      m.schedules += r.schedules;
      m.violating += r.violating;
      m.vacuous += r.vacuous;
      m.errors += r.errors;
      m.durationMs += r.durationMs;
      m.firstError ??= r.firstError;
      if (r.firstViolation !== null && (m.firstViolation === null || r.firstViolation < m.firstViolation)) {
        m.firstViolation = r.firstViolation;
        m.failingSchedule = r.failingSchedule;
        m.minimalSchedule = r.minimalSchedule;
      }
      for (const l of r.knownLimitations ?? []) {
        m.knownLimitations ??= [];
        const have = m.knownLimitations.find((x) => x.name === l.name);
        if (!have) m.knownLimitations.push({ ...l });
        else {
          have.schedules += l.schedules;
          if (l.firstSchedule < have.firstSchedule) Object.assign(have, { firstSchedule: l.firstSchedule, minimalSchedule: l.minimalSchedule });
        }
      }
    }
  }
  const rows = [...byKey.values()].map((r) => {
    if (r.knownLimitations === undefined) delete r.knownLimitations;
    if (r.firstError === undefined) delete r.firstError;
    return { ...r, ok: r.variant === 'fixed' ? r.violating === 0 && r.errors === 0 : r.violating > 0 };
  });
  settleBuggyVerdicts(rows);
  return rows;
}

/** The file a schedule is saved under. */
export function scheduleFileName(s: ScheduleFile): string {
  return `${s.scenario}-${s.variant}-${s.strategy}-seed${s.seed}${s.shrunkFrom ? '-minimal' : ''}.json`;
}
