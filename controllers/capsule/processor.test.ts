import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { testServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { background, GoRuntime, type ExitReport } from '../runtime/concurrency.ts';
import { Panic } from '../runtime/controller.ts';
import { RaceDetector } from '../runtime/racedetector.ts';
import { decodeManifest, errorsJoin, executeTemplate, Processor, windowUntil } from './processor.ts';
import { NoKindMatchError, RestMapper } from './restmapper.ts';
import { objectReferenceString, parseGoDurationMs, parseObjectReference, resourcesLabel, resyncPeriodMs, tenantLabel, type ResourceSpec, type Tenant } from './types.ts';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const cms = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'configmaps', namespace });

test('ObjectReferenceStatus: String and ParseFromString round-trip, with upstream errors', () => {
  const ref = { kind: 'Secret', namespace: 'ns-1', apiVersion: 'v1', name: 'db' };
  const s = objectReferenceString(ref);
  assert.equal(s, 'Kind=Secret,APIVersion=v1,Namespace=ns-1,Name=db');
  assert.deepEqual(parseObjectReference(s), ref);
  assert.equal(objectReferenceString({ kind: 'Foo', apiVersion: 'example.com/v1', namespace: 'n', name: 'x' }), 'Kind=Foo,APIVersion=example.com/v1,Namespace=n,Name=x');
  assert.throws(() => parseObjectReference('Kind=Secret,Name=db'), /^Error: unexpected raw parts$/);
  assert.throws(() => parseObjectReference('Kind=Secret,APIVersion=v1,Namespace,Name=db'), /unrecognized separator/);
  assert.throws(() => parseObjectReference('Kind=Secret,APIVersion=v1,Namespace=n,Nom=db'), /unrecognized marker: Nom/);
});

test('resyncPeriod: Go durations and the CRD default', () => {
  assert.equal(parseGoDurationMs('60s'), 60_000);
  assert.equal(parseGoDurationMs('1m30s'), 90_000);
  assert.equal(parseGoDurationMs('1.5h'), 5_400_000);
  assert.equal(parseGoDurationMs('250ms'), 250);
  assert.equal(parseGoDurationMs('0'), 0);
  assert.equal(resyncPeriodMs({}), 60_000);
  assert.equal(resyncPeriodMs({ resyncPeriod: '10s' }), 10_000);
  assert.throws(() => parseGoDurationMs('10'), /time: missing unit in duration "10"/);
  assert.throws(() => parseGoDurationMs('10y'), /time: unknown unit "y" in duration "10y"/);
  assert.throws(() => parseGoDurationMs(''), /time: invalid duration ""/);
});

test('rawItems: fasttemplate with "{{ " and " }}" tags, then decoding', () => {
  const values = { 'tenant.name': 'alpha', namespace: 'alpha-1' };
  assert.equal(executeTemplate('{"n":"{{ tenant.name }}-{{ namespace }}","x":"{{ other }}","y":"{{namespace}}"}', '{{ ', ' }}', values), '{"n":"alpha-alpha-1","x":"","y":"{{namespace}}"}');
  assert.throws(() => executeTemplate('a {{ b', '{{ ', ' }}', values), (e: unknown) => e instanceof Panic && /cannot find end tag=" }}"/.test(e.message));
  assert.deepEqual(decodeManifest('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}').metadata, { name: 'x' });
  assert.equal(decodeManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n').metadata.name, 'y');
  assert.throws(() => decodeManifest('{"apiVersion":"v1"}'), /Object 'Kind' is missing/);
  assert.equal(errorsJoin(undefined, undefined), undefined);
  assert.equal(errorsJoin(new Error('a'), undefined, errorsJoin(new Error('b'), new Error('c')))?.message, 'a\nb\nc');
});

interface Setup {
  client: KubeClient;
  tenant: Tenant;
  section: ResourceSpec;
}

/** Tenant t with namespaces t-1 and t-2, three labelled ConfigMaps in `source`. */
async function setup(t: Parameters<typeof testServer>[0]): Promise<Setup> {
  const server = await testServer(t);
  const client = new KubeClient(actorKubeConfig(server.url, 'capsule'));
  for (const [name, tnt] of [['source', undefined], ['t-1', 't'], ['t-2', 't'], ['other', 'u']] as const) {
    await client.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: tnt ? { [tenantLabel]: tnt, tier: name } : {} } });
  }
  for (const name of ['a', 'b', 'c']) {
    await client.create(cms('source'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { pick: 'me' } }, data: { v: name } });
  }
  const tenant: Tenant = { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', metadata: { name: 't' }, status: { namespaces: ['t-1', 't-2'] } };
  const section: ResourceSpec = { namespacedItems: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'source', selector: { matchLabels: { pick: 'me' } } }] };
  return { client, tenant, section };
}

/** Runs fn as the main goroutine of a fresh process; resolves with its result, or with how the process died. */
function inProcess<T>(fn: () => Promise<T>): Promise<{ value?: T; exit?: ExitReport }> {
  return new Promise((resolve) => {
    const runtime = new GoRuntime({ name: 'capsule', onExit: (exit) => resolve({ exit }) });
    runtime.go('main', async () => resolve({ value: await fn() }));
  });
}

test('HandleSection buggy (#1263): with the forced window two goroutines insert into processed at once: fatal error: concurrent map writes', async (t) => {
  const { client, tenant, section } = await setup(t);
  const processor = new Processor({ client, fixed: false, mapWriteWindow: windowUntil(() => client.idle()) });
  const { value, exit } = await inProcess(() => processor.HandleSection(background(), tenant, true, tenantLabel, 0, section));
  assert.equal(value, undefined, 'HandleSection never returned');
  assert.equal(exit?.kind, 'fatal');
  assert.match(exit?.toString() ?? '', /^fatal error: concurrent map writes\n\ngoroutine \d+ \[running\]:/);
  assert.match(exit?.goroutine.name ?? '', /^HandleSection t-1\//, 'a replication goroutine died');
});

test('HandleSection buggy with a single source object never overlaps, so it does not crash', async (t) => {
  const { client, tenant } = await setup(t);
  const section: ResourceSpec = { namespacedItems: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'source', selector: { matchLabels: { pick: 'me' }, matchExpressions: [{ key: 'nope', operator: 'DoesNotExist' }] } }] };
  await client.patch(cms('source'), 'b', { metadata: { labels: { nope: 'x' } } });
  await client.patch(cms('source'), 'c', { metadata: { labels: { nope: 'x' } } });
  const processor = new Processor({ client, fixed: false, mapWriteWindow: windowUntil(() => client.idle()) });
  const { value, exit } = await inProcess(() => processor.HandleSection(background(), tenant, true, tenantLabel, 0, section));
  assert.equal(exit, undefined);
  assert.deepEqual(value?.[0], ['Kind=ConfigMap,APIVersion=v1,Namespace=t-1,Name=a', 'Kind=ConfigMap,APIVersion=v1,Namespace=t-2,Name=a']);
});

test('HandleSection fixed (#1264): the same window, per-goroutine slots merged after the wait; namespaceSelector and cross-namespace rules', async (t) => {
  const { client, tenant, section } = await setup(t);
  const ctx = background();
  const processor = new Processor({ client, fixed: true, mapWriteWindow: windowUntil(() => client.idle()) });
  const { value, exit } = await inProcess(() => processor.HandleSection(ctx, tenant, true, tenantLabel, 3, section));
  assert.equal(exit, undefined);
  const [items, err] = value ?? [];
  assert.equal(err, undefined);
  assert.deepEqual(items, ['t-1', 't-2'].flatMap((ns) => ['a', 'b', 'c'].map((n) => `Kind=ConfigMap,APIVersion=v1,Namespace=${ns},Name=${n}`)));
  const copy = await client.get(cms('t-2'), 'c');
  assert.deepEqual(copy.metadata.labels, { pick: 'me', [resourcesLabel]: '3', [tenantLabel]: 't' });
  assert.deepEqual(copy.metadata.annotations, { [tenantLabel]: 't' });
  await assert.rejects(client.get(cms('other'), 'a'), isNotFound, 'another tenant namespace is never touched');

  // namespaceSelector narrows the tenant's namespaces; it never widens them.
  const narrowed = await inProcess(() => processor.HandleSection(ctx, tenant, true, tenantLabel, 0, { ...section, namespaceSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['t-2', 'other'] }] } }));
  assert.deepEqual(narrowed.value?.[0].map((i) => parseObjectReference(i).namespace), ['t-2', 't-2', 't-2']);

  // Without cross-namespace selection (TenantResource), a source namespace outside the tenant is skipped.
  const own = await inProcess(() => processor.HandleSection(ctx, tenant, false, tenantLabel, 0, section));
  assert.deepEqual(own.value, [[], undefined]);

  // Failures are joined and the rest goes on: an unknown kind, a rawItem without a kind.
  const broken = await inProcess(() =>
    processor.HandleSection(ctx, tenant, true, tenantLabel, 0, {
      namespacedItems: [{ apiVersion: 'example.com/v1', kind: 'Nothing', namespace: 'source', selector: {} }, ...(section.namespacedItems ?? [])],
      rawItems: [{ apiVersion: 'v1', metadata: { name: 'x' } }],
    }),
  );
  const [brokenItems, brokenErr] = broken.value ?? [];
  assert.equal(brokenItems?.length, 6);
  assert.ok(brokenErr instanceof AggregateError);
  assert.ok(brokenErr.errors.some((e) => e instanceof NoKindMatchError), String(brokenErr));
  assert.match(brokenErr.message, /Object 'Kind' is missing/);
});

test('-race: buggy inserts that happen not to overlap are still a data race on processed; the fixed merge is not', async (t) => {
  const { client, tenant, section } = await setup(t);
  const instant = (): Promise<void> => Promise.resolve(); // no window: the writes never overlap, nothing crashes
  const buggy = new RaceDetector();
  const run1 = await inProcess(() => new Processor({ client, fixed: false, mapWriteWindow: instant, detector: buggy }).HandleSection(background(), tenant, true, tenantLabel, 0, section));
  assert.equal(run1.exit, undefined);
  assert.equal(run1.value?.[0].length, 6);
  assert.ok(buggy.reports.length > 0);
  assert.match(buggy.reports[0]?.toString() ?? '', /WARNING: DATA RACE\nWrite at 0x[0-9a-f]+ by goroutine \d+ \(HandleSection t-1\/[abc]\):\n {2}mapassign/);
  assert.match(buggy.reports[0]?.toString() ?? '', /Location is 'HandleSection.processed'/);

  const fixed = new RaceDetector();
  const run2 = await inProcess(() => new Processor({ client, fixed: true, mapWriteWindow: instant, detector: fixed }).HandleSection(background(), tenant, true, tenantLabel, 0, section));
  assert.equal(run2.value?.[0].length, 6);
  assert.deepEqual(fixed.reports.map(String), []);
});

test('HandlePruning deletes current − desired, tolerates missing objects, and tells whether the status changes', async (t) => {
  const { client } = await setup(t);
  const ctx = background();
  const processor = new Processor({ client, fixed: true });
  const a = 'Kind=ConfigMap,APIVersion=v1,Namespace=source,Name=a';
  const b = 'Kind=ConfigMap,APIVersion=v1,Namespace=source,Name=b';
  const gone = 'Kind=ConfigMap,APIVersion=v1,Namespace=source,Name=never-existed';
  assert.equal(await processor.HandlePruning(ctx, new Set([a, b]), new Set([a, b])), false);
  assert.equal(await processor.HandlePruning(ctx, new Set([a]), new Set([a, b])), true, 'a new item changes the status');
  assert.equal(await processor.HandlePruning(ctx, new Set([a, b, gone, 'garbage']), new Set([a])), true);
  await client.get(cms('source'), 'a');
  await assert.rejects(client.get(cms('source'), 'b'), isNotFound);
  assert.equal(await processor.HandlePruning(ctx, new Set([a]), undefined), true);
  await assert.rejects(client.get(cms('source'), 'a'), isNotFound);
  assert.equal((await client.get<KubeObject>(cms('source'), 'c')).metadata.name, 'c');
});

test('RestMapper: the kind table, then discovery for kinds it does not know', async (t) => {
  const server = await testServer(t);
  const mapper = new RestMapper(new KubeClient(actorKubeConfig(server.url, 'capsule')));
  assert.deepEqual(await mapper.refFor('v1', 'Secret', 'ns'), { group: '', version: 'v1', plural: 'secrets', namespace: 'ns' });
  assert.deepEqual(await mapper.refFor('capsule.clastix.io/v1beta2', 'Tenant', 'ns'), { group: 'capsule.clastix.io', version: 'v1beta2', plural: 'tenants' });
  await assert.rejects(mapper.mapping('example.com/v1', 'Widget'), /no matches for kind "Widget" in version "example.com\/v1"/);
  await server.fetch('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    }),
  });
  assert.deepEqual(await mapper.refFor('example.com/v1', 'Widget', 'ns'), { group: 'example.com', version: 'v1', plural: 'widgets', namespace: 'ns' });
});
