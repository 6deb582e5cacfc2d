// The node agent's process: KWOK's controllers in one Manager (sigs.k8s.io/kwok pkg/kwok/controllers/
// controller.go), one actor (`kwok-controller`) for all simulated nodes.
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import type { Logger } from '../../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { Manager, type InformerDefaults } from '../runtime/manager.ts';
import { managerProcess, type ProcessSpec } from '../runtime/supervisor.ts';
import { NodeController, simulatedNodes, type SimulatedNode } from './node.ts';
import { PodController } from './pod.ts';

export const kwokActor = 'kwok-controller';

export interface KwokOptions {
  kc: k8s.KubeConfig;
  clock: Clock;
  /** The nodes to simulate; default node-1 and node-2. */
  nodes?: readonly SimulatedNode[];
  capacity?: Readonly<Record<string, string>>;
  jobPodRunMs?: number;
  leaseDurationSeconds?: number;
  logger?: Logger;
  informerDefaults?: InformerDefaults;
}

export function newKwokManager(opts: KwokOptions, name = kwokActor): Manager {
  const nodes = opts.nodes ?? simulatedNodes(2);
  const mgr = new Manager({ kc: ActorKubeConfig.from(opts.kc, kwokActor), clock: opts.clock, name, logger: opts.logger, informerDefaults: opts.informerDefaults });
  new NodeController(mgr, { nodes, capacity: opts.capacity, leaseDurationSeconds: opts.leaseDurationSeconds, logger: opts.logger });
  new PodController(mgr, { nodes, jobPodRunMs: opts.jobPodRunMs });
  return mgr;
}

export function kwokProcess(opts: KwokOptions): ProcessSpec {
  return managerProcess(kwokActor, (runtime) => newKwokManager(opts, runtime.name));
}
