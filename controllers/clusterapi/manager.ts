// capi-controller-manager in miniature: the Cluster and MachineSet controllers in one Manager (one process,
// one actor), as upstream runs them (main.go setupReconcilers).
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import type { Logger } from '../../apiserver/machinery/log.ts';
import type { Random } from '../../apiserver/machinery/random.ts';
import { Manager, type InformerDefaults } from '../runtime/manager.ts';
import { ClusterReconciler, type ClusterReconcilerOptions } from './cluster.ts';
import { MachineSetReconciler, type MachineSetReconcilerOptions } from './machineset.ts';
import { actorConfig } from './util.ts';

export interface CapiControllerManagerOptions {
  kc: k8s.KubeConfig;
  /** The actor (bearer token and User-Agent) on kc's server. Default 'capi-controller-manager'; null: kc's own credentials. */
  actor?: string | null;
  clock: Clock;
  /** Machine names. */
  random: Random;
  /** The MachineSet controller's variant (kubernetes-sigs/cluster-api #11211); the Cluster controller has none. */
  fixed: boolean;
  logger?: Logger;
  informerDefaults?: InformerDefaults;
  cluster?: Omit<ClusterReconcilerOptions, 'logger'>;
  machineSet?: Omit<MachineSetReconcilerOptions, 'fixed' | 'random' | 'logger'>;
}

export function newCapiControllerManager(opts: CapiControllerManagerOptions): { manager: Manager; cluster: ClusterReconciler; machineSet: MachineSetReconciler } {
  const actor = opts.actor === null ? undefined : (opts.actor ?? 'capi-controller-manager');
  const manager = new Manager({ kc: actorConfig(opts.kc, actor), clock: opts.clock, name: actor ?? 'capi-controller-manager', logger: opts.logger, informerDefaults: opts.informerDefaults });
  const cluster = new ClusterReconciler(manager, { ...opts.cluster, logger: opts.logger });
  const machineSet = new MachineSetReconciler(manager, { ...opts.machineSet, fixed: opts.fixed, random: opts.random, logger: opts.logger });
  return { manager, cluster, machineSet };
}
