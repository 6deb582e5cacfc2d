// `racelab scenario mutants`: every mutant of a case killed, every equivalent fix holding.
import { SingleBar, Presets } from 'cli-progress';
import { cases, findCase } from '../scenarios/cases/index.ts';
import { exploreMutant, type MutantRow } from '../scenarios/engine/mutants.ts';
import { explorationStrategies } from '../scenarios/engine/schedule.ts';
import type { ScenarioCase } from '../scenarios/engine/types.ts';

export interface MutantsCliOptions {
  schedules: number;
  seed: number;
  depth: number;
  json?: boolean;
}

export async function mutantsCommand(target: string, opts: MutantsCliOptions): Promise<number> {
  const selected: ScenarioCase[] | undefined = target === 'all' ? [...cases] : findCase(target) ? [findCase(target) as ScenarioCase] : undefined;
  if (!selected) {
    console.error(`error: unknown scenario "${target}"; try: racelab scenario list`);
    return 2;
  }
  const all = selected.flatMap((c) => (c.mutants ?? []).map((m) => ({ c, m })));
  const tty = process.stderr.isTTY;
  const bar = tty ? new SingleBar({ format: ' {bar} {value}/{total} {row}', stream: process.stderr, hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(all.length * opts.schedules * explorationStrategies.length, 0, { row: '' });
  const rows: MutantRow[] = [];
  for (const { c, m } of all) {
    const row = await exploreMutant(c, m, { schedules: opts.schedules, baseSeed: opts.seed, depth: opts.depth, onSchedule: () => bar?.increment(1, { row: `${c.name} ${m.name}` }) });
    if (!tty) process.stderr.write(`${c.name} ${m.kind} ${m.name}: ${row.killed ? `killed at schedule ${row.firstViolation}` : 'survived'}${row.errors ? `, ${row.errors} errors` : ''}\n`);
    rows.push(row);
  }
  bar?.stop();
  if (opts.json) {
    console.log(JSON.stringify({ results: rows }, null, 2));
  } else {
    for (const c of selected) {
      const mine = rows.filter((r) => r.scenario === c.name);
      console.log(`\n${c.name}: ${mine.filter((r) => r.kind === 'mutant').length} mutants, ${mine.filter((r) => r.kind === 'equivalent').length} equivalent fixes`);
      for (const r of mine) {
        const m = c.mutants?.find((x) => x.name === r.mutant);
        const verdict = r.kind === 'mutant' ? (r.killed ? `killed at schedule ${r.firstViolation} (${r.killedBy?.strategy} seed ${r.killedBy?.seed}: ${r.killedBy?.violations.map((v) => v.invariant).join(', ')})` : `SURVIVED ${r.schedules} schedules`) : r.killed ? `VIOLATED at schedule ${r.firstViolation}: ${r.killedBy?.violations[0]?.message ?? ''}` : `held on ${r.schedules} schedules`;
        console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.kind.padEnd(10)} ${r.mutant}: ${verdict}${r.errors ? `; ${r.errors} errors (${r.firstError ?? ''})` : ''}`);
        if (m) console.log(`       ${m.description}`);
      }
    }
    const bad = rows.filter((r) => !r.ok).length;
    console.log(`\n${rows.length - bad} passed, ${bad} failed`);
  }
  return rows.every((r) => r.ok) ? 0 : 1;
}
