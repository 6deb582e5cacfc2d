// capsule-concurrent-map-writes through the scenario engine: the buggy controller (v0.7.2) crashes with
// `fatal error: concurrent map writes` and crash-loops on every seed, the fixed one (v0.7.3, #1264) never
// does, and a seed always gives the same history. Replication and pruning on their own are tested in
// controllers/capsule/globaltenantresource.test.ts.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { notes } from '../engine/checkers.ts';
import { assertVerdict, median, testSeeds, untimed } from '../engine/casetest.ts';
import { runCase } from '../engine/runner.ts';
import type { StrategyName } from '../engine/schedule.ts';
import { capsuleActor, capsuleConcurrentMapWrites } from './capsuleconcurrentmapwrites.ts';

/** Each run should take well under a second; this bound only catches a run gone badly wrong. */
const runBoundMs = 5_000;


it('buggy: the controller crashes with concurrent map writes and crash-loops on every seed; the status is never written', async (t) => {
  const durations: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(capsuleConcurrentMapWrites, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.deepEqual(
      result.violations.map((v) => v.invariant),
      ['no-fatal-crash', 'no-data-race', 'status-written', 'processed-items-equal-replicas'],
      `seed ${seed}: ${JSON.stringify(result.violations)}`,
    );
    assert.match(result.violations[0]?.message ?? '', /fatal error: concurrent map writes in goroutine "HandleSection alpha-1\//);
    assert.match(result.violations[1]?.message ?? '', /-race reports \d+ data race\(s\): Write at 0x[0-9a-f]+ by goroutine \d+ \(HandleSection alpha-1\/.*Location is 'HandleSection.processed'/);
    assert.match(result.violations[3]?.message ?? '', /missing replicas: .*Namespace=alpha-2/);
    // Restarts at 0, 10, 30, 70 and 150 s of the 160 s horizon (kubelet crash-loop backoff), each run crashing.
    assert.equal(notes(report.history, 'restart', capsuleActor).length, 5, `seed ${seed}`);
    assert.equal(notes(report.history, 'crash', capsuleActor).length, 6, `seed ${seed}`);
    assert.equal(notes(report.history, 'timeout').length, 0, 'every batch of replica writes formed: no hold ran into its bound');
    assert.ok(result.durationMs < runBoundMs, `seed ${seed} took ${result.durationMs} ms`);
    durations.push(result.durationMs);
  }
  t.diagnostic(`buggy: median ${median(durations)} ms, max ${Math.max(...durations)} ms over ${testSeeds.length} seeds`);
});

it('fixed: no crash, every tenant namespace holds every replica and the status lists exactly them, on every seed', async (t) => {
  const durations: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(capsuleConcurrentMapWrites, 'fixed', seed);
    assertVerdict(result, 'fixed');
    assert.equal(notes(report.history, 'crash').length + notes(report.history, 'restart').length, 0);
    // The forced interleaving happened: the replica writes of each namespace were held and let through together.
    assert.ok(notes(report.history, 'release', capsuleActor).length >= 4, `seed ${seed}`);
    assert.equal(notes(report.history, 'timeout').length, 0, 'no hold ran into its bound');
    assert.ok(result.durationMs < runBoundMs, `seed ${seed} took ${result.durationMs} ms`);
    durations.push(result.durationMs);
  }
  t.diagnostic(`fixed: median ${median(durations)} ms, max ${Math.max(...durations)} ms over ${testSeeds.length} seeds`);
});


it('the same seed gives the same verdict and the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const one = await runCase(capsuleConcurrentMapWrites, variant, 7);
    const two = await runCase(capsuleConcurrentMapWrites, variant, 7);
    assert.equal(one.result.reproduced, two.result.reproduced);
    assert.deepEqual(untimed(one.report.history), untimed(two.report.history));
  }
});

/** The invariants violated by the fixed variant with `mutant`, explored (no hints: GoMap's default window). */
async function violated(mutant: string | undefined, strategy: StrategyName, seed: number): Promise<string[]> {
  const { result } = await runCase(capsuleConcurrentMapWrites, mutant ? 'fixed' : 'buggy', seed, { strategy, hints: false, ...(mutant ? { mutant } : {}) });
  assert.equal(result.error, undefined);
  return result.violations.map((v) => v.invariant);
}

it('explored with the default map window: the buggy inserts are a data race on every schedule, fatal when they overlap', async () => {
  let crashed = 0;
  for (const seed of [1, 2, 3]) {
    const got = await violated(undefined, 'random', seed);
    assert.ok(got.includes('no-data-race'), `seed ${seed}: ${got.join(', ')}`);
    if (got.includes('no-fatal-crash')) crashed++;
  }
  assert.ok(crashed > 0, 'concurrent admission alone makes two inserts overlap');
});

it('mutants are killed: a mutex taken by only one goroutine, slots merged before the wait, a slice appended from the goroutines (only -race sees it)', async () => {
  assert.ok((await violated('mutex-some-goroutines', 'random', 1)).includes('no-data-race'));
  assert.deepEqual(await violated('merge-before-wait', 'random', 1), ['no-data-race', 'processed-items-equal-replicas']);
  assert.deepEqual(await violated('shared-slice', 'random', 1), ['no-data-race']);
});

it('equivalent fixes hold: every insert under one Mutex; the replicas sent on a channel and drained after the wait', async () => {
  for (const mutant of ['mutex-all', 'channel']) {
    for (const [strategy, seed] of [['random', 1], ['pct', 2], ['faults', 3]] as const) assert.deepEqual(await violated(mutant, strategy, seed), [], `${mutant} ${strategy} ${seed}`);
  }
});
