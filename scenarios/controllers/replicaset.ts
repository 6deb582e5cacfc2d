// replicaset-scale and replicationcontroller-scale: the ReplicaSet controller's own guarantees under
// exploration, for a ReplicaSet and (the same code, as upstream's ReplicationManager) a
// ReplicationController. A user creates one of 3 replicas on two simulated nodes, scales it to 1, then back
// to 3, each step once its status shows the previous one (its pods take their 5 s grace period to stop, so
// a deleted pod is seen terminating). Checked on every committed change of storage: a pod is created only
// while fewer than spec.replicas live pods of it exist; a pod is marked for deletion only while more than
// spec.replicas do; at quiescence exactly spec.replicas live pods, Running and Ready.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { ignoreSigtermAnnotation } from '../../controllers/kwok/pod.ts';
import {
  controllerName,
  newReplicaSetManager,
  newReplicationManager,
  replicaSetsIn,
  replicaSetsResource,
  replicationControllerName,
  replicationControllersIn,
  replicationControllersResource,
  type ReplicaSet,
  type ReplicaSetVariant,
} from '../../controllers/replicaset/replicaset.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { Mutant, ScenarioCase } from '../engine/types.ts';
import { reconcileErrorNotes } from '../cases/clusterapisupport.ts';
import { clusterActors, committed, isLive, isRunningAndReady, podsOf, replay, startCluster } from './committed.ts';

const horizonMs = 3 * 60_000;
const ns = 'default';
const name = 'web';
const variants: readonly ReplicaSetVariant[] = ['no-expectations', 'active-means-ready'];

interface Flavour {
  caseName: string;
  kind: 'ReplicaSet' | 'ReplicationController';
  actor: string;
  upstreamFile: string;
  resource: InformerResource;
  ref: ResourceRef;
  manager: typeof newReplicaSetManager;
  object(replicas: number): KubeObject;
}

const template = { metadata: { labels: { app: name }, annotations: { [ignoreSigtermAnnotation]: 'true' } }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'nginx' }] } };

const mutants: Mutant[] = [
  { name: 'no-expectations', kind: 'mutant', description: 'manageReplicas runs on every sync without waiting for its creates and deletes to show in the cache (no ControllerExpectations)' },
  { name: 'active-means-ready', kind: 'mutant', description: 'only Ready pods count as active, so pods still starting are made again' },
];

function replicaSetCase(f: Flavour): ScenarioCase {
  const owner = `${f.kind}/${name}`;
  const replicasAt = (state: ReadonlyMap<string, { replicas?: number }>): number => state.get(owner)?.replicas ?? 1;
  return {
    name: f.caseName,
    kind: 'property',
    title: `${f.kind}: never more pods than replicas made, never fewer deleted, converges`,
    upstream: { issue: `kubernetes/kubernetes ${f.upstreamFile}`, fix: '', url: `https://github.com/kubernetes/kubernetes/blob/master/${f.upstreamFile}` },
    description:
      `A ${f.kind} of 3 replicas on two simulated nodes: created, scaled to 1, scaled back to 3, each step after its status shows the previous one. ` +
      'On every committed change: a pod is created only while fewer than spec.replicas live pods exist, and marked for deletion only while more do. At quiescence: exactly spec.replicas live pods, Running and Ready.',
    horizonMs,
    // The controller, the node agent and the scheduler retry failed requests as upstream's do.
    faultTolerant: [f.actor, ...clusterActors],
    mutants,
    async run({ world, mutant }) {
      if (mutant !== undefined && !(variants as readonly string[]).includes(mutant)) throw new Error(`unknown mutant ${mutant}`);
      const mgr = f.manager({ kc: world.kc(f.actor), clock: world.clock, logger: reconcileErrorNotes(world, f.actor), ...(mutant ? { variant: mutant as ReplicaSetVariant } : {}) });
      const sets = mgr.informerFor<ReplicaSet>(f.resource);
      await startCluster(world, horizonMs, [mgr], [f.kind]);
      const user = world.client('user');
      const settled = (replicas: number) => (): boolean => {
        const s = sets.lister().getByName(ns, name);
        const st = s?.status ?? {};
        return !!s && (st.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) && st.replicas === replicas && st.readyReplicas === replicas;
      };
      const step = async (what: string, act: () => Promise<unknown>, replicas: number): Promise<void> => {
        world.note('user', 'step', what);
        await act();
        if (!(await world.runUntil(settled(replicas), horizonMs))) world.note('user', 'step', `${what}: not settled within the horizon`);
      };
      await step(`create ${f.kind} web (replicas 3)`, () => user.create(f.ref, f.object(3)), 3);
      await step('scale to 1', () => user.patch(f.ref, name, { spec: { replicas: 1 } }), 1);
      await step('scale to 3', () => user.patch(f.ref, name, { spec: { replicas: 3 } }), 3);
    },
    invariants: [
      {
        name: 'no-more-than-replicas',
        kind: 'safety',
        check({ history }) {
          const out: Violation[] = [];
          replay(committed(history), (state, c) => {
            if (c.kind !== 'Pod' || c.owner !== owner || c.type !== 'ADDED' || out.length > 0) return;
            const live = podsOf(state, owner).filter(isLive);
            if (live.length > replicasAt(state)) out.push(violation('no-more-than-replicas', `pod ${c.name} was created while ${live.length - 1} live pods of ${f.kind} web existed, spec.replicas ${replicasAt(state)}`, [c.seq, ...live.map((p) => p.seq)]));
          });
          return out;
        },
      },
      {
        name: 'no-fewer-than-replicas',
        kind: 'safety',
        check({ history }) {
          const out: Violation[] = [];
          replay(committed(history), (state, c, before) => {
            if (c.kind !== 'Pod' || c.owner !== owner || !c.deleting || out.length > 0) return;
            const prev = before.get(`Pod/${c.name}`);
            if (!prev || prev.deleting) return;
            const live = podsOf(before, owner).filter(isLive);
            if (live.length <= replicasAt(state)) out.push(violation('no-fewer-than-replicas', `pod ${c.name} was marked for deletion while only ${live.length} live pods of ${f.kind} web existed, spec.replicas ${replicasAt(state)}`, [c.seq]));
          });
          return out;
        },
      },
      {
        name: 'converges-to-replicas',
        kind: 'liveness',
        check({ history }) {
          const end = replay(committed(history), () => undefined);
          const pods = podsOf(end, owner);
          const replicas = replicasAt(end);
          if (pods.length === replicas && pods.every((p) => isLive(p) && isRunningAndReady(p))) return [];
          return [violation('converges-to-replicas', `at quiescence ${f.kind} web (replicas ${replicas}) has ${pods.map((p) => `${p.name} ${p.phase ?? ''}${p.ready ? ' Ready' : ''}${p.deleting ? ' terminating' : ''}`).join('; ') || 'no pods'}`, lastSeq(history))];
        },
      },
    ],
  };
}

export const replicaSetScale = replicaSetCase({
  caseName: 'replicaset-scale',
  kind: 'ReplicaSet',
  actor: controllerName,
  upstreamFile: 'pkg/controller/replicaset/replica_set.go',
  resource: replicaSetsResource,
  ref: replicaSetsIn(ns),
  manager: newReplicaSetManager,
  object: (replicas) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template } }),
});

export const replicationControllerScale = replicaSetCase({
  caseName: 'replicationcontroller-scale',
  kind: 'ReplicationController',
  actor: replicationControllerName,
  upstreamFile: 'pkg/controller/replication/replication_controller.go',
  resource: replicationControllersResource,
  ref: replicationControllersIn(ns),
  manager: newReplicationManager,
  object: (replicas) => ({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name }, spec: { replicas, selector: { app: name }, template } }),
});
