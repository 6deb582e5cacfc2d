import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import { internalError } from '../../apiserver/machinery/errors.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { SeededRandom } from '../../apiserver/machinery/random.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient } from '../../clients/kube/client.ts';
import { testServer } from '../../testing/server.ts';
import { background, withCancel } from '../runtime/concurrency.ts';
import type { Machine, MachineSet } from './api.ts';
import { getCondition, getV1Beta2Condition } from './conditions.ts';
import { getDeletePriorityFunc, getMachinesToDeletePrioritized, newMachineSetControllerManager } from './machineset.ts';
import { newCapiControllerManager } from './manager.ts';
import { clockDriver, cluster, dockerMachineTemplate, eventually, kubeadmConfigTemplate, machineSet, ns, recordingInterleaver, refs } from './testing/harness.ts';

async function setup(t: Parameters<typeof testServer>[0], fixed: boolean) {
  const rec = recordingInterleaver();
  const server = await testServer(t, { interleaver: rec.interleaver });
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const { manager, reconciler } = newMachineSetControllerManager({ kc: server.kc(), actor: 'machineset-controller', clock, fixed, random: new SeededRandom(7) });
  const { ctx, cancel } = withCancel(background());
  const done = manager.start(ctx);
  t.after(async () => {
    cancel();
    await done;
  });
  assert.equal(await manager.whenStarted(), true);
  const drive = clockDriver(() => manager.idle(), clock);
  const until = (cond: () => Promise<boolean> | boolean, what: string, step: () => void = drive): Promise<void> =>
    eventually(async () => manager.idle() && (await cond()), what, step);
  const list = async <T extends KubeObject = KubeObject>(ref: (typeof refs)[keyof typeof refs]): Promise<T[]> => (await client.list<T>(ref)).items;
  const getMs = (name: string): Promise<MachineSet> => client.get<MachineSet>(refs.machineSets, name);
  await client.create(refs.clusters, cluster('c1'));
  await client.create(refs.kubeadmConfigTemplates, kubeadmConfigTemplate('ms1-bootstrap'));
  await client.create(refs.dockerMachineTemplates, dockerMachineTemplate('ms1-infra'));
  return { server, rec, clock, client, manager, reconciler, drive, until, list, getMs };
}

test('MachineSet: scale up clones a KubeadmConfig and a DockerMachine per replica, then creates the Machine; status; scale down', async (t) => {
  const { client, rec, until, list, getMs } = await setup(t, true);
  await client.create(refs.machineSets, machineSet('ms1', 'c1', { replicas: 3 }));
  await until(async () => (await getMs('ms1')).status?.replicas === 3, 'three replicas');

  const cl = await client.get(refs.clusters, 'c1');
  const ms = await getMs('ms1');
  assert.deepEqual(ms.metadata.finalizers, ['cluster.x-k8s.io/machineset']);
  assert.deepEqual(ms.metadata.ownerReferences, [{ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', name: 'c1', uid: cl.metadata.uid }], 'a stand-alone MachineSet is owned by its Cluster');
  assert.equal(ms.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c1');
  assert.deepEqual(
    { ...ms.status, conditions: undefined, v1beta2: undefined },
    { selector: 'cluster.x-k8s.io/cluster-name=c1,pool=ms1', replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 0, availableReplicas: 0, observedGeneration: ms.metadata.generation, conditions: undefined, v1beta2: undefined },
  );
  assert.equal(getCondition(ms, 'MachinesCreated')?.status, 'True');
  assert.equal(getCondition(ms, 'Resized')?.reason, 'ScalingUp', 'resized only once the replicas are ready');
  assert.equal(getV1Beta2Condition(ms, 'Paused')?.reason, 'NotPaused');
  for (const tpl of [await client.get(refs.kubeadmConfigTemplates, 'ms1-bootstrap'), await client.get(refs.dockerMachineTemplates, 'ms1-infra')]) {
    assert.deepEqual(tpl.metadata.ownerReferences, [{ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', name: 'c1', uid: cl.metadata.uid }], 'templates owned by the Cluster');
  }

  const machines = await list<Machine>(refs.machines);
  const configs = await list(refs.kubeadmConfigs);
  const infras = await list(refs.dockerMachines);
  assert.equal(machines.length, 3);
  assert.deepEqual(configs.map((o) => o.metadata.name).sort(), machines.map((m) => m.metadata.name).sort(), 'one KubeadmConfig per Machine, same name');
  assert.deepEqual(infras.map((o) => o.metadata.name).sort(), machines.map((m) => m.metadata.name).sort(), 'one DockerMachine per Machine, same name');
  const msOwner = { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineSet', name: 'ms1', uid: ms.metadata.uid };
  for (const m of machines) {
    const name = m.metadata.name ?? '';
    assert.match(name, /^ms1-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(m.metadata.labels, { 'cluster.x-k8s.io/cluster-name': 'c1', 'cluster.x-k8s.io/set-name': 'ms1', pool: 'ms1' });
    assert.deepEqual(m.metadata.finalizers, ['machine.cluster.x-k8s.io']);
    assert.deepEqual(m.metadata.ownerReferences, [{ ...msOwner, controller: true, blockOwnerDeletion: true }]);
    const config = configs.find((o) => o.metadata.name === name) as KubeObject;
    const infra = infras.find((o) => o.metadata.name === name) as KubeObject;
    assert.deepEqual(m.spec?.bootstrap?.configRef, { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfig', name, namespace: ns, uid: config.metadata.uid });
    assert.deepEqual(m.spec?.infrastructureRef, { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachine', name, namespace: ns, uid: infra.metadata.uid });
    assert.equal(m.spec?.clusterName, 'c1');
    assert.equal(m.spec?.version, 'v1.32.0');
    for (const [obj, from] of [
      [config, { name: 'ms1-bootstrap', gk: 'KubeadmConfigTemplate.bootstrap.cluster.x-k8s.io' }],
      [infra, { name: 'ms1-infra', gk: 'DockerMachineTemplate.infrastructure.cluster.x-k8s.io' }],
    ] as const) {
      assert.deepEqual(obj.metadata.ownerReferences, [msOwner], 'cloned objects: a MachineSet ownerReference that is not a controller reference');
      assert.deepEqual(obj.metadata.labels, m.metadata.labels);
      assert.deepEqual(obj.metadata.annotations, { 'cluster.x-k8s.io/cloned-from-name': from.name, 'cluster.x-k8s.io/cloned-from-groupkind': from.gk });
      assert.deepEqual(obj.metadata.finalizers, undefined);
    }
    assert.deepEqual(config.spec, { joinConfiguration: { nodeRegistration: { kubeletExtraArgs: { 'eviction-hard': 'nodefs.available<0%' } } } });
    assert.deepEqual(infra.spec, { extraMounts: [], customImage: 'kindest/node:v1.32.0' });
  }
  const creates = rec.seen.filter((r) => r.actor === 'machineset-controller' && r.verb === 'create').map((r) => r.resource);
  assert.deepEqual(creates.filter((r) => r !== 'events'), ['kubeadmconfigs', 'dockermachines', 'machines', 'kubeadmconfigs', 'dockermachines', 'machines', 'kubeadmconfigs', 'dockermachines', 'machines']);
  const events = async (): Promise<string[]> => (await client.list({ group: '', version: 'v1', plural: 'events', namespace: ns })).items.map((e) => String(e.reason));
  await until(async () => (await events()).filter((r) => r === 'SuccessfulCreate').length === 3, 'the SuccessfulCreate events');

  // Two Machines get a Node: ready replicas follow.
  const sorted = machines.map((m) => m.metadata.name ?? '').sort();
  const [a, b, c] = sorted as [string, string, string];
  for (const name of [b, c]) {
    await client.patch(refs.machines, name, { status: { nodeRef: { kind: 'Node', name }, conditions: [{ type: 'NodeHealthy', status: 'True', lastTransitionTime: '2024-12-31T00:00:00Z' }] } }, 'merge', { subresource: 'status' });
  }
  await until(async () => (await getMs('ms1')).status?.readyReplicas === 2, 'two ready replicas');
  assert.equal((await getMs('ms1')).status?.availableReplicas, 2);

  // Scale down to 1 (deletePolicy Random): the Machine without a Node goes first (betterDelete), then by name.
  await client.patch(refs.machineSets, 'ms1', { spec: { replicas: 1 } });
  await until(async () => (await list(refs.machines)).filter((m) => m.metadata.deletionTimestamp).length === 2, 'two Machines deleting');
  const deleting = (await list(refs.machines)).filter((m) => m.metadata.deletionTimestamp).map((m) => m.metadata.name);
  assert.deepEqual(deleting.sort(), [a, b].sort());
  assert.equal((await getMs('ms1')).status?.replicas, 3, 'deleting Machines still count');
  // The Machine controller's part: the finalizers go, the Machines are gone.
  for (const name of deleting) await client.patch(refs.machines, name ?? '', { metadata: { finalizers: null } });
  await until(async () => (await getMs('ms1')).status?.replicas === 1, 'one replica');
  const final = await getMs('ms1');
  assert.equal(final.status?.readyReplicas, 1);
  assert.equal(final.status?.observedGeneration, final.metadata.generation);
  assert.equal(getCondition(final, 'Resized')?.status, 'True');
  assert.deepEqual((await list(refs.machines)).map((m) => m.metadata.name), [c]);
  await until(async () => (await events()).filter((r) => r === 'SuccessfulDelete').length === 2, 'the SuccessfulDelete events');

  // A paused Cluster pauses its MachineSets (ClusterPausedTransitions brings them back): no scale up.
  await client.patch(refs.clusters, 'c1', { spec: { paused: true } });
  await until(async () => getV1Beta2Condition(await getMs('ms1'), 'Paused')?.status === 'True', 'the MachineSet paused');
  assert.equal(getV1Beta2Condition(await getMs('ms1'), 'Paused')?.message, 'Cluster spec.paused is set to true');
  await client.patch(refs.machineSets, 'ms1', { spec: { replicas: 2 } });
  await until(async () => {
    const cur = await getMs('ms1');
    return cur.metadata.generation === (cur.status?.observedGeneration ?? 0) + 1;
  }, 'the scale-up written (and, paused, not acted on)');
  assert.equal((await list(refs.machines)).length, 1, 'paused: nothing created');
  await client.patch(refs.clusters, 'c1', { spec: { paused: false } });
  await until(async () => (await getMs('ms1')).status?.replicas === 2, 'unpaused: two replicas');

  // Deleting the MachineSet deletes its Machines; once they are gone its finalizer goes.
  await client.delete(refs.machineSets, 'ms1');
  await until(async () => (await list(refs.machines)).every((m) => m.metadata.deletionTimestamp), 'the Machines deleting');
  assert.deepEqual((await getMs('ms1')).metadata.finalizers, ['cluster.x-k8s.io/machineset']);
  for (const m of await list(refs.machines)) await client.patch(refs.machines, m.metadata.name ?? '', { metadata: { finalizers: null } });
  await until(async () => (await list(refs.machineSets)).length === 0, 'the MachineSet gone');
});

test('MachineSet: delete policies follow machineset_delete_policy.go', () => {
  const now = Date.UTC(2025, 0, 11);
  const m = (name: string, created: string, extra: Partial<Machine['metadata']> = {}, healthy = true): Machine => ({
    metadata: { name, creationTimestamp: created, ...extra },
    ...(healthy ? { status: { nodeRef: { name } } } : {}),
  });
  const machines = [m('old', '2025-01-01T00:00:00Z'), m('mid', '2025-01-05T00:00:00Z'), m('new', '2025-01-10T00:00:00Z'), m('marked', '2025-01-06T00:00:00Z', { annotations: { 'cluster.x-k8s.io/delete-machine': '' } })];
  const pick = (policy: string, n: number, list = machines): string[] =>
    getMachinesToDeletePrioritized(list, n, getDeletePriorityFunc({ metadata: {}, spec: { deletePolicy: policy as 'Random' } }), now).map((x) => x.metadata.name ?? '');
  assert.deepEqual(pick('Oldest', 2), ['marked', 'old']);
  assert.deepEqual(pick('Newest', 2), ['marked', 'new']);
  assert.deepEqual(pick('Random', 3), ['marked', 'mid', 'new'], 'upstream "Random" ties break by name');
  assert.deepEqual(pick('', 1, [...machines, m('unhealthy', '2025-01-02T00:00:00Z', {}, false)]), ['marked']);
  assert.deepEqual(pick('Random', 2, [...machines, m('deleting', '2025-01-02T00:00:00Z', { deletionTimestamp: '2025-01-10T00:00:00Z' })]), ['deleting', 'marked']);
  assert.throws(() => pick('Sideways', 1), /Unsupported delete policy Sideways/);
});

for (const fixed of [false, true]) {
  test(`MachineSet (${fixed ? 'fixed' : 'buggy'}): InfraMachine creates fail ${fixed ? '→ the bootstrap config is deleted and the controller backs off' : '→ one KubeadmConfig leaks per retry'} (#11211)`, async (t) => {
    const { rec, client, until, list, getMs, reconciler, clock } = await setup(t, fixed);
    rec.fail.rule = (r) => (r.verb === 'create' && r.resource === 'dockermachines' ? internalError('injected: DockerMachine creation failed') : undefined);
    const failures = (): number => rec.seen.filter((r) => r.verb === 'create' && r.resource === 'dockermachines' && r.code === 500).length;
    await client.create(refs.machineSets, machineSet('ms1', 'c1', { replicas: 1 }));
    const retries = 4;
    const start = clock.now();
    await until(() => failures() >= retries, `${retries} failed InfraMachine creates`);
    assert.equal(failures(), retries);

    const configs = await list(refs.kubeadmConfigs);
    assert.equal(configs.length, fixed ? 0 : retries, fixed ? 'no bootstrap config left' : 'one leaked bootstrap config per failed attempt');
    assert.equal(new Set(configs.map((c) => c.metadata.name)).size, configs.length, 'each retry picks a new name');
    assert.deepEqual(await list(refs.machines), [], 'no Machine is created');
    assert.deepEqual(await list(refs.dockerMachines), []);
    const ms = await getMs('ms1');
    const created = getCondition(ms, 'MachinesCreated');
    assert.equal(created?.status, 'False');
    assert.equal(created?.reason, 'InfrastructureTemplateCloningFailed');
    assert.equal(created?.severity, 'Error');
    assert.match(created?.message ?? '', /injected: DockerMachine creation failed/);

    // Every failure requeued the key rate-limited (per-key exponential backoff on the clock): the next
    // attempt waits for 5 ms * 2^(4-1).
    assert.equal(reconciler.controller.queue.numRequeues(`${ns}/ms1`), retries);
    assert.ok(clock.now() > start);
    assert.equal((clock.nextTimerAt() ?? 0) - clock.now(), 5 * 2 ** (retries - 1), 'the next retry backs off');
    const ops = rec.seen.filter((r) => r.actor === 'machineset-controller' && ['kubeadmconfigs', 'dockermachines', 'machines'].includes(r.resource) && r.verb !== 'list' && r.verb !== 'watch');
    const perAttempt = fixed ? ['create kubeadmconfigs', 'create dockermachines', 'delete kubeadmconfigs'] : ['create kubeadmconfigs', 'create dockermachines'];
    assert.deepEqual(
      ops.map((r) => `${r.verb} ${r.resource}`),
      Array.from({ length: retries }, () => perAttempt).flat(),
    );
    if (fixed) {
      // The config deleted is the one just created.
      for (let i = 0; i < retries; i++) assert.equal(ops[3 * i + 2]?.name, (ops[3 * i]?.body as KubeObject).metadata.name);
    }

    // The fault is lifted: both variants converge to one Machine, the buggy one keeping its orphans.
    rec.fail.rule = undefined;
    await until(async () => (await list(refs.machines)).length === 1 && getCondition(await getMs('ms1'), 'MachinesCreated')?.status === 'True', 'the Machine created');
    const [m] = await list<Machine>(refs.machines);
    const after = await list(refs.kubeadmConfigs);
    assert.equal(after.length, fixed ? 1 : retries + 1);
    const orphans = after.filter((c) => c.metadata.name !== m?.spec?.bootstrap?.configRef?.name);
    assert.equal(orphans.length, fixed ? 0 : retries, 'bootstrap configs no Machine references');
    assert.equal((await list(refs.dockerMachines)).length, 1);
  });
}

test('newCapiControllerManager runs the Cluster and MachineSet controllers in one process, as one actor', async (t) => {
  const rec = recordingInterleaver();
  const server = await testServer(t, { interleaver: rec.interleaver });
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const { manager } = newCapiControllerManager({ kc: server.kc(), clock, random: new SeededRandom(1), fixed: true });
  const { ctx, cancel } = withCancel(background());
  const done = manager.start(ctx);
  t.after(async () => {
    cancel();
    await done;
  });
  await manager.whenStarted();
  await client.create(refs.clusters, cluster('c1'));
  await client.create(refs.kubeadmConfigTemplates, kubeadmConfigTemplate('ms1-bootstrap'));
  await client.create(refs.dockerMachineTemplates, dockerMachineTemplate('ms1-infra'));
  await client.create(refs.machineSets, machineSet('ms1', 'c1', { replicas: 1 }));
  await eventually(
    async () => manager.idle() && (await client.get<MachineSet>(refs.machineSets, 'ms1')).status?.replicas === 1 && (await client.get(refs.clusters, 'c1')).metadata.finalizers?.length === 1,
    'both controllers at work',
    clockDriver(() => manager.idle(), clock),
  );
  const actors = new Set(rec.seen.filter((r) => r.actor !== 'tester').map((r) => r.actor));
  assert.deepEqual([...actors], ['capi-controller-manager']);
});
