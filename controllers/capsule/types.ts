// Capsule's API types as the GlobalTenantResource controller sees them (capsule.clastix.io/v1beta2 at
// v0.7.2/v0.7.3): api/v1beta2/tenantresource_global.go, tenantresource_types.go, tenantresource_namespaced.go,
// tenant_labels.go. The API server serves these kinds without a schema, so the CRD defaults
// (+kubebuilder:default) are applied here on read, never written back into the object.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';

export const capsuleGroup = 'capsule.clastix.io';
export const capsuleVersion = 'v1beta2';
export const capsuleApiVersion = `${capsuleGroup}/${capsuleVersion}`;

/** The informer resources the controller reads through its cache. */
export const tenantResource: InformerResource = { group: capsuleGroup, version: capsuleVersion, plural: 'tenants', kind: 'Tenant', namespaced: false };
export const globalTenantResourceResource: InformerResource = {
  group: capsuleGroup,
  version: capsuleVersion,
  plural: 'globaltenantresources',
  kind: 'GlobalTenantResource',
  namespaced: false,
};
export const namespaceResource: InformerResource = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };

/** metav1.LabelSelector. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

/** api.AdditionalMetadataSpec. */
export interface AdditionalMetadataSpec {
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
}

/** v1beta2.ObjectReference: objects of one kind in one namespace, picked by a label selector. */
export interface ObjectReference {
  kind: string;
  namespace: string;
  apiVersion?: string;
  selector: LabelSelectorSpec;
}

/** v1beta2.ObjectReferenceStatus (JSON field order as upstream: the inlined abstract first, then name). */
export interface ObjectReferenceStatus {
  kind: string;
  namespace: string;
  apiVersion?: string;
  name: string;
}

/** v1beta2.ResourceSpec: one section of spec.resources. */
export interface ResourceSpec {
  namespaceSelector?: LabelSelectorSpec | null;
  namespacedItems?: ObjectReference[] | null;
  /** Embedded manifests (RawExtension): objects, or YAML/JSON text. */
  rawItems?: unknown[] | null;
  additionalMetadata?: AdditionalMetadataSpec | null;
}

/** v1beta2.TenantResourceSpec, inlined in GlobalTenantResourceSpec. */
export interface TenantResourceSpec {
  /** metav1.Duration; +kubebuilder:default="60s". */
  resyncPeriod?: string;
  /** +kubebuilder:default=true. */
  pruningOnDelete?: boolean | null;
  resources?: ResourceSpec[] | null;
}

export interface GlobalTenantResourceSpec extends TenantResourceSpec {
  tenantSelector?: LabelSelectorSpec | null;
}

export interface GlobalTenantResourceStatus {
  selectedTenants: string[] | null;
  processedItems: ObjectReferenceStatus[] | null;
}

export interface GlobalTenantResource extends KubeObject {
  spec?: GlobalTenantResourceSpec;
  status?: GlobalTenantResourceStatus;
}

export interface Tenant extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { state?: string; size?: number; namespaces?: string[] | null };
}

/** GetTypeLabel(&Tenant{}) (api/v1beta2/tenant_labels.go): the label tenant namespaces carry. */
export const tenantLabel = 'capsule.clastix.io/tenant';

/** controllers/resources/processor.go: the label on every replica (its section index) and the finalizer. */
export const resourcesLabel = 'capsule.clastix.io/resources';
export const resourcesFinalizer = 'capsule.clastix.io/resources';

/** The CRD default of spec.resyncPeriod. */
export const defaultResyncPeriod = '60s';

/** ObjectReferenceStatus.String(): the form the set operations work on. */
export function objectReferenceString(ref: ObjectReferenceStatus): string {
  return `Kind=${ref.kind},APIVersion=${ref.apiVersion ?? ''},Namespace=${ref.namespace},Name=${ref.name}`;
}

/** ObjectReferenceStatus.ParseFromString, with upstream's error texts. */
export function parseObjectReference(value: string): ObjectReferenceStatus {
  const rawParts = value.split(',');
  if (rawParts.length !== 4) throw new Error('unexpected raw parts');
  const out: ObjectReferenceStatus = { kind: '', namespace: '', apiVersion: '', name: '' };
  for (const part of rawParts) {
    const kv = part.split('=');
    if (kv.length !== 2) throw new Error('unrecognized separator');
    const [k, v] = kv as [string, string];
    switch (k) {
      case 'Kind':
        out.kind = v;
        break;
      case 'APIVersion':
        out.apiVersion = v;
        break;
      case 'Namespace':
        out.namespace = v;
        break;
      case 'Name':
        out.name = v;
        break;
      default:
        throw new Error(`unrecognized marker: ${k}`);
    }
  }
  return out;
}

/** ProcessedItems.AsSet(). */
export function processedItemsAsSet(items: readonly ObjectReferenceStatus[] | null | undefined): Set<string> {
  return new Set((items ?? []).map(objectReferenceString));
}

/** *spec.PruningOnDelete with the CRD default (true). */
export function pruningOnDelete(spec: TenantResourceSpec | undefined): boolean {
  return spec?.pruningOnDelete ?? true;
}

/** spec.ResyncPeriod.Duration in milliseconds, with the CRD default ("60s"). */
export function resyncPeriodMs(spec: TenantResourceSpec | undefined): number {
  return parseGoDurationMs(spec?.resyncPeriod ?? defaultResyncPeriod);
}

const durationUnitsMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** time.ParseDuration ("1h2m3.5s", "300ms", "-1s", "0"), in milliseconds; throws with Go's message when invalid. */
export function parseGoDurationMs(s: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalid();
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?([^\d.]*)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m || ((m[1] ?? '') === '' && (m[2] ?? '') === '')) throw invalid();
    if ((m[3] ?? '') === '') throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`);
    const unit = durationUnitsMs[m[3] ?? ''];
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(s)}`);
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * unit;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
