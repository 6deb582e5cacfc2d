import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../apiserver/machinery/object.ts';
import { actorKubeConfig } from '../kube/actor.ts';
import { KubeClient, type ResourceRef } from '../kube/client.ts';
import { testServer } from '../../testing/server.ts';
import {
  cluster,
  dockerCluster,
  dockerMachineTemplate,
  kubeadmConfigTemplate,
  machine,
  machineSet,
  ns,
  ownerRef,
  recordingInterleaver,
  refs,
} from '../../controllers/clusterapi/testing/harness.ts';
import { move, MoveError } from './move.ts';

const movedRefs: [string, ResourceRef][] = [
  ['Cluster', refs.clusters],
  ['DockerCluster', refs.dockerClusters],
  ['MachineSet', refs.machineSets],
  ['Machine', refs.machines],
  ['KubeadmConfigTemplate', refs.kubeadmConfigTemplates],
  ['DockerMachineTemplate', refs.dockerMachineTemplates],
  ['KubeadmConfig', refs.kubeadmConfigs],
  ['DockerMachine', refs.dockerMachines],
  ['Secret', refs.secrets],
  ['ConfigMap', refs.configMaps],
];

/** Every object of the kinds above in a namespace, as `Kind/name` → object. */
async function snapshot(client: KubeClient, namespace = ns): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  for (const [kind, ref] of movedRefs) {
    for (const o of (await client.list({ ...ref, namespace })).items) if (kind !== 'ConfigMap' || o.metadata.name !== 'kube-root-ca.crt') out.set(`${kind}/${o.metadata.name}`, o);
  }
  return out;
}

/**
 * A provisioned cluster as the controllers would leave it: Cluster c1 (finalizer, infrastructure ready,
 * control plane initialized), its DockerCluster, kubeconfig Secret and templates, a stand-alone MachineSet
 * with two Machines (nodeRef set), their KubeadmConfigs and DockerMachines; plus objects move must leave.
 */
async function seed(c: KubeClient, opts: { nodeRefs?: boolean } = {}): Promise<void> {
  const status = (ref: ResourceRef, name: string, s: Record<string, unknown>): Promise<unknown> => c.patch(ref, name, { status: s }, 'merge', { subresource: 'status' });
  const cl = await c.create(refs.clusters, { ...cluster('c1', { infra: 'c1-infra' }), metadata: { name: 'c1', namespace: ns, finalizers: ['cluster.cluster.x-k8s.io'] } });
  await status(refs.clusters, 'c1', { infrastructureReady: true, phase: 'Provisioned', conditions: [{ type: 'ControlPlaneInitialized', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }] });
  const dc = dockerCluster('c1-infra');
  dc.metadata.ownerReferences = [{ ...ownerRef(cl, true), blockOwnerDeletion: true }];
  dc.metadata.finalizers = ['dockercluster.infrastructure.cluster.x-k8s.io'];
  await c.create(refs.dockerClusters, dc);
  await c.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c1-kubeconfig', namespace: ns, labels: { 'cluster.x-k8s.io/cluster-name': 'c1' } }, data: { value: 'a3ViZWNvbmZpZw==' } });
  for (const tpl of [kubeadmConfigTemplate('ms1-bootstrap'), dockerMachineTemplate('ms1-infra')]) {
    tpl.metadata.ownerReferences = [ownerRef(cl)];
    await c.create(tpl.kind === 'KubeadmConfigTemplate' ? refs.kubeadmConfigTemplates : refs.dockerMachineTemplates, tpl);
  }
  const msObj = machineSet('ms1', 'c1', { replicas: 2 });
  msObj.metadata.ownerReferences = [ownerRef(cl)];
  msObj.metadata.finalizers = ['cluster.x-k8s.io/machineset'];
  const ms = await c.create(refs.machineSets, msObj);
  for (const name of ['ms1-abcde', 'ms1-fghij']) {
    const m = machine(name, 'c1', ms, ['machine.cluster.x-k8s.io']);
    m.metadata.labels = { ...m.metadata.labels, 'cluster.x-k8s.io/set-name': 'ms1', pool: 'ms1' };
    await c.create(refs.machines, m);
    if (opts.nodeRefs !== false) await status(refs.machines, name, { nodeRef: { kind: 'Node', name } });
    await c.create(refs.kubeadmConfigs, { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfig', metadata: { name, namespace: ns, ownerReferences: [ownerRef(ms)] }, spec: {} });
    await c.create(refs.dockerMachines, { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachine', metadata: { name, namespace: ns, ownerReferences: [ownerRef(ms)], finalizers: ['dockermachine.infrastructure.cluster.x-k8s.io'] }, spec: {} });
  }
  // Not linked to any Cluster: stays.
  await c.create(refs.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: ns }, data: { a: 'b' } });
  await c.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated-token', namespace: ns } });
  // Another namespace: not moved.
  await c.create({ group: '', version: 'v1', plural: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
  await c.create({ ...refs.clusters, namespace: 'elsewhere' }, { ...cluster('c9'), metadata: { name: 'c9', namespace: 'elsewhere' } });
}

const movedNames = [
  'Cluster/c1',
  'DockerCluster/c1-infra',
  'DockerMachine/ms1-abcde',
  'DockerMachine/ms1-fghij',
  'DockerMachineTemplate/ms1-infra',
  'KubeadmConfig/ms1-abcde',
  'KubeadmConfig/ms1-fghij',
  'KubeadmConfigTemplate/ms1-bootstrap',
  'Machine/ms1-abcde',
  'Machine/ms1-fghij',
  'MachineSet/ms1',
  'Secret/c1-kubeconfig',
];

for (const fixed of [false, true]) {
  test(`clusterctl move (${fixed ? 'fixed' : 'buggy'}), no controller running: the graph moves with new UIDs and rebuilt ownerReferences, the source is emptied`, async (t) => {
    const recSource = recordingInterleaver();
    const source = await testServer(t, { interleaver: recSource.interleaver });
    const target = await testServer(t);
    const src = new KubeClient(actorKubeConfig(source.url, 'tester'));
    const dst = new KubeClient(actorKubeConfig(target.url, 'tester'));
    await seed(src);
    const before = await snapshot(src);

    const report = await move({ from: source.kc(), to: target.kc(), namespace: ns, fixed });

    // The sequence: owners first.
    assert.deepEqual(
      report.groups.map((g) => g.map((o) => `${o.kind}/${o.name}`)),
      [
        ['Cluster/c1'],
        ['DockerCluster/c1-infra', 'DockerMachineTemplate/ms1-infra', 'KubeadmConfigTemplate/ms1-bootstrap', 'MachineSet/ms1', 'Secret/c1-kubeconfig'],
        ['DockerMachine/ms1-abcde', 'DockerMachine/ms1-fghij', 'KubeadmConfig/ms1-abcde', 'KubeadmConfig/ms1-fghij', 'Machine/ms1-abcde', 'Machine/ms1-fghij'],
      ],
    );
    assert.deepEqual(report.clusters, ['default/c1']);
    assert.deepEqual(report.deleted.map((o) => `${o.kind}/${o.name}`), [...report.groups].reverse().flat().map((o) => `${o.kind}/${o.name}`), 'deleted in reverse order');

    // Target: every moved object, with a new UID, its owners' new UIDs, same spec, finalizers and labels.
    const after = await snapshot(dst);
    assert.deepEqual([...after.keys()].sort(), movedNames);
    const newUid = new Map([...after.values()].map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.uid]));
    const uidToName = new Map([...before.values()].map((o) => [o.metadata.uid, `${o.kind}/${o.metadata.name}`]));
    for (const [key, moved] of after) {
      const orig = before.get(key) as KubeObject;
      assert.notEqual(moved.metadata.uid, orig.metadata.uid, `${key} got a new UID`);
      assert.equal(report.groups.flat().find((o) => `${o.kind}/${o.name}` === key)?.newUID, moved.metadata.uid);
      const expectedOwners = (orig.metadata.ownerReferences ?? []).map((r: OwnerReference) => ({ ...r, uid: newUid.get(uidToName.get(r.uid) ?? '') }));
      assert.deepEqual(moved.metadata.ownerReferences ?? [], expectedOwners, `${key} ownerReferences rebuilt`);
      assert.deepEqual(moved.metadata.finalizers, orig.metadata.finalizers, `${key} finalizers`);
      assert.deepEqual(moved.metadata.labels, orig.metadata.labels);
      if (key === 'Cluster/c1') {
        assert.deepEqual(moved.spec, orig.spec, 'unpaused on the target: spec.paused dropped');
        assert.equal(moved.status, undefined, 'status is not copied (upstream neither)');
      } else if (key !== 'Secret/c1-kubeconfig') assert.deepEqual(moved.spec, orig.spec, `${key} spec`);
    }
    assert.deepEqual((after.get('Secret/c1-kubeconfig') as { data?: unknown }).data, { value: 'a3ViZWNvbmZpZw==' });

    // Source: nothing moved is left; the rest is untouched.
    const left = await snapshot(src);
    assert.deepEqual([...left.keys()].sort(), ['ConfigMap/unrelated', 'Secret/unrelated-token']);
    assert.equal((await src.list({ ...refs.clusters, namespace: 'elsewhere' })).items.length, 1);

    // The order of the variant, on the Cluster: annotation, then finalizers/DELETE.
    const onCluster = recSource.seen.filter((r) => r.actor === 'clusterctl' && r.resource === 'clusters' && r.name === 'c1' && r.verb !== 'get').map((r) => `${r.verb} ${JSON.stringify(r.body ?? null)}`);
    assert.deepEqual(onCluster, [
      'patch {"spec":{"paused":true}}',
      'patch [{"op":"add","path":"/metadata/annotations","value":{"clusterctl.cluster.x-k8s.io/delete-for-move":""}}]',
      ...(fixed ? ['delete null', 'patch {"metadata":{"finalizers":[]}}'] : ['patch {"metadata":{"finalizers":[]}}', 'delete null']),
    ]);
    // Objects without finalizers get no finalizer patch.
    const onSecret = recSource.seen.filter((r) => r.actor === 'clusterctl' && r.resource === 'secrets' && r.verb !== 'get' && r.verb !== 'list').map((r) => r.verb);
    assert.deepEqual(onSecret, ['patch', 'delete']);
    assert.ok(report.steps.length > 0);
    assert.deepEqual(report.retries, []);
  });
}

test('clusterctl move refuses to start while a Machine has no node (checkProvisioningCompleted); nothing is changed', async (t) => {
  const source = await testServer(t);
  const target = await testServer(t);
  const src = new KubeClient(actorKubeConfig(source.url, 'tester'));
  await seed(src, { nodeRefs: false });
  const before = await snapshot(src);
  await assert.rejects(move({ from: source.kc(), to: target.kc(), namespace: ns, fixed: true }), (e: unknown) => {
    assert.ok(e instanceof MoveError);
    assert.equal(
      e.message,
      'failed to check for provisioned infrastructure: [cannot start the move operation while "cluster.x-k8s.io/v1beta1, Kind=Machine" default/ms1-abcde is still provisioning the node, cannot start the move operation while "cluster.x-k8s.io/v1beta1, Kind=Machine" default/ms1-fghij is still provisioning the node]',
    );
    assert.deepEqual(e.report.steps, []);
    return true;
  });
  const after = await snapshot(src);
  assert.deepEqual([...after.keys()], [...before.keys()]);
  assert.equal((after.get('Cluster/c1')?.spec as { paused?: boolean }).paused, undefined);
});
