// `racelab serve`: the API server alone, until SIGINT or SIGTERM.
import { writeFileSync } from 'node:fs';
import { startApiServer } from '../apiserver/apiserver.ts';
import { createLogger } from '../apiserver/machinery/log.ts';
import { RealClock } from '../apiserver/machinery/clock.ts';
import { resolveAccess, type AccessFlags } from './access.ts';

export interface ServeOptions extends AccessFlags {
  port: number;
  host: string;
  kubeconfig?: string;
  watchHistory?: number;
  interleaveHistory?: number;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const logger = createLogger({ name: 'apiserver' });
  const clock = new RealClock();
  const access = await resolveAccess(opts.host, opts, clock);
  const server = await startApiServer({ port: opts.port, host: opts.host, logger, clock, watchHistory: opts.watchHistory, interleaveHistory: opts.interleaveHistory, ...access.config });
  if (opts.kubeconfig) writeFileSync(opts.kubeconfig, access.kubeconfig(server.url), { mode: 0o600 });
  // Printed once the server answers: scripts wait for this line.
  console.log(`racelab API server listening on ${access.clientUrl(server.url)}${opts.kubeconfig ? ` (kubeconfig: ${opts.kubeconfig})` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      // Stop accepting, end watches cleanly, let requests in flight finish within the grace period; exit 0.
      void server.shutdown().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
