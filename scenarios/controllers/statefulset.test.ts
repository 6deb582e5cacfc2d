// statefulset-ordered: under random schedules the StatefulSet controller keeps its ordinal, ordered
// creation and ordered scale-down guarantees and converges; each broken variant of it is killed.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { statefulSetOrdered } from './statefulset.ts';

it('random schedules: every invariant holds', async () => {
  for (const seed of [1, 2, 3]) {
    const out = await runCase(statefulSetOrdered, 'fixed', seed, { strategy: 'random', hints: false });
    assertVerdict(out.result, 'fixed');
    assert.ok(out.report.history.some((e) => e.type === 'note' && e.tag === 'committed' && e.text.includes('"name":"web-2"')), 'the run reached three pods');
  }
});

it('each mutant is killed within a few schedules', async () => {
  for (const m of statefulSetOrdered.mutants ?? []) {
    const row = await exploreMutant(statefulSetOrdered, m, { schedules: 3, baseSeed: 1, depth: 2 });
    assert.equal(row.ok, true, `${m.name}: ${JSON.stringify(row)}`);
    assert.equal(row.firstViolation, 1, `${m.name} is killed by the first schedule`);
  }
});
