// clusterctl-move-finalizer: the buggy clusterctl leaves the source Cluster Terminating on every seed, the
// fixed one never does; every run stays well inside its time budget.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict, testSeeds, untimed } from '../engine/casetest.ts';
import { runCase } from '../engine/runner.ts';
import { clusterMoveFinalizer } from './clustermovefinalizer.ts';


it('buggy: the controller re-adds its finalizer between "finalizers: []" and the DELETE, and the source Cluster stays, on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(clusterMoveFinalizer, 'buggy', seed);
    assertVerdict(result, 'buggy');
    const byInvariant = new Map(result.violations.map((v) => [v.invariant, v]));
    assert.deepEqual([...byInvariant.keys()].sort(), ['no-finalizer-added-after-removal', 'source-emptied-after-move']);
    assert.match(byInvariant.get('source-emptied-after-move')?.message ?? '', /clusters default\/c1 is still in the source namespace after clusterctl move reported success \(Terminating since .*, finalizers \[cluster\.cluster\.x-k8s\.io\], spec\.paused=true\)/);
    assert.match(byInvariant.get('no-finalizer-added-after-removal')?.message ?? '', /cluster-controller added finalizers \["cluster\.cluster\.x-k8s\.io"\] to clusters default\/c1 \(200\)/);
    // The seqs point at clusterctl's removal, the controller's re-add and its response, in that order.
    const [removal, , add, added] = (byInvariant.get('no-finalizer-added-after-removal')?.seqs ?? []).map((s) => report.history.find((e) => e.seq === s));
    assert.equal(removal?.type === 'request' && removal.body, '{"metadata":{"finalizers":[]}}');
    assert.equal(add?.type === 'request' && add.actor, 'cluster-controller');
    assert.equal(added?.type === 'response' && added.code, 200);
    // clusterctl's DELETE came after the re-add was answered (the rule holds it when it would come first).
    const del = report.history.find((e) => e.type === 'request' && e.actor === 'clusterctl' && e.verb === 'delete' && e.resource === 'clusters');
    assert.ok(del?.type === 'request' && (del.held === undefined || del.held.rule === 'delete-after-finalizer-readd'));
    assert.ok((del?.seq ?? 0) > (added?.seq ?? Infinity));
  }
});

it('fixed: the source is emptied and no finalizer comes back, on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(clusterMoveFinalizer, 'fixed', seed);
    assertVerdict(result, 'fixed');
    // DELETE first (nothing held), then finalizers: [].
    const clusterWrites = report.history.filter((e) => e.type === 'request' && e.actor === 'clusterctl' && e.resource === 'clusters' && (e.verb === 'delete' || e.body === '{"metadata":{"finalizers":[]}}'));
    assert.deepEqual(clusterWrites.map((e) => e.type === 'request' && `${e.verb}${e.held ? ' (held)' : ''}`), ['delete', 'patch']);
  }
});

it('the same seed gives the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const history = async (): Promise<unknown[]> => untimed((await runCase(clusterMoveFinalizer, variant, 5)).report.history);
    assert.deepEqual(await history(), await history());
  }
});
