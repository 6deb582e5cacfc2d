// The disruption controller with the ReplicaSet (and Deployment) controllers, the scheduler and simulated
// nodes: PDB status follows the pods and their controllers' scale, and the Eviction API spends the
// disruptions it allows (429 with upstream's text when none is left) until the controller has seen the
// replacement pod Ready.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonOf } from '../../clients/kube/client.ts';
import { podsIn, type Pod } from '../coreapi/core.ts';
import { testCluster, type TestCluster } from '../coreapi/testing.ts';
import { deploymentsIn, type Deployment } from '../deployment/util.ts';
import { newDeploymentManager } from '../deployment/deployment.ts';
import { IsPodReady, newReplicaSetManager, replicaSetsIn, type ReplicaSet } from '../replicaset/replicaset.ts';
import { newDisruptionManager, pdbsIn, type PodDisruptionBudget } from './disruption.ts';

const template = (app: string): ReplicaSet['spec']['template'] => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

async function world(t: Parameters<typeof testCluster>[0]): Promise<TestCluster> {
  return testCluster(t, { extra: (kc, clock) => [newReplicaSetManager({ kc, clock }), newDeploymentManager({ kc, clock }), newDisruptionManager({ kc, clock })] });
}

const pdb = async (c: TestCluster, name: string): Promise<PodDisruptionBudget> => c.client.get<PodDisruptionBudget>(pdbsIn('default'), name);
const readyPods = async (c: TestCluster, app: string): Promise<Pod[]> => (await c.client.list<Pod>(podsIn('default'), { labelSelector: `app=${app}` })).items.filter((p) => IsPodReady(p) && !p.metadata.deletionTimestamp);

async function evict(c: TestCluster, name: string): Promise<{ ok: boolean; reason?: string; cause?: string }> {
  try {
    await c.client.createSubresource(podsIn('default'), name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
    return { ok: true };
  } catch (e) {
    const body = (e as { status?: { details?: { causes?: { message?: string }[] } } }).status;
    return { ok: false, reason: reasonOf(e), cause: body?.details?.causes?.[0]?.message };
  }
}

test('maxUnavailable 1 over a ReplicaSet of 3: status, one eviction at a time, the budget back once the replacement is Ready', async (t) => {
  const c = await world(t);
  await c.client.create(replicaSetsIn('default'), { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('web') } } satisfies ReplicaSet);
  await c.client.create(pdbsIn('default'), { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } } satisfies PodDisruptionBudget);
  await c.until(async () => (await pdb(c, 'web')).status?.disruptionsAllowed === 1, 'one disruption allowed');
  const s = (await pdb(c, 'web')).status;
  assert.deepEqual([s?.expectedPods, s?.desiredHealthy, s?.currentHealthy, s?.observedGeneration], [3, 2, 3, 1]);
  assert.deepEqual(s?.conditions?.map((x) => [x.type, x.status, x.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);

  const [first, second] = await readyPods(c, 'web');
  assert.ok(first && second);
  assert.deepEqual(await evict(c, first.metadata.name ?? ''), { ok: true });
  const after = (await pdb(c, 'web')).status;
  assert.equal(after?.disruptionsAllowed, 0, 'the eviction spent the disruption');
  assert.ok(after?.disruptedPods?.[first.metadata.name ?? ''], 'and recorded the pod');
  assert.equal(after?.conditions?.find((x) => x.type === 'DisruptionAllowed')?.reason, 'InsufficientPods');
  const denied = await evict(c, second.metadata.name ?? '');
  assert.equal(denied.ok, false);
  assert.equal(denied.reason, 'TooManyRequests');
  assert.match(denied.cause ?? '', /^The disruption budget web needs 2 healthy pods and has [23] currently$/);

  // The ReplicaSet replaces the evicted pod; once it is Ready the budget allows one disruption again.
  await c.until(async () => (await readyPods(c, 'web')).length === 3 && (await pdb(c, 'web')).status?.disruptionsAllowed === 1, 'budget restored');
  assert.equal((await pdb(c, 'web')).status?.disruptedPods, undefined, 'the deleted pod left disruptedPods');
  assert.deepEqual(await evict(c, second.metadata.name ?? ''), { ok: true });
});

test('minAvailable 50% counts the Deployment scale; an unknown controller fails safe', async (t) => {
  const c = await world(t);
  await c.client.create(deploymentsIn('default'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 4, selector: { matchLabels: { app: 'api' } }, template: template('api') } } satisfies Deployment);
  await c.client.create(pdbsIn('default'), { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'api' } } } } satisfies PodDisruptionBudget);
  await c.until(async () => (await pdb(c, 'api')).status?.currentHealthy === 4, 'four healthy');
  const s = (await pdb(c, 'api')).status;
  assert.deepEqual([s?.expectedPods, s?.desiredHealthy, s?.disruptionsAllowed], [4, 2, 2]);

  // A pod controlled by a kind that has no scale (a ConfigMap): no disruption while the scale is unknown.
  const owner = await c.client.create({ group: '', version: 'v1', plural: 'configmaps', namespace: 'default' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
  await c.client.create(podsIn('default'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'api' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid ?? '', controller: true }] }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } satisfies Pod);
  await c.until(async () => (await pdb(c, 'api')).status?.conditions?.some((x) => x.reason === 'SyncFailed') === true, 'SyncFailed');
  const failed = (await pdb(c, 'api')).status;
  assert.equal(failed?.disruptionsAllowed, 0);
  assert.equal(failed?.conditions?.find((x) => x.type === 'DisruptionAllowed')?.status, 'False');
});
