import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonPatch, mergePatch, statusOf, strategicPatch, testServer } from '../../testing/server.ts';

describe('CRUD over HTTP with @kubernetes/client-node', () => {
  it('creates, reads, lists, replaces, patches and deletes a ConfigMap', async (t) => {
    const s = await testServer(t);
    const core = s.core();
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg', labels: { app: 'web' } }, data: { a: '1' } } });
    assert.equal(created.metadata?.name, 'cfg');
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(String(created.metadata?.resourceVersion), /^\d+$/);
    const got = await core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' });
    assert.deepEqual(got.data, { a: '1' });
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=web' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['cfg']);
    assert.equal(list.metadata?.resourceVersion, created.metadata?.resourceVersion);

    got.data = { a: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: got });
    assert.deepEqual(replaced.data, { a: '2' });
    assert.equal(replaced.metadata?.creationTimestamp?.getTime(), created.metadata?.creationTimestamp?.getTime(), 'creationTimestamp is kept');

    const merged = await core.patchNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: { data: { b: '3' } } }, mergePatch);
    assert.deepEqual(merged.data, { a: '2', b: '3' });
    const jp = await core.patchNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: [{ op: 'remove', path: '/data/a' }] }, jsonPatch);
    assert.deepEqual(jp.data, { b: '3' });
    const smp = await core.patchNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: { data: { c: '4' } } }, strategicPatch);
    assert.deepEqual(smp.data, { b: '3', c: '4' });

    const del = (await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: 'default' })) as unknown as { kind: string; status: string; details: { name: string; kind: string } };
    assert.equal(del.kind, 'Status');
    assert.equal(del.status, 'Success');
    assert.deepEqual([del.details.name, del.details.kind], ['cfg', 'configmaps']);
    await assert.rejects(core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' }), (e) => {
      const st = statusOf(e);
      return st.code === 404 && st.reason === 'NotFound' && st.message === 'configmaps "cfg" not found';
    });
  });

  it('serves custom kinds with status subresource, generation and the 422 for PUT without resourceVersion', async (t) => {
    const s = await testServer(t);
    const api = s.custom();
    const g = { group: 'cluster.x-k8s.io', version: 'v1beta1', namespace: 'default', plural: 'clusters' };
    const c1 = (await api.createNamespacedCustomObject({ ...g, body: { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: { name: 'c1' }, spec: { paused: false }, status: { phase: 'Provisioned' } } })) as {
      metadata: { generation: number; resourceVersion: string };
      status?: unknown;
    };
    assert.equal(c1.metadata.generation, 1);
    assert.equal(c1.status, undefined, 'status is dropped on create');
    await assert.rejects(
      api.replaceNamespacedCustomObject({ ...g, name: 'c1', body: { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: { name: 'c1' }, spec: { paused: true } } }),
      (e) => {
        const st = statusOf(e);
        return st.code === 422 && st.message === 'Cluster.cluster.x-k8s.io "c1" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update';
      },
    );
    const spec = (await api.patchNamespacedCustomObject({ ...g, name: 'c1', body: { spec: { paused: true } } }, mergePatch)) as { metadata: { generation: number } };
    assert.equal(spec.metadata.generation, 2);
    const meta = (await api.patchNamespacedCustomObject({ ...g, name: 'c1', body: { metadata: { labels: { x: 'y' } }, status: { phase: 'ignored' } } }, mergePatch)) as {
      metadata: { generation: number };
      status?: unknown;
    };
    assert.equal(meta.metadata.generation, 2, 'metadata-only changes keep generation');
    assert.equal(meta.status, undefined, 'the main resource ignores status');
    const st = (await api.patchNamespacedCustomObjectStatus({ ...g, name: 'c1', body: { status: { phase: 'Provisioned' }, spec: { paused: false }, metadata: { labels: { z: '1' } } } }, mergePatch)) as {
      metadata: { generation: number; labels: Record<string, string> };
      spec: { paused: boolean };
      status: { phase: string };
    };
    assert.equal(st.status.phase, 'Provisioned');
    assert.equal(st.spec.paused, true, '/status ignores spec');
    assert.deepEqual(st.metadata.labels, { x: 'y' }, '/status ignores metadata for custom resources');
    assert.equal(st.metadata.generation, 2);
    await assert.rejects(api.patchNamespacedCustomObject({ ...g, name: 'c1', body: { spec: {} } }, strategicPatch), (e) => {
      const s415 = statusOf(e);
      return s415.code === 415 && s415.message === 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';
    });
  });

  it('refuses stale resourceVersions with the exact Conflict text; patches without one never conflict', async (t) => {
    const s = await testServer(t);
    const core = s.core();
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' }, data: { n: '0' } } });
    await core.patchNamespacedConfigMap({ name: 'x', namespace: 'default', body: { data: { n: '1' } } }, mergePatch);
    cm.data = { n: 'stale' };
    await assert.rejects(core.replaceNamespacedConfigMap({ name: 'x', namespace: 'default', body: cm }), (e) => {
      const st = statusOf(e);
      return (
        st.code === 409 &&
        st.reason === 'Conflict' &&
        st.message === 'Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again'
      );
    });
    await assert.rejects(
      core.patchNamespacedConfigMap({ name: 'x', namespace: 'default', body: { metadata: { resourceVersion: cm.metadata?.resourceVersion }, data: { n: '2' } } }, mergePatch),
      (e) => statusOf(e).code === 409,
    );
    const ok = await core.patchNamespacedConfigMap({ name: 'x', namespace: 'default', body: { data: { n: '3' } } }, mergePatch);
    assert.equal(ok.data?.n, '3');
  });

  it('answers AlreadyExists, missing namespaces, and generateName', async (t) => {
    const s = await testServer(t);
    const core = s.core();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } });
    await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } }), (e) => {
      const st = statusOf(e);
      return st.code === 409 && st.reason === 'AlreadyExists' && st.message === 'configmaps "dup" already exists';
    });
    await assert.rejects(core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'a' } } }), (e) => {
      const st = statusOf(e);
      return st.code === 404 && st.message === 'namespaces "nope" not found';
    });
    const gen = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'web-' } } });
    assert.match(gen.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('keeps objects with finalizers until the last one is removed, and refuses new ones', async (t) => {
    const s = await testServer(t);
    const api = s.custom();
    const g = { group: 'cluster.x-k8s.io', version: 'v1beta1', namespace: 'default', plural: 'clusters' };
    await api.createNamespacedCustomObject({ ...g, body: { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: { name: 'c1', finalizers: ['a.example.com/f'] } } });
    const deleting = (await api.deleteNamespacedCustomObject({ ...g, name: 'c1' })) as { metadata: { deletionTimestamp: string; deletionGracePeriodSeconds: number; generation: number } };
    assert.ok(deleting.metadata.deletionTimestamp);
    assert.equal(deleting.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(deleting.metadata.generation, 2, 'markAsDeleting bumps generation');
    await assert.rejects(
      api.patchNamespacedCustomObject({ ...g, name: 'c1', body: { metadata: { finalizers: ['a.example.com/f', 'cluster.cluster.x-k8s.io'] } } }, mergePatch),
      (e) => {
        const st = statusOf(e);
        return (
          st.code === 422 &&
          st.message ===
            'Cluster.cluster.x-k8s.io "c1" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"cluster.cluster.x-k8s.io"}'
        );
      },
    );
    const again = (await api.deleteNamespacedCustomObject({ ...g, name: 'c1' })) as { metadata: { deletionTimestamp: string; resourceVersion: string } };
    assert.equal(again.metadata.deletionTimestamp, deleting.metadata.deletionTimestamp, 'a repeated DELETE is idempotent');
    await api.patchNamespacedCustomObject({ ...g, name: 'c1', body: { metadata: { finalizers: null } } }, mergePatch);
    await assert.rejects(api.getNamespacedCustomObject({ ...g, name: 'c1' }), (e) => statusOf(e).code === 404);
  });
});
