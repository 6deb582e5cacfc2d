// podgc-terminated: the pod garbage collector's own invariants under exploration (kubernetes
// pkg/controller/podgc/gc_controller.go gcTerminated and gcOrphaned). Two nodes (bare Node objects: no kubelet
// changes the pods' phases behind the case), a terminated-pod threshold of 2, five terminated pods created a
// second apart, Running pods on node-1 and on node-x, and node-x deleted. Whatever the order of requests
// and watch events: podgc never fails or deletes a Running pod on a node that exists, marks an orphan only
// once its node has been gone for the quarantine, and at quiescence the two newest terminated pods are the
// only ones left and the orphans are gone.
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { GetPodCondition, nodesRef, podsIn, type Node, type Pod } from '../../controllers/coreapi/core.ts';
import { newPodGCManager, quarantineTimeMs, type PodGCMutant } from '../../controllers/podgc/gc.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import type { World } from '../engine/world.ts';
import { latest, objectLog, recordObjects, seqOfRevision, startControllers } from './support.ts';

const horizonMs = 150_000;
const controller = 'pod-garbage-collector';
const ns = 'default';
const threshold = 2;
/** The terminated pods, oldest first (created a simulated second apart). */
const done = ['done-0', 'done-1', 'done-2', 'done-3', 'done-4'];
const running = ['run-0', 'run-1'];
const orphans = ['orphan-0', 'orphan-1'];

const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) as Node;
const pod = (name: string, nodeName: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
const isTerminal = (p: Pod | undefined): boolean => p?.status?.phase === 'Succeeded' || p?.status?.phase === 'Failed';

/** The simulated time at which the setup's delete of node-x was answered. */
function nodeDeletedAtMs(history: readonly HistoryEntry[]): number | undefined {
  return history.find((e) => e.type === 'response' && e.actor === 'setup' && e.verb === 'delete' && e.resource === 'nodes' && e.name === 'node-x' && e.code < 300)?.atMs;
}

/** Every pod write that ends a Running pod (it becomes Failed or is deleted), with the nodes at that revision. */
function endsOfRunning(world: World, visit: (before: Pod, after: Pod | undefined, nodes: ReadonlySet<string>, rev: number) => void): void {
  const pods = new Map<string, Pod>();
  const nodes = new Set<string>();
  for (const it of objectLog(world).all()) {
    const o = it.object;
    if (o?.kind === 'Node') {
      if (it.type === 'DELETED') nodes.delete(o.metadata.name ?? '');
      else nodes.add(o.metadata.name ?? '');
    } else if (o?.kind === 'Pod') {
      const key = o.metadata.name ?? '';
      const before = pods.get(key);
      const after = it.type === 'DELETED' ? undefined : (o as Pod);
      if (after) pods.set(key, after);
      else pods.delete(key);
      if (before?.status?.phase === 'Running' && (!after || after.status?.phase === 'Failed')) visit(before, after, nodes, it.revision);
    }
  }
}

export const podGCTerminated: ScenarioCase = {
  name: 'podgc-terminated',
  kind: 'property',
  title: 'PodGC keeps the newest terminated pods, spares Running pods on live nodes, and removes orphans after the quarantine',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/podgc/gc_controller.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/podgc/gc_controller.go' },
  description:
    `The pod garbage collector alone, terminated-pod threshold ${threshold}, gc every 20 simulated seconds, quarantine 40 s. Nodes node-1 and node-x are bare Node objects (no kubelet: the case sets the pods' phases). ` +
    `Five pods Succeeded or Failed, created a second apart (${done.join(', ')}), two Running on node-1 and two Running on node-x; then node-x is deleted. ` +
    'Invariants: podgc never ends a Running pod (marks it Failed or deletes it) while its node exists; it marks an orphan only once its node has been gone for the quarantine; at quiescence only the two newest terminated pods are left (byEvictionAndCreationTimestamp) and the orphans of node-x are gone.',
  horizonMs,
  faultTolerant: [controller],
  async run({ world, mutant }) {
    const log = await recordObjects(world);
    const setup = world.client('setup');
    world.note('setup', 'step', 'create nodes node-1 and node-x, Running pods on each, five terminated pods a second apart');
    for (const n of ['node-1', 'node-x']) await setup.create(nodesRef, node(n));
    const withPhase = async (name: string, nodeName: string, phase: string): Promise<void> => {
      await setup.create(podsIn(ns), pod(name, nodeName));
      await setup.patch(podsIn(ns), name, { status: { phase } }, 'merge', { subresource: 'status' });
    };
    for (const name of running) await withPhase(name, 'node-1', 'Running');
    for (const name of orphans) await withPhase(name, 'node-x', 'Running');
    await startControllers(world, horizonMs, [newPodGCManager({ kc: world.kc(controller), clock: world.clock, terminatedPodThreshold: threshold, ...(mutant ? { mutant: mutant as PodGCMutant } : {}) })]);
    for (const [i, name] of done.entries()) {
      await withPhase(name, 'node-1', i % 2 === 0 ? 'Succeeded' : 'Failed');
      await world.advance(1000); // distinct creation seconds
    }
    world.note('setup', 'step', 'delete node node-x');
    await setup.delete(nodesRef, 'node-x');
    const gone = (name: string): boolean => latest<Pod>(log, 'Pod', ns, name) === undefined;
    if (await world.runUntil(() => orphans.every(gone) && done.filter((n) => !gone(n)).length <= threshold, horizonMs)) world.note('setup', 'step', 'orphans gone, terminated pods within the threshold');
  },
  mutants: [
    { name: 'delete-newest-first', kind: 'mutant', description: 'gcTerminated deletes the newest terminated pods beyond the threshold instead of the oldest' },
    { name: 'no-quarantine', kind: 'mutant', description: 'a node missing from the cache is taken as deleted at once: no quarantine and no live check with the server' },
    { name: 'count-running-as-terminated', kind: 'mutant', description: 'gcTerminated counts and deletes every pod beyond the threshold, Running ones included' },
  ],
  invariants: [
    {
      name: 'spares-running-pods-on-existing-nodes',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        endsOfRunning(world, (before, after, nodes, rev) => {
          const on = before.spec.nodeName ?? '';
          if (out.length === 0 && nodes.has(on)) out.push(violation('spares-running-pods-on-existing-nodes', `Running pod ${before.metadata.name ?? ''} on existing node ${on} was ${after ? 'marked Failed' : 'deleted'}`, seqOfRevision(history, rev)));
        });
        return out;
      },
    },
    {
      name: 'orphans-after-quarantine',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        const deletedAt = nodeDeletedAtMs(history);
        endsOfRunning(world, (before, after, nodes, rev) => {
          // While node-x exists, ending its pods is the other invariant's violation.
          if (before.spec.nodeName !== 'node-x' || nodes.has('node-x') || deletedAt === undefined) return;
          // The DisruptionTarget condition carries podgc's clock, in whole seconds.
          const marked = Date.parse((after ? GetPodCondition(after, 'DisruptionTarget')?.lastTransitionTime : undefined) ?? '');
          if (!after || Number.isNaN(marked) || marked < deletedAt + quarantineTimeMs - 1000) {
            out.push(violation('orphans-after-quarantine', `orphan ${before.metadata.name ?? ''} was ${after ? `marked Failed ${Number.isNaN(marked) ? 'without DisruptionTarget' : `${Math.round((marked - deletedAt) / 1000)} s after node-x was deleted`}` : 'deleted while Running'}; the quarantine is ${quarantineTimeMs / 1000} s`, seqOfRevision(history, rev)));
          }
        });
        return out.slice(0, 1);
      },
    },
    {
      name: 'newest-terminated-kept',
      kind: 'liveness',
      check({ world, history }) {
        const log = objectLog(world);
        const left = done.filter((n) => isTerminal(latest<Pod>(log, 'Pod', ns, n)));
        const want = done.slice(-threshold);
        if (left.join() === want.join()) return [];
        return [violation('newest-terminated-kept', `terminated pods left at quiescence: ${left.join(', ') || 'none'}; the ${threshold} newest are ${want.join(', ')}`, lastSeq(history))];
      },
    },
    {
      name: 'orphans-gone',
      kind: 'liveness',
      check({ world, history }) {
        const log = objectLog(world);
        const left = orphans.filter((n) => latest<Pod>(log, 'Pod', ns, n) !== undefined);
        return left.length === 0 ? [] : [violation('orphans-gone', `pods of deleted node node-x left at quiescence: ${left.join(', ')}`, lastSeq(history))];
      },
    },
  ],
};
