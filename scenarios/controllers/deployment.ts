// deployment-rollout: the Deployment controller's own invariants under exploration (kubernetes
// pkg/controller/deployment/rolling.go reconcileNewReplicaSet, reconcileOldReplicaSets,
// scaleDownOldReplicaSetsForRollingUpdate), with the ReplicaSet controller, the scheduler and two simulated
// nodes. A Deployment of 3 replicas (maxSurge 1, maxUnavailable 1) rolls out, then its image changes; at
// every write of the rolling update its ReplicaSets ask for at most replicas + maxSurge pods, at least
// replicas - maxUnavailable pods are available, and the rollout ends with every pod on the new template.
// That the pods themselves stay within replicas + maxSurge is checked too, but upstream does not promise it:
// exploration finds schedules where they do not, a known limitation (an old ReplicaSet's scale-down seen late).
import type { WatchItem } from '../../apiserver/storage/interface.ts';
import type { Pod } from '../../controllers/coreapi/core.ts';
import { newDeploymentManager, type DeploymentMutant } from '../../controllers/deployment/deployment.ts';
import { deploymentsIn, type Deployment } from '../../controllers/deployment/util.ts';
import { GetControllerOf, IsPodReady, newReplicaSetManager, type ReplicaSet } from '../../controllers/replicaset/replicaset.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import type { World } from '../engine/world.ts';
import { latest, objectLog, recordObjects, replay, seqOfRevision, startCluster, startControllers } from './support.ts';

const horizonMs = 3 * 60_000;
const controllers = ['deployment-controller', 'replicaset-controller'];
const ns = 'default';
const replicas = 3;
const maxSurge = 1;
const maxUnavailable = 1;
const images = ['nginx:1.27', 'nginx:1.28'] as const;

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: ns },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: images[0] }] } },
  },
};

/** The Deployment's rollout of its current generation is done (what `kubectl rollout status` waits for). */
function rolledOut(d: Deployment | undefined): boolean {
  const s = d?.status;
  return !!d && s?.observedGeneration === d.metadata.generation && s?.updatedReplicas === replicas && s?.replicas === replicas && s?.availableReplicas === replicas;
}

/** The revision at which the image update was written: the rolling update starts there. */
const rolloutStart = new WeakMap<World, number>();

/** The Deployment's pods in `live`: those that count (not ended, not being deleted). */
function activePods(live: ReadonlyMap<string, Pod>): Pod[] {
  return [...live.values()].filter((p) => p.metadata.labels?.app === 'web' && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp);
}

/** State of pods and ReplicaSets together, folded over the writes from the start of the log. */
function foldState(world: World, visit: (pods: Pod[], rss: ReplicaSet[], item: WatchItem) => void): void {
  const from = rolloutStart.get(world);
  if (from === undefined) return;
  const pods = new Map<string, Pod>();
  const rss = new Map<string, ReplicaSet>();
  for (const it of objectLog(world).all()) {
    const o = it.object;
    if (!o || (o.kind !== 'Pod' && o.kind !== 'ReplicaSet')) continue;
    const m = o.kind === 'Pod' ? (pods as Map<string, unknown>) : (rss as Map<string, unknown>);
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    if (it.type === 'DELETED') m.delete(key);
    else m.set(key, o);
    if (it.revision >= from) visit(activePods(pods), [...rss.values()].filter((rs) => GetControllerOf(rs)?.kind === 'Deployment'), it);
  }
}

export const deploymentRollout: ScenarioCase = {
  name: 'deployment-rollout',
  kind: 'property',
  title: 'A rolling update stays within maxSurge and maxUnavailable and ends on the new template',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/deployment/rolling.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/deployment/rolling.go' },
  description:
    `A Deployment of ${replicas} replicas (maxSurge ${maxSurge}, maxUnavailable ${maxUnavailable}) on two simulated nodes, with the ReplicaSet controller and the scheduler, rolls out ${images[0]}; then its image becomes ${images[1]}. ` +
    'The Deployment controller scales the new ReplicaSet up while the ReplicaSets together ask for at most replicas + maxSurge pods, and the old ones down only as far as the available pods allow. ' +
    `Invariants during the rolling update: the ReplicaSets' replicas never exceed ${replicas + maxSurge} (the pods that exist may, for a while: a known limitation of upstream's design), at least ${replicas - maxUnavailable} pods are available, and the rollout ends with ${replicas} available pods, all on ${images[1]}.`,
  horizonMs,
  faultTolerant: controllers,
  async run({ world, mutant }) {
    const log = await recordObjects(world);
    await startCluster(world, horizonMs);
    const kc = (actor: string): ReturnType<World['kc']> => world.kc(actor);
    await startControllers(world, horizonMs, [
      newReplicaSetManager({ kc: kc('replicaset-controller'), clock: world.clock }),
      newDeploymentManager({ kc: kc('deployment-controller'), clock: world.clock, ...(mutant ? { mutant: mutant as DeploymentMutant } : {}) }),
    ]);
    const setup = world.client('setup');
    const current = (): Deployment | undefined => latest<Deployment>(log, 'Deployment', ns, 'web');
    world.note('setup', 'step', `create Deployment web (${replicas} replicas, ${images[0]})`);
    await setup.create(deploymentsIn(ns), deployment);
    if (!(await world.runUntil(() => rolledOut(current()), horizonMs))) return;
    world.note('setup', 'step', `Deployment web rolled out; set image ${images[1]}`);
    const updated = await setup.patch<Deployment>(deploymentsIn(ns), 'web', { spec: { template: { spec: { containers: [{ name: 'web', image: images[1] }] } } } }, 'strategic');
    rolloutStart.set(world, Number(updated.metadata.resourceVersion));
    if (await world.runUntil(() => rolledOut(current()) && current()?.metadata.generation === 2, horizonMs)) world.note('setup', 'step', `Deployment web rolled out ${images[1]}`);
  },
  preconditions: [{ name: 'first-rollout-done', check: ({ world }) => (rolloutStart.has(world) ? undefined : `Deployment web did not roll out ${images[0]} before the horizon`) }],
  mutants: [
    { name: 'ignore-max-surge', kind: 'mutant', description: 'reconcileNewReplicaSet scales the new ReplicaSet to spec.replicas at once, ignoring maxSurge' },
    { name: 'ignore-max-unavailable', kind: 'mutant', description: 'reconcileOldReplicaSets scales the old ReplicaSets down to 0 at once, ignoring maxUnavailable and the available pods' },
  ],
  knownLimitations: [
    {
      name: 'pods-outlive-scale-down',
      description:
        "maxSurge bounds the ReplicaSets' spec.replicas (rolling.go NewRSNewReplicas counts GetReplicaCountForReplicaSets), not the pods: when the ReplicaSet controller sees an old ReplicaSet's scale-down late (its watch event held), the new ReplicaSet's pods are created before the old ones are deleted, and replicas + maxSurge + 1 or more pods exist for a while (found by explore random, 5 of 100 schedules).",
      upstream: 'kubernetes/kubernetes pkg/controller/deployment/rolling.go reconcileNewReplicaSet (ReplicaSet replicas, not pods)',
      matches: (v) => v.invariant === 'pods-within-max-surge',
    },
  ],
  invariants: [
    {
      name: 'replicasets-within-max-surge',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        foldState(world, (_pods, rss, item) => {
          const asked = rss.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
          if (out.length === 0 && asked > replicas + maxSurge) out.push(violation('replicasets-within-max-surge', `the ReplicaSets of Deployment web asked for ${asked} pods, replicas + maxSurge is ${replicas + maxSurge}`, seqOfRevision(history, item.revision)));
        });
        return out;
      },
    },
    {
      // The issue's "never more than replicas+maxSurge pods": upstream does not promise it (see knownLimitations).
      name: 'pods-within-max-surge',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        foldState(world, (pods, _rss, item) => {
          if (out.length === 0 && pods.length > replicas + maxSurge) out.push(violation('pods-within-max-surge', `${pods.length} pods of Deployment web existed (not being deleted), replicas + maxSurge is ${replicas + maxSurge}`, seqOfRevision(history, item.revision)));
        });
        return out;
      },
    },
    {
      name: 'within-max-unavailable',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        foldState(world, (pods, _rss, item) => {
          const available = pods.filter((p) => IsPodReady(p)).length;
          if (out.length === 0 && available < replicas - maxUnavailable) out.push(violation('within-max-unavailable', `${available} pods of Deployment web were available, replicas - maxUnavailable is ${replicas - maxUnavailable}`, seqOfRevision(history, item.revision)));
        });
        return out;
      },
    },
    {
      name: 'rollout-completes',
      kind: 'liveness',
      check({ world, history }) {
        const d = latest<Deployment>(objectLog(world), 'Deployment', ns, 'web');
        let pods: Pod[] = [];
        replay<Pod>(objectLog(world).all(), 'Pod', (live) => (pods = activePods(live)));
        const onNew = pods.filter((p) => p.spec.containers[0]?.image === images[1] && IsPodReady(p)).length;
        if (rolledOut(d) && d?.metadata.generation === 2 && onNew === replicas && pods.length === replicas) return [];
        return [violation('rollout-completes', `at quiescence: ${pods.length} pods, ${onNew} available on ${images[1]}; Deployment status ${JSON.stringify({ observedGeneration: d?.status?.observedGeneration, updated: d?.status?.updatedReplicas, available: d?.status?.availableReplicas })}`, lastSeq(history))];
      },
    },
  ],
};
