import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinKinds, type KindInfo } from '../api/kinds.ts';
import { groupsOf } from './discovery.ts';
import {
  openapiForPath,
  openapiGroupVersion,
  openapiGroupVersionPath,
  openapiHash,
  openapiRoot,
  parseOpenapiGroupVersionPath,
  schemaNameFor,
  type OpenAPIDocument,
  type Schema,
} from './openapi.ts';

type GVK = { group: string; version: string; kind: string };
type Operation = { parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> }; 'x-kubernetes-group-version-kind'?: GVK; 'x-kubernetes-action'?: string };
const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;

function doc(kinds: readonly KindInfo[], k: Pick<KindInfo, 'group' | 'version'>): OpenAPIDocument {
  const d = openapiGroupVersion(kinds, k.group, k.version);
  assert.ok(d, `a document for ${openapiGroupVersionPath(k.group, k.version)}`);
  return d;
}

const opOf = (d: OpenAPIDocument, path: string, method: (typeof methods)[number]): Operation | undefined => (d.paths[path] as Record<string, Operation> | undefined)?.[method];

function itemPath(k: KindInfo): string {
  const prefix = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced ? `${prefix}/namespaces/{namespace}/${k.plural}/{name}` : `${prefix}/${k.plural}/{name}`;
}

/** cli-runtime query_param_verifier_v3.go supportsQueryParamV3: a PATCH for the GVK with the query parameter. */
function supportsFieldValidation(d: OpenAPIDocument, gvk: GVK): boolean {
  for (const item of Object.values(d.paths)) {
    const patch = (item as { patch?: Operation }).patch;
    const g = patch?.['x-kubernetes-group-version-kind'];
    if (!patch || !g || g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    if (patch.parameters?.some((p) => p.name === 'fieldValidation' && p.in === 'query')) return true;
  }
  return false;
}

/** kubectl explain plaintext.tmpl: the GVK of a resource, from the operations of its four possible paths. */
function explainGVK(d: OpenAPIDocument, k: KindInfo): GVK | undefined {
  const prefix = k.group ? `/apis/${k.group}` : '/api';
  const search = [`${prefix}/${k.version}/${k.plural}`, `${prefix}/${k.version}/${k.plural}/{name}`, `${prefix}/${k.version}/namespaces/{namespace}/${k.plural}`, `${prefix}/${k.version}/namespaces/{namespace}/${k.plural}/{name}`];
  for (const p of search) for (const m of methods) {
    const g = opOf(d, p, m)?.['x-kubernetes-group-version-kind'];
    if (g) return g;
  }
  return undefined;
}

/** kubectl explain plaintext.tmpl: the schema whose x-kubernetes-group-version-kind array contains the GVK. */
function schemaForGVK(d: OpenAPIDocument, gvk: GVK): Schema | undefined {
  return Object.values(d.components.schemas).find((s) => {
    const list = s['x-kubernetes-group-version-kind'];
    return Array.isArray(list) && list.some((g: GVK) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind);
  });
}

function resolve(d: OpenAPIDocument, s: Schema): Schema {
  const ref = s['$ref'];
  if (typeof ref === 'string') {
    const target = d.components.schemas[ref.replace('#/components/schemas/', '')];
    assert.ok(target, `${ref} resolves`);
    return target;
  }
  return s;
}

/** Follows a field path the way explain does: properties, then items, additionalProperties, allOf. */
function field(d: OpenAPIDocument, s: Schema, path: string[]): Schema | undefined {
  const r = resolve(d, s);
  if (path.length === 0) return r;
  const props = r['properties'] as Record<string, Schema> | undefined;
  const next = props?.[path[0]!];
  if (next) return path.length === 1 ? next : field(d, next, path.slice(1));
  if (r['items']) return field(d, r['items'] as Schema, path);
  if (r['additionalProperties'] && typeof r['additionalProperties'] === 'object') return field(d, r['additionalProperties'] as Schema, path);
  for (const sub of (r['allOf'] as Schema[] | undefined) ?? []) {
    const hit = field(d, sub, path);
    if (hit) return hit;
  }
  return undefined;
}

/** The description explain prints for a field: its own, then those of what it refers to. */
function descriptionOf(d: OpenAPIDocument, s: Schema): string {
  const own = typeof s['description'] === 'string' ? s['description'] : '';
  const viaRef = typeof s['$ref'] === 'string' ? descriptionOf(d, resolve(d, s)) : '';
  const viaAllOf = ((s['allOf'] as Schema[] | undefined) ?? []).map((x) => descriptionOf(d, x)).join('');
  return own + viaRef + viaAllOf;
}

function refsIn(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) refsIn(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref') out.add(String(x));
      else refsIn(x, out);
    }
  }
  return out;
}

const widget: KindInfo = {
  ...builtinKinds.find((k) => k.kind === 'Cluster')!,
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  namespaced: false,
  shortNames: [],
  categories: [],
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
};

describe('OpenAPI v3 root', () => {
  it('lists every group-version, custom resource groups included, each with its document hash', () => {
    const root = openapiRoot(builtinKinds);
    const expected = groupsOf(builtinKinds).flatMap((g) => g.versions.map((v) => openapiGroupVersionPath(g.group, v)));
    assert.ok(expected.includes('api/v1') && expected.includes('apis/cluster.x-k8s.io/v1beta1') && expected.includes('apis/resource.k8s.io/v1alpha3'));
    assert.deepEqual(Object.keys(root.paths).sort(), expected.sort());
    for (const [gv, { serverRelativeURL }] of Object.entries(root.paths)) {
      const m = /^\/openapi\/v3\/(.+)\?hash=([0-9A-F]{128})$/.exec(serverRelativeURL);
      assert.ok(m, serverRelativeURL);
      assert.equal(m[1], gv);
      const { group, version } = parseOpenapiGroupVersionPath(gv)!;
      assert.equal(m[2], openapiHash(openapiGroupVersion(builtinKinds, group, version)));
      assert.equal(openapiForPath(builtinKinds, gv)?.hash, m[2]);
    }
  });

  it('changes a hash when, and only when, that group-version changes', () => {
    const before = openapiRoot(builtinKinds).paths;
    const md = builtinKinds.find((k) => k.kind === 'MachineDeployment')!;
    const pool: KindInfo = { ...md, kind: 'MachinePool', listKind: 'MachinePoolList', plural: 'machinepools', singular: 'machinepool', shortNames: ['mp'] };
    const after = openapiRoot([...builtinKinds, pool]).paths;
    assert.notEqual(after['apis/cluster.x-k8s.io/v1beta1']?.serverRelativeURL, before['apis/cluster.x-k8s.io/v1beta1']?.serverRelativeURL);
    assert.equal(after['api/v1']?.serverRelativeURL, before['api/v1']?.serverRelativeURL);
    assert.equal(after['apis/capsule.clastix.io/v1beta2']?.serverRelativeURL, before['apis/capsule.clastix.io/v1beta2']?.serverRelativeURL);

    const scaled = builtinKinds.map((k) => (k.kind === 'Cluster' ? { ...k, subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } } } : k));
    assert.notEqual(openapiRoot(scaled).paths['apis/cluster.x-k8s.io/v1beta1']?.serverRelativeURL, before['apis/cluster.x-k8s.io/v1beta1']?.serverRelativeURL);

    const withWidget = openapiRoot([...builtinKinds, widget]).paths;
    assert.match(withWidget['apis/example.com/v1']?.serverRelativeURL ?? '', /^\/openapi\/v3\/apis\/example\.com\/v1\?hash=[0-9A-F]+$/);
    assert.equal(openapiRoot(builtinKinds.filter((k) => k.group !== 'capsule.clastix.io')).paths['apis/capsule.clastix.io/v1beta2'], undefined);
  });

  it('hashes stably and caches by content, handing out frozen documents', () => {
    const a = openapiGroupVersion(builtinKinds, '', 'v1');
    const b = openapiGroupVersion(builtinKinds.map((k) => ({ ...k })), '', 'v1');
    assert.equal(a, b, 'an equal kinds table reuses the built document');
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a?.components.schemas));
    assert.equal(openapiHash({ x: 1 }), openapiHash({ x: 1 }));
    assert.notEqual(openapiHash({ x: 1 }), openapiHash({ x: 2 }));
  });

  it('parses group-version paths', () => {
    assert.deepEqual(parseOpenapiGroupVersionPath('api/v1'), { group: '', version: 'v1' });
    assert.deepEqual(parseOpenapiGroupVersionPath('/openapi/v3/apis/cluster.x-k8s.io/v1beta1'), { group: 'cluster.x-k8s.io', version: 'v1beta1' });
    assert.equal(parseOpenapiGroupVersionPath('apis/cluster.x-k8s.io'), undefined);
    assert.equal(parseOpenapiGroupVersionPath('version'), undefined);
    assert.equal(openapiForPath(builtinKinds, 'apis/nope.example.com/v1'), undefined);
    assert.equal(openapiGroupVersion(builtinKinds, 'cluster.x-k8s.io', 'v1'), undefined);
  });
});

describe('OpenAPI v3 group-version documents', () => {
  it('is an OpenAPI 3.0 document whose every $ref resolves', () => {
    for (const k of [...builtinKinds, widget]) {
      const d = doc([...builtinKinds, widget], k);
      assert.equal(d.openapi, '3.0.0');
      for (const ref of refsIn(d)) assert.ok(ref.replace('#/components/schemas/', '') in d.components.schemas, `${ref} in ${k.group}/${k.version}`);
      assert.doesNotThrow(() => JSON.parse(JSON.stringify(d)));
    }
  });

  it('has collection and item paths with the usual operations, namespaced or cluster-scoped', () => {
    // Create-only kinds (the reviews) have a collection POST and nothing else, as upstream's spec.
    for (const k of builtinKinds.filter((x) => x.verbs !== undefined)) {
      const d = doc(builtinKinds, k);
      const collection = itemPath(k).slice(0, -'/{name}'.length);
      assert.ok(opOf(d, collection, 'post'), `POST ${collection}`);
      for (const m of ['get', 'delete', 'put', 'patch'] as const) assert.equal(opOf(d, collection, m), undefined, `${m.toUpperCase()} ${collection}`);
    }
    for (const k of builtinKinds.filter((x) => x.verbs === undefined)) {
      const d = doc(builtinKinds, k);
      const item = itemPath(k);
      const collection = item.slice(0, -'/{name}'.length);
      const gvk = { group: k.group, version: k.version, kind: k.kind };
      for (const [path, ms, actions] of [
        [item, ['get', 'put', 'delete', 'patch'], ['get', 'put', 'delete', 'patch']],
        // Namespaces have no deletecollection (upstream's spec has no DELETE on /api/v1/namespaces).
        ...(k.kind === 'Namespace' && k.group === '' ? ([[collection, ['get', 'post'], ['list', 'post']]] as const) : ([[collection, ['get', 'post', 'delete'], ['list', 'post', 'deletecollection']]] as const)),
      ] as const) {
        ms.forEach((m, i) => {
          const op = opOf(d, path, m);
          assert.ok(op, `${m.toUpperCase()} ${path}`);
          assert.deepEqual(op['x-kubernetes-group-version-kind'], gvk, `${m} ${path} GVK is a single object`);
          assert.equal(op['x-kubernetes-action'], actions[i]);
        });
      }
      assert.equal(k.namespaced, item.includes('/namespaces/{namespace}/'));
    }
    const core = doc(builtinKinds, { group: '', version: 'v1' });
    assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}']);
    assert.ok(core.paths['/api/v1/pods'], 'list across namespaces');
    assert.ok(core.paths['/api/v1/namespaces/{name}'], 'namespaces are cluster-scoped');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/namespaces/{name}'], undefined);
    assert.ok(doc(builtinKinds, { group: 'cluster.x-k8s.io', version: 'v1beta1' }).paths['/apis/cluster.x-k8s.io/v1beta1/namespaces/{namespace}/clusters/{name}']);
    assert.ok(doc(builtinKinds, { group: 'capsule.clastix.io', version: 'v1beta2' }).paths['/apis/capsule.clastix.io/v1beta2/tenants/{name}']);
  });

  it('offers PATCH with fieldValidation, so kubectl validates on the server (--validate=strict)', () => {
    // Create-only kinds (the reviews) have no PATCH to offer it on.
    for (const k of [...builtinKinds.filter((x) => x.verbs === undefined), widget]) {
      const d = doc([...builtinKinds, widget], k);
      assert.ok(supportsFieldValidation(d, k), `${k.kind}.${k.group} supports fieldValidation`);
      const patch = opOf(d, itemPath(k), 'patch')!;
      assert.ok(patch.parameters?.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
    }
  });

  it('leaves strategic merge patch out of every PATCH body, so kubectl apply never builds one from these schemas', () => {
    for (const k of builtinKinds) {
      const d = doc(builtinKinds, k);
      for (const item of Object.values(d.paths)) {
        const patch = (item as { patch?: Operation }).patch;
        if (!patch) continue;
        assert.deepEqual(Object.keys(patch.requestBody?.content ?? {}).sort(), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
      }
    }
  });

  it('has status and scale subresource paths exactly where the kind has them', () => {
    for (const k of builtinKinds) {
      const d = doc(builtinKinds, k);
      const status = d.paths[`${itemPath(k)}/status`] as Record<string, Operation> | undefined;
      const scale = d.paths[`${itemPath(k)}/scale`] as Record<string, Operation> | undefined;
      assert.equal(Boolean(status), k.subresources.status, `${k.kind} status`);
      assert.equal(Boolean(scale), Boolean(k.subresources.scale), `${k.kind} scale`);
      if (status) {
        for (const m of ['get', 'put', 'patch'] as const) assert.deepEqual(status[m]?.['x-kubernetes-group-version-kind'], { group: k.group, version: k.version, kind: k.kind });
        assert.ok(status['patch']?.parameters?.some((p) => p.name === 'fieldValidation'));
      }
      if (scale) {
        for (const m of ['get', 'put', 'patch'] as const) assert.deepEqual(scale[m]?.['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
        assert.ok(d.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
      }
    }
  });

  it('names schemas like the real server: Go packages for built-ins, the reversed group for custom resources', () => {
    const name = (kind: string, group?: string): string => schemaNameFor(builtinKinds.find((k) => k.kind === kind && (group === undefined || k.group === group))!);
    assert.equal(name('Pod'), 'io.k8s.api.core.v1.Pod');
    assert.equal(name('Event', 'events.k8s.io'), 'io.k8s.api.events.v1.Event');
    assert.equal(name('ResourceSlice'), 'io.k8s.api.resource.v1beta1.ResourceSlice');
    assert.equal(name('DeviceTaintRule'), 'io.k8s.api.resource.v1alpha3.DeviceTaintRule');
    assert.equal(name('Cluster'), 'io.x-k8s.cluster.v1beta1.Cluster');
    assert.equal(name('DockerMachine'), 'io.x-k8s.cluster.infrastructure.v1beta1.DockerMachine');
    assert.equal(name('Tenant'), 'io.clastix.capsule.v1beta2.Tenant');
    assert.equal(schemaNameFor(widget), 'com.example.v1.Widget');
    const crd = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', builtin: true };
    assert.equal(schemaNameFor(crd), 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
    for (const k of builtinKinds) assert.ok(doc(builtinKinds, k).components.schemas[schemaNameFor(k)], schemaNameFor(k));
  });

  it('gives every kind and list schema an x-kubernetes-group-version-kind array, found the way explain finds it', () => {
    for (const k of [...builtinKinds, widget]) {
      const d = doc([...builtinKinds, widget], k);
      const s = d.components.schemas[schemaNameFor(k)]!;
      assert.deepEqual(s['x-kubernetes-group-version-kind'], [{ group: k.group, version: k.version, kind: k.kind }]);
      assert.deepEqual(d.components.schemas[schemaNameFor(k, k.listKind)]?.['x-kubernetes-group-version-kind'], [{ group: k.group, version: k.version, kind: k.listKind }]);
      const gvk = explainGVK(d, k);
      assert.deepEqual(gvk, { group: k.group, version: k.version, kind: k.kind }, `explain ${k.plural}`);
      assert.equal(schemaForGVK(d, gvk), s);
      assert.ok(typeof s['description'] === 'string' && s['description'].length > 20, `${k.kind} is described`);
      const props = s['properties'] as Record<string, Schema>;
      for (const f of ['apiVersion', 'kind', 'metadata']) assert.ok(descriptionOf(d, props[f]!), `${k.kind}.${f} is described`);
      assert.deepEqual((props['metadata']!['allOf'] as Schema[])[0], { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    }
  });

  it('describes ObjectMeta\'s main fields', () => {
    const d = doc(builtinKinds, { group: 'cluster.x-k8s.io', version: 'v1beta1' });
    const meta = d.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!;
    for (const f of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields']) {
      assert.ok(descriptionOf(d, (meta['properties'] as Record<string, Schema>)[f]!), `metadata.${f}`);
    }
  });

  it('answers the explain paths users ask for, with descriptions', () => {
    const cases: [kind: string, group: string, path: string][] = [
      ['Pod', '', 'spec.containers.image'],
      ['Pod', '', 'spec.nodeName'],
      ['Pod', '', 'spec.resourceClaims.resourceClaimName'],
      ['Pod', '', 'status.phase'],
      ['Pod', '', 'metadata.ownerReferences.uid'],
      ['ConfigMap', '', 'data'],
      ['Namespace', '', 'spec.finalizers'],
      ['Namespace', '', 'status.phase'],
      ['Node', '', 'spec.taints.effect'],
      ['Event', '', 'involvedObject.kind'],
      ['Event', 'events.k8s.io', 'regarding.name'],
      ['Cluster', 'cluster.x-k8s.io', 'spec.paused'],
      ['Cluster', 'cluster.x-k8s.io', 'spec.topology.class'],
      ['Cluster', 'cluster.x-k8s.io', 'spec.infrastructureRef.kind'],
      ['Cluster', 'cluster.x-k8s.io', 'status.phase'],
      ['MachineSet', 'cluster.x-k8s.io', 'spec.replicas'],
      ['MachineSet', 'cluster.x-k8s.io', 'spec.deletePolicy'],
      ['MachineSet', 'cluster.x-k8s.io', 'spec.template.spec.bootstrap.dataSecretName'],
      ['MachineDeployment', 'cluster.x-k8s.io', 'spec.strategy.rollingUpdate.maxSurge'],
      ['Machine', 'cluster.x-k8s.io', 'spec.providerID'],
      ['Machine', 'cluster.x-k8s.io', 'status.nodeRef.name'],
      ['ResourceSlice', 'resource.k8s.io', 'spec.pool.generation'],
      ['ResourceSlice', 'resource.k8s.io', 'spec.devices.basic.taints.effect'],
      ['ResourceClaim', 'resource.k8s.io', 'spec.devices.requests.deviceClassName'],
      ['ResourceClaim', 'resource.k8s.io', 'status.reservedFor.uid'],
      ['DeviceTaintRule', 'resource.k8s.io', 'spec.taint.effect'],
      ['Tenant', 'capsule.clastix.io', 'spec.owners.kind'],
      ['Tenant', 'capsule.clastix.io', 'spec.namespaceOptions.quota'],
      ['Tenant', 'capsule.clastix.io', 'status.state'],
      ['GlobalTenantResource', 'capsule.clastix.io', 'spec.resources.namespacedItems.kind'],
      ['GlobalTenantResource', 'capsule.clastix.io', 'status.processedItems.tenant'],
    ];
    if (builtinKinds.some((k) => k.kind === 'CustomResourceDefinition')) cases.push(['CustomResourceDefinition', 'apiextensions.k8s.io', 'spec.names.shortNames']);
    for (const [kind, group, path] of cases) {
      const k = builtinKinds.find((x) => x.kind === kind && x.group === group)!;
      const d = doc(builtinKinds, k);
      const f = field(d, d.components.schemas[schemaNameFor(k)]!, path.split('.'));
      assert.ok(f, `explain ${k.plural}.${path}`);
      assert.ok(descriptionOf(d, f).length > 10, `${k.plural}.${path} is described`);
    }
    const pod = builtinKinds.find((k) => k.kind === 'Pod')!;
    const d = doc(builtinKinds, pod);
    assert.equal(field(d, d.components.schemas[schemaNameFor(pod)]!, ['spec', 'nosuchfield']), undefined, 'the walk can miss');
  });

  it('keeps unknown fields in spec and status, so no valid object is ever refused for what is not listed', () => {
    for (const k of [...builtinKinds, widget]) {
      const d = doc([...builtinKinds, widget], k);
      const props = d.components.schemas[schemaNameFor(k)]!['properties'] as Record<string, Schema>;
      for (const f of ['spec', 'status']) {
        if (!props[f]) continue;
        const s = resolve(d, ((props[f]!['allOf'] as Schema[] | undefined)?.[0] ?? props[f]!) as Schema);
        assert.equal(s['type'], 'object', `${k.kind}.${f}`);
        // NamespaceSpec lists its only field; every other spec and status is partial.
        if (!(k.kind === 'Namespace' && f === 'spec')) assert.equal(s['x-kubernetes-preserve-unknown-fields'], true, `${k.kind}.${f} preserves unknown fields`);
      }
    }
  });

  it('describes every object that it does not fully list as preserving unknown fields', () => {
    // Objects with properties and no preserve flag must be complete; spot-check that the flag is the rule.
    const d = doc(builtinKinds, { group: 'cluster.x-k8s.io', version: 'v1beta1' });
    const cluster = d.components.schemas['io.x-k8s.cluster.v1beta1.Cluster']!;
    assert.equal(field(d, cluster, ['spec', 'topology'])?.['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(field(d, cluster, ['spec', 'topology', 'workers'])?.['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(field(d, cluster, ['spec', 'controlPlaneEndpoint'])?.['x-kubernetes-preserve-unknown-fields'], undefined, 'host and port are all there is');
  });

  it('lists the top-level fields of kinds without spec and status', () => {
    const core = doc(builtinKinds, { group: '', version: 'v1' });
    const top = (kind: string): string[] => Object.keys(core.components.schemas[`io.k8s.api.core.v1.${kind}`]!['properties'] as object).sort();
    assert.deepEqual(top('ConfigMap'), ['apiVersion', 'binaryData', 'data', 'immutable', 'kind', 'metadata']);
    assert.deepEqual(top('Secret'), ['apiVersion', 'data', 'immutable', 'kind', 'metadata', 'stringData', 'type']);
    assert.ok(top('Event').includes('involvedObject') && !top('Event').includes('spec'));
  });
});
