// daemonset-one-per-node: the DaemonSet controller's own guarantees under exploration. A user creates a
// DaemonSet (RollingUpdate, maxUnavailable 1) on two simulated nodes, waits for it to be available on
// both, then rolls out a new image (its pods take their 5 s grace period to stop, so an old pod is seen
// terminating while the update goes on). Checked on every committed change of storage: never two pods of
// the set on one node, terminating ones included (without surge a new pod waits for the old one to go); once the set was available on every node, never more than maxUnavailable
// Ready nodes without a Ready pod of it; at quiescence every Ready node runs exactly one Running, Ready
// pod of the newest revision.
import { controllerName, newDaemonSetManager, type DaemonSetVariant } from '../../controllers/daemonset/daemonset.ts';
import { daemonSetsIn, daemonSetsResource, type DaemonSet } from '../../controllers/daemonset/util.ts';
import { ignoreSigtermAnnotation } from '../../controllers/kwok/pod.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { reconcileErrorNotes } from '../cases/clusterapisupport.ts';
import { clusterActors, committed, isLive, isRunningAndReady, podsOf, replay, startCluster, type Committed } from './committed.ts';

const horizonMs = 3 * 60_000;
const name = 'agent';
const owner = `DaemonSet/${name}`;
const ns = 'default';
const maxUnavailable = 1;
const variants: readonly DaemonSetVariant[] = ['ignore-terminating-pods', 'ignore-max-unavailable'];

function daemonSet(): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } },
      template: { metadata: { labels: { app: name }, annotations: { [ignoreSigtermAnnotation]: 'true' } }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'agent:1' }] } },
    },
  };
}

const readyNodes = (state: ReadonlyMap<string, Committed>): string[] => [...state.values()].filter((c) => c.kind === 'Node' && c.ready).map((c) => c.name).sort();

export const daemonSetOnePerNode: ScenarioCase = {
  name: 'daemonset-one-per-node',
  kind: 'property',
  title: 'DaemonSet: one pod per node, rolling update within maxUnavailable',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/daemon/daemon_controller.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/daemon/daemon_controller.go' },
  description:
    `A DaemonSet (RollingUpdate, maxUnavailable ${maxUnavailable}) on two simulated nodes: created, then rolled out to a new image once available on both. ` +
    'On every committed change: never two pods of the set on one node, terminating ones included; once it was available everywhere, never more than maxUnavailable nodes without a Ready pod of it. At quiescence: each Ready node runs exactly one Running, Ready pod of the newest revision.',
  horizonMs,
  // The controller, the node agent and the scheduler retry failed requests as upstream's do.
  faultTolerant: [controllerName, ...clusterActors],
  mutants: [
    { name: 'ignore-terminating-pods', kind: 'mutant', description: 'a node whose daemon pod is being deleted counts as having none: the new pod is made while the old one still terminates' },
    { name: 'ignore-max-unavailable', kind: 'mutant', description: 'the rolling update deletes every old pod at once instead of at most maxUnavailable' },
  ],
  async run({ world, mutant }) {
    if (mutant !== undefined && !(variants as readonly string[]).includes(mutant)) throw new Error(`unknown mutant ${mutant}`);
    const mgr = newDaemonSetManager({ kc: world.kc(controllerName), clock: world.clock, logger: reconcileErrorNotes(world, controllerName), ...(mutant ? { variant: mutant as DaemonSetVariant } : {}) });
    const sets = mgr.informerFor<DaemonSet>(daemonSetsResource);
    await startCluster(world, horizonMs, [mgr], ['DaemonSet']);
    const user = world.client('user');
    const rolledOut = (): boolean => {
      const d = sets.lister().getByName(ns, name);
      const s = d?.status ?? {};
      return !!d && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && (s.desiredNumberScheduled ?? 0) > 0 && s.updatedNumberScheduled === s.desiredNumberScheduled && s.numberAvailable === s.desiredNumberScheduled;
    };
    const step = async (what: string, act: () => Promise<unknown>): Promise<void> => {
      world.note('user', 'step', what);
      await act();
      if (!(await world.runUntil(rolledOut, horizonMs))) world.note('user', 'step', `${what}: not rolled out within the horizon`);
    };
    await step('create DaemonSet agent (maxUnavailable 1)', () => user.create(daemonSetsIn(ns), daemonSet()));
    await step('roll out image agent:2', () => user.patch(daemonSetsIn(ns), name, { spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:2' }] } } } }, 'strategic'));
  },
  invariants: [
    {
      name: 'one-pod-per-node',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        replay(committed(history), (state, c) => {
          if (c.kind !== 'Pod' || c.owner !== owner || out.length > 0) return;
          // Terminating pods count: without surge, a node's new pod waits until the old one is gone.
          const onNode = podsOf(state, owner).filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed' && p.node !== undefined && p.node === c.node);
          if (onNode.length > 1) out.push(violation('one-pod-per-node', `${onNode.length} pods of DaemonSet agent on ${c.node ?? ''} at once: ${onNode.map((p) => `${p.name}${p.deleting ? ' (terminating)' : ''}`).join(', ')}`, onNode.map((p) => p.seq)));
        });
        return out;
      },
    },
    {
      name: 'rolling-update-within-max-unavailable',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        let available = false;
        replay(committed(history), (state, c) => {
          if (out.length > 0) return;
          const nodes = readyNodes(state);
          const covered = new Set(podsOf(state, owner).filter((p) => isLive(p) && isRunningAndReady(p)).map((p) => p.node));
          const missing = nodes.filter((n) => !covered.has(n));
          if (!available) {
            available = nodes.length > 0 && missing.length === 0;
            return;
          }
          if (missing.length > maxUnavailable) out.push(violation('rolling-update-within-max-unavailable', `${missing.length} nodes without a Ready pod of DaemonSet agent at once (${missing.join(', ')}), maxUnavailable is ${maxUnavailable}`, [c.seq]));
        });
        return out;
      },
    },
    {
      name: 'every-node-runs-one',
      kind: 'liveness',
      check({ history }) {
        const changes = committed(history);
        const end = replay(changes, () => undefined);
        const pods = podsOf(end, owner);
        const newest = [...changes].reverse().find((c) => c.kind === 'Pod' && c.owner === owner && c.type === 'ADDED')?.revision;
        const wrong = readyNodes(end).filter((n) => {
          const here = pods.filter((p) => p.node === n);
          return here.length !== 1 || !here.every((p) => isLive(p) && isRunningAndReady(p) && p.revision === newest);
        });
        if (wrong.length === 0 && pods.length === readyNodes(end).length) return [];
        return [violation('every-node-runs-one', `at quiescence: ${readyNodes(end).map((n) => `${n}: ${pods.filter((p) => p.node === n).map((p) => `${p.name} ${p.phase ?? ''}${p.ready ? ' Ready' : ''} ${p.revision ?? ''}`).join(', ') || 'none'}`).join('; ')} (newest revision ${newest ?? 'none'})`, lastSeq(history))];
      },
    },
  ],
};
