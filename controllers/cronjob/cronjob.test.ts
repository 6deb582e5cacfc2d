// The CronJob controller with the Job controller, the scheduler and simulated nodes on a virtual Clock
// (started at 2026-01-01T00:00:00Z): Jobs are created as the clock passes each schedule time, named after
// the scheduled minute, and the history limits, Forbid, Replace, suspend and startingDeadlineSeconds act
// as upstream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testCluster } from '../coreapi/testing.ts';
import { jobsIn, newJobManager, type Job } from '../job/job.ts';
import { cronJobsIn, jobFinished, newCronJobManager, type CronJob } from './cronjob.ts';
import { CronJobScheduledTimestampAnnotation, mostRecentScheduleTime, parseSchedule } from './utils.ts';

const start = Date.parse('2026-01-01T00:00:00Z');
const minute = (n: number): number => start / 60000 + n;

function cronJob(name: string, spec: Partial<CronJob['spec']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: { schedule: '* * * * *', ...spec, jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  };
}

async function world(t: Parameters<typeof testCluster>[0], jobPodRunMs?: number): Promise<Awaited<ReturnType<typeof testCluster>>> {
  return testCluster(t, { ...(jobPodRunMs !== undefined ? { jobPodRunMs } : {}), extra: (kc, clock) => [newJobManager({ kc, clock }), newCronJobManager({ kc, clock })] });
}

const jobsOf = async (c: Awaited<ReturnType<typeof testCluster>>): Promise<Job[]> => (await c.client.list<Job>(jobsIn('default'))).items;

test('schedule arithmetic: the most recent time in (earliest, now], and @hourly', () => {
  const every5 = parseSchedule('*/5 * * * *');
  assert.deepEqual(mostRecentScheduleTime(every5, start, start + 12 * 60000), { time: start + 10 * 60000, missed: 2 });
  assert.deepEqual(mostRecentScheduleTime(every5, start, start + 4 * 60000), { time: undefined, missed: 0 });
  assert.equal(parseSchedule('@hourly').next(start + 1), start + 3600_000);
  assert.equal(mostRecentScheduleTime(parseSchedule('* * * * *'), start, start + 500 * 60000).time, start + 500 * 60000, 'more than 100 missed: still the latest');
  assert.throws(() => parseSchedule('every minute'));
});

test('a CronJob creates one Job per schedule time as the clock advances; history limit keeps the newest', async (t) => {
  const c = await world(t);
  await c.client.create(cronJobsIn('default'), cronJob('hello', { successfulJobsHistoryLimit: 2 }));
  await c.until(async () => (await jobsOf(c)).some((j) => j.metadata.name === `hello-${minute(1)}`), 'the 00:01 Job');
  const first = (await jobsOf(c)).find((j) => j.metadata.name === `hello-${minute(1)}`);
  assert.equal(first?.metadata.annotations?.[CronJobScheduledTimestampAnnotation], '2026-01-01T00:01:00Z');
  assert.equal(first?.metadata.ownerReferences?.[0]?.kind, 'CronJob');
  assert.equal(first?.metadata.labels?.app, 'hello');
  assert.ok(c.clock.now() < start + 2 * 60000, 'created at its minute, not later');
  await c.until(async () => (await jobsOf(c)).some((j) => j.metadata.name === `hello-${minute(4)}`), 'the 00:04 Job');
  await c.until(async () => {
    const cj = await c.client.get<CronJob>(cronJobsIn('default'), 'hello');
    return (cj.status?.active ?? []).length === 0 && cj.status?.lastSuccessfulTime !== undefined && (await jobsOf(c)).every((j) => jobFinished(j));
  }, 'all Jobs done');
  const cj = await c.client.get<CronJob>(cronJobsIn('default'), 'hello');
  assert.equal(cj.status?.lastScheduleTime, '2026-01-01T00:04:00Z');
  const names = (await jobsOf(c)).map((j) => j.metadata.name).sort();
  assert.deepEqual(names, [`hello-${minute(3)}`, `hello-${minute(4)}`], 'two successful Jobs kept, the newest');
});

test('Forbid skips a schedule time while a Job runs; Replace deletes the running Job and starts the new one', async (t) => {
  const c = await world(t, 90_000); // each Job pod runs 90 simulated seconds, past the next minute
  await c.client.create(cronJobsIn('default'), cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
  await c.client.create(cronJobsIn('default'), cronJob('replace', { concurrencyPolicy: 'Replace' }));
  await c.until(async () => (await jobsOf(c)).some((j) => j.metadata.name === `replace-${minute(2)}`), 'Replace made its 00:02 Job');
  const jobs = await jobsOf(c);
  const forbid = jobs.filter((j) => j.metadata.name?.startsWith('forbid-')).map((j) => j.metadata.name);
  assert.deepEqual(forbid, [`forbid-${minute(1)}`], 'Forbid: no second Job while the first runs');
  await c.until(async () => !(await jobsOf(c)).some((j) => j.metadata.name === `replace-${minute(1)}` && !j.metadata.deletionTimestamp), 'Replace deleted the 00:01 Job');
  const replace = await c.client.get<CronJob>(cronJobsIn('default'), 'replace');
  assert.deepEqual(replace.status?.active?.map((r) => r.name), [`replace-${minute(2)}`]);
  const f = await c.client.get<CronJob>(cronJobsIn('default'), 'forbid');
  assert.deepEqual(f.status?.active?.map((r) => r.name), [`forbid-${minute(1)}`]);
});

test('suspend creates nothing; on resume a missed time is started late unless past startingDeadlineSeconds', async (t) => {
  const c = await world(t);
  await c.client.create(cronJobsIn('default'), cronJob('late', { schedule: '*/3 * * * *', suspend: true }));
  await c.client.create(cronJobsIn('default'), cronJob('strict', { schedule: '*/3 * * * *', suspend: true, startingDeadlineSeconds: 30 }));
  await c.until(async () => true, 'idle');
  c.clock.step(4 * 60_000 - (c.clock.now() - start)); // to 00:04, both suspended at 00:03
  await c.until(async () => true, 'idle');
  assert.deepEqual(await jobsOf(c), [], 'suspended: no Job');
  for (const name of ['late', 'strict']) await c.client.patch(cronJobsIn('default'), name, { spec: { suspend: false } });
  await c.until(async () => (await jobsOf(c)).some((j) => j.metadata.name === `late-${minute(3)}`), 'the 00:03 Job of late, started late');
  assert.ok(c.clock.now() < start + 6 * 60_000, 'before 00:06');
  assert.ok(!(await jobsOf(c)).some((j) => j.metadata.name === `strict-${minute(3)}`), 'strict: 00:03 was missed by more than 30 s');
  await c.until(async () => (await jobsOf(c)).some((j) => j.metadata.name === `strict-${minute(6)}`), 'the 00:06 Job of strict, on time');
});
