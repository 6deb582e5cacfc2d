// serviceaccount-default: the ServiceAccounts controller's invariants hold under random schedules, and each
// mutant (a broken controller) is killed within a few schedules.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { serviceAccountDefault } from './serviceaccount.ts';

it('under random schedules every active namespace keeps default and no terminating one gets an account', async () => {
  for (const seed of [1, 2, 3]) {
    const out = await runCase(serviceAccountDefault, 'fixed', seed, { strategy: 'random', hints: false });
    assert.equal(out.result.error, undefined, out.result.error);
    assert.deepEqual(out.result.violations, [], `seed ${seed}`);
    assert.equal(out.result.ok, true);
  }
});

it('each mutant of the ServiceAccounts controller is killed', async () => {
  for (const m of serviceAccountDefault.mutants ?? []) {
    const row = await exploreMutant(serviceAccountDefault, m, { schedules: 8, baseSeed: 1, depth: 2 });
    assert.equal(row.ok, true, `${m.name}: ${JSON.stringify(row.firstError ?? row)}`);
  }
});
