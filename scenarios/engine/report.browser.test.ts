// Opens a generated report in headless Chromium: the dumped DOM must hold the lanes and the highlighted
// violation, and a screenshot must render. Set RACELAB_REPORT_ARTIFACTS=DIR to keep the HTML and PNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { writeReport, type RunReport } from './report.ts';

const chromium = '/usr/bin/chromium';
const skip = existsSync(chromium) ? false : `${chromium} is absent (Debian package chromium; .ci/run installs it in CI)`;
/** Bound on one Chromium run; it normally takes about a second. */
const chromiumTimeoutMs = 60_000;

const evilNote = `<script>document.title='pwned'</script>`;

/** The clusterctl-move-finalizer race, buggy variant, as the server would record it. */
function moveHistory(): HistoryEntry[] {
  const t0 = 1_735_689_600_000;
  let seq = 0;
  const entries: HistoryEntry[] = [];
  const base = (ms: number) => ({ seq: ++seq, atMs: t0 + ms, realMs: seq * 0.4 });
  const g = 'cluster.x-k8s.io';
  const c1 = { resource: 'clusters', namespace: 'default', name: 'c1' };
  const req = (ms: number, actor: string, verb: 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete', extra: { resource?: string; namespace?: string; name?: string; subresource?: string; body?: string; rv: number; held?: { rule: string; heldAtSeq: number; timedOut: boolean } }) => {
    const e: HistoryEntry = { ...base(ms), type: 'request', actor, verb, group: g, resource: extra.resource ?? c1.resource, namespace: extra.namespace ?? c1.namespace, rvBefore: extra.rv };
    if (extra.name !== undefined) e.name = extra.name;
    if (extra.subresource) e.subresource = extra.subresource;
    if (extra.body) e.body = extra.body;
    if (extra.held) e.held = extra.held;
    entries.push(e);
    return e;
  };
  const resp = (ms: number, r: HistoryEntry, code: number, rvAfter: number, more: { reason?: string; injected?: { rule: string } } = {}) => {
    if (r.type !== 'request') throw new Error('not a request');
    entries.push({ ...base(ms), type: 'response', request: r.seq, actor: r.actor, verb: r.verb, resource: r.resource, namespace: r.namespace, name: r.name, code, rvAfter, objectRv: String(rvAfter), ...more });
  };
  const deliver = (ms: number, actor: string, eventType: 'ADDED' | 'MODIFIED' | 'DELETED', revision: number, delayed?: string) => {
    entries.push({ ...base(ms), type: 'delivery', actor, ...c1, eventType, revision, ...(delayed ? { delayed: { rule: delayed } } : {}) });
  };
  const note = (ms: number, actor: string, tag: string, text: string) => {
    entries.push({ ...base(ms), type: 'note', actor, tag, text });
    return seq;
  };

  note(0, 'scenario', 'step', 'create Cluster default/c1 with finalizer cluster.cluster.x-k8s.io');
  resp(1, req(1, 'cluster-controller', 'list', { rv: 12 }), 200, 12);
  resp(2, req(2, 'cluster-controller', 'watch', { rv: 12 }), 200, 12);
  resp(5, req(4, 'clusterctl', 'patch', { ...c1, body: 'spec.paused=true', rv: 13 }), 200, 14);
  deliver(5, 'cluster-controller', 'MODIFIED', 14);
  resp(7, req(6, 'cluster-controller', 'patch', { ...c1, subresource: 'status', body: 'status.v1beta2.conditions[Paused]=True', rv: 14 }), 200, 15);
  deliver(7, 'cluster-controller', 'MODIFIED', 15);
  note(8, 'scenario', 'step', 'clusterctl move: create every object on the target');
  resp(9, req(9, 'clusterctl-target', 'create', { ...c1, body: 'Cluster c1 (paused, finalizers=[])', rv: 3 }), 201, 4, { reason: 'Created' });
  resp(10, req(10, 'clusterctl', 'get', { ...c1, rv: 15 }), 200, 15);
  resp(11, req(11, 'clusterctl', 'patch', { ...c1, body: 'json-patch add /metadata/annotations {clusterctl.cluster.x-k8s.io/delete-for-move:""}', rv: 15 }), 200, 16);
  deliver(11, 'cluster-controller', 'MODIFIED', 16);
  const strip = req(12, 'clusterctl', 'patch', { ...c1, body: 'finalizers=[]', rv: 16 });
  resp(12, strip, 200, 17);
  deliver(12, 'cluster-controller', 'MODIFIED', 17);
  const hold = note(12, 'clusterctl', 'hold', 'DELETE clusters/default/c1 held by rule delete-after-readd');
  const readd = req(13, 'cluster-controller', 'patch', { ...c1, body: 'finalizers=[cluster.cluster.x-k8s.io] (EnsureFinalizer)', rv: 17 });
  resp(13, readd, 200, 18);
  note(13, 'clusterctl', 'release', `condition met: cluster-controller PATCH clusters/default/c1 → 200 ${evilNote}`);
  const del = req(13, 'clusterctl', 'delete', { ...c1, rv: 18, held: { rule: 'delete-after-readd', heldAtSeq: hold, timedOut: false } });
  deliver(14, 'cluster-controller', 'MODIFIED', 18, 'delay-controller-watch');
  resp(14, del, 200, 19);
  deliver(15, 'cluster-controller', 'MODIFIED', 19);
  resp(16, req(16, 'cluster-controller', 'patch', { ...c1, subresource: 'status', body: 'status.v1beta2.conditions[Paused]=True', rv: 19 }), 500, 19, { reason: 'InternalError', injected: { rule: 'flaky-status' } });
  const done = note(20, 'clusterctl', 'step', 'move reported success');
  note(1000, 'scenario', 'crash', 'cluster-controller restarted to check the cache');
  const assertSeq = note(30_000, 'scenario', 'assert', 'Cluster default/c1 still exists: deletionTimestamp set, finalizers [cluster.cluster.x-k8s.io], spec.paused=true');
  const violations = [
    { invariant: 'no-finalizer-after-removal', message: `cluster-controller re-added cluster.cluster.x-k8s.io (#${readd.seq}) after clusterctl's finalizers: [] patch (#${strip.seq}) and before its DELETE (#${del.seq})`, seqs: [readd.seq] },
    { invariant: 'moved-objects-gone', message: 'clusters/default/c1 still exists in the source namespace after clusterctl move reported success', seqs: [done, assertSeq] },
  ];
  moveViolations = violations;
  return entries;
}
let moveViolations: RunReport['violations'] = [];

function moveRun(): RunReport {
  const history = moveHistory();
  return {
    scenario: 'clusterctl-move-finalizer',
    variant: 'buggy',
    seed: 4,
    reproduced: true,
    expected: true,
    ok: true,
    durationMs: 38.6,
    violations: moveViolations,
    history,
    description: 'clusterctl move strips the Cluster finalizer before deleting it; the Cluster controller (EnsureFinalizer before the pause check) re-adds it in between, so the DELETE only sets a deletionTimestamp and the source Cluster stays Terminating for good.',
    upstream: 'https://github.com/kubernetes-sigs/cluster-api/issues/11812',
  };
}

function runChromium(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(chromium, args, { timeout: chromiumTimeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

function chromiumArgs(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
  ];
}

test('the report renders in headless Chromium: lanes, highlighted violation, screenshot', { skip, timeout: 3 * chromiumTimeoutMs }, async (t) => {
  const keep = process.env.RACELAB_REPORT_ARTIFACTS;
  const work = mkdtempSync(join(tmpdir(), 'racelab-report-browser-'));
  const out = keep ?? join(work, 'out');
  mkdirSync(out, { recursive: true });
  try {
    const run = moveRun();
    const path = writeReport(out, run);
    assert.ok(path.endsWith('clusterctl-move-finalizer-buggy-seed4.html'));

    const { stdout: dom } = await runChromium([...chromiumArgs(join(work, 'profile-dom')), '--dump-dom', `file://${path}`]);
    assert.match(dom, /<\/html>\s*$/);
    const lanes = [...dom.matchAll(/<th class="lane[^"]*" data-actor="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(lanes, ['scenario', 'cluster-controller', 'clusterctl', 'clusterctl-target']);
    const violating = [...dom.matchAll(/<tr id="seq-(\d+)" class="[^"]*\bviolation\b[^"]*"/g)].map((m) => Number(m[1]));
    const readd = run.violations[0]!.seqs[0]!;
    assert.ok(violating.includes(readd), `row #${readd} highlighted in ${violating.join(',')}`);
    assert.equal(violating.length, 3);
    assert.match(dom, /no-finalizer-after-removal/);
    assert.match(dom, /<section class="violations"/);
    assert.equal([...dom.matchAll(/<tr id="seq-\d+"/g)].length, [...dom.matchAll(/data-seq="/g)].length);
    // The note's <script> stayed text: the title is ours and the page has exactly one script element.
    assert.match(dom, /<title>clusterctl-move-finalizer · buggy · seed 4 · OK<\/title>/);
    assert.equal([...dom.matchAll(/<script>/g)].length, 1);

    const png = join(out, 'clusterctl-move-finalizer-buggy-seed4.png');
    await runChromium([...chromiumArgs(join(work, 'profile-shot')), '--hide-scrollbars', `--screenshot=${png}`, '--window-size=1400,900', `file://${path}`]);
    assert.ok(existsSync(png), 'screenshot written');
    const bytes = readFileSync(png);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
    assert.equal(bytes.readUInt32BE(16), 1400, 'width');
    assert.ok(statSync(png).size > 20_000, `a non-trivial screenshot (${statSync(png).size} bytes)`);
    if (keep) t.diagnostic(`kept ${path} and ${png}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
