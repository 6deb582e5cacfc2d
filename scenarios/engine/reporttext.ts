// The terminal timeline of one run (textTimeline), and the compact rows the comparison page shows.
import type { ResponseEntry } from '../../apiserver/interleave/types.ts';
import { buildModel, deliveryText, noteIcon, objectPath, otherEntrySummary, reconcileText, requestText, responseCode, type Row, type RunReport } from './reportmodel.ts';

/** Default width of a terminal timeline line. */
const textDefaultWidthChars = 120;
/** Widest actor column in a terminal timeline. */
const textActorMaxChars = 24;

const ansi = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
};

interface TextLine {
  seq: number;
  actor: string;
  body: string;
  bodyColor: string;
  code?: string;
  codeColor?: string;
  markers: string[];
  violations: string[];
}

function codeAnsi(code: number): string {
  if (code >= 500) return ansi.red;
  if (code >= 400) return ansi.yellow;
  return ansi.green;
}

function textLineOf(row: Row, bodies = false): TextLine {
  const e = row.entry;
  const line: TextLine = { seq: e.seq, actor: e.actor, body: '', bodyColor: '', markers: [], violations: [...new Set(row.violations.map((v) => v.invariant))] };
  const resp: ResponseEntry | undefined = e.type === 'response' ? e : row.pair?.type === 'response' ? row.pair : undefined;
  switch (e.type) {
    case 'request':
      line.body = `→ ${requestText(e)}${bodies && e.body ? ` ${e.body}` : ''}`;
      if (row.joined) {
        line.code = responseCode(row.joined);
        line.codeColor = codeAnsi(row.joined.code);
      } else if (row.pair?.type === 'response') {
        line.code = `${responseCode(row.pair)} @#${row.pair.seq}`;
        line.codeColor = codeAnsi(row.pair.code);
      } else if (e.verb !== 'watch') line.code = '…';
      if (e.held) line.markers.push(`⏸ held(${e.held.rule}, since #${e.held.heldAtSeq}${e.held.timedOut ? ', timed out' : ''})`);
      break;
    case 'response': {
      const req = row.pair?.type === 'request' ? row.pair : undefined;
      line.body = `↩ ${req ? requestText(req) : `${e.verb.toUpperCase()} ${objectPath(e.resource, e.namespace, e.name)}`} (#${e.request})`;
      line.bodyColor = ansi.dim;
      line.code = responseCode(e);
      line.codeColor = codeAnsi(e.code);
      break;
    }
    case 'delivery':
      line.body = `⇠ ${deliveryText(e)}`;
      line.bodyColor = ansi.cyan;
      if (e.delayed) line.markers.push(`⏳ delayed(${e.delayed.rule})`);
      break;
    case 'note':
      line.body = `${noteIcon(e.tag)} ${e.tag}: ${e.text}`;
      line.bodyColor = ['crash', 'panic', 'assert'].includes(e.tag) ? ansi.red : ['hold', 'timeout'].includes(e.tag) ? ansi.yellow : ansi.blue;
      break;
    case 'reconcile':
      line.body = `${e.phase === 'start' ? '⟳' : '⟲'} ${reconcileText(e)}${e.start !== undefined ? ` (#${e.start})` : ''}`;
      line.bodyColor = e.result === 'error' ? ansi.red : ansi.dim;
      break;
    default: {
      const other = otherEntrySummary(e);
      line.body = `◆ ${other.kind}: ${other.text}`;
      line.bodyColor = ansi.magenta;
    }
  }
  if (resp?.injected) line.markers.push(`⚡ injected(${resp.injected.rule})`);
  line.actor = oneLine(line.actor);
  line.body = oneLine(line.body);
  if (line.code) line.code = oneLine(line.code);
  line.markers = line.markers.map(oneLine);
  line.violations = line.violations.map(oneLine);
  return line;
}

/** One row of a compact timeline (compare pages): what the text timeline shows, and whether it is start-up. */
export interface CompactRow {
  seq: number;
  atMs: number;
  actor: string;
  text: string;
  code?: string;
  markers: string[];
  /** The numbers (from 1) of the violations citing this row. */
  violations: number[];
  startup: boolean;
}

export function compactRows(run: RunReport): CompactRow[] {
  const model = buildModel(run);
  return model.rows.map((row, i) => {
    const line = textLineOf(row, true);
    return {
      seq: row.entry.seq,
      atMs: row.entry.atMs,
      actor: row.entry.actor,
      text: line.body,
      ...(line.code !== undefined ? { code: line.code } : {}),
      markers: line.markers,
      violations: row.violations.map((v) => model.violationNo.get(v) ?? 0),
      startup: i < model.startup,
    };
  });
}

/** Cuts `s` to `max` characters (code points), ending with `…` when cut. */
function cut(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  if (max <= 1) return max === 1 ? '…' : '';
  return `${chars.slice(0, max - 1).join('')}…`;
}

/** One terminal line: line breaks become spaces, other control characters (escape sequences) `?`. */
function oneLine(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\n' || ch === '\r' || ch === '\t') out += ' ';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += '?';
    else out += ch;
  }
  return out;
}

function visibleLength(s: string): number {
  return [...s].length;
}

export interface TextTimelineOptions {
  width?: number;
  /** At most this many lines, around the violating ones. */
  limit?: number;
  color?: boolean;
  /** Only the rows showing these seqs, with a `⋯ N entries` line for each gap (explain.ts picks them). */
  focus?: ReadonlySet<number>;
  /** List the violations after the timeline (default true). */
  summary?: boolean;
  /** Request bodies (their summaries) after the request line. */
  bodies?: boolean;
  /** Mark violating rows with the violation's number in the run's list (`✗ 1,2`) instead of its name. */
  numbered?: boolean;
}

export function textTimeline(run: RunReport, opts: TextTimelineOptions = {}): string {
  const width = opts.width ?? textDefaultWidthChars;
  const color = opts.color ?? false;
  const paint = (s: string, ...codes: string[]): string => (color && codes.some(Boolean) && s ? `${codes.join('')}${s}${ansi.reset}` : s);
  const model = buildModel(run);
  const numbers = new Map([...new Set(run.violations.map((v) => v.invariant))].map((name, i) => [oneLine(name), String(i + 1)]));
  const lines = model.rows.map((row) => {
    const line = textLineOf(row, opts.bodies);
    if (opts.numbered) line.violations = line.violations.map((v) => numbers.get(v) ?? v);
    return line;
  });
  const seqWidth = Math.max(2, ...lines.map((l) => String(l.seq).length + 1));
  const actorWidth = Math.min(textActorMaxChars, Math.max(5, ...model.actors.map((a) => visibleLength(a))));

  const render = (l: TextLine): string => {
    const vmark = l.violations.length ? '✗' : ' ';
    const seq = `#${l.seq}`.padEnd(seqWidth);
    const actor = cut(l.actor, actorWidth).padEnd(actorWidth);
    const prefix = `${vmark} ${seq}  ${actor}  `;
    const suffixParts: string[] = [];
    if (l.code) suffixParts.push(l.code);
    suffixParts.push(...l.markers);
    if (l.violations.length) suffixParts.push(`✗ ${l.violations.join(', ')}`);
    const suffixPlain = suffixParts.length ? `  ${suffixParts.join('  ')}` : '';
    const room = width > 0 ? Math.max(12, width - visibleLength(prefix) - visibleLength(suffixPlain)) : Infinity;
    const body = Number.isFinite(room) ? cut(l.body, room) : l.body;
    if (!color) return `${prefix}${body}${suffixPlain}`.trimEnd();
    const parts = [
      l.violations.length ? paint(vmark, ansi.red, ansi.bold) : vmark,
      ' ',
      paint(seq, ansi.dim),
      '  ',
      paint(actor, ansi.bold),
      '  ',
      paint(body, l.bodyColor),
    ];
    if (l.code) parts.push('  ', paint(l.code, l.codeColor ?? ''));
    for (const m of l.markers) parts.push('  ', paint(m, m.startsWith('⚡') ? ansi.magenta : m.startsWith('⏳') ? ansi.cyan : ansi.yellow));
    if (l.violations.length) parts.push('  ', paint(`✗ ${l.violations.join(', ')}`, ansi.red, ansi.bold));
    return parts.join('');
  };

  let start = 0;
  let end = lines.length;
  const limit = opts.limit;
  if (limit !== undefined && limit >= 0 && lines.length > limit) {
    let lastViolating = -1;
    lines.forEach((l, i) => {
      if (l.violations.length) lastViolating = i;
    });
    const firstViolating = lines.findIndex((l) => l.violations.length > 0);
    // Keep the last `limit` lines up to the last violating one, plus a little context after it; when
    // every violating line fits, keep them all.
    end = lastViolating < 0 ? lines.length : Math.min(lines.length, lastViolating + 1 + Math.floor(limit / 5));
    start = Math.max(0, end - limit);
    if (firstViolating >= 0 && start > firstViolating && lastViolating - firstViolating < limit) start = firstViolating;
    end = Math.min(lines.length, start + limit);
  }
  const out: string[] = [];
  const entries = (n: number): string => `${n} ${n === 1 ? 'entry' : 'entries'}`;
  if (opts.focus) {
    const focus = opts.focus;
    let skipped = 0;
    model.rows.forEach((row, i) => {
      if (!row.seqs.some((q) => focus.has(q))) {
        skipped++;
        return;
      }
      if (skipped) out.push(paint(`  ⋯ ${entries(skipped)}`, ansi.dim));
      skipped = 0;
      out.push(render(lines[i]!));
    });
    if (skipped) out.push(paint(`  ⋯ ${entries(skipped)}`, ansi.dim));
  } else {
    if (start > 0) out.push(paint(`  … ${start} earlier entr${start === 1 ? 'y' : 'ies'}`, ansi.dim));
    for (let i = start; i < end; i++) out.push(render(lines[i]!));
    if (end < lines.length) out.push(paint(`  … ${lines.length - end} later entr${lines.length - end === 1 ? 'y' : 'ies'}`, ansi.dim));
  }
  if (run.violations.length && opts.summary !== false) {
    out.push('');
    for (const v of run.violations) {
      const seqs = v.seqs.length ? `  (${v.seqs.map((s) => `#${s}`).join(', ')})` : '';
      out.push(`${paint('✗', ansi.red, ansi.bold)} ${paint(oneLine(v.invariant), ansi.red, ansi.bold)}: ${oneLine(v.message)}${seqs}`);
    }
  }
  return out.join('\n');
}
