// `racelab scenario list` and `racelab scenario run`.
import { explainRun } from '../scenarios/engine/explain.ts';
import { writeReport } from '../scenarios/engine/report.ts';
import { writeReportIndex } from '../scenarios/engine/reportpages.ts';
import { runCase } from '../scenarios/engine/runner.ts';
import { caseVariants, type RunResult, type ScenarioCase } from '../scenarios/engine/types.ts';
import { cases, findCase } from '../scenarios/cases/index.ts';
import { CliError } from './errors.ts';
import { progress } from './progress.ts';

export function listScenarios(): void {
  const width = Math.max(...cases.map((c) => c.name.length));
  for (const c of cases) console.log(`${c.name.padEnd(width)}  ${c.title}  (${c.upstream.fix ? `${c.upstream.issue} → ${c.upstream.fix}` : `property of ${c.upstream.issue}`})`);
}

export interface RunOptions {
  variant: 'buggy' | 'fixed' | 'both';
  seeds?: number;
  seed?: number;
  json?: boolean;
  /** Only the results table: no race explanations for a single case. */
  quiet?: boolean;
  report?: string;
}

interface Summary {
  runs: number;
  ok: number;
  failed: number;
  byScenario: Record<string, { buggyReproduced: number; buggyRuns: number; fixedHeld: number; fixedRuns: number; medianMs: number }>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
}

function summarize(results: readonly RunResult[]): Summary {
  const byScenario: Summary['byScenario'] = {};
  for (const name of new Set(results.map((r) => r.scenario))) {
    const mine = results.filter((r) => r.scenario === name);
    const buggy = mine.filter((r) => r.variant === 'buggy');
    const fixed = mine.filter((r) => r.variant === 'fixed');
    byScenario[name] = {
      buggyReproduced: buggy.filter((r) => r.reproduced).length,
      buggyRuns: buggy.length,
      fixedHeld: fixed.filter((r) => !r.reproduced && r.ok).length,
      fixedRuns: fixed.length,
      medianMs: median(mine.map((r) => r.durationMs)),
    };
  }
  const ok = results.filter((r) => r.ok).length;
  return { runs: results.length, ok, failed: results.length - ok, byScenario };
}

export async function runScenarios(target: string, opts: RunOptions): Promise<number> {
  const selected: ScenarioCase[] = target === 'all' ? [...cases] : [findCase(target)].filter((c): c is ScenarioCase => !!c);
  if (selected.length === 0) throw new CliError(`unknown scenario "${target}"`, `racelab scenario list shows the names; or run all`);
  const seeds = opts.seed !== undefined ? [opts.seed] : Array.from({ length: opts.seeds ?? 1 }, (_, i) => i + 1);
  const total = selected.reduce((n, c) => n + caseVariants(c, opts.variant).length, 0) * seeds.length;
  const bar = progress(total);
  // One case asked for by name: show each race that reproduced, not only the table.
  const showRaces = !opts.json && !opts.quiet && selected.length === 1;
  const results: RunResult[] = [];
  for (const c of selected) {
    for (const variant of caseVariants(c, opts.variant)) {
      const mine: RunResult[] = [];
      for (const seed of seeds) {
        const out = await runCase(c, variant, seed);
        const { result, report } = out;
        results.push(result);
        mine.push(result);
        if (opts.report) writeReport(opts.report, report);
        bar.run(result);
        if (!opts.json && (!result.ok || (showRaces && result.reproduced))) bar.around(() => console.log(`\n${explainRun(out, { color: process.stdout.isTTY })}`));
      }
      bar.caseDone(mine);
    }
  }
  bar.stop();
  if (opts.report) writeReportIndex(opts.report);
  const summary = summarize(results);
  if (opts.json) {
    console.log(JSON.stringify({ results, summary }, null, 2));
  } else {
    console.log('\nscenario                           buggy reproduced   fixed held   median');
    for (const [name, s] of Object.entries(summary.byScenario)) {
      const buggy = s.buggyRuns ? `${s.buggyReproduced}/${s.buggyRuns}` : '-';
      const fixed = s.fixedRuns ? `${s.fixedHeld}/${s.fixedRuns}` : '-';
      console.log(`${name.padEnd(34)} ${buggy.padStart(16)} ${fixed.padStart(12)} ${`${s.medianMs} ms`.padStart(8)}`);
    }
    console.log(`\n${summary.ok} passed, ${summary.failed} failed`);
  }
  return summary.failed === 0 ? 0 : 1;
}
