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
import { replicaSetProcess, replicationManagerProcess } from '../controllers/replicaset/replicaset.ts';
import { jobProcess } from '../controllers/job/job.ts';
import { statefulSetProcess } from '../controllers/statefulset/statefulset.ts';
import { daemonSetProcess } from '../controllers/daemonset/daemonset.ts';
import { endpointsProcess } from '../controllers/endpoint/endpoints.ts';
import { endpointSliceProcess } from '../controllers/endpointslice/endpointslice.ts';
import { serviceAccountsProcess } from '../controllers/serviceaccount/serviceaccount.ts';
import { cronJobProcess } from '../controllers/cronjob/cronjob.ts';
import { disruptionProcess } from '../controllers/disruption/disruption.ts';
import { podGCProcess } from '../controllers/podgc/gc.ts';
import { managerProcess, Supervisor, type ProcessSpec } from '../controllers/runtime/supervisor.ts';
import { schedulerProcess } from '../controllers/scheduler/manager.ts';

import { controllerNames, type ControllerName } from './controllernames.ts';

export { controllerNames, type ControllerName };

export interface ControllersOptions {
  kc: k8s.KubeConfig;
  fixed: boolean;
  only?: readonly ControllerName[];
  logger: Logger;
  clock?: Clock;
  /** Simulated nodes (node-1 … node-N) the kwok agent runs; default defaultNodeCount. */
  nodes?: number;
  /** podgc's --terminated-pod-gc-threshold (default DefaultTerminatedPodGCThreshold; 0 keeps every terminated pod). */
  terminatedPodGCThreshold?: number;
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
    case 'replicationcontroller':
      return replicationManagerProcess({ kc: opts.kc, clock, logger });
    case 'deployment':
      return deploymentProcess({ kc: opts.kc, clock, logger });
    case 'statefulset':
      return statefulSetProcess({ kc: opts.kc, clock, logger });
    case 'daemonset':
      return daemonSetProcess({ kc: opts.kc, clock, logger });
    case 'job':
      return jobProcess({ kc: opts.kc, clock, logger });
    case 'endpoint':
      return endpointsProcess({ kc: opts.kc, clock, logger });
    case 'endpointslice':
      return endpointSliceProcess({ kc: opts.kc, clock, logger });
    case 'serviceaccount':
      return serviceAccountsProcess({ kc: opts.kc, clock, logger });
    case 'cronjob':
      return cronJobProcess({ kc: opts.kc, clock, logger });
    case 'disruption':
      return disruptionProcess({ kc: opts.kc, clock, logger });
    case 'podgc':
      return podGCProcess({ kc: opts.kc, clock, logger, terminatedPodThreshold: opts.terminatedPodGCThreshold });
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
  let stopping = false;
  for (const name of opts.only ?? controllerNames) {
    const logger = opts.logger.child({ component: name });
    const sup = new Supervisor({
      spec: specFor(name, opts, clock),
      clock,
      logger,
      // Returning because stop() cancelled it is the clean end; any other exit is a failure (restarted).
      onExit: (exit) =>
        stopping && exit.reason === 'Completed'
          ? logger.info({ restartCount: sup.restartCount }, 'controller stopped')
          : logger.error({ restartCount: sup.restartCount, reason: exit.reason, report: exit.report?.toString() }, 'controller process exited'),
    });
    sup.start();
    supervisors.set(name, sup);
    logger.info({ variant: opts.fixed ? 'fixed' : 'buggy' }, 'controller started');
  }
  return {
    supervisors,
    stop: async () => {
      stopping = true;
      await Promise.all([...supervisors.values()].map((s) => s.stop()));
    },
  };
}
