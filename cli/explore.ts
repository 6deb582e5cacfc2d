// `racelab explore` and `racelab scenario replay`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import { cases, findCase } from '../scenarios/cases/index.ts';
import { exploreOne, mergeRows, scheduleFileName, settleBuggyVerdicts, type ExploreRow } from '../scenarios/engine/explore.ts';
import { explainRun } from '../scenarios/engine/explain.ts';
import { htmlTimeline, textTimeline } from '../scenarios/engine/report.ts';
import { explorationStrategies, type Decision, type ScheduleFile, type StrategyName } from '../scenarios/engine/schedule.ts';
import { replay } from '../scenarios/engine/shrink.ts';
import { caseVariants, type ScenarioCase } from '../scenarios/engine/types.ts';
import { provenance } from './provenance.ts';

export interface ExploreCliOptions {
  shard?: { index: number; count: number };
  variant: 'buggy' | 'fixed' | 'both';
  strategy: StrategyName | 'all';
  schedules: number;
  depth: number;
  seed: number;
  json?: boolean;
  report?: string;
  save?: string;
}

function selectCases(target: string): ScenarioCase[] | undefined {
  if (target === 'all') return [...cases];
  const c = findCase(target);
  return c ? [c] : undefined;
}

function writeJson(dir: string, s: ScheduleFile): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, scheduleFileName(s));
  writeFileSync(path, `${JSON.stringify(s, null, 2)}\n`);
  return path;
}

async function writeMinimalReport(dir: string, c: ScenarioCase, s: ScheduleFile): Promise<string> {
  const out = await replay(c, s.variant, s.seed, s.decisions, s.strategy);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, scheduleFileName(s).replace(/\.json$/, '.html'));
  writeFileSync(path, htmlTimeline(out.report));
  return path;
}

function table(rows: readonly ExploreRow[]): string {
  const head = ['scenario', 'variant', 'strategy', 'schedules', 'violating', 'vacuous', 'errors', 'known', 'first', 'ok', 'time'];
  const known = (r: ExploreRow): string => String((r.knownLimitations ?? []).reduce((n, l) => n + l.schedules, 0));
  const body = rows.map((r) => [r.scenario, r.variant, r.strategy, String(r.schedules), String(r.violating), String(r.vacuous), String(r.errors), known(r), r.firstViolation === null ? '-' : String(r.firstViolation), r.ok ? 'ok' : 'FAIL', `${(r.durationMs / 1000).toFixed(1)} s`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

export async function explore(target: string, opts: ExploreCliOptions): Promise<number> {
  const selected = selectCases(target);
  if (!selected) {
    console.error(`error: unknown scenario "${target}"; try: racelab scenario list`);
    return 2;
  }
  const strategies: StrategyName[] = opts.strategy === 'all' ? [...explorationStrategies] : [opts.strategy];
  const perRow = opts.shard ? Math.ceil((opts.schedules - opts.shard.index) / opts.shard.count) : opts.schedules;
  const total = selected.reduce((n, c) => n + caseVariants(c, opts.variant).length, 0) * strategies.length * perRow;
  const tty = process.stderr.isTTY;
  const bar = tty ? new SingleBar({ format: ' {bar} {value}/{total} {row}', stream: process.stderr, hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(total, 0, { row: '' });
  const rows: ExploreRow[] = [];
  const prov = provenance();
  for (const c of selected) {
    for (const variant of caseVariants(c, opts.variant)) {
      for (const strategy of strategies) {
        const label = `${c.name} ${variant} ${strategy}`;
        let last = 0;
        const row = await exploreOne(c, variant, strategy, {
          schedules: opts.schedules,
          baseSeed: opts.seed,
          depth: opts.depth,
          provenance: prov,
          ...(opts.shard ? { shard: opts.shard } : {}),
          onSchedule: (done) => {
            bar?.increment(done - last, { row: label });
            last = done;
          },
        });
        if (!tty) process.stderr.write(`${label}: ${row.violating}/${row.schedules} violating, ${row.vacuous} vacuous, ${row.errors} errors\n`);
        rows.push(row);
      }
    }
  }
  bar?.stop();
  settleBuggyVerdicts(rows);

  for (const r of rows) {
    const c = selected.find((x) => x.name === r.scenario) as ScenarioCase;
    if (opts.save && r.failingSchedule) writeJson(opts.save, r.failingSchedule);
    if (opts.save && r.minimalSchedule) writeJson(opts.save, r.minimalSchedule);
    if (opts.report && r.minimalSchedule) await writeMinimalReport(opts.report, c, r.minimalSchedule);
    for (const l of r.knownLimitations ?? []) {
      if (opts.save && l.minimalSchedule) writeJson(opts.save, l.minimalSchedule);
      if (opts.report && l.minimalSchedule) await writeMinimalReport(opts.report, c, l.minimalSchedule);
    }
  }

  return printRows(rows, selected, opts);
}

function printRows(rows: ExploreRow[], selected: readonly ScenarioCase[], opts: { json?: boolean }): Promise<number> | number {
  if (opts.json) {
    console.log(JSON.stringify({ results: rows }, null, 2));
    return exitFor(rows);
  }
  return printTable(rows, selected);
}

const exitFor = (rows: readonly ExploreRow[]): number => (rows.length > 0 && rows.every((r) => r.ok) ? 0 : 1);

/** `racelab explore merge FILES…`: one verdict from the --json outputs of a campaign's shards. */
export async function mergeCommand(files: readonly string[], opts: { json?: boolean }): Promise<number> {
  const parts: ExploreRow[][] = [];
  for (const f of files) {
    let doc: { results?: unknown };
    try {
      doc = JSON.parse(readFileSync(f, 'utf8')) as { results?: unknown };
    } catch (e) {
      console.error(`error: cannot read ${f}: ${(e as Error).message}`);
      return 2;
    }
    if (!Array.isArray(doc.results)) {
      console.error(`error: ${f} is not the --json output of racelab explore (no "results" list)`);
      return 2;
    }
    parts.push(doc.results as ExploreRow[]);
  }
  const rows = mergeRows(parts);
  return printRows(rows, cases.filter((c) => rows.some((r) => r.scenario === c.name)), opts);
}

async function printTable(rows: ExploreRow[], selected: readonly ScenarioCase[]): Promise<number> {
  {
    console.log(table(rows));
    for (const r of rows) {
      if (!r.minimalSchedule && !r.firstError && !r.knownLimitations) continue;
      console.log(`\n${r.scenario} ${r.variant} ${r.strategy}:`);
      for (const l of r.knownLimitations ?? []) {
        const c = selected.find((x) => x.name === r.scenario)?.knownLimitations?.find((k) => k.name === l.name);
        console.log(`  known limitation ${l.name} on ${l.schedules} schedule(s), first #${l.firstSchedule}${c?.upstream ? ` (${c.upstream})` : ''}: ${c?.description ?? ''}`);
        for (const d of l.minimalSchedule?.described ?? []) console.log(`    - ${d}`);
      }
      if (r.firstError) console.log(`  first error: ${r.firstError}`);
      const m = r.minimalSchedule;
      if (m) {
        for (const v of m.violations ?? []) console.log(`  ✗ ${v.invariant}: ${v.message}`);
        console.log(`  minimal schedule (seed ${m.seed}, ${m.decisions.length} decision(s), ${r.failingSchedule?.decisions.length ?? 0} before shrinking):`);
        for (const d of m.described ?? []) console.log(`    - ${d}`);
        // One case: show the race itself, on the minimal schedule's timeline.
        if (selected.length === 1) {
          const c = selected[0] as ScenarioCase;
          console.log(explainRun(await replay(c, m.variant, m.seed, m.decisions, m.strategy), { color: process.stdout.isTTY }));
        }
      }
    }
    const bad = rows.filter((r) => !r.ok).length;
    console.log(`\n${rows.length - bad} passed, ${bad} failed`);
  }
  return exitFor(rows);
}

// --- replay ---

const requestKey = z.object({ server: z.number().int(), actor: z.string(), verb: z.string(), resource: z.string(), namespace: z.string().optional(), name: z.string().optional(), n: z.number().int() });
const deliveryKey = z.object({ server: z.number().int(), actor: z.string(), resource: z.string(), eventType: z.string(), namespace: z.string().optional(), name: z.string().optional(), n: z.number().int() });
const decision = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('admit'), request: requestKey, passedOver: z.number().int(), joined: z.boolean(), with: requestKey.optional() }),
  z.object({ kind: z.literal('deliver'), delivery: deliveryKey, steps: z.number().int() }),
  z.object({ kind: z.literal('timer'), timer: z.object({ atMs: z.number(), n: z.number().int() }), early: z.number().int() }),
  z.object({ kind: z.literal('tie'), atMs: z.number(), n: z.number().int(), rank: z.number().int(), of: z.number().int() }),
  z.object({ kind: z.literal('fault'), request: requestKey, fault: z.enum(['error500', 'throttle429', 'conflict409', 'expired410']) }),
  z.object({ kind: z.literal('drop'), delivery: deliveryKey }),
  z.object({ kind: z.literal('crash'), request: requestKey }),
  z.object({ kind: z.literal('cache'), server: z.number().int(), revision: z.number().int(), steps: z.number().int() }),
]);
const scheduleFileSchema = z.object({
  racelab: z.object({ version: z.string(), commit: z.string().optional() }),
  scenario: z.string(),
  variant: z.enum(['buggy', 'fixed']),
  strategy: z.enum(['default', 'random', 'pct', 'faults']),
  seed: z.number().int(),
  depth: z.number().int().optional(),
  shrunkFrom: z.string().optional(),
  decisions: z.array(decision),
  described: z.array(z.string()).optional(),
  violations: z.array(z.object({ invariant: z.string(), message: z.string() })).optional(),
});

export function readScheduleFile(path: string): ScheduleFile {
  const parsed = scheduleFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a racelab schedule file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data as ScheduleFile;
}

/** The first place two decision lists differ, in words, or undefined. */
export function divergence(want: readonly Decision[], got: readonly Decision[]): string | undefined {
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    const a = JSON.stringify(want[i] ?? null);
    const b = JSON.stringify(got[i] ?? null);
    if (a !== b) return `decision ${i + 1}: the file has ${a}, the replay took ${b}`;
  }
  return undefined;
}

export async function replayCommand(file: string, opts: { json?: boolean; report?: string }): Promise<number> {
  let s: ScheduleFile;
  try {
    s = readScheduleFile(file);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 2;
  }
  const c = findCase(s.scenario);
  if (!c) {
    console.error(`error: the schedule is for scenario "${s.scenario}", which this racelab does not have`);
    return 2;
  }
  const out = await replay(c, s.variant, s.seed, s.decisions, s.strategy);
  const diverged = divergence(s.decisions, out.decisions);
  const want = new Set((s.violations ?? []).map((v) => v.invariant));
  const got = new Set([...out.result.violations, ...(out.result.limitations ?? [])].map((v) => v.invariant));
  const sameVerdict = want.size === got.size && [...want].every((v) => got.has(v));
  if (opts.report) {
    mkdirSync(opts.report, { recursive: true });
    writeFileSync(join(opts.report, `${s.scenario}-${s.variant}-replay-seed${s.seed}.html`), htmlTimeline(out.report));
  }
  if (opts.json) {
    console.log(JSON.stringify({ scenario: s.scenario, variant: s.variant, seed: s.seed, reproduced: out.result.reproduced, violations: out.result.violations, sameVerdict, diverged: diverged ?? null, error: out.result.error ?? null }, null, 2));
  } else {
    console.log(`${s.scenario} ${s.variant} seed ${s.seed}, ${s.decisions.length} decision(s): ${out.result.reproduced ? 'violated' : 'held'}`);
    for (const v of out.result.violations) console.log(`  ✗ ${v.invariant}: ${v.message}`);
    if (out.result.error) console.log(`  error: ${out.result.error.split('\n')[0] ?? ''}`);
    if (diverged) console.log(`  the replay diverged from the file at ${diverged}`);
    if (!sameVerdict) console.log(`  the file recorded ${[...want].join(', ') || 'no violation'}; the replay got ${[...got].join(', ') || 'no violation'}`);
    if (out.result.reproduced) console.log(textTimeline(out.report, { limit: 40, color: process.stdout.isTTY }));
  }
  return !diverged && sameVerdict && !out.result.error ? 0 : 1;
}
