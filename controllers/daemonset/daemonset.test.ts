// The DaemonSet controller with the scheduler and simulated nodes, against the real API server on a
// FakeClock: one pod per node pinned by node affinity and bound by the scheduler, nodeSelector and taints,
// a rolling update within maxUnavailable checked on every committed change of storage, and status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodesRef, podsIn, type Node, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { ControllerRevisionHashLabel, controllerRevisionsIn, type ControllerRevision } from '../history/history.ts';
import { IsPodReady } from '../replicaset/replicaset.ts';
import { newDaemonSetManager } from './daemonset.ts';
import { daemonSetsIn, GetTargetNodeName, NodeShouldRunDaemonPod, type DaemonSet } from './util.ts';

function ds(name: string, extra: Partial<DaemonSet['spec']> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } }, ...extra },
  };
}

async function setup(t: Parameters<typeof testCluster>[0], nodeCount = 3) {
  const c = await testCluster(t, { nodeCount, extra: (kc, clock) => [newDaemonSetManager({ kc, clock })] });
  // Every committed pod change: the most live pods of a set on one node, and the most nodes without a Ready one.
  const pods = new Map<string, Pod>();
  let maxPerNode = 0;
  let maxUnavailable = 0;
  let watching = false;
  const watcher = c.server.storage.watch('', { fromRevision: await c.server.storage.revision() });
  const drain = (): void => {
    for (const item of watcher.take()) {
      const o = item.object as Pod | undefined;
      if (o?.kind !== 'Pod') continue;
      if (item.type === 'DELETED') pods.delete(o.metadata.name ?? '');
      else pods.set(o.metadata.name ?? '', o);
      const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
      const perNode = new Map<string, number>();
      for (const p of live) perNode.set(GetTargetNodeName(p) ?? '', (perNode.get(GetTargetNodeName(p) ?? '') ?? 0) + 1);
      maxPerNode = Math.max(maxPerNode, ...perNode.values());
      if (watching) maxUnavailable = Math.max(maxUnavailable, nodeCount - new Set(live.filter(IsPodReady).map((p) => p.spec.nodeName)).size);
    }
    if (!watcher.closed) watcher.whenReady(drain);
  };
  watcher.whenReady(drain);
  t.after(() => watcher.stop());
  const get = (name: string): Promise<DaemonSet> => c.client.get<DaemonSet>(daemonSetsIn('default'), name);
  const rolledOut = async (name: string, want: number): Promise<boolean> => {
    const d = await get(name);
    const s = d.status ?? {};
    return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.desiredNumberScheduled === want && s.updatedNumberScheduled === want && s.numberAvailable === want;
  };
  const list = async (): Promise<Pod[]> => (await c.client.list<Pod>(podsIn('default'))).items;
  return { ...c, get, rolledOut, list, maxes: () => ({ maxPerNode, maxUnavailable }), watchUnavailable: () => (watching = true) };
}

test('one pod per node, pinned by node affinity and bound there, with status; a rolling update within maxUnavailable', async (t) => {
  const c = await setup(t);
  await c.client.create(daemonSetsIn('default'), ds('agent'));
  await c.until(() => c.rolledOut('agent', 3), 'agent on three nodes');
  const pods = await c.list();
  assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['node-1', 'node-2', 'node-3']);
  const set = await c.get('agent');
  const [rev] = (await c.client.list<ControllerRevision>(controllerRevisionsIn('default'))).items;
  for (const p of pods) {
    assert.match(p.metadata.name ?? '', /^agent-[a-z0-9]{5}$/);
    assert.deepEqual(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }]);
    assert.ok(p.spec.tolerations?.some((x) => x.key === 'node.kubernetes.io/unschedulable' && x.effect === 'NoSchedule'));
    assert.equal(p.metadata.labels?.[ControllerRevisionHashLabel], rev?.metadata.labels?.[ControllerRevisionHashLabel]);
    assert.equal(p.status?.phase, 'Running');
  }
  assert.equal(rev?.metadata.name, `agent-${rev?.metadata.labels?.[ControllerRevisionHashLabel]}`);
  assert.deepEqual(set.status, { currentNumberScheduled: 3, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 3, observedGeneration: set.metadata.generation, updatedNumberScheduled: 3, numberAvailable: 3 });
  const binders = new Set(c.server.recorder.history.entries().filter((e) => e.type === 'request' && e.subresource === 'binding').map((e) => (e.type === 'request' ? e.actor : '')));
  assert.deepEqual([...binders], ['default-scheduler'], 'the scheduler binds daemon pods');

  c.watchUnavailable();
  await c.client.patch(daemonSetsIn('default'), 'agent', { spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:2' }] } } } }, 'strategic');
  await c.until(async () => (await c.get('agent')).metadata.generation === 2 && (await c.rolledOut('agent', 3)), 'agent:2 rolled out');
  assert.deepEqual((await c.list()).map((p) => p.spec.containers[0]?.image), ['agent:2', 'agent:2', 'agent:2']);
  assert.equal(c.maxes().maxUnavailable, 1, 'one node at a time without a Ready pod (maxUnavailable 1)');
  assert.equal(c.maxes().maxPerNode, 1, 'never two live pods of the set on one node');
  const revisions = (await c.client.list<ControllerRevision>(controllerRevisionsIn('default'))).items;
  assert.deepEqual(revisions.map((r) => r.revision).sort(), [1, 2]);
});

test('nodeSelector and taints choose the nodes; a node labelled later gets its pod, one unlabelled loses it', async (t) => {
  const c = await setup(t);
  await c.client.patch(nodesRef, 'node-1', { metadata: { labels: { disk: 'ssd' } } });
  await c.client.patch(nodesRef, 'node-2', { metadata: { labels: { disk: 'ssd' } }, spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
  await c.client.create(daemonSetsIn('default'), ds('ssd', { template: { metadata: { labels: { app: 'ssd' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'agent:1' }] } } }));
  await c.until(() => c.rolledOut('ssd', 1), 'one matching untainted node');
  assert.deepEqual((await c.list()).map((p) => p.spec.nodeName), ['node-1']);
  await c.client.patch(nodesRef, 'node-3', { metadata: { labels: { disk: 'ssd' } } });
  await c.client.patch(nodesRef, 'node-1', { metadata: { labels: { disk: null } } });
  await c.until(async () => (await c.rolledOut('ssd', 1)) && (await c.list()).length === 1 && (await c.list())[0]?.spec.nodeName === 'node-3', 'moved to node-3');
});

test('NodeShouldRunDaemonPod: NoSchedule taints stop new pods, NoExecute ones also running ones; daemon tolerations cover cordoning', () => {
  const node = (taints: Node['spec']): Node => ({ metadata: { name: 'n', labels: {} }, spec: taints, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  const set = ds('x');
  assert.deepEqual(NodeShouldRunDaemonPod(node({}), set), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(NodeShouldRunDaemonPod(node({ taints: [{ key: 'k', effect: 'NoSchedule' }] }), set), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(NodeShouldRunDaemonPod(node({ taints: [{ key: 'k', effect: 'NoExecute' }] }), set), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(NodeShouldRunDaemonPod(node({ unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), set), { shouldRun: true, shouldContinueRunning: true });
});
