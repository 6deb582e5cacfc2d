import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryEntry, RequestEntry, ResponseEntry } from '../../apiserver/interleave/types.ts';
import { htmlTimeline } from './reporthtml.ts';
import { buildModel, type RunReport } from './reportmodel.ts';
import { objectPanelData } from './reportobjectpanel.ts';
import { buildObjectIndex, objectDiff, readablePath, versionsOfEntry, type ObjectVersion } from './reportobjects.ts';

const at = (seq: number): { seq: number; atMs: number; realMs: number } => ({ seq, atMs: 1_700_000_000_000 + seq, realMs: seq });

function cluster(rv: number, extra: { finalizers?: string[]; paused?: boolean; deletionTimestamp?: string } = {}): unknown {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: { name: 'c1', namespace: 'default', resourceVersion: String(rv), ...(extra.finalizers ? { finalizers: extra.finalizers } : {}), ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}), annotations: { 'racelab.dev/run-for': '30s' } },
    spec: { paused: extra.paused ?? false },
  };
}

const version = (store: number, type: ObjectVersion['type'], rv: number, object: unknown, name = 'c1'): ObjectVersion => ({ store, type, group: 'cluster.x-k8s.io', resource: 'clusters', namespace: 'default', name, rv, object });

test('readablePath: dotted keys, [i] for indexes, quoted odd keys, JSON pointer escapes undone', () => {
  assert.equal(readablePath('/spec/template/spec/containers/0/image'), 'spec.template.spec.containers[0].image');
  assert.equal(readablePath('/metadata/annotations/racelab.dev~1run-for'), 'metadata.annotations["racelab.dev/run-for"]');
  assert.equal(readablePath('/data/a~0b'), 'data["a~b"]');
  assert.equal(readablePath('/metadata/labels/app'), 'metadata.labels.app');
  assert.equal(readablePath(''), '(the object)');
});

test('objectDiff: replaced, added and removed paths with their old and new values, in path order', () => {
  const before = cluster(5, { finalizers: ['cluster.cluster.x-k8s.io'] });
  const after = cluster(7, { paused: true, deletionTimestamp: '2025-03-20T12:00:00Z' });
  assert.deepEqual(objectDiff(before, after), [
    { op: 'add', path: 'metadata.deletionTimestamp', new: '2025-03-20T12:00:00Z' },
    { op: 'remove', path: 'metadata.finalizers', old: ['cluster.cluster.x-k8s.io'] },
    { op: 'replace', path: 'metadata.resourceVersion', old: '5', new: '7' },
    { op: 'replace', path: 'spec.paused', old: false, new: true },
  ]);
  assert.deepEqual(objectDiff(before, before), [], 'no change, no lines');
  const created = objectDiff(undefined, cluster(3));
  assert.deepEqual(created.map((c) => `${c.op} ${c.path}`), ['add apiVersion', 'add kind', 'add metadata', 'add spec'], 'no previous version: every top-level field added');
});

test('buildObjectIndex: each version diffs against the previous one of the same object in the same store; a re-created object starts afresh', () => {
  const versions = [
    version(0, 'ADDED', 3, cluster(3)),
    version(0, 'MODIFIED', 5, cluster(5, { finalizers: ['f'] })),
    version(0, 'ADDED', 6, cluster(6), 'c2'),
    version(0, 'DELETED', 8, cluster(8, { finalizers: ['f'] })),
    version(0, 'ADDED', 9, cluster(9)),
    version(1, 'ADDED', 5, cluster(5, { paused: true })),
  ];
  const index = buildObjectIndex(versions);
  assert.deepEqual(index.prev, [-1, 0, -1, 1, -1, -1]);
  assert.deepEqual(index.diffs[1]!.map((c) => c.path), ['metadata.finalizers', 'metadata.resourceVersion']);
  assert.deepEqual(index.diffs[3]!, [{ op: 'replace', path: 'metadata.resourceVersion', old: '5', new: '8' }]);
  assert.equal(index.diffs[4]!.length, 4, 'made again after its delete: all new');
  assert.deepEqual(index.byKey.get('clusters/default/c1@5'), [1, 5], 'one per store that has it');
});

test('versionsOfEntry: a delivery at its revision, a write or GET at its reply resourceVersion, a DELETE without one by rvBefore/rvAfter', () => {
  const index = buildObjectIndex([version(0, 'ADDED', 3, cluster(3)), version(0, 'MODIFIED', 5, cluster(5, { finalizers: ['f'] })), version(0, 'DELETED', 8, cluster(8, { finalizers: ['f'] }))]);
  const delivery: HistoryEntry = { ...at(1), type: 'delivery', actor: 'c', resource: 'clusters', eventType: 'MODIFIED', namespace: 'default', name: 'c1', revision: 5 };
  assert.deepEqual(versionsOfEntry(index, delivery), [1]);
  assert.deepEqual(versionsOfEntry(index, { ...delivery, eventType: 'BOOKMARK', name: undefined, revision: 8 }), []);
  const req = (verb: RequestEntry['verb'], rvBefore: number): RequestEntry => ({ ...at(2), type: 'request', actor: 'c', verb, group: 'cluster.x-k8s.io', resource: 'clusters', namespace: 'default', name: 'c1', rvBefore });
  const resp = (r: RequestEntry, code: number, rvAfter: number, objectRv?: string): ResponseEntry => ({ ...at(3), type: 'response', request: r.seq, actor: 'c', verb: r.verb, resource: 'clusters', namespace: 'default', name: 'c1', code, rvAfter, ...(objectRv ? { objectRv } : {}) });
  const patch = req('patch', 3);
  assert.deepEqual(versionsOfEntry(index, patch, undefined, resp(patch, 200, 5, '5')), [1]);
  assert.deepEqual(versionsOfEntry(index, resp(patch, 200, 5, '5'), patch), [1], 'the reply row too');
  assert.deepEqual(versionsOfEntry(index, patch, undefined, resp(patch, 409, 5, '5')), [], 'a failed write wrote nothing');
  const get = req('get', 5);
  assert.deepEqual(versionsOfEntry(index, get, undefined, resp(get, 200, 5, '3')), [0], 'a GET shows what it read');
  const del = req('delete', 5);
  assert.deepEqual(versionsOfEntry(index, del, undefined, resp(del, 200, 8)), [2], 'a DELETE answered with a Status: what the server stored while serving it');
  assert.deepEqual(versionsOfEntry(index, { ...req('list', 5), name: undefined }, undefined, { ...resp(req('list', 5), 200, 8, '8'), name: undefined }), []);
});

test('objectPanelData: rows get the versions of their object, only from the stores their actor talks to; diffs embedded once', () => {
  const history: HistoryEntry[] = [
    { ...at(1), type: 'delivery', actor: 'ctrl', resource: 'clusters', eventType: 'ADDED', namespace: 'default', name: 'c1', revision: 5 },
    { ...at(2), type: 'delivery', actor: 'target', resource: 'clusters', eventType: 'ADDED', namespace: 'default', name: 'c1', revision: 5 },
    { ...at(3), type: 'note', actor: 'ctrl', tag: 'step', text: 'no object' },
  ];
  const run: RunReport = {
    scenario: 's', variant: 'buggy', seed: 1, reproduced: false, expected: true, ok: false, durationMs: 1, violations: [], history,
    objects: [version(0, 'ADDED', 5, cluster(5)), version(1, 'ADDED', 5, cluster(5, { paused: true }))],
    actorStores: { ctrl: [0], target: [1] },
  };
  const data = objectPanelData(run, buildModel(run));
  assert.deepEqual([...data.rowVersions], [[1, [0]], [2, [1]]]);
  assert.equal(data.versions['0']!.path, 'clusters/default/c1');
  assert.equal(data.versions['0']!.store, 0, 'several stores: each version says which');
  assert.deepEqual(data.versions['1']!.diff, [], 'no previous version: the object alone, no diff embedded');
  assert.equal(data.versions['1']!.prev, undefined);
  const alone = objectPanelData({ ...run, actorStores: undefined }, buildModel(run));
  assert.deepEqual(alone.rowVersions.get(1), [0, 1], 'without knowing the actor\'s store: every store that has it');
  assert.equal(objectPanelData({ ...run, objects: undefined }, buildModel(run)).rowVersions.size, 0, 'an older report without objects');
});

test('html: an object whose text could end its script stays data; rows with versions say which', () => {
  const evil = '</script><script>document.title="pwned"</script>';
  const history: HistoryEntry[] = [{ ...at(1), type: 'delivery', actor: 'ctrl', resource: 'configmaps', eventType: 'ADDED', namespace: 'default', name: 'cm', revision: 4 }];
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default', resourceVersion: '4' }, data: { evil } };
  const run: RunReport = {
    scenario: 's', variant: 'buggy', seed: 1, reproduced: false, expected: true, ok: false, durationMs: 1, violations: [], history,
    objects: [{ store: 0, type: 'ADDED', group: '', resource: 'configmaps', namespace: 'default', name: 'cm', rv: 4, object }],
  };
  const html = htmlTimeline(run);
  assert.equal(html.split('</script>').length, 4, 'the run, the objects and the page script end once each');
  assert.match(html, /<tr id="seq-1" [^>]*data-versions="0" tabindex="0"/);
  const blob = /<script type="application\/json" id="racelab-objects">([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(blob);
  assert.deepEqual((JSON.parse(blob) as Record<string, { object: unknown; path: string }>)['0'], { path: 'configmaps/default/cm', type: 'ADDED', rv: 4, diff: [], object });
});
