// Per-kind behaviour: a small strategy object. The generic Store owns the order of the hooks
// (apiserver pkg/registry/rest/create.go BeforeCreate, update.go BeforeUpdate).
import { apiVersionOf, type KindInfo } from '../api/kinds.ts';
import { forbidden, type FieldError } from '../machinery/errors.ts';
import { crdStrategy } from './crd.ts';
import { serviceStrategy } from './service.ts';
import { workloadStrategy } from './workloads.ts';
import { jsonEqual } from '../machinery/json.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';

export type GenerationPolicy =
  /** No metadata.generation (pods, configmaps, namespaces in 1.32). */
  | 'none'
  /** +1 when spec changes (most built-ins with a spec). */
  | 'spec'
  /** +1 when anything outside metadata (and status, with a status subresource) changes: custom resources. */
  | 'nonMetadata';

export interface Strategy {
  readonly info: KindInfo;
  /** PUT without metadata.resourceVersion is allowed (false for custom resources). */
  readonly allowUnconditionalUpdate: boolean;
  /** DELETE replies with the deleted object rather than a Status. */
  readonly returnDeletedObject: boolean;
  readonly generation: GenerationPolicy;
  /** The name must be a DNS-1123 label rather than a subdomain. */
  readonly nameIsLabel: boolean;
  /** Fills defaults on create (after the generic metadata is set). */
  prepareForCreate(obj: KubeObject): void;
  /** Adjusts an update of the main resource or of a subresource, given the old object. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  validate(obj: KubeObject): FieldError[];
  /** The object's selectable fields, for field selectors. */
  fields(obj: KubeObject): Record<string, string>;
  /** Rules for updates of the main resource beyond validate (e.g. a Pod's spec is mostly immutable). */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Refuses a DELETE before anything happens (throws a StatusError). */
  beforeDelete(obj: KubeObject): void;
  /**
   * Takes what a create needs from a shared pool (a Service's clusterIP and node ports), after the defaults
   * and before validation; `existing` lists the stored objects of the kind. Returns the function that ends
   * the reservation once the create is stored or has failed.
   */
  allocate?(obj: KubeObject, existing: () => Promise<KubeObject[]>): Promise<() => void>;
  /** Finalizers the first DELETE adds, for cleanup the server does itself (CRDs). */
  finalizersOnDelete?: readonly string[];
  /**
   * RESTGracefulDeleteStrategy.CheckGracefulDelete: the grace period in seconds a first DELETE gives the
   * object (0: delete at once). Absent: the kind has no graceful deletion.
   */
  checkGracefulDelete?(obj: KubeObject, requestedSeconds: number | undefined): number;
}

/** Reads `.a.b.c` from an object; scalars become strings, others empty. */
export function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.').filter(Boolean)) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function fieldsOf(info: KindInfo, obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (info.namespaced) out['metadata.namespace'] = obj.metadata.namespace ?? '';
  for (const p of info.selectableFields) {
    const v = readPath(obj, p);
    out[p.slice(1)] = v === undefined || v === null || typeof v === 'object' ? '' : String(v);
  }
  return out;
}

const builtinGeneration: Record<string, GenerationPolicy> = {
  ResourceSlice: 'spec',
  DeviceClass: 'spec',
  DeviceTaintRule: 'spec',
  Service: 'none',
};

/** Kinds whose store returns the deleted object (ReturnDeletedObject in pod, service, serviceaccount, storageclass and resourceclaim storage.go; the namespace store's own Delete). */
const returnsDeletedObject = new Set(['Pod', 'Service', 'ServiceAccount', 'Namespace', 'ResourceClaim', 'StorageClass']);

export function defaultStrategy(info: KindInfo): Strategy {
  const custom = !info.builtin;
  return {
    info,
    allowUnconditionalUpdate: !custom,
    returnDeletedObject: !custom && returnsDeletedObject.has(info.kind),
    generation: custom ? 'nonMetadata' : (builtinGeneration[info.kind] ?? 'none'),
    nameIsLabel: info.kind === 'Namespace',
    prepareForCreate: (obj) => {
      obj.apiVersion = apiVersionOf(info);
      obj.kind = info.kind;
    },
    prepareForUpdate: (obj) => {
      obj.apiVersion = apiVersionOf(info);
      obj.kind = info.kind;
    },
    validate: () => [],
    fields: (obj) => fieldsOf(info, obj),
    beforeDelete: () => undefined,
  };
}

/** Namespaces: the `kubernetes` finalizer and the Active phase (pkg/registry/core/namespace/strategy.go). */
function namespaceStrategy(info: KindInfo): Strategy {
  const base = defaultStrategy(info);
  return {
    ...base,
    prepareForCreate: (obj) => {
      base.prepareForCreate(obj);
      const spec = isObject(obj.spec) ? obj.spec : {};
      const finalizers = Array.isArray(spec.finalizers) ? (spec.finalizers as string[]) : [];
      if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
      obj.spec = { ...spec, finalizers };
      obj.status = { phase: 'Active' };
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    },
    prepareForUpdate: (obj, old) => {
      base.prepareForUpdate(obj, old);
      // strategy.go PrepareForUpdate: finalizers change through /finalize, status through /status.
      obj.spec = old.spec;
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    },
    beforeDelete: (obj) => {
      // pkg/registry/core/namespace/storage: the system namespaces stay.
      const name = obj.metadata.name ?? '';
      if (immortalNamespaces.includes(name)) {
        throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
      }
    },
  };
}

export const immortalNamespaces = ['default', 'kube-system', 'kube-public'];

const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** core/validation ValidatePodUpdate: the spec with the updatable fields taken from the new one must equal the old. */
function podSpecUpdateErrors(next: KubeObject, old: KubeObject): FieldError[] {
  const n = isObject(next.spec) ? next.spec : {};
  const o = isObject(old.spec) ? old.spec : {};
  const munged: Record<string, unknown> = { ...o };
  const withImages = (oldList: unknown, newList: unknown): unknown => {
    if (!Array.isArray(oldList) || !Array.isArray(newList) || oldList.length !== newList.length) return oldList;
    return oldList.map((c, i) => (isObject(c) && isObject(newList[i]) ? { ...c, image: (newList[i] as Record<string, unknown>).image } : c));
  };
  munged.containers = withImages(o.containers, n.containers);
  munged.initContainers = withImages(o.initContainers, n.initContainers);
  for (const f of ['activeDeadlineSeconds', 'terminationGracePeriodSeconds']) munged[f] = n[f];
  const oldTolerations = Array.isArray(o.tolerations) ? o.tolerations : [];
  const newTolerations = Array.isArray(n.tolerations) ? n.tolerations : [];
  if (newTolerations.length >= oldTolerations.length && oldTolerations.every((t, i) => jsonEqual(t, newTolerations[i]))) munged.tolerations = n.tolerations;
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (jsonEqual(munged, n)) return [];
  const changed = [...new Set([...Object.keys(n), ...Object.keys(munged)])].filter((k) => !jsonEqual(n[k], munged[k])).sort();
  return [{ type: 'FieldValueForbidden', field: 'spec', detail: `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n  core.PodSpec{ ... changed: ${changed.join(', ')} ... }` }];
}

/** Pods start Pending (pkg/registry/core/pod/strategy.go PrepareForCreate) and keep their spec. */
function podStrategy(info: KindInfo): Strategy {
  const base = defaultStrategy(info);
  return {
    ...base,
    prepareForCreate: (obj) => {
      base.prepareForCreate(obj);
      obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
    },
    validateUpdate: podSpecUpdateErrors,
    checkGracefulDelete: podGracePeriod,
  };
}

/**
 * pkg/registry/core/pod/strategy.go CheckGracefulDelete: the requested period, else the pod's
 * terminationGracePeriodSeconds; 0 for a pod on no node or already terminated (nothing has to stop it).
 */
function podGracePeriod(pod: KubeObject, requestedSeconds: number | undefined): number {
  const spec = isObject(pod.spec) ? pod.spec : {};
  let period = requestedSeconds ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 0);
  if (typeof spec.nodeName !== 'string' || spec.nodeName === '') period = 0;
  const phase = readPath(pod, '.status.phase');
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  return period < 0 ? 1 : period;
}

/** Device taints get timeAdded when unset (pkg/registry/resource/resourceslice/strategy.go). */
function resourceSliceStrategy(info: KindInfo, now: () => string): Strategy {
  const base = defaultStrategy(info);
  const stampTaints = (obj: KubeObject): void => {
    const devices = readPath(obj, '.spec.devices');
    if (!Array.isArray(devices)) return;
    for (const d of devices) {
      const taints = readPath(d, '.basic.taints') ?? readPath(d, '.taints');
      if (!Array.isArray(taints)) continue;
      for (const t of taints) if (isObject(t) && !t.timeAdded) t.timeAdded = now();
    }
  };
  return {
    ...base,
    prepareForCreate: (obj) => {
      base.prepareForCreate(obj);
      stampTaints(obj);
    },
    prepareForUpdate: (obj, old) => {
      base.prepareForUpdate(obj, old);
      stampTaints(obj);
    },
  };
}

/** core/v1 Events must sit in the namespace of the object they are about (core/validation/events.go). */
function eventStrategy(info: KindInfo): Strategy {
  const base = defaultStrategy(info);
  return {
    ...base,
    validate: (obj) => {
      const involved = readPath(obj, '.involvedObject.namespace');
      if (typeof involved === 'string' && involved !== '' && involved !== obj.metadata.namespace) {
        return [{ type: 'FieldValueInvalid', field: 'involvedObject.namespace', badValue: involved, detail: 'does not match event.namespace' }];
      }
      return [];
    },
  };
}

/** DeviceTaintRule's taint gets timeAdded when unset (SetDefaults_DeviceTaint applies to rules too). */
function deviceTaintRuleStrategy(info: KindInfo, now: () => string): Strategy {
  const base = defaultStrategy(info);
  const stamp = (obj: KubeObject): void => {
    const taint = readPath(obj, '.spec.taint');
    if (isObject(taint) && !taint.timeAdded) taint.timeAdded = now();
  };
  return {
    ...base,
    prepareForCreate: (obj) => {
      base.prepareForCreate(obj);
      stamp(obj);
    },
    prepareForUpdate: (obj, old) => {
      base.prepareForUpdate(obj, old);
      stamp(obj);
    },
  };
}

export function strategyFor(info: KindInfo, now: () => string): Strategy {
  if (info.group === 'resource.k8s.io' && info.kind === 'DeviceTaintRule') return deviceTaintRuleStrategy(info, now);
  if (!info.group && info.kind === 'Event') return eventStrategy(info);
  if (info.group === 'apiextensions.k8s.io' && info.kind === 'CustomResourceDefinition') return crdStrategy(info, now);
  if (!info.group && info.kind === 'Namespace') return namespaceStrategy(info);
  if (!info.group && info.kind === 'Pod') return workloadStrategy(info, podStrategy(info));
  if (!info.group && info.kind === 'Service') return serviceStrategy(info);
  if (info.group === 'resource.k8s.io' && info.kind === 'ResourceSlice') return resourceSliceStrategy(info, now);
  if (info.builtin) return workloadStrategy(info);
  return defaultStrategy(info);
}
