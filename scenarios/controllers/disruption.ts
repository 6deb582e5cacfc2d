// disruption-evictions: the disruption controller with the Eviction API under exploration (kubernetes
// pkg/controller/disruption/disruption.go and pkg/registry/core/pod/storage/eviction.go). A ReplicaSet of 3
// replicas on two simulated nodes has a PodDisruptionBudget of maxUnavailable 1; two evictors (two drains,
// one per node) evict the pods they found on their node at once, retrying a 429 after 5 simulated seconds
// as kubectl drain does. Whatever the order of the evictions, the budget's status writes and the pods'
// updates, at least replicas - maxUnavailable pods stay healthy, disruptionsAllowed never goes below 0, and
// every eviction eventually succeeds as the ReplicaSet replaces the evicted pods.
import { reasonOf } from '../../clients/kube/client.ts';
import { podsIn, type Pod } from '../../controllers/coreapi/core.ts';
import { newDisruptionManager, pdbsIn, type DisruptionMutant, type PodDisruptionBudget } from '../../controllers/disruption/disruption.ts';
import { IsPodReady, newReplicaSetManager, replicaSetsIn, type ReplicaSet } from '../../controllers/replicaset/replicaset.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import type { World } from '../engine/world.ts';
import { latest, objectLog, recordObjects, replay, seqOfRevision, startCluster, startControllers } from './support.ts';

const horizonMs = 3 * 60_000;
const controllers = ['disruption-controller', 'replicaset-controller'];
const ns = 'default';
const replicas = 3;
const maxUnavailable = 1;
/** kubectl drain's wait between evictions refused with 429. */
const retryMs = 5_000;
const maxTries = 20;

/** The revision from which the budget held (it allowed its first disruption): the invariants count from there. */
const armed = new WeakMap<World, number>();
/** Evictions that never succeeded, per world. */
const unfinished = new WeakMap<World, string[]>();

/** One drain: evicts `pods` one by one, each until it is accepted (or gone), 429 retried after retryMs. */
async function drain(world: World, actor: string, pods: string[]): Promise<string[]> {
  const c = world.client(actor);
  const left: string[] = [];
  for (const name of pods) {
    let done = false;
    for (let i = 0; i < maxTries && !done; i++) {
      try {
        await c.createSubresource(podsIn(ns), name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } });
        done = true;
      } catch (e) {
        const reason = reasonOf(e);
        if (reason === 'NotFound') done = true;
        else if (reason === 'TooManyRequests' || reason === 'InternalError' || reason === 'Conflict') await world.clock.sleep(retryMs);
        else throw e;
      }
    }
    if (!done) left.push(name);
  }
  return left;
}

/** Healthy as the budget counts them: Ready and not being deleted. */
const healthy = (live: ReadonlyMap<string, Pod>): number => [...live.values()].filter((p) => p.metadata.labels?.app === 'web' && !p.metadata.deletionTimestamp && IsPodReady(p)).length;

export const disruptionEvictions: ScenarioCase = {
  name: 'disruption-evictions',
  kind: 'property',
  title: 'Evictions through a PodDisruptionBudget never leave fewer healthy pods than it allows',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/disruption/disruption.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/disruption/disruption.go' },
  description:
    `A ReplicaSet of ${replicas} replicas on two simulated nodes with a PodDisruptionBudget of maxUnavailable ${maxUnavailable}; two drains evict the pods of their node through pods/eviction, retrying a 429 after 5 s as kubectl drain does. ` +
    'The Eviction API spends one of status.disruptionsAllowed and records the pod in status.disruptedPods before it deletes the pod; the disruption controller counts only Ready pods that are neither being deleted nor recently evicted. ' +
    `Invariants: at least ${replicas - maxUnavailable} healthy pods at every write once the budget holds, disruptionsAllowed never below 0, and every eviction succeeds in the end with ${replicas} healthy pods.`,
  horizonMs,
  faultTolerant: controllers,
  async run({ world, mutant }) {
    const log = await recordObjects(world);
    await startCluster(world, horizonMs);
    await startControllers(world, horizonMs, [
      newReplicaSetManager({ kc: world.kc('replicaset-controller'), clock: world.clock }),
      newDisruptionManager({ kc: world.kc('disruption-controller'), clock: world.clock, ...(mutant ? { mutant: mutant as DisruptionMutant } : {}) }),
    ]);
    const setup = world.client('setup');
    world.note('setup', 'step', `create ReplicaSet web (${replicas} replicas) and PodDisruptionBudget web (maxUnavailable ${maxUnavailable})`);
    await setup.create(replicaSetsIn(ns), { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: ns }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } } satisfies ReplicaSet);
    await setup.create(pdbsIn(ns), { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: ns }, spec: { maxUnavailable, selector: { matchLabels: { app: 'web' } } } } satisfies PodDisruptionBudget);
    const budget = (): PodDisruptionBudget | undefined => latest<PodDisruptionBudget>(log, 'PodDisruptionBudget', ns, 'web');
    if (!(await world.runUntil(() => (budget()?.status?.disruptionsAllowed ?? 0) >= 1, horizonMs))) return;
    const at = Number(budget()?.metadata.resourceVersion);
    armed.set(world, at);
    const pods = (await setup.list<Pod>(podsIn(ns), { labelSelector: 'app=web' })).items;
    const on = (node: string): string[] => pods.filter((p) => p.spec.nodeName === node).map((p) => p.metadata.name ?? '');
    world.note('setup', 'step', `drain node-1 (${on('node-1').join(', ')}) and node-2 (${on('node-2').join(', ')}) at once`);
    let left: string[] | undefined;
    void Promise.all([drain(world, 'drain-node-1', on('node-1')), drain(world, 'drain-node-2', on('node-2'))]).then(
      (r) => (left = r.flat()),
      (e: unknown) => (left = [`a drain failed: ${e instanceof Error ? e.message : String(e)}`]),
    );
    if (await world.runUntil(() => left !== undefined, horizonMs)) world.note('setup', 'step', 'both drains done');
    unfinished.set(world, left ?? ['(the drains did not finish)']);
  },
  preconditions: [{ name: 'budget-held', check: ({ world }) => (armed.has(world) ? undefined : 'the budget never allowed a disruption before the horizon') }],
  mutants: [
    { name: 'ignore-disrupted-pods', kind: 'mutant', description: 'the controller counts pods the Eviction API just recorded in disruptedPods as healthy, so it can give back a disruption before the eviction deleted the pod' },
    { name: 'count-terminating-as-healthy', kind: 'mutant', description: 'the controller counts a Ready pod being deleted as healthy' },
  ],
  invariants: [
    {
      name: 'healthy-at-least-desired',
      kind: 'safety',
      check({ world, history }) {
        const from = armed.get(world);
        const out: Violation[] = [];
        if (from === undefined) return out;
        replay<Pod>(objectLog(world).all(), 'Pod', (live, item) => {
          const n = healthy(live);
          if (item.revision >= from && out.length === 0 && n < replicas - maxUnavailable) out.push(violation('healthy-at-least-desired', `${n} healthy pods of ReplicaSet web, the budget needs ${replicas - maxUnavailable}`, seqOfRevision(history, item.revision)));
        });
        return out;
      },
    },
    {
      name: 'disruptions-allowed-never-negative',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        replay<PodDisruptionBudget>(objectLog(world).all(), 'PodDisruptionBudget', (live, item) => {
          const n = live.get(`${ns}/web`)?.status?.disruptionsAllowed ?? 0;
          if (n < 0 && out.length === 0) out.push(violation('disruptions-allowed-never-negative', `PodDisruptionBudget web had disruptionsAllowed ${n}`, seqOfRevision(history, item.revision)));
        });
        return out;
      },
    },
    {
      name: 'drains-complete',
      kind: 'liveness',
      check({ world, history }) {
        const left = unfinished.get(world) ?? [];
        let n = 0;
        replay<Pod>(objectLog(world).all(), 'Pod', (live) => (n = healthy(live)));
        if (left.length === 0 && n === replicas) return [];
        return [violation('drains-complete', `at quiescence: ${left.length ? `not evicted: ${left.join(', ')}; ` : ''}${n} healthy pods of ${replicas}`, lastSeq(history))];
      },
    },
  ],
};
