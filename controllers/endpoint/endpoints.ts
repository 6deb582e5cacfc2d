// The Endpoints controller (kubernetes pkg/controller/endpoint/endpoints_controller.go syncService): for a
// Service with a selector, one Endpoints object of the same name whose subsets list the selected pods' IPs
// (ready ones in addresses, others in notReadyAddresses) with the Service's ports resolved on each pod,
// repacked by port set and sorted by IP (endpoints.RepackSubsets). When the Service is gone, its Endpoints
// are deleted (syncService's NotFound branch). Left out: the last-change-trigger-time annotation, the
// over-capacity annotation and truncation at 1000 addresses.
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { GetPodCondition, podsResource, type Pod } from '../coreapi/core.ts';
import { FindPort, podsForService, servicesForPod, servicesResource, ShouldPodBeInEndpoints, type Service } from '../coreapi/service.ts';

export const controllerName = 'endpoint-controller';
const endpointsResource: InformerResource = { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints' };
const endpointsIn = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'endpoints', namespace });

interface Address {
  ip: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}
interface Subset {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports?: { name?: string; port: number; protocol: string; appProtocol?: string }[];
}

/** The subsets for a Service's pods, grouped by their resolved ports, addresses sorted by IP. */
export function subsetsFor(svc: Service, pods: readonly Pod[], variant?: EndpointsVariant): Subset[] {
  const groups = new Map<string, Subset & { ports: NonNullable<Subset['ports']> }>();
  for (const pod of pods) {
    if (!ShouldPodBeInEndpoints(pod, false)) continue;
    const ports = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = FindPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports };
    groups.set(key, group);
    const address: Address = { ip: pod.status?.podIP ?? '', ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}), targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' } };
    const ready = svc.spec.publishNotReadyAddresses === true || GetPodCondition(pod, 'Ready')?.status === 'True' || variant === 'ignore-readiness';
    (ready ? (group.addresses ??= []) : (group.notReadyAddresses ??= [])).push(address);
  }
  const byIP = (a: Address, b: Address): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  return [...groups.values()]
    .map((g) => ({ ...(g.addresses ? { addresses: g.addresses.sort(byIP) } : {}), ...(g.notReadyAddresses ? { notReadyAddresses: g.notReadyAddresses.sort(byIP) } : {}), ...(g.ports.length > 0 ? { ports: g.ports } : {}) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * Broken variants for the property case's mutants (scenarios/controllers/endpoints.ts):
 * `ignore-readiness` lists not-ready pods in addresses instead of notReadyAddresses.
 */
export type EndpointsVariant = 'ignore-readiness';

export class EndpointsController {
  private readonly client: KubeClient;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer;

  constructor(mgr: Manager, private readonly variant?: EndpointsVariant) {
    this.client = mgr.client;
    this.services = mgr.informerFor<Service>(servicesResource);
    this.pods = mgr.informerFor<Pod>(podsResource);
    this.endpoints = mgr.informerFor(endpointsResource);
    mgr
      .newController({ name: controllerName, reconcile: (_ctx, req) => this.syncService(req) })
      .for(this.services)
      .watches(this.pods, (p) => servicesForPod(p, this.services))
      .watches(this.endpoints, (e) => [{ namespace: e.metadata.namespace ?? '', name: e.metadata.name ?? '' }]);
  }

  private async syncService(req: Request): Promise<Result | void> {
    const svc = this.services.lister().getByName(req.namespace, req.name);
    const current = this.endpoints.lister().getByName(req.namespace, req.name);
    try {
      if (!svc) {
        if (current) await this.client.delete(endpointsIn(req.namespace), req.name, { preconditions: { uid: current.metadata.uid } });
        return;
      }
      if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return;
      const subsets = subsetsFor(svc, podsForService(svc, this.pods), this.variant);
      const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
      if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
      const body: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: req.name, namespace: req.namespace, labels }, ...(subsets.length > 0 ? { subsets } : {}) };
      if (!current) {
        await this.client.create(endpointsIn(req.namespace), body);
        return;
      }
      if (jsonEqual(current.subsets ?? [], subsets) && jsonEqual(current.metadata.labels ?? {}, labels)) return;
      const next: KubeObject = { ...current, metadata: { ...current.metadata, labels } };
      if (subsets.length > 0) next.subsets = subsets;
      else delete next.subsets;
      await this.client.update(endpointsIn(req.namespace), next);
    } catch (e) {
      if (isConflict(e) || isAlreadyExists(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }
}

export interface EndpointsProcessOptions extends ControllerProcessOptions {
  variant?: EndpointsVariant;
}

export function newEndpointsManager(opts: EndpointsProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new EndpointsController(mgr, opts.variant), opts, name);
}

export function endpointsProcess(opts: EndpointsProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new EndpointsController(mgr, opts.variant), opts);
}
