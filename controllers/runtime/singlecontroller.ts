// One controller in a Manager of its own, as the actor it is named after, and as a supervised process:
// the set-up each kube-controller-manager controller here shares (kube-controller-manager starts each one
// with its own client identity, controllermanager.go startControllers).
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import type { Logger } from '../../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { Manager } from './manager.ts';
import { managerProcess, type ProcessSpec } from './supervisor.ts';

export interface ControllerProcessOptions {
  kc: k8s.KubeConfig;
  clock: Clock;
  logger?: Logger;
}

/** A Manager running only the controller `register` adds, as `actor`; `name` is the Manager's (logs). */
export function singleControllerManager(actor: string, register: (mgr: Manager) => void, opts: ControllerProcessOptions, name = actor): Manager {
  const mgr = new Manager({ kc: ActorKubeConfig.from(opts.kc, actor), clock: opts.clock, name, logger: opts.logger });
  register(mgr);
  return mgr;
}

/** The same as a process for a Supervisor: a new Manager each time the process starts. */
export function singleControllerProcess(actor: string, register: (mgr: Manager) => void, opts: ControllerProcessOptions): ProcessSpec {
  return managerProcess(actor, (runtime) => singleControllerManager(actor, register, opts, runtime.name));
}
