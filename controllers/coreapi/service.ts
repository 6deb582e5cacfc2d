// What the Endpoints and EndpointSlice controllers share (pkg/controller/util/endpoint/controller_utils.go,
// pkg/api/v1/pod FindPort): Services, which pods back them, and a Service port's target on a pod.
import { labelSelectorFromMeta } from '../../apiserver/machinery/labels.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import type { Request } from '../runtime/controller.ts';
import { IsPodTerminal, type Pod } from './core.ts';

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec: { selector?: Record<string, string>; ports?: ServicePort[]; clusterIP?: string; publishNotReadyAddresses?: boolean; type?: string };
}

export const servicesResource: InformerResource = { group: '', version: 'v1', plural: 'services', kind: 'Service' };

/** podutil.FindPort: the target port number of a Service port on this pod, or undefined. */
export function FindPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers as { ports?: { name?: string; containerPort: number; protocol?: string }[] }[]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}

/** ShouldPodBeInEndpoints: pods with an IP that have not ended; terminating ones only where asked. */
export function ShouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (IsPodTerminal(pod) || !pod.status?.podIP) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** The pods a Service selects (a Service without a selector is managed by hand). */
export function podsForService(svc: Service, pods: Informer<Pod>): Pod[] {
  if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return [];
  const sel = labelSelectorFromMeta({ matchLabels: svc.spec.selector });
  return pods.lister().list(svc.metadata.namespace ?? '', sel);
}

/** getPodServiceMemberships: the Services of the pod's namespace whose selector matches it. */
export function servicesForPod(pod: KubeObject, services: Informer<Service>): Request[] {
  return services
    .lister()
    .list(pod.metadata.namespace ?? '')
    .filter((s) => s.spec.selector && Object.keys(s.spec.selector).length > 0 && Object.entries(s.spec.selector).every(([k, v]) => pod.metadata.labels?.[k] === v))
    .map((s) => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '' }));
}
