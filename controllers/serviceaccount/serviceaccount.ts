// The ServiceAccounts controller (kubernetes pkg/controller/serviceaccount/serviceaccounts_controller.go):
// every active namespace has the `default` ServiceAccount; one deleted is made again.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { codeOf, isAlreadyExists, type KubeClient } from '../../clients/kube/client.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import type { Request } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';

export const controllerName = 'serviceaccount-controller';
/** DefaultServiceAccountsControllerOptions: the accounts every namespace gets. */
export const ServiceAccounts = ['default'] as const;

const namespacesResource: InformerResource = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const serviceAccountsResource: InformerResource = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount' };

export class ServiceAccountsController {
  private readonly client: KubeClient;
  private readonly namespaces: Informer;
  private readonly accounts: Informer;

  constructor(mgr: Manager) {
    this.client = mgr.client;
    this.namespaces = mgr.informerFor(namespacesResource);
    this.accounts = mgr.informerFor(serviceAccountsResource);
    mgr
      .newController({ name: controllerName, reconcile: (_ctx, req) => this.syncNamespace(req) })
      .for(this.namespaces)
      // serviceAccountDeleted: the account's namespace is synced again.
      .watches(this.accounts, (sa) => [{ namespace: '', name: sa.metadata.namespace ?? '' }], { create: () => false, update: () => false });
  }

  private async syncNamespace(req: Request): Promise<void> {
    const ns = this.namespaces.lister().getByName(undefined, req.name);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase !== 'Active') return;
    for (const name of ServiceAccounts) {
      if (this.accounts.lister().getByName(req.name, name)) continue;
      try {
        await this.client.create({ group: '', version: 'v1', plural: 'serviceaccounts', namespace: req.name }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } as KubeObject);
      } catch (e) {
        // Made meanwhile, or the namespace started terminating: nothing to do.
        if (!isAlreadyExists(e) && codeOf(e) !== 403) throw e;
      }
    }
  }
}

export type ServiceAccountsProcessOptions = ControllerProcessOptions;

export function newServiceAccountsManager(opts: ServiceAccountsProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new ServiceAccountsController(mgr), opts, name);
}

export function serviceAccountsProcess(opts: ServiceAccountsProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new ServiceAccountsController(mgr), opts);
}
