// kube-scheduler's process: the Scheduler in its own Manager, as the actor `default-scheduler`
// (cmd/kube-scheduler runs apart from the controller manager).
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import type { Logger } from '../../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { Manager, type InformerDefaults } from '../runtime/manager.ts';
import { managerProcess, type ProcessSpec } from '../runtime/supervisor.ts';
import { Scheduler, schedulerName } from './scheduler.ts';

export interface SchedulerProcessOptions {
  kc: k8s.KubeConfig;
  clock: Clock;
  logger?: Logger;
  informerDefaults?: InformerDefaults;
}

export function newSchedulerManager(opts: SchedulerProcessOptions, name = schedulerName): Manager {
  const mgr = new Manager({ kc: ActorKubeConfig.from(opts.kc, schedulerName), clock: opts.clock, name, logger: opts.logger, informerDefaults: opts.informerDefaults });
  new Scheduler(mgr, { logger: opts.logger });
  return mgr;
}

export function schedulerProcess(opts: SchedulerProcessOptions): ProcessSpec {
  return managerProcess(schedulerName, (runtime) => newSchedulerManager(opts, runtime.name));
}
