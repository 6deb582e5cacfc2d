// The `racelab controllers` process: connect, run every controller, stop cleanly on SIGINT/SIGTERM.
import type * as k8s from '@kubernetes/client-node';
import { createLogger } from '../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../clients/kube/actor.ts';
import { kubeConfigFromFile } from '../clients/kube/config.ts';
import { startControllers, type ControllerName } from './controllers.ts';
import { CliError, fileError } from './errors.ts';

export interface ControllersCommandOptions {
  kubeconfig?: string;
  server?: string;
  fixed: boolean;
  only?: ControllerName[];
  nodes?: number;
  terminatedPodGCThreshold?: number;
}

const kubeconfigHint = 'racelab serve --kubeconfig FILE writes one, or: racelab kubeconfig --server http://127.0.0.1:6443 > FILE';

function readKubeconfig(file: string): k8s.KubeConfig {
  let kc: k8s.KubeConfig;
  try {
    kc = kubeConfigFromFile(file);
  } catch (e) {
    throw fileError('read', 'kubeconfig', file, e, kubeconfigHint);
  }
  if (!kc.getCurrentCluster()?.server) throw new CliError(`kubeconfig ${file} names no server (no current-context with a cluster)`, kubeconfigHint);
  return kc;
}

export async function runControllers(opts: ControllersCommandOptions): Promise<void> {
  let stopping = false;
  const logger = createLogger({ name: 'controller-manager', shuttingDown: () => stopping });
  const kc = opts.server ? ActorKubeConfig.forServer(opts.server, 'controller-manager') : ActorKubeConfig.from(readKubeconfig(opts.kubeconfig as string), 'controller-manager');
  const running = startControllers({ kc, fixed: opts.fixed, only: opts.only, logger, nodes: opts.nodes, terminatedPodGCThreshold: opts.terminatedPodGCThreshold });
  console.log(`racelab controller manager running ${[...running.supervisors.keys()].join(', ')} against ${kc.getCurrentCluster()?.server}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void running.stop().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
