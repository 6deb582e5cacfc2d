import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinKinds, type KindInfo } from '../api/kinds.ts';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  discoveryETag,
  discoveryVersionFor,
  type APIGroupDiscoveryList,
  type APIResourceDiscovery,
} from './aggregated.ts';
import { apiResourceList, groupsOf } from './discovery.ts';

const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
/** What kubectl 1.32 sends on /api and /apis. */
const kubectl132 = `${v2},${v2beta1},application/json`;
/** What kubectl 1.29 sends. */
const kubectl129 = `${v2beta1},application/json`;

function allResources(doc: APIGroupDiscoveryList): { group: string; version: string; r: APIResourceDiscovery }[] {
  return doc.items.flatMap((g) => g.versions.flatMap((v) => v.resources.map((r) => ({ group: g.metadata.name ?? '', version: v.version, r }))));
}

function find(doc: APIGroupDiscoveryList, group: string, resource: string): APIResourceDiscovery {
  const hit = allResources(doc).find((x) => x.group === group && x.r.resource === resource);
  assert.ok(hit, `${resource}.${group} is listed`);
  return hit.r;
}

describe('aggregated discovery: Accept negotiation', () => {
  it('sends v2 to kubectl 1.32 and v2beta1 to kubectl 1.29', () => {
    assert.equal(discoveryVersionFor(kubectl132), 'v2');
    assert.equal(discoveryVersionFor(kubectl129), 'v2beta1');
    assert.equal(discoveryVersionFor(v2), 'v2');
    assert.equal(discoveryVersionFor(v2beta1), 'v2beta1');
  });

  it('falls back to the legacy documents without an aggregated media type', () => {
    assert.equal(discoveryVersionFor(undefined), undefined);
    assert.equal(discoveryVersionFor(''), undefined);
    assert.equal(discoveryVersionFor('application/json'), undefined);
    assert.equal(discoveryVersionFor('application/json, */*'), undefined);
    assert.equal(discoveryVersionFor('*/*'), undefined);
    // client-node and the Python client
    assert.equal(discoveryVersionFor('application/json, text/plain, */*'), undefined);
  });

  it('honours the order of the header', () => {
    assert.equal(discoveryVersionFor(`${v2beta1},${v2}`), 'v2beta1');
    assert.equal(discoveryVersionFor(`application/json,${v2}`), undefined, 'plain JSON listed first wins');
    assert.equal(discoveryVersionFor(`*/*,${v2}`), undefined);
  });

  it('honours q-values before order, and q=0 refuses a type', () => {
    assert.equal(discoveryVersionFor(`application/json;q=0.5,${v2}`), 'v2');
    assert.equal(discoveryVersionFor(`${v2};q=0.1,${v2beta1};q=0.9`), 'v2beta1');
    assert.equal(discoveryVersionFor(`${v2};q=0,application/json`), undefined);
  });

  it('skips profiles it does not serve and tries the next range', () => {
    assert.equal(discoveryVersionFor(`application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,${v2beta1}`), 'v2beta1');
    assert.equal(discoveryVersionFor(`application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,${v2}`), 'v2');
    assert.equal(discoveryVersionFor('application/json;as=Table;v=v1;g=meta.k8s.io,application/json'), undefined);
    assert.equal(discoveryVersionFor('application/json;g=apidiscovery.k8s.io;v=v2;as=Table'), undefined);
  });

  it('tolerates spaces, parameter order and case in the media type', () => {
    assert.equal(discoveryVersionFor(' Application/JSON ; as=APIGroupDiscoveryList ; v=v2 ; g=apidiscovery.k8s.io , application/json'), 'v2');
    assert.equal(discoveryVersionFor('application/json;v="v2beta1";g="apidiscovery.k8s.io";as="APIGroupDiscoveryList"'), 'v2beta1');
  });

  it('names the exact Content-Type that kubectl checks', () => {
    assert.equal(aggregatedContentType('v2'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal(aggregatedContentType('v2beta1'), 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
  });
});

describe('aggregated discovery: documents', () => {
  const core = aggregatedDiscovery(builtinKinds, 'core', 'v2');
  const apis = aggregatedDiscovery(builtinKinds, 'apis', 'v2');

  it('has the list envelope with the negotiated version', () => {
    assert.deepEqual({ ...core, items: [] }, { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: [] });
    assert.equal(aggregatedDiscovery(builtinKinds, 'apis', 'v2beta1').apiVersion, 'apidiscovery.k8s.io/v2beta1');
    assert.deepEqual(aggregatedDiscovery(builtinKinds, 'apis', 'v2beta1').items, apis.items, 'same shape in v2beta1');
  });

  it('serves the core group on /api as one item whose metadata has no name', () => {
    assert.equal(core.items.length, 1);
    const item = core.items[0]!;
    assert.deepEqual(item.metadata, {});
    assert.ok(!('name' in item.metadata));
    assert.deepEqual(item.versions.map((v) => [v.version, v.freshness]), [['v1', 'Current']]);
    assert.deepEqual(JSON.parse(JSON.stringify(item)).metadata, {});
  });

  it('serves every other group on /apis, named, never the core group', () => {
    const expected = groupsOf(builtinKinds).filter((g) => g.group !== '').map((g) => g.group);
    assert.deepEqual(apis.items.map((g) => g.metadata.name), expected);
    for (const g of apis.items) {
      assert.ok(g.metadata.name, 'every /apis item is named');
      for (const v of g.versions) assert.equal(v.freshness, 'Current');
    }
  });

  it('lists versions preferred first', () => {
    const dra = apis.items.find((g) => g.metadata.name === 'resource.k8s.io');
    assert.deepEqual(dra?.versions.map((v) => v.version), ['v1beta1', 'v1alpha3']);
  });

  it('gives every resource and subresource a non-empty responseKind (else kubectl: "discovery resource X missing GVK")', () => {
    const all = [...allResources(core), ...allResources(apis)];
    assert.equal(all.length, builtinKinds.length, 'one entry per served kind');
    for (const { r } of all) {
      assert.ok(r.responseKind.kind && r.responseKind.version, `${r.resource} has a responseKind`);
      assert.equal(typeof r.responseKind.group, 'string');
      for (const s of r.subresources ?? []) assert.ok(s.responseKind.kind && s.responseKind.version, `${r.resource}/${s.subresource} has a responseKind`);
    }
  });

  it('describes each resource: kind, scope, singular, verbs', () => {
    assert.deepEqual(find(core, '', 'pods'), {
      resource: 'pods',
      responseKind: { group: '', version: 'v1', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      subresources: [
        { subresource: 'attach', responseKind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
        { subresource: 'binding', responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
        { subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
        { subresource: 'exec', responseKind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
        { subresource: 'log', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
        { subresource: 'portforward', responseKind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] },
        { subresource: 'proxy', responseKind: { group: '', version: 'v1', kind: 'PodProxyOptions' }, verbs: ['create', 'delete', 'get', 'patch', 'update'] },
        { subresource: 'status', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] },
      ],
    });
    // Reviews are create-only; serviceaccounts/token only takes a create.
    assert.deepEqual(find(apis, 'authorization.k8s.io', 'selfsubjectaccessreviews').verbs, ['create']);
    assert.deepEqual(find(core, '', 'serviceaccounts').subresources, [{ subresource: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }]);
    assert.equal(find(core, '', 'namespaces').scope, 'Cluster');
    assert.equal(find(apis, 'resource.k8s.io', 'resourceslices').scope, 'Cluster');
    assert.equal(find(apis, 'capsule.clastix.io', 'tenants').scope, 'Cluster');
    assert.equal(find(apis, 'cluster.x-k8s.io', 'clusters').singularResource, 'cluster');
  });

  it('carries shortNames and categories (kubectl get all, kubectl get cl)', () => {
    assert.deepEqual(find(core, '', 'services').categories, ['all']);
    assert.deepEqual(find(core, '', 'configmaps').shortNames, ['cm']);
    assert.deepEqual(find(apis, 'cluster.x-k8s.io', 'clusters').shortNames, ['cl']);
    assert.deepEqual(find(apis, 'cluster.x-k8s.io', 'machinesets').categories, ['cluster-api']);
    assert.deepEqual(find(apis, 'capsule.clastix.io', 'tenants').shortNames, ['tnt']);
    const inAll = allResources(core).concat(allResources(apis)).filter((x) => x.r.categories?.includes('all')).map((x) => x.r.resource);
    assert.deepEqual(inAll.sort(), builtinKinds.filter((k) => k.categories.includes('all')).map((k) => k.plural).sort());
  });

  it('lists status with the kind itself and scale as autoscaling/v1 Scale', () => {
    const ms = find(apis, 'cluster.x-k8s.io', 'machinesets');
    assert.deepEqual(ms.subresources, [
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      { subresource: 'status', responseKind: { group: 'cluster.x-k8s.io', version: 'v1beta1', kind: 'MachineSet' }, verbs: ['get', 'patch', 'update'] },
    ]);
    assert.equal(find(core, '', 'configmaps').subresources, undefined, 'no subresources, no field');
    assert.deepEqual(find(apis, 'infrastructure.cluster.x-k8s.io', 'dockermachinetemplates').subresources, undefined);
  });

  it('agrees with the legacy per-group-version documents', () => {
    for (const g of groupsOf(builtinKinds)) {
      for (const version of g.versions) {
        const legacy = apiResourceList(builtinKinds, g.group, version) as { resources: { name: string; kind: string }[] };
        const doc = g.group ? apis : core;
        const item = doc.items.find((i) => (i.metadata.name ?? '') === g.group)!.versions.find((v) => v.version === version)!;
        const names = item.resources.flatMap((r) => [r.resource, ...(r.subresources ?? []).map((s) => `${r.resource}/${s.subresource}`)]);
        assert.deepEqual(names.sort(), legacy.resources.map((r) => r.name).sort(), `${g.group}/${version}`);
      }
    }
  });

  it('follows the kinds it is given, custom resources included', () => {
    const widget: KindInfo = { ...builtinKinds.find((k) => k.kind === 'Cluster')!, group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', shortNames: ['wd'], categories: [], namespaced: false };
    const doc = aggregatedDiscovery([...builtinKinds, widget], 'apis', 'v2');
    assert.deepEqual(find(doc, 'example.com', 'widgets').responseKind, { group: 'example.com', version: 'v1', kind: 'Widget' });
    assert.equal(find(doc, 'example.com', 'widgets').scope, 'Cluster');
    assert.deepEqual(aggregatedDiscovery([], 'core', 'v2').items, []);
  });
});

describe('aggregated discovery: ETag', () => {
  it('is a quoted hex sha256, stable for equal documents, different when the kinds change', () => {
    const a = discoveryETag(aggregatedDiscovery(builtinKinds, 'apis', 'v2'));
    assert.match(a, /^"[0-9a-f]{64}"$/);
    assert.equal(discoveryETag(aggregatedDiscovery([...builtinKinds], 'apis', 'v2')), a);
    assert.notEqual(discoveryETag(aggregatedDiscovery(builtinKinds, 'apis', 'v2beta1')), a, 'the version is part of the document');
    assert.notEqual(discoveryETag(aggregatedDiscovery(builtinKinds.slice(0, -1), 'apis', 'v2')), a);
    assert.notEqual(discoveryETag(aggregatedDiscovery(builtinKinds, 'core', 'v2')), a);
  });
});
