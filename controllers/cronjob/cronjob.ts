// The CronJob controller (kubernetes pkg/controller/cronjob/cronjob_controllerv2.go syncCronJob,
// cleanupFinishedJobs; schedule arithmetic in utils.ts). On each sync it reconciles status.active with the
// Jobs the CronJob controls (a finished Job leaves it, and a successful one moves lastSuccessfulTime), then,
// unless suspended, finds the most recent unmet schedule time on the injected Clock, skips it when it is
// past startingDeadlineSeconds or already started, applies concurrencyPolicy (Forbid skips while a Job is
// active, Replace deletes the active Jobs first), creates the Job `<cronjob>-<scheduled time in minutes>`
// with the scheduled-timestamp annotation, records it in status.active and lastScheduleTime, trims finished
// Jobs to the history limits, and requeues itself for the next schedule time.
//
// Left out: the UnexpectedJob adoption of Jobs it did not record beyond re-adding them to active; the
// TooManyMissedTimes event is emitted but the time is then still started (as upstream).
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { EventRecorder, ObjectReference } from '../runtime/recorder.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { jobsIn, jobsResource, type Job } from '../job/job.ts';
import { GetControllerOf } from '../replicaset/replicaset.ts';
import { CronJobScheduledTimestampAnnotation, getJobName, mostRecentScheduleTime, parseSchedule, tooManyMissed, type Schedule } from './utils.ts';

export const controllerName = 'cronjob-controller';

export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Job['spec'] };
  };
  status?: { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

export const cronJobsResource: InformerResource = { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob' };
export const cronJobsIn = (namespace: string): ResourceRef => ({ group: 'batch', version: 'v1', plural: 'cronjobs', namespace });

/**
 * Broken variants for the property cases (scenarios/controllers/cronjob.ts); undefined is the real one.
 * - forbid-as-allow: Forbid starts the next Job while one is active, as Allow does.
 * - replace-without-delete: Replace starts the new Job without deleting the active ones.
 */
export type CronJobMutant = 'forbid-as-allow' | 'replace-without-delete';

/** IsJobFinished: Complete or Failed is True; the type is returned. */
export function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}

/** Time ordering of Jobs for cleanup (upstream byJobStartTime: startTime, then name; no startTime sorts last). */
function byJobStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (sa === undefined || sb === undefined) return sa === sb ? (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '') : sa === undefined ? 1 : -1;
  return sa === sb ? (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '') : Date.parse(sa) - Date.parse(sb);
}

const ms = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));

export class CronJobController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly recorder: EventRecorder;
  private readonly mutant: CronJobMutant | undefined;

  constructor(mgr: Manager, mutant?: CronJobMutant) {
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.mutant = mutant;
    this.recorder = mgr.eventRecorderFor(controllerName);
    this.cronJobs = mgr.informerFor<CronJob>(cronJobsResource);
    this.jobs = mgr.informerFor<Job>(jobsResource);
    mgr.newController({ name: controllerName, reconcile: (_ctx, req) => this.sync(req) }).for(this.cronJobs).owns(this.jobs);
  }

  private async sync(req: Request): Promise<Result | void> {
    const cj = this.cronJobs.lister().getByName(req.namespace, req.name);
    if (!cj || cj.metadata.deletionTimestamp) return;
    const jobs = this.jobs.lister().list(req.namespace).filter((j) => GetControllerOf(j)?.uid === cj.metadata.uid);
    try {
      return await this.syncCronJob(cj, jobs);
    } catch (e) {
      if (isConflict(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  private async syncCronJob(cj: CronJob, jobs: Job[]): Promise<Result | void> {
    const ns = cj.metadata.namespace ?? '';
    const now = this.clock.now();
    const status = structuredClone(cj.status ?? {});
    let active = [...(status.active ?? [])];
    const inActive = (uid: string | undefined): boolean => active.some((r) => r.uid === uid);
    // Reconcile status.active with the Jobs it controls (syncCronJob's first loop).
    for (const j of jobs) {
      const finished = jobFinished(j);
      if (!finished && !inActive(j.metadata.uid)) {
        active.push(refOf(j));
        this.recorder.eventf(cj, 'Warning', 'UnexpectedJob', 'Saw a job that the controller did not create or forgot: %s', j.metadata.name);
      } else if (finished && inActive(j.metadata.uid)) {
        active = active.filter((r) => r.uid !== j.metadata.uid);
        this.recorder.eventf(cj, 'Normal', 'SawCompletedJob', 'Saw completed job: %s, condition: %s', j.metadata.name, finished);
      }
      if (finished === 'Complete' && j.status?.completionTime) {
        const done = Date.parse(j.status.completionTime);
        if (status.lastSuccessfulTime === undefined || Date.parse(status.lastSuccessfulTime) < done) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    // Active references whose Job is gone (not in the cache, and the server agrees) leave the list.
    for (const r of [...active]) {
      if (jobs.some((j) => j.metadata.uid === r.uid)) continue;
      let gone = false;
      try {
        const j = await this.client.get<Job>(jobsIn(ns), r.name ?? '');
        gone = j.metadata.uid !== r.uid;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        gone = true;
      }
      if (gone) {
        active = active.filter((x) => x.uid !== r.uid);
        this.recorder.eventf(cj, 'Normal', 'MissingJob', 'Active job went missing: %v', r.name);
      }
    }
    status.active = active;
    const save = async (): Promise<void> => {
      const next = { ...status, ...(status.active?.length ? {} : { active: undefined }) };
      if (JSON.stringify(next) !== JSON.stringify(cj.status ?? {})) await this.client.updateStatus(cronJobsIn(ns), { ...cj, status: next });
    };
    await this.cleanupFinishedJobs(cj, jobs);
    if (cj.spec.suspend) {
      await save();
      return;
    }
    let sched: Schedule;
    try {
      sched = parseSchedule(cj.spec.schedule, cj.spec.timeZone ?? 'UTC');
    } catch (e) {
      this.recorder.eventf(cj, 'Warning', 'UnparseableSchedule', 'unparseable schedule: %q : %s', cj.spec.schedule, e instanceof Error ? e.message : String(e));
      await save();
      return;
    }
    const requeueNext = (): Result => ({ requeueAfterMs: nextScheduleTimeDuration(sched, now) });
    // nextScheduleTime: the latest unmet time since lastScheduleTime (or creation), within the starting deadline.
    let earliest = ms(status.lastScheduleTime) ?? ms(cj.metadata.creationTimestamp) ?? now;
    const deadline = cj.spec.startingDeadlineSeconds;
    if (deadline !== undefined && now - deadline * 1000 > earliest) earliest = now - deadline * 1000;
    const { time: scheduledTime, missed } = mostRecentScheduleTime(sched, earliest, now);
    if (missed > tooManyMissed) this.recorder.eventf(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew', missed);
    if (scheduledTime === undefined) {
      await save();
      return requeueNext();
    }
    if (deadline !== undefined && scheduledTime + deadline * 1000 < now) {
      this.recorder.eventf(cj, 'Warning', 'MissSchedule', 'Missed scheduled time to start a job: %s', rfc3339Seconds(scheduledTime));
      await save();
      return requeueNext();
    }
    const name = getJobName(cj.metadata.name ?? '', scheduledTime);
    if (active.some((r) => r.name === name) || jobs.some((j) => j.metadata.name === name)) {
      await save();
      return requeueNext();
    }
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length > 0 && this.mutant !== 'forbid-as-allow') {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      await save();
      return requeueNext();
    }
    if (policy === 'Replace' && this.mutant !== 'replace-without-delete') {
      for (const r of [...active]) {
        try {
          await this.client.delete(jobsIn(ns), r.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: r.uid } });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        active = active.filter((x) => x.uid !== r.uid);
        this.recorder.eventf(cj, 'Normal', 'SuccessfulDelete', 'Deleted job %v', r.name);
      }
      status.active = active;
    }
    let created: Job;
    try {
      created = await this.client.create<Job>(jobsIn(ns), getJobFromTemplate2(cj, scheduledTime));
      this.recorder.eventf(cj, 'Normal', 'SuccessfulCreate', 'Created job %v', created.metadata.name);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        this.recorder.eventf(cj, 'Warning', 'FailedCreate', 'Error creating job: %v', e instanceof Error ? e.message : String(e));
        throw e;
      }
      // Made by an earlier sync whose status write was lost: that Job is the one for this time.
      created = await this.client.get<Job>(jobsIn(ns), name);
      if (GetControllerOf(created)?.uid !== cj.metadata.uid) {
        await save();
        return requeueNext();
      }
    }
    if (!jobFinished(created) && !active.some((r) => r.uid === created.metadata.uid)) active.push(refOf(created));
    status.active = active;
    status.lastScheduleTime = rfc3339Seconds(scheduledTime);
    await save();
    return requeueNext();
  }

  /** cleanupFinishedJobs: the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit are deleted. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<void> {
    const ns = cj.metadata.namespace ?? '';
    const trim = async (limit: number | undefined, finished: Job[]): Promise<void> => {
      if (limit === undefined || finished.length <= limit) return;
      for (const j of [...finished].sort(byJobStartTime).slice(0, finished.length - limit)) {
        try {
          await this.client.delete(jobsIn(ns), j.metadata.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } });
          this.recorder.eventf(cj, 'Normal', 'SuccessfulDelete', 'Deleted job %v', j.metadata.name);
        } catch (e) {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        }
      }
    };
    const live = jobs.filter((j) => !j.metadata.deletionTimestamp);
    await trim(cj.spec.successfulJobsHistoryLimit, live.filter((j) => jobFinished(j) === 'Complete'));
    await trim(cj.spec.failedJobsHistoryLimit, live.filter((j) => jobFinished(j) === 'Failed'));
  }
}

function refOf(j: Job): ObjectReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion };
}

/** nextScheduleTimeDuration: until the next fire time after now, plus upstream's 100 ms margin. */
export function nextScheduleTimeDuration(sched: Schedule, now: number): number {
  return sched.next(now) - now + 100;
}

/** getJobFromTemplate2: the Job for one scheduled time, owned by the CronJob. */
export function getJobFromTemplate2(cj: CronJob, scheduledTime: number): Job {
  const t = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: getJobName(cj.metadata.name ?? '', scheduledTime),
      namespace: cj.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      annotations: { ...(t.metadata?.annotations ?? {}), [CronJobScheduledTimestampAnnotation]: rfc3339Seconds(scheduledTime) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name ?? '', uid: cj.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(t.spec),
  };
}

export interface CronJobProcessOptions extends ControllerProcessOptions {
  mutant?: CronJobMutant;
}

export function newCronJobManager(opts: CronJobProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new CronJobController(mgr, opts.mutant), opts, name);
}

export function cronJobProcess(opts: CronJobProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new CronJobController(mgr, opts.mutant), opts);
}
