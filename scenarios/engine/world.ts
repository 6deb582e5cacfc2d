// A world: API servers on ephemeral loopback ports sharing one recorded history, a seeded Random and a
// virtual Clock shared by everything, and the actors as real HTTP clients. Every request waits at one
// door and every watch item passes through it; the run's Strategy decides what goes in or out at each
// quiet step (admission.ts). Time moves when the world is quiescent, straight to the next timer, or
// earlier when the strategy fires a timer while requests wait.
import { startApiServer, type ApiServer } from '../../apiserver/apiserver.ts';
import { Cacher } from '../../apiserver/storage/cacher.ts';
import { MemoryStorage } from '../../apiserver/storage/memory.ts';
import { History } from '../../apiserver/interleave/history.ts';
import { RecordingInterleaver } from '../../apiserver/interleave/interleaver.ts';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { SeededRandom } from '../../apiserver/machinery/random.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient } from '../../clients/kube/client.ts';
import { observeReconciles, type ReconcileSink } from '../../controllers/runtime/reconcileobserver.ts';
import { AdmissionGate } from './admission.ts';
import { ObjectLog } from './objectlog.ts';
import { Scheduler, type Probe } from './quiescence.ts';
import type { Strategy } from './strategy.ts';

/** Where every world's clock starts: a fixed instant, so timestamps repeat across runs. */
export const worldEpochMs = Date.UTC(2025, 2, 20, 12, 0, 0);

export interface WorldOptions {
  seed: number;
  /** API servers to start (clusterctl move needs a source and a target). */
  servers?: number;
  logger?: Logger;
  /** Chooses at every decision point; default: arrival order, nothing held, no faults. */
  strategy?: Strategy;
  /** Install the case's hints (the holds and delays that force its documented interleaving). */
  hints?: boolean;
  /** Actors that retry failed requests (controllers): the only ones the faults strategy touches. */
  faultTolerant?: readonly string[];
  /** Test-only: the names the door knows actors by (admission.ts DoorOptions.actorAlias). */
  actorAlias?: (actor: string) => string;
  /**
   * The servers share one store, each behind its own watch cache (an HA control plane over one etcd), and
   * the strategy may hold a server's cache behind the store: stale reads as a schedule decision.
   */
  sharedStorage?: boolean;
}

export class World {
  private readonly probes: Probe[] = [];
  readonly door: AdmissionGate;
  private readonly scheduler: Scheduler;
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private readonly realStart = performance.now();
  /** The end of the simulated time runUntil may cover now: early timers stay before it. */
  private horizonEnd: number | undefined;
  /** Whether the case's hints are installed (scenario run) or not (explore). */
  readonly hints: boolean;
  private killers = new Map<string, (why: string) => void>();
  /** With sharedStorage: each server's watch cache over the one store, by server index. */
  watchCaches: readonly Cacher[] = [];
  /** Every object at every resourceVersion, per store (the report's object state on click). */
  objects: ObjectLog | undefined;
  /** The stores (ObjectLog indexes) each actor was handed a KubeConfig for. */
  readonly actorStores = new Map<string, Set<number>>();

  private constructor(
    hints: boolean,
    readonly seed: number,
    readonly clock: FakeClock,
    readonly random: SeededRandom,
    readonly history: History,
    readonly interleavers: RecordingInterleaver[],
    readonly servers: ApiServer[],
    readonly logger: Logger,
    door: AdmissionGate,
  ) {
    this.hints = hints;
    this.door = door;
    this.scheduler = new Scheduler(this.probes, () => `${this.history.length}:${this.servers.map((s) => s.storage.revisionNow?.() ?? 0).join(',')}`, door);
    void this.scheduler.run();
  }

  static async create(opts: WorldOptions): Promise<World> {
    const clock = new FakeClock(worldEpochMs);
    const random = new SeededRandom(opts.seed);
    const logger = opts.logger ?? quietLogger();
    const servers: ApiServer[] = [];
    const interleavers: RecordingInterleaver[] = [];
    let history: History | undefined;
    const tolerant = new Set(opts.faultTolerant ?? []);
    const horizon: { end?: () => number | undefined } = {};
    const killers = new Map<string, (why: string) => void>();
    const door = new AdmissionGate({
      strategy: opts.strategy,
      clock,
      epochMs: worldEpochMs,
      horizonEnd: () => horizon.end?.(),
      faultTolerant: (actor) => tolerant.has(actor),
      killer: (actor) => (tolerant.has(actor) ? killers.get(actor) : undefined),
      note: (actor, tag, text) => history?.note(actor, tag, text),
      ...(opts.actorAlias ? { actorAlias: opts.actorAlias } : {}),
    });
    const shared = opts.sharedStorage ? new MemoryStorage() : undefined;
    const caches: Cacher[] = [];
    for (let i = 0; i < (opts.servers ?? 1); i++) {
      // Each server draws its names and UIDs from its own stream, derived from the seed.
      const serverRandom = new SeededRandom(opts.seed * 31 + i + 1);
      // The server needs its interleaver and the interleaver reads the server's revision: bind it late.
      const bound: { server?: ApiServer } = {};
      const cache = shared ? await Cacher.start(shared, { replayFromStart: true, clock }) : undefined;
      if (cache && shared) {
        caches.push(cache);
        door.addCache({ server: i, storeRevision: () => shared.revisionNow(), hold: () => cache.hold(), release: () => cache.release() });
      }
      const revision = (): number => bound.server?.storage.revisionNow?.() ?? 0;
      const realStart = performance.now();
      history ??= new History({ clock, now: () => performance.now() - realStart, revision });
      const interleaver = new RecordingInterleaver({ clock, history, now: () => performance.now() - realStart, revision });
      const server = await startApiServer({
        port: 0,
        host: '127.0.0.1',
        clock,
        random: serverRandom,
        logger: logger.child({ component: `apiserver-${i}` }),
        interleaver: door.wrap(interleaver, i),
        ...(cache ? { storage: cache } : {}),
        recorder: interleaver,
        watchCoalesceMs: 0,
      });
      bound.server = server;
      servers.push(server);
      interleavers.push(interleaver);
    }
    const world: World = new World(opts.hints ?? true, opts.seed, clock, random, history as History, interleavers, servers, logger, door);
    horizon.end = () => world.horizonEnd;
    world.watchCaches = caches;
    // One shared store: its versions are store 0 whichever server served them.
    world.objects = new ObjectLog(shared ? [shared] : servers.map((s) => s.storage));
    world.killers = killers;
    for (const [i, s] of servers.entries()) {
      const inter = interleavers[i] as RecordingInterleaver;
      world.probe({ name: `apiserver-${i} requests`, idle: () => inter.inFlight() === 0 });
      world.probe({ name: `apiserver-${i} watch fan-out`, idle: () => (s.storage.pendingWatchItems?.() ?? 0) === 0 });
      world.probe({ name: `apiserver-${i} controllers`, idle: () => s.registry.idle() });
    }
    return world;
  }

  /** The primary API server. */
  get server(): ApiServer {
    return this.servers[0] as ApiServer;
  }

  /** The primary server's interleaving rules. */
  get rules(): RecordingInterleaver {
    return this.interleavers[0] as RecordingInterleaver;
  }

  /** A KubeConfig acting as `actor` (bearer token and User-Agent) against server `index`. */
  kc(actor: string, index = 0): ActorKubeConfig {
    const s = this.servers[index];
    if (!s) throw new Error(`no server ${index}`);
    const kc = ActorKubeConfig.forServer(s.url, actor);
    observeReconciles(kc, this.reconcileSpans);
    const stores = this.actorStores.get(actor) ?? new Set<number>();
    stores.add(this.watchCaches.length > 0 ? 0 : index);
    this.actorStores.set(actor, stores);
    return kc;
  }

  client(actor: string, index = 0): KubeClient {
    const c = new KubeClient(this.kc(actor, index));
    this.probe({ name: `client ${actor}`, idle: () => c.idle() });
    return c;
  }

  /** Registers a part whose idleness quiescence waits for (work queues, informers, recorders, processes). */
  probe(p: Probe): void {
    this.probes.push(p);
  }

  /** Runs fn when the world closes, before the servers stop. */
  onClose(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  note(actor: string, tag: string, text: string): void {
    this.history.note(actor, tag, text);
  }

  /** The reconciles of the controllers built on this world's KubeConfigs, as reconcile entries (start, end). */
  private readonly reconcileSpans: ReconcileSink = (actor, s) => {
    const start = this.history.append({ type: 'reconcile', actor, controller: s.controller, worker: s.worker, key: s.key, phase: 'start' });
    return (end) => {
      this.history.append({
        type: 'reconcile',
        actor,
        controller: s.controller,
        worker: s.worker,
        key: s.key,
        phase: 'end',
        start: start.seq,
        result: end.result,
        ...(end.requeueAfterMs !== undefined ? { requeueAfterMs: end.requeueAfterMs } : {}),
      });
    };
  };

  /**
   * Registers how to kill `actor`'s process (its supervisor restarts it): the faults strategy may do so
   * right after one of its writes was answered, if the case names the actor fault-tolerant.
   */
  killable(actor: string, kill: (why: string) => void): void {
    this.killers.set(actor, kill);
  }

  /**
   * Installs a hint: a hold, delay or batch that forces the case's documented interleaving. Hints run
   * under `racelab scenario run` (the quick demo) and never under `racelab explore`, which has to find
   * the interleaving by itself. A fault that is the premise of the bug is workload, not a hint.
   */
  hint(install: () => void): void {
    if (this.hints) install();
  }

  /** Waits until nothing moves any more, without moving time (admitting waiting requests in order). */
  async settle(): Promise<void> {
    await this.scheduler.settle();
  }

  /**
   * Lets the world run: settle, then jump the clock to the next timer, until `done` holds, no timer is
   * left before the horizon, or the horizon passes. Returns whether `done` held.
   */
  async runUntil(done: () => boolean | Promise<boolean>, horizonMs: number): Promise<boolean> {
    const end = this.clock.now() + horizonMs;
    const outer = this.horizonEnd;
    this.horizonEnd = outer === undefined ? end : Math.min(outer, end);
    try {
      for (;;) {
        await this.settle();
        if (await done()) return true;
        const next = this.clock.nextTimerAt();
        if (next === undefined || next > end) return false;
        this.clock.runNext();
      }
    } finally {
      this.horizonEnd = outer;
    }
  }

  /** Runs until quiescent with no timer due before the horizon. */
  async runQuiet(horizonMs: number): Promise<void> {
    await this.runUntil(() => false, horizonMs);
  }

  /** Moves simulated time forward by ms, firing timers on the way, settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      await this.settle();
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > end) break;
      this.clock.runNext();
    }
    this.clock.step(Math.max(0, end - this.clock.now()));
    await this.settle();
  }

  /** Real milliseconds since the world was created. */
  elapsedMs(): number {
    return performance.now() - this.realStart;
  }

  async close(): Promise<void> {
    // Everything still waiting at the door goes in, so nothing hangs while the world shuts down.
    this.scheduler.stop();
    this.door.open();
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        this.logger.warn({ err: e }, 'cleanup failed');
      }
    }
    this.objects?.stop();
    for (const s of this.servers) await s.close();
    for (const c of this.watchCaches) {
      try {
        await c.close();
      } catch (e) {
        this.logger.warn({ err: e }, 'closing a watch cache failed');
      }
    }
  }
}
