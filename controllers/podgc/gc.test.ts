// The pod garbage collector against the real API server with simulated nodes (no scheduler, so pods stay
// where the test puts them), on a virtual Clock: the terminated-pod threshold keeps the newest terminated
// pods, a pod on a node that does not exist goes only after the quarantine, and an unscheduled pod being
// deleted is failed and force-deleted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podsIn, type Pod } from '../coreapi/core.ts';
import { testCluster, type TestCluster } from '../coreapi/testing.ts';
import { newPodGCManager, quarantineTimeMs } from './gc.ts';

const pod = (name: string, spec: Partial<Pod['spec']> = {}, finalizers?: string[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(finalizers ? { finalizers } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

async function world(t: Parameters<typeof testCluster>[0], terminatedPodThreshold: number): Promise<TestCluster> {
  return testCluster(t, { scheduler: false, extra: (kc, clock) => [newPodGCManager({ kc, clock, terminatedPodThreshold })] });
}

const names = async (c: TestCluster): Promise<string[]> => (await c.client.list<Pod>(podsIn('default'))).items.map((p) => p.metadata.name ?? '').sort();

test('beyond the terminated-pod threshold the oldest terminated pods go, evicted ones first; running pods stay', async (t) => {
  const c = await world(t, 2);
  for (const [name, reason] of [['a-old', undefined], ['b-evicted', 'Evicted'], ['c-mid', undefined], ['d-new', undefined]] as const) {
    await c.client.create(podsIn('default'), pod(name));
    await c.client.patch(podsIn('default'), name, { status: { phase: 'Failed', ...(reason ? { reason } : {}) } }, 'merge', { subresource: 'status' });
    c.clock.step(1000); // distinct creation seconds
  }
  await c.client.create(podsIn('default'), pod('pending'));
  await c.until(async () => (await names(c)).length === 3, 'two pods collected');
  assert.deepEqual(await names(c), ['c-mid', 'd-new', 'pending'], 'the evicted pod and the oldest went; the pending pod is not terminated');
});

test('a pod bound to a node that does not exist goes after the quarantine, as Failed with DeletionByPodGC; one on a real node stays', async (t) => {
  const c = await world(t, 0);
  const created = c.clock.now();
  const watcher = c.server.storage.watch('', { fromRevision: await c.server.storage.revision() });
  t.after(() => watcher.stop());
  await c.client.create(podsIn('default'), pod('orphan', { nodeName: 'node-gone' }));
  await c.client.create(podsIn('default'), pod('kept', { nodeName: 'node-1' }));
  await c.until(async () => !(await names(c)).includes('orphan'), 'the orphan deleted');
  assert.ok(c.clock.now() - created >= quarantineTimeMs, `deleted only after the quarantine (${c.clock.now() - created} ms)`);
  assert.deepEqual(await names(c), ['kept']);
  const seen = watcher.take().map((e) => e.object as Pod | undefined).filter((o) => o?.kind === 'Pod' && o.metadata.name === 'orphan');
  const failed = seen.find((o) => o?.status?.phase === 'Failed');
  assert.ok(failed, 'the orphan was marked Failed before its deletion');
  const cond = failed.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  assert.deepEqual([cond?.status, cond?.reason, cond?.message], ['True', 'DeletionByPodGC', 'PodGC: node no longer exists']);
});

test('an unscheduled pod being deleted (held by a finalizer) is failed and force-deleted', async (t) => {
  const c = await world(t, 0);
  await c.client.create(podsIn('default'), pod('stuck', {}, ['example.com/hold']));
  await c.client.delete(podsIn('default'), 'stuck');
  await c.until(async () => (await c.client.get<Pod>(podsIn('default'), 'stuck')).status?.phase === 'Failed', 'marked Failed');
  const p = await c.client.get<Pod>(podsIn('default'), 'stuck');
  assert.ok(p.metadata.deletionTimestamp);
  assert.equal(p.metadata.deletionGracePeriodSeconds, 0, 'force-deleted: grace period 0');
});
