// The API rules of the generic Store, one table row per rule, with the exact upstream strings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { StatusError } from '../machinery/errors.ts';
import { mergePatch } from '../machinery/mergepatch.ts';
import type { KubeObject } from '../machinery/object.ts';
import { SeededRandom } from '../machinery/random.ts';
import { MemoryStorage } from '../storage/memory.ts';
import { Registry } from './registry.ts';
import type { ResourceStore } from './store.ts';

interface World {
  reg: Registry;
  clock: FakeClock;
  store(group: string, version: string, plural: string): ResourceStore;
}

async function world(historyLimit = 1000): Promise<World> {
  const clock = new FakeClock(Date.UTC(2025, 4, 1, 12, 0, 0, 250));
  const reg = new Registry({ storage: new MemoryStorage({ historyLimit }), clock, random: new SeededRandom(7) });
  await reg.bootstrap();
  return {
    reg,
    clock,
    store: (g, v, p) => {
      const s = reg.lookup(g, v, p);
      assert.ok(s, `${g}/${v}/${p} is served`);
      return s;
    },
  };
}

async function rejects(p: Promise<unknown>, code: number, reason: string, message?: string | RegExp): Promise<StatusError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof StatusError, `expected a StatusError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.reason, reason, err.message);
  if (typeof message === 'string') assert.equal(err.message, message);
  else if (message) assert.match(err.message, message);
  return err;
}

const cm = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, ...extra });
const cluster = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'cluster.x-k8s.io/v1beta1',
  kind: 'Cluster',
  metadata: { name, ...((extra.metadata as object) ?? {}) },
  spec: { paused: false },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'metadata')),
});
const merge = (patch: unknown) => (cur: KubeObject) => mergePatch(cur, patch);

describe('registry rules: create', () => {
  it('sets uid, a second-precision creationTimestamp and a resourceVersion, and ignores client values', async () => {
    const w = await world();
    const { object } = await w.store('', 'v1', 'configmaps').create('default', cm('a', { metadata: { name: 'a', uid: 'mine', resourceVersion: '42', deletionTimestamp: '2020-01-01T00:00:00Z' } }));
    assert.match(object.metadata.uid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(object.metadata.creationTimestamp, '2025-05-01T12:00:00Z');
    assert.equal(object.metadata.deletionTimestamp, undefined);
    assert.notEqual(object.metadata.resourceVersion, '42');
  });

  it('generates names from generateName with the upstream alphabet', async () => {
    const w = await world();
    const { object } = await w.store('', 'v1', 'configmaps').create('default', cm('', { metadata: { generateName: 'web-' } }));
    assert.match(object.metadata.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('requires a name or generateName', async () => {
    const w = await world();
    await rejects(w.store('', 'v1', 'configmaps').create('default', cm('')), 422, 'Invalid', 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
  });

  it('refuses names that are not DNS subdomains', async () => {
    const w = await world();
    await rejects(w.store('', 'v1', 'configmaps').create('default', cm('Bad_Name')), 422, 'Invalid', /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  it('answers AlreadyExists with the qualified resource', async () => {
    const w = await world();
    await w.store('', 'v1', 'configmaps').create('default', cm('a'));
    await rejects(w.store('', 'v1', 'configmaps').create('default', cm('a')), 409, 'AlreadyExists', 'configmaps "a" already exists');
    const clusters = w.store('cluster.x-k8s.io', 'v1beta1', 'clusters');
    await clusters.create('default', cluster('c1'));
    const e = await rejects(clusters.create('default', cluster('c1')), 409, 'AlreadyExists', 'clusters.cluster.x-k8s.io "c1" already exists');
    assert.deepEqual(e.status.details, { name: 'c1', group: 'cluster.x-k8s.io', kind: 'clusters' });
  });

  it('needs the namespace to exist and not be terminating', async () => {
    const w = await world();
    await rejects(w.store('', 'v1', 'configmaps').create('nope', cm('a')), 404, 'NotFound', 'namespaces "nope" not found');
    await w.reg.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    const del = await w.reg.namespaces.delete(undefined, 'demo');
    assert.equal((del.object as KubeObject).status && ((del.object as KubeObject).status as { phase: string }).phase, 'Terminating');
    const e = await rejects(w.store('', 'v1', 'configmaps').create('demo', cm('a')), 403, 'Forbidden', 'configmaps "a" is forbidden: unable to create new content in namespace demo because it is being terminated');
    assert.deepEqual(e.status.details?.causes, [{ reason: 'NamespaceTerminating', message: 'namespace demo is being terminated', field: 'metadata.namespace' }]);
  });

  it('refuses a namespace in the body that differs from the URL', async () => {
    const w = await world();
    await rejects(
      w.store('', 'v1', 'configmaps').create('default', cm('a', { metadata: { name: 'a', namespace: 'kube-system' } })),
      400,
      'BadRequest',
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });

  it('drops status on create for kinds with a status subresource, and starts generation at 1', async () => {
    const w = await world();
    const { object } = await w.store('cluster.x-k8s.io', 'v1beta1', 'clusters').create('default', cluster('c1', { status: { phase: 'x' } }));
    assert.equal(object.status, undefined);
    assert.equal(object.metadata.generation, 1);
    const { object: c } = await w.store('', 'v1', 'configmaps').create('default', cm('a'));
    assert.equal(c.metadata.generation, undefined, 'configmaps have no generation');
  });

  it('persists nothing on dryRun', async () => {
    const w = await world();
    const before = await w.reg.deps.storage.revision();
    const { object } = await w.store('', 'v1', 'configmaps').create('default', cm('a'), { dryRun: true });
    assert.equal(object.metadata.name, 'a');
    assert.equal(await w.reg.deps.storage.revision(), before);
    await rejects(w.store('', 'v1', 'configmaps').get('default', 'a'), 404, 'NotFound', 'configmaps "a" not found');
  });

  it('refuses unknown fields under fieldValidation=Strict and warns under Warn', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    await rejects(s.create('default', { ...cm('a'), bogus: 1 } as KubeObject, { fieldValidation: 'Strict' }), 400, 'BadRequest', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
    const res = await s.create('default', { ...cm('a'), bogus: 1 } as KubeObject, { fieldValidation: 'Warn' });
    assert.deepEqual(res.warnings, ['unknown field "bogus"']);
    // As kube-apiserver's decoder, an unknown field of a built-in kind is not stored.
    assert.equal((res.object as KubeObject & { bogus?: unknown }).bogus, undefined);
  });
});

describe('registry rules: list', () => {
  async function seeded(): Promise<World> {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    for (const [name, labels] of [['a', { app: 'web', tier: 'fe' }], ['b', { app: 'web' }], ['c', { app: 'db' }], ['d', {}]] as const) {
      await s.create('default', cm(name, { metadata: { name, labels: { ...labels } } }));
    }
    return w;
  }
  const names = (items: KubeObject[]): string[] => items.map((i) => i.metadata.name ?? '');

  it('filters by label selectors, where != and notin match objects without the key', async () => {
    const w = await seeded();
    const s = w.store('', 'v1', 'configmaps');
    const q = async (labelSelector: string): Promise<string[]> => names((await s.list('default', { labelSelector })).items);
    assert.deepEqual(await q('app=web'), ['a', 'b']);
    assert.deepEqual(await q('app==web,tier'), ['a']);
    assert.deepEqual(await q('app!=web'), ['c', 'd']);
    assert.deepEqual(await q('app in (db,web)'), ['a', 'b', 'c']);
    assert.deepEqual(await q('app notin (web)'), ['c', 'd']);
    assert.deepEqual(await q('!app'), ['d']);
    await rejects(s.list('default', { labelSelector: 'app in (' }), 400, 'BadRequest');
  });

  it('filters by field selectors and refuses unknown fields with the upstream texts', async () => {
    const w = await seeded();
    const s = w.store('', 'v1', 'configmaps');
    assert.deepEqual(names((await s.list(undefined, { fieldSelector: 'metadata.name=b' })).items), ['b']);
    assert.deepEqual(names((await s.list(undefined, { fieldSelector: 'metadata.namespace!=default' })).items), []);
    await rejects(s.list('default', { fieldSelector: 'spec.x=1' }), 400, 'BadRequest', 'field label not supported: spec.x');
    await rejects(w.store('cluster.x-k8s.io', 'v1beta1', 'clusters').list('default', { fieldSelector: 'spec.x=1' }), 400, 'BadRequest', '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('supports the per-kind field selectors of pods, events and resource slices', async () => {
    const w = await world();
    const pods = w.store('', 'v1', 'pods');
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } });
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2' }, spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'i' }] } });
    assert.deepEqual(names((await pods.list('default', { fieldSelector: 'spec.nodeName=n2,status.phase=Pending' })).items), ['p2']);
    const slices = w.store('resource.k8s.io', 'v1beta1', 'resourceslices');
    for (const [name, node, driver] of [['s1', 'n1', 'gpu.example.com'], ['s2', 'n1', 'nic.example.com'], ['s3', 'n2', 'gpu.example.com']]) {
      await slices.create(undefined, { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceSlice', metadata: { name }, spec: { nodeName: node, driver, pool: { name: 'p', generation: 1, resourceSliceCount: 1 } } });
    }
    assert.deepEqual(names((await slices.list(undefined, { fieldSelector: 'spec.nodeName=n1,spec.driver=gpu.example.com' })).items), ['s1']);
    const events = w.store('', 'v1', 'events');
    await events.create('default', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p1', namespace: 'default', uid: 'u1' }, reason: 'Started' });
    await events.create('default', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e2' }, involvedObject: { kind: 'Pod', name: 'p2', namespace: 'default', uid: 'u2' }, reason: 'Started' });
    assert.deepEqual(names((await events.list('default', { fieldSelector: 'involvedObject.name=p1,involvedObject.namespace=default,involvedObject.uid=u1' })).items), ['e1']);
  });

  it('pages with limit and an opaque continue token over a consistent snapshot', async () => {
    const w = await seeded();
    const s = w.store('', 'v1', 'configmaps');
    const p1 = await s.list('default', { limit: 3 });
    assert.deepEqual(names(p1.items), ['a', 'b', 'c']);
    assert.equal(p1.remainingItemCount, 1);
    assert.ok(p1.continue);
    await s.create('default', cm('e'));
    const p2 = await s.list('default', { limit: 3, continue: p1.continue });
    assert.deepEqual(names(p2.items), ['d']);
    assert.equal(p2.continue, undefined);
    assert.equal(p2.resourceVersion, p1.resourceVersion, 'every page reports the snapshot revision');
  });

  it('ignores limit for resourceVersion=0 and validates resourceVersionMatch', async () => {
    const w = await seeded();
    const s = w.store('', 'v1', 'configmaps');
    assert.equal((await s.list('default', { limit: 1, resourceVersion: '0' })).items.length, 4);
    await rejects(s.list('default', { resourceVersionMatch: 'NotOlderThan' }), 422, 'Invalid', 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    await rejects(s.list('default', { resourceVersion: '0', resourceVersionMatch: 'Exact' }), 422, 'Invalid', /resourceVersionMatch "exact" is forbidden for resourceVersion "0"/);
    await rejects(s.list('default', { resourceVersion: '100000' }), 504, 'Timeout', /^Too large resource version: 100000, current: \d+$/);
  });

  it('serves an exact older resourceVersion from history, and 410 once it is gone', async () => {
    const w = await world(5);
    const s = w.store('', 'v1', 'configmaps');
    await s.create('default', cm('a'));
    const rv = (await s.list('default', {})).resourceVersion;
    await s.create('default', cm('b'));
    assert.deepEqual(names((await s.list('default', { resourceVersion: rv, resourceVersionMatch: 'Exact' })).items), ['a']);
    for (let i = 0; i < 6; i++) await s.create('default', cm(`x${i}`));
    await rejects(s.list('default', { resourceVersion: rv, resourceVersionMatch: 'Exact' }), 410, 'Expired', 'The resourceVersion for the provided list is too old.');
  });

  it('refuses malformed continue tokens (400) and expired ones (410)', async () => {
    const w = await world(3);
    const s = w.store('', 'v1', 'configmaps');
    for (const n of ['a', 'b', 'c']) await s.create('default', cm(n));
    await rejects(s.list('default', { limit: 1, continue: 'not-a-token!' }), 400, 'BadRequest', /^invalid continue token/);
    const p1 = await s.list('default', { limit: 1 });
    for (let i = 0; i < 5; i++) await s.create('default', cm(`x${i}`));
    await rejects(
      s.list('default', { limit: 1, continue: p1.continue }),
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
    );
  });
});

describe('registry rules: update and patch', () => {
  it('refuses a stale resourceVersion with the exact Conflict text', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    const { object } = await s.create('default', cm('a'));
    await s.patch('default', 'a', merge({ data: { x: '1' } }));
    const stale = { ...object, data: { x: '2' } };
    await rejects(s.update('default', 'a', stale), 409, 'Conflict', 'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('allows unconditional PUT on built-ins but not on custom resources', async () => {
    const w = await world();
    await w.store('', 'v1', 'configmaps').create('default', cm('a'));
    const { object } = await w.store('', 'v1', 'configmaps').update('default', 'a', cm('a', { data: { x: '1' } }));
    assert.deepEqual(object.data, { x: '1' });
    const clusters = w.store('cluster.x-k8s.io', 'v1beta1', 'clusters');
    await clusters.create('default', cluster('c1'));
    await rejects(clusters.update('default', 'c1', cluster('c1')), 422, 'Invalid', 'Cluster.cluster.x-k8s.io "c1" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
  });

  it('merge patches without a resourceVersion never conflict; with a stale one they do', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    const { object } = await s.create('default', cm('a'));
    await s.patch('default', 'a', merge({ data: { x: '1' } }));
    const { object: p } = await s.patch('default', 'a', merge({ data: { y: '2' } }));
    assert.deepEqual(p.data, { x: '1', y: '2' });
    await rejects(s.patch('default', 'a', merge({ metadata: { resourceVersion: object.metadata.resourceVersion } })), 409, 'Conflict');
  });

  it('splits spec and status writes both ways for custom resources', async () => {
    const w = await world();
    const s = w.store('cluster.x-k8s.io', 'v1beta1', 'clusters');
    await s.create('default', cluster('c1'));
    const { object: main } = await s.patch('default', 'c1', merge({ spec: { paused: true }, status: { phase: 'x' } }));
    assert.equal(main.status, undefined, 'the main resource keeps the old status');
    assert.equal(main.metadata.generation, 2, 'spec changes bump generation');
    const { object: st } = await s.patch('default', 'c1', merge({ spec: { paused: false }, metadata: { labels: { a: 'b' } }, status: { phase: 'Provisioned' } }), { subresource: 'status' });
    assert.deepEqual(st.status, { phase: 'Provisioned' });
    assert.deepEqual(st.spec, { paused: true }, '/status keeps the old spec');
    assert.equal(st.metadata.labels, undefined, '/status keeps the old metadata');
    assert.equal(st.metadata.generation, 2, 'status writes never bump generation');
    const { object: meta } = await s.patch('default', 'c1', merge({ metadata: { annotations: { n: '1' } } }));
    assert.equal(meta.metadata.generation, 2, 'metadata-only writes keep generation');
  });

  it('keeps metadata changes but not spec changes sent to a built-in /status', async () => {
    const w = await world();
    const pods = w.store('', 'v1', 'pods');
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const { object } = await pods.patch('default', 'p', merge({ metadata: { labels: { x: 'y' } }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } }), { subresource: 'status' });
    assert.deepEqual(object.metadata.labels, { x: 'y' });
    assert.equal((object.spec as { nodeName?: string }).nodeName, undefined);
    assert.equal((object.status as { phase: string }).phase, 'Running');
  });

  it('bumps ResourceSlice generation on spec changes and stamps device taints', async () => {
    const w = await world();
    const slices = w.store('resource.k8s.io', 'v1beta1', 'resourceslices');
    const { object } = await slices.create(undefined, {
      apiVersion: 'resource.k8s.io/v1beta1',
      kind: 'ResourceSlice',
      metadata: { name: 's' },
      spec: { nodeName: 'n', driver: 'd', pool: { name: 'p', generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0', basic: { taints: [{ key: 'k', effect: 'NoExecute' }] } }] },
    });
    assert.equal(object.metadata.generation, 1);
    const taint = ((object.spec as { devices: { basic: { taints: { timeAdded?: string }[] } }[] }).devices[0]?.basic.taints[0]);
    assert.equal(taint?.timeAdded, '2025-05-01T12:00:00Z');
    const { object: up } = await slices.patch(undefined, 's', merge({ spec: { driver: 'd2' } }));
    assert.equal(up.metadata.generation, 2);
  });

  it('fails a JSON patch test operation with 422 and keeps the object', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    await s.create('default', cm('a', { data: { x: '1' } }));
    const { patchFunction } = await import('../http/patch.ts');
    await rejects(s.patch('default', 'a', patchFunction(s.info, 'json', [{ op: 'test', path: '/data/x', value: '2' }, { op: 'replace', path: '/data/x', value: '3' }])), 422, 'Invalid');
    assert.deepEqual((await s.get('default', 'a')).data, { x: '1' });
  });

  it('does not bump the resourceVersion for a no-op update', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    const { object } = await s.create('default', cm('a', { data: { x: '1' } }));
    const { object: same } = await s.patch('default', 'a', merge({ data: { x: '1' } }));
    assert.equal(same.metadata.resourceVersion, object.metadata.resourceVersion);
  });

  it('keeps immutable metadata: name, uid, creationTimestamp, deletionTimestamp', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    const { object } = await s.create('default', cm('a'));
    await rejects(s.patch('default', 'a', merge({ metadata: { uid: 'other' } })), 422, 'Invalid', 'ConfigMap "a" is invalid: metadata.uid: Invalid value: "other": field is immutable');
    const { object: ts } = await s.patch('default', 'a', merge({ metadata: { creationTimestamp: '2000-01-01T00:00:00Z' } }));
    assert.equal(ts.metadata.creationTimestamp, object.metadata.creationTimestamp);
    await rejects(s.patch('default', 'a', merge({ metadata: { deletionTimestamp: '2030-01-01T00:00:00Z' } })), 422, 'Invalid', /metadata.deletionTimestamp: Invalid value: "2030-01-01T00:00:00Z": field is immutable/);
  });

  it('persists nothing for a dryRun update', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    await s.create('default', cm('a'));
    const { object } = await s.patch('default', 'a', merge({ data: { x: '1' } }), { dryRun: true });
    assert.deepEqual(object.data, { x: '1' });
    assert.equal((await s.get('default', 'a')).data, undefined);
  });
});

describe('registry rules: delete and finalizers', () => {
  it('removes an object without finalizers; custom resources answer with a Success Status', async () => {
    const w = await world();
    const s = w.store('cluster.x-k8s.io', 'v1beta1', 'clusters');
    const { object } = await s.create('default', cluster('c1'));
    const res = await s.delete('default', 'c1');
    assert.deepEqual(res.object, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'c1', group: 'cluster.x-k8s.io', kind: 'clusters', uid: object.metadata.uid } });
    await rejects(s.get('default', 'c1'), 404, 'NotFound', 'clusters.cluster.x-k8s.io "c1" not found');
  });

  it('pods answer a DELETE with the deleted object', async () => {
    const w = await world();
    const pods = w.store('', 'v1', 'pods');
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const res = await pods.delete('default', 'p');
    assert.equal((res.object as KubeObject).kind, 'Pod');
  });

  it('only marks an object with finalizers, bumping generation; a repeat changes nothing', async () => {
    const w = await world();
    const s = w.store('cluster.x-k8s.io', 'v1beta1', 'clusters');
    await s.create('default', cluster('c1', { metadata: { finalizers: ['cluster.cluster.x-k8s.io'] } }));
    const first = (await s.delete('default', 'c1')).object as KubeObject;
    assert.equal(first.metadata.deletionTimestamp, '2025-05-01T12:00:00Z');
    assert.equal(first.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(first.metadata.generation, 2);
    w.clock.step(5000);
    const again = (await s.delete('default', 'c1')).object as KubeObject;
    assert.equal(again.metadata.deletionTimestamp, first.metadata.deletionTimestamp);
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
  });

  it('refuses new finalizers on a deleting object with the exact text, allows removing and reordering', async () => {
    const w = await world();
    const s = w.store('cluster.x-k8s.io', 'v1beta1', 'clusters');
    await s.create('default', cluster('c1', { metadata: { finalizers: ['a.io/x', 'b.io/y'] } }));
    await s.delete('default', 'c1');
    const e = await rejects(
      s.patch('default', 'c1', merge({ metadata: { finalizers: ['a.io/x', 'b.io/y', 'cluster.cluster.x-k8s.io'] } })),
      422,
      'Invalid',
      'Cluster.cluster.x-k8s.io "c1" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"cluster.cluster.x-k8s.io"}',
    );
    assert.deepEqual(e.status.details?.causes, [
      { reason: 'FieldValueForbidden', message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"cluster.cluster.x-k8s.io"}', field: 'metadata.finalizers' },
    ]);
    const { object } = await s.patch('default', 'c1', merge({ metadata: { finalizers: ['b.io/y', 'a.io/x'] } }));
    assert.deepEqual(object.metadata.finalizers, ['b.io/y', 'a.io/x']);
  });

  it('deletes the object with the write that removes its last finalizer', async () => {
    const w = await world();
    const s = w.store('cluster.x-k8s.io', 'v1beta1', 'clusters');
    await s.create('default', cluster('c1', { metadata: { finalizers: ['a.io/x'] } }));
    await s.delete('default', 'c1');
    const watcher = await s.watch('default', { resourceVersion: String(await w.reg.deps.storage.revision()) });
    await s.patch('default', 'c1', merge({ metadata: { finalizers: [] } }));
    await rejects(s.get('default', 'c1'), 404, 'NotFound');
    assert.deepEqual(watcher.take().map((i) => i.type), ['DELETED']);
    watcher.stop();
  });

  it('checks uid and resourceVersion preconditions with the upstream texts', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    const { object } = await s.create('default', cm('a'));
    await rejects(
      s.delete('default', 'a', { preconditions: { uid: 'x' } }),
      409,
      'Conflict',
      `Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition (x) does not match the UID in record (${object.metadata.uid}). The object might have been deleted and then recreated`,
    );
    await rejects(
      s.delete('default', 'a', { preconditions: { resourceVersion: '1' } }),
      409,
      'Conflict',
      `Operation cannot be fulfilled on ConfigMap "a": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${object.metadata.resourceVersion}). The object might have been modified`,
    );
    await s.delete('default', 'a', { preconditions: { uid: object.metadata.uid } });
  });

  it('keeps the system namespaces', async () => {
    const w = await world();
    await rejects(w.reg.namespaces.delete(undefined, 'default'), 403, 'Forbidden', 'namespaces "default" is forbidden: this namespace may not be deleted');
  });

  it('persists nothing for a dryRun delete', async () => {
    const w = await world();
    const s = w.store('', 'v1', 'configmaps');
    await s.create('default', cm('a'));
    await s.delete('default', 'a', { dryRun: true });
    assert.ok(await s.get('default', 'a'));
  });
});
