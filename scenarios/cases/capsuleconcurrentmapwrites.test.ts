// capsule-concurrent-map-writes through the scenario engine: the buggy controller (v0.7.2) crashes with
// `fatal error: concurrent map writes` and crash-loops on every seed, the fixed one (v0.7.3, #1264) never
// does, and a seed always gives the same history. Replication and pruning on their own are tested in
// controllers/capsule/globaltenantresource.test.ts.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { notes } from '../engine/checkers.ts';
import { assertVerdict, median, testSeeds, untimed } from '../engine/casetest.ts';
import { runCase } from '../engine/runner.ts';
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
      ['no-fatal-crash', 'status-written', 'processed-items-equal-replicas'],
      `seed ${seed}: ${JSON.stringify(result.violations)}`,
    );
    assert.match(result.violations[0]?.message ?? '', /fatal error: concurrent map writes in goroutine "HandleSection alpha-1\//);
    assert.match(result.violations[2]?.message ?? '', /missing replicas: .*Namespace=alpha-2/);
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
