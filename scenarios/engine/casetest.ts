// Test support for scenario cases: the seeds every case runs, the verdict every run must have, and the
// history stripped of what may differ between two runs of one seed.
import assert from 'node:assert/strict';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import type { RunResult, Variant } from './types.ts';

/** Seeds 1..20: every buggy one must reproduce, every fixed one must hold. */
export const testSeeds: readonly number[] = Array.from({ length: 20 }, (_, i) => i + 1);

/** Generous: a run takes tens to hundreds of ms; this only catches a run that hangs on real time. */
export const runBudgetMs = 5_000;

/** A run ended without error, with the verdict its variant should have, within the budget. */
export function assertVerdict(result: RunResult, variant: Variant): void {
  assert.equal(result.error, undefined, result.error);
  const expectReproduced = variant === 'buggy';
  assert.equal(result.reproduced, expectReproduced, `${result.scenario} ${variant} seed ${result.seed}: ${expectReproduced ? 'the race did not reproduce' : JSON.stringify(result.violations)}`);
  assert.equal(result.ok, true);
  assert.ok(result.durationMs < runBudgetMs, `${result.scenario} ${variant} seed ${result.seed} took ${result.durationMs} ms`);
}

export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
}

/** The history without its timing field, for comparing two runs of one seed. */
export function untimed(history: readonly HistoryEntry[]): unknown[] {
  return history.map(({ realMs: _realMs, ...rest }) => rest);
}
