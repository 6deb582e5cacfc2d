// The Deployment controller with the ReplicaSet controller, the scheduler and simulated nodes, on a
// FakeClock: a rollout's invariants checked on every committed change of the server's storage (never more
// than replicas+maxSurge pods wanted, never fewer than replicas-maxUnavailable available once complete),
// revisions, undo to an old template, Recreate, and the pod-template-hash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podsIn, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { newReplicaSetManager, replicaSetsIn, type ReplicaSet } from '../replicaset/replicaset.ts';
import { newDeploymentManager } from './deployment.ts';
import { ComputeHash, deploymentsIn, type Deployment } from './util.ts';

function deployment(name: string, replicas: number, image: string, strategy?: Deployment['spec']['strategy']): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, ...(strategy ? { strategy } : {}), selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } } },
  };
}

async function setup(t: Parameters<typeof testCluster>[0]) {
  const c = await testCluster(t, { extra: (kc, clock) => [newReplicaSetManager({ kc, clock }), newDeploymentManager({ kc, clock })] });
  // Every committed ReplicaSet and pod, straight from storage: the invariants see each intermediate state.
  const rsReplicas = new Map<string, number>();
  const livePods = new Map<string, Pod>();
  let maxWanted = 0;
  let maxLive = 0;
  const watcher = c.server.storage.watch('', { fromRevision: await c.server.storage.revision() });
  const drain = (): void => {
    for (const item of watcher.take()) {
      const o = item.object;
      if (!o) continue;
      const key = `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
      if (o.kind === 'ReplicaSet') {
        if (item.type === 'DELETED') rsReplicas.delete(key);
        else rsReplicas.set(key, (o as ReplicaSet).spec.replicas ?? 0);
        maxWanted = Math.max(maxWanted, [...rsReplicas.values()].reduce((a, b) => a + b, 0));
      } else if (o.kind === 'Pod') {
        if (item.type === 'DELETED' || o.metadata.deletionTimestamp) livePods.delete(key);
        else livePods.set(key, o as Pod);
        maxLive = Math.max(maxLive, livePods.size);
      }
    }
    if (!watcher.closed) watcher.whenReady(drain);
  };
  watcher.whenReady(drain);
  t.after(() => watcher.stop());
  const getD = (name: string): Promise<Deployment> => c.client.get<Deployment>(deploymentsIn('default'), name);
  const rolledOut = async (name: string): Promise<boolean> => {
    const d = await getD(name);
    const s = d.status ?? {};
    return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === d.spec.replicas && s.replicas === d.spec.replicas && s.availableReplicas === d.spec.replicas;
  };
  return { ...c, getD, rolledOut, maxes: () => ({ maxWanted, maxLive }), reset: () => ((maxWanted = 0), (maxLive = 0)) };
}

test('rolling update within maxSurge and maxUnavailable; revisions; undo makes the old ReplicaSet new again', async (t) => {
  const c = await setup(t);
  await c.client.create(deploymentsIn('default'), deployment('web', 4, 'nginx', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
  await c.until(() => c.rolledOut('web'), 'web rolled out');
  const d1 = await c.getD('web');
  assert.equal(d1.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const [rs1] = (await c.client.list<ReplicaSet>(replicaSetsIn('default'))).items;
  const hash = ComputeHash(d1.spec.template, undefined);
  assert.equal(rs1?.metadata.name, `web-${hash}`);
  assert.equal(rs1?.spec.selector.matchLabels?.['pod-template-hash'], hash);
  assert.equal(rs1?.spec.template.metadata?.labels?.['pod-template-hash'], hash);
  assert.deepEqual(d1.status?.conditions?.map((x) => [x.type, x.status, x.reason]).sort(), [['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'True', 'NewReplicaSetAvailable']]);
  assert.ok(c.maxes().maxWanted <= 4, 'scale-up from nothing stays at replicas');

  c.reset();
  await c.client.patch(deploymentsIn('default'), 'web', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } }, 'strategic');
  await c.until(async () => (await c.getD('web')).metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && (await c.rolledOut('web')), 'revision 2 rolled out');
  assert.ok(c.maxes().maxWanted <= 5, `replicas+maxSurge: at most 5 pods wanted, saw ${c.maxes().maxWanted}`);
  assert.ok(c.maxes().maxLive <= 5, `at most 5 live pods, saw ${c.maxes().maxLive}`);
  const rss = (await c.client.list<ReplicaSet>(replicaSetsIn('default'))).items;
  assert.deepEqual(rss.map((r) => [r.metadata.annotations?.['deployment.kubernetes.io/revision'], r.spec.replicas]).sort(), [['1', 0], ['2', 4]]);
  const pods = (await c.client.list<Pod>(podsIn('default'))).items;
  assert.ok(pods.length === 4 && pods.every((p) => p.spec.containers[0]?.image === 'nginx:1.27' && p.status?.phase === 'Running'));

  // rollout undo as kubectl does it: the old ReplicaSet's template, without the hash label, on the Deployment.
  await c.client.patch(deploymentsIn('default'), 'web', [{ op: 'replace', path: '/spec/template', value: d1.spec.template }], 'json');
  await c.until(async () => (await c.getD('web')).metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' && (await c.rolledOut('web')), 'revision 3 rolled out');
  const back = await c.client.get<ReplicaSet>(replicaSetsIn('default'), rs1?.metadata.name ?? '');
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(back.spec.replicas, 4);
  assert.equal((await c.client.list(replicaSetsIn('default'))).items.length, 2, 'no third ReplicaSet');
});

test('maxUnavailable lets old pods go before new ones are available; Recreate empties the old ReplicaSet first', async (t) => {
  const c = await setup(t);
  await c.client.create(deploymentsIn('default'), deployment('api', 4, 'nginx', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 2 } }));
  await c.until(() => c.rolledOut('api'), 'api rolled out');
  c.reset();
  await c.client.patch(deploymentsIn('default'), 'api', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } } });
  await c.until(async () => (await c.getD('api')).metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && (await c.rolledOut('api')), 'restart rolled out');
  assert.ok(c.maxes().maxWanted <= 4, `maxSurge 0: never more than 4 wanted, saw ${c.maxes().maxWanted}`);

  await c.client.create(deploymentsIn('default'), deployment('db', 2, 'postgres', { type: 'Recreate' }));
  await c.until(() => c.rolledOut('db'), 'db rolled out');
  await c.client.patch(deploymentsIn('default'), 'db', { spec: { template: { spec: { containers: [{ name: 'c', image: 'postgres:17' }] } } } }, 'strategic');
  await c.until(async () => (await c.getD('db')).metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && (await c.rolledOut('db')), 'db revision 2');
  const dbPods = (await c.client.list<Pod>(podsIn('default'), { labelSelector: 'app=db' })).items;
  assert.ok(dbPods.every((p) => p.spec.containers[0]?.image === 'postgres:17'));
  const dbRSs = (await c.client.list<ReplicaSet>(replicaSetsIn('default'), { labelSelector: 'app=db' })).items;
  assert.deepEqual(dbRSs.map((r) => [r.spec.template.spec.containers[0]?.image, r.spec.replicas]).sort(), [['postgres', 0], ['postgres:17', 2]]);
});
