// dra-registration-wipe (kubernetes#131056 → #131065): without Stop the pending wipe fires after the test
// completed and the test binary panics on every seed; with Stop in the cleanups nothing follows the test.
// Stop is load-bearing: without it, or with only half of it (cancel or wait), some verdict fails.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { assertVerdict, median, testSeeds, untimed } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { draRegistrationWipe, kubeletActor, pluginA, pluginB, testName, wipingDelayMs } from './draregistrationwipe.ts';

const wipeNotes = (h: readonly HistoryEntry[]): Extract<HistoryEntry, { type: 'note' }>[] => h.filter((e): e is Extract<HistoryEntry, { type: 'note' }> => e.type === 'note' && e.tag === 'wipe' && e.actor === kubeletActor);

it(`buggy: the wipe outlives the test and fails it after completion on every seed`, async (t) => {
  const ms: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(draRegistrationWipe, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.deepEqual([...new Set(result.violations.map((v) => v.invariant))], ['no-goroutine-outlives-test', 'no-fail-after-test-completed', 'no-handler-request-after-test'], `seed ${seed}: ${JSON.stringify(result.violations)}`);
    assert.ok(
      report.history.some((e) => e.type === 'note' && e.tag === 'panic' && e.text.startsWith(`Fail in goroutine after ${testName} has completed`)),
      'the harness panicked',
    );
    const completed = report.history.find((e) => e.type === 'note' && e.tag === 'step' && e.text.startsWith(`${testName} completed`));
    const late = report.history.filter((e) => e.type === 'request' && e.actor === kubeletActor && e.verb === 'deletecollection' && e.seq > (completed?.seq ?? Infinity));
    assert.equal(late.length, 1, 'one DeleteCollection after the test');
    assert.equal((late[0]?.atMs ?? 0) - (completed?.atMs ?? 0), wipingDelayMs, 'wipingDelay after the cleanup deregistered the plugin');
    ms.push(result.durationMs);
  }
  t.diagnostic(`buggy: median ${median(ms)} ms, max ${Math.max(...ms)} ms`);
});

it('fixed: Stop in the cleanups; nothing from the handler after the test, on every seed', async (t) => {
  const ms: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(draRegistrationWipe, 'fixed', seed);
    assertVerdict(result, 'fixed');
    // The start-up wipe and plugin B's, wipingDelay after it went; none for plugin A, which came back in time.
    assert.deepEqual(
      wipeNotes(report.history).map((n) => n.text.replace(/^.*fieldSelector=/, '')),
      ['spec.nodeName=node-1', `spec.nodeName=node-1,spec.driver=${pluginB}`],
    );
    assert.ok(!wipeNotes(report.history).some((n) => n.text.includes(pluginA)));
    ms.push(result.durationMs);
  }
  t.diagnostic(`fixed: median ${median(ms)} ms, max ${Math.max(...ms)} ms`);
});

it('the same seed gives the same verdict and the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const one = await runCase(draRegistrationWipe, variant, 7);
    const two = await runCase(draRegistrationWipe, variant, 7);
    assert.equal(one.result.reproduced, two.result.reproduced);
    assert.deepEqual(untimed(one.report.history), untimed(two.report.history));
  }
});

const invariantsOf = async (mutant: string): Promise<string[]> => {
  const { result } = await runCase(draRegistrationWipe, 'fixed', 1, { strategy: 'random', hints: false, mutant });
  assert.equal(result.error, undefined, result.error);
  return [...new Set(result.violations.map((v) => v.invariant))];
};

it("Stop is load-bearing: without it the late wipe panics the finished test", async () => {
  assert.deepEqual(await invariantsOf('no-stop'), ['no-goroutine-outlives-test', 'no-fail-after-test-completed', 'no-handler-request-after-test']);
});

it("test-passes: a Stop that waits without cancelling runs the wipe inside the cleanup, and the test FAILs", async () => {
  const { result, report } = await runCase(draRegistrationWipe, 'fixed', 1, { strategy: 'random', hints: false, mutant: 'wait-only' });
  assert.deepEqual(result.violations.map((v) => v.invariant), ['test-passes'], JSON.stringify(result.violations));
  assert.match(result.violations[0]?.message ?? '', new RegExp(`spec.driver=${pluginA.replace(/\./g, '\\.')}", expected no further call`));
  assert.ok(report.history.some((e) => e.type === 'note' && e.tag === 'step' && e.text === `${testName} completed (FAIL)`));
});

it('no-goroutine-outlives-test: a Stop that cancels without waiting returns before the wipe goroutine ended', async () => {
  assert.deepEqual(await invariantsOf('cancel-only'), ['no-goroutine-outlives-test']);
});

it('the equivalent Stop (per-wipe cancel and await) holds', async () => {
  const m = draRegistrationWipe.mutants?.find((x) => x.name === 'per-wipe');
  assert.ok(m);
  const row = await exploreMutant(draRegistrationWipe, m, { schedules: 2, baseSeed: 1, depth: 2 });
  assert.equal(row.ok, true, JSON.stringify(row));
});
