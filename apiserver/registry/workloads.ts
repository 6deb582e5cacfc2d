// Strategies of the built-in kinds added for kubectl's first commands: defaulting (./defaults.ts), the
// status a new object starts with, generation on spec changes, container and selector validation with
// upstream's messages (pkg/apis/core/validation, pkg/apis/apps/validation, pkg/apis/batch/validation),
// and the Job's generated selector (pkg/registry/batch/job/strategy.go generateSelector).
import type { KindInfo } from '../api/kinds.ts';
import { GoValue, type FieldError } from '../machinery/errors.ts';
import { deepCopy, jsonEqual } from '../machinery/json.ts';
import { labelSelectorFromMeta, SelectorParseError } from '../machinery/labels.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import * as d from './defaults.ts';
import { defaultStrategy, readPath, type Strategy } from './strategy.ts';
import { dns1123LabelErrors } from './validation.ts';

type J = Record<string, unknown>;

/** Each kind's defaulting, by group/kind. */
export const defaulters: Readonly<Record<string, (o: J) => void>> = {
  '/Pod': d.defaultPod,
  '/PodTemplate': (o) => {
    if (isObject(o.template)) {
      const meta = isObject(o.template.metadata) ? o.template.metadata : (o.template.metadata = {});
      if ((meta as J).creationTimestamp === undefined) (meta as J).creationTimestamp = null;
      d.defaultPodSpec(isObject(o.template.spec) ? o.template.spec : (o.template.spec = {}));
    }
  },
  '/ReplicationController': (o) => d.defaultReplicaSet(o, true),
  '/Service': d.defaultService,
  '/PersistentVolumeClaim': d.defaultVolumeClaim,
  '/PersistentVolume': d.defaultPersistentVolume,
  '/LimitRange': d.defaultLimitRange,
  '/Endpoints': d.defaultEndpoints,
  'apps/Deployment': d.defaultDeployment,
  'apps/ReplicaSet': (o) => d.defaultReplicaSet(o),
  'apps/StatefulSet': d.defaultStatefulSet,
  'apps/DaemonSet': d.defaultDaemonSet,
  'batch/Job': d.defaultJob,
  'batch/CronJob': d.defaultCronJob,
  'scheduling.k8s.io/PriorityClass': d.defaultPriorityClass,
  'storage.k8s.io/StorageClass': d.defaultStorageClass,
  'networking.k8s.io/NetworkPolicy': d.defaultNetworkPolicy,
  'discovery.k8s.io/EndpointSlice': d.defaultEndpoints,
};

/** Where each kind keeps its pod template, and whether it has an apps-style selector. */
const templates: Readonly<Record<string, { template: string; selector?: 'required' | 'map' }>> = {
  '/PodTemplate': { template: '.template' },
  '/ReplicationController': { template: '.spec.template', selector: 'map' },
  'apps/Deployment': { template: '.spec.template', selector: 'required' },
  'apps/ReplicaSet': { template: '.spec.template', selector: 'required' },
  'apps/StatefulSet': { template: '.spec.template', selector: 'required' },
  'apps/DaemonSet': { template: '.spec.template', selector: 'required' },
  'batch/Job': { template: '.spec.template' },
  'batch/CronJob': { template: '.spec.jobTemplate.spec.template' },
};

/** Kinds whose generation follows spec changes (their strategies' PrepareForUpdate). */
const specGeneration = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob', '/ReplicationController', 'policy/PodDisruptionBudget', 'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy', 'networking.k8s.io/IngressClass']);

/** Kinds whose spec.selector may not change (apps/v1 ValidateDeploymentUpdate and friends, batch ValidateJobUpdate). */
const immutableSelector = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job']);

const dotted = (path: string): string => path.slice(1);

/** validateContainers: each container needs a DNS-1123 label name, unique within the pod. */
export function containerErrors(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = isObject(spec) ? spec : {};
  const names = new Set<string>();
  for (const key of ['initContainers', 'containers']) {
    const list = Array.isArray(s[key]) ? (s[key] as unknown[]) : [];
    if (key === 'containers' && list.length === 0) errs.push({ type: 'FieldValueRequired', field: `${path}.containers`, detail: '' });
    list.forEach((c, i) => {
      const name = isObject(c) && typeof c.name === 'string' ? c.name : '';
      const field = `${path}.${key}[${i}].name`;
      if (name === '') errs.push({ type: 'FieldValueRequired', field, detail: '' });
      else {
        for (const msg of dns1123LabelErrors(name)) errs.push({ type: 'FieldValueInvalid', field, badValue: name, detail: msg });
        if (names.has(name)) errs.push({ type: 'FieldValueDuplicate', field, badValue: name });
        names.add(name);
      }
    });
  }
  return errs;
}

/** A Go %#v-like rendering of a label map, for selector messages. */
function goMap(m: unknown): GoValue {
  const entries = isObject(m) ? Object.entries(m).sort(([a], [b]) => a.localeCompare(b)) : [];
  return new GoValue(`map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`);
}

function selectorErrors(key: string, obj: KubeObject): FieldError[] {
  const t = templates[key];
  if (!t?.selector) return [];
  const selector = readPath(obj, '.spec.selector');
  const labels = readPath(obj, `${t.template}.metadata.labels`);
  const labelsField = `${dotted(t.template)}.metadata.labels`;
  if (t.selector === 'map') {
    if (!isObject(selector) || Object.keys(selector).length === 0) return [{ type: 'FieldValueRequired', field: 'spec.selector', detail: '' }];
    const ok = Object.entries(selector).every(([k, v]) => isObject(labels) && labels[k] === v);
    return ok ? [] : [{ type: 'FieldValueInvalid', field: labelsField, badValue: goMap(labels), detail: '`selector` does not match template `labels`' }];
  }
  if (!isObject(selector)) return [{ type: 'FieldValueRequired', field: 'spec.selector', detail: '' }];
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) {
    return [{ type: 'FieldValueInvalid', field: 'spec.selector', badValue: new GoValue('v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}'), detail: 'empty selector is invalid for deployment' }];
  }
  try {
    const sel = labelSelectorFromMeta(selector as Parameters<typeof labelSelectorFromMeta>[0]);
    if (!sel.matches(isObject(labels) ? (labels as Record<string, string>) : {})) {
      return [{ type: 'FieldValueInvalid', field: labelsField, badValue: goMap(labels), detail: '`selector` does not match template `labels`' }];
    }
  } catch (e) {
    if (e instanceof SelectorParseError) return [{ type: 'FieldValueInvalid', field: 'spec.selector', badValue: new GoValue(JSON.stringify(selector)), detail: e.message }];
    throw e;
  }
  return [];
}

/** generateSelector: the Job's pods carry its uid and name, and the selector matches the uid. */
function generateJobSelector(job: KubeObject): void {
  const spec = isObject(job.spec) ? job.spec : (job.spec = {});
  if ((spec as J).manualSelector === true) return;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const template = isObject((spec as J).template) ? ((spec as J).template as J) : ((spec as J).template = {});
  const meta = isObject(template.metadata) ? (template.metadata as J) : (template.metadata = {});
  (meta as J).labels = { ...(isObject((meta as J).labels) ? ((meta as J).labels as J) : {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  if (!isObject((spec as J).selector)) (spec as J).selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

/** Rules beyond containers and selectors, per kind, on create and update (each cites its upstream validation). */
const extraValidation: Readonly<Record<string, (obj: KubeObject) => FieldError[]>> = {
  // batch/validation validateJobSpec: a Job's pods may not restart Always.
  'batch/Job': (obj) => {
    const policy = readPath(obj, '.spec.template.spec.restartPolicy');
    if (policy === 'OnFailure' || policy === 'Never') return [];
    return policy === undefined || policy === ''
      ? [{ type: 'FieldValueRequired', field: 'spec.template.spec.restartPolicy', detail: 'valid values: "OnFailure", "Never"' }]
      : [{ type: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', badValue: policy, detail: 'supported values: "OnFailure", "Never"' }];
  },
  'batch/CronJob': (obj) => {
    const errs: FieldError[] = [];
    if (typeof readPath(obj, '.spec.schedule') !== 'string' || readPath(obj, '.spec.schedule') === '') errs.push({ type: 'FieldValueRequired', field: 'spec.schedule', detail: '' });
    const policy = readPath(obj, '.spec.jobTemplate.spec.template.spec.restartPolicy');
    if (policy !== 'OnFailure' && policy !== 'Never') errs.push({ type: 'FieldValueRequired', field: 'spec.jobTemplate.spec.template.spec.restartPolicy', detail: 'valid values: "OnFailure", "Never"' });
    return errs;
  },
  // rbac/validation ValidateRoleBinding: roleRef names a Role or ClusterRole.
  'rbac.authorization.k8s.io/RoleBinding': (obj) => roleRefErrors(obj, ['Role', 'ClusterRole']),
  'rbac.authorization.k8s.io/ClusterRoleBinding': (obj) => roleRefErrors(obj, ['ClusterRole']),
};

/** Update rules: fields upstream freezes once set. */
const extraUpdateValidation: Readonly<Record<string, (obj: KubeObject, old: KubeObject) => FieldError[]>> = {
  // rbac/validation ValidateRoleBindingUpdate.
  'rbac.authorization.k8s.io/RoleBinding': (obj, old) => roleRefUpdateErrors(obj, old),
  'rbac.authorization.k8s.io/ClusterRoleBinding': (obj, old) => roleRefUpdateErrors(obj, old),
  // scheduling/validation ValidatePriorityClassUpdate.
  'scheduling.k8s.io/PriorityClass': (obj, old) => (jsonEqual(obj.value, old.value) ? [] : [{ type: 'FieldValueForbidden', field: 'value', detail: 'may not be changed in an update.' }]),
  // apps/validation ValidateStatefulSetUpdate: only these spec fields may change.
  'apps/StatefulSet': (obj, old) => {
    const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
    const strip = (o: KubeObject): J => Object.fromEntries(Object.entries(isObject(o.spec) ? o.spec : {}).filter(([k]) => !mutable.includes(k)));
    return jsonEqual(strip(obj), strip(old)) ? [] : [{ type: 'FieldValueForbidden', field: 'spec', detail: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" }];
  },
};

function goRoleRef(ref: unknown): GoValue {
  const r = isObject(ref) ? ref : {};
  return new GoValue(`rbac.RoleRef{APIGroup:${JSON.stringify(r.apiGroup ?? '')}, Kind:${JSON.stringify(r.kind ?? '')}, Name:${JSON.stringify(r.name ?? '')}}`);
}

function roleRefErrors(obj: KubeObject, kinds: string[]): FieldError[] {
  const ref = isObject(obj.roleRef) ? obj.roleRef : {};
  const errs: FieldError[] = [];
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') errs.push({ type: 'FieldValueNotSupported', field: 'roleRef.apiGroup', badValue: ref.apiGroup ?? '', detail: 'supported values: "rbac.authorization.k8s.io"' });
  if (!kinds.includes(String(ref.kind))) errs.push({ type: 'FieldValueNotSupported', field: 'roleRef.kind', badValue: ref.kind ?? '', detail: `supported values: ${kinds.map((k) => `"${k}"`).join(', ')}` });
  if (typeof ref.name !== 'string' || ref.name === '') errs.push({ type: 'FieldValueRequired', field: 'roleRef.name', detail: '' });
  return errs;
}

function roleRefUpdateErrors(obj: KubeObject, old: KubeObject): FieldError[] {
  return jsonEqual(obj.roleRef, old.roleRef) ? [] : [{ type: 'FieldValueInvalid', field: 'roleRef', badValue: goRoleRef(obj.roleRef), detail: 'cannot change roleRef' }];
}

export function workloadStrategy(info: KindInfo, base: Strategy = defaultStrategy(info)): Strategy {
  const key = `${info.group}/${info.kind}`;
  const defaulter = defaulters[key];
  const t = templates[key];
  const status = d.initialStatus[key];
  return {
    ...base,
    generation: specGeneration.has(key) ? 'spec' : base.generation,
    prepareForCreate: (obj) => {
      base.prepareForCreate(obj);
      if (key === 'batch/Job') generateJobSelector(obj);
      defaulter?.(obj as unknown as J);
      if (status) obj.status = status();
    },
    prepareForUpdate: (obj, old) => {
      base.prepareForUpdate(obj, old);
      if (!defaulter) return;
      // An update shares unchanged parts with the stored (frozen) object; default a copy.
      for (const k of Object.keys(obj)) if (k !== 'metadata') (obj as unknown as J)[k] = deepCopy((obj as unknown as J)[k]);
      defaulter(obj as unknown as J);
    },
    validate: (obj) => {
      const errs = [...base.validate(obj)];
      if (t) errs.push(...containerErrors(readPath(obj, `${t.template}.spec`), `${dotted(t.template)}.spec`));
      if (key === '/Pod') errs.push(...containerErrors(obj.spec, 'spec'));
      errs.push(...selectorErrors(key, obj));
      errs.push(...(extraValidation[key]?.(obj) ?? []));
      return errs;
    },
    validateUpdate: (obj, old) => {
      const errs = [...(base.validateUpdate?.(obj, old) ?? [])];
      errs.push(...(extraUpdateValidation[key]?.(obj, old) ?? []));
      if (immutableSelector.has(key) && !jsonEqual(readPath(obj, '.spec.selector'), readPath(old, '.spec.selector'))) {
        errs.push({ type: 'FieldValueInvalid', field: 'spec.selector', badValue: new GoValue(JSON.stringify(readPath(obj, '.spec.selector'))), detail: 'field is immutable' });
      }
      return errs;
    },
  };
}
