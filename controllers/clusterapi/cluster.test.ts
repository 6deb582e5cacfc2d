import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient } from '../../clients/kube/client.ts';
import { testServer } from '../../testing/server.ts';
import { background, withCancel } from '../runtime/concurrency.ts';
import type { Cluster, MetaCondition } from './api.ts';
import { newClusterControllerManager } from './cluster.ts';
import { getCondition, getV1Beta2Condition } from './conditions.ts';
import { clockDriver, cluster, dockerCluster, eventually, machine, ns, ownerRef, recordingInterleaver, refs } from './testing/harness.ts';

async function setup(t: Parameters<typeof testServer>[0]) {
  const rec = recordingInterleaver();
  const server = await testServer(t, { interleaver: rec.interleaver });
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const { manager, reconciler } = newClusterControllerManager({ kc: server.kc(), actor: 'cluster-controller', clock });
  const { ctx, cancel } = withCancel(background());
  const done = manager.start(ctx);
  t.after(async () => {
    cancel();
    await done;
  });
  assert.equal(await manager.whenStarted(), true);
  const drive = clockDriver(() => manager.idle(), clock);
  const getCluster = (name: string): Promise<Cluster> => client.get<Cluster>(refs.clusters, name);
  const until = (cond: () => Promise<boolean>, what: string): Promise<void> => eventually(async () => manager.idle() && (await cond()), what, drive);
  return { server, rec, clock, client, manager, reconciler, getCluster, until };
}

const paused = (c: Cluster): MetaCondition | undefined => getV1Beta2Condition(c, 'Paused');

test('Cluster: EnsureFinalizer first (a merge patch without resourceVersion), then Paused=False, then the infrastructure and the phase', async (t) => {
  const { rec, client, getCluster, until } = await setup(t);
  await client.create(refs.dockerClusters, dockerCluster('c1-infra'));
  await client.create(refs.clusters, cluster('c1', { infra: 'c1-infra' }));

  await until(async () => (await getCluster('c1')).status?.phase === 'Provisioning', 'the cluster provisioning');
  const writes = rec.seen.filter((r) => r.actor === 'cluster-controller' && r.resource === 'clusters' && r.verb !== 'list' && r.verb !== 'watch' && r.verb !== 'get');
  assert.deepEqual(writes[0], {
    actor: 'cluster-controller',
    verb: 'patch',
    resource: 'clusters',
    subresource: undefined,
    namespace: ns,
    name: 'c1',
    body: { metadata: { finalizers: ['cluster.cluster.x-k8s.io'] } },
    code: 200,
  });
  assert.equal(writes[1]?.subresource, 'status', 'then the Paused condition');
  assert.deepEqual(Object.keys((writes[1]?.body as { metadata: object }).metadata), ['resourceVersion'], 'conditions are patched with optimistic locking');

  let c = await getCluster('c1');
  assert.deepEqual(c.metadata.finalizers, ['cluster.cluster.x-k8s.io']);
  assert.deepEqual(
    { ...paused(c), lastTransitionTime: undefined },
    { type: 'Paused', status: 'False', reason: 'NotPaused', observedGeneration: c.metadata.generation, lastTransitionTime: undefined },
  );
  assert.equal(c.status?.infrastructureReady, undefined);
  assert.equal(getCondition(c, 'InfrastructureReady')?.reason, 'WaitingForInfrastructure');
  const infra = await client.get(refs.dockerClusters, 'c1-infra');
  assert.deepEqual(infra.metadata.ownerReferences, [{ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', name: 'c1', uid: c.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(infra.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c1');

  // The infrastructure provider reports ready: owns() brings the Cluster back, which becomes Provisioned.
  await client.patch(refs.dockerClusters, 'c1-infra', { status: { ready: true } }, 'merge', { subresource: 'status' });
  await until(async () => (await getCluster('c1')).status?.phase === 'Provisioned', 'the cluster provisioned');
  c = await getCluster('c1');
  assert.equal(c.status?.infrastructureReady, true);
  assert.equal(getCondition(c, 'InfrastructureReady')?.status, 'True');
  assert.deepEqual(c.spec?.controlPlaneEndpoint, { host: '172.18.0.3', port: 6443 });
  assert.equal(c.status?.observedGeneration, c.metadata.generation);
  assert.equal(getCondition(c, 'ControlPlaneInitialized')?.reason, 'MissingNodeRef');

  // A control plane Machine with a nodeRef initializes the control plane (what clusterctl move checks).
  const cp = machine('c1-cp', 'c1');
  cp.metadata.labels = { ...cp.metadata.labels, 'cluster.x-k8s.io/control-plane': '' };
  await client.create(refs.machines, cp);
  await client.patch(refs.machines, 'c1-cp', { status: { nodeRef: { kind: 'Node', name: 'c1-cp' } } }, 'merge', { subresource: 'status' });
  await until(async () => getCondition(await getCluster('c1'), 'ControlPlaneInitialized')?.status === 'True', 'the control plane initialized');
});

test('Cluster: spec.paused and the paused annotation set Paused=True and stop everything, reconcileDelete included', async (t) => {
  const { client, getCluster, until } = await setup(t);
  await client.create(refs.clusters, cluster('c2'));
  await until(async () => (await getCluster('c2')).status?.phase === 'Pending', 'the cluster reconciled');

  await client.patch(refs.clusters, 'c2', { spec: { paused: true } });
  await until(async () => paused(await getCluster('c2'))?.status === 'True', 'Paused=True');
  let c = await getCluster('c2');
  assert.equal(paused(c)?.reason, 'Paused');
  assert.equal(paused(c)?.message, 'Cluster spec.paused is set to true');
  assert.equal(paused(c)?.observedGeneration, c.metadata.generation);

  await client.patch(refs.clusters, 'c2', { metadata: { annotations: { 'cluster.x-k8s.io/paused': '' } } });
  await until(async () => paused(await getCluster('c2'))?.message === 'Cluster spec.paused is set to true, Cluster has the cluster.x-k8s.io/paused annotation', 'both reasons');

  // Deleting a paused Cluster only sets its deletionTimestamp: nobody removes the finalizer.
  await client.delete(refs.clusters, 'c2');
  await until(async () => (await getCluster('c2')).metadata.deletionTimestamp !== undefined, 'the deletionTimestamp');
  c = await getCluster('c2');
  assert.deepEqual(c.metadata.finalizers, ['cluster.cluster.x-k8s.io'], 'paused: reconcileDelete does not run');
  assert.notEqual(c.status?.phase, 'Deleting');

  // Unpaused (annotation first: still paused by spec), deletion completes.
  await client.patch(refs.clusters, 'c2', { metadata: { annotations: null } });
  await until(async () => paused(await getCluster('c2'))?.message === 'Cluster spec.paused is set to true', 'the annotation gone');
  await client.patch(refs.clusters, 'c2', { spec: { paused: false } });
  await until(async () => client.get(refs.clusters, 'c2').then(() => false, (e: unknown) => isNotFound(e)), 'the cluster deleted');
});

test('Cluster: reconcileDelete deletes the descendants, waits for them and for the infrastructure, then removes its finalizer', async (t) => {
  const { client, clock, getCluster, until, manager } = await setup(t);
  await client.create(refs.dockerClusters, dockerCluster('c3-infra'));
  const c = await client.create(refs.clusters, cluster('c3', { infra: 'c3-infra' }));
  const md: KubeObject = {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'MachineDeployment',
    metadata: { name: 'c3-md', namespace: ns, labels: { 'cluster.x-k8s.io/cluster-name': 'c3' }, ownerReferences: [ownerRef(c)] },
    spec: { clusterName: 'c3', replicas: 0, selector: {}, template: { spec: { clusterName: 'c3' } } },
  };
  await client.create(refs.machineDeployments, md);
  const ms = await client.create(refs.machineSets, {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'MachineSet',
    metadata: { name: 'c3-ms', namespace: ns, labels: { 'cluster.x-k8s.io/cluster-name': 'c3' }, ownerReferences: [ownerRef(c)] },
    spec: { clusterName: 'c3', replicas: 2, selector: {}, template: { spec: { clusterName: 'c3' } } },
  });
  await client.create(refs.machines, machine('c3-a', 'c3', ms));
  await client.create(refs.machines, machine('c3-b', 'c3', ms, ['machine.cluster.x-k8s.io']));
  const unrelated = await client.create(refs.machines, machine('other-a', 'other'));
  await until(async () => (await getCluster('c3')).metadata.finalizers?.length === 1 && (await getCluster('c3')).status?.phase === 'Provisioning', 'the cluster reconciled');

  await client.delete(refs.clusters, 'c3');
  // The controller deletes its children (MachineDeployment, MachineSet); the server's GC takes the Machines
  // they own, but c3-b has a finalizer nobody removes: the Cluster waits, requeueing every 5 s.
  await until(async () => {
    const machines = (await client.list(refs.machines)).items.map((m) => m.metadata.name);
    return machines.join() === 'c3-b,other-a';
  }, 'the children gone but the finalized Machine');
  const b = await client.get(refs.machines, 'c3-b');
  assert.ok(b.metadata.deletionTimestamp, 'c3-b is terminating');
  assert.deepEqual((await client.list(refs.machineSets)).items, []);
  assert.deepEqual((await client.list(refs.machineDeployments)).items, []);
  const before = clock.now();
  await until(async () => clock.now() - before >= 10_000, 'two requeues');
  let cur = await getCluster('c3');
  assert.equal(cur.status?.phase, 'Deleting');
  assert.deepEqual(cur.metadata.finalizers, ['cluster.cluster.x-k8s.io']);
  assert.ok(await client.get(refs.dockerClusters, 'c3-infra'), 'the infrastructure is deleted only after the workers');

  // The Machine controller's part: its finalizer goes; the Cluster then deletes the DockerCluster and ends.
  await client.patch(refs.machines, 'c3-b', { metadata: { finalizers: null } });
  await until(async () => client.get(refs.clusters, 'c3').then(() => false, (e: unknown) => isNotFound(e)), 'the cluster deleted');
  await assert.rejects(client.get(refs.dockerClusters, 'c3-infra'), (e: unknown) => isNotFound(e));
  assert.equal((await client.get(refs.machines, 'other-a')).metadata.uid, unrelated.metadata.uid, 'other clusters untouched');
  cur = c as Cluster;
  assert.ok(manager.idle());
});
