// devicetaint-nil-worker (kubernetes#130940 → #130947): the buggy controller panics and is restarted on every
// seed, the fixed one evicts the pod exactly once; a seed always gives the same verdict and history; the broken
// UpdateWork fixes (a second worker, the work cancelled or restarted) are killed, the equivalent one holds.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict, median, testSeeds, untimed } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import { deviceTaintNilWorker } from './devicetaintnilworker.ts';

it('buggy: the second event for a pod being evicted crashes the controller on every seed', async (t) => {
  const ms: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(deviceTaintNilWorker, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.deepEqual([...new Set(result.violations.map((v) => v.invariant))], ['no-controller-crash'], `seed ${seed}: ${JSON.stringify(result.violations)}`);
    assert.match(result.violations[0]?.message ?? '', /panic: runtime error: invalid memory address or nil pointer dereference/);
    assert.ok(report.history.some((e) => e.type === 'note' && e.tag === 'restart'), 'the supervisor restarted the controller');
    ms.push(result.durationMs);
  }
  t.diagnostic(`buggy: median ${median(ms)} ms, max ${Math.max(...ms)} ms`);
});

it('fixed: the pod is evicted exactly once, without a crash, on every seed', async (t) => {
  const ms: number[] = [];
  for (const seed of testSeeds) {
    const { result, report } = await runCase(deviceTaintNilWorker, 'fixed', seed);
    assertVerdict(result, 'fixed');
    const deletes = report.history.filter((e) => e.type === 'response' && e.actor === 'device-taint-eviction' && e.verb === 'delete' && e.resource === 'pods' && e.code === 200);
    assert.equal(deletes.length, 1, `seed ${seed}`);
    assert.ok(report.history.some((e) => e.type === 'note' && e.tag === 'release' && /pod-delete-waits-for-second-event/.test(e.text)), 'the DELETE was held until the second event');
    ms.push(result.durationMs);
  }
  t.diagnostic(`fixed: median ${median(ms)} ms, max ${Math.max(...ms)} ms`);
});
it('the same seed gives the same verdict and the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const one = await runCase(deviceTaintNilWorker, variant, 7);
    const two = await runCase(deviceTaintNilWorker, variant, 7);
    assert.equal(one.result.reproduced, two.result.reproduced);
    assert.deepEqual(untimed(one.report.history), untimed(two.report.history));
  }
});

it('pod-evicted-once fails on a second eviction worker: the Event counts 2 and a second DELETE gets 404', async () => {
  const m = deviceTaintNilWorker.mutants?.find((x) => x.name === 'second-worker');
  assert.ok(m);
  const row = await exploreMutant(deviceTaintNilWorker, m, { schedules: 2, baseSeed: 1, depth: 2 });
  assert.equal(row.killed, true, JSON.stringify(row));
  const messages = row.killedBy?.violations.filter((v) => v.invariant === 'pod-evicted-once').map((v) => v.message) ?? [];
  assert.ok(messages.some((t) => /marked for deletion 2 times by one controller run/.test(t)), messages.join('\n'));
  assert.ok(messages.some((t) => /evicted again after it was deleted: 1 more DELETE\(s\) answered 404/.test(t)), messages.join('\n'));
});

it('the other broken UpdateWork fixes are killed and the equivalent one holds', async () => {
  const byName = (n: string) => deviceTaintNilWorker.mutants?.find((x) => x.name === n);
  for (const [name, invariant] of [['cancel', 'tainted-pod-evicted'], ['restart', 'pod-evicted-once']] as const) {
    const m = byName(name);
    assert.ok(m);
    const row = await exploreMutant(deviceTaintNilWorker, m, { schedules: 2, baseSeed: 1, depth: 2 });
    assert.ok(row.killedBy?.violations.some((v) => v.invariant === invariant), `${name}: ${JSON.stringify(row.killedBy)}`);
  }
  const eq = byName('running-set');
  assert.ok(eq);
  const { result } = await runCase(deviceTaintNilWorker, 'fixed', 1, { strategy: 'random', hints: false, mutant: 'running-set' });
  assert.equal(result.reproduced, false, JSON.stringify(result.violations));
});
