// The model every report renderer shares: a run's history as rows in seq order (a reply joined to its
// request when nothing happened in between), its actors, the start-up to fold, which request followed
// which watch event, and the violations by number. Times come from the history entries only.
import type { DeliveryEntry, HistoryEntry, ReconcileEntry, RequestEntry, ResponseEntry } from '../../apiserver/interleave/types.ts';
import type { ObjectVersion } from './reportobjects.ts';

export interface Violation {
  invariant: string;
  message: string;
  /** History seqs of the entries that show the violation. */
  seqs: number[];
}

export interface RunReport {
  scenario: string;
  variant: 'buggy' | 'fixed';
  seed: number;
  reproduced: boolean;
  expected: boolean;
  ok: boolean;
  durationMs: number;
  violations: Violation[];
  history: HistoryEntry[];
  description?: string;
  upstream?: string;
  /** Every object at every resourceVersion the run stored (older reports: absent). */
  objects?: ObjectVersion[];
  /** The stores (ObjectVersion.store) each actor talks to, where the run knows it: its rows show only their versions. */
  actorStores?: Record<string, number[]>;
}

/** One row of the timeline: an entry in seq order, with its paired request or response when joined. */
export interface Row {
  entry: HistoryEntry;
  /** For a request: its response. For a response row: its request. */
  pair?: RequestEntry | ResponseEntry;
  /** For a request: the response is joined into this row (nothing happened in between). */
  joined?: ResponseEntry;
  /** Seqs this row stands for: its own and a joined response's. */
  seqs: number[];
  violations: Violation[];
}

export interface Model {
  entries: HistoryEntry[];
  rows: Row[];
  actors: string[];
  /** The seq of the row that shows each seq (a joined response is shown on its request's row). */
  rowOfSeq: Map<number, number>;
  t0: number;
  /** Rows from the start that are start-up (informer LIST/WATCH, setup steps), folded behind one row; 0: none. */
  startup: number;
  /**
   * For a delivery: the reconciles its actor started next, before its next watch event; for an actor without
   * reconcile spans, the requests it sent next (what the reconcile that event triggered sent). For a
   * reconcile's start: the requests made inside it.
   */
  next: Map<number, number[]>;
  /** For a reconcile's start, or a request linked straight to a delivery: the delivery it followed. */
  after: Map<number, number>;
  /** For a request: the start seqs of its actor's reconciles open when it arrived (more than one: concurrent workers). */
  inSpan: Map<number, number[]>;
  /** Each reconcile: its start entry and, once it ended, its end entry, in start order. */
  spans: Span[];
  /** The span of each reconcile start seq. */
  spanAt: Map<number, Span>;
  /** Each violated invariant's number, from 1, in the order of the run's violations. */
  violationNo: Map<Violation, number>;
}

/** One reconcile of a controller worker: from its start entry to its end (none: still running when the run ended). */
export interface Span {
  start: ReconcileEntry;
  end?: ReconcileEntry;
}

/** Fewer start-up rows than this are not folded. */
const startupFoldMinRows = 8;
/** At most this many requests are linked to the delivery before them. */
const nextRequestsMax = 8;
/** Note tags that are part of setting the world up; any other note ends the start-up. */
const setupNoteTags = new Set(['step']);

/** True for a row that is more than start-up: a rule acting or installed, a crash, a violation, an unknown kind. */
function endsStartup(row: Row): boolean {
  const e = row.entry;
  if (row.violations.length) return true;
  switch (e.type) {
    case 'request':
      return !!e.held || (row.joined?.injected ?? (row.pair?.type === 'response' ? row.pair.injected : undefined)) !== undefined;
    case 'response':
      return !!e.injected;
    case 'delivery':
      return !!e.delayed;
    case 'note':
      return !setupNoteTags.has(e.tag);
    case 'reconcile':
      return false;
    default:
      return true;
  }
}

/** Without any rule or violation: the leading informer LIST/WATCH rows (and their replies and first events). */
function leadingInformerRows(rows: readonly Row[]): number {
  const i = rows.findIndex((row) => {
    const e = row.entry;
    if (e.type === 'request' || e.type === 'response') return e.verb !== 'list' && e.verb !== 'watch';
    if (e.type === 'delivery') return e.eventType !== 'ADDED';
    return !(e.type === 'note' && setupNoteTags.has(e.tag));
  });
  return i < 0 ? rows.length : i;
}

/** An entry of a kind this file does not know (a newer history): its type, actor and a one-line summary. */
export function otherEntrySummary(e: HistoryEntry): { kind: string; text: string } {
  const { seq: _s, atMs: _a, realMs: _r, type, actor: _actor, ...rest } = e as unknown as Record<string, unknown>;
  const text = typeof rest.text === 'string' ? rest.text : JSON.stringify(rest);
  return { kind: String(type), text };
}

/**
 * Links each watch delivery to what its actor did next, up to that actor's next delivery: the reconciles it
 * started (and each reconcile to the requests made while it ran), or, for an actor that records no
 * reconcile spans, the requests it sent. A request made while several reconciles of its actor ran (workers
 * at once) is linked to each of them; one made while none ran (an informer's LIST, an Event) to none.
 */
function causality(rows: readonly Row[]): { next: Map<number, number[]>; after: Map<number, number>; inSpan: Map<number, number[]>; spans: Span[] } {
  const next = new Map<number, number[]>();
  const after = new Map<number, number>();
  const inSpan = new Map<number, number[]>();
  const spans: Span[] = [];
  const open = new Map<string, number>();
  const running = new Map<string, Map<number, Span>>();
  const withSpans = new Set<string>();
  for (const row of rows) if (row.entry.type === 'reconcile') withSpans.add(row.entry.actor);
  const link = (from: number, to: number): boolean => {
    const list = next.get(from) ?? [];
    if (list.length >= nextRequestsMax) return false;
    list.push(to);
    next.set(from, list);
    return true;
  };
  for (const row of rows) {
    const e = row.entry;
    if (e.type === 'delivery') {
      if (e.eventType !== 'BOOKMARK') open.set(e.actor, e.seq);
      else open.delete(e.actor);
    } else if (e.type === 'reconcile') {
      const mine = running.get(e.actor) ?? new Map<number, Span>();
      running.set(e.actor, mine);
      if (e.phase === 'start') {
        const span: Span = { start: e };
        spans.push(span);
        mine.set(e.seq, span);
        const d = open.get(e.actor);
        if (d !== undefined && link(d, e.seq)) after.set(e.seq, d);
      } else if (e.start !== undefined) {
        const span = mine.get(e.start);
        if (span) span.end = e;
        mine.delete(e.start);
      }
    } else if (e.type === 'request' && e.verb !== 'watch') {
      if (withSpans.has(e.actor)) {
        const starts = [...(running.get(e.actor)?.keys() ?? [])];
        if (starts.length === 0) continue;
        inSpan.set(e.seq, starts);
        for (const s of starts) link(s, e.seq);
        continue;
      }
      const d = open.get(e.actor);
      if (d !== undefined && link(d, e.seq)) after.set(e.seq, d);
    }
  }
  return { next, after, inSpan, spans };
}

export function buildModel(run: RunReport): Model {
  const entries = [...run.history].sort((a, b) => a.seq - b.seq);
  const actors: string[] = [];
  const seen = new Set<string>();
  const requests = new Map<number, RequestEntry>();
  const responses = new Map<number, ResponseEntry>();
  for (const e of entries) {
    if (!seen.has(e.actor)) {
      seen.add(e.actor);
      actors.push(e.actor);
    }
    if (e.type === 'request') requests.set(e.seq, e);
    else if (e.type === 'response' && !responses.has(e.request)) responses.set(e.request, e);
  }
  const bySeq = new Map<number, Violation[]>();
  for (const v of run.violations) {
    for (const s of new Set(v.seqs)) {
      const list = bySeq.get(s) ?? [];
      list.push(v);
      bySeq.set(s, list);
    }
  }
  const rows: Row[] = [];
  const rowOfSeq = new Map<number, number>();
  const joinedSeqs = new Set<number>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (joinedSeqs.has(e.seq)) continue;
    const row: Row = { entry: e, seqs: [e.seq], violations: [] };
    if (e.type === 'request') {
      const resp = responses.get(e.seq);
      if (resp) {
        row.pair = resp;
        const next = entries[i + 1];
        if (next === resp) {
          row.joined = resp;
          row.seqs.push(resp.seq);
          joinedSeqs.add(resp.seq);
        }
      }
    } else if (e.type === 'response') {
      const req = requests.get(e.request);
      if (req) row.pair = req;
    }
    const vs = new Set<Violation>();
    for (const s of row.seqs) for (const v of bySeq.get(s) ?? []) vs.add(v);
    row.violations = [...vs];
    for (const s of row.seqs) rowOfSeq.set(s, e.seq);
    rows.push(row);
  }
  const firstActing = rows.findIndex(endsStartup);
  const startupRows = firstActing < 0 ? leadingInformerRows(rows) : firstActing;
  const { next, after, inSpan, spans } = causality(rows);
  const violationNo = new Map(run.violations.map((v, i) => [v, i + 1]));
  return { entries, rows, actors, rowOfSeq, t0: entries[0]?.atMs ?? 0, startup: startupRows >= startupFoldMinRows ? startupRows : 0, next, after, inSpan, spans, spanAt: new Map(spans.map((sp) => [sp.start.seq, sp])), violationNo };
}

/** `clusters/default/c1`, `clusters/default/c1/status`, `clusters/default/*`, `nodes/n1`, `nodes`. */
export function objectPath(resource: string, namespace: string | undefined, name: string | undefined, subresource?: string): string {
  let p = resource;
  if (namespace) p += `/${namespace}`;
  if (name) p += `/${name}`;
  else if (namespace) p += '/*';
  if (subresource) p += `/${subresource}`;
  return p;
}

export function requestText(e: RequestEntry): string {
  return `${e.verb.toUpperCase()} ${objectPath(e.resource, e.namespace, e.name, e.subresource)}`;
}

export function responseCode(r: ResponseEntry): string {
  return r.reason ? `${r.code} ${r.reason}` : String(r.code);
}

export function reconcileText(e: ReconcileEntry): string {
  if (e.phase === 'start') return `reconcile ${e.controller} ${e.key} (worker ${e.worker})`;
  const why = e.result === 'requeue' && e.requeueAfterMs !== undefined ? `requeue after ${duration(e.requeueAfterMs)}` : (e.result ?? 'ended');
  return `reconciled ${e.controller} ${e.key} (worker ${e.worker}): ${why}`;
}

export function deliveryText(e: DeliveryEntry): string {
  return `${e.eventType} ${objectPath(e.resource, e.namespace, e.name)} rv=${e.revision}`;
}

export function relTime(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  return `${sign}${(Math.abs(ms) / 1000).toFixed(3)}s`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms * 10) / 10} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function verdictText(run: RunReport): string {
  if (run.reproduced && run.expected) return 'race reproduced, as expected';
  if (!run.reproduced && !run.expected) return 'race did not occur, as expected';
  if (run.reproduced) return 'race reproduced, but the fixed variant was expected to hold';
  return 'race not reproduced, but the buggy variant was expected to show it';
}

const noteIcons: Record<string, string> = {
  step: '▸',
  crash: '✖',
  restart: '↻',
  panic: '‼',
  assert: '✗',
  hold: '⏸',
  release: '▶',
  timeout: '⌛',
};

export function noteIcon(tag: string): string {
  return noteIcons[tag] ?? '●';
}
