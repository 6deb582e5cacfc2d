// devicetaint-async-events (kubernetes#130940 → #130947): the test that reads Events once right after the
// pod is gone fails on every seed; the one that waits with t.eventually passes on every seed. Either way the
// Event reaches the server after the pod DELETE. A schedule that writes the Event first is vacuous, not a
// violation; the broken waits of the test are killed, waiting through a watch holds.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { assertVerdict, median, testSeeds, untimed } from '../engine/casetest.ts';
import { all, requestSucceeded } from '../../apiserver/interleave/conditions.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { deviceTaintAsyncEvents, testActor } from './devicetaintasyncevents.ts';
import { controllerActor, podName } from './devicetaintworld.ts';

const seqOf = (h: readonly HistoryEntry[], pred: (e: HistoryEntry) => boolean): number => h.find(pred)?.seq ?? -1;

it('buggy: reading Events once right after the pod is gone misses the Event on every seed', async (t) => {
  const ms: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(deviceTaintAsyncEvents, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.deepEqual(
      result.violations.map((v) => v.invariant),
      ['test-passes'],
      `seed ${seed}: ${JSON.stringify(result.violations)}`,
    );
    assert.match(result.violations[0]?.message ?? '', /expected Event DeviceTaintManagerEviction "Marking for deletion" for pod workload, found none/);
    // The miss is contradicted later: the Event is written after the test read the Events.
    const assertSeq = seqOf(report.history, (e) => e.type === 'note' && e.actor === testActor && e.tag === 'assert');
    const postSeq = seqOf(report.history, (e) => e.type === 'response' && e.verb === 'create' && e.resource === 'events' && e.code === 201);
    assert.ok(assertSeq > 0 && postSeq > assertSeq, `seed ${seed}: the Event POST (${postSeq}) follows the failed assertion (${assertSeq})`);
    ms.push(result.durationMs);
  }
  t.diagnostic(`buggy: median ${median(ms)} ms, max ${Math.max(...ms)} ms`);
});

it('fixed: waiting with t.eventually on the Clock sees the Event on every seed', async (t) => {
  const ms: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(deviceTaintAsyncEvents, 'fixed', seed);
    assertVerdict(result, 'fixed');
    const deleteSeq = seqOf(report.history, (e) => e.type === 'response' && e.verb === 'delete' && e.resource === 'pods' && e.code === 200);
    const postSeq = seqOf(report.history, (e) => e.type === 'response' && e.verb === 'create' && e.resource === 'events' && e.code === 201);
    assert.ok(deleteSeq > 0 && postSeq > deleteSeq, `seed ${seed}: the Event POST follows the pod DELETE`);
    assert.ok(report.history.some((e) => e.type === 'note' && e.actor === testActor && e.tag === 'step' && /completed$/.test(e.text)));
    ms.push(result.durationMs);
  }
  t.diagnostic(`fixed: median ${median(ms)} ms, max ${Math.max(...ms)} ms`);
});
it('the same seed gives the same verdict and the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const one = await runCase(deviceTaintAsyncEvents, variant, 7);
    const two = await runCase(deviceTaintAsyncEvents, variant, 7);
    assert.equal(one.result.reproduced, two.result.reproduced);
    assert.deepEqual(untimed(one.report.history), untimed(two.report.history));
  }
});

/** The case with one more rule: the controller's pod DELETE waits until its Event was written (Event first). */
const eventFirst: ScenarioCase = {
  ...deviceTaintAsyncEvents,
  async run(ctx) {
    ctx.world.rules.holdRequest({
      name: 'pod-delete-waits-for-event',
      match: { actor: controllerActor, verb: 'delete', resource: 'pods', name: podName },
      until: all(requestSucceeded({ actor: controllerActor, verb: 'create', resource: 'events' })),
      boundMs: 60_000,
    });
    await deviceTaintAsyncEvents.run(ctx);
  },
};

it('the Event written before the DELETE does not fail the fixed test: the schedule is vacuous', async () => {
  for (const variant of ['fixed', 'buggy'] as const) {
    const { result, report } = await runCase(eventFirst, variant, 1);
    assert.equal(result.error, undefined, result.error);
    const deleteSeq = seqOf(report.history, (e) => e.type === 'response' && e.verb === 'delete' && e.resource === 'pods' && e.code === 200);
    const postSeq = seqOf(report.history, (e) => e.type === 'response' && e.verb === 'create' && e.resource === 'events' && e.code === 201);
    assert.ok(postSeq > 0 && deleteSeq > postSeq, `${variant}: the Event POST (${postSeq}) precedes the pod DELETE (${deleteSeq})`);
    assert.deepEqual(result.violations, [], `${variant}: ${JSON.stringify(result.violations)}`);
    assert.equal(result.reproduced, false);
    assert.deepEqual(result.vacuous, ['event-written-after-delete: the Event was written before the pod DELETE']);
  }
});

it("test-passes fails on the test's broken waits; waiting through a watch holds", async () => {
  for (const name of ['short-timeout', 'sleep-then-list', 'stale-list']) {
    const { result } = await runCase(deviceTaintAsyncEvents, 'fixed', 1, { mutant: name });
    assert.deepEqual(result.violations.map((v) => v.invariant), ['test-passes'], `${name}: ${JSON.stringify(result.violations)}`);
  }
  const watch = deviceTaintAsyncEvents.mutants?.find((m) => m.name === 'watch');
  assert.ok(watch);
  const row = await exploreMutant(deviceTaintAsyncEvents, watch, { schedules: 2, baseSeed: 1, depth: 2 });
  assert.equal(row.ok, true, JSON.stringify(row));
});
