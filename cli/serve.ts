// `racelab serve`: the API server alone, until SIGINT or SIGTERM; in memory or on etcd (--storage).
import { writeFileSync } from 'node:fs';
import { startApiServer } from '../apiserver/apiserver.ts';
import { createLogger } from '../apiserver/machinery/log.ts';
import { kubeconfigYaml } from '../clients/kube/kubeconfig.ts';
import { openEtcdStorage } from '../apiserver/storage/etcd/open.ts';

export type StorageSpec = { kind: 'memory' } | { kind: 'etcd'; url: string };

export interface ServeOptions {
  port: number;
  host: string;
  kubeconfig?: string;
  watchHistory?: number;
  storage?: StorageSpec;
  etcdPrefix?: string;
}

/** `--storage memory` or `--storage etcd=http://HOST:PORT[,...]`; a message when it is neither. */
export function parseStorage(spec: string): StorageSpec | string {
  if (spec === 'memory') return { kind: 'memory' };
  const m = /^etcd=(.+)$/.exec(spec);
  if (!m) return `--storage must be memory or etcd=URL, got ${JSON.stringify(spec)}`;
  const urls = (m[1] as string).split(',');
  for (const u of urls) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(u)) return `--storage etcd=URL needs http://HOST:PORT URLs, got ${JSON.stringify(u)}`;
  }
  return { kind: 'etcd', url: urls.join(',') };
}

export async function serve(opts: ServeOptions): Promise<void> {
  const logger = createLogger({ name: 'apiserver' });
  const spec = opts.storage ?? { kind: 'memory' };
  const storage =
    spec.kind === 'etcd'
      ? await openEtcdStorage({ url: spec.url, root: opts.etcdPrefix, historyLimit: opts.watchHistory, logger: logger.child({ component: 'watch-cache' }) })
      : undefined;
  const server = await startApiServer({ port: opts.port, host: opts.host, logger, watchHistory: opts.watchHistory, storage });
  if (opts.kubeconfig) writeFileSync(opts.kubeconfig, kubeconfigYaml(server.url, 'admin'));
  // Printed once the server answers: scripts wait for this line.
  const on = spec.kind === 'etcd' ? ` on etcd ${spec.url}` : '';
  console.log(`racelab API server listening on ${server.url}${on}${opts.kubeconfig ? ` (kubeconfig: ${opts.kubeconfig})` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      void server
        .close()
        .then(() => storage?.close())
        .then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
