// `racelab up`: the API server and every controller in one process, on the embedded in-memory storage,
// with a small demo world unless --empty.
import { writeFileSync } from 'node:fs';
import { startApiServer } from '../apiserver/apiserver.ts';
import { RealClock } from '../apiserver/machinery/clock.ts';
import { createLogger } from '../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../clients/kube/actor.ts';
import { kubeconfigYaml } from '../clients/kube/kubeconfig.ts';
import { fileError } from './errors.ts';
import { startControllers, type ControllerName } from './controllers.ts';
import { seedDemo, startNodeAgent } from './demo.ts';

export interface UpOptions {
  port: number;
  host: string;
  kubeconfig?: string;
  empty?: boolean;
  fixed: boolean;
  only?: ControllerName[];
}

/** What to try next, printed once the control plane answers. */
export function nextSteps(url: string, opts: Pick<UpOptions, 'kubeconfig' | 'empty'>): string {
  const kubectl = `kubectl --kubeconfig ${opts.kubeconfig ?? 'kubeconfig'}`;
  const lines = ['', 'Next steps, in another terminal:'];
  if (!opts.kubeconfig) lines.push(`  racelab kubeconfig --server ${url} > kubeconfig      # no --kubeconfig was given: write one`);
  lines.push(
    ...(opts.empty
      ? [`  ${kubectl} get namespaces`, `  ${kubectl} api-resources | grep cluster.x-k8s.io`]
      : [`  ${kubectl} get machinesets,machines`, `  ${kubectl} get pods,resourceslices`]),
    `  curl -s ${url}/racelab/v1/history | head -c 600     # every request, reply and watch delivery, in order`,
    'Stop with Ctrl-C.',
    '',
  );
  return lines.join('\n');
}

export async function up(opts: UpOptions): Promise<void> {
  let stopping = false;
  const logger = createLogger({ name: 'racelab', shuttingDown: () => stopping });
  const clock = new RealClock();
  const server = await startApiServer({ port: opts.port, host: opts.host, logger: logger.child({ component: 'apiserver' }), clock });
  if (opts.kubeconfig) {
    try {
      writeFileSync(opts.kubeconfig, kubeconfigYaml(server.url, 'admin'));
    } catch (e) {
      await server.close();
      throw fileError('write', 'kubeconfig', opts.kubeconfig, e, 'pass --kubeconfig with a path in an existing, writable folder');
    }
  }
  const controllers = startControllers({ kc: ActorKubeConfig.forServer(server.url, 'controller-manager'), fixed: opts.fixed, only: opts.only, logger, clock });
  let stopNode: (() => Promise<void>) | undefined;
  if (!opts.empty) {
    await seedDemo(ActorKubeConfig.forServer(server.url, 'racelab-demo'));
    stopNode = await startNodeAgent(ActorKubeConfig.forServer(server.url, 'kubelet-node-1'), clock, logger);
  }
  console.log(`racelab control plane listening on ${server.url}${opts.kubeconfig ? ` (kubeconfig: ${opts.kubeconfig})` : ''}`);
  console.log(nextSteps(server.url, opts));
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      stopping = true;
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
