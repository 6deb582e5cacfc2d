// The Deployment controller (kubernetes pkg/controller/deployment: deployment_controller.go syncDeployment,
// sync.go getAllReplicaSetsAndSyncRevision / getNewReplicaSet / scale / syncDeploymentStatus /
// cleanupDeployment, rolling.go rolloutRolling / reconcileNewReplicaSet / reconcileOldReplicaSets,
// recreate.go rolloutRecreate, progress.go syncRolloutStatus). ReplicaSets are named
// `<deployment>-<pod-template-hash>` with that label in their template and selector, carry the revision,
// desired-replicas and max-replicas annotations, and are scaled so that a rolling update never runs more
// than replicas+maxSurge pods nor fewer than replicas-maxUnavailable available ones. Going back to a
// template an old ReplicaSet has (kubectl rollout undo) makes that one new again, with the next revision.
// Status and the Available and Progressing conditions are what `kubectl rollout status` reads.
//
// Left out: proportional scaling of several active ReplicaSets during a rollout (the new one gets the
// difference), the progress deadline (ProgressDeadlineExceeded), adoption of ReplicaSets by selector, and
// the hash values themselves (see ComputeHash).
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { GetControllerOf, replicaSetsIn, replicaSetsResource, type ReplicaSet } from '../replicaset/replicaset.ts';
import {
  annotationsForReplicaSet,
  ComputeHash,
  DefaultDeploymentUniqueLabelKey,
  deploymentsIn,
  deploymentsResource,
  DesiredReplicasAnnotation,
  EqualIgnoreHash,
  MaxReplicasAnnotation,
  MaxSurge,
  MaxUnavailable,
  Revision,
  RevisionAnnotation,
  sum,
  type Deployment,
  type DeploymentCondition,
} from './util.ts';

export const controllerName = 'deployment-controller';

/**
 * Broken variants for the property case (scenarios/controllers/deployment.ts); undefined is the real one.
 * - ignore-max-surge: the new ReplicaSet is scaled to spec.replicas at once.
 * - ignore-max-unavailable: the old ReplicaSets are scaled down to 0 at once, whatever is available.
 */
export type DeploymentMutant = 'ignore-max-surge' | 'ignore-max-unavailable';

export class DeploymentController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly dInformer: Informer<Deployment>;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly recorder: EventRecorder;

  private readonly mutant: DeploymentMutant | undefined;

  constructor(mgr: Manager, mutant?: DeploymentMutant) {
    this.mutant = mutant;
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.recorder = mgr.eventRecorderFor(controllerName);
    this.dInformer = mgr.informerFor<Deployment>(deploymentsResource);
    this.rsInformer = mgr.informerFor<ReplicaSet>(replicaSetsResource);
    mgr.newController({ name: controllerName, reconcile: (_ctx, req) => this.syncDeployment(req) }).for(this.dInformer).owns(this.rsInformer);
  }

  private async syncDeployment(req: Request): Promise<Result | void> {
    const d = this.dInformer.lister().getByName(req.namespace, req.name);
    if (!d || d.metadata.deletionTimestamp) return;
    const rsList = this.rsInformer.lister().list(req.namespace).filter((rs) => GetControllerOf(rs)?.uid === d.metadata.uid);
    try {
      if (d.spec.paused) return await this.sync(d, rsList);
      if (d.spec.strategy?.type === 'Recreate') return await this.rolloutRecreate(d, rsList);
      return await this.rolloutRolling(d, rsList);
    } catch (e) {
      if (isConflict(e) || isAlreadyExists(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (made when asked and missing) and the old ones. */
  private async getAllReplicaSetsAndSyncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    // FindNewReplicaSet: the oldest with the same template (there should be one).
    const byAge = [...rsList].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    let newRS = byAge.find((rs) => EqualIgnoreHash(rs.spec.template, d.spec.template));
    const oldRSs = rsList.filter((rs) => rs !== newRS);
    const maxOld = oldRSs.reduce((m, rs) => Math.max(m, Revision(rs)), 0);
    const revision = String(maxOld + 1);
    const ns = d.metadata.namespace ?? '';
    if (newRS) {
      // An existing new ReplicaSet gets the next revision (rollout undo) and the Deployment's annotations.
      const annotations = { ...newRS.metadata.annotations, ...annotationsForReplicaSet(d) };
      if (Revision(newRS) < maxOld + 1) annotations[RevisionAnnotation] = revision;
      if (JSON.stringify(annotations) !== JSON.stringify(newRS.metadata.annotations ?? {})) {
        newRS = await this.client.update<ReplicaSet>(replicaSetsIn(ns), { ...newRS, metadata: { ...newRS.metadata, annotations } });
      }
    } else if (create) {
      const hash = ComputeHash(d.spec.template, d.status?.collisionCount);
      const labels = { ...(d.spec.template.metadata?.labels ?? {}), [DefaultDeploymentUniqueLabelKey]: hash };
      const replicas = this.newRSNewReplicas(d, oldRSs, undefined);
      const body: ReplicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name ?? ''}-${hash}`,
          namespace: ns,
          labels,
          annotations: { ...annotationsForReplicaSet(d), [RevisionAnnotation]: revision, [DesiredReplicasAnnotation]: String(d.spec.replicas ?? 1), [MaxReplicasAnnotation]: String((d.spec.replicas ?? 1) + MaxSurge(d)) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name ?? '', uid: d.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          replicas,
          minReadySeconds: d.spec.minReadySeconds ?? 0,
          selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [DefaultDeploymentUniqueLabelKey]: hash } },
          template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels } },
        },
      };
      let alreadyExists = false;
      try {
        newRS = await this.client.create<ReplicaSet>(replicaSetsIn(ns), body);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        // sync.go getNewReplicaSet: the one in the cache; when it is this Deployment's own with the same
        // template (made by an earlier sync, the cache not showing it yet), it is the new ReplicaSet. Not in
        // the cache yet: retry later. Only another template is a hash collision, counted so the hash differs.
        const existing = this.rsInformer.lister().getByName(ns, body.metadata.name ?? '');
        if (!existing) throw e;
        if (GetControllerOf(existing)?.uid !== d.metadata.uid || !EqualIgnoreHash(existing.spec.template, d.spec.template)) {
          await this.client.patch(deploymentsIn(ns), d.metadata.name ?? '', { status: { collisionCount: (d.status?.collisionCount ?? 0) + 1 } }, 'merge', { subresource: 'status' });
          throw e;
        }
        newRS = existing;
        alreadyExists = true;
      }
      if (!alreadyExists) {
        this.recorder.eventf(d, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set %s from 0 to %d', newRS.metadata.name, replicas);
        await this.setProgressing(d, 'NewReplicaSetCreated', `Created new replica set "${newRS.metadata.name ?? ''}"`);
      }
    }
    if (newRS && d.metadata.annotations?.[RevisionAnnotation] !== newRS.metadata.annotations?.[RevisionAnnotation]) {
      await this.client.patch(deploymentsIn(ns), d.metadata.name ?? '', { metadata: { annotations: { [RevisionAnnotation]: newRS.metadata.annotations?.[RevisionAnnotation] ?? revision } } });
    }
    return { newRS, oldRSs };
  }

  /** NewRSNewReplicas for RollingUpdate: up to replicas+maxSurge pods in all, never above replicas. */
  private newRSNewReplicas(d: Deployment, oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): number {
    const replicas = d.spec.replicas ?? 1;
    if (d.spec.strategy?.type === 'Recreate' || this.mutant === 'ignore-max-surge') return replicas;
    const current = sum(oldRSs, (rs) => rs.spec.replicas) + (newRS?.spec.replicas ?? 0);
    const maxTotal = replicas + MaxSurge(d);
    if (current >= maxTotal) return newRS?.spec.replicas ?? 0;
    const scaleUp = Math.min(maxTotal - current, replicas - (newRS?.spec.replicas ?? 0));
    return (newRS?.spec.replicas ?? 0) + Math.max(0, scaleUp);
  }

  private async scaleReplicaSet(rs: ReplicaSet, replicas: number, d: Deployment): Promise<ReplicaSet> {
    const desired = String(d.spec.replicas ?? 1);
    const max = String((d.spec.replicas ?? 1) + MaxSurge(d));
    const annotations = { ...rs.metadata.annotations, [DesiredReplicasAnnotation]: desired, [MaxReplicasAnnotation]: max };
    if (rs.spec.replicas === replicas && rs.metadata.annotations?.[DesiredReplicasAnnotation] === desired && rs.metadata.annotations[MaxReplicasAnnotation] === max) return rs;
    const from = rs.spec.replicas ?? 0;
    const updated = await this.client.update<ReplicaSet>(replicaSetsIn(rs.metadata.namespace ?? ''), { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas } });
    if (from !== replicas) this.recorder.eventf(d, 'Normal', 'ScalingReplicaSet', 'Scaled %s replica set %s from %d to %d', replicas > from ? 'up' : 'down', rs.metadata.name, from, replicas);
    return updated;
  }

  /** rolloutRolling: scale the new ReplicaSet up, the old ones down, then status. */
  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<Result | void> {
    const { newRS: created, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    let newRS = created;
    const replicas = d.spec.replicas ?? 1;
    // reconcileNewReplicaSet
    if (newRS && newRS.spec.replicas !== replicas) {
      const target = (newRS.spec.replicas ?? 0) > replicas ? replicas : this.newRSNewReplicas(d, oldRSs, newRS);
      if (target !== newRS.spec.replicas) {
        newRS = await this.scaleReplicaSet(newRS, target, d);
        return this.syncRolloutStatus(d, newRS, oldRSs);
      }
    }
    // reconcileOldReplicaSets
    const oldPods = sum(oldRSs, (rs) => rs.spec.replicas);
    if (oldPods > 0) {
      const all = [...oldRSs, ...(newRS ? [newRS] : [])];
      const allPods = sum(all, (rs) => rs.spec.replicas);
      const minAvailable = this.mutant === 'ignore-max-unavailable' ? 0 : replicas - MaxUnavailable(d);
      const newUnavailable = (newRS?.spec.replicas ?? 0) - (newRS?.status?.availableReplicas ?? 0);
      let maxScaledDown = allPods - minAvailable - newUnavailable;
      if (maxScaledDown > 0) {
        const oldest = [...oldRSs].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
        // cleanupUnhealthyReplicas: unavailable old pods go first, they cost no availability.
        const target = new Map(oldest.map((rs) => [rs, rs.spec.replicas ?? 0]));
        for (const rs of oldest) {
          const cur = target.get(rs) ?? 0;
          const down = Math.min(maxScaledDown, Math.max(0, cur - (rs.status?.availableReplicas ?? 0)));
          if (down > 0) {
            target.set(rs, cur - down);
            maxScaledDown -= down;
          }
        }
        // scaleDownOldReplicaSetsForRollingUpdate: as far as the available pods allow.
        const available = sum(all, (rs) => rs.status?.availableReplicas);
        let totalScaleDown = this.mutant === 'ignore-max-unavailable' ? maxScaledDown : Math.min(available - minAvailable, maxScaledDown);
        for (const rs of oldest) {
          if (totalScaleDown <= 0) break;
          const cur = target.get(rs) ?? 0;
          const down = Math.min(cur, totalScaleDown);
          target.set(rs, cur - down);
          totalScaleDown -= down;
        }
        for (const [rs, replicas] of target) if (replicas !== rs.spec.replicas) await this.scaleReplicaSet(rs, replicas, d);
      }
    }
    if (this.complete(d, newRS, oldRSs)) await this.cleanupDeployment(d, oldRSs);
    return this.syncRolloutStatus(d, newRS, oldRSs);
  }

  /** rolloutRecreate: every old pod gone before the new ReplicaSet scales up. */
  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<Result | void> {
    const { newRS: existing, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    const active = oldRSs.filter((rs) => (rs.spec.replicas ?? 0) > 0);
    for (const rs of active) await this.scaleReplicaSet(rs, 0, d);
    if (active.length > 0 || oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return this.syncRolloutStatus(d, existing, oldRSs);
    const { newRS } = existing ? { newRS: existing } : await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    if (newRS && newRS.spec.replicas !== (d.spec.replicas ?? 1)) await this.scaleReplicaSet(newRS, d.spec.replicas ?? 1, d);
    return this.syncRolloutStatus(d, newRS, oldRSs);
  }

  /** sync: a paused Deployment only scales its new ReplicaSet and updates status. */
  private async sync(d: Deployment, rsList: ReplicaSet[]): Promise<Result | void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    const active = newRS ?? [...oldRSs].sort((a, b) => Revision(b) - Revision(a))[0];
    if (active && active.spec.replicas !== (d.spec.replicas ?? 1) && oldRSs.every((rs) => rs === active || (rs.spec.replicas ?? 0) === 0)) await this.scaleReplicaSet(active, d.spec.replicas ?? 1, d);
    return this.syncRolloutStatus(d, newRS, oldRSs);
  }

  /** DeploymentComplete. */
  private complete(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    const replicas = d.spec.replicas ?? 1;
    return (newRS?.status?.replicas ?? 0) === replicas && (newRS?.status?.availableReplicas ?? 0) === replicas && sum(oldRSs, (rs) => rs.status?.replicas) === 0 && (newRS?.status?.observedGeneration ?? 0) >= (newRS?.metadata.generation ?? 0);
  }

  /** cleanupDeployment: old ReplicaSets without pods beyond revisionHistoryLimit, oldest first. */
  private async cleanupDeployment(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp).sort((a, b) => Revision(a) - Revision(b));
    for (const rs of cleanable.slice(0, Math.max(0, cleanable.length - limit))) {
      await this.client.delete(replicaSetsIn(rs.metadata.namespace ?? ''), rs.metadata.name ?? '', { preconditions: { uid: rs.metadata.uid } });
    }
  }

  private async setProgressing(d: Deployment, reason: string, message: string): Promise<void> {
    const conditions = setCondition(d.status?.conditions, { type: 'Progressing', status: 'True', reason, message }, rfc3339Seconds(this.clock.now()));
    if (conditions) await this.client.patch(deploymentsIn(d.metadata.namespace ?? ''), d.metadata.name ?? '', { status: { conditions } }, 'merge', { subresource: 'status' });
  }

  /** calculateStatus + syncRolloutStatus: counts and the Available and Progressing conditions. */
  private async syncRolloutStatus(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<Result | void> {
    const fresh = this.dInformer.lister().getByName(d.metadata.namespace, d.metadata.name ?? '') ?? d;
    const all = [...oldRSs, ...(newRS ? [newRS] : [])];
    const replicas = d.spec.replicas ?? 1;
    const available = sum(all, (rs) => rs.status?.availableReplicas);
    const now = rfc3339Seconds(this.clock.now());
    let conditions = fresh.status?.conditions ?? [];
    const minAvailable = replicas - MaxUnavailable(d);
    conditions =
      setCondition(conditions, available >= minAvailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now) ?? conditions;
    const name = newRS?.metadata.name ?? '';
    if (d.spec.paused) {
      conditions = setCondition(conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, now) ?? conditions;
    } else if (newRS && this.complete(d, newRS, oldRSs)) {
      conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}" has successfully progressed.` }, now) ?? conditions;
    } else if (newRS) {
      const cur = conditions.find((c) => c.type === 'Progressing');
      if (cur?.reason !== 'NewReplicaSetCreated' || cur.message !== `Created new replica set "${name}"` || (newRS.status?.replicas ?? 0) > 0) {
        conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.` }, now) ?? conditions;
      }
    }
    const status: NonNullable<Deployment['status']> = {
      ...(fresh.status?.collisionCount !== undefined ? { collisionCount: fresh.status.collisionCount } : {}),
      observedGeneration: d.metadata.generation,
      replicas: sum(all, (rs) => rs.status?.replicas),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum(all, (rs) => rs.status?.readyReplicas),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sum(all, (rs) => rs.status?.replicas) - available, replicas - available),
      conditions,
    };
    if (JSON.stringify(status) !== JSON.stringify(fresh.status ?? {})) {
      await this.client.updateStatus(deploymentsIn(d.metadata.namespace ?? ''), { ...fresh, status });
    }
  }
}

/**
 * deploymentutil.SetDeploymentCondition: a condition that changed is removed and appended (so the last
 * changed comes last), keeping lastTransitionTime when only the reason or message changed. Returns
 * undefined when nothing changed.
 */
export function setCondition(conditions: readonly DeploymentCondition[] | undefined, c: Omit<DeploymentCondition, 'lastUpdateTime' | 'lastTransitionTime'>, now: string): DeploymentCondition[] | undefined {
  const old = (conditions ?? []).find((x) => x.type === c.type);
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return undefined;
  const next: DeploymentCondition = { ...c, lastUpdateTime: now, lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? now) : now };
  return [...(conditions ?? []).filter((x) => x.type !== c.type), next];
}

export interface DeploymentProcessOptions extends ControllerProcessOptions {
  mutant?: DeploymentMutant;
}

export function newDeploymentManager(opts: DeploymentProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new DeploymentController(mgr, opts.mutant), opts, name);
}

export function deploymentProcess(opts: DeploymentProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new DeploymentController(mgr), opts);
}
