// The EndpointSlice controller (kubernetes pkg/controller/endpointslice/endpointslice_controller.go and
// staging endpointslice/reconciler.go): for a Service with a selector, EndpointSlices labelled
// kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, owned by the Service, listing
// each selected pod with an IP once, with its ready, serving and terminating conditions, nodeName and
// targetRef, and the Service's ports resolved on the pods. Slices hold at most maxEndpointsPerSlice
// endpoints, in pod-name order (a named choice; upstream packs them to minimise churn).
//
// Left out: IPv6 and dual-stack slices, topology hints and zones, the trafficDistribution field, and
// per-port-set slices (pods whose named ports resolve differently share the first pod's ports).
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isConflict, isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import type { Request, Result } from '../runtime/controller.ts';
import { Manager } from '../runtime/manager.ts';
import { singleControllerManager, singleControllerProcess, type ControllerProcessOptions } from '../runtime/singlecontroller.ts';
import type { ProcessSpec } from '../runtime/supervisor.ts';
import { GetPodCondition, podsResource, type Pod } from '../coreapi/core.ts';
import { FindPort, podsForService, servicesForPod, servicesResource, ShouldPodBeInEndpoints, type Service } from '../coreapi/service.ts';

export const controllerName = 'endpointslice-controller';
/** discovery.LabelManagedBy's value for this controller (ControllerName upstream). */
export const managedBy = 'endpointslice-controller.k8s.io';
export const LabelServiceName = 'kubernetes.io/service-name';
export const LabelManagedBy = 'endpointslice.kubernetes.io/managed-by';
/** The controller's --max-endpoints-per-slice default. */
export const maxEndpointsPerSlice = 100;

const slicesResource: InformerResource = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice' };
const slicesIn = (namespace: string): ResourceRef => ({ group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespace });

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints?: { addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean }; nodeName?: string; targetRef: Record<string, string> }[];
  ports?: { name: string; port: number; protocol: string }[];
}

/**
 * Broken variants for the property case's mutants (scenarios/controllers/endpoints.ts): `stale-selector`
 * keeps the endpoints its slices already list for pods the selector no longer yields (relabelled or gone);
 * `no-slice-tracker` acts on a cache that does not yet show the slices it just created.
 */
export type EndpointSliceVariant = 'stale-selector' | 'no-slice-tracker';

export class EndpointSliceController {
  private readonly client: KubeClient;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  /** endpointSliceTracker in miniature: slices created and not yet in the cache, per Service. */
  private readonly unseen = new Map<string, Set<string>>();

  constructor(mgr: Manager, private readonly variant?: EndpointSliceVariant) {
    this.client = mgr.client;
    this.services = mgr.informerFor<Service>(servicesResource);
    this.pods = mgr.informerFor<Pod>(podsResource);
    this.slices = mgr.informerFor<EndpointSlice>(slicesResource, { labelSelector: `${LabelManagedBy}=${managedBy}` });
    mgr
      .newController({ name: controllerName, reconcile: (_ctx, req) => this.syncService(req) })
      .for(this.services)
      .watches(this.pods, (p) => servicesForPod(p, this.services))
      .watches(this.slices, (s) => [{ namespace: s.metadata.namespace ?? '', name: s.metadata.labels?.[LabelServiceName] ?? '' }]);
  }

  private desired(svc: Service, pods: Pod[]): { endpoints: NonNullable<EndpointSlice['endpoints']>; ports: NonNullable<EndpointSlice['ports']> } {
    const members = pods.filter((p) => ShouldPodBeInEndpoints(p, true)).sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    const first = members[0];
    const ports = first
      ? (svc.spec.ports ?? []).flatMap((sp) => {
          const port = FindPort(first, sp);
          return port === undefined ? [] : [{ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' }];
        })
      : [];
    const endpoints = members.map((p) => {
      const terminating = Boolean(p.metadata.deletionTimestamp);
      const serving = GetPodCondition(p, 'Ready')?.status === 'True';
      return {
        addresses: [p.status?.podIP ?? ''],
        conditions: { ready: serving && !terminating, serving, terminating },
        ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}),
        targetRef: { kind: 'Pod', namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' },
      };
    });
    return { endpoints, ports };
  }

  private async syncService(req: Request): Promise<Result | void> {
    const svc = this.services.lister().getByName(req.namespace, req.name);
    const existing = this.slices
      .lister()
      .list(req.namespace)
      .filter((s) => s.metadata.labels?.[LabelServiceName] === req.name)
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    // Until the cache shows the slices this controller created, acting again would duplicate them; the
    // slice's ADDED event brings the Service back.
    const key = `${req.namespace}/${req.name}`;
    const unseen = this.unseen.get(key);
    if (unseen && this.variant !== 'no-slice-tracker') {
      for (const s of existing) unseen.delete(s.metadata.name ?? '');
      if (unseen.size > 0) return;
      this.unseen.delete(key);
    }
    // A Service gone takes its slices with it through their ownerReferences (garbage collection).
    if (!svc || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return;
    const { endpoints, ports } = this.desired(svc, podsForService(svc, this.pods));
    if (this.variant === 'stale-selector') {
      const kept = new Set(endpoints.map((e) => e.targetRef.uid));
      for (const s of existing) for (const e of s.endpoints ?? []) if (!kept.has(e.targetRef.uid ?? '')) endpoints.push(e);
    }
    const chunks: (typeof endpoints)[] = [];
    for (let i = 0; i < endpoints.length; i += maxEndpointsPerSlice) chunks.push(endpoints.slice(i, i + maxEndpointsPerSlice));
    if (chunks.length === 0) chunks.push([]); // a Service without endpoints still has one (empty) slice
    const labels = { ...(svc.metadata.labels ?? {}), [LabelServiceName]: req.name, [LabelManagedBy]: managedBy };
    const ns = req.namespace;
    try {
      for (const [i, chunk] of chunks.entries()) {
        const cur = existing[i];
        const body = { addressType: 'IPv4', endpoints: chunk, ports };
        if (!cur) {
          const made = await this.client.create(slicesIn(ns), {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { generateName: `${req.name}-`, namespace: ns, labels, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: req.name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }] },
            ...body,
          } as EndpointSlice);
          this.unseen.set(key, (this.unseen.get(key) ?? new Set()).add(made.metadata.name ?? ''));
        } else if (!jsonEqual(cur.endpoints ?? [], chunk) || !jsonEqual(cur.ports ?? [], ports) || !jsonEqual(cur.metadata.labels ?? {}, labels)) {
          await this.client.update(slicesIn(ns), { ...cur, metadata: { ...cur.metadata, labels }, ...body } as EndpointSlice);
        }
      }
      for (const extra of existing.slice(chunks.length)) await this.client.delete(slicesIn(ns), extra.metadata.name ?? '', { preconditions: { uid: extra.metadata.uid } });
    } catch (e) {
      if (isConflict(e)) return { requeue: true };
      if (isNotFound(e)) return;
      throw e;
    }
  }
}

export interface EndpointSliceProcessOptions extends ControllerProcessOptions {
  variant?: EndpointSliceVariant;
}

export function newEndpointSliceManager(opts: EndpointSliceProcessOptions, name = controllerName): Manager {
  return singleControllerManager(controllerName, (mgr) => new EndpointSliceController(mgr, opts.variant), opts, name);
}

export function endpointSliceProcess(opts: EndpointSliceProcessOptions): ProcessSpec {
  return singleControllerProcess(controllerName, (mgr) => new EndpointSliceController(mgr, opts.variant), opts);
}
