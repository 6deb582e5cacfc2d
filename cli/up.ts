// `racelab up`: the API server and every controller in one process, on the embedded in-memory storage,
// with a small demo world unless --empty.
import { writeFileSync } from 'node:fs';
import { startApiServer } from '../apiserver/apiserver.ts';
import { RealClock } from '../apiserver/machinery/clock.ts';
import { createLogger } from '../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../clients/kube/actor.ts';
import { kubeconfigYaml } from '../clients/kube/kubeconfig.ts';
import { startControllers, type ControllerName } from './controllers.ts';
import { seedDemo, startNodeAgent } from './demo.ts';

export interface UpOptions {
  port: number;
  host: string;
  kubeconfig?: string;
  empty?: boolean;
  fixed: boolean;
  only?: ControllerName[];
  /** Simulated nodes; default 2. */
  nodes?: number;
}

export async function up(opts: UpOptions): Promise<void> {
  const logger = createLogger({ name: 'racelab' });
  const clock = new RealClock();
  const server = await startApiServer({ port: opts.port, host: opts.host, logger: logger.child({ component: 'apiserver' }), clock });
  if (opts.kubeconfig) writeFileSync(opts.kubeconfig, kubeconfigYaml(server.url, 'admin'));
  const controllers = startControllers({ kc: ActorKubeConfig.forServer(server.url, 'controller-manager'), fixed: opts.fixed, only: opts.only, logger, clock, nodes: opts.nodes });
  let stopNode: (() => Promise<void>) | undefined;
  if (!opts.empty) {
    await seedDemo(ActorKubeConfig.forServer(server.url, 'racelab-demo'), clock);
    stopNode = await startNodeAgent(ActorKubeConfig.forServer(server.url, 'kubelet-node-1'), clock, logger);
  }
  console.log(`racelab control plane listening on ${server.url}${opts.kubeconfig ? ` (kubeconfig: ${opts.kubeconfig})` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      void (async () => {
        await stopNode?.();
        await controllers.stop();
        await server.close();
        resolve();
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
