// Assembles the API server: storage, registry and the HTTP adapter, with injected Clock and Random.
import { RealClock, type Clock } from './machinery/clock.ts';
import { quietLogger, type Logger } from './machinery/log.ts';
import { systemRandom, type Random } from './machinery/random.ts';
import { Registry } from './registry/registry.ts';
import { createApp, listen, type ApiServerOptions, type RunningServer } from './http/server.ts';
import type { Storage } from './storage/interface.ts';
import { MemoryStorage } from './storage/memory.ts';
import { RecordingInterleaver } from './interleave/interleaver.ts';
import { History } from './interleave/history.ts';

export interface ApiServerConfig {
  port?: number;
  host?: string;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  storage?: Storage;
  /** Events kept for watches (older resourceVersions get 410). */
  watchHistory?: number;
  /** The request path's interleaver; defaults to the recorder. */
  interleaver?: ApiServerOptions['interleaver'];
  /** Records the history and holds the rules that /racelab/v1 serves; one is made when absent. */
  recorder?: RecordingInterleaver;
  /** Watch write coalescing window (ms); 0 in deterministic worlds. */
  watchCoalesceMs?: number;
  /** How long a watch stream cut off as too slow may take to flush before its connection is closed. */
  slowWatcherGraceMs?: number;
  /** The bearer token every request must carry; none: no authentication. */
  token?: string;
  /** Regular expressions of the browser Origins accepted (--cors-allowed-origins). */
  corsAllowedOrigins?: readonly string[];
  /** Host names accepted besides loopback ones and `host` (--allowed-hosts). */
  allowedHosts?: readonly string[];
  /** Entries the interleaving history keeps (historyEntriesLimit by default); older ones are dropped. */
  interleaveHistory?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

export interface ApiServer extends RunningServer {
  registry: Registry;
  recorder: RecordingInterleaver;
  storage: Storage;
  /** Ends every open watch stream cleanly; returns how many there were. */
  closeWatches(): number;
  /**
   * A graceful stop (SIGTERM): stops accepting connections, ends every watch stream cleanly, lets the requests
   * in flight finish for up to graceMs (default shutdownGraceMs), then closes what is left.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/** How long a graceful shutdown waits for requests in flight (kube-apiserver's --shutdown-delay-duration is 0, its request timeout 60 s). */
export const shutdownGraceMs = 10_000;
/** How often a shutting-down server closes connections that went idle. */
const idleSweepMs = 50;

export async function startApiServer(cfg: ApiServerConfig = {}): Promise<ApiServer> {
  const clock = cfg.clock ?? new RealClock();
  const random = cfg.random ?? systemRandom();
  const logger = cfg.logger ?? quietLogger();
  const storage = cfg.storage ?? new MemoryStorage(cfg.watchHistory ? { historyLimit: cfg.watchHistory } : {});
  const registry = new Registry({ storage, clock, random, logger });
  await registry.bootstrap();
  const started = performance.now();
  const now = (): number => performance.now() - started;
  const revision = (): number => storage.revisionNow?.() ?? 0;
  const history = cfg.interleaveHistory !== undefined ? new History({ clock, now, revision, limitEntries: cfg.interleaveHistory }) : undefined;
  const recorder = cfg.recorder ?? new RecordingInterleaver({ clock, now, revision, history });
  const { app, closeWatches } = createApp({ registry, clock, random, logger, interleaver: cfg.interleaver ?? recorder, recorder, watchCoalesceMs: cfg.watchCoalesceMs, slowWatcherGraceMs: cfg.slowWatcherGraceMs,
    access: { token: cfg.token, corsAllowedOrigins: cfg.corsAllowedOrigins, allowedHosts: cfg.allowedHosts, bindHost: cfg.host ?? '127.0.0.1' },
  });
  const running = await listen(app, cfg.port ?? 0, cfg.host ?? '127.0.0.1', cfg.tls);
  return {
    ...running,
    registry,
    recorder,
    storage,
    closeWatches,
    close: async () => {
      registry.stop();
      await running.close();
    },
    shutdown: (graceMs = shutdownGraceMs) =>
      new Promise<void>((resolve) => {
        const transport = new RealClock();
        const timers: { cancel(): void }[] = [];
        const done = (): void => {
          for (const t of timers) t.cancel();
          registry.stop();
          resolve();
        };
        running.server.close(done);
        closeWatches();
        // Keep-alive connections close once their last response is written; the rest go when the grace ends.
        const sweep = (): void => {
          running.server.closeIdleConnections();
          timers.push(transport.setTimer(idleSweepMs, sweep));
        };
        sweep();
        timers.push(transport.setTimer(graceMs, () => running.server.closeAllConnections()));
      }),
  };
}
