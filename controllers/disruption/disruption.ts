// The disruption controller (kubernetes pkg/controller/disruption/disruption.go trySync,
// getExpectedPodCount, getExpectedScale, buildDisruptedPodMap, countHealthyPods, updatePdbStatus). For each
// PodDisruptionBudget it counts the pods its selector matches: expectedPods (the matching pods, or with
// maxUnavailable or a percentage minAvailable the scale of their controllers: ReplicationController,
// ReplicaSet or the Deployment owning it, StatefulSet), desiredHealthy (from minAvailable or
// maxUnavailable, int or percent), currentHealthy (Ready pods not being deleted and not recently evicted),
// and writes disruptionsAllowed = currentHealthy - desiredHealthy (never below 0), observedGeneration, the
// DisruptionAllowed condition, and the disruptedPods the Eviction API recorded, minus those the pod
// deletion has caught up with or that are older than DeletionTimeout. A budget it cannot work out (a pod
// whose controller is unknown) fails safe: disruptionsAllowed 0 and the condition False with SyncFailed.
//
// Left out: the stale-DisruptionTarget pod condition clean-up, unhealthyPodEvictionPolicy (served by the
// Eviction API, not this controller), and scale lookups through the /scale subresource of custom kinds.
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import { labelSelectorFromMeta } from '../../apiserver/machinery/labels.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isConflict, isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { podsResource, type Pod } from '../coreapi/core.ts';
import { scaledValue } from '../deployment/util.ts';
import { GetControllerOf, IsPodReady, replicaSetsResource } from '../replicaset/replicaset.ts';

export const controllerName = 'disruption-controller';
/** DeletionTimeout: how long an eviction recorded in disruptedPods waits for the pod's deletion to show. */
export const DeletionTimeoutMs = 2 * 60_000;

export interface PodDisruptionBudget extends KubeObject {
  spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | null;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: {
    observedGeneration?: number;
    disruptedPods?: Record<string, string>;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    conditions?: { type: string; status: 'True' | 'False'; reason?: string; message?: string; observedGeneration?: number; lastTransitionTime?: string }[];
  };
}

export const pdbsResource: InformerResource = { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' };
export const pdbsIn = (namespace: string): ResourceRef => ({ group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespace });
const deploymentsResource: InformerResource = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' };
const statefulSetsResource: InformerResource = { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet' };
const rcsResource: InformerResource = { group: '', version: 'v1', plural: 'replicationcontrollers', kind: 'ReplicationController' };

/** policy/v1: a nil selector matches no pod, an empty one every pod in the namespace. */
export function pdbMatches(pdb: PodDisruptionBudget, pod: Pod): boolean {
  if (!pdb.spec.selector) return false;
  return labelSelectorFromMeta(pdb.spec.selector).matches(pod.metadata.labels);
}

type Scaled = KubeObject & { spec?: { replicas?: number } };

/**
 * Broken variants for the property case (scenarios/controllers/disruption.ts); undefined is the real one.
 * - ignore-disrupted-pods: pods the Eviction API recorded in disruptedPods still count as healthy.
 * - count-terminating-as-healthy: a Ready pod being deleted still counts as healthy.
 */
export type DisruptionMutant = 'ignore-disrupted-pods' | 'count-terminating-as-healthy';

export class DisruptionController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly pdbs: Informer<PodDisruptionBudget>;
  private readonly pods: Informer<Pod>;
  private readonly finders: Map<string, Informer<Scaled>>;
  private readonly recorder: EventRecorder;
  private readonly mutant: DisruptionMutant | undefined;

  constructor(mgr: Manager, mutant?: DisruptionMutant) {
    this.mutant = mutant;
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.recorder = mgr.eventRecorderFor('controllermanager');
    this.pdbs = mgr.informerFor<PodDisruptionBudget>(pdbsResource);
    this.pods = mgr.informerFor<Pod>(podsResource);
    // finders(): the controllers whose scale a budget's pods add up to. ReplicaSets and Deployments through
    // listers, as upstream; StatefulSets and ReplicationControllers (rarer under a budget) are read from the
    // API when a pod names one, which keeps this process at four informers.
    this.finders = new Map<string, Informer<Scaled>>([
      ['ReplicaSet', mgr.informerFor<Scaled>(replicaSetsResource)],
      ['Deployment', mgr.informerFor<Scaled>(deploymentsResource)],
    ]);
    mgr
      .newController({ name: controllerName, reconcile: (_ctx, req) => this.sync(req) })
      .for(this.pdbs)
      .watches(this.pods, (obj) =>
        this.pdbs
          .lister()
          .list(obj.metadata.namespace ?? '')
          .filter((b) => pdbMatches(b, obj as Pod))
          .map((b) => ({ namespace: b.metadata.namespace ?? '', name: b.metadata.name ?? '' })),
      );
  }

  private async sync(req: Request): Promise<Result | void> {
    const pdb = this.pdbs.lister().getByName(req.namespace, req.name);
    if (!pdb) return;
    try {
      return await this.trySync(pdb);
    } catch (e) {
      if (isConflict(e)) return { requeue: true };
      if (isNotFound(e)) return;
      if (e instanceof ScaleError) {
        this.recorder.eventf(pdb, 'Warning', 'CalculateExpectedPodCountFailed', 'Failed to calculate the number of expected pods: %v', e.message);
        await this.failSafe(pdb, e.message);
        return;
      }
      throw e;
    }
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<Result | void> {
    const pods = this.pods.lister().list(pdb.metadata.namespace ?? '').filter((p) => pdbMatches(pdb, p));
    if (pods.length === 0) this.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const { expectedCount, desiredHealthy, unmanagedPods } = await this.getExpectedPodCount(pdb, pods);
    if (unmanagedPods.length > 0) this.recorder.eventf(pdb, 'Normal', 'UnmanagedPods', 'Pods selected by this PodDisruptionBudget (selector: %v) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.', JSON.stringify(pdb.spec.selector));
    const now = this.clock.now();
    const { disruptedPods, recheckTime } = buildDisruptedPodMap(pods, pdb, now);
    const currentHealthy = countHealthyPods(pods, this.mutant === 'ignore-disrupted-pods' ? {} : disruptedPods, now, this.mutant === 'count-terminating-as-healthy');
    await this.updatePdbStatus(pdb, currentHealthy, desiredHealthy, expectedCount, disruptedPods);
    if (recheckTime !== undefined) return { requeueAfterMs: Math.max(0, recheckTime - now) };
  }

  /** getExpectedPodCount. */
  private async getExpectedPodCount(pdb: PodDisruptionBudget, pods: Pod[]): Promise<{ expectedCount: number; desiredHealthy: number; unmanagedPods: string[] }> {
    if (pdb.spec.maxUnavailable !== undefined) {
      const { scale, unmanagedPods } = await this.getExpectedScale(pdb, pods);
      const maxUnavailable = scaledValue(pdb.spec.maxUnavailable, scale, true);
      return { expectedCount: scale, desiredHealthy: Math.max(0, scale - maxUnavailable), unmanagedPods };
    }
    const min = pdb.spec.minAvailable;
    if (typeof min === 'number') return { expectedCount: pods.length, desiredHealthy: min, unmanagedPods: [] };
    if (typeof min === 'string') {
      const { scale, unmanagedPods } = await this.getExpectedScale(pdb, pods);
      return { expectedCount: scale, desiredHealthy: scaledValue(min, scale, true), unmanagedPods };
    }
    return { expectedCount: pods.length, desiredHealthy: 0, unmanagedPods: [] };
  }

  /** getExpectedScale: the sum of spec.replicas over the pods' distinct controllers (a ReplicaSet's Deployment stands for it). */
  private async getExpectedScale(pdb: PodDisruptionBudget, pods: Pod[]): Promise<{ scale: number; unmanagedPods: string[] }> {
    const ns = pdb.metadata.namespace ?? '';
    const scales = new Map<string, number>(); // by the scaling controller's uid
    const seen = new Set<string>(); // the pods' own controllers already looked up
    const unmanagedPods: string[] = [];
    for (const pod of pods) {
      const ref = GetControllerOf(pod);
      if (!ref) {
        unmanagedPods.push(pod.metadata.name ?? '');
        continue;
      }
      if (seen.has(ref.uid)) continue;
      seen.add(ref.uid);
      let owner = this.finders.get(ref.kind)?.lister().getByName(ns, ref.name) ?? (await this.getUncached(ref.kind, ns, ref.name));
      if (owner && owner.metadata.uid !== ref.uid) owner = undefined;
      if (owner && ref.kind === 'ReplicaSet') {
        const dref = GetControllerOf(owner);
        const d = dref?.kind === 'Deployment' ? this.finders.get('Deployment')?.lister().getByName(ns, dref.name) : undefined;
        if (d && d.metadata.uid === dref?.uid) owner = d;
      }
      if (!owner) throw new ScaleError(`found no controllers for pod "${pod.metadata.name ?? ''}"`);
      scales.set(owner.metadata.uid ?? ref.uid, owner.spec?.replicas ?? 1);
    }
    let scale = 0;
    for (const v of scales.values()) scale += v;
    return { scale, unmanagedPods };
  }

  /** A StatefulSet or ReplicationController by name, from the API; undefined when gone or of another kind. */
  private async getUncached(kind: string, ns: string, name: string): Promise<Scaled | undefined> {
    const resource = kind === 'StatefulSet' ? statefulSetsResource : kind === 'ReplicationController' ? rcsResource : undefined;
    if (!resource) return undefined;
    try {
      return await this.client.get<Scaled>({ group: resource.group, version: resource.version, plural: resource.plural, namespace: ns }, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** updatePdbStatus (with UpdateDisruptionAllowedCondition). */
  private async updatePdbStatus(pdb: PodDisruptionBudget, currentHealthy: number, desiredHealthy: number, expectedCount: number, disruptedPods: Record<string, string>): Promise<void> {
    const disruptionsAllowed = expectedCount <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
    const allowed = disruptionsAllowed > 0;
    await this.writeStatus(pdb, {
      currentHealthy,
      desiredHealthy,
      expectedPods: expectedCount,
      disruptionsAllowed,
      disruptedPods,
      condition: allowed ? { status: 'True', reason: 'SufficientPods', message: '' } : { status: 'False', reason: 'InsufficientPods', message: '' },
    });
  }

  /** failSafe: no disruption allowed while the budget cannot be worked out. */
  private async failSafe(pdb: PodDisruptionBudget, message: string): Promise<void> {
    await this.writeStatus(pdb, { ...pdb.status, disruptionsAllowed: 0, condition: { status: 'False', reason: 'SyncFailed', message } });
  }

  private async writeStatus(pdb: PodDisruptionBudget, s: { currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; disruptionsAllowed: number; disruptedPods?: Record<string, string>; condition: { status: 'True' | 'False'; reason: string; message: string } }): Promise<void> {
    const old = pdb.status ?? {};
    const prev = (old.conditions ?? []).find((c) => c.type === 'DisruptionAllowed');
    const generation = pdb.metadata.generation ?? 0;
    const condition = {
      type: 'DisruptionAllowed',
      ...s.condition,
      observedGeneration: generation,
      lastTransitionTime: prev && prev.status === s.condition.status ? (prev.lastTransitionTime ?? rfc3339Seconds(this.clock.now())) : rfc3339Seconds(this.clock.now()),
    };
    const status: NonNullable<PodDisruptionBudget['status']> = {
      observedGeneration: generation,
      ...(s.disruptedPods && Object.keys(s.disruptedPods).length ? { disruptedPods: s.disruptedPods } : {}),
      disruptionsAllowed: s.disruptionsAllowed,
      currentHealthy: s.currentHealthy ?? old.currentHealthy ?? 0,
      desiredHealthy: s.desiredHealthy ?? old.desiredHealthy ?? 0,
      expectedPods: s.expectedPods ?? old.expectedPods ?? 0,
      conditions: [...(old.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'), condition],
    };
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    const comparable = (x: PodDisruptionBudget['status']): unknown => ({ ...x, disruptedPods: x?.disruptedPods ?? {}, conditions: (x?.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: undefined })) });
    if (same(comparable(status), comparable(old))) return;
    await this.client.updateStatus(pdbsIn(pdb.metadata.namespace ?? ''), { ...pdb, status });
  }
}

class ScaleError extends Error {
  override readonly name = 'ScaleError';
}

/**
 * buildDisruptedPodMap: evictions the Eviction API recorded that the pod's deletion has not yet caught up
 * with; one older than DeletionTimeout is dropped (the pod was not deleted after all). recheckTime is when
 * the earliest kept entry expires.
 */
export function buildDisruptedPodMap(pods: Pod[], pdb: PodDisruptionBudget, now: number): { disruptedPods: Record<string, string>; recheckTime: number | undefined } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disruptedPods: Record<string, string> = {};
  let recheckTime: number | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = recorded[pod.metadata.name ?? ''];
    if (at === undefined) continue;
    const expectedDeletion = Date.parse(at) + DeletionTimeoutMs;
    if (expectedDeletion < now) continue; // the eviction did not lead to a deletion in time
    disruptedPods[pod.metadata.name ?? ''] = at;
    if (recheckTime === undefined || expectedDeletion < recheckTime) recheckTime = expectedDeletion;
  }
  return { disruptedPods, recheckTime };
}

/** countHealthyPods: Ready, not being deleted, not recently evicted. */
export function countHealthyPods(pods: Pod[], disruptedPods: Record<string, string>, now: number, countTerminating = false): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp && !countTerminating) continue;
    const at = disruptedPods[pod.metadata.name ?? ''];
    if (at !== undefined && Date.parse(at) + DeletionTimeoutMs > now) continue;
    if (IsPodReady(pod)) n++;
  }
  return n;
}

export interface DisruptionProcessOptions extends ControllerProcessOptions {
  mutant?: DisruptionMutant;
}

export function newDisruptionManager(opts: DisruptionProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new DisruptionController(mgr, opts.mutant), opts, name);
}

export function disruptionProcess(opts: DisruptionProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new DisruptionController(mgr), opts);
}
