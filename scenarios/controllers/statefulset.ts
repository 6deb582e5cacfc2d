// statefulset-ordered: the StatefulSet controller's own guarantees under exploration. A user creates an
// OrderedReady StatefulSet of 3 on two simulated nodes (its pods take their 5 s grace period to stop, so
// that a deletion is seen while it lasts), rolls out a new image, scales down to 1 and back
// up to 2, each step once the previous one shows in the set's status. Checked on every committed change of
// storage: never two live pods with one ordinal (and every pod named `<set>-<ordinal>`); pod i created
// only while every pod below it is Running and Ready; a condemned pod (ordinal ≥ replicas) marked for
// deletion only once every higher one is gone; at quiescence exactly the replicas, all Running, Ready and
// at the update revision.
import { ignoreSigtermAnnotation } from '../../controllers/kwok/pod.ts';
import { controllerName, newStatefulSetManager, type StatefulSetVariant } from '../../controllers/statefulset/statefulset.ts';
import { statefulSetsIn, statefulSetsResource, type StatefulSet } from '../../controllers/statefulset/utils.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { reconcileErrorNotes } from '../cases/clusterapisupport.ts';
import { clusterActors, committed, isLive, isRunningAndReady, podsOf, replay, startCluster, type Committed } from './committed.ts';

const horizonMs = 3 * 60_000;
const name = 'web';
const owner = `StatefulSet/${name}`;
const ns = 'default';
const variants: readonly StatefulSetVariant[] = ['parallel-when-ordered', 'scale-down-all-at-once'];

const ordinalOf = (pod: Committed): number => Number(/-(\d+)$/.exec(pod.name)?.[1] ?? -1);

function statefulSet(replicas: number): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: { replicas, serviceName: name, podManagementPolicy: 'OrderedReady', selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name }, annotations: { [ignoreSigtermAnnotation]: 'true' } }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

export const statefulSetOrdered: ScenarioCase = {
  name: 'statefulset-ordered',
  kind: 'property',
  title: 'StatefulSet OrderedReady: ordinal identity, ordered creation and ordered scale-down',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/statefulset/stateful_set_control.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/statefulset/stateful_set_control.go' },
  description:
    'An OrderedReady StatefulSet of 3 on two simulated nodes: created, rolled out to a new image, scaled down to 1, scaled up to 2, each step after the status shows the previous one. ' +
    'On every committed change: one live pod per ordinal, named <set>-<ordinal>; pod i created only while 0..i-1 are Running and Ready; a condemned pod marked for deletion only once every higher ordinal is gone. At quiescence: exactly spec.replicas pods, Running, Ready, at the update revision.',
  horizonMs,
  // The controller, the node agent and the scheduler retry failed requests as upstream's do.
  faultTolerant: [controllerName, ...clusterActors],
  mutants: [
    { name: 'parallel-when-ordered', kind: 'mutant', description: 'OrderedReady handled as Parallel: pods are created without waiting for the lower ordinals to be Running and Ready' },
    { name: 'scale-down-all-at-once', kind: 'mutant', description: 'every condemned pod is deleted in one sync, without waiting for the higher ordinals to be gone' },
  ],
  async run({ world, mutant }) {
    if (mutant !== undefined && !(variants as readonly string[]).includes(mutant)) throw new Error(`unknown mutant ${mutant}`);
    const mgr = newStatefulSetManager({ kc: world.kc(controllerName), clock: world.clock, logger: reconcileErrorNotes(world, controllerName), ...(mutant ? { variant: mutant as StatefulSetVariant } : {}) });
    const sets = mgr.informerFor<StatefulSet>(statefulSetsResource);
    await startCluster(world, horizonMs, [mgr], ['StatefulSet']);
    const user = world.client('user');
    const settled = (replicas: number) => (): boolean => {
      const s = sets.lister().getByName(ns, name);
      const st = s?.status ?? {};
      return !!s && (st.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) && st.replicas === replicas && st.readyReplicas === replicas && st.updatedReplicas === replicas && st.currentRevision === st.updateRevision;
    };
    const step = async (what: string, act: () => Promise<unknown>, replicas: number): Promise<void> => {
      world.note('user', 'step', what);
      await act();
      if (!(await world.runUntil(settled(replicas), horizonMs))) world.note('user', 'step', `${what}: not settled within the horizon`);
    };
    await step('create StatefulSet web (OrderedReady, replicas 3)', () => user.create(statefulSetsIn(ns), statefulSet(3)), 3);
    await step('roll out image nginx:1.27', () => user.patch(statefulSetsIn(ns), name, { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } }, 'strategic'), 3);
    await step('scale to 1', () => user.patch(statefulSetsIn(ns), name, { spec: { replicas: 1 } }), 1);
    await step('scale to 2', () => user.patch(statefulSetsIn(ns), name, { spec: { replicas: 2 } }), 2);
  },
  invariants: [
    {
      name: 'one-pod-per-ordinal',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        replay(committed(history), (state, c) => {
          if (c.kind !== 'Pod' || c.owner !== owner || c.type === 'DELETED' || out.length > 0) return;
          if (!/^web-\d+$/.test(c.name) || c.index !== String(ordinalOf(c))) out.push(violation('one-pod-per-ordinal', `pod ${c.name} of StatefulSet web is not named web-<ordinal> with a matching pod-index label (${c.index ?? 'none'})`, [c.seq]));
          const same = podsOf(state, owner).filter((p) => isLive(p) && p.index !== undefined && p.index === c.index);
          if (same.length > 1) out.push(violation('one-pod-per-ordinal', `${same.length} live pods of StatefulSet web with ordinal ${c.index ?? ''}: ${same.map((p) => p.name).join(', ')}`, same.map((p) => p.seq)));
        });
        return out;
      },
    },
    {
      name: 'ordered-ready-creation',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        replay(committed(history), (_state, c, before) => {
          if (c.kind !== 'Pod' || c.owner !== owner || c.type !== 'ADDED' || out.length > 0) return;
          const i = ordinalOf(c);
          const pods = podsOf(before, owner);
          for (let j = 0; j < i; j++) {
            const lower = pods.find((p) => ordinalOf(p) === j && isLive(p));
            if (!lower || !isRunningAndReady(lower)) {
              out.push(violation('ordered-ready-creation', `pod ${c.name} was created while web-${j} was ${lower ? `${lower.phase ?? 'Pending'}${lower.ready ? '' : ', not Ready'}` : 'missing or terminating'}`, [c.seq, ...(lower ? [lower.seq] : [])]));
              return;
            }
          }
        });
        return out;
      },
    },
    {
      name: 'ordered-scale-down',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        replay(committed(history), (state, c, before) => {
          if (c.kind !== 'Pod' || c.owner !== owner || !c.deleting || out.length > 0) return;
          const prev = before.get(`Pod/${c.name}`);
          if (!prev || prev.deleting) return; // not the change that marked it
          const replicas = state.get(owner)?.replicas ?? 1;
          const i = ordinalOf(c);
          if (i < replicas) return; // a rolling update's deletion, not a scale-down
          const higher = podsOf(before, owner).filter((p) => ordinalOf(p) > i);
          if (higher.length > 0) out.push(violation('ordered-scale-down', `condemned pod ${c.name} was marked for deletion while ${higher.map((p) => p.name).join(', ')} still existed`, [c.seq, ...higher.map((p) => p.seq)]));
        });
        return out;
      },
    },
    {
      name: 'converges-to-replicas',
      kind: 'liveness',
      check({ history }) {
        const end = replay(committed(history), () => undefined);
        const replicas = end.get(owner)?.replicas ?? 0;
        const pods = podsOf(end, owner);
        const names = pods.map((p) => p.name).sort();
        const want = Array.from({ length: replicas }, (_, i) => `web-${i}`);
        const revisions = new Set(pods.map((p) => p.revision));
        if (JSON.stringify(names) === JSON.stringify(want) && pods.every(isRunningAndReady) && revisions.size === 1) return [];
        return [violation('converges-to-replicas', `at quiescence StatefulSet web (replicas ${replicas}) has ${pods.map((p) => `${p.name} ${p.phase ?? ''}${p.ready ? ' Ready' : ''}${p.deleting ? ' terminating' : ''} ${p.revision ?? ''}`).join('; ') || 'no pods'}`, lastSeq(history))];
      },
    },
  ],
};
