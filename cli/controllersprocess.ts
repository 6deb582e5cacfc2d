// The `racelab controllers` process: connect, run every controller, stop cleanly on SIGINT/SIGTERM.
import { createLogger } from '../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../clients/kube/actor.ts';
import { kubeConfigFromFile } from '../clients/kube/config.ts';
import { startControllers, type ControllerName } from './controllers.ts';

export interface ControllersCommandOptions {
  kubeconfig?: string;
  server?: string;
  fixed: boolean;
  only?: ControllerName[];
  nodes?: number;
}

export async function runControllers(opts: ControllersCommandOptions): Promise<void> {
  const logger = createLogger({ name: 'controller-manager' });
  const kc = opts.server ? ActorKubeConfig.forServer(opts.server, 'controller-manager') : ActorKubeConfig.from(kubeConfigFromFile(opts.kubeconfig as string), 'controller-manager');
  const running = startControllers({ kc, fixed: opts.fixed, only: opts.only, logger, nodes: opts.nodes });
  console.log(`racelab controller manager running ${[...running.supervisors.keys()].join(', ')} against ${kc.getCurrentCluster()?.server}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      void running.stop().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
