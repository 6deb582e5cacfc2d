// index.html and the comparison page, from reports on disk: every run listed with its verdict and links,
// a buggy/fixed pair compared side by side, other HTML files ignored.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { writeReport, type RunReport } from './report.ts';
import { compareFileName, compareHtml, readRunReport, writeReportIndex } from './reportpages.ts';

const t0 = Date.UTC(2025, 2, 20, 12);

function run(variant: 'buggy' | 'fixed', seed: number): RunReport {
  const history: HistoryEntry[] = [
    { seq: 1, atMs: t0, realMs: 1, type: 'request', actor: 'a', verb: 'patch', group: '', resource: 'configmaps', namespace: 'default', name: 'n', body: '{"data":{"n":"1"}}', rvBefore: 1 },
    { seq: 2, atMs: t0 + 1500, realMs: 2, type: 'response', request: 1, actor: 'a', verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'n', code: 200, rvAfter: 2 },
  ];
  const reproduced = variant === 'buggy';
  return { scenario: 'demo <lost>', variant, seed, reproduced, expected: variant === 'buggy', ok: true, durationMs: 3, violations: reproduced ? [{ invariant: 'no-lost-update', message: 'lost', seqs: [1] }] : [], history };
}

test('writeReportIndex lists every run report of a folder and compares buggy with fixed per seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'racelab-pages-'));
  try {
    writeReport(dir, run('buggy', 1));
    writeReport(dir, run('fixed', 1));
    writeReport(dir, run('buggy', 2));
    writeFileSync(join(dir, 'notes.html'), '<html>not a report</html>');
    const index = readFileSync(writeReportIndex(dir), 'utf8');
    const rows = [...index.matchAll(/<tr data-scenario="demo &lt;lost&gt;">([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /<td>buggy<\/td><td>1<\/td>/);
    assert.ok(rows[0]!.includes('href="demo_lost_-buggy-seed1.html"'));
    assert.ok(rows[0]!.includes(`href="${compareFileName('demo <lost>', 1)}"`), 'seed 1 has both variants');
    assert.ok(!rows[2]!.includes('class="compare"'), 'seed 2 has no fixed run to compare with');
    assert.match(index, /3 runs · <span class="ok">0 not as expected/);
    const compare = readFileSync(join(dir, compareFileName('demo <lost>', 1)), 'utf8');
    assert.ok(compare.includes('href="demo_lost_-buggy-seed1.html"') && compare.includes('href="demo_lost_-fixed-seed1.html"'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compareHtml: each side its verdict, its violations linked to its rows, its simulated times', () => {
  const html = compareHtml(run('buggy', 1), run('fixed', 1));
  const a = html.slice(html.indexOf('id="side-a"'), html.indexOf('id="side-b"'));
  const b = html.slice(html.indexOf('id="side-b"'));
  assert.match(a, /✗ 1 no-lost-update<\/span> — lost <a href="#a-seq-1">#1<\/a>/);
  assert.match(a, /<tr id="a-seq-1" class="violation"><td class="seq">#1<\/td><td class="muted">12:00:00\.000<\/td><td>a<\/td><td>→ PATCH configmaps\/default\/n \{&quot;data&quot;:\{&quot;n&quot;:&quot;1&quot;\}\} <b>200<\/b>/);
  assert.match(b, /no invariant violated/);
  assert.ok(!b.includes('class="violation"'));
  assert.ok(html.includes('demo &lt;lost&gt;: buggy beside fixed'));
});

test('readRunReport refuses a file that is not a run report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'racelab-pages-'));
  try {
    writeFileSync(join(dir, 'x.html'), '<html></html>');
    assert.throws(() => readRunReport(join(dir, 'x.html')), /is not a racelab run report/);
    assert.deepEqual(readRunReport(writeReport(dir, run('fixed', 3))), run('fixed', 3));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
