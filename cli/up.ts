// `racelab up`: the API server and every controller in one process, on the embedded in-memory storage,
// with a small demo world unless --empty.
import { writeFileSync } from 'node:fs';
import { startApiServer } from '../apiserver/apiserver.ts';
import { RealClock } from '../apiserver/machinery/clock.ts';
import { createLogger } from '../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../clients/kube/actor.ts';
import { resolveAccess, type AccessFlags } from './access.ts';
import { fileError } from './errors.ts';
import { startControllers, type ControllerName } from './controllers.ts';
import { seedDemo, startNodeAgent } from './demo.ts';

export interface UpOptions extends AccessFlags {
  port: number;
  host: string;
  kubeconfig?: string;
  empty?: boolean;
  fixed: boolean;
  only?: ControllerName[];
  /** Simulated nodes; default 2. */
  nodes?: number;
  /** podgc's --terminated-pod-gc-threshold. */
  terminatedPodGCThreshold?: number;
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
  const access = await resolveAccess(opts.host, opts, clock);
  const server = await startApiServer({ port: opts.port, host: opts.host, logger: logger.child({ component: 'apiserver' }), clock, ...access.config });
  const kubeconfig = access.kubeconfig(server.url);
  if (opts.kubeconfig) {
    try {
      writeFileSync(opts.kubeconfig, kubeconfig, { mode: 0o600 });
    } catch (e) {
      await server.close();
      throw fileError('write', 'kubeconfig', opts.kubeconfig, e, 'pass --kubeconfig with a path in an existing, writable folder');
    }
  }
  // With a token (or TLS) every in-process client uses the kubeconfig's credentials; its User-Agent names it.
  const secured = access.config.token !== undefined || access.config.tls !== undefined;
  const actorKc = (actor: string): ActorKubeConfig => (secured ? ActorKubeConfig.fromString(kubeconfig, actor) : ActorKubeConfig.forServer(server.url, actor));
  const controllers = startControllers({ kc: actorKc('controller-manager'), fixed: opts.fixed, only: opts.only, logger, clock, nodes: opts.nodes, terminatedPodGCThreshold: opts.terminatedPodGCThreshold });
  let stopNode: (() => Promise<void>) | undefined;
  if (!opts.empty) {
    await seedDemo(actorKc('racelab-demo'), clock);
    stopNode = await startNodeAgent(actorKc('kubelet-node-1'), clock, logger);
  }
  console.log(`racelab control plane listening on ${access.clientUrl(server.url)}${opts.kubeconfig ? ` (kubeconfig: ${opts.kubeconfig})` : ''}`);
  console.log(nextSteps(access.clientUrl(server.url), opts));
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void (async () => {
        await stopNode?.();
        await controllers.stop();
        await server.shutdown();
        resolve();
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
