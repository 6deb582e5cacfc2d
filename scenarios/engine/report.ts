// Run reports: what one scenario run found, rendered from the recorded server-side history as a
// self-contained HTML timeline (reporthtml.ts) or as a compact terminal timeline (reporttext.ts), both from
// one model (reportmodel.ts); and the report files. Times come from the history entries only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { htmlTimeline } from './reporthtml.ts';
import type { RunReport } from './reportmodel.ts';

export { otherEntrySummary, verdictText, type RunReport, type Violation } from './reportmodel.ts';
export { esc, htmlTimeline, runOfReport, simTime } from './reporthtml.ts';
export { compactRows, textTimeline, type CompactRow, type TextTimelineOptions } from './reporttext.ts';

/** A file name part made of safe characters. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** The file name writeReport gives a run. */
export function reportFileName(run: Pick<RunReport, 'scenario' | 'variant' | 'seed'>): string {
  return `${safeName(run.scenario)}-${safeName(run.variant)}-seed${safeName(String(run.seed))}.html`;
}

/** Writes `<dir>/<scenario>-<variant>-seed<N>.html` and returns its path. */
export function writeReport(dir: string, run: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, reportFileName(run));
  writeFileSync(path, htmlTimeline(run));
  return path;
}
