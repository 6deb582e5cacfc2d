// Runs a case for one variant and one seed in a fresh world, waits for quiescence, checks invariants.
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import type { Logger } from '../../apiserver/machinery/log.ts';
import type { RunReport, Violation } from './report.ts';
import type { RunResult, ScenarioCase, ScenarioContext, Variant } from './types.ts';
import { World } from './world.ts';

/** Simulated time a case may cover unless it says otherwise. */
export const defaultHorizonMs = 10 * 60_000;

export interface RunOutput {
  result: RunResult;
  report: RunReport;
}

export async function runCase(c: ScenarioCase, variant: Variant, seed: number, logger?: Logger): Promise<RunOutput> {
  const started = performance.now();
  const world = await World.create({ seed, servers: c.servers ?? 1, logger });
  const ctx: ScenarioContext = { world, variant, fixed: variant === 'fixed', seed };
  const violations: Violation[] = [];
  let error: string | undefined;
  let history: HistoryEntry[] = [];
  try {
    await c.run(ctx);
    await world.runQuiet(c.horizonMs ?? defaultHorizonMs);
    history = [...world.history.entries()];
    for (const inv of c.invariants) {
      for (const v of await inv.check({ ...ctx, history })) violations.push({ ...v, invariant: v.invariant || inv.name });
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
  const result: RunResult = { scenario: c.name, variant, seed, reproduced, expected, ok: !error && reproduced === expected, durationMs, violations, ...(error ? { error } : {}) };
  const report: RunReport = { scenario: c.name, variant, seed, reproduced, expected, ok: result.ok, durationMs, violations, history, description: c.description, upstream: c.upstream.url };
  return { result, report };
}
