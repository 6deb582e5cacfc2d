// job-completions: the Job controller's own invariants under exploration (kubernetes
// pkg/controller/job/job_controller.go manageJob and trackJobStatusAndRemoveFinalizers). A Job of
// completions 3 and parallelism 2 runs on two simulated nodes (its pods Succeed after 5 simulated seconds),
// with the scheduler; whatever order the requests, watch events and informer syncs take, the Job never has
// more than `completions` succeeded pods or more than `parallelism` running ones, never counts past
// completions, and reaches Complete.
import { jobsIn, newJobManager, type Job, type JobMutant } from '../../controllers/job/job.ts';
import { GetControllerOf } from '../../controllers/replicaset/replicaset.ts';
import type { Pod } from '../../controllers/coreapi/core.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { latest, objectLog, recordObjects, replay, seqOfRevision, startCluster, startControllers } from './support.ts';

const horizonMs = 2 * 60_000;
const controller = 'job-controller';
const completions = 3;
const parallelism = 2;
const ns = 'default';

const job: Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: ns },
  spec: { completions, parallelism, backoffLimit: 6, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
};

const isComplete = (j: Job | undefined): boolean => (j?.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');

/** At each write: the Job's pods that succeeded, and those running (not ended, not being deleted). */
function podCounts(world: Parameters<typeof objectLog>[0], check: (succeeded: number, active: number, rev: number) => void): void {
  replay<Pod>(objectLog(world).all(), 'Pod', (live, item) => {
    let succeeded = 0;
    let active = 0;
    for (const p of live.values()) {
      if (GetControllerOf(p)?.kind !== 'Job') continue;
      if (p.status?.phase === 'Succeeded') succeeded++;
      else if (p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp) active++;
    }
    check(succeeded, active, item.revision);
  });
}

export const jobCompletions: ScenarioCase = {
  name: 'job-completions',
  kind: 'property',
  title: 'A Job never exceeds its completions or its parallelism, and completes',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/job/job_controller.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/job/job_controller.go' },
  description:
    `A Job of completions ${completions} and parallelism ${parallelism} on two simulated nodes with the scheduler; its pods Succeed after 5 simulated seconds. ` +
    'The Job controller keeps min(parallelism, completions - succeeded) pods running, waits for its informer to show the pods it created (expectations) before it creates more, and counts each ended pod once through uncountedTerminatedPods and the job-tracking finalizer. ' +
    'Invariants: never more succeeded pods than completions, never more running pods than parallelism, status.succeeded never above completions, and the Job reaches Complete with succeeded = completions.',
  horizonMs,
  faultTolerant: [controller],
  async run({ world, mutant }) {
    const log = await recordObjects(world);
    await startCluster(world, horizonMs);
    await startControllers(world, horizonMs, [newJobManager({ kc: world.kc(controller), clock: world.clock, ...(mutant ? { mutant: mutant as JobMutant } : {}) })]);
    world.note('setup', 'step', `create Job pi (completions ${completions}, parallelism ${parallelism})`);
    await world.client('setup').create(jobsIn(ns), job);
    if (await world.runUntil(() => isComplete(latest<Job>(log, 'Job', ns, 'pi')), horizonMs)) world.note('setup', 'step', 'Job pi is Complete');
  },
  mutants: [
    { name: 'no-expectations', kind: 'mutant', description: 'manageJob creates pods without waiting for its informer to show the ones it just created, so a sync on a stale pod list creates them again' },
    { name: 'ignore-parallelism', kind: 'mutant', description: 'manageJob wants completions - succeeded pods at once, ignoring parallelism' },
  ],
  invariants: [
    {
      name: 'succeeded-at-most-completions',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        podCounts(world, (succeeded, _active, rev) => {
          if (succeeded > completions && out.length === 0) out.push(violation('succeeded-at-most-completions', `${succeeded} pods of Job pi had succeeded at once, completions is ${completions}`, seqOfRevision(history, rev)));
        });
        replay<Job>(objectLog(world).all(), 'Job', (live, item) => {
          const n = live.get(`${ns}/pi`)?.status?.succeeded ?? 0;
          if (n > completions && out.length === 0) out.push(violation('succeeded-at-most-completions', `Job pi counted ${n} succeeded pods, completions is ${completions}`, seqOfRevision(history, item.revision)));
        });
        return out;
      },
    },
    {
      name: 'active-at-most-parallelism',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        podCounts(world, (_succeeded, active, rev) => {
          if (active > parallelism && out.length === 0) out.push(violation('active-at-most-parallelism', `${active} pods of Job pi were running at once, parallelism is ${parallelism}`, seqOfRevision(history, rev)));
        });
        return out;
      },
    },
    {
      name: 'job-completes',
      kind: 'liveness',
      check({ world, history }) {
        const j = latest<Job>(objectLog(world), 'Job', ns, 'pi');
        if (isComplete(j) && j?.status?.succeeded === completions) return [];
        return [violation('job-completes', `Job pi at quiescence: succeeded ${j?.status?.succeeded ?? 0}, conditions ${JSON.stringify((j?.status?.conditions ?? []).map((c) => c.type))}`, lastSeq(history))];
      },
    },
  ],
};
