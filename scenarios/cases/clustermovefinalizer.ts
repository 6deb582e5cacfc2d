// clusterctl-move-finalizer (kubernetes-sigs/cluster-api #11812, flake #11809 → fix #11814, backport
// #11821): `clusterctl move` against the Cluster controller of v1.9, whose EnsureFinalizer runs before the
// pause check (#11286). Two API servers: the source, where the Cluster controller runs, and the target.
//
// Buggy (clusterctl v1.9.0–v1.9.4): deleteSourceObject merge-patches `finalizers: []`, then DELETEs. The
// controller sees the Cluster without its finalizer and without a deletionTimestamp and puts the finalizer
// back (a merge patch without resourceVersion, accepted); the DELETE then only sets the deletionTimestamp.
// move reports success, and the source Cluster stays Terminating and paused for good: nobody removes the
// finalizer. Fixed (v1.9.5, v1.10.0): DELETE first, then `finalizers: []`, which deletes the object; once the
// deletionTimestamp is set no finalizer can be added (422), and once the object is gone an add gets 404.
//
// The verdict is the outcome only (source-emptied-after-move): what was in the source namespace is gone
// once move reports success. The order of clusterctl's requests is not checked, so a different correct fix
// (the mutant remove-again-after-delete: v1.9.4's order, then a second removal once the DELETE left the
// object Terminating) holds although the controller's re-add succeeds. That a late add is refused (422 "no
// new finalizers can be added if the object is being deleted") is the server's rule, tested in
// apiserver/http/crud.test.ts: in the fixed order the controller never tries one (EnsureFinalizer skips an
// object with a deletionTimestamp), so no invariant here could see it. The mutants are DeleteSourceVariants
// of clients/clusterctl/move.ts.
//
// The interleaving rule: clusterctl's DELETE of the Cluster, when it comes after clusterctl removed the
// Cluster's finalizers (only the buggy order does that), waits until the controller's finalizer patch has
// been answered. In the fixed order the DELETE comes first and nothing is held.
import { any, not, responded, type Condition } from '../../apiserver/interleave/conditions.ts';
import type { HistoryEntry, RequestEntry } from '../../apiserver/interleave/types.ts';
import { isDeleteSourceVariant, move, removeFinalizersPatch, type MoveReport } from '../../clients/clusterctl/move.ts';
import { isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import { clusterFinalizer, clusterResource, controlPlaneInitializedCondition, type Cluster } from '../../controllers/clusterapi/api.ts';
import { newClusterControllerManager } from '../../controllers/clusterapi/cluster.ts';
import { isTrue } from '../../controllers/clusterapi/conditions.ts';
import { lastSeq, notes, succeeded, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { cluster, dockerCluster, finalizersInBody, ns, refOfRequest, reconcileErrorNotes, refs, responseTo, startManager } from './clusterapisupport.ts';

const horizonMs = 5 * 60_000;
const controller = 'cluster-controller';
const clusterctl = 'clusterctl';
const removeBody = JSON.stringify(removeFinalizersPatch);

/** clusterctl asked the source to remove the Cluster's finalizers (a request entry whose body is `finalizers: []`). */
const finalizersRemovedByClusterctl: Condition = (h, after = 0) =>
  h.count((e) => e.type === 'request' && e.actor === clusterctl && e.verb === 'patch' && e.resource === 'clusters' && e.name === 'c1' && e.body === removeBody, after, 1) >= 1;

const isRemoval = (e: HistoryEntry): e is RequestEntry => e.type === 'request' && e.actor === clusterctl && e.verb === 'patch' && e.subresource === undefined && e.body === removeBody;

/** A write (not a create) whose body sets a non-empty finalizers list. */
const addsFinalizers = (e: HistoryEntry): e is RequestEntry => e.type === 'request' && (e.verb === 'patch' || e.verb === 'update') && e.subresource === undefined && (finalizersInBody(e)?.length ?? 0) > 0;

const sameObject = (a: RequestEntry, b: RequestEntry): boolean => a.group === b.group && a.resource === b.resource && a.namespace === b.namespace && a.name === b.name;

const describe = (e: RequestEntry): string => `${e.resource} ${e.namespace ? `${e.namespace}/` : ''}${e.name ?? ''}`;

/** The name of the object a create made (the request's name, else the response's). */
function responseName(history: readonly HistoryEntry[], create: RequestEntry): string | undefined {
  return create.name ?? responseTo(history, create)?.name;
}

/** The last step note that says move succeeded. */
function moveSucceeded(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  return notes(history, 'step', clusterctl).findLast((n) => n.text.startsWith('clusterctl move reported success'));
}

export const clusterMoveFinalizer: ScenarioCase = {
  name: 'clusterctl-move-finalizer',
  title: 'clusterctl move removes finalizers before deleting; the Cluster controller re-adds its finalizer in between',
  upstream: {
    issue: 'kubernetes-sigs/cluster-api#11812',
    fix: 'kubernetes-sigs/cluster-api#11814',
    url: 'https://github.com/kubernetes-sigs/cluster-api/issues/11812',
  },
  description:
    'A provisioned Cluster (DockerCluster, one control-plane Machine) is moved from the source API server, where the v1.9 Cluster controller runs, to the target. ' +
    "A rule holds clusterctl's DELETE of the Cluster, when it comes after clusterctl's `finalizers: []` patch, until the controller's finalizer patch has been answered. " +
    'Buggy (clusterctl v1.9.0–v1.9.4, finalizers removed then DELETE): the controller re-adds cluster.cluster.x-k8s.io (200), the DELETE only sets the deletionTimestamp, ' +
    'move reports success and the source Cluster stays Terminating and paused for good. Fixed (v1.9.5, #11814, DELETE then finalizers removed): nothing is held, the ' +
    'finalizer removal deletes the Cluster, and any late finalizer add would be refused (422 "no new finalizers") or get 404. ' +
    'The verdict is the outcome: every object of the source namespace gone once move reports success, however clusterctl orders its requests.',
  horizonMs,
  servers: 2,
  // controller-runtime requeues a failed reconcile; clusterctl retries every call with its backoffs.
  faultTolerant: [controller, clusterctl],
  async run({ world, fixed, mutant }) {
    if (mutant !== undefined && !isDeleteSourceVariant(mutant)) throw new Error(`clusterctl-move-finalizer has no mutant ${mutant}`);
    const setup = world.client('setup');
    const { manager } = newClusterControllerManager({ kc: world.kc(controller, 0), actor: controller, clock: world.clock, logger: reconcileErrorNotes(world, controller) });
    const clusters = manager.informerFor<Cluster>(clusterResource);
    await startManager(world, manager, horizonMs);

    // A provisioned Cluster on the source: infrastructure ready, one control-plane Machine with its node.
    world.note('setup', 'step', 'create a provisioned Cluster default/c1 on the source');
    await setup.create(refs.dockerClusters, dockerCluster('c1-infra'));
    await setup.patch(refs.dockerClusters, 'c1-infra', { status: { ready: true } }, 'merge', { subresource: 'status' });
    const cl = await setup.create(refs.clusters, cluster('c1', { infra: 'c1-infra' }));
    await setup.create(refs.machines, {
      apiVersion: cl.apiVersion,
      kind: 'Machine',
      metadata: {
        name: 'c1-cp',
        namespace: ns,
        labels: { 'cluster.x-k8s.io/cluster-name': 'c1', 'cluster.x-k8s.io/control-plane': '' },
        ownerReferences: [{ apiVersion: cl.apiVersion ?? '', kind: 'Cluster', name: 'c1', uid: cl.metadata.uid ?? '' }],
      },
      spec: { clusterName: 'c1', bootstrap: { dataSecretName: 'c1-cp-bootstrap' }, infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachine', name: 'c1-cp', namespace: ns } },
    });
    await setup.patch(refs.machines, 'c1-cp', { status: { nodeRef: { kind: 'Node', name: 'c1-cp' } } }, 'merge', { subresource: 'status' });
    const provisioned = (): boolean => {
      const c = clusters.lister().getByName(ns, 'c1');
      return !!c && (c.metadata.finalizers ?? []).includes(clusterFinalizer) && c.status?.phase === 'Provisioned' && isTrue(c, controlPlaneInitializedCondition);
    };
    if (!(await world.runUntil(provisioned, horizonMs))) throw new Error('the Cluster was never provisioned');

    // #11812's interleaving: the controller's EnsureFinalizer lands between "finalizers: []" and the DELETE.
    world.hint(() =>
      world.rules.holdRequest({
        name: 'delete-after-finalizer-readd',
        match: { actor: clusterctl, verb: 'delete', resource: 'clusters', name: 'c1' },
        until: any(not(finalizersRemovedByClusterctl), responded({ actor: controller, verb: 'patch', resource: 'clusters', name: 'c1', subresource: '' })),
      }),
    );

    world.note(clusterctl, 'step', `clusterctl move --namespace ${ns} (${fixed ? 'v1.9.5: DELETE, then finalizers: []' : 'v1.9.4: finalizers: [], then DELETE'})`);
    let report: MoveReport | undefined;
    let failure: unknown;
    const moving = move({ from: world.kc(clusterctl, 0), to: world.kc(clusterctl, 1), namespace: ns, fixed, ...(mutant !== undefined ? { variant: mutant } : {}), clock: world.clock, random: world.random }).then(
      (r) => (report = r),
      (e: unknown) => (failure = e ?? new Error('move failed')),
    );
    await world.runUntil(() => report !== undefined || failure !== undefined, horizonMs);
    if (failure !== undefined) throw failure;
    if (!report) throw new Error('clusterctl move did not finish within the horizon');
    await moving;
    const deleted = report.deleted.map((d) => `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}`);
    world.note(clusterctl, 'step', `clusterctl move reported success; deleted from the source: ${deleted.join(', ')}`);
  },
  invariants: [
    {
      // races.md §1: after clusterctl move reports success, none of the objects that were in the source
      // namespace before the move (the ones setup created there) still exists in it. An outcome: how
      // clusterctl orders its DELETE and finalizer removal is its own business.
      name: 'source-emptied-after-move',
      kind: 'liveness',
      async check({ world, history }) {
        const done = moveSucceeded(history);
        if (!done) return [violation('source-emptied-after-move', 'clusterctl move never reported success', lastSeq(history))];
        const source: KubeClient = world.client('checker', 0);
        const out: Violation[] = [];
        const moved = history.filter((e): e is RequestEntry => e.type === 'request' && e.actor === 'setup' && e.verb === 'create' && e.seq < done.seq && succeeded(responseTo(history, e)?.code ?? 0));
        for (const created of moved) {
          const ref = refOfRequest(created);
          const name = responseName(history, created);
          if (!ref || name === undefined) continue;
          let obj: Cluster;
          try {
            obj = await source.get<Cluster>(ref, name);
          } catch (e) {
            if (isNotFound(e)) continue;
            throw e;
          }
          const it = { ...created, name };
          const del = history.findLast((e): e is RequestEntry => e.type === 'request' && e.actor === clusterctl && e.verb === 'delete' && sameObject(e, it) && e.seq < done.seq);
          const answered = del && responseTo(history, del);
          // The finalizer writes that brought it back: after clusterctl's last finalizer removal, before its DELETE.
          const removal = history.findLast((e): e is RequestEntry => isRemoval(e) && sameObject(e, it) && e.seq < (del?.seq ?? done.seq));
          const readds = removal
            ? history.filter((e): e is RequestEntry => addsFinalizers(e) && e.actor !== clusterctl && sameObject(e, it) && e.seq > removal.seq && e.seq < (del?.seq ?? done.seq) && succeeded(responseTo(history, e)?.code ?? 0))
            : [];
          const state = [
            obj.metadata.deletionTimestamp ? `Terminating since ${obj.metadata.deletionTimestamp}` : 'not being deleted',
            `finalizers [${(obj.metadata.finalizers ?? []).join(', ')}]`,
            ...(obj.spec?.paused !== undefined ? [`spec.paused=${String(obj.spec.paused)}`] : []),
          ].join(', ');
          out.push(
            violation(
              'source-emptied-after-move',
              `${describe(it)} is still in the source namespace after clusterctl move reported success (${state}); ${del ? `clusterctl's DELETE was answered ${answered?.code ?? 'never'}` : 'clusterctl never DELETEd it'}`,
              [...(removal ? [removal.seq] : []), ...readds.map((r) => r.seq), ...(del ? [del.seq] : []), ...(answered ? [answered.seq] : []), done.seq],
            ),
          );
        }
        return out;
      },
    },
  ],
  mutants: [
    { name: 'delete-without-waiting', kind: 'mutant', description: "deleteSourceObject sends the DELETE and removes the finalizers without waiting for the DELETE's reply: the removal may be applied first, and a finalizer re-added before the DELETE survives it" },
    { name: 'remove-finalizers-twice', kind: 'mutant', description: "v1.9.4's order with `finalizers: []` sent twice before the DELETE: the window only moves, a re-add after the second removal survives the DELETE" },
    { name: 'skip-cluster-delete', kind: 'mutant', description: 'Clusters only get their finalizers removed, never a DELETE: the source Cluster stays (and the controller re-adds its finalizer)' },
    { name: 'delete-only', kind: 'mutant', description: 'DELETE without removing the finalizers: the source Cluster stays Terminating and paused' },
    { name: 'await-deletion-timestamp', kind: 'equivalent', description: 'DELETE, then GET until the object shows its deletionTimestamp (or is gone), then remove the finalizers' },
    {
      name: 'remove-again-after-delete',
      kind: 'equivalent',
      description: "v1.9.4's order (finalizers removed, then DELETE), then `finalizers: []` once more when the DELETE's reply shows the object Terminating with a finalizer: the re-add in between happens, and the source is emptied all the same",
    },
  ],
};
