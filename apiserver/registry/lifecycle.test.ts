// Garbage collection by ownerReferences and namespace deletion, run by the server itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { StatusError } from '../machinery/errors.ts';
import { mergePatch } from '../machinery/mergepatch.ts';
import type { KubeObject, OwnerReference } from '../machinery/object.ts';
import { SeededRandom } from '../machinery/random.ts';
import { MemoryStorage } from '../storage/memory.ts';
import { Registry } from './registry.ts';

async function registry(): Promise<Registry> {
  const reg = new Registry({ storage: new MemoryStorage(), clock: new FakeClock(), random: new SeededRandom(1) });
  await reg.bootstrap();
  return reg;
}

const exists = async (p: Promise<unknown>): Promise<boolean> =>
  p.then(
    () => true,
    (e: unknown) => {
      if (e instanceof StatusError && e.reason === 'NotFound') return false;
      throw e;
    },
  );

function ownerRef(o: KubeObject, block = false): OwnerReference {
  return { apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', name: o.metadata.name ?? '', uid: o.metadata.uid ?? '', controller: true, ...(block ? { blockOwnerDeletion: true } : {}) };
}

async function family(reg: Registry, block = false): Promise<{ owner: KubeObject; child: KubeObject }> {
  const ms = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machinesets');
  const machines = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machines');
  assert.ok(ms && machines);
  const owner = (await ms.create('default', { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineSet', metadata: { name: 'ms' }, spec: {} })).object;
  const child = (await machines.create('default', { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Machine', metadata: { name: 'm1', ownerReferences: [ownerRef(owner, block)], finalizers: block ? ['machine.cluster.x-k8s.io'] : [] }, spec: {} })).object;
  return { owner, child };
}

describe('garbage collection', () => {
  it('Background: dependents go after their owner', async () => {
    const reg = await registry();
    await family(reg);
    const ms = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machinesets')!;
    const machines = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machines')!;
    await ms.delete('default', 'ms', { propagationPolicy: 'Background' });
    assert.equal(await exists(ms.get('default', 'ms')), false, 'the owner goes at once');
    await reg.whenIdle();
    assert.equal(await exists(machines.get('default', 'm1')), false, 'then its dependent');
  });

  it('keeps a dependent that still has another owner, dropping the dangling reference', async () => {
    const reg = await registry();
    const { child } = await family(reg);
    const cms = reg.lookup('', 'v1', 'configmaps')!;
    const other = (await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } })).object;
    const machines = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machines')!;
    await machines.patch('default', 'm1', (cur) => mergePatch(cur, { metadata: { ownerReferences: [...(child.metadata.ownerReferences ?? []), { ...ownerRef(other), controller: false }] } }));
    await reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machinesets')!.delete('default', 'ms');
    await reg.whenIdle();
    const m = await machines.get('default', 'm1');
    assert.deepEqual(m.metadata.ownerReferences?.map((r) => r.name), ['other']);
  });

  it('Foreground: the owner waits with foregroundDeletion until blocking dependents are gone', async () => {
    const reg = await registry();
    await family(reg, true);
    const ms = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machinesets')!;
    const machines = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machines')!;
    const res = await ms.delete('default', 'ms', { propagationPolicy: 'Foreground' });
    assert.deepEqual((res.object as KubeObject).metadata.finalizers, ['foregroundDeletion']);
    await reg.whenIdle();
    const child = await machines.get('default', 'm1');
    assert.ok(child.metadata.deletionTimestamp, 'the dependent is being deleted');
    assert.ok(await exists(ms.get('default', 'ms')), 'the owner waits for its blocking dependent');
    await machines.patch('default', 'm1', (cur) => mergePatch(cur, { metadata: { finalizers: null } }));
    await reg.whenIdle();
    assert.equal(await exists(machines.get('default', 'm1')), false);
    assert.equal(await exists(ms.get('default', 'ms')), false, 'then the owner goes');
  });

  it('Orphan: dependents lose the owner reference and stay', async () => {
    const reg = await registry();
    await family(reg);
    const ms = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machinesets')!;
    const res = await ms.delete('default', 'ms', { propagationPolicy: 'Orphan' });
    assert.deepEqual((res.object as KubeObject).metadata.finalizers, ['orphan']);
    await reg.whenIdle();
    assert.equal(await exists(ms.get('default', 'ms')), false);
    const child = await reg.lookup('cluster.x-k8s.io', 'v1beta1', 'machines')!.get('default', 'm1');
    assert.deepEqual(child.metadata.ownerReferences ?? [], []);
  });
});

describe('namespace lifecycle', () => {
  it('starts Active with the kubernetes finalizer; DELETE empties it, then removes it', async () => {
    const reg = await registry();
    const ns = (await reg.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } })).object;
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    const cms = reg.lookup('', 'v1', 'configmaps')!;
    const clusters = reg.lookup('cluster.x-k8s.io', 'v1beta1', 'clusters')!;
    await cms.create('demo', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    await clusters.create('demo', { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: { name: 'c1', finalizers: ['cluster.cluster.x-k8s.io'] } });
    const del = (await reg.namespaces.delete(undefined, 'demo')).object as KubeObject;
    assert.equal((del.status as { phase: string }).phase, 'Terminating');
    await reg.whenIdle();
    assert.equal(await exists(cms.get('demo', 'a')), false, 'content is deleted');
    const waiting = await reg.namespaces.get(undefined, 'demo');
    const remaining = ((waiting.status as { conditions: { type: string; status: string; message: string }[] }).conditions ?? []).find((c) => c.type === 'NamespaceContentRemaining');
    assert.equal(remaining?.status, 'True');
    assert.match(remaining?.message ?? '', /clusters\.cluster\.x-k8s\.io has 1 resource instances/);
    await clusters.patch('demo', 'c1', (cur) => mergePatch(cur, { metadata: { finalizers: null } }));
    await reg.whenIdle();
    assert.equal(await exists(reg.namespaces.get(undefined, 'demo')), false, 'the empty namespace is finalized and removed');
  });

  it('PUT /finalize changes only spec.finalizers', async () => {
    const reg = await registry();
    await reg.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
    const { object } = await reg.namespaces.update(undefined, 'x', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { a: 'b' } }, spec: { finalizers: [] } }, { subresource: 'finalize' });
    assert.deepEqual(object.spec, { finalizers: [] });
    assert.equal(object.metadata.labels?.a, undefined);
  });
});
