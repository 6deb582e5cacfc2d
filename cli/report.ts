// `racelab report compare` and `racelab report index`: pages over run reports written by --report.
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { compareHtml, readRunReport, writeReportIndex } from '../scenarios/engine/reportpages.ts';
import { CliError, fileError } from './errors.ts';

function read(path: string): ReturnType<typeof readRunReport> {
  try {
    return readRunReport(path);
  } catch (e) {
    if (e instanceof Error && !('code' in e)) throw new CliError(e.message, 'give two reports written by racelab scenario run --report DIR');
    throw fileError('read', 'report', path, e);
  }
}

export function compareReports(a: string, b: string, out: string): string {
  const html = compareHtml(read(a), read(b), { a: relative(dirname(resolve(out)), resolve(a)), b: relative(dirname(resolve(out)), resolve(b)) });
  try {
    writeFileSync(out, html);
  } catch (e) {
    throw fileError('write', 'comparison', out, e);
  }
  return out;
}

export function indexReports(dir: string): string {
  try {
    return writeReportIndex(dir);
  } catch (e) {
    throw fileError('read', 'report folder', dir, e);
  }
}

