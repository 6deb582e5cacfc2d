// The demonstration case: the buggy variant loses an update on every seed, the fixed one never does,
// and a seed always gives the same verdict and the same history.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict, testSeeds, untimed } from '../engine/casetest.ts';
import { runCase } from '../engine/runner.ts';
import type { StrategyName } from '../engine/schedule.ts';
import { lostUpdate } from './lostupdate.ts';


it('buggy: the lost update reproduces on every seed', async () => {
  for (const seed of testSeeds) {
    const { result } = await runCase(lostUpdate, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.equal(result.violations[0]?.invariant, 'no-lost-update');
    assert.match(result.violations[0]?.message ?? '', /2 increments were acknowledged but the counter is 1/);
    assert.equal(result.vacuous, undefined, 'the hints make the read-modify-writes overlap');
  }
});

it('fixed: no update is lost on any seed', async () => {
  for (const seed of testSeeds) {
    const { result } = await runCase(lostUpdate, 'fixed', seed);
    assertVerdict(result, 'fixed');
  }
});


it('the same seed gives the same verdict and the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const one = await runCase(lostUpdate, variant, 7);
    const two = await runCase(lostUpdate, variant, 7);
    assert.equal(one.result.reproduced, two.result.reproduced);
    assert.deepEqual(untimed(one.report.history), untimed(two.report.history));
    assert.ok(one.report.history.length > 10);
  }
});

async function explored(mutant: string | undefined, strategy: StrategyName, seed: number): Promise<{ violated: string[]; vacuous: boolean; messages: string[] }> {
  const { result } = await runCase(lostUpdate, mutant ? 'fixed' : 'buggy', seed, { strategy, hints: false, ...(mutant ? { mutant } : {}) });
  assert.equal(result.error, undefined);
  return { violated: result.violations.map((v) => v.invariant), vacuous: result.vacuous !== undefined, messages: result.violations.map((v) => v.message) };
}

it('explored, the buggy writers lose an update whenever their read-modify-writes overlap; the other schedules are vacuous, never a pass', async () => {
  let vacuous = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const r = await explored(undefined, 'random', seed);
    if (r.vacuous) vacuous++;
    else assert.deepEqual(r.violated, ['no-lost-update', 'every-writer-increments'], `seed ${seed}`);
  }
  assert.ok(vacuous > 0 && vacuous < 6, `${vacuous} of 6 vacuous`);
});

it('mutants are killed: no retry on 409 (a writer gives up), a retry with the stale value, a PUT without resourceVersion', async () => {
  const killed = async (mutant: string): Promise<{ violated: string[]; messages: string[] }> => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = await explored(mutant, 'random', seed);
      if (r.violated.length > 0) return r;
    }
    assert.fail(`${mutant} survived 10 schedules`);
  };
  const noRetry = await killed('no-retry-on-conflict');
  assert.deepEqual(noRetry.violated, ['every-writer-increments'], 'no update is lost, but one writer never increments');
  assert.match(noRetry.messages[0] ?? '', /ends at 1 \(writer-[ab]: the increment failed: .*/);
  assert.deepEqual((await killed('retry-stale-value')).violated, ['no-lost-update', 'every-writer-increments']);
  assert.deepEqual((await killed('update-without-resource-version')).violated, ['no-lost-update', 'every-writer-increments']);
});

it('equivalent fixes hold: a JSON patch with a test op, a PUT with the read resourceVersion', async () => {
  for (const mutant of ['json-patch-test', 'update-with-resource-version']) {
    let overlapped = 0;
    for (const [strategy, seed] of [['random', 1], ['random', 2], ['random', 3], ['pct', 1], ['faults', 2]] as const) {
      const r = await explored(mutant, strategy, seed);
      assert.deepEqual(r.violated, [], `${mutant} ${strategy} ${seed}`);
      if (!r.vacuous) overlapped++;
    }
    assert.ok(overlapped > 0, `${mutant}: some schedule made the writes conflict`);
  }
});
