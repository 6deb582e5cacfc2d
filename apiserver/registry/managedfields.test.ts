import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ManagedFieldsEntry } from '../machinery/object.ts';
import {
  decodeManagedFields,
  fieldSchemaFor,
  fieldSetOf,
  fromFieldsV1,
  managerOrUserAgent,
  pathString,
  toFieldsV1,
  updateManagedFields,
} from './managedfields.ts';

const t0 = '2025-05-01T12:00:00Z';
const t1 = '2025-05-01T12:00:01Z';
const t2 = '2025-05-01T12:00:02Z';

const lastApplied =
  '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"cfg","namespace":"default"}}\n';

function configMap(data: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'default', uid: 'u-1', resourceVersion: '7', creationTimestamp: t0, ...extra },
    data,
  };
}

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'nginx', namespace: 'default', labels: { run: 'nginx' } },
  spec: {
    containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: {} }],
    restartPolicy: 'Always',
  },
};

/** Stores an update the way the Store will: the new managedFields on the new object. */
function write(old: KubeObject | undefined, next: KubeObject, manager: string, time: string, extra: { subresource?: string; userAgent?: string } = {}): KubeObject {
  const managedFields = updateManagedFields(old, next, manager, { operation: 'Update', time, apiVersion: 'v1', ...extra });
  const { managedFields: _dropped, ...metadata } = next.metadata;
  return { ...next, metadata: managedFields.length > 0 ? { ...metadata, managedFields } : metadata };
}

const byManager = (obj: KubeObject): Record<string, unknown> =>
  Object.fromEntries((obj.metadata.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`, e.fieldsV1]));

describe('FieldsV1', () => {
  it('encodes a ConfigMap with maps field by field and round-trips', () => {
    const cm = configMap({ a: '1', b: '' }, { labels: { app: 'web' }, annotations: {} });
    const fields = toFieldsV1(fieldSetOf(cm));
    assert.deepEqual(fields, {
      'f:apiVersion': {},
      'f:data': { 'f:a': {}, 'f:b': {} },
      'f:kind': {},
      'f:metadata': {
        'f:annotations': {},
        'f:creationTimestamp': {},
        'f:labels': { 'f:app': {} },
        'f:name': {},
        'f:namespace': {},
        'f:resourceVersion': {},
        'f:uid': {},
      },
    });
    assert.equal(JSON.stringify(toFieldsV1(fromFieldsV1(fields))), JSON.stringify(fields));
  });

  it('keys containers by name and ports by containerPort and the defaulted protocol', () => {
    const set = fieldSetOf({ spec: pod.spec }, fieldSchemaFor('', 'Pod'));
    const fields = toFieldsV1(set);
    assert.equal(
      JSON.stringify(fields),
      JSON.stringify({
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              'f:resources': {},
            },
          },
          'f:restartPolicy': {},
        },
      }),
    );
    assert.deepEqual(
      set.paths().map(pathString),
      [
        '.spec.restartPolicy',
        '.spec.containers[name="nginx"]',
        '.spec.containers[name="nginx"].image',
        '.spec.containers[name="nginx"].name',
        '.spec.containers[name="nginx"].resources',
        '.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]',
        '.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort',
      ],
    );
    assert.deepEqual(toFieldsV1(fromFieldsV1(fields)), fields);
  });

  it('owns finalizers by value, ownerReferences by uid and other lists as a whole', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { finalizers: ['b', 'a'], ownerReferences: [{ uid: 'x1', name: 'rs' }] },
      spec: { tolerations: [{ key: 'k' }], containers: [{ name: 'c', args: ['-v'] }] },
    };
    assert.deepEqual(toFieldsV1(fieldSetOf(obj)), {
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': {
        'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} },
        'f:ownerReferences': { 'k:{"uid":"x1"}': { '.': {}, 'f:name': {}, 'f:uid': {} } },
      },
      'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:args': {}, 'f:name': {} } }, 'f:tolerations': {} },
    });
  });

  it('reads FieldsV1 written by others: unsorted keys are canonical, `.` marks a member, unknown types are dropped', () => {
    const set = fromFieldsV1({
      'f:spec': { 'f:ports': { 'k:{"protocol":"TCP","port":80}': { '.': {}, 'f:port': {} } } },
      'x:future': {},
    });
    assert.deepEqual(toFieldsV1(set), { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } } } });
    assert.equal(set.has(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']), true);
    assert.equal(set.has(['f:spec', 'f:ports']), false);
    assert.throws(() => fromFieldsV1({ 'f:a': 1 }));
    assert.throws(() => fromFieldsV1({ 'k:{bad': {} }));
  });

  it('makes LabelSelector atomic in workload specs', () => {
    const set = fieldSetOf({ spec: { selector: { matchLabels: { app: 'a' } }, replicas: 2 } }, fieldSchemaFor('apps', 'Deployment'));
    assert.deepEqual(toFieldsV1(set), { 'f:spec': { 'f:replicas': {}, 'f:selector': {} } });
  });
});

describe('updateManagedFields', () => {
  it('gives the creator every field it set, with `.` where it created a map or list item', () => {
    const created = write(undefined, pod, 'kubectl-run', t0);
    assert.equal(
      JSON.stringify(created.metadata.managedFields),
      JSON.stringify([
        {
          manager: 'kubectl-run',
          operation: 'Update',
          apiVersion: 'v1',
          time: t0,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { '.': {}, 'f:run': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  'f:resources': {},
                },
              },
              'f:restartPolicy': {},
            },
          },
        },
      ]),
    );
  });

  it('records kubectl client-side apply creating a ConfigMap as upstream does', () => {
    const created = write(undefined, configMap({ a: '1' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } }), 'kubectl-client-side-apply', t0);
    assert.deepEqual(created.metadata.managedFields, [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'v1',
        time: t0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { '.': {}, 'f:a': {} },
          'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
        },
      },
    ]);
  });

  it('moves a changed field to the manager that changed it; a manager left with nothing is dropped', () => {
    const created = write(undefined, configMap({ a: '1', b: '2' }), 'creator', t0);
    const patched = write(created, { ...created, data: { a: '9', b: '2' } }, 'kubectl-patch', t1);
    assert.deepEqual(byManager(patched), {
      'creator/Update': { 'f:data': { '.': {}, 'f:b': {} } },
      'kubectl-patch/Update': { 'f:data': { 'f:a': {} } },
    });
    // A write that changes nothing adds no entry and keeps the times.
    const same = write(patched, { ...patched, metadata: { ...patched.metadata } }, 'idle', t2);
    assert.deepEqual(same.metadata.managedFields, patched.metadata.managedFields);
    // The creator writes again: its entry grows and its time moves; it takes b back from nobody, a from kubectl-patch.
    const again = write(patched, { ...patched, data: { a: '10', b: '2', c: '3' } }, 'creator', t2);
    assert.deepEqual(
      again.metadata.managedFields?.map((e) => [e.manager, e.time, e.fieldsV1]),
      [['creator', t2, { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {}, 'f:c': {} } }]],
    );
  });

  it('removes a deleted field from its owner', () => {
    const created = write(undefined, configMap({ a: '1', b: '2' }, { labels: { x: 'y' } }), 'creator', t0);
    const { labels: _labels, ...metadata } = created.metadata;
    const next = write(created, { ...created, metadata, data: { b: '2' } }, 'editor', t1);
    assert.deepEqual(byManager(next), { 'creator/Update': { 'f:data': { '.': {}, 'f:b': {} } } });
  });

  it('sorts entries by operation, then time, then manager', () => {
    const entries: ManagedFieldsEntry[] = [
      { manager: 'z', operation: 'Update', apiVersion: 'v1', time: t0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:z': {} } } },
      { manager: 'b', operation: 'Update', apiVersion: 'v1', time: t1, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:b': {} } } },
      { manager: 'a', operation: 'Update', apiVersion: 'v1', time: t1, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
      { manager: 'y', operation: 'Apply', apiVersion: 'v1', time: t2, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:y': {} } } },
    ];
    const live = configMap({ a: '1', b: '1', y: '1', z: '1' }, { managedFields: entries });
    const next = write(live, { ...live, data: { ...live.data as Record<string, string>, n: '1' } }, 'n', t0);
    assert.deepEqual(next.metadata.managedFields?.map((e) => e.manager), ['y', 'n', 'z', 'a', 'b']);
  });

  it('names the manager from the User-Agent, or "unknown"', () => {
    assert.equal(managerOrUserAgent('', 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc'), 'kubectl');
    assert.equal(managerOrUserAgent(undefined, 'my\u0007agent/1.0'), 'myagent');
    assert.equal(managerOrUserAgent('mine', 'kubectl/v1'), 'mine');
    assert.equal(managerOrUserAgent('', 'x'.repeat(200)).length, 128);
    assert.equal(write(undefined, configMap({ a: '1' }), '', t0, { userAgent: 'node-fetch/1.0' }).metadata.managedFields?.[0]?.manager, 'node-fetch');
    assert.equal(write(undefined, configMap({ a: '1' }), '', t0).metadata.managedFields?.[0]?.manager, 'unknown');
  });

  it('never records system metadata fields', () => {
    const created = write(undefined, configMap({}, { generation: 3, generateName: 'c-' }), 'creator', t0);
    assert.deepEqual(byManager(created), { 'creator/Update': { 'f:data': {}, 'f:metadata': { 'f:generateName': {} } } });
    const bumped = write(created, { ...created, metadata: { ...created.metadata, resourceVersion: '8', generation: 4, uid: 'u-2' } }, 'other', t1);
    assert.deepEqual(bumped.metadata.managedFields, created.metadata.managedFields);
  });

  it('leaves untracked objects untracked, and resets on an empty managedFields list', () => {
    const untracked = configMap({ a: '1' });
    assert.deepEqual(updateManagedFields(untracked, { ...untracked, data: { a: '2' } }, 'm', { operation: 'Update', time: t1, apiVersion: 'v1' }), []);
    const created = write(undefined, configMap({ a: '1' }), 'creator', t0);
    const reset = { ...created, metadata: { ...created.metadata, managedFields: [] } };
    assert.deepEqual(updateManagedFields(created, reset, 'm', { operation: 'Update', time: t1, apiVersion: 'v1' }), []);
    // Valid managedFields in the request replace the live ones.
    const replaced = { ...created, metadata: { ...created.metadata, managedFields: [{ manager: 'other', operation: 'Update' as const, apiVersion: 'v1', fieldsType: 'FieldsV1' as const, fieldsV1: { 'f:data': { 'f:a': {} } } }] } };
    assert.deepEqual(updateManagedFields(created, replaced, 'm', { operation: 'Update', time: t1, apiVersion: 'v1' }), replaced.metadata.managedFields);
  });

  it('records /status writes with their subresource and ignores the reset fields', () => {
    const created = write(undefined, { ...pod, status: { phase: 'Pending' } }, 'kubectl-run', t0);
    const managedFields = updateManagedFields(created, { ...created, status: { phase: 'Running' } }, 'kubelet', {
      operation: 'Update',
      subresource: 'status',
      time: t1,
      apiVersion: 'v1',
      resetFields: [['spec']],
    });
    assert.deepEqual(managedFields.find((e) => e.manager === 'kubelet'), {
      manager: 'kubelet',
      operation: 'Update',
      apiVersion: 'v1',
      time: t1,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:phase': {} } },
      subresource: 'status',
    });
    // Status set by the strategy on create is not owned by the creator of the main resource.
    const mf = updateManagedFields(undefined, { ...pod, status: { phase: 'Pending' } }, 'kubectl-run', { operation: 'Update', time: t0, apiVersion: 'v1', resetFields: [['status']] });
    assert.equal(JSON.stringify(mf).includes('f:status'), false);
  });

  it('merges the oldest of more than ten Update managers into ancient-changes', () => {
    let obj = write(undefined, configMap({ m0: '0' }), 'm0', '2025-05-01T12:00:00Z');
    for (let i = 1; i <= 10; i++) obj = write(obj, { ...obj, data: { ...(obj.data as Record<string, string>), [`m${i}`]: String(i) } }, `m${i}`, `2025-05-01T12:00:${String(i).padStart(2, '0')}Z`);
    const managers = (obj.metadata.managedFields ?? []).map((e) => e.manager);
    assert.equal(managers.length, 10);
    assert.deepEqual(managers.slice(0, 2), ['ancient-changes', 'm2']);
    assert.deepEqual(obj.metadata.managedFields?.[0]?.fieldsV1, { 'f:data': { '.': {}, 'f:m0': {}, 'f:m1': {} } });
  });

  it('decodes the entries it encodes and rejects malformed ones', () => {
    const created = write(undefined, pod, 'kubectl-run', t0);
    const managed = decodeManagedFields(created.metadata.managedFields);
    assert.deepEqual([...managed.keys()], ['{"manager":"kubectl-run","operation":"Update","apiVersion":"v1"}']);
    assert.throws(() => decodeManagedFields([{ manager: 'x', operation: 'Update', apiVersion: 'v1' }]), /missing fieldsType in managed fields entry 0/);
    assert.throws(() => decodeManagedFields([{ manager: 'x', operation: 'Update', fieldsType: 'FieldsV1' }]), /apiVersion must not be empty/);
  });
});
