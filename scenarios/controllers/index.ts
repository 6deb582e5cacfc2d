// The re-implemented controllers' property cases: each runs one controller (with the simulated nodes and
// scheduler it needs) under exploration, and its own invariants (a Deployment never has more than
// replicas+maxSurge pods, a Job never exceeds its completions, …) must hold on every schedule. They have
// only the `fixed` variant (ScenarioCase.kind 'property'); their mutants break the controller.
import type { ScenarioCase } from '../engine/types.ts';
import { cronJobConcurrency } from './cronjob.ts';
import { daemonSetOnePerNode } from './daemonset.ts';
import { deploymentRollout } from './deployment.ts';
import { disruptionEvictions } from './disruption.ts';
import { endpointsReadyPods } from './endpoints.ts';
import { jobCompletions } from './job.ts';
import { replicaSetScale, replicationControllerScale } from './replicaset.ts';
import { podGCTerminated } from './podgc.ts';
import { serviceAccountDefault } from './serviceaccount.ts';
import { statefulSetOrdered } from './statefulset.ts';

export const controllerCases: readonly ScenarioCase[] = [
  replicaSetScale,
  replicationControllerScale,
  deploymentRollout,
  statefulSetOrdered,
  daemonSetOnePerNode,
  jobCompletions,
  cronJobConcurrency,
  disruptionEvictions,
  endpointsReadyPods,
  serviceAccountDefault,
  podGCTerminated,
];
