import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { htmlTimeline, runOfReport, textTimeline, writeReport, type RunReport } from './report.ts';

const evil = 'm-<script>alert(1)</script>';
const t0 = 1_700_000_000_000;

/**
 * Two actors. capi-controller lists and adds a finalizer; clusterctl's PATCH is held from #3 until
 * capi-controller's PATCH got its reply (#5), then released (#6, #7); a delayed watch delivery (#8);
 * clusterctl's reply comes later (#9); capi-controller's create fails with an injected 500 (#10, #11);
 * then it crashes (#12).
 */
function history(opts: { timedOut?: boolean } = {}): HistoryEntry[] {
  const at = (seq: number): { seq: number; atMs: number; realMs: number } => ({ seq, atMs: t0 + seq * 1000, realMs: seq });
  return [
    { ...at(1), type: 'request', actor: 'capi-controller', verb: 'list', group: 'cluster.x-k8s.io', resource: 'clusters', namespace: 'default', rvBefore: 10 },
    { ...at(2), type: 'response', request: 1, actor: 'capi-controller', verb: 'list', resource: 'clusters', namespace: 'default', code: 200, rvAfter: 10 },
    { ...at(3), type: 'note', actor: 'clusterctl', tag: 'hold', text: 'PATCH clusters/default/c1 held by hold-move-patch' },
    { ...at(4), type: 'request', actor: 'capi-controller', verb: 'patch', group: 'cluster.x-k8s.io', resource: 'clusters', namespace: 'default', name: 'c1', body: 'finalizers=[cluster.cluster.x-k8s.io]', rvBefore: 11 },
    { ...at(5), type: 'response', request: 4, actor: 'capi-controller', verb: 'patch', resource: 'clusters', namespace: 'default', name: 'c1', code: 200, rvAfter: 12, objectRv: '12' },
    { ...at(6), type: 'note', actor: 'clusterctl', tag: 'release', text: 'released by #5' },
    {
      ...at(7), type: 'request', actor: 'clusterctl', verb: 'patch', group: 'cluster.x-k8s.io', resource: 'clusters', namespace: 'default', name: 'c1',
      body: 'spec.paused=true', rvBefore: 12, held: { rule: 'hold-move-patch', heldAtSeq: 3, timedOut: opts.timedOut ?? false },
    },
    { ...at(8), type: 'delivery', actor: 'capi-controller', resource: 'clusters', eventType: 'MODIFIED', namespace: 'default', name: 'c1', revision: 12, delayed: { rule: 'delay-watch' } },
    { ...at(9), type: 'response', request: 7, actor: 'clusterctl', verb: 'patch', resource: 'clusters', namespace: 'default', name: 'c1', code: 200, rvAfter: 13, objectRv: '13' },
    { ...at(10), type: 'request', actor: 'capi-controller', verb: 'create', group: 'cluster.x-k8s.io', resource: 'machines', namespace: 'default', name: evil, rvBefore: 13 },
    { ...at(11), type: 'response', request: 10, actor: 'capi-controller', verb: 'create', resource: 'machines', namespace: 'default', name: evil, code: 500, reason: 'InternalError', rvAfter: 13, injected: { rule: 'fail-create' } },
    { ...at(12), type: 'note', actor: 'capi-controller', tag: 'crash', text: 'controller crashed' },
  ];
}

function run(overrides: Partial<RunReport> = {}): RunReport {
  return {
    scenario: 'c-move',
    variant: 'buggy',
    seed: 7,
    reproduced: true,
    expected: true,
    ok: true,
    durationMs: 42,
    violations: [{ invariant: 'finalizer-kept', message: 'clusterctl patched c1 after <b>the</b> finalizer was added', seqs: [7, 11] }],
    history: history(),
    description: 'A synthetic run.',
    upstream: 'https://github.com/kubernetes-sigs/cluster-api/issues/11809',
    ...overrides,
  };
}

/** The text a browser would show for a fragment: tags removed, entities decoded. */
function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Each timeline row: its id seq, classes, the index of the cell holding the entry, and its text. */
function rows(html: string): { seq: number; classes: string[]; cell: number; dataSeq: number; text: string; html: string }[] {
  const tbody = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  return [...tbody.matchAll(/<tr id="seq-(\d+)" class="([^"]*)"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => {
    const cells = [...m[3]!.matchAll(/<td\b[^>]*>/g)].map((c) => c[0]);
    const cell = cells.findIndex((c) => c.includes('data-seq='));
    const dataSeq = Number(/data-seq="(\d+)"/.exec(cells[cell] ?? '')?.[1]);
    return { seq: Number(m[1]), classes: m[2]!.split(' '), cell, dataSeq, text: text(m[3]!), html: m[3]! };
  });
}

test('html: one lane per actor, in order of first appearance, identifiable in the DOM', () => {
  const html = htmlTimeline(run());
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  const lanes = [...html.matchAll(/<th class="lane[^"]*" data-actor="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(lanes, ['capi-controller', 'clusterctl']);
  assert.equal([...html.matchAll(/<th [^>]*data-actor=/g)].length, 2);
});

test('html: rows in seq order, each entry in its actor lane, replies joined to their requests', () => {
  const html = htmlTimeline(run());
  const rs = rows(html);
  // #2, #5 and #11 reply right after their request, so they are joined to its row; #9 came later.
  assert.deepEqual(rs.map((r) => r.seq), [1, 3, 4, 6, 7, 8, 9, 10, 12]);
  assert.deepEqual(rs.map((r) => r.dataSeq), [1, 3, 4, 6, 7, 8, 9, 10, 12]);
  const laneOf: Record<string, number> = { 'capi-controller': 2, clusterctl: 3 };
  const actorOf = new Map(history().map((e) => [e.seq, e.actor]));
  for (const r of rs) assert.equal(r.cell, laneOf[actorOf.get(r.seq)!], `row #${r.seq} in its actor's lane`);
  const row = (seq: number) => rs.find((r) => r.seq === seq)!;
  assert.match(row(4).text, /→ PATCH clusters\/default\/c1\s*200/);
  assert.match(row(4).text, /finalizers=\[cluster\.cluster\.x-k8s\.io\]/);
  assert.match(row(1).text, /LIST clusters\/default\/\*\s*200/);
  assert.match(row(7).text, /→ PATCH clusters\/default\/c1\s*200/);
  assert.match(row(7).text, /reply #9/);
  assert.match(row(9).text, /↩\s*200 PATCH clusters\/default\/c1 · request #7/);
  assert.match(row(8).text, /⇠ MODIFIED clusters\/default\/c1 rv=12/);
  assert.match(row(10).text, /500 InternalError/);
  assert.ok(row(4).html.includes('id="seq-5"'), 'a joined reply keeps its anchor');
  assert.match(row(12).text, /crash\s*controller crashed/);
  assert.match(row(3).text, /hold/);
  assert.match(row(6).text, /release/);
  // clusterctl's lane shows its request held from #3 to #7; capi-controller's nothing in flight.
  assert.ok(row(4).html.includes('class="cell l1 heldspan"'));
  assert.ok(row(8).html.includes('class="cell l1 inflight"'), 'clusterctl waits for its reply at #8');
});

test('html: the violating rows are highlighted with the message, and listed with links', () => {
  const html = htmlTimeline(run());
  const rs = rows(html);
  const violating = rs.filter((r) => r.classes.includes('violation')).map((r) => r.seq);
  // #11 is the reply joined to #10, so its row is highlighted.
  assert.deepEqual(violating, [7, 10]);
  for (const seq of violating) {
    const r = rs.find((x) => x.seq === seq)!;
    // The row names the violation and links to where it is stated, once.
    assert.match(r.text, /✗ 1 finalizer-kept/);
    assert.ok(r.html.includes('href="#violation-1"'));
  }
  assert.equal(text(html).split('clusterctl patched c1 after <b>the</b> finalizer was added').length, 2, 'the message is stated once');
  assert.match(html, /tr\.violation td\{background-color:var\(--badbg\)\}/);
  assert.match(html, /--badbg:#fdecec/);
  const section = html.slice(html.indexOf('<section class="violations"'), html.indexOf('</section>'));
  assert.match(text(section), /1 invariant violation/);
  assert.match(text(section), /finalizer-kept — clusterctl patched c1/);
  assert.ok(section.includes('<a href="#seq-7">#7</a>'));
  assert.ok(section.includes('<a href="#seq-10">#11</a>'));
  assert.equal(rows(htmlTimeline(run({ violations: [], reproduced: false, expected: false, variant: 'fixed' }))).filter((r) => r.classes.includes('violation')).length, 0);
  assert.match(htmlTimeline(run({ violations: [] })), /No invariant violated/);
});

test('html: held, timed-out, injected and delayed markers', () => {
  const html = htmlTimeline(run());
  const rs = rows(html);
  const row = (seq: number) => rs.find((r) => r.seq === seq)!;
  assert.match(row(7).text, /held · hold-move-patch · since #3/);
  assert.ok(row(7).html.includes('title="⏸ held by rule hold-move-patch from #3"'));
  assert.ok(row(7).html.includes('aria-label="⏸"'));
  assert.ok(row(7).html.includes('<a href="#seq-3">#3</a>'));
  assert.doesNotMatch(row(7).text, /timed out/);
  assert.match(row(10).text, /⚡ injected · fail-create/);
  assert.match(row(8).text, /delayed · delay-watch/);
  assert.ok(row(8).html.includes('title="⏳ delayed by rule delay-watch"'));
  const timedOut = rows(htmlTimeline(run({ history: history({ timedOut: true }) }))).find((r) => r.seq === 7)!;
  assert.match(timedOut.text, /timed out/);
});

test('html: header, legend, and no HTML injection from names', () => {
  const html = htmlTimeline(run());
  const header = text(html.slice(html.indexOf('<header>'), html.indexOf('</header>')));
  assert.match(header, /c-move/);
  assert.match(header, /buggy/);
  assert.match(header, /seed 7/);
  assert.match(header, /OK — race reproduced, as expected/);
  assert.match(header, /duration 42 ms/);
  assert.ok(html.includes('<a href="https://github.com/kubernetes-sigs/cluster-api/issues/11809"'));
  assert.match(html, /class="legend"/);
  assert.ok(!html.includes('<script>alert'));
  assert.ok(!html.includes('<b>the</b>'));
  assert.ok(html.includes('m-&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.equal([...html.matchAll(/<script>/g)].length, 1, 'only the hover script');
  assert.ok(!/https?:\/\/(?!github\.com\/kubernetes-sigs)/.test(html.replace(/<a href="https:\/\/github\.com\/[^"]*"/, '')), 'no external assets');
  const failing = htmlTimeline(run({ ok: false, reproduced: false, upstream: 'javascript:alert(1)', scenario: '<x>' }));
  assert.match(text(failing.slice(failing.indexOf('<header>'), failing.indexOf('</header>'))), /✗ FAIL — race not reproduced/);
  assert.ok(!failing.includes('href="javascript:'));
  assert.ok(failing.includes('&lt;x&gt;'));
  assert.ok(htmlTimeline(run({ upstream: 'kubernetes/kubernetes#131220' })).includes('href="https://github.com/kubernetes/kubernetes/issues/131220"'));
  assert.match(htmlTimeline(run({ history: [], violations: [] })), /The history is empty/);
});

test('html: entries out of seq order are rendered in seq order', () => {
  const rs = rows(htmlTimeline(run({ history: history().reverse() })));
  assert.deepEqual(rs.map((r) => r.seq), [1, 3, 4, 6, 7, 8, 9, 10, 12]);
});

test('writeReport writes <scenario>-<variant>-seed<N>.html, creating the directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'racelab-report-'));
  try {
    const r = run();
    const path = writeReport(join(dir, 'a', 'b'), r);
    assert.equal(path, join(dir, 'a', 'b', 'c-move-buggy-seed7.html'));
    assert.equal(readFileSync(path, 'utf8'), htmlTimeline(r));
    assert.equal(writeReport(dir, { ...r, scenario: '../x y', variant: 'fixed', seed: 3 }), join(dir, '.._x_y-fixed-seed3.html'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('text: one line per entry with replies joined, markers and violations', () => {
  const out = textTimeline(run(), { width: 200 });
  const lines = out.split('\n');
  const line = (seq: number) => lines.find((l) => new RegExp(`^. #${seq}\\s`).test(l))!;
  assert.equal(lines.filter((l) => /^. #\d+/.test(l)).length, 9);
  assert.match(line(1), /^ {2}#1\s+capi-controller\s+→ LIST clusters\/default\/\*\s+200$/);
  assert.match(line(4), /capi-controller\s+→ PATCH clusters\/default\/c1 {2}200$/);
  assert.match(line(7), /^✗ #7\s+clusterctl\s+→ PATCH clusters\/default\/c1 {2}200 @#9 {2}⏸ held\(hold-move-patch, since #3\) {2}✗ finalizer-kept$/);
  assert.match(line(8), /⇠ MODIFIED clusters\/default\/c1 rv=12 {2}⏳ delayed\(delay-watch\)$/);
  assert.match(line(9), /clusterctl\s+↩ PATCH clusters\/default\/c1 \(#7\) {2}200$/);
  assert.match(line(10), /^✗ #10\s+capi-controller\s+→ CREATE machines\/default\/m-<script>alert\(1\)<\/script> {2}500 InternalError {2}⚡ injected\(fail-create\) {2}✗ finalizer-kept$/);
  assert.match(line(12), /✖ crash: controller crashed$/);
  assert.match(line(3), /⏸ hold: PATCH clusters\/default\/c1 held by hold-move-patch$/);
  assert.match(out, /\n\n✗ finalizer-kept: clusterctl patched c1 after <b>the<\/b> finalizer was added {2}\(#7, #11\)$/);
  assert.ok(!out.includes('\x1b['), 'no colors unless asked');
  assert.match(textTimeline(run({ history: history({ timedOut: true }) })), /held\(hold-move-patch, since #3, timed out\)/);
});

test('text: colors, width and limit', () => {
  const colored = textTimeline(run(), { color: true });
  assert.ok(colored.includes('\x1b[31m'));
  assert.ok(colored.includes('\x1b[0m'));
  const sgr = new RegExp(String.fromCharCode(27) + String.raw`\[\d+m`, 'g');
  assert.equal(colored.replace(sgr, ''), textTimeline(run()));

  const narrow = textTimeline(run(), { width: 70 }).split('\n');
  const create = narrow.find((l) => l.startsWith('✗ #10'))!;
  assert.match(create, /→ CREATE m\S*… {2}500 InternalError {2}⚡ injected\(fail-create\) {2}✗ finalizer-kept$/);
  for (const l of narrow.filter((x) => /^. #(1|3|12)\s/.test(x))) assert.ok([...l].length <= 70, l);

  // Many entries after the violation: the window keeps the violating line and a little after it.
  const filler: HistoryEntry[] = Array.from({ length: 40 }, (_, i) => ({ seq: 100 + i, atMs: t0 + 100_000 + i, realMs: 100 + i, type: 'note', actor: 'clusterctl', tag: 'step', text: `step ${i}` }));
  const long = run({ history: [...history(), ...filler] });
  const limited = textTimeline(long, { limit: 10 }).split('\n');
  const entryLines = limited.filter((l) => /^. #\d+/.test(l));
  assert.equal(entryLines.length, 10);
  assert.ok(entryLines.some((l) => l.startsWith('✗ #10')));
  assert.ok(entryLines[0]!.includes('#1 '), 'the violation is early: nothing before it is cut');
  assert.ok(limited.includes('  … 39 later entries'));
  // A tight limit keeps the lines leading up to the last violation.
  const tight = textTimeline(long, { limit: 4 }).split('\n');
  assert.equal(tight[0], '  … 4 earlier entries');
  assert.deepEqual(tight.filter((l) => /^. #\d+/.test(l)).map((l) => /#(\d+)/.exec(l)![1]), ['7', '8', '9', '10']);
  assert.equal(tight[5], '  … 41 later entries');
  // Without violations, the last N lines.
  const tail = textTimeline({ ...long, violations: [] }, { limit: 5 }).split('\n');
  assert.deepEqual(tail.filter((l) => /^. #\d+/.test(l)).map((l) => /#(\d+)/.exec(l)![1]), ['135', '136', '137', '138', '139']);
  assert.equal(textTimeline(run({ history: [], violations: [] })), '');
  // Every violating line fits: the window starts at the first one.
  assert.deepEqual(textTimeline(long, { limit: 5 }).split('\n').filter((l) => /^. #\d+/.test(l)).map((l) => /#(\d+)/.exec(l)![1]), ['7', '8', '9', '10', '12']);
});

test('text: one terminal line per entry, whatever the names and notes hold', () => {
  const escape = String.fromCharCode(27);
  const weird: HistoryEntry[] = [
    { seq: 1, atMs: t0, realMs: 0, type: 'note', actor: `a${escape}[2J`, tag: 'panic', text: `line one\nline two${escape}[31m red` },
  ];
  const out = textTimeline(run({ history: weird, violations: [{ invariant: 'x\ny', message: 'm\r\nn', seqs: [1] }] }));
  assert.ok(!out.includes(escape));
  assert.equal(out.split('\n').length, 3);
  assert.match(out, /^✗ #1\s+a\?\[2J\s+‼ panic: line one line two\?\[31m red {2}✗ x y$/m);
  assert.match(out, /^✗ x y: m {2}n {2}\(#1\)$/m);
});

/** Twelve informer entries of start-up and a setup step, then the synthetic race (renumbered after them). */
function withStartup(): HistoryEntry[] {
  const at = (seq: number): { seq: number; atMs: number; realMs: number } => ({ seq, atMs: t0, realMs: seq });
  const startup: HistoryEntry[] = [];
  for (let i = 0; i < 6; i++) {
    startup.push({ ...at(2 * i + 1), type: 'request', actor: 'capi-controller', verb: i % 2 ? 'watch' : 'list', group: 'cluster.x-k8s.io', resource: `r${i}`, rvBefore: 1 });
    startup.push({ ...at(2 * i + 2), type: 'response', request: 2 * i + 1, actor: 'capi-controller', verb: i % 2 ? 'watch' : 'list', resource: `r${i}`, code: 200, rvAfter: 1 });
  }
  startup.push({ ...at(13), type: 'note', actor: 'scenario', tag: 'step', text: 'create the world' });
  const race = history().map((e) => ({ ...e, seq: e.seq + 13, ...(e.type === 'response' ? { request: e.request + 13 } : {}) }) as HistoryEntry);
  return [...startup, ...race];
}

test('html: start-up folded behind one row, a jump link to the first violation, simulated clock times', () => {
  const r = run({ history: withStartup(), violations: [{ invariant: 'finalizer-kept', message: 'm', seqs: [20] }] });
  const html = htmlTimeline(r);
  const rs = rows(html);
  const startup = rs.filter((x) => x.classes.includes('startup')).map((x) => x.seq);
  // Six LIST/WATCH pairs (joined into rows), the setup step and the race's LIST (#14, #15), until the first
  // rule acts (the hold note #16).
  assert.deepEqual(startup, [1, 3, 5, 7, 9, 11, 13, 14]);
  assert.match(html, /<tr id="startup-fold" class="fold">[\s\S]*?▸ start-up: 15 entries/);
  assert.match(html, /tr\.startup\{display:none\}/);
  assert.match(html, /<a id="jump-first-violation" href="#seq-20">/);
  assert.ok(!rs.find((x) => x.seq === 20)!.classes.includes('startup'), 'the first violation is not folded');
  assert.match(rs[0]!.html, /<td class="time" title="\+0\.000s from the first entry">22:13:20\.000<\/td>/);
  // Nothing to fold when the race starts at once.
  assert.doesNotMatch(htmlTimeline(run()), /id="startup-fold"/);
});

test('html: a watch delivery links to the requests its actor sent next, and they link back', () => {
  const h = history();
  // capi-controller gets MODIFIED #8 and then creates a machine (#10): the reconcile that event triggered.
  const html = htmlTimeline(run({ history: h }));
  const rs = rows(html);
  const delivery = rs.find((x) => x.seq === 8)!;
  assert.ok(delivery.html.includes('data-next="10"'), delivery.html);
  assert.match(delivery.text, /⤷ then #10/);
  const request = rs.find((x) => x.seq === 10)!;
  assert.ok(request.html.includes('data-after="8"'));
  assert.match(request.text, /⤶ after event #8/);
});

test('html and text: an entry of a kind the renderer does not know is a labelled mark on its actor lane', () => {
  const decision = { seq: 13, atMs: t0 + 13_000, realMs: 13, type: 'decision', actor: 'explorer', text: 'admit clusterctl before capi-controller' } as unknown as HistoryEntry;
  const r = run({ history: [...history(), decision] });
  const row = rows(htmlTimeline(r)).find((x) => x.seq === 13)!;
  assert.match(row.text, /◆ decision\s*admit clusterctl before capi-controller/);
  assert.equal(row.cell, 4, 'on the explorer lane (third actor)');
  assert.match(textTimeline(r, { width: 200 }), /#13\s+explorer\s+◆ decision: admit clusterctl before capi-controller/);
});

test('a report carries its run: runOfReport reads it back, text that could end the script included', () => {
  const r = run({ description: '</script><script>alert(1)</script>' });
  const html = htmlTimeline(r);
  assert.deepEqual(runOfReport(html), r);
  assert.equal(html.split('</script>').length, 4, 'the run, the objects and the page script end once each');
  assert.equal(runOfReport('<html></html>'), undefined);
});
