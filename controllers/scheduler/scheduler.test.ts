// The scheduler against the real API server with simulated nodes: binding through pods/binding, the
// filters (nodeSelector, taints and tolerations, cordoned nodes, resource requests against allocatable),
// spreading by LeastAllocated, and the unschedulable condition and Event, retried when a node appears.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { nodesRef, podsIn, type Node, type Pod, type Toleration } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { simulatedNodes } from '../kwok/node.ts';
import { fitErrorMessage } from './scheduler.ts';

const eventsRef = { group: '', version: 'v1', plural: 'events', namespace: 'default' };

function pod(name: string, opts: { cpu?: string; nodeSelector?: Record<string, string>; tolerations?: Toleration[] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
      ...(opts.tolerations ? { tolerations: opts.tolerations } : {}),
      containers: [{ name: 'c', image: 'nginx', ...(opts.cpu ? { resources: { requests: { cpu: opts.cpu } } } : {}) }],
    },
  };
}

async function readyNodes(c: Awaited<ReturnType<typeof testCluster>>, n: number): Promise<void> {
  await c.until(async () => (await c.client.list<Node>(nodesRef)).items.filter((x) => x.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True')).length === n, `${n} Ready nodes`);
}

test('pending pods are bound through pods/binding, spread over the nodes, and run', async (t) => {
  const c = await testCluster(t);
  await readyNodes(c, 2);
  for (const name of ['a', 'b', 'c', 'd']) await c.client.create(podsIn('default'), pod(name, { cpu: '1' }));
  await c.until(async () => (await c.client.list<Pod>(podsIn('default'))).items.every((p) => p.status?.phase === 'Running'), 'four Running pods');
  const pods = (await c.client.list<Pod>(podsIn('default'))).items;
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
  assert.deepEqual([...perNode].sort(), [['node-1', 2], ['node-2', 2]], 'LeastAllocated spreads them');
  const bindings = c.server.recorder.history.entries().filter((e) => e.type === 'request' && e.subresource === 'binding');
  assert.equal(bindings.length, 4);
  assert.ok(bindings.every((e) => e.type === 'request' && e.actor === 'default-scheduler'));
  const scheduled = pods[0]?.status?.conditions?.find((x) => x.type === 'PodScheduled');
  assert.equal(scheduled?.status, 'True');
  await c.until(async () => (await c.client.list(eventsRef)).items.filter((e) => e.reason === 'Scheduled').length === 4, 'four Scheduled Events');
  const ev = (await c.client.list(eventsRef)).items.find((e) => e.reason === 'Scheduled' && (e.involvedObject as { name: string }).name === 'a') as KubeObject & { message: string; source: { component: string } };
  assert.match(ev.message, /^Successfully assigned default\/a to node-[12]$/);
  assert.equal(ev.source.component, 'default-scheduler');
});

test('nodeSelector, taints, cordoned nodes and requests decide; an unschedulable pod gets the condition and Event', async (t) => {
  const c = await testCluster(t, { nodes: simulatedNodes(3), capacity: { cpu: '4', memory: '8Gi', pods: '110' } });
  await readyNodes(c, 3);
  await c.client.patch(nodesRef, 'node-1', { metadata: { labels: { disk: 'ssd' } } });
  await c.client.patch(nodesRef, 'node-2', { spec: { taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] } });
  await c.client.patch(nodesRef, 'node-3', { spec: { unschedulable: true } });
  await c.client.create(podsIn('default'), pod('ssd', { nodeSelector: { disk: 'ssd' } }));
  await c.client.create(podsIn('default'), pod('gpu', { nodeSelector: { disk: 'none' }, tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] }));
  await c.client.create(podsIn('default'), pod('tolerant', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'true' }], cpu: '3' }));
  await c.client.create(podsIn('default'), pod('huge', { cpu: '5' }));
  const get = (name: string): Promise<Pod> => c.client.get<Pod>(podsIn('default'), name);
  await c.until(async () => (await get('ssd')).status?.phase === 'Running' && (await get('tolerant')).spec.nodeName !== undefined, 'ssd and tolerant bound');
  assert.equal((await get('ssd')).spec.nodeName, 'node-1');
  await c.until(async () => (await get('huge')).status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False') === true, 'huge unschedulable');
  const huge = (await get('huge')).status?.conditions?.find((x) => x.type === 'PodScheduled');
  assert.equal(huge?.reason, 'Unschedulable');
  assert.equal(huge?.message, '0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {gpu: true}, 1 node(s) were unschedulable.');
  await c.until(async () => (await c.client.list(eventsRef)).items.some((e) => e.reason === 'FailedScheduling' && (e.involvedObject as { name: string }).name === 'gpu'), 'FailedScheduling for gpu');
  const failed = (await c.client.list(eventsRef)).items.find((e) => e.reason === 'FailedScheduling' && (e.involvedObject as { name: string }).name === 'gpu') as KubeObject & { type: string; message: string };
  assert.equal(failed.type, 'Warning');
  assert.equal(failed.message, "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector.");
  // A new, bigger node makes room: the node event moves the pending pods back to scheduling.
  await c.client.create(nodesRef, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'big', labels: { disk: 'none' } } } as KubeObject);
  await c.client.patch(nodesRef, 'big', { status: { allocatable: { cpu: '64', memory: '64Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { subresource: 'status' });
  await c.until(async () => (await get('huge')).spec.nodeName === 'big' && (await get('gpu')).spec.nodeName === 'big', 'huge and gpu bound to the new node');
});

test('fitErrorMessage sorts the reason histogram as FitError.Error does', () => {
  assert.equal(fitErrorMessage(3, ['Insufficient cpu', 'Insufficient cpu', 'Too many pods']), '0/3 nodes are available: 1 Too many pods, 2 Insufficient cpu.');
  assert.equal(fitErrorMessage(0, []), 'no nodes available to schedule pods');
});

test('a pod made again under the name of one it bound (a StatefulSet\'s) is scheduled too; required node affinity by metadata.name is honoured', async (t) => {
  const c = await testCluster(t);
  await readyNodes(c, 2);
  await c.client.create(podsIn('default'), pod('web-0'));
  await c.until(async () => (await c.client.get<Pod>(podsIn('default'), 'web-0')).status?.phase === 'Running', 'web-0 Running');
  await c.client.delete(podsIn('default'), 'web-0');
  await c.until(async () => (await c.client.list<Pod>(podsIn('default'))).items.length === 0, 'web-0 gone');
  const pinned: Pod = { ...pod('web-0'), spec: { ...pod('web-0').spec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] } } } } };
  await c.client.create(podsIn('default'), pinned);
  await c.until(async () => (await c.client.get<Pod>(podsIn('default'), 'web-0')).status?.phase === 'Running', 'the second web-0 Running');
  assert.equal((await c.client.get<Pod>(podsIn('default'), 'web-0')).spec.nodeName, 'node-2');
});
