// The DaemonSet controller (kubernetes pkg/controller/daemon/daemon_controller.go: syncDaemonSet, manage,
// podsShouldBeOnNode, syncNodes, updateDaemonSetStatus; update.go: constructHistory, snapshot,
// rollingUpdate without surge, cleanupHistory). One pod per node that should run it (the template's
// node affinity and nodeName, taints against the pod's tolerations plus the daemon tolerations), made with
// generateName `<ds>-`, the controller-revision-hash of its ControllerRevision, and a required node
// affinity on metadata.name so that the scheduler binds it there; extra pods on a node (all but the oldest
// Running), ended pods and pods on nodes that should not run one are deleted. It waits for its creates and
// deletes to be observed (expectations, 5 minutes at most on the Clock). RollingUpdate deletes old pods on
// at most maxUnavailable nodes at a time (less the nodes already unavailable) and the manage loop makes
// the new ones. Status: desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
// updatedNumberScheduled, numberAvailable, numberUnavailable, observedGeneration — what
// `kubectl rollout status ds/x` reads.
//
// Left out: maxSurge (a surge is treated as 0), the failed-pod backoff (a Failed pod is deleted at once),
// adopting and releasing pods by selector, the pod-template-generation label, the hash-collision bump.
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import { DeletedFinalStateUnknown, type Informer } from '../../clients/kube/informer.ts';
import { ControllerExpectations } from '../runtime/expectations.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import type { EventRecorder } from '../runtime/recorder.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { IsPodTerminal, nodesResource, podsIn, podsResource, type Node, type Pod } from '../coreapi/core.ts';
import { ComputeHash, scaledValue } from '../deployment/util.ts';
import { controllerRevisionsIn, controllerRevisionsResource, type ControllerRevision } from '../history/history.ts';
import { GetControllerOf, IsPodAvailable, IsPodReady, SlowStartInitialBatchSize, BurstReplicas } from '../replicaset/replicaset.ts';
import {
  controllerRef,
  CreatePodTemplate,
  daemonSetsIn,
  daemonSetsResource,
  DefaultDaemonSetUniqueLabelKey,
  GetTargetNodeName,
  IsPodUpdated,
  NodeShouldRunDaemonPod,
  podByCreationTimestampAndPhase,
  ReplaceDaemonSetPodNodeNameNodeAffinity,
  type DaemonSet,
} from './util.ts';

export const controllerName = 'daemonset-controller';

/**
 * Named broken variants for the property case's mutation testing (scenarios/controllers/daemonset.ts);
 * undefined is upstream's code. ignore-terminating-pods: a node whose daemon pod is being deleted counts as
 * having none, so a new pod is made beside the terminating one. ignore-max-unavailable: a rolling update
 * deletes every old pod at once.
 */
export type DaemonSetVariant = 'ignore-terminating-pods' | 'ignore-max-unavailable';

export interface DaemonSetControllerOptions {
  variant?: DaemonSetVariant;
}

/** getPatch: what a revision keeps, the template replacing the set's. */
function getPatch(ds: DaemonSet): unknown {
  return { spec: { template: { ...structuredClone(ds.spec.template), $patch: 'replace' } } };
}

export class DaemonSetController {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly sets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly variant: DaemonSetVariant | undefined;
  private readonly expectations: ControllerExpectations;

  constructor(mgr: Manager, opts: DaemonSetControllerOptions = {}) {
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.expectations = new ControllerExpectations(mgr.clock);
    this.variant = opts.variant;
    this.recorder = mgr.eventRecorderFor(controllerName);
    this.sets = mgr.informerFor<DaemonSet>(daemonSetsResource);
    this.pods = mgr.informerFor<Pod>(podsResource);
    this.nodes = mgr.informerFor<Node>(nodesResource);
    this.revisions = mgr.informerFor<ControllerRevision>(controllerRevisionsResource);
    const observe = (pod: Pod, which: 'add' | 'del'): void => {
      const ref = GetControllerOf(pod);
      if (ref?.kind !== 'DaemonSet') return;
      const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
      if (which === 'add') this.expectations.CreationObserved(key);
      else this.expectations.DeletionObserved(key);
    };
    // addPod, updatePod (a pod marked for deletion counts as deleted), deletePod.
    this.pods.addEventHandler({
      onAdd: (p) => (p.metadata.deletionTimestamp ? observe(p, 'del') : observe(p, 'add')),
      onUpdate: (o, p) => {
        if (!o.metadata.deletionTimestamp && p.metadata.deletionTimestamp) observe(p, 'del');
      },
      onDelete: (o) => {
        const p = o instanceof DeletedFinalStateUnknown ? o.obj : o;
        if (!p.metadata.deletionTimestamp) observe(p, 'del');
      },
    });
    const allSets = (): Request[] => this.sets.lister().list().map((d) => ({ namespace: d.metadata.namespace ?? '', name: d.metadata.name ?? '' }));
    // updateNode: only changes that may change where daemon pods should run (labels, taints, readiness).
    const nodeMatters = (o: Node, n: Node): boolean => !jsonEqual(o.metadata.labels, n.metadata.labels) || !jsonEqual(o.spec, n.spec) || NodeReadyStatus(o) !== NodeReadyStatus(n);
    mgr
      .newController({ name: controllerName, reconcile: (_ctx, req) => this.syncDaemonSet(req) })
      .for(this.sets)
      .owns(this.pods)
      .owns(this.revisions)
      .watches(this.nodes, () => allSets(), { update: (o, n) => nodeMatters(o as Node, n as Node) });
  }

  private satisfied(key: string): boolean {
    return this.expectations.SatisfiedExpectations(key);
  }

  private async syncDaemonSet(req: Request): Promise<Result | void> {
    const key = `${req.namespace}/${req.name}`;
    const ds = this.sets.lister().getByName(req.namespace, req.name);
    if (!ds) {
      this.expectations.DeleteExpectations(key);
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodes.lister().list().sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    try {
      const { cur, old } = await this.constructHistory(ds);
      const hash = cur.metadata.labels?.[DefaultDaemonSetUniqueLabelKey] ?? '';
      if (!this.satisfied(key)) return await this.updateDaemonSetStatus(ds, nodes, hash, false);
      let err: unknown;
      try {
        await this.manage(key, ds, nodes, hash);
        if (this.satisfied(key) && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') await this.rollingUpdate(key, ds, nodes, hash);
        await this.cleanupHistory(ds, old);
      } catch (e) {
        err = e;
      }
      const result = await this.updateDaemonSetStatus(ds, nodes, hash, true);
      if (err !== undefined) throw err;
      return result;
    } catch (e) {
      if (isConflict(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  /** getNodesToDaemonPods: the set's pods by target node, without ended pods being deleted. */
  private nodesToDaemonPods(ds: DaemonSet): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const pod of this.pods.lister().list(ds.metadata.namespace)) {
      if (GetControllerOf(pod)?.uid !== ds.metadata.uid) continue;
      if (IsPodTerminal(pod) && pod.metadata.deletionTimestamp) continue;
      const node = GetTargetNodeName(pod);
      if (node === undefined) continue;
      out.set(node, [...(out.get(node) ?? []), pod]);
    }
    return out;
  }

  /** constructHistory: the revision matching the template (made by snapshot when missing, renumbered to the newest) and the old ones. */
  private async constructHistory(ds: DaemonSet): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
    const histories = this.revisions.lister().list(ds.metadata.namespace).filter((r) => GetControllerOf(r)?.uid === ds.metadata.uid);
    const patch = getPatch(ds);
    const current = histories.filter((h) => jsonEqual(h.data, patch));
    const old = histories.filter((h) => !jsonEqual(h.data, patch));
    const currRevision = old.reduce((m, r) => Math.max(m, r.revision), 0) + 1;
    // dedupCurHistories: the newest of equal revisions (named choice: by revision, then name).
    const cur = current.sort((a, b) => b.revision - a.revision || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))[0];
    if (!cur) return { cur: await this.snapshot(ds, currRevision), old };
    if (cur.revision < currRevision) return { cur: await this.client.update<ControllerRevision>(controllerRevisionsIn(ds.metadata.namespace ?? ''), { ...cur, revision: currRevision }), old };
    return { cur, old };
  }

  /** snapshot: the template as a ControllerRevision named `<ds>-<hash>`; one that already exists with the same data is reused. */
  private async snapshot(ds: DaemonSet, revision: number): Promise<ControllerRevision> {
    const hash = ComputeHash(ds.spec.template, ds.status?.collisionCount);
    const history: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${ds.metadata.name ?? ''}-${hash}`,
        namespace: ds.metadata.namespace,
        labels: { ...(ds.spec.template.metadata?.labels ?? {}), [DefaultDaemonSetUniqueLabelKey]: hash },
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [controllerRef(ds)],
      },
      data: getPatch(ds),
      revision,
    };
    try {
      return await this.client.create<ControllerRevision>(controllerRevisionsIn(ds.metadata.namespace ?? ''), history);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await this.client.get<ControllerRevision>(controllerRevisionsIn(ds.metadata.namespace ?? ''), history.metadata.name ?? '');
      if (jsonEqual(existing.data, history.data)) return existing;
      throw e; // a hash collision: upstream bumps status.collisionCount (left out)
    }
  }

  /** manage: podsShouldBeOnNode for every node, then syncNodes. */
  private async manage(key: string, ds: DaemonSet, nodes: Node[], hash: string): Promise<void> {
    const byNode = this.nodesToDaemonPods(ds);
    const nodesNeedingDaemonPods: string[] = [];
    const podsToDelete: Pod[] = [];
    for (const node of nodes) {
      const name = node.metadata.name ?? '';
      const { shouldRun, shouldContinueRunning } = NodeShouldRunDaemonPod(node, ds);
      const onNode = byNode.get(name);
      const daemonPods = this.variant === 'ignore-terminating-pods' && onNode?.every((p) => p.metadata.deletionTimestamp) ? undefined : onNode;
      if (shouldRun && !daemonPods) {
        nodesNeedingDaemonPods.push(name);
      } else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const pod of daemonPods ?? []) {
          if (pod.metadata.deletionTimestamp) continue;
          if (pod.status?.phase === 'Failed') {
            this.recorder.eventf(ds, 'Warning', 'FailedDaemonPod', 'Found failed daemon pod %s/%s on node %s, will try to kill it', pod.metadata.namespace, pod.metadata.name, name);
            podsToDelete.push(pod);
          } else if (pod.status?.phase === 'Succeeded') podsToDelete.push(pod);
          else running.push(pod);
        }
        // Without surge: more than one running pod on a node, all but the oldest go.
        if (running.length > 1) podsToDelete.push(...running.sort(podByCreationTimestampAndPhase).slice(1));
      } else if (daemonPods) {
        podsToDelete.push(...daemonPods.filter((p) => !p.metadata.deletionTimestamp));
      }
    }
    // getUnscheduledPodsWithoutNode: pods pinned to a node that no longer exists.
    const known = new Set(nodes.map((n) => n.metadata.name ?? ''));
    for (const [node, pods] of byNode) if (!known.has(node)) podsToDelete.push(...pods.filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp));
    await this.syncNodes(key, ds, podsToDelete, nodesNeedingDaemonPods, hash);
  }

  /** syncNodes: the creates in slow-start batches and the deletes, under expectations. */
  private async syncNodes(key: string, ds: DaemonSet, podsToDelete: Pod[], nodesNeedingDaemonPods: string[], hash: string): Promise<void> {
    const ns = ds.metadata.namespace ?? '';
    const createDiff = Math.min(nodesNeedingDaemonPods.length, BurstReplicas);
    const deleteDiff = Math.min(podsToDelete.length, BurstReplicas);
    if (createDiff === 0 && deleteDiff === 0) return;
    this.expectations.SetExpectations(key, createDiff, deleteDiff);
    const template = CreatePodTemplate(ds, hash);
    const errors: unknown[] = [];
    for (let pos = 0, batch = Math.min(createDiff, SlowStartInitialBatchSize); pos < createDiff; pos += batch, batch = Math.min(2 * batch, createDiff - pos)) {
      const before = errors.length;
      await Promise.all(
        nodesNeedingDaemonPods.slice(pos, pos + batch).map(async (nodeName) => {
          const spec = structuredClone(template.spec);
          spec.affinity = ReplaceDaemonSetPodNodeNameNodeAffinity(spec.affinity, nodeName);
          const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: `${ds.metadata.name ?? ''}-`, namespace: ns, labels: { ...template.metadata.labels }, ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}), ownerReferences: [controllerRef(ds)] }, spec };
          try {
            const made = await this.client.create<Pod>(podsIn(ns), pod);
            this.recorder.eventf(ds, 'Normal', 'SuccessfulCreate', 'Created pod: %s', made.metadata.name);
          } catch (err) {
            this.expectations.LowerExpectations(key, 1, 0);
            errors.push(err);
            this.recorder.eventf(ds, 'Warning', 'FailedCreate', 'Error creating: %s', err instanceof Error ? err.message : String(err));
          }
        }),
      );
      const skipped = createDiff - (pos + batch);
      if (errors.length > before && skipped > 0) {
        this.expectations.LowerExpectations(key, skipped, 0);
        break;
      }
    }
    await Promise.all(
      podsToDelete.slice(0, deleteDiff).map(async (pod) => {
        try {
          await this.client.delete(podsIn(ns), pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid } });
          this.recorder.eventf(ds, 'Normal', 'SuccessfulDelete', 'Deleted pod: %s', pod.metadata.name);
        } catch (err) {
          this.expectations.LowerExpectations(key, 0, 1);
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** rollingUpdate without surge: old pods deleted on at most maxUnavailable nodes at a time, counting those already unavailable. */
  private async rollingUpdate(key: string, ds: DaemonSet, nodes: Node[], hash: string): Promise<void> {
    const byNode = this.nodesToDaemonPods(ds);
    const desired = nodes.filter((n) => NodeShouldRunDaemonPod(n, ds).shouldRun).length;
    const maxUnavailable = Math.max(1, scaledValue(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true));
    const now = this.clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    let numUnavailable = 0;
    const allowedReplacementPods: Pod[] = [];
    const candidatePodsToDelete: Pod[] = [];
    // Named choice: nodes in name order (upstream ranges over a map).
    for (const node of [...byNode.keys()].sort()) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(byNode.get(node) ?? [], hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        numUnavailable++;
      } else if (newPod) {
        if (!IsPodAvailable(newPod, minReady, now)) numUnavailable++;
      } else if (oldPod) {
        if (!IsPodAvailable(oldPod, minReady, now)) allowedReplacementPods.push(oldPod);
        else if (numUnavailable < maxUnavailable || this.variant === 'ignore-max-unavailable') candidatePodsToDelete.push(oldPod);
      }
    }
    const remaining = this.variant === 'ignore-max-unavailable' ? candidatePodsToDelete.length : Math.min(Math.max(0, maxUnavailable - numUnavailable), candidatePodsToDelete.length);
    await this.syncNodes(key, ds, [...allowedReplacementPods, ...candidatePodsToDelete.slice(0, remaining)], [], hash);
  }

  /** cleanupHistory: old revisions no pod uses, beyond revisionHistoryLimit, oldest first. */
  private async cleanupHistory(ds: DaemonSet, old: ControllerRevision[]): Promise<void> {
    const limit = ds.spec.revisionHistoryLimit ?? 10;
    if (old.length <= limit) return;
    const live = new Set([...this.nodesToDaemonPods(ds).values()].flat().map((p) => p.metadata.labels?.[DefaultDaemonSetUniqueLabelKey]));
    const unused = old.filter((r) => !live.has(r.metadata.labels?.[DefaultDaemonSetUniqueLabelKey])).sort((a, b) => a.revision - b.revision);
    for (const r of unused.slice(0, old.length - limit)) {
      try {
        await this.client.delete(controllerRevisionsIn(ds.metadata.namespace ?? ''), r.metadata.name ?? '');
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  /** updateDaemonSetStatus and storeDaemonSetStatus; requeued after minReadySeconds while pods become available. */
  private async updateDaemonSetStatus(ds: DaemonSet, nodes: Node[], hash: string, updateObservedGen: boolean): Promise<Result | void> {
    const byNode = this.nodesToDaemonPods(ds);
    const now = this.clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    let desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
    for (const node of nodes) {
      const { shouldRun } = NodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata.name ?? '') ?? [];
      if (!shouldRun) {
        if (pods.length > 0) misscheduled++;
        continue;
      }
      desired++;
      const pod = [...pods].sort(podByCreationTimestampAndPhase)[0];
      if (!pod) continue;
      current++;
      if (IsPodReady(pod)) {
        ready++;
        if (IsPodAvailable(pod, minReady, now)) available++;
      }
      if (IsPodUpdated(pod, hash)) updated++;
    }
    const status: NonNullable<DaemonSet['status']> = { ...(ds.status ?? {}), desiredNumberScheduled: desired, currentNumberScheduled: current, numberMisscheduled: misscheduled, numberReady: ready, updatedNumberScheduled: updated, numberAvailable: available };
    if (desired - available > 0) status.numberUnavailable = desired - available;
    else delete status.numberUnavailable;
    if (updateObservedGen) status.observedGeneration = ds.metadata.generation;
    if (!jsonEqual(status, ds.status ?? {})) await this.client.updateStatus(daemonSetsIn(ds.metadata.namespace ?? ''), { ...ds, status });
    if (minReady > 0 && ready !== available) return { requeueAfterMs: minReady * 1000 };
  }
}

/** The node's Ready condition status, for telling a readiness change from a heartbeat. */
function NodeReadyStatus(node: Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/** findUpdatedPodsOnNode: the node's one new and one old live pod; more than one of either is not ok. */
export function findUpdatedPodsOnNode(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (IsPodUpdated(pod, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}), ok: true };
}

export type DaemonSetProcessOptions = ControllerProcessOptions & DaemonSetControllerOptions;

/** The controller in its own Manager, as the actor daemonset-controller. */
export function newDaemonSetManager(opts: DaemonSetProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new DaemonSetController(mgr, opts), opts, name);
}

export function daemonSetProcess(opts: DaemonSetProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new DaemonSetController(mgr, opts), opts);
}
