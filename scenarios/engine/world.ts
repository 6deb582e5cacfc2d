// A world: API servers on ephemeral loopback ports sharing one recorded history, a seeded Random and a
// virtual Clock shared by everything, and the actors as real HTTP clients. Time moves only when the
// world is quiescent, and then straight to the next timer.
import { startApiServer, type ApiServer } from '../../apiserver/apiserver.ts';
import { History } from '../../apiserver/interleave/history.ts';
import { RecordingInterleaver } from '../../apiserver/interleave/interleaver.ts';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { SeededRandom } from '../../apiserver/machinery/random.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient } from '../../clients/kube/client.ts';
import { AdmissionGate } from './admission.ts';
import { Scheduler, type Probe } from './quiescence.ts';

/** Where every world's clock starts: a fixed instant, so timestamps repeat across runs. */
export const worldEpochMs = Date.UTC(2025, 2, 20, 12, 0, 0);

export interface WorldOptions {
  seed: number;
  /** API servers to start (clusterctl move needs a source and a target). */
  servers?: number;
  logger?: Logger;
}

export class World {
  private readonly probes: Probe[] = [];
  readonly door: AdmissionGate;
  private readonly scheduler: Scheduler;
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private readonly realStart = performance.now();

  private constructor(
    readonly seed: number,
    readonly clock: FakeClock,
    readonly random: SeededRandom,
    readonly history: History,
    readonly interleavers: RecordingInterleaver[],
    readonly servers: ApiServer[],
    readonly logger: Logger,
    door: AdmissionGate,
  ) {
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
    const door = new AdmissionGate();
    for (let i = 0; i < (opts.servers ?? 1); i++) {
      // Each server draws its names and UIDs from its own stream, derived from the seed.
      const serverRandom = new SeededRandom(opts.seed * 31 + i + 1);
      // The server needs its interleaver and the interleaver reads the server's revision: bind it late.
      const bound: { server?: ApiServer } = {};
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
        interleaver: door.wrap(interleaver),
        recorder: interleaver,
        watchCoalesceMs: 0,
      });
      bound.server = server;
      servers.push(server);
      interleavers.push(interleaver);
    }
    const world = new World(opts.seed, clock, random, history as History, interleavers, servers, logger, door);
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
    return ActorKubeConfig.forServer(s.url, actor);
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
    for (;;) {
      await this.settle();
      if (await done()) return true;
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > end) return false;
      this.clock.runNext();
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
    for (const s of this.servers) await s.close();
  }
}
