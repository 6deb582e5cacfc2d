// What the property cases share: a small cluster in the world (simulated nodes and the scheduler, each a
// Manager of its own as a real HTTP client through the admission door), the controllers under test started
// the same way, and the store's own log of every object write, in revision order, for invariants about
// object states (the request history names the writes, not the objects they leave behind).
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { WatchItem } from '../../apiserver/storage/interface.ts';
import type { Manager } from '../../controllers/runtime/manager.ts';
import { newKwokManager } from '../../controllers/kwok/manager.ts';
import { simulatedNodes } from '../../controllers/kwok/node.ts';
import { newSchedulerManager } from '../../controllers/scheduler/manager.ts';
import { schedulerName } from '../../controllers/scheduler/scheduler.ts';
import type { World } from '../engine/world.ts';
import { startManager } from '../cases/clusterapisupport.ts';

/** Two simulated nodes, as `racelab up`; leases renewed every 150 s so that idle time costs few writes. */
export const propertyNodes = 2;
const leaseDurationSeconds = 600;

/** The object log of each world: every write the store made, with its revision. */
const logs = new WeakMap<World, ObjectLog>();

export class ObjectLog {
  private readonly items: WatchItem[] = [];
  constructor(private readonly take: () => WatchItem[]) {}

  /** Every write so far (ADDED, MODIFIED, DELETED), in revision order. */
  all(): readonly WatchItem[] {
    this.items.push(...this.take().filter((i) => i.type !== 'BOOKMARK'));
    return this.items;
  }
}

/** Starts recording the store's writes; call before the workload. */
export async function recordObjects(world: World): Promise<ObjectLog> {
  const storage = world.server.storage;
  const watcher = storage.watch('', { fromRevision: await storage.revision() });
  const buffered: WatchItem[] = [];
  const drain = (): void => {
    buffered.push(...watcher.take());
    if (!watcher.closed) watcher.whenReady(drain);
  };
  watcher.whenReady(drain);
  world.onClose(() => watcher.stop());
  const log = new ObjectLog(() => {
    const out = [...buffered, ...watcher.take()];
    buffered.length = 0;
    return out;
  });
  logs.set(world, log);
  return log;
}

export function objectLog(world: World): ObjectLog {
  const log = logs.get(world);
  if (!log) throw new Error('the case did not record its objects (recordObjects)');
  return log;
}

/** The state of every object of `kind` after each write, folded over the log: calls visit after each write of that kind. */
export function replay<T extends KubeObject>(items: readonly WatchItem[], kind: string, visit: (live: ReadonlyMap<string, T>, item: WatchItem) => void): void {
  const live = new Map<string, T>();
  for (const it of items) {
    const o = it.object;
    if (!o || o.kind !== kind) continue;
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    if (it.type === 'DELETED') live.delete(key);
    else live.set(key, o as T);
    visit(live, it);
  }
}

/** The history seq of the write that made revision `rev` (for a violation to point at), if recorded. */
export function seqOfRevision(history: readonly HistoryEntry[], rev: number): number[] {
  for (const e of history) if (e.type === 'response' && e.rvAfter === rev) return [e.seq];
  const last = history[history.length - 1];
  return last ? [last.seq] : [];
}

/** The simulated nodes and the scheduler, started and synced; `jobPodRunMs` is how long Job pods run. */
export async function startCluster(world: World, horizonMs: number, opts: { jobPodRunMs?: number } = {}): Promise<void> {
  const kwok = newKwokManager({ kc: world.kc('kwok-controller'), clock: world.clock, nodes: simulatedNodes(propertyNodes), leaseDurationSeconds, ...(opts.jobPodRunMs !== undefined ? { jobPodRunMs: opts.jobPodRunMs } : {}) });
  await startManager(world, kwok, horizonMs);
  await startManager(world, newSchedulerManager({ kc: world.kc(schedulerName), clock: world.clock }), horizonMs);
}

/** Starts the controllers under test (each already a Manager acting as its own actor). */
export async function startControllers(world: World, horizonMs: number, managers: Manager[]): Promise<void> {
  for (const m of managers) await startManager(world, m, horizonMs);
}

/** The latest state of one object in the log, or undefined when it does not exist (now). */
export function latest<T extends KubeObject>(log: ObjectLog, kind: string, namespace: string, name: string): T | undefined {
  let cur: T | undefined;
  for (const it of log.all()) {
    const o = it.object;
    if (o?.kind !== kind || o.metadata.name !== name || (o.metadata.namespace ?? '') !== namespace) continue;
    cur = it.type === 'DELETED' ? undefined : (o as T);
  }
  return cur;
}
