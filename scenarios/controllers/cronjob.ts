// cronjob-concurrency: the CronJob controller's own invariants under exploration (kubernetes
// pkg/controller/cronjob/cronjob_controllerv2.go syncCronJob), with the Job controller, the scheduler and
// two simulated nodes; Job pods run 90 simulated seconds, longer than the one-minute schedule. Two CronJobs
// run every minute from 12:01 to 12:04: `tick` with concurrencyPolicy Forbid, `swap` with Replace. Whatever
// the order of requests and watch events, neither ever has two unfinished Jobs at once, no schedule time
// gets two Jobs, every Job is named after its scheduled minute, and Replace starts a Job at every time.
import type { WatchItem } from '../../apiserver/storage/interface.ts';
import { cronJobsIn, jobFinished, newCronJobManager, type CronJob, type CronJobMutant } from '../../controllers/cronjob/cronjob.ts';
import { CronJobScheduledTimestampAnnotation, getJobName } from '../../controllers/cronjob/utils.ts';
import { newJobManager, type Job } from '../../controllers/job/job.ts';
import { GetControllerOf } from '../../controllers/replicaset/replicaset.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { worldEpochMs } from '../engine/world.ts';
import { latest, objectLog, recordObjects, replay, seqOfRevision, startCluster, startControllers } from './support.ts';

const horizonMs = 6 * 60_000;
const controllers = ['cronjob-controller', 'job-controller'];
const ns = 'default';
const jobPodRunMs = 90_000;
/** The last schedule time the run waits for: 12:04. */
const lastTime = worldEpochMs + 4 * 60_000;

const cronJob = (name: string, concurrencyPolicy: 'Forbid' | 'Replace'): CronJob => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name, namespace: ns },
  spec: { schedule: '* * * * *', concurrencyPolicy, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
});

const jobsOf = (items: readonly WatchItem[], visit: (byCronJob: Map<string, Job[]>, item: WatchItem) => void): void =>
  replay<Job>(items, 'Job', (live, item) => {
    const by = new Map<string, Job[]>();
    for (const j of live.values()) {
      const owner = GetControllerOf(j);
      if (owner?.kind !== 'CronJob') continue;
      by.set(owner.name, [...(by.get(owner.name) ?? []), j]);
    }
    visit(by, item);
  });

export const cronJobConcurrency: ScenarioCase = {
  name: 'cronjob-concurrency',
  kind: 'property',
  title: 'Forbid and Replace never leave two active Jobs; one Job per schedule time',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/cronjob/cronjob_controllerv2.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/cronjob/cronjob_controllerv2.go' },
  description:
    'Two CronJobs scheduled every minute on two simulated nodes with the Job controller and the scheduler; their pods run 90 simulated seconds, so each Job outlives the next schedule time. ' +
    '`tick` has concurrencyPolicy Forbid (a time is skipped while a Job is active), `swap` Replace (the active Job is deleted before the next is created). ' +
    'Invariants: neither CronJob has two unfinished Jobs at once, no schedule time gets two Jobs, each Job is named `<cronjob>-<scheduled minute>` after its scheduled-timestamp annotation, and Replace starts a Job at every minute from 12:01 to 12:04.',
  horizonMs,
  faultTolerant: controllers,
  async run({ world, mutant }) {
    const log = await recordObjects(world);
    await startCluster(world, horizonMs, { jobPodRunMs });
    await startControllers(world, horizonMs, [
      newJobManager({ kc: world.kc('job-controller'), clock: world.clock }),
      newCronJobManager({ kc: world.kc('cronjob-controller'), clock: world.clock, ...(mutant ? { mutant: mutant as CronJobMutant } : {}) }),
    ]);
    const setup = world.client('setup');
    world.note('setup', 'step', 'create CronJobs tick (Forbid) and swap (Replace), every minute');
    await setup.create(cronJobsIn(ns), cronJob('tick', 'Forbid'));
    await setup.create(cronJobsIn(ns), cronJob('swap', 'Replace'));
    const scheduled = (name: string): number => Date.parse(latest<CronJob>(log, 'CronJob', ns, name)?.status?.lastScheduleTime ?? '') || 0;
    if (await world.runUntil(() => scheduled('swap') >= lastTime, horizonMs)) world.note('setup', 'step', 'swap started its 12:04 Job');
    // Suspended, the CronJobs start nothing while the run goes quiet.
    for (const name of ['tick', 'swap']) await setup.patch(cronJobsIn(ns), name, { spec: { suspend: true } });
  },
  mutants: [
    { name: 'forbid-as-allow', kind: 'mutant', description: 'Forbid starts the next Job while the previous one is still active' },
    { name: 'replace-without-delete', kind: 'mutant', description: 'Replace starts the next Job without deleting the active one' },
  ],
  invariants: [
    {
      name: 'at-most-one-active-job',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        jobsOf(objectLog(world).all(), (by, item) => {
          for (const [cj, jobs] of by) {
            const active = jobs.filter((j) => !jobFinished(j) && !j.metadata.deletionTimestamp);
            if (active.length > 1 && !out.some((v) => v.message.startsWith(`CronJob ${cj} `))) {
              out.push(violation('at-most-one-active-job', `CronJob ${cj} had ${active.length} active Jobs at once: ${active.map((j) => j.metadata.name).join(', ')}`, seqOfRevision(history, item.revision)));
            }
          }
        });
        return out;
      },
    },
    {
      name: 'one-job-per-schedule-time',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        const seen = new Map<string, string>(); // cronjob/time → uid
        for (const it of objectLog(world).all()) {
          const j = it.object as Job | undefined;
          if (it.type !== 'ADDED' || j?.kind !== 'Job') continue;
          const owner = GetControllerOf(j);
          if (owner?.kind !== 'CronJob') continue;
          const at = j.metadata.annotations?.[CronJobScheduledTimestampAnnotation] ?? '';
          const key = `${owner.name}/${at}`;
          const uid = seen.get(key);
          if (uid !== undefined && uid !== j.metadata.uid) out.push(violation('one-job-per-schedule-time', `CronJob ${owner.name} got a second Job for ${at}: ${j.metadata.name ?? ''}`, seqOfRevision(history, it.revision)));
          seen.set(key, j.metadata.uid ?? '');
          if (j.metadata.name !== getJobName(owner.name, Date.parse(at))) out.push(violation('one-job-per-schedule-time', `Job ${j.metadata.name ?? ''} is not named after its scheduled time ${at}`, seqOfRevision(history, it.revision)));
        }
        return out;
      },
    },
    {
      name: 'replace-starts-every-time',
      kind: 'liveness',
      check({ world, history }) {
        const times = new Set<string>();
        for (const it of objectLog(world).all()) {
          const j = it.object as Job | undefined;
          if (it.type === 'ADDED' && j?.kind === 'Job' && GetControllerOf(j)?.name === 'swap') times.add(j.metadata.annotations?.[CronJobScheduledTimestampAnnotation] ?? '');
        }
        const want = [1, 2, 3, 4].map((m) => new Date(worldEpochMs + m * 60_000).toISOString().replace('.000Z', 'Z'));
        const missing = want.filter((t) => !times.has(t));
        return missing.length === 0 ? [] : [violation('replace-starts-every-time', `CronJob swap started no Job for ${missing.join(', ')}`, lastSeq(history))];
      },
    },
  ],
};
