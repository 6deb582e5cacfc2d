import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStatusError, type StatusError } from '../machinery/errors.ts';
import { jsonEqual } from '../machinery/json.ts';
import type { KubeObject } from '../machinery/object.ts';
import { serverSideApply, validatePatchOptions, type ApplyOptions } from './apply.ts';
import { updateManagedFields } from './managedfields.ts';

const t0 = '2025-05-01T12:00:00Z';
const t1 = '2025-05-01T12:00:01Z';
const t2 = '2025-05-01T12:00:02Z';
const lastAppliedKey = 'kubectl.kubernetes.io/last-applied-configuration';
const cmKind = { group: '', version: 'v1', kind: 'ConfigMap' };

function cm(data: Record<string, string>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', ...metadata }, data };
}

function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, time: string, extra: Partial<ApplyOptions> = {}): KubeObject {
  const { object } = serverSideApply(live, applied, { manager, force: false, kind: cmKind, time, ...extra });
  // What the Store adds on create.
  return live ? object : { ...object, metadata: { ...object.metadata, uid: 'u-1', resourceVersion: '1', creationTimestamp: t0 } };
}

/** An ordinary write (POST/PUT/PATCH) by `manager`. */
function update(old: KubeObject | undefined, next: KubeObject, manager: string, time: string): KubeObject {
  const managedFields = updateManagedFields(old, next, manager, { operation: 'Update', time, apiVersion: 'v1' });
  const base = old ? next : { ...next, metadata: { ...next.metadata, uid: 'u-1', resourceVersion: '1', creationTimestamp: t0 } };
  return { ...base, metadata: { ...base.metadata, managedFields } };
}

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  assert.fail('expected a StatusError');
}

const entries = (obj: KubeObject): unknown[] => (obj.metadata.managedFields ?? []).map((e) => [e.manager, e.operation, e.fieldsV1]);

describe('validatePatchOptions', () => {
  it('requires a fieldManager for apply, with the upstream 422', () => {
    const err = statusOf(() => validatePatchOptions({}, true));
    assert.deepEqual(err.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      reason: 'Invalid',
      details: {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
      },
      code: 422,
    });
    validatePatchOptions({ fieldManager: 'kubectl', force: false }, true);
  });

  it('forbids force on other patches and checks the manager name', () => {
    assert.equal(statusOf(() => validatePatchOptions({ force: true }, false)).message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    assert.equal(
      statusOf(() => validatePatchOptions({ fieldManager: 'a\u0007' }, false)).message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\u0007": invalid character U+0007 (at position 1)',
    );
    assert.equal(statusOf(() => validatePatchOptions({ fieldManager: 'x'.repeat(129) }, true)).message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
    validatePatchOptions({ fieldManager: 'kubectl-patch' }, false);
  });
});

describe('serverSideApply', () => {
  it('creates the object and records the Apply entry', () => {
    const res = serverSideApply(undefined, cm({ a: '1' }, { labels: { app: 'web' } }), { manager: 'kubectl', force: false, kind: cmKind, time: t0, name: 'cfg', namespace: 'default' });
    assert.equal(res.created, true);
    assert.deepEqual(res.object, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cfg',
        namespace: 'default',
        labels: { app: 'web' },
        managedFields: [
          { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: t0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
        ],
      },
      data: { a: '1' },
    });
  });

  it('creates a Pod with its containers keyed by name', () => {
    const applied: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nginx' },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
    };
    const { object } = serverSideApply(undefined, applied, { manager: 'kubectl', force: false, kind: { group: '', version: 'v1', kind: 'Pod' }, time: t0, name: 'nginx', namespace: 'default' });
    assert.equal(object.metadata.namespace, 'default');
    assert.equal(
      JSON.stringify(object.metadata.managedFields?.[0]?.fieldsV1),
      JSON.stringify({
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
          },
        },
      }),
    );
  });

  it('is idempotent: applying the same configuration again changes nothing, not even the time', () => {
    const live = apply(undefined, cm({ a: '1' }), 'kubectl', t0);
    const res = serverSideApply(live, cm({ a: '1' }), { manager: 'kubectl', force: false, kind: cmKind, time: t1 });
    assert.equal(res.created, false);
    assert.ok(jsonEqual(res.object, live));
    assert.equal(res.object.metadata.managedFields?.[0]?.time, t0);
  });

  it('removes fields the manager stopped applying, unless another manager owns them', () => {
    let live = apply(undefined, cm({ a: '1', b: '2', c: '3' }, { labels: { x: 'y' } }), 'mine', t0);
    live = update(live, { ...live, data: { a: '1', b: '2', c: '30' } }, 'editor', t1);
    live = apply(live, cm({ a: '1' }), 'mine', t2);
    assert.deepEqual(live.data, { a: '1', c: '30' });
    assert.equal(live.metadata.labels, undefined);
    assert.deepEqual(entries(live), [
      ['mine', 'Apply', { 'f:data': { 'f:a': {} } }],
      ['editor', 'Update', { 'f:data': { 'f:c': {} } }],
    ]);
  });

  it('merges associative lists by key and prunes only the items the manager applied', () => {
    const kind = { group: 'apps', version: 'v1', kind: 'Deployment' };
    const deploy = (containers: unknown[]): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers } } } });
    let live = serverSideApply(undefined, deploy([{ name: 'app', image: 'app:1' }, { name: 'log', image: 'log:1' }]), { manager: 'ci', force: false, kind, time: t0 }).object;
    live = serverSideApply(live, deploy([{ name: 'sidecar', image: 'sc:1' }]), { manager: 'mesh', force: false, kind, time: t1 }).object;
    assert.deepEqual((live.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers.map((c) => c.name), ['app', 'log', 'sidecar']);
    live = serverSideApply(live, deploy([{ name: 'app', image: 'app:2' }]), { manager: 'ci', force: false, kind, time: t2 }).object;
    assert.deepEqual((live.spec as { template: unknown }).template, {
      spec: {
        containers: [
          { name: 'app', image: 'app:2' },
          { name: 'sidecar', image: 'sc:1' },
        ],
      },
    });
  });

  it('reports one conflict with the exact upstream Status', () => {
    const live = update(undefined, cm({ a: '1' }), 'kubectl-client-side-apply', t0);
    const err = statusOf(() => serverSideApply(live, cm({ a: '2' }), { manager: 'me', force: false, kind: cmKind, time: t1 }));
    assert.deepEqual(err.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.data.a' }] },
      code: 409,
    });
  });

  it('groups several conflicts by manager', () => {
    let live = update(undefined, cm({ a: '1', b: '1' }), 'editor', t0);
    live = apply(live, cm({ c: '1' }, { labels: { x: '1' } }), 'ci', t1);
    const err = statusOf(() => serverSideApply(live, cm({ a: '2', b: '2', c: '2' }, { labels: { x: '2' } }), { manager: 'me', force: false, kind: cmKind, time: t2 }));
    assert.equal(err.code, 409);
    assert.equal(err.message, 'Apply failed with 4 conflicts: conflicts with "ci":\n- .data.c\n- .metadata.labels.x\nconflicts with "editor" using v1:\n- .data.a\n- .data.b');
    assert.deepEqual(
      err.status.details?.causes?.map((c) => [c.message, c.field]),
      [
        ['conflict with "ci"', '.data.c'],
        ['conflict with "ci"', '.metadata.labels.x'],
        ['conflict with "editor" using v1', '.data.a'],
        ['conflict with "editor" using v1', '.data.b'],
      ],
    );
    // The same value is no conflict: ownership is shared. Nothing changed, so the new entry gets no time.
    const shared = apply(live, cm({ a: '1' }), 'me', t2);
    assert.deepEqual(shared.metadata.managedFields?.map((e) => [e.manager, e.time]), [['me', undefined], ['ci', t1], ['editor', t0]]);
    assert.deepEqual(shared.metadata.managedFields?.[0]?.fieldsV1, { 'f:data': { 'f:a': {} } });
  });

  it('takes the fields over with force', () => {
    let live = update(undefined, cm({ a: '1', b: '1' }), 'editor', t0);
    live = apply(live, cm({ a: '2' }), 'me', t1, { force: true });
    assert.deepEqual(live.data, { a: '2', b: '1' });
    assert.deepEqual(entries(live), [
      ['me', 'Apply', { 'f:data': { 'f:a': {} } }],
      ['editor', 'Update', { 'f:data': { '.': {}, 'f:b': {} } }],
    ]);
    live = apply(live, cm({ a: '3', b: '3' }), 'me', t2, { force: true });
    assert.deepEqual(entries(live), [
      ['me', 'Apply', { 'f:data': { 'f:a': {}, 'f:b': {} } }],
      ['editor', 'Update', { 'f:data': {} }],
    ]);
  });

  it("kubectl's pattern: client-side apply created it, a server-side apply of another value conflicts, force takes over", () => {
    // The annotation no longer vouches for data.a (live is 1, the annotation says 0), as after an edit.
    const stale = '{"apiVersion":"v1","data":{"a":"0"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"cfg","namespace":"default"}}\n';
    const live = update(undefined, cm({ a: '1' }, { annotations: { [lastAppliedKey]: stale } }), 'kubectl-client-side-apply', t0);
    const err = statusOf(() => serverSideApply(live, cm({ a: '2' }), { manager: 'kubectl', force: false, kind: cmKind, time: t1 }));
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a');
    const forced = serverSideApply(live, cm({ a: '2' }), { manager: 'kubectl', force: true, kind: cmKind, time: t1 }).object;
    assert.deepEqual(forced.data, { a: '2' });
    assert.deepEqual(entries(forced), [
      ['kubectl', 'Apply', { 'f:data': { 'f:a': {} } }],
      ['kubectl-client-side-apply', 'Update', { 'f:data': {}, 'f:metadata': { 'f:annotations': { '.': {}, [`f:${lastAppliedKey}`]: {} } } }],
    ]);
    // lastappliedupdater: the annotation now holds what kubectl applied.
    assert.equal(forced.metadata.annotations?.[lastAppliedKey], '{"apiVersion":"v1","data":{"a":"2"},"kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default"}}\n');
  });

  it('upgrades from client-side apply without conflicts where the last-applied annotation matches (manager kubectl only)', () => {
    const current = '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"cfg","namespace":"default"}}\n';
    const live = update(undefined, cm({ a: '1' }, { annotations: { [lastAppliedKey]: current } }), 'kubectl-client-side-apply', t0);
    const upgraded = serverSideApply(live, cm({ a: '2' }), { manager: 'kubectl', force: false, kind: cmKind, time: t1 }).object;
    assert.deepEqual(upgraded.data, { a: '2' });
    assert.equal(
      statusOf(() => serverSideApply(live, cm({ a: '2' }), { manager: 'other', force: false, kind: cmKind, time: t1 })).message,
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a',
    );
  });

  it('gives the fields of an untracked object to before-first-apply', () => {
    const live = cm({ a: '1' }, { uid: 'u-1', resourceVersion: '3' });
    assert.equal(
      statusOf(() => serverSideApply(live, cm({ a: '2' }), { manager: 'me', force: false, kind: cmKind, time: t1 })).message,
      'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a',
    );
    assert.deepEqual(entries(apply(live, cm({ b: '2' }), 'me', t1)), [
      ['me', 'Apply', { 'f:data': { 'f:b': {} } }],
      ['before-first-apply', 'Update', { 'f:data': { '.': {}, 'f:a': {} } }],
    ]);
  });

  it('records apply to /status with its subresource', () => {
    const live = update(undefined, cm({ a: '1' }), 'creator', t0);
    const obj = apply(live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, status: { ready: true } }, 'controller', t1, { subresource: 'status' });
    assert.deepEqual(obj.metadata.managedFields?.find((e) => e.manager === 'controller'), {
      manager: 'controller',
      operation: 'Apply',
      apiVersion: 'v1',
      time: t1,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:ready': {} } },
      subresource: 'status',
    });
  });

  it('rejects what upstream rejects', () => {
    const live = update(undefined, cm({ a: '1' }), 'creator', t0);
    const opts = { manager: 'me', force: false, kind: cmKind, time: t1 };
    assert.equal(statusOf(() => serverSideApply(live, { ...cm({}), kind: 'Secret' }, opts)).message, 'invalid object type: /v1, Kind=Secret');
    assert.equal(statusOf(() => serverSideApply(live, { ...cm({}), apiVersion: undefined }, opts)).message, 'invalid object type: /, Kind=ConfigMap');
    assert.equal(statusOf(() => serverSideApply(live, cm({}, { managedFields: [] }), opts)).message, 'metadata.managedFields must be nil');
    assert.equal(statusOf(() => serverSideApply(live, cm({}, { name: 'other' }), { ...opts, name: 'cfg', namespace: 'default' })).message, 'the name of the object (other) does not match the name on the URL (cfg)');
    assert.equal(
      statusOf(() => serverSideApply(undefined, cm({}, { namespace: 'prod' }), { ...opts, name: 'cfg', namespace: 'default' })).message,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    assert.equal(statusOf(() => serverSideApply(undefined, cm({}, { name: undefined }), { ...opts, name: 'cfg', namespace: 'default' })).message, 'the name of the object () does not match the name on the URL (cfg)');
    const broken = { ...live, metadata: { ...live.metadata, managedFields: [{ manager: 'x', operation: 'Update' as const, apiVersion: 'v1' }] } };
    const err = statusOf(() => serverSideApply(broken, cm({ a: '2' }), opts));
    assert.equal(err.code, 500);
    assert.equal(err.message, 'Internal error occurred: failed to decode managed fields: missing fieldsType in managed fields entry 0');
  });
});
