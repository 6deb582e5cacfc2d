// endpoints-ready-pods: under random schedules the Endpoints and EndpointSlice controllers list exactly
// the selected pods by readiness, never claim one pod twice nor name a deleted one; each broken variant
// of either controller is killed within a few schedules.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { endpointsReadyPods } from './endpoints.ts';

it('endpoints-ready-pods: random schedules, every invariant holds', async () => {
  for (const seed of [1, 2, 3]) {
    const out = await runCase(endpointsReadyPods, 'fixed', seed, { strategy: 'random', hints: false });
    assertVerdict(out.result, 'fixed');
    const steps = out.report.history.filter((e) => e.type === 'note' && e.tag === 'step').map((e) => (e.type === 'note' ? e.text : ''));
    assert.ok(!steps.some((s) => s.includes('not done')), `every step completed: ${steps.join(' | ')}`);
  }
});

it('endpoints-ready-pods: each mutant is killed within a few schedules', async () => {
  for (const m of endpointsReadyPods.mutants ?? []) {
    // A duplicate slice needs the create's watch event to lag behind a second sync: rarer than the others.
    const budget = m.name === 'no-slice-tracker' ? 8 : 3;
    const row = await exploreMutant(endpointsReadyPods, m, { schedules: budget, baseSeed: 1, depth: 2 });
    assert.equal(row.ok, true, `${m.name}: ${JSON.stringify(row)}`);
    assert.ok((row.firstViolation ?? Infinity) <= budget, `${m.name} is killed by the random schedules`);
  }
});
