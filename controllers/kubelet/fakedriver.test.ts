import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import { testServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { Supervisor } from '../runtime/supervisor.ts';
import { deviceTaintEvictionProcess } from '../devicetainteviction/controller.ts';
import type { Pod, ResourceClaim, ResourceSlice } from '../devicetainteviction/resourceapi.ts';
import { FakeDriver } from './fakedriver.ts';
import { eventually } from '../../testing/eventually.ts';

const slicesRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceslices' };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespace: 'default' };
const claimsRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceclaims', namespace: 'default' };


test('the fake driver publishes its pool, taints and untaints devices with a new pool generation, and unpublishes', async (t) => {
  const server = await testServer(t);
  const clock = new FakeClock();
  const admin = new KubeClient(actorKubeConfig(server.url, 'admin'));
  const d = new FakeDriver({ driverName: 'gpu.example.com', nodeName: 'node-1', kc: actorKubeConfig(server.url, 'driver'), clock, devices: [{ name: 'gpu-0', attributes: { model: { string: 'x' } } }, { name: 'gpu-1' }] });
  const created = await d.publish();
  assert.equal(created.metadata.name, 'node-1-gpu.example.com-node-1');
  assert.deepEqual(created.spec.pool, { name: 'node-1', generation: 0, resourceSliceCount: 1 });
  assert.equal(created.spec.nodeName, 'node-1');
  assert.deepEqual(created.spec.devices?.map((x) => x.name), ['gpu-0', 'gpu-1']);

  clock.step(5_000);
  const tainted = await d.taintDevice('gpu-0', { key: 'example.com/unhealthy', effect: 'NoExecute' });
  assert.equal(tainted.spec.pool.generation, 1);
  assert.deepEqual(tainted.spec.devices?.[0]?.basic?.taints, [{ key: 'example.com/unhealthy', effect: 'NoExecute', timeAdded: rfc3339Seconds(clock.now()) }]);
  assert.deepEqual(tainted.spec.devices?.[0]?.basic?.attributes, { model: { string: 'x' } });
  const untainted = await d.untaintDevice('gpu-0');
  assert.equal(untainted.spec.pool.generation, 2);
  assert.equal(untainted.spec.devices?.[0]?.basic?.taints, undefined);
  await assert.rejects(d.taintDevice('nope', { key: 'k', effect: 'NoExecute' }), /no device nope/);

  await d.unpublish();
  await d.unpublish(); // already gone: fine
  assert.deepEqual((await admin.list<ResourceSlice>(slicesRef)).items, []);
});

test('end to end: the fake driver taints a device and the eviction controller evicts the pod using it', async (t) => {
  // No node agent runs here: the pod's grace period is 0, so the eviction's DELETE removes it.
  const server = await testServer(t);
  const clock = new FakeClock();
  const admin = new KubeClient(actorKubeConfig(server.url, 'admin'));
  const d = new FakeDriver({ driverName: 'gpu.example.com', nodeName: 'node-1', kc: actorKubeConfig(server.url, 'driver'), clock, devices: [{ name: 'gpu-0' }] });
  await d.publish();
  const pod = await admin.create<Pod>(podsRef, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'busybox' }], resourceClaims: [{ name: 'gpu', resourceClaimName: 'c' }] } });
  await admin.create<ResourceClaim>(claimsRef, { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'c' }, spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu' }] } } });
  await admin.patch(
    claimsRef,
    'c',
    { status: { allocation: { devices: { results: [{ request: 'gpu', driver: d.driverName, pool: d.pool, device: 'gpu-0' }] } }, reservedFor: [{ resource: 'pods', name: 'p', uid: pod.metadata.uid }] } },
    'merge',
    { subresource: 'status' },
  );
  const proc = deviceTaintEvictionProcess({ fixed: true, kc: actorKubeConfig(server.url, 'dte'), actor: 'dte', clock });
  const sup = new Supervisor({ spec: proc, clock });
  sup.start();
  t.after(() => sup.stop());
  await eventually(() => proc.controller()?.hasSynced() === true, 'the controller');
  await d.taintDevice('gpu-0', { key: 'example.com/unhealthy', effect: 'NoExecute' });
  await eventually(async () => {
    try {
      await admin.get(podsRef, 'p');
      return false;
    } catch (e) {
      return isNotFound(e);
    }
  }, 'the eviction');
  assert.equal(proc.controller()?.metrics.podDeletionsTotal, 1);
});
