// Graceful deletion of pods over HTTP (rest/delete.go BeforeDelete, pod strategy CheckGracefulDelete): a
// pod on a node is marked and kept until its grace period is shortened to 0; unbound pods go at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { FakeClock } from '../machinery/clock.ts';
import { mergePatch, statusOf, testServer } from '../../testing/server.ts';

const pod = (name: string, nodeName?: string, grace?: number): k8s.V1Pod => ({
  metadata: { name },
  spec: { ...(nodeName ? { nodeName } : {}), ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}), containers: [{ name: 'c', image: 'busybox' }] },
});

async function gone(core: k8s.CoreV1Api, name: string): Promise<boolean> {
  try {
    await core.readNamespacedPod({ name, namespace: 'default' });
    return false;
  } catch (e) {
    if (statusOf(e).code === 404) return true;
    throw e;
  }
}

describe('pod graceful deletion', () => {
  it('marks a pod on a node with deletionTimestamp = now + terminationGracePeriodSeconds and keeps it', async (t) => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const s = await testServer(t, { clock });
    const core = s.core();
    await core.createNamespacedPod({ namespace: 'default', body: pod('web', 'node-1') });
    const marked = (await core.deleteNamespacedPod({ name: 'web', namespace: 'default' })) as k8s.V1Pod;
    assert.equal(marked.metadata?.deletionGracePeriodSeconds, 30);
    assert.equal(new Date(marked.metadata?.deletionTimestamp ?? 0).toISOString(), '2026-01-01T00:00:30.000Z');
    assert.equal(await gone(core, 'web'), false);
    // A second DELETE without a shorter period changes nothing.
    const again = (await core.deleteNamespacedPod({ name: 'web', namespace: 'default' })) as k8s.V1Pod;
    assert.equal(again.metadata?.resourceVersion, marked.metadata?.resourceVersion);
    // A longer period does not extend it.
    await core.deleteNamespacedPod({ name: 'web', namespace: 'default', gracePeriodSeconds: 60 });
    assert.equal((await core.readNamespacedPod({ name: 'web', namespace: 'default' })).metadata?.deletionGracePeriodSeconds, 30);
  });

  it('a shorter period moves the deletionTimestamp earlier; 0 with a UID precondition removes the pod', async (t) => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const s = await testServer(t, { clock });
    const core = s.core();
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('web', 'node-1') });
    await core.deleteNamespacedPod({ name: 'web', namespace: 'default' });
    const shorter = (await core.deleteNamespacedPod({ name: 'web', namespace: 'default', gracePeriodSeconds: 10 })) as k8s.V1Pod;
    assert.equal(shorter.metadata?.deletionGracePeriodSeconds, 10);
    assert.equal(new Date(shorter.metadata?.deletionTimestamp ?? 0).toISOString(), '2026-01-01T00:00:10.000Z');
    // The kubelet's final DELETE: grace 0 and the pod's UID as precondition; a wrong UID is a Conflict.
    await assert.rejects(
      core.deleteNamespacedPod({ name: 'web', namespace: 'default', gracePeriodSeconds: 0, body: { preconditions: { uid: 'not-the-uid' } } }),
      (e: unknown) => statusOf(e).code === 409,
    );
    const last = (await core.deleteNamespacedPod({ name: 'web', namespace: 'default', gracePeriodSeconds: 0, body: { preconditions: { uid: created.metadata?.uid } } })) as k8s.V1Pod;
    assert.equal(last.metadata?.deletionGracePeriodSeconds, 0);
    assert.equal(await gone(core, 'web'), true);
  });

  it('deletes at once an unbound pod, a terminated pod, and a pod with terminationGracePeriodSeconds 0', async (t) => {
    const s = await testServer(t, { clock: new FakeClock() });
    const core = s.core();
    await core.createNamespacedPod({ namespace: 'default', body: pod('pending') });
    await core.createNamespacedPod({ namespace: 'default', body: pod('quick', 'node-1', 0) });
    await core.createNamespacedPod({ namespace: 'default', body: pod('done', 'node-1') });
    const done = await core.readNamespacedPod({ name: 'done', namespace: 'default' });
    await core.replaceNamespacedPodStatus({ name: 'done', namespace: 'default', body: { ...done, status: { phase: 'Succeeded' } } });
    for (const name of ['pending', 'quick', 'done']) {
      await core.deleteNamespacedPod({ name, namespace: 'default' });
      assert.equal(await gone(core, name), true, name);
    }
  });

  it('a pod on a node with a finalizer keeps it after its grace period is shortened to 0', async (t) => {
    const s = await testServer(t, { clock: new FakeClock() });
    const core = s.core();
    await core.createNamespacedPod({ namespace: 'default', body: { ...pod('held', 'node-1'), metadata: { name: 'held', finalizers: ['racelab.dev/hold'] } } });
    await core.deleteNamespacedPod({ name: 'held', namespace: 'default' });
    const zero = (await core.deleteNamespacedPod({ name: 'held', namespace: 'default', gracePeriodSeconds: 0 })) as k8s.V1Pod;
    assert.equal(zero.metadata?.deletionGracePeriodSeconds, 0);
    assert.deepEqual(zero.metadata?.finalizers, ['racelab.dev/hold']);
    assert.equal(await gone(core, 'held'), false);
  });

  it('removing the last finalizer while the grace period runs keeps the pod (ShouldDeleteDuringUpdate)', async (t) => {
    const s = await testServer(t, { clock: new FakeClock() });
    const core = s.core();
    await core.createNamespacedPod({ namespace: 'default', body: { ...pod('job-pod', 'node-1'), metadata: { name: 'job-pod', finalizers: ['batch.kubernetes.io/job-tracking'] } } });
    await core.deleteNamespacedPod({ name: 'job-pod', namespace: 'default' });
    await core.patchNamespacedPod({ name: 'job-pod', namespace: 'default', body: { metadata: { finalizers: null } } }, mergePatch);
    const still = await core.readNamespacedPod({ name: 'job-pod', namespace: 'default' });
    assert.equal(still.metadata?.finalizers, undefined);
    assert.equal(still.metadata?.deletionGracePeriodSeconds, 30);
    await core.deleteNamespacedPod({ name: 'job-pod', namespace: 'default', gracePeriodSeconds: 0 });
    assert.equal(await gone(core, 'job-pod'), true);
  });
});
