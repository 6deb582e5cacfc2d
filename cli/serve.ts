// `racelab serve`: the API server alone, until SIGINT or SIGTERM.
import { writeFileSync } from 'node:fs';
import { startApiServer } from '../apiserver/apiserver.ts';
import { createLogger } from '../apiserver/machinery/log.ts';
import { kubeconfigYaml } from '../clients/kube/kubeconfig.ts';
import { fileError } from './errors.ts';

export interface ServeOptions {
  port: number;
  host: string;
  kubeconfig?: string;
  watchHistory?: number;
}

export async function serve(opts: ServeOptions): Promise<void> {
  let stopping = false;
  const logger = createLogger({ name: 'apiserver', shuttingDown: () => stopping });
  const server = await startApiServer({ port: opts.port, host: opts.host, logger, watchHistory: opts.watchHistory });
  if (opts.kubeconfig) {
    try {
      writeFileSync(opts.kubeconfig, kubeconfigYaml(server.url, 'admin'));
    } catch (e) {
      await server.close();
      throw fileError('write', 'kubeconfig', opts.kubeconfig, e, 'pass --kubeconfig with a path in an existing, writable folder');
    }
  }
  // Printed once the server answers: scripts wait for this line.
  console.log(`racelab API server listening on ${server.url}${opts.kubeconfig ? ` (kubeconfig: ${opts.kubeconfig})` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
