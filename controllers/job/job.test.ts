// The Job controller with the scheduler and simulated nodes (Job pods run 5 simulated seconds): a Job with
// completions 3 and parallelism 2 reaches Complete without ever running more than 2 pods or counting a pod
// twice; the tracking finalizer is gone from every pod; a failing Job stops at its backoffLimit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podsIn, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { jobsIn, JobTrackingFinalizer, newJobManager, type Job } from './job.ts';

const job = (name: string, completions: number, parallelism: number, extra: Partial<Job['spec']> = {}): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: { completions, parallelism, ...extra, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
});

test('completions 3, parallelism 2: Complete, at most 2 pods at once, each counted once, finalizers removed', async (t) => {
  const c = await testCluster(t, { extra: (kc, clock) => [newJobManager({ kc, clock })] });
  let maxActive = 0;
  const watcher = c.server.storage.watch('', { fromRevision: await c.server.storage.revision() });
  const live = new Set<string>();
  const drain = (): void => {
    for (const item of watcher.take()) {
      const o = item.object as Pod | undefined;
      if (o?.kind !== 'Pod') continue;
      const terminal = o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed' || Boolean(o.metadata.deletionTimestamp);
      if (item.type === 'DELETED' || terminal) live.delete(o.metadata.name ?? '');
      else live.add(o.metadata.name ?? '');
      maxActive = Math.max(maxActive, live.size);
    }
    if (!watcher.closed) watcher.whenReady(drain);
  };
  watcher.whenReady(drain);
  t.after(() => watcher.stop());
  await c.client.create(jobsIn('default'), job('pi', 3, 2));
  await c.until(async () => ((await c.client.get<Job>(jobsIn('default'), 'pi')).status?.conditions ?? []).some((x) => x.type === 'Complete' && x.status === 'True'), 'Complete');
  const done = await c.client.get<Job>(jobsIn('default'), 'pi');
  assert.equal(done.status?.succeeded, 3);
  assert.equal(done.status?.active, 0);
  assert.ok(done.status?.completionTime);
  assert.deepEqual(done.status?.conditions?.map((x) => [x.type, x.reason]), [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']]);
  const pods = (await c.client.list<Pod>(podsIn('default'))).items;
  assert.equal(pods.length, 3, 'never more pods than completions');
  assert.ok(pods.every((p) => p.status?.phase === 'Succeeded' && !(p.metadata.finalizers ?? []).includes(JobTrackingFinalizer)));
  assert.ok(maxActive <= 2, `parallelism: at most 2 running pods, saw ${maxActive}`);
});

test('a Job whose pods fail stops at backoffLimit with Failed BackoffLimitExceeded', async (t) => {
  const c = await testCluster(t, { extra: (kc, clock) => [newJobManager({ kc, clock })] });
  await c.client.create(jobsIn('default'), job('bad', 1, 1, { backoffLimit: 1 }));
  // Fail every pod of the Job as soon as it runs (a container exiting 1).
  for (let failedPods = 0; failedPods < 2; ) {
    await c.until(async () => (await c.client.list<Pod>(podsIn('default'))).items.some((p) => p.status?.phase === 'Running'), 'a running pod');
    for (const p of (await c.client.list<Pod>(podsIn('default'))).items.filter((x) => x.status?.phase === 'Running')) {
      await c.client.patch(podsIn('default'), p.metadata.name ?? '', { status: { phase: 'Failed' } }, 'merge', { subresource: 'status' });
      failedPods++;
    }
  }
  await c.until(async () => ((await c.client.get<Job>(jobsIn('default'), 'bad')).status?.conditions ?? []).some((x) => x.type === 'Failed'), 'Failed');
  const bad = await c.client.get<Job>(jobsIn('default'), 'bad');
  assert.equal(bad.status?.failed, 2);
  assert.equal(bad.status?.conditions?.find((x) => x.type === 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal((await c.client.list(podsIn('default'))).items.length, 2, 'no pod after the limit');
});
