// The simulated nodes against the real API server: registration and Ready status, Lease heartbeats on the
// Clock, bound pods Running with IPs and container statuses, Job pods Succeeded, graceful deletion finished.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isNotFound } from '../../clients/kube/client.ts';
import { leasesIn, nodesRef, podsIn, type Node, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { ignoreSigtermAnnotation, parseRunFor, runForAnnotation } from './pod.ts';

const pod = (name: string, nodeName: string, extra: Partial<Pod['metadata']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...extra },
  spec: { nodeName, containers: [{ name: 'app', image: 'nginx' }, { name: 'sidecar', image: 'busybox' }] },
});

test('nodes register Ready with capacity, and their Leases are renewed every 10 simulated seconds', async (t) => {
  const c = await testCluster(t, { scheduler: false, nodeCount: 3 });
  await c.until(async () => (await c.client.list<Node>(nodesRef)).items.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).length === 3, 'three Ready nodes');
  const node = await c.client.get<Node>(nodesRef, 'node-2');
  assert.deepEqual(node.status?.allocatable, { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' });
  assert.deepEqual(node.status?.addresses?.[0], { type: 'InternalIP', address: '10.0.0.2' });
  assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'node-2');
  assert.equal(node.spec?.podCIDR, '10.244.2.0/24');
  await c.until(async () => (await c.client.list(leasesIn('kube-node-lease'))).items.length === 3, 'three Leases');
  const lease = await c.client.get(leasesIn('kube-node-lease'), 'node-1');
  const first = (lease.spec as { renewTime: string }).renewTime;
  assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, 'node-1');
  assert.deepEqual(lease.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Node', 'node-1', (await c.client.get(nodesRef, 'node-1')).metadata.uid]]);
  const start = c.clock.now();
  await c.until(async () => ((await c.client.get(leasesIn('kube-node-lease'), 'node-1')).spec as { renewTime: string }).renewTime !== first, 'a renewed Lease');
  assert.ok(c.clock.now() - start >= 10_000, 'renewed after leaseDuration/4 on the clock');
});

test('a bound pod becomes Running with a pod IP from its node, conditions and container statuses', async (t) => {
  const c = await testCluster(t, { scheduler: false });
  await c.client.create(podsIn('default'), pod('a', 'node-1'));
  await c.client.create(podsIn('default'), pod('b', 'node-1'));
  await c.client.create(podsIn('default'), pod('elsewhere', 'node-9'));
  await c.until(async () => (await c.client.list<Pod>(podsIn('default'))).items.filter((p) => p.status?.phase === 'Running').length === 2, 'two Running pods');
  const a = await c.client.get<Pod>(podsIn('default'), 'a');
  const b = await c.client.get<Pod>(podsIn('default'), 'b');
  assert.equal(a.status?.hostIP, '10.0.0.1');
  assert.match(a.status?.podIP ?? '', /^10\.244\.1\.\d+$/);
  assert.notEqual(a.status?.podIP, b.status?.podIP, 'two pods never share an IP');
  assert.deepEqual(a.status?.conditions?.map((x) => [x.type, x.status]), [['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True']]);
  assert.deepEqual(a.status?.containerStatuses?.map((s) => [s.name, s.ready, s.started, s.restartCount, Object.keys(s.state as object)]), [['app', true, true, 0, ['running']], ['sidecar', true, true, 0, ['running']]]);
  assert.equal((await c.client.get<Pod>(podsIn('default'), 'elsewhere')).status?.phase, 'Pending', 'a pod on a node nobody simulates stays Pending');
});

test('a Job pod Succeeds after its simulated run time; run-for overrides it', async (t) => {
  const c = await testCluster(t, { scheduler: false, jobPodRunMs: 30_000 });
  const job = await c.client.create({ group: 'batch', version: 'v1', plural: 'jobs', namespace: 'default' }, {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  } as KubeObject);
  const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: job.metadata.uid ?? '', controller: true };
  const start = c.clock.now();
  await c.client.create(podsIn('default'), pod('j-1', 'node-1', { ownerReferences: [owner] }));
  await c.client.create(podsIn('default'), pod('quick', 'node-2', { annotations: { [runForAnnotation]: '2s' } }));
  await c.until(async () => (await c.client.get<Pod>(podsIn('default'), 'quick')).status?.phase === 'Succeeded', 'the 2s pod done');
  assert.ok(c.clock.now() - start >= 2_000);
  await c.until(async () => (await c.client.get<Pod>(podsIn('default'), 'j-1')).status?.phase === 'Succeeded', 'the Job pod done');
  assert.ok(c.clock.now() - start >= 30_000, 'not before its run time');
  const done = await c.client.get<Pod>(podsIn('default'), 'j-1');
  assert.deepEqual(done.status?.containerStatuses?.map((s) => (s.state as { terminated: { exitCode: number; reason: string } }).terminated), [
    { exitCode: 0, reason: 'Completed', startedAt: done.status?.startTime, finishedAt: (done.status?.containerStatuses?.[0]?.state as { terminated: { finishedAt: string } }).terminated.finishedAt, containerID: `kwok://${done.metadata.uid}-app` },
    { exitCode: 0, reason: 'Completed', startedAt: done.status?.startTime, finishedAt: (done.status?.containerStatuses?.[1]?.state as { terminated: { finishedAt: string } }).terminated.finishedAt, containerID: `kwok://${done.metadata.uid}-sidecar` },
  ]);
  assert.equal(done.status?.conditions?.find((x) => x.type === 'Ready')?.reason, 'PodCompleted');
});

test('graceful deletion: DELETE marks the pod, the node agent removes it with grace 0 and its UID', async (t) => {
  const c = await testCluster(t, { scheduler: false });
  await c.client.create(podsIn('default'), pod('web', 'node-1'));
  await c.until(async () => (await c.client.get<Pod>(podsIn('default'), 'web')).status?.phase === 'Running', 'Running');
  const marked = (await c.client.delete(podsIn('default'), 'web')) as Pod;
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30, 'the server only marks it');
  await c.until(async () => {
    try {
      await c.client.get(podsIn('default'), 'web');
      return false;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }, 'the pod gone');
  const deletes = c.server.recorder.history.entries().filter((e) => e.type === 'request' && e.verb === 'delete' && e.resource === 'pods' && e.actor === 'kwok-controller');
  assert.equal(deletes.length, 1, 'one DELETE by the node agent');
  assert.equal(deletes[0]?.type === 'request' ? deletes[0].body : undefined, JSON.stringify({ preconditions: { uid: marked.metadata.uid } }));
});

test('a pod whose containers ignore SIGTERM stays Terminating until its grace period ends', async (t) => {
  const c = await testCluster(t, { scheduler: false });
  await c.client.create(podsIn('default'), pod('stubborn', 'node-2', { annotations: { [ignoreSigtermAnnotation]: 'true' } }));
  await c.until(async () => (await c.client.get<Pod>(podsIn('default'), 'stubborn')).status?.phase === 'Running', 'Running');
  const start = c.clock.now();
  await c.client.delete(podsIn('default'), 'stubborn', { gracePeriodSeconds: 20 });
  await c.until(async () => {
    try {
      await c.client.get(podsIn('default'), 'stubborn');
      return false;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }, 'the pod gone');
  assert.ok(c.clock.now() - start >= 20_000, 'not before the deletionTimestamp');
});

test('deleting a namespace removes its running pods once the node agent finished them, then the namespace', async (t) => {
  const c = await testCluster(t, { scheduler: false });
  const nsRef = { group: '', version: 'v1', plural: 'namespaces' };
  await c.client.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as KubeObject);
  await c.client.create(podsIn('team'), pod('a', 'node-1'));
  await c.client.create(podsIn('team'), pod('b', 'node-2'));
  await c.until(async () => (await c.client.list<Pod>(podsIn('team'))).items.every((p) => p.status?.phase === 'Running'), 'Running');
  await c.client.delete(nsRef, 'team');
  await c.until(async () => {
    try {
      await c.client.get(nsRef, 'team');
      return false;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }, 'the namespace gone');
  const finals = c.server.recorder.history.entries().filter((e) => e.type === 'request' && e.verb === 'delete' && e.resource === 'pods' && e.actor === 'kwok-controller');
  assert.equal(finals.length, 2, 'each pod finished by the node agent');
});

test('parseRunFor reads Go-style durations and forever', () => {
  assert.equal(parseRunFor('1m30s'), 90_000);
  assert.equal(parseRunFor('250ms'), 250);
  assert.equal(parseRunFor('forever'), Infinity);
  assert.equal(parseRunFor('soon'), undefined);
  assert.equal(parseRunFor(''), undefined);
});
