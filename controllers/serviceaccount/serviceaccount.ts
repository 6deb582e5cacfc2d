// The ServiceAccounts controller (kubernetes pkg/controller/serviceaccount/serviceaccounts_controller.go):
// every active namespace has the `default` ServiceAccount; one deleted is made again.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { StatusError } from '../../apiserver/machinery/errors.ts';
import { isAlreadyExists, type KubeClient } from '../../clients/kube/client.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import type { Request } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';

export const controllerName = 'serviceaccount-controller';
/** DefaultServiceAccountsControllerOptions: the accounts every namespace gets. */
export const ServiceAccounts = ['default'] as const;

/**
 * Broken variants for the property case (scenarios/controllers/serviceaccount.ts); undefined is the real one.
 * - no-recreate-on-delete: a deleted ServiceAccount does not sync its namespace again (no serviceAccountDeleted).
 * - create-without-checking-cache: every sync creates the accounts without asking the lister, and reports
 *   the AlreadyExists that follows as a failure.
 * - forbidden-is-error: the create refused because the namespace is terminating is a failure (retried).
 */
export type ServiceAccountsMutant = 'no-recreate-on-delete' | 'create-without-checking-cache' | 'forbidden-is-error';

/** The cause upstream ignores (k8s.io/api/core/v1 NamespaceTerminatingCause). */
export const NamespaceTerminatingCause = 'NamespaceTerminating';

/** apierrors.HasStatusCause. */
function hasStatusCause(e: unknown, reason: string): boolean {
  return e instanceof StatusError && (e.status.details?.causes ?? []).some((c) => c.reason === reason);
}

const namespacesResource: InformerResource = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const serviceAccountsResource: InformerResource = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount' };

export class ServiceAccountsController {
  private readonly client: KubeClient;
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private readonly mutant: ServiceAccountsMutant | undefined;

  constructor(mgr: Manager, mutant?: ServiceAccountsMutant) {
    this.client = mgr.client;
    this.mutant = mutant;
    this.namespaces = mgr.informerFor(namespacesResource);
    this.accounts = mgr.informerFor(serviceAccountsResource);
    const builder = mgr.newController({ name: controllerName, reconcile: (_ctx, req) => this.syncNamespace(req) }).for(this.namespaces);
    // serviceAccountDeleted: the account's namespace is synced again.
    if (mutant !== 'no-recreate-on-delete') builder.watches(this.accounts, (sa) => [{ namespace: '', name: sa.metadata.namespace ?? '' }], { create: () => false, update: () => false });
  }

  private async syncNamespace(req: Request): Promise<void> {
    const ns = this.namespaces.lister().getByName(undefined, req.name);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase !== 'Active') return;
    for (const name of ServiceAccounts) {
      if (this.mutant !== 'create-without-checking-cache' && this.accounts.lister().getByName(req.name, name)) continue;
      try {
        await this.client.create({ group: '', version: 'v1', plural: 'serviceaccounts', namespace: req.name }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } as KubeObject);
      } catch (e) {
        // Made meanwhile (the cache was behind), or the namespace started terminating: nothing to do.
        if (isAlreadyExists(e) && this.mutant !== 'create-without-checking-cache') continue;
        if (hasStatusCause(e, NamespaceTerminatingCause) && this.mutant !== 'forbidden-is-error') continue;
        throw e;
      }
    }
  }
}

export interface ServiceAccountsProcessOptions extends ControllerProcessOptions {
  mutant?: ServiceAccountsMutant;
}

export function newServiceAccountsManager(opts: ServiceAccountsProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new ServiceAccountsController(mgr, opts.mutant), opts, name);
}

export function serviceAccountsProcess(opts: ServiceAccountsProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new ServiceAccountsController(mgr), opts);
}
