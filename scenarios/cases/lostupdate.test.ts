// The demonstration case: the buggy variant loses an update on every seed, the fixed one never does,
// and a seed always gives the same verdict and the same history.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict, testSeeds, untimed } from '../engine/casetest.ts';
import { runCase } from '../engine/runner.ts';
import { lostUpdate } from './lostupdate.ts';


it('buggy: the lost update reproduces on every seed', async () => {
  for (const seed of testSeeds) {
    const { result } = await runCase(lostUpdate, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.equal(result.violations[0]?.invariant, 'no-lost-update');
    assert.match(result.violations[0]?.message ?? '', /2 increments were acknowledged but the counter is 1/);
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
