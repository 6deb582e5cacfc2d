// Table tests for strategicMergePatch. Generic cases use a schema shaped like upstream's MergeItem test struct
// (apimachinery pkg/util/strategicpatch/patch_test.go); their expected outputs are upstream's. The rest use the
// built-in kinds' metadata from api/patchmeta.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { patchMetaFor } from '../api/patchmeta.ts';
import { StrategicMergeError, strategicMergePatch, structMeta, unknownMeta, withTags, type PatchMeta } from './strategicmerge.ts';

// patch_test.go MergeItem / RetainKeysMergeItem, as metadata. Getters defer the recursive references.
const mergeItem: PatchMeta = structMeta({
  get mergingList() {
    return withTags({ strategy: 'merge', mergeKey: 'name' }, mergeItem);
  },
  get nonMergingList() {
    return mergeItem;
  },
  mergingIntList: withTags({ strategy: 'merge' }),
  get mergeItemPtr() {
    return withTags({ strategy: 'merge', mergeKey: 'name' }, mergeItem);
  },
  replacingItem: withTags({ strategy: 'replace' }),
  get retainKeysMap() {
    return withTags({ strategy: 'retainKeys' }, retainKeysMergeItem);
  },
  get retainKeysMergingList() {
    return withTags({ strategy: 'merge,retainKeys', mergeKey: 'name' }, mergeItem);
  },
});
const retainKeysMergeItem: PatchMeta = structMeta({
  mergingIntList: withTags({ strategy: 'merge' }),
  mergingList: withTags({ strategy: 'merge', mergeKey: 'name' }, mergeItem),
});

const pod = patchMetaFor('', 'Pod');

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    Object.values(value).forEach(deepFreeze);
  }
  return value;
}

interface Case {
  name: string;
  meta?: PatchMeta;
  original: unknown;
  patch: unknown;
  want?: unknown;
  /** Expected error: a substring of its message and its HTTP code. */
  error?: [string, 400 | 422 | 500];
}

const twoContainers = {
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] },
      { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
    ],
  },
};

const cases: Case[] = [
  // ---- maps and null (RFC 7386 part) ----
  { name: 'scalar replaced, new key added', original: { a: 1, b: 'x' }, patch: { a: 2, c: true }, want: { a: 2, b: 'x', c: true } },
  { name: 'null deletes a key', original: { a: 1, b: 2 }, patch: { a: null }, want: { b: 2 } },
  { name: 'null for an absent key is ignored', original: { a: 1 }, patch: { z: null }, want: { a: 1 } },
  {
    name: 'null deletes labels one by one and maps merge recursively',
    meta: pod,
    original: { metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, annotations: { x: '1' } } },
    patch: { metadata: { labels: { tier: null, env: 'prod' } } },
    want: { metadata: { name: 'p', labels: { app: 'web', env: 'prod' }, annotations: { x: '1' } } },
  },
  {
    name: 'null deletes a whole map',
    meta: pod,
    original: { metadata: { name: 'p', labels: { app: 'web' } } },
    patch: { metadata: { labels: null } },
    want: { metadata: { name: 'p' } },
  },
  { name: 'a value of another type replaces', original: { a: { b: 1 }, c: [1] }, patch: { a: 'flat', c: { d: 1 } }, want: { a: 'flat', c: { d: 1 } } },
  {
    name: 'a new subtree loses its nulls and directive maps (discardNullValuesFromPatch, removeDirectives)',
    original: {},
    patch: { complex: { nested: null, keep: 'v', gone: { $patch: 'delete' } }, list: ['a', null], maps: [{ k: null, v: 1 }, { $patch: 'delete', name: 'x' }] },
    want: { complex: { keep: 'v' }, list: ['a', null], maps: [{ v: 1 }] },
  },
  { name: 'nulls already in the original are kept', original: { thing: null }, patch: { nested: { value: 5 } }, want: { thing: null, nested: { value: 5 } } },
  { name: 'a null patch changes nothing', original: { a: 1 }, patch: null, want: { a: 1 } },
  { name: 'a missing original is {}', original: undefined, patch: { a: 1 }, want: { a: 1 } },

  // ---- $patch on maps ----
  { name: '$patch: replace on the whole object', original: { name: 1, value: 1 }, patch: { $patch: 'replace' }, want: {} },
  { name: '$patch: replace with new keys', original: { name: 1, value: 1 }, patch: { other: 'a', $patch: 'replace' }, want: { other: 'a' } },
  {
    name: '$patch: replace on a nested map',
    meta: pod,
    original: { spec: { nodeSelector: { disk: 'ssd', zone: 'a' }, restartPolicy: 'Always' } },
    patch: { spec: { nodeSelector: { $patch: 'replace', zone: 'b' } } },
    want: { spec: { nodeSelector: { zone: 'b' }, restartPolicy: 'Always' } },
  },
  { name: '$patch: delete on a nested map empties it', original: { simpleMap: { key1: 1, key2: 1 } }, patch: { simpleMap: { $patch: 'delete' } }, want: { simpleMap: {} } },
  { name: '$patch: delete on an absent map adds nothing', original: { a: 1 }, patch: { simpleMap: { $patch: 'delete' } }, want: { a: 1 } },
  { name: 'patchStrategy replace on a map field takes the patch', original: { replacingItem: { a: 1, b: 2 } }, patch: { replacingItem: { b: 3 } }, want: { replacingItem: { b: 3 } } },

  // ---- lists of maps with a merge key ----
  {
    name: 'kubectl apply: $setElementOrder/containers with one changed container keeps both (apiserver.md §1.7)',
    meta: pod,
    original: twoContainers,
    patch: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.27', name: 'nginx' }] } },
    want: {
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] },
          { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
        ],
      },
    },
  },
  {
    name: 'kubectl apply: $patch: delete removes only that container (apiserver.md §1.7)',
    meta: pod,
    original: twoContainers,
    patch: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ $patch: 'delete', name: 'sidecar' }] } },
    want: { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [twoContainers.spec.containers[0]] } },
  },
  {
    name: 'the same patch without metadata replaces the list (JSON merge patch behaviour)',
    meta: unknownMeta,
    original: twoContainers,
    patch: { spec: { containers: [{ image: 'nginx:1.27', name: 'nginx' }] } },
    want: { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ image: 'nginx:1.27', name: 'nginx' }] } },
  },
  {
    name: 'a new container without $setElementOrder goes first (mergeSortedSlice)',
    meta: pod,
    original: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { containers: [{ name: 'c', image: 'x' }] } },
    want: { spec: { containers: [{ name: 'c', image: 'x' }, { name: 'a' }, { name: 'b' }] } },
  },
  {
    name: 'a new container placed by $setElementOrder',
    meta: pod,
    original: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }, { name: 'b' }], containers: [{ name: 'c', image: 'x' }] } },
    want: { spec: { containers: [{ name: 'a' }, { name: 'c', image: 'x' }, { name: 'b' }] } },
  },
  {
    name: 'container ports merge by containerPort, env by name with null deleting a field',
    meta: pod,
    original: {
      spec: {
        containers: [
          { name: 'app', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
        ],
      },
    },
    patch: {
      spec: {
        containers: [
          {
            name: 'app',
            '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
            ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, name: 'https' }],
            env: [{ name: 'A', value: null, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
      },
    },
    want: {
      spec: {
        containers: [
          {
            name: 'app',
            ports: [
              { containerPort: 80, name: 'http', protocol: 'TCP' },
              { containerPort: 443, name: 'https' },
            ],
            env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'B', value: '2' }],
          },
        ],
      },
    },
  },
  {
    name: 'volumeMounts merge by mountPath, volumes by name',
    meta: pod,
    original: { spec: { volumes: [{ name: 'data', emptyDir: {} }], containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] } },
    patch: { spec: { volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }], containers: [{ name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/d', readOnly: true }] }] } },
    want: {
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'data', emptyDir: {} }],
        containers: [{ name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/d', readOnly: true }] }],
      },
    },
  },
  {
    name: 'preserve the order from the patch in a merging list',
    original: { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
    patch: { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, other: 'x' }] },
    want: { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, value: 'b', other: 'x' }] },
  },
  {
    name: 'preserve the order from the patch in a merging list 2',
    original: { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
    patch: { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }] },
    want: { mergingList: [{ name: 2, value: 'b' }, { name: 3, value: 'c' }, { name: 1, value: 'a' }] },
  },
  {
    name: 'delete all duplicate entries in a merging list',
    original: { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }, { name: 3 }, { name: 3 }] },
    patch: { mergingList: [{ name: 1, $patch: 'delete' }, { name: 3, $patch: 'delete' }] },
    want: { mergingList: [{ name: 2, value: 'a' }] },
  },
  { name: 'delete a missing map from a merging list', original: { mergingList: [{ name: 1 }] }, patch: { mergingList: [{ name: 9, $patch: 'delete' }] }, want: { mergingList: [{ name: 1 }] } },
  { name: '$patch: replace element empties a merging list', original: { mergingList: [{ name: 1 }, { name: 2 }] }, patch: { mergingList: [{ $patch: 'replace' }] }, want: { mergingList: [] } },
  {
    name: '$patch: replace element replaces a merging list with the other elements',
    meta: pod,
    original: twoContainers,
    patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } },
    want: { metadata: twoContainers.metadata, spec: { containers: [{ name: 'only', image: 'x' }] } },
  },
  { name: 'merge empty merging lists', original: { mergingList: [] }, patch: { mergingList: [] }, want: { mergingList: [] } },
  {
    name: 'add a field to a map in a merging list nested in a merging list',
    original: { mergingList: [{ name: 1, mergingList: [{ name: 1 }, { name: 2, value: 2 }] }, { name: 2 }] },
    patch: { mergingList: [{ name: 1, mergingList: [{ name: 1, value: 1 }] }] },
    want: { mergingList: [{ name: 1, mergingList: [{ name: 1, value: 1 }, { name: 2, value: 2 }] }, { name: 2 }] },
  },
  {
    name: 'a non-merging list nested in a merging list is replaced',
    original: { mergingList: [{ name: 1, nonMergingList: [{ name: 1 }, { name: 2, value: 2 }] }] },
    patch: { mergingList: [{ name: 1, nonMergingList: [{ name: 1, value: 1 }] }] },
    want: { mergingList: [{ name: 1, nonMergingList: [{ name: 1, value: 1 }] }] },
  },

  // ---- $setElementOrder (patch_test.go "set elements order ...") ----
  {
    name: 'set elements order in a list with server-only items',
    original: { mergingList: [{ name: 1, other: 'a' }, { name: 3, value: 3 }, { name: 4, value: 4 }, { name: 2, value: 2 }, { name: 9 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 4 }, { name: 2 }, { name: 3 }, { name: 1 }] },
    want: { mergingList: [{ name: 4, value: 4 }, { name: 2, value: 2 }, { name: 3, value: 3 }, { name: 1, other: 'a' }, { name: 9 }] },
  },
  {
    name: 'set elements order in a list with server-only items 3',
    original: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 3, value: 3 }, { name: 4, value: 4 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] },
    want: {
      mergingList: [{ name: 2, value: 2 }, { name: 1, other: 'a' }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 4, value: 4 }, { name: 3, value: 3 }],
    },
  },
  {
    name: '$setElementOrder naming an item in neither list',
    original: { mergingList: [{ name: 1 }, { name: 3 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
    want: { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
  },
  {
    name: '$setElementOrder with duplicate merge keys keeps them together',
    original: { mergingList: [{ name: 1 }, { name: 2, value: 'dup1' }, { name: 3 }, { name: 2, value: 'dup2' }, { name: 4 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }, { name: 2 }] },
    want: { mergingList: [{ name: 2, value: 'dup1' }, { name: 2, value: 'dup2' }, { name: 1 }, { name: 4 }, { name: 3 }] },
  },
  {
    name: 'delete and reorder in one list, reorder in another',
    original: { mergingList: [{ name: 'a', value: 'a' }, { name: 'b', value: 'b' }], mergeItemPtr: [{ name: 'c', value: 'c' }, { name: 'd', value: 'd' }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 'b' }],
      '$setElementOrder/mergeItemPtr': [{ name: 'd' }, { name: 'c' }],
      mergingList: [{ $patch: 'delete', name: 'a' }],
    },
    want: { mergingList: [{ name: 'b', value: 'b' }], mergeItemPtr: [{ name: 'd', value: 'd' }, { name: 'c', value: 'c' }] },
  },
  {
    name: '$setElementOrder for an absent list adds the patch list without directives',
    original: {},
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }], mergingList: [{ name: 2, sub: { $patch: 'delete' } }, { name: 1 }] },
    want: { mergingList: [{ name: 2 }, { name: 1 }] },
  },
  { name: '$setElementOrder of an int list', original: { mergingIntList: [1, 3] }, patch: { '$setElementOrder/mergingIntList': [3, 2, 1] }, want: { mergingIntList: [3, 1] } },

  // ---- primitive lists ----
  { name: 'unique scalars when merging lists', original: { mergingIntList: [1, 2] }, patch: { mergingIntList: [2, 3] }, want: { mergingIntList: [1, 2, 3] } },
  { name: 'preserve the order from the patch in a merging int list', original: { mergingIntList: [1, 2, 3] }, patch: { mergingIntList: [3, 1] }, want: { mergingIntList: [2, 3, 1] } },
  { name: 'a non-merging int list is replaced', original: { nonMergingIntList: [1, 2] }, patch: { nonMergingIntList: [3] }, want: { nonMergingIntList: [3] } },
  {
    name: 'finalizers merge as a set, new ones first',
    meta: pod,
    original: { metadata: { name: 'p', finalizers: ['a.io/x', 'b.io/y'] } },
    patch: { metadata: { finalizers: ['b.io/y', 'c.io/z'] } },
    want: { metadata: { name: 'p', finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] } },
  },
  {
    name: 'a new finalizer without $setElementOrder is prepended',
    meta: pod,
    original: { metadata: { finalizers: ['a.io/x'] } },
    patch: { metadata: { finalizers: ['c.io/z'] } },
    want: { metadata: { finalizers: ['c.io/z', 'a.io/x'] } },
  },
  {
    name: '$deleteFromPrimitiveList/finalizers removes one finalizer',
    meta: pod,
    original: { metadata: { finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b.io/y'] } },
    want: { metadata: { finalizers: ['a.io/x', 'c.io/z'] } },
  },
  {
    name: 'kubectl apply removing a finalizer: $setElementOrder plus $deleteFromPrimitiveList',
    meta: pod,
    original: { metadata: { finalizers: ['a.io/x', 'b.io/y', 'server.io/s'] } },
    patch: { metadata: { '$setElementOrder/finalizers': ['a.io/x'], '$deleteFromPrimitiveList/finalizers': ['b.io/y'] } },
    want: { metadata: { finalizers: ['a.io/x', 'server.io/s'] } },
  },
  { name: '$deleteFromPrimitiveList of a missing item', original: { mergingIntList: [1, 2] }, patch: { '$deleteFromPrimitiveList/mergingIntList': [3] }, want: { mergingIntList: [1, 2] } },
  { name: '$deleteFromPrimitiveList on an absent list adds no list', original: { foo: ['bar'] }, patch: { '$deleteFromPrimitiveList/mergingIntList': [3] }, want: { foo: ['bar'] } },
  {
    name: '$deleteFromPrimitiveList on a list without merge strategy',
    original: { nonMergingIntList: [1, 2, 3] },
    patch: { '$deleteFromPrimitiveList/nonMergingIntList': [2] },
    want: { nonMergingIntList: [1, 3] },
  },

  // ---- $retainKeys ----
  { name: 'retainKeys map clears a defaulted field', original: { retainKeysMap: { value: 'foo' } }, patch: { retainKeysMap: { $retainKeys: ['other'], other: 'bar' } }, want: { retainKeysMap: { other: 'bar' } } },
  {
    name: 'retainKeys map deletes a field and clears another',
    original: { retainKeysMap: { name: 'foo', value: 'bar', other: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name'], value: null } },
    want: { retainKeysMap: { name: 'foo' } },
  },
  { name: 'a retainKeys field merges without the directive', original: { retainKeysMap: { name: 'foo', value: 'a' } }, patch: { retainKeysMap: { value: 'b' } }, want: { retainKeysMap: { name: 'foo', value: 'b' } } },
  {
    name: 'retainKeys list of maps clears a field',
    original: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a', other: 'x' }] },
    patch: { '$setElementOrder/retainKeysMergingList': [{ name: 'bar' }, { name: 'foo' }], retainKeysMergingList: [{ $retainKeys: ['name', 'value'], name: 'foo' }] },
    want: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a' }] },
  },
  {
    name: 'kubectl apply switching a volume source: $retainKeys in a volume',
    meta: pod,
    original: { spec: { volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', hostPath: { path: '/w' } }] } },
    patch: { spec: { '$setElementOrder/volumes': [{ name: 'v' }, { name: 'w' }], volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'c' }, name: 'v' }] } },
    want: { spec: { volumes: [{ name: 'v', configMap: { name: 'c' } }, { name: 'w', hostPath: { path: '/w' } }] } },
  },
  {
    name: 'Deployment spec.strategy: $retainKeys drops rollingUpdate when switching to Recreate',
    meta: patchMetaFor('apps', 'Deployment'),
    original: { spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: { spec: { replicas: 2, strategy: { type: 'Recreate' } } },
  },

  // ---- per-kind metadata ----
  {
    name: 'ownerReferences merge by uid',
    meta: patchMetaFor('', 'ConfigMap'),
    original: { metadata: { ownerReferences: [{ uid: 'u1', kind: 'Pod', name: 'a' }] }, data: { k: 'v' } },
    patch: { metadata: { ownerReferences: [{ uid: 'u1', controller: true }, { uid: 'u2', kind: 'Pod', name: 'b' }] }, data: { k2: 'v2' } },
    want: { metadata: { ownerReferences: [{ uid: 'u1', kind: 'Pod', name: 'a', controller: true }, { uid: 'u2', kind: 'Pod', name: 'b' }] }, data: { k: 'v', k2: 'v2' } },
  },
  {
    name: 'tolerations have no merge key: replaced whole',
    meta: pod,
    original: { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } },
    patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
    want: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
  },
  {
    name: 'pod status conditions merge by type',
    meta: pod,
    original: { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] } },
    patch: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', lastTransitionTime: 't' }] } },
    want: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True', lastTransitionTime: 't' }] } },
  },
  {
    name: 'Node status addresses by type, spec.taints replaced',
    meta: patchMetaFor('', 'Node'),
    original: { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }] } },
    patch: { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } },
    want: { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }] } },
  },
  {
    name: 'Service spec.ports merge by port',
    meta: patchMetaFor('', 'Service'),
    original: { spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 443, name: 'https' }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    want: { spec: { ports: [{ port: 80, targetPort: 9090, name: 'http' }, { port: 443, name: 'https' }] } },
  },
  {
    name: 'Namespace spec.finalizers are atomic',
    meta: patchMetaFor('', 'Namespace'),
    original: { spec: { finalizers: ['kubernetes'] } },
    patch: { spec: { finalizers: ['other'] } },
    want: { spec: { finalizers: ['other'] } },
  },
  {
    name: 'Deployment pod template containers merge by name',
    meta: patchMetaFor('apps', 'Deployment'),
    original: { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'sidecar', image: 'busybox' }] } } } },
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.27', name: 'nginx' }] } } } },
    want: { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox' }] } } } },
  },
  {
    name: 'unknown kinds: metadata.finalizers still merge, other lists are replaced',
    meta: patchMetaFor('example.com', 'Widget'),
    original: { metadata: { finalizers: ['a'] }, spec: { items: [{ name: 'x' }] } },
    patch: { metadata: { finalizers: ['b'] }, spec: { items: [{ name: 'y' }] } },
    want: { metadata: { finalizers: ['b', 'a'] }, spec: { items: [{ name: 'y' }] } },
  },

  // ---- errors (messages and codes as upstream) ----
  { name: 'unknown $patch in a map', original: { a: { b: 1 } }, patch: { a: { $patch: 'foo' } }, error: ['unknown patch type: foo in map: map[$patch:foo]', 500] },
  {
    name: 'unknown $patch in a list element',
    meta: pod,
    original: twoContainers,
    patch: { spec: { containers: [{ $patch: 'remove', name: 'sidecar' }] } },
    error: ['unknown patch type: remove in map: map[$patch:remove name:sidecar]', 500],
  },
  { name: '$patch: merge on a map is not a directive upstream', original: { a: { b: 1 } }, patch: { a: { $patch: 'merge', c: 2 } }, error: ['unknown patch type: merge in map: map[$patch:merge c:2]', 500] },
  { name: '$patch: merge in a list', original: { mergingList: [{ name: 1 }] }, patch: { mergingList: [{ $patch: 'merge', name: 1 }] }, error: ['merging lists cannot yet be specified in the patch', 500] },
  { name: 'missing merge key', original: { mergingList: [{ name: 1, value: 'a' }] }, patch: { mergingList: [{ value: 'b' }] }, error: ['map: map[value:b] does not contain declared merge key: name', 500] },
  { name: '$patch: delete without a merge key', original: { mergingList: [{ name: 1 }] }, patch: { mergingList: [{ $patch: 'delete' }] }, error: ['map: map[$patch:delete] does not contain declared merge key: name', 500] },
  {
    name: 'patch list out of $setElementOrder order',
    original: { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
    error: ["doesn't match $setElementOrder list", 500],
  },
  { name: 'int list out of $setElementOrder order', original: { mergingIntList: [1, 3, 2] }, patch: { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3, 1] }, error: ["doesn't match", 500] },
  { name: 'malformed $setElementOrder key', original: { a: [1] }, patch: { $setElementOrder: [1] }, error: ['invalid patch format of setElementOrder list', 400] },
  { name: 'malformed $deleteFromPrimitiveList key', original: { a: [1] }, patch: { '$deleteFromPrimitiveListX/a': [1] }, error: ['invalid patch format of primitive list', 400] },
  { name: 'a patched key missing from $retainKeys', original: { retainKeysMap: { name: 'a' } }, patch: { retainKeysMap: { $retainKeys: ['name'], value: 'b' } }, error: ['invalid patch format of retainKeys', 400] },
  { name: '$retainKeys not a list', original: { retainKeysMap: { name: 'a' } }, patch: { retainKeysMap: { $retainKeys: 'name' } }, error: ['invalid patch format of retainKeys', 400] },
  { name: 'lists of lists', original: { mergingIntList: [[1]] }, patch: { mergingIntList: [[2]] }, error: ['lists of lists are not supported', 422] },
  { name: 'mixed element types', original: { mergingIntList: [1] }, patch: { mergingIntList: ['a'] }, error: ['list element types are not identical: [[1] [a]]', 500] },
  { name: 'a merge list of maps without a merge key', meta: structMeta({ l: withTags({ strategy: 'merge' }) }), original: { l: [{ a: 1 }] }, patch: { l: [{ a: 2 }] }, error: ['cannot merge lists without merge key', 500] },
  { name: 'a patch that is not an object', original: {}, patch: [1], error: ['json: cannot unmarshal array into Go value of type map[string]interface {}', 400] },
  { name: '$setElementOrder that is not a list', original: { mergingList: [{ name: 1 }] }, patch: { '$setElementOrder/mergingList': 'x' }, error: ['expected a []interface {}, but received a string', 500] },
];

describe('strategicMergePatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      // Frozen inputs: any attempt to mutate them throws.
      const original = deepFreeze(structuredClone(c.original));
      const patch = deepFreeze(structuredClone(c.patch));
      const run = (): unknown => strategicMergePatch(original, patch, c.meta ?? mergeItem);
      if (c.error) {
        const [message, code] = c.error;
        assert.throws(run, (e: unknown) => {
          assert.ok(e instanceof StrategicMergeError, `not a StrategicMergeError: ${String(e)}`);
          assert.ok(e.message.includes(message), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(message)}`);
          assert.equal(e.code, code);
          return true;
        });
      } else {
        assert.deepEqual(run(), c.want);
        assert.deepEqual(original, c.original);
        assert.deepEqual(patch, c.patch);
      }
    });
  }

  it('returns a result that shares nothing with its inputs', () => {
    const original = structuredClone(twoContainers);
    const patch = { spec: { containers: [{ name: 'new', image: 'x', env: [{ name: 'A', value: '1' }] }] } };
    const result = strategicMergePatch(original, patch, pod) as typeof twoContainers;
    const before = [structuredClone(original), structuredClone(patch)];
    result.metadata.name = 'changed';
    for (const c of result.spec.containers) c.image = 'changed';
    assert.deepEqual([original, patch], before);
  });
});

describe('patchMetaFor', () => {
  const tags = (m: PatchMeta): [string | undefined, string | undefined] => [m.strategy, m.mergeKey];
  const at = (m: PatchMeta, ...path: string[]): PatchMeta => path.reduce((acc, f) => acc.field(f), m);

  it('knows the struct tags of core/v1 and meta/v1', () => {
    assert.deepEqual(tags(at(pod, 'spec', 'containers')), ['merge', 'name']);
    assert.deepEqual(tags(at(pod, 'spec', 'containers', 'ports')), ['merge', 'containerPort']);
    assert.deepEqual(tags(at(pod, 'spec', 'initContainers', 'volumeMounts')), ['merge', 'mountPath']);
    assert.deepEqual(tags(at(pod, 'spec', 'ephemeralContainers', 'volumeDevices')), ['merge', 'devicePath']);
    assert.deepEqual(tags(at(pod, 'spec', 'volumes')), ['merge,retainKeys', 'name']);
    assert.deepEqual(tags(at(pod, 'spec', 'hostAliases')), ['merge', 'ip']);
    assert.deepEqual(tags(at(pod, 'spec', 'tolerations')), [undefined, undefined]);
    assert.deepEqual(tags(at(pod, 'status', 'conditions')), ['merge', 'type']);
    assert.deepEqual(tags(at(pod, 'metadata', 'finalizers')), ['merge', undefined]);
    assert.deepEqual(tags(at(pod, 'metadata', 'ownerReferences')), ['merge', 'uid']);
    assert.deepEqual(tags(at(patchMetaFor('', 'ServiceAccount'), 'secrets')), ['merge', 'name']);
    assert.deepEqual(tags(at(patchMetaFor('', 'ServiceAccount'), 'imagePullSecrets')), [undefined, undefined]);
    assert.deepEqual(tags(at(patchMetaFor('', 'Node'), 'spec', 'taints')), [undefined, undefined]);
    assert.deepEqual(tags(at(patchMetaFor('', 'Node'), 'status', 'conditions')), ['merge', 'type']);
    assert.deepEqual(tags(at(patchMetaFor('', 'Service'), 'spec', 'ports')), ['merge', 'port']);
  });

  it('finds pod templates inside workloads', () => {
    for (const [group, kind] of [['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'], ['batch', 'Job'], ['', 'ReplicationController']] as const) {
      assert.deepEqual(tags(at(patchMetaFor(group, kind), 'spec', 'template', 'spec', 'containers', 'env')), ['merge', 'name'], kind);
      assert.deepEqual(tags(at(patchMetaFor(group, kind), 'status', 'conditions')), ['merge', 'type'], kind);
    }
    assert.deepEqual(tags(at(patchMetaFor('batch', 'CronJob'), 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers')), ['merge', 'name']);
  });

  it('gives unknown kinds ObjectMeta only', () => {
    const m = patchMetaFor('example.com', 'Widget');
    assert.deepEqual(tags(at(m, 'metadata', 'finalizers')), ['merge', undefined]);
    assert.deepEqual(tags(at(m, 'spec', 'containers')), [undefined, undefined]);
    assert.deepEqual(tags(at(patchMetaFor('', 'ConfigMap'), 'metadata', 'ownerReferences')), ['merge', 'uid']);
  });
});
