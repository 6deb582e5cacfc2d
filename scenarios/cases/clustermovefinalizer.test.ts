// clusterctl-move-finalizer: the buggy clusterctl leaves the source Cluster Terminating on every seed, the
// fixed one never does; a different correct fix holds even where the finalizer comes back, and the broken
// fixes are killed under exploration.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict, testSeeds, untimed } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import type { Mutant } from '../engine/types.ts';
import { clusterMoveFinalizer } from './clustermovefinalizer.ts';


it('buggy: the controller re-adds its finalizer between "finalizers: []" and the DELETE, and the source Cluster stays, on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(clusterMoveFinalizer, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.deepEqual(result.violations.map((v) => v.invariant), ['source-emptied-after-move']);
    const [violated] = result.violations;
    assert.match(violated?.message ?? '', /^clusters default\/c1 is still in the source namespace after clusterctl move reported success \(Terminating since .*, finalizers \[cluster\.cluster\.x-k8s\.io\], spec\.paused=true\); clusterctl's DELETE was answered 200$/);
    // The seqs point at clusterctl's removal, the controller's re-add, then the DELETE.
    const [removal, add] = (violated?.seqs ?? []).map((s) => report.history.find((e) => e.seq === s));
    assert.equal(removal?.type === 'request' && removal.body, '{"metadata":{"finalizers":[]}}');
    assert.equal(add?.type === 'request' && add.actor, 'cluster-controller');
    const added = report.history.find((e) => e.type === 'response' && e.request === add?.seq);
    // clusterctl's DELETE came after the re-add was answered (the rule holds it when it would come first).
    const del = report.history.find((e) => e.type === 'request' && e.actor === 'clusterctl' && e.verb === 'delete' && e.resource === 'clusters');
    assert.ok(del?.type === 'request' && (del.held === undefined || del.held.rule === 'delete-after-finalizer-readd'));
    assert.ok((del?.seq ?? 0) > (added?.seq ?? Infinity));
  }
});

it('fixed: the source is emptied, on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(clusterMoveFinalizer, 'fixed', seed);
    assertVerdict(result, 'fixed');
    // DELETE first (nothing held), then finalizers: [].
    const clusterWrites = report.history.filter((e) => e.type === 'request' && e.actor === 'clusterctl' && e.resource === 'clusters' && (e.verb === 'delete' || e.body === '{"metadata":{"finalizers":[]}}'));
    assert.deepEqual(clusterWrites.map((e) => e.type === 'request' && `${e.verb}${e.held ? ' (held)' : ''}`), ['delete', 'patch']);
  }
});

const mutant = (name: string): Mutant => {
  const m = clusterMoveFinalizer.mutants?.find((x) => x.name === name);
  assert.ok(m, name);
  return m;
};

it('an alternative fix that lets the finalizer come back after the removal, then removes it again after the DELETE, holds', async () => {
  // The hint holds the DELETE until the controller re-added its finalizer (200): the window of #11812 opens,
  // and the source is emptied all the same (an order-based invariant would have called this a violation).
  const { result, report } = await runCase(clusterMoveFinalizer, 'fixed', 1, { mutant: 'remove-again-after-delete' });
  assertVerdict(result, 'fixed');
  const readd = report.history.find((e) => e.type === 'request' && e.actor === 'cluster-controller' && e.verb === 'patch' && e.resource === 'clusters' && (e.body ?? '').includes('cluster.cluster.x-k8s.io'));
  assert.ok(readd, 'the controller re-added its finalizer');
  const readdAnswer = report.history.find((e) => e.type === 'response' && e.request === readd.seq);
  assert.equal(readdAnswer?.type === 'response' && readdAnswer.code, 200);
  const removals = report.history.filter((e) => e.type === 'request' && e.actor === 'clusterctl' && e.resource === 'clusters' && e.body === '{"metadata":{"finalizers":[]}}');
  assert.equal(removals.length, 2);
  for (const name of ['remove-again-after-delete', 'await-deletion-timestamp']) {
    const row = await exploreMutant(clusterMoveFinalizer, mutant(name), { schedules: 2, baseSeed: 1, depth: 2 });
    assert.ok(row.ok && !row.killed && row.errors === 0, `${name}: ${JSON.stringify(row.killedBy ?? row.firstError)}`);
  }
});

it('broken fixes are killed under exploration: a DELETE not waited for, the removal sent twice, no DELETE of the Cluster, no removal', async () => {
  for (const name of ['delete-without-waiting', 'remove-finalizers-twice', 'skip-cluster-delete', 'delete-only']) {
    const row = await exploreMutant(clusterMoveFinalizer, mutant(name), { schedules: 3, baseSeed: 1, depth: 2 });
    assert.ok(row.killed, `${name} survived`);
    assert.deepEqual(row.killedBy?.violations.map((v) => v.invariant), ['source-emptied-after-move']);
  }
  // Without a DELETE the checker still finds the Cluster: it looks at what was in the namespace, not at what clusterctl DELETEd.
  const { result } = await runCase(clusterMoveFinalizer, 'fixed', 1, { mutant: 'skip-cluster-delete', hints: false });
  assert.match(result.violations[0]?.message ?? '', /^clusters default\/c1 is still in the source namespace .*clusterctl never DELETEd it$/);
});

it('the same seed gives the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const history = async (): Promise<unknown[]> => untimed((await runCase(clusterMoveFinalizer, variant, 5)).report.history);
    assert.deepEqual(await history(), await history());
  }
});
