// `racelab controllers`: the controller manager as its own process, every controller (fixed by default)
// against any racelab server over HTTP, each in a supervised process that restarts after a crash.
import type * as k8s from '@kubernetes/client-node';
import { RealClock, type Clock } from '../apiserver/machinery/clock.ts';
import type { Logger } from '../apiserver/machinery/log.ts';
import { systemRandom } from '../apiserver/machinery/random.ts';
import { capsuleControllerProcess } from '../controllers/capsule/globaltenantresource.ts';
import { newCapiControllerManager } from '../controllers/clusterapi/manager.ts';
import { deviceTaintEvictionProcess } from '../controllers/devicetainteviction/controller.ts';
import { kwokProcess } from '../controllers/kwok/manager.ts';
import { simulatedNodes } from '../controllers/kwok/node.ts';
import { deploymentProcess } from '../controllers/deployment/deployment.ts';
import { replicaSetProcess } from '../controllers/replicaset/replicaset.ts';
import { jobProcess } from '../controllers/job/job.ts';
import { endpointsProcess } from '../controllers/endpoint/endpoints.ts';
import { endpointSliceProcess } from '../controllers/endpointslice/endpointslice.ts';
import { serviceAccountsProcess } from '../controllers/serviceaccount/serviceaccount.ts';
import { managerProcess, Supervisor, type ProcessSpec } from '../controllers/runtime/supervisor.ts';
import { schedulerProcess } from '../controllers/scheduler/manager.ts';

/** Every controller process, in start order; kwok is the simulated nodes' agent, scheduler kube-scheduler. */
export const controllerNames = ['kwok', 'scheduler', 'replicaset', 'deployment', 'job', 'endpoint', 'endpointslice', 'serviceaccount', 'clusterapi', 'devicetainteviction', 'capsule'] as const;
export type ControllerName = (typeof controllerNames)[number];

export interface ControllersOptions {
  kc: k8s.KubeConfig;
  fixed: boolean;
  only?: readonly ControllerName[];
  logger: Logger;
  clock?: Clock;
  /** Simulated nodes (node-1 … node-N) the kwok agent runs; default defaultNodeCount. */
  nodes?: number;
}

export const defaultNodeCount = 2;

export interface RunningControllers {
  supervisors: Map<ControllerName, Supervisor>;
  stop(): Promise<void>;
}

function specFor(name: ControllerName, opts: ControllersOptions, clock: Clock): ProcessSpec {
  const logger = opts.logger.child({ component: name });
  switch (name) {
    case 'kwok':
      return kwokProcess({ kc: opts.kc, clock, nodes: simulatedNodes(opts.nodes ?? defaultNodeCount), logger });
    case 'scheduler':
      return schedulerProcess({ kc: opts.kc, clock, logger });
    case 'replicaset':
      return replicaSetProcess({ kc: opts.kc, clock, logger });
    case 'deployment':
      return deploymentProcess({ kc: opts.kc, clock, logger });
    case 'job':
      return jobProcess({ kc: opts.kc, clock, logger });
    case 'endpoint':
      return endpointsProcess({ kc: opts.kc, clock, logger });
    case 'endpointslice':
      return endpointSliceProcess({ kc: opts.kc, clock, logger });
    case 'serviceaccount':
      return serviceAccountsProcess({ kc: opts.kc, clock, logger });
    case 'clusterapi':
      return managerProcess('capi-controller-manager', () => newCapiControllerManager({ kc: opts.kc, clock, random: systemRandom(), fixed: opts.fixed, logger }).manager);
    case 'devicetainteviction':
      return deviceTaintEvictionProcess({ kc: opts.kc, actor: 'device-taint-eviction-controller', clock, fixed: opts.fixed, logger });
    case 'capsule':
      return capsuleControllerProcess({ kc: opts.kc, clock, fixed: opts.fixed, logger, name: 'capsule-controller-manager' });
  }
}

export function startControllers(opts: ControllersOptions): RunningControllers {
  const clock = opts.clock ?? new RealClock();
  const supervisors = new Map<ControllerName, Supervisor>();
  for (const name of opts.only ?? controllerNames) {
    const logger = opts.logger.child({ component: name });
    const sup = new Supervisor({
      spec: specFor(name, opts, clock),
      clock,
      logger,
      onExit: (exit) => logger.error({ restartCount: sup.restartCount, reason: exit.reason, report: exit.report?.toString() }, 'controller process exited'),
    });
    sup.start();
    supervisors.set(name, sup);
    logger.info({ variant: opts.fixed ? 'fixed' : 'buggy' }, 'controller started');
  }
  return {
    supervisors,
    stop: async () => {
      await Promise.all([...supervisors.values()].map((s) => s.stop()));
    },
  };
}

/** --nodes: a count from 0 to 250 (each node gets 10.0.0.i and 10.244.i.0/24). */
export function parseNodes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 250) throw new Error(`--nodes must be a whole number from 0 to 250, not "${value}"`);
  return n;
}

export function parseOnly(value: string | undefined): ControllerName[] | undefined {
  if (!value) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(controllerNames as readonly string[]).includes(n)) throw new Error(`unknown controller "${n}"; known: ${controllerNames.join(', ')}`);
  }
  return names as ControllerName[];
}
