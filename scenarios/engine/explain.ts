// "Show the race": for one run, what a person needs to see it — the verdict, each violated invariant with
// its message, and a compact timeline of the entries the violations cite with the steps around them of
// each actor involved. Used by `racelab scenario run` (and any command that has a RunOutput).
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { textTimeline } from './report.ts';
import type { RunOutput } from './runner.ts';

export interface ExplainOptions {
  color?: boolean;
  width?: number;
  /** Entries of the same actor shown before and after each cited one (default 2). */
  context?: number;
  /** Entries shown from the end when no violation cites any (default 12). */
  tail?: number;
}

/** The history entries of one actor's own steps, in order: its requests, their replies, its deliveries and notes. */
function lanes(history: readonly HistoryEntry[]): Map<string, HistoryEntry[]> {
  const byActor = new Map<string, HistoryEntry[]>();
  for (const e of [...history].sort((a, b) => a.seq - b.seq)) {
    const lane = byActor.get(e.actor) ?? [];
    lane.push(e);
    byActor.set(e.actor, lane);
  }
  return byActor;
}

/**
 * The seqs to show: every cited entry, its request or reply, and `context` entries either side of it on
 * its actor's lane; without citations, the last `tail` entries.
 */
export function focusSeqs(history: readonly HistoryEntry[], cited: readonly number[], context: number, tail: number): Set<number> {
  const focus = new Set<number>();
  const bySeq = new Map(history.map((e) => [e.seq, e]));
  if (cited.length === 0) {
    for (const e of [...history].sort((a, b) => a.seq - b.seq).slice(-tail)) focus.add(e.seq);
    return focus;
  }
  const byActor = lanes(history);
  for (const seq of cited) {
    const e = bySeq.get(seq);
    if (!e) continue;
    focus.add(seq);
    if (e.type === 'response') focus.add(e.request);
    const lane = byActor.get(e.actor) ?? [];
    const at = lane.indexOf(e);
    for (let i = Math.max(0, at - context); i <= Math.min(lane.length - 1, at + context); i++) focus.add(lane[i]!.seq);
  }
  // A request shown brings its reply and the other way round, so every step reads complete.
  for (const e of history) {
    if (e.type === 'response' && focus.has(e.request)) focus.add(e.seq);
    if (e.type === 'response' && focus.has(e.seq)) focus.add(e.request);
  }
  return focus;
}

function verdict(out: RunOutput): string {
  const r = out.result;
  const run = `${r.scenario} ${r.variant} seed ${r.seed}`;
  if (r.error) return `✗ ${run}: the run failed: ${r.error.split('\n')[0]}`;
  if (r.variant === 'buggy') return r.reproduced ? `✓ ${run}: the race reproduced` : `✗ ${run}: the race did not reproduce`;
  return r.reproduced ? `✗ ${run}: the fixed variant violated an invariant` : `✓ ${run}: the fixed variant held`;
}

/** The explanation of one run, as lines of text (no trailing newline). */
export function explainRun(out: RunOutput, opts: ExplainOptions = {}): string {
  const { report } = out;
  const red = (s: string): string => (opts.color ? `\x1b[1;31m${s}\x1b[0m` : s);
  const lines = [verdict(out)];
  if (report.upstream) lines.push(`  upstream: ${report.upstream}`);
  if (report.violations.length) {
    lines.push('  violated:');
    const numbers = [...new Set(report.violations.map((v) => v.invariant))];
    for (const v of report.violations) {
      const cites = v.seqs.length ? `  (${[...new Set(v.seqs)].map((s) => `#${s}`).join(', ')})` : '';
      lines.push(`    ${red(`✗ ${numbers.indexOf(v.invariant) + 1}`)} ${red(v.invariant)}: ${v.message}${cites}`);
    }
  }
  if (report.history.length) {
    const cited = report.violations.flatMap((v) => v.seqs);
    const focus = focusSeqs(report.history, cited, opts.context ?? 2, opts.tail ?? 12);
    lines.push(cited.length ? '  timeline (✗ N: cited by violation N; with the steps around them of each actor):' : '  timeline (the last entries):');
    const timeline = textTimeline(report, { color: opts.color, width: opts.width ?? 0, focus, summary: false, bodies: true, numbered: true });
    lines.push(...timeline.split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
