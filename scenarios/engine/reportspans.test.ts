import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryEntry, ReconcileEntry } from '../../apiserver/interleave/types.ts';
import { htmlTimeline, textTimeline } from './report.ts';
import { buildModel, type RunReport } from './reportmodel.ts';

const at = (seq: number): { seq: number; atMs: number; realMs: number } => ({ seq, atMs: 1_700_000_000_000 + seq * 10, realMs: seq });
const g = 'cluster.x-k8s.io';

/**
 * ctrl (two workers) gets a delivery (#1) and starts reconciles of c1 (#2, worker 0) and c2 (#3, worker 1);
 * its PATCH #4 comes while both run, its GET #7 after c2's ended (#6) while c1 still runs; c1 ends with a
 * requeue (#9); an informer LIST (#10) outside any reconcile; a reconcile that never ends (#11). clusterctl
 * records no spans: its PATCH (#13) after its delivery (#12) is linked straight to it.
 */
function history(): HistoryEntry[] {
  const rec = (seq: number, phase: 'start' | 'end', worker: number, key: string, more: Partial<ReconcileEntry> = {}): ReconcileEntry => ({ ...at(seq), type: 'reconcile', actor: 'ctrl', controller: 'cluster', worker, key, phase, ...more });
  return [
    { ...at(1), type: 'delivery', actor: 'ctrl', resource: 'clusters', eventType: 'MODIFIED', namespace: 'default', name: 'c1', revision: 7 },
    rec(2, 'start', 0, 'default/c1'),
    rec(3, 'start', 1, 'default/c2'),
    { ...at(4), type: 'request', actor: 'ctrl', verb: 'patch', group: g, resource: 'clusters', namespace: 'default', name: 'c1', rvBefore: 7 },
    { ...at(5), type: 'response', request: 4, actor: 'ctrl', verb: 'patch', resource: 'clusters', namespace: 'default', name: 'c1', code: 200, rvAfter: 8, objectRv: '8' },
    rec(6, 'end', 1, 'default/c2', { start: 3, result: 'ok' }),
    { ...at(7), type: 'request', actor: 'ctrl', verb: 'get', group: g, resource: 'clusters', namespace: 'default', name: 'c1', rvBefore: 8 },
    { ...at(8), type: 'response', request: 7, actor: 'ctrl', verb: 'get', resource: 'clusters', namespace: 'default', name: 'c1', code: 200, rvAfter: 8, objectRv: '8' },
    rec(9, 'end', 0, 'default/c1', { start: 2, result: 'requeue', requeueAfterMs: 30_000 }),
    { ...at(10), type: 'request', actor: 'ctrl', verb: 'list', group: g, resource: 'machines', namespace: 'default', rvBefore: 8 },
    rec(11, 'start', 0, 'default/c3'),
    { ...at(12), type: 'delivery', actor: 'clusterctl', resource: 'clusters', eventType: 'MODIFIED', namespace: 'default', name: 'c1', revision: 8 },
    { ...at(13), type: 'request', actor: 'clusterctl', verb: 'patch', group: g, resource: 'clusters', namespace: 'default', name: 'c1', rvBefore: 8 },
  ];
}

function run(): RunReport {
  return { scenario: 'spans', variant: 'buggy', seed: 1, reproduced: false, expected: true, ok: false, durationMs: 1, violations: [], history: history() };
}

test('model: spans from start to end; delivery → the reconciles it triggered → the requests made inside each', () => {
  const m = buildModel(run());
  assert.deepEqual(
    m.spans.map((s) => [s.start.seq, s.end?.seq]),
    [
      [2, 9],
      [3, 6],
      [11, undefined],
    ],
  );
  assert.deepEqual(m.next.get(1), [2, 3, 11], 'the delivery leads to the reconciles its actor started after it, before its next delivery');
  assert.equal(m.after.get(2), 1);
  assert.equal(m.after.get(3), 1);
  assert.deepEqual(m.inSpan.get(4), [2, 3], 'made while both workers reconciled: linked to each');
  assert.deepEqual(m.inSpan.get(7), [2], 'after c2 ended: only c1');
  assert.deepEqual(m.next.get(2), [4, 7]);
  assert.deepEqual(m.next.get(3), [4]);
  assert.equal(m.inSpan.get(10), undefined, 'an informer LIST outside any reconcile is linked to none');
  assert.equal(m.after.get(4), undefined, 'with spans, a request is not linked straight to the delivery');
  assert.deepEqual(m.next.get(12), [13], 'an actor without spans: the request after its delivery');
  assert.equal(m.after.get(13), 12);
});

test('html: span bars per worker from start row to end row, coloured by result; links both ways', () => {
  const html = htmlTimeline(run());
  const row = (seq: number): string => {
    const i = html.indexOf(`<tr id="seq-${seq}"`);
    assert.ok(i >= 0, `row #${seq}`);
    return html.slice(i, html.indexOf('</tr>', i));
  };
  const bars = (seq: number): string[] => [...row(seq).matchAll(/<i class="rs (r-\w+)" style="left:(\d+)px" data-span="(\d+)"/g)].map((m) => `${m[3]}:${m[1]}@${m[2]}`);
  assert.deepEqual(bars(2), ['2:r-requeue@1']);
  assert.deepEqual(bars(4), ['2:r-requeue@1', '3:r-ok@4'], 'worker 1 beside worker 0');
  assert.deepEqual(bars(6), ['2:r-requeue@1', '3:r-ok@4']);
  assert.deepEqual(bars(7), ['2:r-requeue@1'], 'c2 ended at #6');
  assert.deepEqual(bars(9), ['2:r-requeue@1']);
  assert.deepEqual(bars(10), [], 'between reconciles');
  assert.deepEqual(bars(13), ['11:r-open@1'], 'a reconcile that never ended runs to the last row');
  assert.match(row(2), /⟳<\/span> <span class="verb">reconcile<\/span> cluster default\/c1 <span class="sub">worker 0<\/span>/);
  assert.match(row(2), /<span class="res requeue">requeue after 30.00 s<\/span> at <a href="#seq-9">#9<\/a>/);
  assert.match(row(2), /data-next="4 7"/);
  assert.match(row(2), /data-after="1"/);
  assert.match(row(4), /data-in-span="2 3">⤶ in reconcile <a href="#seq-2">#2<\/a> <a href="#seq-3">#3<\/a>/);
  assert.match(row(9), /reconciled cluster default\/c1 <span class="res requeue">requeue after 30.00 s<\/span> <span class="sub">worker 0 · from <a href="#seq-2">#2<\/a>/);
  assert.match(row(11), /<span class="res open">never ended<\/span>/);
  assert.match(row(1), /data-next="2 3 11"/);
  assert.match(row(2), /data-verb="reconcile"/);
});

test('text: reconcile starts and ends are lines of their actor', () => {
  const text = textTimeline(run(), { width: 200 });
  assert.match(text, /#2\s+ctrl\s+⟳ reconcile cluster default\/c1 \(worker 0\)/);
  assert.match(text, /#9\s+ctrl\s+⟲ reconciled cluster default\/c1 \(worker 0\): requeue after 30.00 s \(#2\)/);
});
