// Building blocks for invariants over the recorded history.
import type { HistoryEntry, RequestEntry, ResponseEntry, Verb } from '../../apiserver/interleave/types.ts';
import type { Violation } from './report.ts';

export interface ResponseMatch {
  actor?: string;
  verb?: Verb | Verb[];
  resource?: string;
  name?: string;
  namespace?: string;
  code?: number | ((code: number) => boolean);
}

function verbMatches(v: Verb, want: ResponseMatch['verb']): boolean {
  return want === undefined || (Array.isArray(want) ? want.includes(v) : want === v);
}

export function responses(history: readonly HistoryEntry[], m: ResponseMatch = {}): ResponseEntry[] {
  return history.filter((e): e is ResponseEntry => {
    if (e.type !== 'response') return false;
    if (m.actor !== undefined && e.actor !== m.actor) return false;
    if (!verbMatches(e.verb, m.verb)) return false;
    if (m.resource !== undefined && e.resource !== m.resource) return false;
    if (m.name !== undefined && e.name !== m.name) return false;
    if (m.namespace !== undefined && e.namespace !== m.namespace) return false;
    if (typeof m.code === 'number' && e.code !== m.code) return false;
    if (typeof m.code === 'function' && !m.code(e.code)) return false;
    return true;
  });
}

export function requests(history: readonly HistoryEntry[], m: Omit<ResponseMatch, 'code'> = {}): RequestEntry[] {
  return history.filter((e): e is RequestEntry => {
    if (e.type !== 'request') return false;
    if (m.actor !== undefined && e.actor !== m.actor) return false;
    if (!verbMatches(e.verb, m.verb)) return false;
    if (m.resource !== undefined && e.resource !== m.resource) return false;
    if (m.name !== undefined && e.name !== m.name) return false;
    if (m.namespace !== undefined && e.namespace !== m.namespace) return false;
    return true;
  });
}

export const succeeded = (code: number): boolean => code >= 200 && code < 300;

export function notes(history: readonly HistoryEntry[], tag: string, actor?: string): Extract<HistoryEntry, { type: 'note' }>[] {
  return history.filter((e): e is Extract<HistoryEntry, { type: 'note' }> => e.type === 'note' && e.tag === tag && (actor === undefined || e.actor === actor));
}

export function violation(invariant: string, message: string, seqs: number[] = []): Violation {
  return { invariant, message, seqs };
}

/** The last seq of the history, for liveness violations that point at the end state. */
export function lastSeq(history: readonly HistoryEntry[]): number[] {
  const last = history[history.length - 1];
  return last ? [last.seq] : [];
}
