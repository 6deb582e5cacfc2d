// The Job controller (kubernetes pkg/controller/job/job_controller.go syncJob, manageJob,
// trackJobStatusAndRemoveFinalizers; NonIndexed completion mode). It keeps min(parallelism,
// completions - succeeded) pods running from the template, each with the batch.kubernetes.io/job-tracking
// finalizer; a pod that ended is first recorded in status.uncountedTerminatedPods, then loses the
// finalizer, then is counted in succeeded or failed, so no pod is counted twice or lost. When succeeded
// reaches completions the Job gets SuccessCriteriaMet and Complete (completionTime set); when failed pods
// exceed backoffLimit, FailureTarget and Failed with reason BackoffLimitExceeded, and its active pods are
// deleted. Status carries active, ready, terminating, startTime.
//
// Left out: Indexed completion mode, the pod failure backoff delay, podFailurePolicy, successPolicy,
// activeDeadlineSeconds, suspend, ttlSecondsAfterFinished (the TTL controller), managedBy.
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isConflict, isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { DeletedFinalStateUnknown, type Informer, type InformerResource } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { GetPodCondition, podsIn, podsResource, type Pod } from '../coreapi/core.ts';
import { GetControllerOf } from '../replicaset/replicaset.ts';

export const controllerName = 'job-controller';
/** batchv1.JobTrackingFinalizer. */
export const JobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';

export interface JobCondition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface Job extends KubeObject {
  spec: {
    parallelism?: number;
    completions?: number | null;
    backoffLimit?: number;
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Pod['spec'] };
  };
  status?: {
    active?: number;
    ready?: number;
    terminating?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: JobCondition[];
    uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  };
}

/**
 * Broken variants for the property case (scenarios/controllers/job.ts); undefined is the real controller.
 * - no-expectations: manageJob creates pods without waiting for its informer to show the ones it created.
 * - ignore-parallelism: wantActive is completions - succeeded, parallelism ignored.
 */
export type JobMutant = 'no-expectations' | 'ignore-parallelism';

export const jobsResource: InformerResource = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' };
export const jobsIn = (namespace: string): ResourceRef => ({ group: 'batch', version: 'v1', plural: 'jobs', namespace });

function finished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export class JobController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;
  /** Pods created and not yet in the cache, per Job (the expectations of manageJob). */
  private readonly expected = new Map<string, number>();
  private readonly mutant: JobMutant | undefined;
  /**
   * finalizerExpectations (uidTrackingExpectations): per Job, the pods whose tracking finalizer this
   * controller removed and whose update its informer has not shown yet. Such a pod is already counted (or
   * about to be) and must not be recorded again from a stale cache entry that still has the finalizer.
   */
  private readonly expectedRmFinalizers = new Map<string, Set<string>>();

  constructor(mgr: Manager, mutant?: JobMutant) {
    this.mutant = mutant;
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.recorder = mgr.eventRecorderFor(controllerName);
    this.jobs = mgr.informerFor<Job>(jobsResource);
    this.pods = mgr.informerFor<Pod>(podsResource);
    this.pods.addEventHandler({
      onAdd: (p) => {
        const ref = GetControllerOf(p);
        if (ref?.kind !== 'Job') return;
        const key = `${p.metadata.namespace ?? ''}/${ref.name}`;
        const n = this.expected.get(key) ?? 0;
        if (n > 0) this.expected.set(key, n - 1);
      },
      onUpdate: (_old, p) => {
        if (!(p.metadata.finalizers ?? []).includes(JobTrackingFinalizer)) this.finalizerRemovalObserved(p);
      },
      onDelete: (d) => this.finalizerRemovalObserved(d instanceof DeletedFinalStateUnknown ? d.obj : d),
    });
    mgr.newController({ name: controllerName, reconcile: (_ctx, req) => this.syncJob(req) }).for(this.jobs).owns(this.pods);
  }

  private finalizerRemovalObserved(p: Pod): void {
    const ref = GetControllerOf(p);
    if (ref?.kind !== 'Job') return;
    const key = `${p.metadata.namespace ?? ''}/${ref.name}`;
    const set = this.expectedRmFinalizers.get(key);
    set?.delete(p.metadata.uid ?? '');
    if (set?.size === 0) this.expectedRmFinalizers.delete(key);
  }

  private async syncJob(req: Request): Promise<Result | void> {
    const job = this.jobs.lister().getByName(req.namespace, req.name);
    const key = `${req.namespace}/${req.name}`;
    if (!job) {
      this.expected.delete(key);
      this.expectedRmFinalizers.delete(key);
      return;
    }
    // Read before the pods are listed, as upstream's syncJob: an expectation observed later (while this
    // sync awaits its writes) must not vouch for the pod list taken now.
    const satisfiedExpectations = (this.expected.get(key) ?? 0) <= 0 || this.mutant === 'no-expectations';
    const pods = this.pods.lister().list(req.namespace).filter((p) => GetControllerOf(p)?.uid === job.metadata.uid);
    try {
      return await this.sync(key, job, pods, satisfiedExpectations);
    } catch (e) {
      if (isConflict(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  private async sync(key: string, job: Job, pods: Pod[], satisfiedExpectations: boolean): Promise<Result | void> {
    const ns = job.metadata.namespace ?? '';
    const now = rfc3339Seconds(this.clock.now());
    const status = structuredClone(job.status ?? {});
    status.startTime ??= now;
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    // trackJobStatusAndRemoveFinalizers, step 1: ended pods still holding the finalizer are recorded as uncounted.
    // A pod being deleted before it succeeded counts as failed, as upstream.
    const isEnded = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' || Boolean(p.metadata.deletionTimestamp);
    const expectedRm = this.expectedRmFinalizers.get(key) ?? new Set<string>();
    const hasFinalizer = (p: Pod): boolean => (p.metadata.finalizers ?? []).includes(JobTrackingFinalizer) && !expectedRm.has(p.metadata.uid ?? '');
    const ended = pods.filter((p) => isEnded(p) && hasFinalizer(p));
    let recorded = false;
    for (const p of ended) {
      const uid = p.metadata.uid ?? '';
      const list = p.status?.phase === 'Succeeded' ? uncounted.succeeded : uncounted.failed;
      if (!uncounted.succeeded.includes(uid) && !uncounted.failed.includes(uid)) {
        list.push(uid);
        recorded = true;
      }
    }
    if (recorded) {
      await this.client.updateStatus(jobsIn(ns), { ...job, status: { ...status, uncountedTerminatedPods: uncounted } });
      return; // the status event brings the next step
    }
    // Step 2: the recorded pods lose their finalizer.
    for (const p of ended) {
      if (!this.expectedRmFinalizers.has(key)) this.expectedRmFinalizers.set(key, new Set());
      this.expectedRmFinalizers.get(key)?.add(p.metadata.uid ?? '');
      try {
        await this.client.patch(podsIn(ns), p.metadata.name ?? '', { metadata: { finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== JobTrackingFinalizer), resourceVersion: p.metadata.resourceVersion } });
      } catch (e) {
        this.finalizerRemovalObserved(p); // not removed after all (or the pod is gone)
        if (!isNotFound(e)) throw e;
      }
    }
    // Step 3: uncounted pods whose finalizer is gone are counted.
    const released = new Set(ended.map((p) => p.metadata.uid ?? ''));
    const holding = new Set(pods.filter((p) => hasFinalizer(p) && !released.has(p.metadata.uid ?? '')).map((p) => p.metadata.uid ?? ''));
    const countNow = (list: string[]): [number, string[]] => [list.filter((u) => !holding.has(u)).length, list.filter((u) => holding.has(u))];
    const [newSucceeded, keepSucceeded] = countNow(uncounted.succeeded);
    const [newFailed, keepFailed] = countNow(uncounted.failed);
    status.succeeded = (status.succeeded ?? 0) + newSucceeded;
    status.failed = (status.failed ?? 0) + newFailed;
    status.uncountedTerminatedPods = { ...(keepSucceeded.length ? { succeeded: keepSucceeded } : {}), ...(keepFailed.length ? { failed: keepFailed } : {}) };

    const active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp);
    const completions = job.spec.completions ?? null;
    const parallelism = job.spec.parallelism ?? 1;
    const conditions = [...(status.conditions ?? [])];
    const addCondition = (type: string, reason: string, message: string): void => {
      if (!conditions.some((c) => c.type === type)) conditions.push({ type, status: 'True', reason, message, lastProbeTime: now, lastTransitionTime: now });
    };
    if (!finished(job)) {
      const complete = completions !== null ? status.succeeded >= completions : status.succeeded > 0 && active.length === 0;
      const failedTooOften = status.failed > (job.spec.backoffLimit ?? 6);
      if (failedTooOften) {
        addCondition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
        if (active.length === 0 && keepFailed.length === 0 && keepSucceeded.length === 0) {
          addCondition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
          this.recorder.event(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
        }
        await this.deletePods(ns, active);
      } else if (complete) {
        addCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
        if (active.length === 0 && keepSucceeded.length === 0 && keepFailed.length === 0) {
          addCondition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
          status.completionTime = now;
          this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
        }
        await this.deletePods(ns, active);
      } else if (satisfiedExpectations) {
        // manageJob (NonIndexed): wantActive = min(completions - succeeded, parallelism).
        const limit = this.mutant === 'ignore-parallelism' ? Infinity : parallelism;
        const wantActive = completions === null ? (status.succeeded > 0 ? 0 : parallelism) : Math.min(limit, Math.max(0, completions - status.succeeded - keepSucceeded.length));
        const diff = wantActive - active.length;
        if (diff > 0) {
          this.expected.set(key, diff);
          for (let i = 0; i < diff; i++) {
            let pod: Pod;
            try {
              pod = await this.client.create(podsIn(ns), this.podFromTemplate(job));
            } catch (e) {
              // CreationObserved for this pod and the ones not tried: no informer event will lower them.
              this.expected.set(key, Math.max(0, (this.expected.get(key) ?? 0) - (diff - i)));
              this.recorder.eventf(job, 'Warning', 'FailedCreate', 'Error creating: %v', e instanceof Error ? e.message : String(e));
              throw e;
            }
            this.recorder.eventf(job, 'Normal', 'SuccessfulCreate', 'Created pod: %s', pod.metadata.name);
          }
        }
      }
    }
    status.conditions = conditions;
    status.active = finished(job) || conditions.some((c) => c.type === 'Complete' || c.type === 'Failed') ? 0 : active.length;
    status.ready = active.filter((p) => GetPodCondition(p, 'Ready')?.status === 'True').length;
    status.terminating = pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) await this.client.updateStatus(jobsIn(ns), { ...job, status });
  }

  private async deletePods(ns: string, pods: Pod[]): Promise<void> {
    for (const p of pods) {
      try {
        await this.client.delete(podsIn(ns), p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  private podFromTemplate(job: Job): Pod {
    const t = job.spec.template;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${job.metadata.name ?? ''}-`,
        namespace: job.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        finalizers: [JobTrackingFinalizer],
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(t.spec),
    };
  }
}

export interface JobProcessOptions extends ControllerProcessOptions {
  mutant?: JobMutant;
}

export function newJobManager(opts: JobProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new JobController(mgr, opts.mutant), opts, name);
}

export function jobProcess(opts: JobProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new JobController(mgr), opts);
}
