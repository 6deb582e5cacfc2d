// daemonset-one-per-node: under random schedules the DaemonSet controller keeps one pod per node and
// its rolling update within maxUnavailable, and converges; each broken variant of it is killed.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { daemonSetOnePerNode } from './daemonset.ts';

it('random schedules: every invariant holds', async () => {
  for (const seed of [1, 2, 3]) {
    const out = await runCase(daemonSetOnePerNode, 'fixed', seed, { strategy: 'random', hints: false });
    assertVerdict(out.result, 'fixed');
    const creates = out.report.history.filter((e) => e.type === 'note' && e.tag === 'committed' && e.text.includes('"type":"ADDED","kind":"Pod"'));
    assert.equal(creates.length, 4, 'a pod on each node, then its replacement in the rollout');
  }
});

it('each mutant is killed within a few schedules', async () => {
  for (const m of daemonSetOnePerNode.mutants ?? []) {
    const row = await exploreMutant(daemonSetOnePerNode, m, { schedules: 3, baseSeed: 1, depth: 2 });
    assert.equal(row.ok, true, `${m.name}: ${JSON.stringify(row)}`);
    assert.equal(row.firstViolation, 1, `${m.name} is killed by the first schedule`);
  }
});
