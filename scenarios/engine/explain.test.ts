// explainRun: a reproduced race is shown with its violated invariants, their messages, and the cited
// entries with the steps around them of each actor; a run that found nothing shows its last entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lostUpdate } from '../cases/lostupdate.ts';
import { explainRun, focusSeqs } from './explain.ts';
import { runCase } from './runner.ts';

test('a reproduced lost update: the invariant, its message and the two PATCHes it cites, numbered', async () => {
  const out = await runCase(lostUpdate, 'buggy', 1);
  assert.equal(out.result.reproduced, true);
  const text = explainRun(out);
  const lines = text.split('\n');
  assert.equal(lines[0], '✓ demo-lost-update buggy seed 1: the race reproduced');
  const v = out.report.violations[0]!;
  assert.ok(lines.includes(`    ✗ 1 ${v.invariant}: ${v.message}  (${v.seqs.map((s) => `#${s}`).join(', ')})`), text);
  // Every cited entry is on a row marked with the violation's number (a reply shows on its request's row).
  const marked = lines.filter((l) => /^ {2}✗ #\d+/.test(l));
  assert.equal(marked.length, 2, text);
  for (const l of marked) assert.match(l, /→ PATCH configmaps\/default\/counter \{"data":\{"n":"1"\}\} {2}200 .*✗ 1$/);
  // Start-up entries far from the race are folded into one `⋯ N entries` line.
  assert.match(text, /^ {4}⋯ \d+ entries$/m);
  assert.ok(lines.length < out.report.history.length, 'the explanation is shorter than the history');
});

test('focusSeqs: cited entries, their pairs, and `context` steps either side on the same actor only', () => {
  const h = (seq: number, actor: string) => ({ seq, atMs: 0, realMs: 0, type: 'note' as const, actor, tag: 'step', text: `s${seq}` });
  const history = [h(1, 'a'), h(2, 'b'), h(3, 'a'), h(4, 'b'), h(5, 'a'), h(6, 'a'), h(7, 'a'), h(8, 'b')];
  assert.deepEqual([...focusSeqs(history, [5], 1, 12)].sort((x, y) => x - y), [3, 5, 6]);
  assert.deepEqual([...focusSeqs(history, [4], 1, 12)].sort((x, y) => x - y), [2, 4, 8]);
  assert.deepEqual([...focusSeqs(history, [], 1, 3)].sort((x, y) => x - y), [6, 7, 8]);
  const withReply = [
    { seq: 1, atMs: 0, realMs: 0, type: 'request' as const, actor: 'a', verb: 'get' as const, group: '', resource: 'pods', name: 'p', rvBefore: 1 },
    h(2, 'b'),
    { seq: 3, atMs: 0, realMs: 0, type: 'response' as const, request: 1, actor: 'a', verb: 'get' as const, resource: 'pods', name: 'p', code: 200, rvAfter: 1 },
  ];
  assert.deepEqual([...focusSeqs(withReply, [3], 0, 12)].sort((x, y) => x - y), [1, 3]);
});
