// The StatefulSet controller with the scheduler and simulated nodes, against the real API server on a
// FakeClock: OrderedReady creation and scale-down order checked on every committed change of storage,
// identity labels, ControllerRevisions and a rolling update from the highest ordinal with a partition,
// and Parallel creation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podsIn, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { controllerRevisionsIn, ControllerRevisionHashLabel, type ControllerRevision } from '../history/history.ts';
import { newStatefulSetManager } from './statefulset.ts';
import { isRunningAndReady, PodIndexLabel, StatefulSetPodNameLabel, statefulSetsIn, type StatefulSet } from './utils.ts';

function sts(name: string, replicas: number, policy: 'OrderedReady' | 'Parallel' = 'OrderedReady'): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: { replicas, serviceName: name, podManagementPolicy: policy, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

/** Every committed pod change, in storage order: what the pods were when each one was created or marked. */
interface Step {
  type: 'create' | 'mark' | 'gone';
  name: string;
  /** Live (not terminating) pods and whether each was Running and Ready, just before this step. */
  before: Map<string, boolean>;
  /** Every pod present, terminating or not, just before this step. */
  present: Set<string>;
}

async function setup(t: Parameters<typeof testCluster>[0]) {
  const c = await testCluster(t, { extra: (kc, clock) => [newStatefulSetManager({ kc, clock })] });
  const steps: Step[] = [];
  const pods = new Map<string, Pod>();
  const watcher = c.server.storage.watch('', { fromRevision: await c.server.storage.revision() });
  const drain = (): void => {
    for (const item of watcher.take()) {
      const o = item.object as Pod | undefined;
      if (o?.kind !== 'Pod') continue;
      const name = o.metadata.name ?? '';
      const old = pods.get(name);
      const before = new Map([...pods].filter(([, p]) => !p.metadata.deletionTimestamp).map(([n, p]) => [n, isRunningAndReady(p)]));
      const present = new Set(pods.keys());
      if (item.type === 'DELETED') {
        pods.delete(name);
        steps.push({ type: 'gone', name, before, present });
      } else {
        pods.set(name, o);
        if (!old) steps.push({ type: 'create', name, before, present });
        else if (!old.metadata.deletionTimestamp && o.metadata.deletionTimestamp) steps.push({ type: 'mark', name, before, present });
      }
    }
    if (!watcher.closed) watcher.whenReady(drain);
  };
  watcher.whenReady(drain);
  t.after(() => watcher.stop());
  const get = (name: string): Promise<StatefulSet> => c.client.get<StatefulSet>(statefulSetsIn('default'), name);
  const list = async (): Promise<Pod[]> => (await c.client.list<Pod>(podsIn('default'))).items;
  const rolledOut = async (name: string): Promise<boolean> => {
    const s = await get(name);
    const st = s.status ?? {};
    return (st.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) && st.readyReplicas === s.spec.replicas && st.replicas === s.spec.replicas && st.currentRevision === st.updateRevision && st.updatedReplicas === s.spec.replicas;
  };
  return { ...c, steps, get, list, rolledOut };
}

test('OrderedReady: pods made one at a time in ordinal order, each after the ones below are Ready; scale-down from the highest, one at a time', async (t) => {
  const c = await setup(t);
  await c.client.create(statefulSetsIn('default'), sts('web', 3));
  await c.until(() => c.rolledOut('web'), 'web rolled out');
  const creates = c.steps.filter((s) => s.type === 'create');
  assert.deepEqual(creates.map((s) => s.name), ['web-0', 'web-1', 'web-2']);
  for (const [i, s] of creates.entries()) {
    assert.deepEqual([...s.before].sort(), Array.from({ length: i }, (_, j) => [`web-${j}`, true]), `${s.name} created once every lower ordinal was Ready`);
  }
  const set = await c.get('web');
  const pods = await c.list();
  const [revision] = (await c.client.list<ControllerRevision>(controllerRevisionsIn('default'))).items;
  assert.equal(revision?.revision, 1);
  assert.equal(revision?.metadata.ownerReferences?.[0]?.uid, set.metadata.uid);
  assert.equal(revision?.metadata.name, `web-${revision?.metadata.labels?.[ControllerRevisionHashLabel]}`);
  for (const p of pods) {
    const i = p.metadata.name?.slice('web-'.length);
    assert.equal(p.metadata.labels?.[StatefulSetPodNameLabel], p.metadata.name);
    assert.equal(p.metadata.labels?.[PodIndexLabel], i);
    assert.equal(p.metadata.labels?.[ControllerRevisionHashLabel], revision?.metadata.name);
    assert.equal(p.spec.hostname, p.metadata.name);
    assert.equal(p.spec.subdomain, 'web');
    assert.equal(p.status?.phase, 'Running');
  }
  assert.deepEqual(set.status, {
    observedGeneration: set.metadata.generation, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3,
    currentRevision: revision?.metadata.name, updateRevision: revision?.metadata.name, collisionCount: 0,
  });

  await c.client.patch(statefulSetsIn('default'), 'web', { spec: { replicas: 1 } });
  await c.until(async () => (await c.list()).length === 1 && (await c.get('web')).status?.replicas === 1, 'scaled down to one');
  const marks = c.steps.filter((s) => s.type === 'mark');
  assert.deepEqual(marks.map((s) => s.name), ['web-2', 'web-1']);
  assert.ok(!marks[1]?.present.has('web-2'), 'web-1 marked only once web-2 was gone');
  assert.deepEqual((await c.list()).map((p) => p.metadata.name), ['web-0']);
});

test('RollingUpdate: a new ControllerRevision, pods replaced from the highest ordinal down to the partition, then all', async (t) => {
  const c = await setup(t);
  await c.client.create(statefulSetsIn('default'), sts('db', 3));
  await c.until(() => c.rolledOut('db'), 'db rolled out');
  const rev1 = (await c.get('db')).status?.currentRevision;
  await c.client.patch(statefulSetsIn('default'), 'db', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } }, 'strategic');
  await c.until(async () => (await c.get('db')).status?.updatedReplicas === 2 && (await c.get('db')).status?.readyReplicas === 3, 'partitioned rollout');
  const mid = await c.get('db');
  assert.notEqual(mid.status?.updateRevision, rev1);
  assert.equal(mid.status?.currentRevision, rev1, 'not complete below the partition');
  const images = async (): Promise<string[]> => (await c.list()).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')).map((p) => p.spec.containers[0]?.image ?? '');
  assert.deepEqual(await images(), ['nginx', 'nginx:1.27', 'nginx:1.27']);
  assert.deepEqual(c.steps.filter((s) => s.type === 'mark').map((s) => s.name), ['db-2', 'db-1'], 'highest first, never below the partition');

  await c.client.patch(statefulSetsIn('default'), 'db', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, 'merge');
  await c.until(() => c.rolledOut('db'), 'db rolled out again');
  assert.deepEqual(await images(), ['nginx:1.27', 'nginx:1.27', 'nginx:1.27']);
  const done = await c.get('db');
  assert.equal(done.status?.currentRevision, mid.status?.updateRevision);
  const revisions = (await c.client.list<ControllerRevision>(controllerRevisionsIn('default'))).items;
  assert.deepEqual(revisions.map((r) => [r.metadata.name, r.revision]).sort(), [[rev1, 1], [done.status?.updateRevision, 2]].sort());
});

test('Parallel: every pod created without waiting for the others to be Ready', async (t) => {
  const c = await setup(t);
  await c.client.create(statefulSetsIn('default'), sts('cache', 3, 'Parallel'));
  await c.until(() => c.rolledOut('cache'), 'cache rolled out');
  const creates = c.steps.filter((s) => s.type === 'create');
  assert.deepEqual(creates.map((s) => s.name).sort(), ['cache-0', 'cache-1', 'cache-2']);
  const last = creates[creates.length - 1];
  assert.ok([...(last?.before.values() ?? [])].filter(Boolean).length < 2, 'the last pod made before the other two were both Ready');
});
