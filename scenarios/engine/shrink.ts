// Shrinking a failing schedule (Zeller & Hildebrandt's ddmin, TSE 2002): try reverting chunks of its
// decisions to their defaults, keep every reduction that still violates one of the same invariants, refine
// the chunks, and finish with a pass that tries every single decision, until none can be reverted without
// the violation going away (1-minimal). After each kept reduction the decisions the replay actually took
// become the current schedule, so the result is always a schedule that replays as it is.
import { runCase, type RunOutput } from './runner.ts';
import type { Decision, StrategyName } from './schedule.ts';
import type { ScenarioCase, Variant } from './types.ts';

export interface Shrunk {
  decisions: Decision[];
  out: RunOutput;
  /** Replays tried. */
  tries: number;
}

/** Replays `decisions` (defaults elsewhere) with the hints off. */
export function replay(c: ScenarioCase, variant: Variant, seed: number, decisions: readonly Decision[], strategy: StrategyName): Promise<RunOutput> {
  return runCase(c, variant, seed, { strategy, replay: decisions, hints: false });
}

/** Whether a run violates one of `invariants` (and did not fail outside the race). */
export function violatesAny(out: RunOutput, invariants: ReadonlySet<string>): boolean {
  return !out.result.error && !out.result.vacuous && out.result.violations.some((v) => invariants.has(v.invariant));
}

/** Whether a run shows one of the known limitations `names` (and did not fail outside the race). */
export function showsLimitation(out: RunOutput, names: ReadonlySet<string>): boolean {
  return !out.result.error && !out.result.vacuous && (out.result.limitations ?? []).some((l) => names.has(l.limitation));
}

/** The failure a shrink keeps: the same invariants violated, or the same known limitations shown. */
export function sameFailure(failing: RunOutput): (out: RunOutput) => boolean {
  if (failing.result.violations.length > 0) {
    const invariants = new Set(failing.result.violations.map((v) => v.invariant));
    return (out) => violatesAny(out, invariants);
  }
  const names = new Set((failing.result.limitations ?? []).map((l) => l.limitation));
  return (out) => showsLimitation(out, names);
}

export async function shrink(c: ScenarioCase, variant: Variant, seed: number, failing: RunOutput, strategy: StrategyName, maxTries = 400): Promise<Shrunk> {
  const fails = sameFailure(failing);
  let current = { decisions: failing.decisions, out: failing };
  let tries = 0;
  const attempt = async (candidate: Decision[]): Promise<boolean> => {
    if (tries >= maxTries) return false;
    tries++;
    const out = await replay(c, variant, seed, candidate, strategy);
    if (!fails(out)) return false;
    current = { decisions: out.decisions, out };
    return true;
  };

  let n = 2;
  while (current.decisions.length >= 2 && tries < maxTries) {
    const ds = current.decisions;
    const size = Math.ceil(ds.length / n);
    let reduced = false;
    for (let start = 0; start < ds.length; start += size) {
      const complement = [...ds.slice(0, start), ...ds.slice(start + size)];
      if (await attempt(complement)) {
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= ds.length) break;
      n = Math.min(ds.length, n * 2);
    }
  }
  // The loop ends at chunks of one decision with none removable: every single decision was tried (1-minimal).
  if (current.decisions.length === 1 && tries < maxTries) await attempt([]);
  return { decisions: current.decisions, out: current.out, tries };
}
