// machineset-stale-cache: two API servers over one store, the MachineSet controller on the second. With its
// hint the buggy controller creates Machines again from a stale list and the fixed one (#316) does not;
// without hints, exploration finds the stale read by holding the second server's watch cache behind the
// store, the fix holds on every schedule, and each mutant of the fix is killed.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { machineSetStaleCache } from './machinesetstalecache.ts';

const seeds = [1, 2, 3];

it('with its hint: the buggy controller exceeds spec.replicas, the fixed one never does', async () => {
  for (const seed of seeds) {
    const buggy = await runCase(machineSetStaleCache, 'buggy', seed);
    assertVerdict(buggy.result, 'buggy');
    assert.match(buggy.result.violations.find((v) => v.invariant === 'no-more-machines-than-replicas')?.message ?? '', /^6 Machines existed at once for MachineSet ms1 of 3 replicas/);
    assertVerdict((await runCase(machineSetStaleCache, 'fixed', seed)).result, 'fixed');
  }
});

it('without hints: a schedule that holds the second server\u2019s watch cache finds the race; the fix holds', async () => {
  let found: number | undefined;
  for (let seed = 1; seed <= 12 && found === undefined; seed++) {
    const out = await runCase(machineSetStaleCache, 'buggy', seed, { strategy: 'random', hints: false });
    if (out.result.violations.some((v) => v.invariant === 'no-more-machines-than-replicas')) {
      found = seed;
      assert.ok(out.decisions.some((d) => d.kind === 'cache' && d.server === 1), 'the stale read comes with a held cache');
    }
  }
  assert.ok(found !== undefined, 'no schedule of 12 found the stale read');
  for (let seed = 1; seed <= 6; seed++) {
    const out = await runCase(machineSetStaleCache, 'fixed', seed, { strategy: 'random', hints: false });
    assert.deepEqual(out.result.violations, [], `fixed seed ${seed}`);
    assert.equal(out.result.error, undefined);
  }
});

it('the mutants of the fix are killed and the live-list fix holds', async () => {
  for (const m of machineSetStaleCache.mutants ?? []) {
    const row = await exploreMutant(machineSetStaleCache, m, { schedules: m.kind === 'mutant' ? 8 : 4, baseSeed: 1, depth: 2 });
    assert.equal(row.ok, true, `${m.kind} ${m.name}: ${JSON.stringify(row.killedBy ?? row.firstError ?? row)}`);
  }
});
