import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { testServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { Supervisor } from '../runtime/supervisor.ts';
import { capsuleControllerProcess, type CapsuleProcess } from './globaltenantresource.ts';
import { windowUntil } from './processor.ts';
import {
  globalTenantResourceResource,
  namespaceResource,
  objectReferenceString,
  resourcesFinalizer,
  resourcesLabel,
  tenantLabel,
  tenantResource,
  type GlobalTenantResource,
} from './types.ts';
import { eventually } from '../../testing/eventually.ts';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const tntRef: ResourceRef = { group: tenantResource.group, version: tenantResource.version, plural: tenantResource.plural };
const gtrRef: ResourceRef = { group: globalTenantResourceResource.group, version: globalTenantResourceResource.version, plural: globalTenantResourceResource.plural };
const secrets = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'secrets', namespace });
const configMaps = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'configmaps', namespace });


interface Fixture {
  client: KubeClient;
  clock: FakeClock;
  spec: CapsuleProcess;
  sup: Supervisor;
  /** Waits until the controller process is idle (nothing queued, in flight, or unhandled). */
  settle(what: string): Promise<void>;
  replicas(): Promise<Set<string>>;
  gtr(): Promise<GlobalTenantResource>;
}

const sourceSelector = { matchLabels: { replicate: 'yes' } };

/**
 * Tenants alpha (env=prod; namespaces alpha-1, alpha-2) and beta (env=dev; beta-1); Secrets s1, s2 (labelled
 * replicate=yes) and s3 (not) in `source`; a GlobalTenantResource `shared` selecting env=prod that
 * replicates the labelled Secrets and one templated ConfigMap.
 */
async function fixture(t: Parameters<typeof testServer>[0], opts: { fixed: boolean; forceOverlap?: boolean; pruningOnDelete?: boolean; start?: boolean }): Promise<Fixture> {
  const server = await testServer(t);
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const clock = new FakeClock();
  const ns = (name: string, tenant?: string): Promise<KubeObject> =>
    client.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: tenant ? { [tenantLabel]: tenant } : {} } });
  await ns('source');
  await ns('alpha-1', 'alpha');
  await ns('alpha-2', 'alpha');
  await ns('beta-1', 'beta');
  await client.create(tntRef, { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', metadata: { name: 'alpha', labels: { env: 'prod' } }, spec: { owners: [{ kind: 'User', name: 'alice' }] } });
  await client.create(tntRef, { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', metadata: { name: 'beta', labels: { env: 'dev' } }, spec: { owners: [{ kind: 'User', name: 'bob' }] } });
  for (const [name, labels] of [['s1', { replicate: 'yes', app: 'db' }], ['s2', { replicate: 'yes' }], ['s3', {}]] as const) {
    await client.create(secrets('source'), { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels, annotations: { origin: 'source' } }, type: 'Opaque', data: { key: Buffer.from(name).toString('base64') } });
  }
  await client.create(gtrRef, {
    apiVersion: 'capsule.clastix.io/v1beta2',
    kind: 'GlobalTenantResource',
    metadata: { name: 'shared' },
    spec: {
      tenantSelector: { matchLabels: { env: 'prod' } },
      resyncPeriod: '60s',
      ...(opts.pruningOnDelete === undefined ? {} : { pruningOnDelete: opts.pruningOnDelete }),
      resources: [
        {
          namespacedItems: [{ apiVersion: 'v1', kind: 'Secret', namespace: 'source', selector: sourceSelector }],
          rawItems: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '{{ tenant.name }}-info' }, data: { namespace: '{{ namespace }}', unknown: '{{ nope }}' } }],
          additionalMetadata: { labels: { team: 'platform' }, annotations: { note: 'replicated' } },
        },
      ],
    },
  });

  // Forced overlap: an insert into `processed` stays in progress until no request of the controller is
  // in flight, i.e. until every other replication goroutine of the batch has finished its createOrUpdate.
  const mapWriteWindow = opts.forceOverlap ? windowUntil(() => spec.manager()?.client.idle() ?? true) : undefined;
  const spec: CapsuleProcess = capsuleControllerProcess({ kc: actorKubeConfig(server.url, 'capsule'), clock, fixed: opts.fixed, mapWriteWindow });
  const sup = new Supervisor({ spec, clock });
  t.after(() => sup.stop());
  if (opts.start !== false) sup.start();

  const replicas = async (): Promise<Set<string>> => {
    const out = new Set<string>();
    const managed = resourcesLabel; // every replica carries it
    for (const s of (await client.list({ group: '', version: 'v1', plural: 'secrets' }, { labelSelector: managed })).items) {
      out.add(objectReferenceString({ kind: 'Secret', apiVersion: 'v1', namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '' }));
    }
    for (const c of (await client.list({ group: '', version: 'v1', plural: 'configmaps' }, { labelSelector: managed })).items) {
      out.add(objectReferenceString({ kind: 'ConfigMap', apiVersion: 'v1', namespace: c.metadata.namespace ?? '', name: c.metadata.name ?? '' }));
    }
    return out;
  };
  return {
    client,
    clock,
    spec,
    sup,
    settle: (what) => eventually(() => sup.state() === 'Running' && (spec.manager()?.started() ?? false) && sup.idle(), what),
    replicas,
    gtr: () => client.get<GlobalTenantResource>(gtrRef, 'shared'),
  };
}

const key = (kind: string, namespace: string, name: string): string => objectReferenceString({ kind, apiVersion: 'v1', namespace, name });

function expectedFor(namespaces: string[], sources: string[], tenantOf: (ns: string) => string): Set<string> {
  const out = new Set<string>();
  for (const ns of namespaces) {
    for (const s of sources) out.add(key('Secret', ns, s));
    out.add(key('ConfigMap', ns, `${tenantOf(ns)}-info`));
  }
  return out;
}

function statusSet(gtr: GlobalTenantResource): Set<string> {
  return new Set((gtr.status?.processedItems ?? []).map(objectReferenceString));
}

/** Waits until the status lists exactly `want` and the cluster holds exactly those replicas. */
async function converged(f: Fixture, want: Set<string>, what: string): Promise<void> {
  await eventually(async () => {
    const [gtr, have] = [await f.gtr(), await f.replicas()];
    return f.sup.idle() && setEqual(statusSet(gtr), want) && setEqual(have, want);
  }, what);
}

function setEqual(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

test('replicates every selected Secret and the templated rawItem into every namespace of every selected tenant, with the upstream metadata', async (t) => {
  const f = await fixture(t, { fixed: true });
  const want = expectedFor(['alpha-1', 'alpha-2'], ['s1', 's2'], () => 'alpha');
  await converged(f, want, 'the first reconcile');

  const gtr = await f.gtr();
  assert.deepEqual(gtr.status?.selectedTenants, ['alpha']);
  assert.deepEqual(gtr.metadata.finalizers, [resourcesFinalizer], 'pruningOnDelete (default true) adds the finalizer');
  assert.deepEqual(
    gtr.status?.processedItems?.map((i) => [i.kind, i.apiVersion, i.namespace, i.name]),
    [...want].sort().map((k) => k.split(',').map((p) => p.split('=')[1])),
    'processedItems sorted by their string form',
  );

  const copy = await f.client.get(secrets('alpha-2'), 's1');
  assert.deepEqual(copy.metadata.labels, { replicate: 'yes', app: 'db', team: 'platform', [resourcesLabel]: '0', [tenantLabel]: 'alpha' });
  assert.deepEqual(copy.metadata.annotations, { origin: 'source', note: 'replicated', [tenantLabel]: 'alpha' });
  assert.equal(copy.metadata.ownerReferences, undefined);
  assert.deepEqual((copy as KubeObject & { data?: unknown }).data, { key: Buffer.from('s1').toString('base64') });
  const cm = (await f.client.get(configMaps('alpha-1'), 'alpha-info')) as KubeObject & { data?: Record<string, string> };
  assert.deepEqual(cm.data, { namespace: 'alpha-1', unknown: '' }, 'fasttemplate fills {{ tenant.name }} and {{ namespace }}; an unknown tag becomes empty');
  assert.equal(cm.metadata.labels?.[resourcesLabel], '0');
  await assert.rejects(f.client.get(secrets('beta-1'), 's1'), isNotFound, 'beta is not selected');
  await assert.rejects(f.client.get(secrets('alpha-1'), 's3'), isNotFound, 's3 does not match the selector');
  assert.equal(f.sup.restartCount, 0);

  // The next resync (spec.resyncPeriod on the Clock) finds nothing to change.
  const completed = f.spec.reconciler()?.completed ?? 0;
  f.clock.step(60_000);
  await eventually(() => (f.spec.reconciler()?.completed ?? 0) > completed && f.sup.idle(), 'the resync');
  assert.deepEqual(statusSet(await f.gtr()), want);
});

test('a new tenant namespace gets the replicas at the next resync; a newly selected tenant gets them at once', async (t) => {
  const f = await fixture(t, { fixed: true });
  await converged(f, expectedFor(['alpha-1', 'alpha-2'], ['s1', 's2'], () => 'alpha'), 'the first reconcile');

  await f.client.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'alpha-3', labels: { [tenantLabel]: 'alpha' } } });
  // Upstream watches no Namespaces: the cached namespace list sees it, the resync acts on it.
  await eventually(() => f.spec.manager()?.informerFor(namespaceResource).lister().getByName(undefined, 'alpha-3') !== undefined && f.sup.idle(), 'the namespace in the cache');
  f.clock.step(60_000);
  await converged(f, expectedFor(['alpha-1', 'alpha-2', 'alpha-3'], ['s1', 's2'], () => 'alpha'), 'replicas in alpha-3');

  // A Tenant change is watched: labelling beta env=prod selects it without waiting for a resync.
  await f.client.patch(tntRef, 'beta', { metadata: { labels: { env: 'prod' } } });
  await converged(f, expectedFor(['alpha-1', 'alpha-2', 'alpha-3', 'beta-1'], ['s1', 's2'], (ns) => ns.replace(/-\d$/, '')), 'replicas in beta-1');
  assert.deepEqual((await f.gtr()).status?.selectedTenants, ['alpha', 'beta']);
  assert.equal((await f.client.get(secrets('beta-1'), 's2')).metadata.labels?.[tenantLabel], 'beta');
});

test('a source object that goes away has its replicas pruned, and only those', async (t) => {
  const f = await fixture(t, { fixed: true });
  await converged(f, expectedFor(['alpha-1', 'alpha-2'], ['s1', 's2'], () => 'alpha'), 'the first reconcile');
  const s1 = await f.client.get(secrets('alpha-1'), 's1');

  await f.client.delete(secrets('source'), 's2');
  f.clock.step(60_000);
  await converged(f, expectedFor(['alpha-1', 'alpha-2'], ['s1'], () => 'alpha'), 'the replicas of s2 pruned');
  assert.equal((await f.client.get(secrets('alpha-1'), 's1')).metadata.uid, s1.metadata.uid, 'the replica of s1 was kept, not recreated');

  // A source that stops matching the selector is pruned the same way.
  await f.client.patch(secrets('source'), 's1', { metadata: { labels: { replicate: null } } });
  f.clock.step(60_000);
  await converged(f, expectedFor(['alpha-1', 'alpha-2'], [], () => 'alpha'), 'the replicas of s1 pruned');
});

test('deleting the GlobalTenantResource with pruningOnDelete removes every replica, then the finalizer', async (t) => {
  const f = await fixture(t, { fixed: true });
  await converged(f, expectedFor(['alpha-1', 'alpha-2'], ['s1', 's2'], () => 'alpha'), 'the first reconcile');

  await f.client.delete(gtrRef, 'shared');
  await eventually(async () => {
    const gone = await f.gtr().then(
      () => false,
      (e: unknown) => isNotFound(e),
    );
    return gone && f.sup.idle() && (await f.replicas()).size === 0;
  }, 'the replicas and the GlobalTenantResource gone');
  assert.equal((await f.client.list(secrets('source'))).items.length, 3, 'the sources stay');
  assert.equal(f.sup.restartCount, 0);
});

test('with pruningOnDelete: false there is no finalizer, and deleting keeps the replicas', async (t) => {
  const f = await fixture(t, { fixed: true, pruningOnDelete: false });
  const want = expectedFor(['alpha-1', 'alpha-2'], ['s1', 's2'], () => 'alpha');
  await converged(f, want, 'the first reconcile');
  assert.equal((await f.gtr()).metadata.finalizers, undefined);
  await f.client.delete(gtrRef, 'shared');
  await eventually(() => f.gtr().then(() => false, isNotFound), 'the GlobalTenantResource gone');
  await eventually(() => f.sup.idle(), 'the controller idle');
  assert.ok(setEqual(await f.replicas(), want));
});

test('buggy (v0.7.2, #1263): two replication goroutines finishing together crash the process with concurrent map writes; it restarts and never writes status', async (t) => {
  const f = await fixture(t, { fixed: false, forceOverlap: true });
  const first = await f.sup.nextExit();
  assert.equal(first.reason, 'Error');
  assert.equal(first.exitCode, 2);
  assert.equal(first.report?.kind, 'fatal');
  assert.match(first.report?.toString() ?? '', /^fatal error: concurrent map writes\n\ngoroutine \d+ \[running\]:/);
  assert.equal(f.sup.state(), 'CrashLoopBackOff');
  assert.equal(f.sup.restartCount, 0);

  // The kubelet restarts it at once (a 0 ms timer on the Clock); it lists again, reconciles again, crashes again.
  const second = f.sup.nextExit();
  f.clock.fireDue();
  assert.equal(f.sup.restartCount, 1);
  assert.match((await second).report?.toString() ?? '', /^fatal error: concurrent map writes/);
  assert.equal(f.sup.state(), 'CrashLoopBackOff');
  assert.equal((f.sup.nextRestartAtMs() ?? NaN) - f.clock.now(), 10_000, 'crash-loop backoff');

  const gtr = await f.gtr();
  assert.equal(gtr.status, undefined, 'the deferred status patch never ran');
  assert.equal(gtr.metadata.finalizers, undefined, 'nor the finalizer patch');
  assert.equal(f.spec.reconciler()?.completed, 0);
  // Replicas may exist in part: the first namespace's batch got written before the crash.
  const have = await f.replicas();
  assert.ok(have.size < expectedFor(['alpha-1', 'alpha-2'], ['s1', 's2'], () => 'alpha').size);
});

test('fixed (v0.7.3, #1264): the same forced overlap never crashes; status lists exactly the replicas', async (t) => {
  const f = await fixture(t, { fixed: true, forceOverlap: true });
  const want = expectedFor(['alpha-1', 'alpha-2'], ['s1', 's2'], () => 'alpha');
  await converged(f, want, 'the first reconcile');
  const completed = f.spec.reconciler()?.completed ?? 0;
  f.clock.step(60_000); // a resync: every replica is read and updated again, both goroutines at once
  await eventually(() => (f.spec.reconciler()?.completed ?? 0) > completed && f.sup.idle(), 'the resync');
  assert.equal(f.sup.restartCount, 0);
  assert.equal(f.sup.exits.length, 0);
  assert.ok(setEqual(statusSet(await f.gtr()), want));
});
