// `racelab explore` and `racelab scenario replay` as a user runs them: the JSON document, the exit codes, the
// saved schedules replaying to the same verdict, and a replay that fails loudly when the code takes other
// decisions than the file's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ExploreRow } from '../scenarios/engine/explore.ts';
import type { ScheduleFile } from '../scenarios/engine/schedule.ts';

const root = join(import.meta.dirname, '..');

function racelab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: root, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('racelab explore and scenario replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'racelab-explore-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('explore --json prints one document of rows, saves the failing schedules and exits 0', async () => {
    const r = await racelab(['explore', 'demo-lost-update', '--schedules', '4', '--json', '--save', dir]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { results: ExploreRow[] };
    assert.equal(doc.results.length, 6);
    for (const row of doc.results) {
      assert.deepEqual(Object.keys(row).filter((k) => ['scenario', 'variant', 'strategy', 'schedules', 'violating', 'vacuous', 'errors', 'firstViolation', 'ok', 'durationMs'].includes(k)).length, 10);
      assert.equal(row.ok, true, JSON.stringify(row));
      if (row.variant === 'fixed') assert.equal(row.violating, 0);
    }
    assert.ok(doc.results.some((row) => row.variant === 'buggy' && row.violating > 0 && row.minimalSchedule));
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.some((f) => f.endsWith('-minimal.json')), files.join(', '));
  });

  it('every saved schedule replays to its recorded verdict', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const r = await racelab(['scenario', 'replay', join(dir, f), '--json']);
      assert.equal(r.code, 0, `${f}: ${r.stdout}${r.stderr}`);
      const out = JSON.parse(r.stdout) as { sameVerdict: boolean; diverged: string | null; reproduced: boolean };
      assert.equal(out.sameVerdict, true);
      assert.equal(out.diverged, null);
      assert.equal(out.reproduced, true);
    }
  });

  it('a replay whose decisions the code no longer takes fails and says where', async () => {
    const file = readdirSync(dir).find((f) => f.endsWith('.json') && !f.endsWith('-minimal.json'));
    assert.ok(file);
    const s = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ScheduleFile;
    assert.ok(s.decisions.length > 0);
    const first = s.decisions[0];
    if (first && 'request' in first) first.request = { ...first.request, name: 'no-such-object' };
    else if (first && 'delivery' in first) first.delivery = { ...first.delivery, name: 'no-such-object' };
    const bad = join(dir, 'tampered.schedule');
    writeFileSync(bad, JSON.stringify(s));
    const r = await racelab(['scenario', 'replay', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /diverged from the file at decision 1/);
  });

  it('a file that is not a schedule is a usage error without a stack trace', async () => {
    const bad = join(dir, 'not-a-schedule.txt');
    writeFileSync(bad, JSON.stringify({ hello: 'world' }));
    const r = await racelab(['scenario', 'replay', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not a racelab schedule file/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  });
});
