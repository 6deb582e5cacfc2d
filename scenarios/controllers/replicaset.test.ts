// replicaset-scale and replicationcontroller-scale: under random schedules the ReplicaSet controller (and
// the ReplicationManager, the same code) never makes more pods than replicas nor deletes below them, and
// converges; each broken variant of it is killed within a few schedules.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { replicaSetScale, replicationControllerScale } from './replicaset.ts';

for (const c of [replicaSetScale, replicationControllerScale]) {
  it(`${c.name}: random schedules, every invariant holds`, async () => {
    for (const seed of [1, 2, 3]) {
      const out = await runCase(c, 'fixed', seed, { strategy: 'random', hints: false });
      assertVerdict(out.result, 'fixed');
      const marks = out.report.history.filter((e) => e.type === 'note' && e.tag === 'committed' && e.text.includes('"deleting":true') && e.text.includes('"type":"MODIFIED"'));
      assert.ok(marks.length >= 2, 'the scale-down deleted pods');
    }
  });
}

it('replicaset-scale: each mutant is killed within a few schedules', async () => {
  for (const m of replicaSetScale.mutants ?? []) {
    const row = await exploreMutant(replicaSetScale, m, { schedules: 3, baseSeed: 1, depth: 2 });
    assert.equal(row.ok, true, `${m.name}: ${JSON.stringify(row)}`);
    assert.ok((row.firstViolation ?? Infinity) <= 3, `${m.name} is killed by the random schedules`);
  }
});
