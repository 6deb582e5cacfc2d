// What the property cases of the workload controllers share: a small world (the simulated nodes and the
// scheduler beside the controller under test, each a real HTTP client in its own Manager), and the
// record of every committed change of the kinds a case watches, written into the history as notes so that
// the invariants read the storage's own order (a request's outcome alone does not tell a pod's readiness).
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { GetPodCondition, IsNodeReady, type Node, type Pod } from '../../controllers/coreapi/core.ts';
import { GetTargetNodeName } from '../../controllers/daemonset/util.ts';
import { newKwokManager, kwokActor } from '../../controllers/kwok/manager.ts';
import { simulatedNodes } from '../../controllers/kwok/node.ts';
import type { Manager } from '../../controllers/runtime/manager.ts';
import { newSchedulerManager } from '../../controllers/scheduler/manager.ts';
import { schedulerName } from '../../controllers/scheduler/scheduler.ts';
import { notes } from '../engine/checkers.ts';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import type { World } from '../engine/world.ts';
import { reconcileErrorNotes, startManager } from '../cases/clusterapisupport.ts';

/** The simulated nodes of every property world: two, as `racelab up`'s default. */
export const nodeCount = 2;
/** The actors besides the controller under test; they retry failed requests as upstream's do. */
export const clusterActors = [kwokActor, schedulerName] as const;
/** Where the committed changes are noted (the actor of the notes) and their tag. */
export const storageActor = 'storage';
export const committedTag = 'committed';

/** One committed change, as noted: the kind and name, and the fields the invariants read. */
export interface Committed {
  seq: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: string;
  name: string;
  /** Pods: the controller owner's kind and name. */
  owner?: string;
  /** Pods: the node it runs on or is pinned to. */
  node?: string;
  phase?: string;
  ready?: boolean;
  deleting?: boolean;
  /** Pods: the controller-revision-hash label; a set: its spec.replicas. */
  revision?: string;
  index?: string;
  replicas?: number;
  generation?: number;
}

function summarize(o: KubeObject): Omit<Committed, 'seq' | 'type'> {
  const base = { kind: o.kind ?? '', name: o.metadata.name ?? '' };
  if (o.kind === 'Pod') {
    const p = o as Pod;
    const ref = (p.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    return {
      ...base,
      ...(ref ? { owner: `${ref.kind}/${ref.name}` } : {}),
      ...(GetTargetNodeName(p) ? { node: GetTargetNodeName(p) } : {}),
      phase: p.status?.phase ?? 'Pending',
      ready: GetPodCondition(p, 'Ready')?.status === 'True',
      deleting: p.metadata.deletionTimestamp !== undefined,
      ...(p.metadata.labels?.['controller-revision-hash'] ? { revision: p.metadata.labels['controller-revision-hash'] } : {}),
      ...(p.metadata.labels?.['apps.kubernetes.io/pod-index'] ? { index: p.metadata.labels['apps.kubernetes.io/pod-index'] } : {}),
    };
  }
  if (o.kind === 'Node') return { ...base, ready: IsNodeReady(o as Node) };
  const spec = (o as { spec?: { replicas?: number } }).spec;
  return { ...base, ...(spec?.replicas !== undefined ? { replicas: spec.replicas } : {}), ...(o.metadata.generation !== undefined ? { generation: o.metadata.generation } : {}) };
}

/** Notes every committed change of `kinds` (in storage order) into the history from now on. */
export async function recordCommitted(world: World, kinds: readonly string[]): Promise<void> {
  const storage = world.server.storage;
  const watcher = storage.watch('', { fromRevision: await storage.revision() });
  const wanted = new Set(kinds);
  const drain = (): void => {
    for (const item of watcher.take()) {
      const o = item.object as KubeObject | undefined;
      if (item.type === 'BOOKMARK' || !o || !wanted.has(o.kind ?? '')) continue;
      world.note(storageActor, committedTag, JSON.stringify({ type: item.type, ...summarize(o) }));
    }
    if (!watcher.closed) watcher.whenReady(drain);
  };
  watcher.whenReady(drain);
  world.onClose(() => watcher.stop());
}

/** The committed changes noted in a history, in order. */
export function committed(history: readonly HistoryEntry[]): Committed[] {
  return notes(history, committedTag, storageActor).map((n) => ({ seq: n.seq, ...(JSON.parse(n.text) as Omit<Committed, 'seq'>) }));
}

/** Replays committed changes, calling `at` with the state after each one (objects by kind/name). */
export function replay(changes: readonly Committed[], at: (state: ReadonlyMap<string, Committed>, change: Committed, before: ReadonlyMap<string, Committed>) => void): Map<string, Committed> {
  let state = new Map<string, Committed>();
  for (const c of changes) {
    const before = state;
    state = new Map(state);
    const key = `${c.kind}/${c.name}`;
    if (c.type === 'DELETED') state.delete(key);
    else state.set(key, c);
    at(state, c, before);
  }
  return state;
}

/** Pods of `owner` (`Kind/name`) in a state. */
export function podsOf(state: ReadonlyMap<string, Committed>, owner: string): Committed[] {
  return [...state.values()].filter((c) => c.kind === 'Pod' && c.owner === owner);
}

/** A live pod: not being deleted and not ended. */
export const isLive = (p: Committed): boolean => !p.deleting && p.phase !== 'Succeeded' && p.phase !== 'Failed';
export const isRunningAndReady = (p: Committed): boolean => p.phase === 'Running' && p.ready === true;

/**
 * Starts the simulated nodes, the scheduler and the managers given, each as its own process in the world,
 * and the record of committed changes of `kinds` (Pods and Nodes always).
 */
export async function startCluster(world: World, horizonMs: number, managers: readonly Manager[], kinds: readonly string[]): Promise<void> {
  await recordCommitted(world, ['Pod', 'Node', ...kinds]);
  const kwok = newKwokManager({ kc: world.kc(kwokActor), clock: world.clock, nodes: simulatedNodes(nodeCount), logger: reconcileErrorNotes(world, kwokActor) });
  const scheduler = newSchedulerManager({ kc: world.kc(schedulerName), clock: world.clock, logger: reconcileErrorNotes(world, schedulerName) });
  for (const m of [kwok, scheduler, ...managers]) await startManager(world, m, horizonMs);
}
