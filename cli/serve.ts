// `racelab serve`: the API server alone, until SIGINT or SIGTERM; in memory or on etcd (--storage).
import { writeFileSync } from 'node:fs';
import { startApiServer } from '../apiserver/apiserver.ts';
import { RealClock } from '../apiserver/machinery/clock.ts';
import { createLogger } from '../apiserver/machinery/log.ts';
import type { Cacher } from '../apiserver/storage/cacher.ts';
import { resolveAccess, type AccessFlags } from './access.ts';
import { CliError, fileError } from './errors.ts';
import type { StorageSpec } from './storagespec.ts';

export interface ServeOptions extends AccessFlags {
  port: number;
  host: string;
  kubeconfig?: string;
  watchHistory?: number;
  interleaveHistory?: number;
  storage?: StorageSpec;
  etcdPrefix?: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  let stopping = false;
  const logger = createLogger({ name: 'apiserver', shuttingDown: () => stopping });
  const clock = new RealClock();
  const access = await resolveAccess(opts.host, opts, clock);
  const spec = opts.storage ?? { kind: 'memory' };
  let storage: Cacher | undefined;
  if (spec.kind === 'etcd') {
    try {
      // Loaded only for etcd: the gRPC client and its protocol definitions take a while to load.
      const { openEtcdStorage } = await import('../apiserver/storage/etcd/open.ts');
      storage = await openEtcdStorage({ url: spec.url, root: opts.etcdPrefix, historyLimit: opts.watchHistory, logger: logger.child({ component: 'watch-cache' }) });
    } catch (e) {
      throw new CliError(`cannot use etcd at ${spec.url}: ${e instanceof Error ? e.message : String(e)}`, 'start etcd there, or leave out --storage for the in-memory store');
    }
  }
  const server = await startApiServer({ port: opts.port, host: opts.host, logger, clock, watchHistory: opts.watchHistory, interleaveHistory: opts.interleaveHistory, storage, ...access.config });
  if (opts.kubeconfig) {
    try {
      writeFileSync(opts.kubeconfig, access.kubeconfig(server.url), { mode: 0o600 });
    } catch (e) {
      await server.close();
      await storage?.close();
      throw fileError('write', 'kubeconfig', opts.kubeconfig, e, 'pass --kubeconfig with a path in an existing, writable folder');
    }
  }
  // Printed once the server answers: scripts wait for this line.
  const on = spec.kind === 'etcd' ? ` on etcd ${spec.url}` : '';
  console.log(`racelab API server listening on ${access.clientUrl(server.url)}${on}${opts.kubeconfig ? ` (kubeconfig: ${opts.kubeconfig})` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // Stop accepting, end watches cleanly, let requests in flight finish within the grace period; exit 0.
      void server
        .shutdown()
        .then(() => storage?.close())
        .then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
