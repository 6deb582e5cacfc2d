// The ReplicaSet controller with the scheduler and simulated nodes, against the real API server: scale up
// to Running pods with status, scale down deleting the lowest ranked pods, a deleted pod replaced, and
// availability after minReadySeconds on the Clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podsIn, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { comparePodsToDelete, newReplicaSetManager, newReplicationManager, replicaSetsIn, replicationControllersIn, type ReplicaSet, type ReplicationController } from './replicaset.ts';

function rs(name: string, replicas: number, minReadySeconds = 0): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas, minReadySeconds, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

async function setup(t: Parameters<typeof testCluster>[0]) {
  const c = await testCluster(t, { extra: (kc, clock) => [newReplicaSetManager({ kc, clock })] });
  const pods = async (): Promise<Pod[]> => (await c.client.list<Pod>(podsIn('default'))).items;
  const get = (name: string): Promise<ReplicaSet> => c.client.get<ReplicaSet>(replicaSetsIn('default'), name);
  return { ...c, pods, get };
}

test('scale up to Running pods with status, scale down, and a deleted pod replaced', async (t) => {
  const c = await setup(t);
  await c.client.create(replicaSetsIn('default'), rs('web', 3));
  await c.until(async () => (await c.get('web')).status?.availableReplicas === 3, 'three available');
  const three = await c.pods();
  assert.equal(three.length, 3);
  const owner = await c.get('web');
  for (const p of three) {
    assert.match(p.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(p.status?.phase, 'Running');
  }
  assert.deepEqual(owner.status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: owner.metadata.generation });
  const creates = c.server.recorder.history.entries().filter((e) => e.type === 'request' && e.verb === 'create' && e.resource === 'pods' && e.subresource === undefined);
  assert.equal(creates.length, 3, 'never more pods than asked for');

  await c.client.patch(replicaSetsIn('default'), 'web', { spec: { replicas: 1 } });
  await c.until(async () => (await c.pods()).length === 1 && (await c.get('web')).status?.replicas === 1, 'one pod left');

  const [survivor] = await c.pods();
  await c.client.delete(podsIn('default'), survivor?.metadata.name ?? '');
  await c.until(async () => {
    const ps = await c.pods();
    return ps.length === 1 && ps[0]?.metadata.name !== survivor?.metadata.name && ps[0]?.status?.phase === 'Running';
  }, 'a replacement Running');
});

test('availableReplicas waits for minReadySeconds', async (t) => {
  const c = await setup(t);
  await c.client.create(replicaSetsIn('default'), rs('slow', 2, 30));
  await c.until(async () => (await c.get('slow')).status?.readyReplicas === 2, 'two ready');
  const readyAt = c.clock.now();
  assert.equal((await c.get('slow')).status?.availableReplicas, 0);
  await c.until(async () => (await c.get('slow')).status?.availableReplicas === 2, 'two available');
  assert.ok(c.clock.now() - readyAt >= 29_000, 'not before minReadySeconds');
});

test('comparePodsToDelete: unassigned, then pending, then not ready, then newer pods go first', () => {
  const p = (name: string, nodeName: string | undefined, phase: 'Pending' | 'Running', ready: boolean, created: string): Pod => ({
    metadata: { name, creationTimestamp: created },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [] },
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: created }] },
  });
  const pods = [
    p('old-ready', 'n', 'Running', true, '2026-01-01T00:00:00Z'),
    p('new-ready', 'n', 'Running', true, '2026-01-01T00:05:00Z'),
    p('not-ready', 'n', 'Running', false, '2026-01-01T00:00:00Z'),
    p('pending', 'n', 'Pending', false, '2026-01-01T00:00:00Z'),
    p('unassigned', undefined, 'Pending', false, '2026-01-01T00:00:00Z'),
  ];
  assert.deepEqual(pods.sort(comparePodsToDelete).map((x) => x.metadata.name), ['unassigned', 'pending', 'not-ready', 'new-ready', 'old-ready']);
});

test('the ReplicationManager keeps a ReplicationController\'s pods with its plain-map selector, as the actor replication-controller', async (t) => {
  const c = await testCluster(t, { extra: (kc, clock) => [newReplicationManager({ kc, clock })] });
  const rc: ReplicationController = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'legacy' },
    spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  await c.client.create(replicationControllersIn('default'), rc);
  const get = (): Promise<ReplicationController> => c.client.get<ReplicationController>(replicationControllersIn('default'), 'legacy');
  await c.until(async () => (await get()).status?.availableReplicas === 2, 'two available');
  const owner = await get();
  assert.deepEqual(owner.spec.selector, { app: 'legacy' }, 'the status write keeps the map selector');
  assert.deepEqual(owner.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: owner.metadata.generation });
  const pods = (await c.client.list<Pod>(podsIn('default'))).items;
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.match(p.metadata.name ?? '', /^legacy-[a-z0-9]{5}$/);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  }
  const creates = c.server.recorder.history.entries().filter((e) => e.type === 'request' && e.verb === 'create' && e.resource === 'pods' && e.subresource === undefined);
  assert.equal(creates.length, 2, 'never more pods than asked for');
  await c.client.patch(replicationControllersIn('default'), 'legacy', { spec: { replicas: 0 } });
  await c.until(async () => (await c.client.list<Pod>(podsIn('default'))).items.length === 0 && (await get()).status?.replicas === 0, 'scaled to zero');
});
