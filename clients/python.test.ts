// The official Python client (Debian's python3-kubernetes 22.6, run by /usr/bin/python3) against the real API server:
// typed CRUD with label selectors, the three patch types, replace with the read resourceVersion, delete, a Pod with a
// strategic merge on its containers, watches (live and replayed from a resourceVersion, and ended by timeoutSeconds),
// and the dynamic client's discovery of the Cluster API kind. clients/testing/python_client.py does the work and
// prints its observations as one JSON object; this file asserts them, and the requests the server saw.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testServer } from '../testing/server.ts';
import { kubeconfigYaml } from './kube/kubeconfig.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./testing/python_client.py', import.meta.url));
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result, not an exception. */
function run(file: string, args: string[], timeout: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: string }) | null;
      const code = e === null ? 0 : typeof e.code === 'number' ? e.code : null;
      resolve({ code, signal: e?.signal ?? null, stdout, stderr: e && typeof e.code === 'string' ? `${e.code}: ${e.message}` : stderr });
    });
  });
}

/** Why the test cannot run here, or undefined when /usr/bin/python3 imports kubernetes. */
async function pythonClientMissing(): Promise<string | undefined> {
  const r = await run(PYTHON, ['-c', 'import kubernetes'], 30_000);
  if (r.code === 0) return undefined;
  return `${PYTHON} cannot import kubernetes (install Debian's python3-kubernetes): ${r.stderr.trim().split('\n').pop() ?? ''}`;
}

const skip = await pythonClientMissing();

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  userAgent: string | undefined;
}

function record(server: { on(ev: 'request', fn: (req: IncomingMessage) => void): unknown }): Seen[] {
  const seen: Seen[] = [];
  server.on('request', (req: IncomingMessage) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen.push({ method: req.method ?? '', path: u.pathname, query: u.searchParams, contentType: req.headers['content-type'], userAgent: req.headers['user-agent'] });
  });
  return seen;
}

// The script's observations (see python_client.py); sections are checked field by field below.
type Obs = Record<string, Record<string, unknown>> & { clientVersion: unknown; failed: unknown };

interface WatchEvent {
  type: string;
  objectType: string;
  name: string;
  data: Record<string, string>;
  rvIsDigits: boolean;
  rawKind: string;
}

const cmPath = '/api/v1/namespaces/default/configmaps';
const watchEvents = [
  { type: 'ADDED', objectType: 'V1ConfigMap', name: 'py-w', data: { v: '1' }, rvIsDigits: true, rawKind: 'ConfigMap' },
  { type: 'MODIFIED', objectType: 'V1ConfigMap', name: 'py-w', data: { v: '2' }, rvIsDigits: true, rawKind: 'ConfigMap' },
  { type: 'DELETED', objectType: 'V1ConfigMap', name: 'py-w', data: { v: '2' }, rvIsDigits: true, rawKind: 'ConfigMap' },
] satisfies WatchEvent[];

test('the Python client (python3-kubernetes 22.6) against the API server', { skip, timeout: RUN_TIMEOUT_MS + 30_000 }, async (t: TestContext) => {
  const s = await testServer(t);
  const seen = record(s.server);
  const dir = await mkdtemp(join(tmpdir(), 'racelab-python-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigYaml(s.url));

  const r = await run(PYTHON, [SCRIPT, kubeconfig], RUN_TIMEOUT_MS);
  let obs: Obs;
  try {
    obs = JSON.parse(r.stdout) as Obs;
  } catch {
    assert.fail(`python_client.py printed no JSON (exit ${r.code}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  const failed = obs.failed as string[];
  const errors = Object.fromEntries(failed.map((k) => [k, obs[k]?.error]));

  await t.test('the script ran every section without an exception and exited 0', () => {
    assert.equal(obs.clientVersion, '22.6.0');
    assert.deepEqual(errors, {}, failed.map((k) => `${k}:\n${String(obs[k]?.traceback)}`).join('\n'));
    assert.equal(r.code, 0, r.stderr);
  });

  await t.test('version: GET /version/ (trailing slash) decodes into VersionInfo', () => {
    assert.deepEqual(obs.version, { major: '1', minor: '32', gitVersion: obs.version?.gitVersion, platform: obs.version?.platform });
    assert.match(String(obs.version?.gitVersion), /^v1\.32\.\d+/);
    assert.equal(typeof obs.version?.platform, 'string');
    assert.ok(seen.some((q) => q.method === 'GET' && q.path === '/version/'), 'the client asks for /version/');
  });

  await t.test('create: three ConfigMaps, then AlreadyExists for a duplicate', () => {
    const meta = { namespace: 'default', hasUid: true, rvIsDigits: true, hasCreationTimestamp: true };
    assert.deepEqual(obs.create, {
      created: [
        { name: 'py-a', labels: { app: 'py', tier: 'web' }, data: { k: '1' }, ...meta },
        { name: 'py-b', labels: { app: 'py', tier: 'db' }, data: { k: 'b' }, ...meta },
        { name: 'py-c', labels: { app: 'other' }, data: { k: 'c' }, ...meta },
      ],
      duplicate: { status: 409, reason: 'AlreadyExists', message: 'configmaps "py-a" already exists', details: { name: 'py-a', kind: 'configmaps' } },
    });
    const posts = seen.filter((q) => q.method === 'POST' && q.path === cmPath);
    assert.ok(posts.length >= 4);
    for (const p of posts) assert.match(p.contentType ?? '', /^application\/json/);
    assert.match(posts[0]?.userAgent ?? '', /^OpenAPI-Generator\/22\.6\.0\/python/);
  });

  await t.test('list: label selectors with =, !=, in and notin', () => {
    assert.deepEqual(obs.list, {
      appPy: ['py-a', 'py-b'],
      appPyNotDb: ['py-a'],
      inNotin: ['py-b', 'py-c'],
      listRvIsDigits: true,
      itemType: 'V1ConfigMap',
    });
    const lists = seen.filter((q) => q.method === 'GET' && q.path === cmPath && !q.query.has('watch'));
    assert.ok(lists.some((q) => q.query.get('labelSelector') === 'app in (py,other),tier notin (web)'));
  });

  await t.test('read: the object, and NotFound for a missing name', () => {
    assert.deepEqual(obs.read, {
      type: 'V1ConfigMap',
      name: 'py-a',
      data: { k: '1' },
      labels: { app: 'py', tier: 'web' },
      missing: { status: 404, reason: 'NotFound', message: 'configmaps "py-missing" not found', details: { name: 'py-missing', kind: 'configmaps' } },
    });
  });

  await t.test('patch: strategic merge (dict body), JSON patch (list body), merge patch (default header)', () => {
    assert.deepEqual(obs.patch, {
      strategic: { data: { k: '1', s: 'smp' }, labels: { app: 'py', tier: 'web', patched: 'smp' } },
      json: { data: { k: '2', s: 'smp', j: 'jp' }, labels: { app: 'py', patched: 'smp' } },
      contentTypeKeyword: "ApiTypeError: Got an unexpected keyword argument '_content_type' to method patch_namespaced_config_map",
      merge: { data: { k: '2', j: 'jp', m: 'mp' }, labels: { app: 'py', patched: 'mp' } },
      failedTest: { status: 422, reason: 'Invalid' },
    });
    // The failed JSON-patch `test` is also 422 upstream (apiserver handlers/patch.go wraps the error as Invalid).
    const patches = seen.filter((q) => q.method === 'PATCH' && q.path === `${cmPath}/py-a`).map((q) => q.contentType);
    assert.deepEqual(patches, [
      'application/strategic-merge-patch+json',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/json-patch+json',
    ]);
  });

  await t.test('replace: PUT with the read resourceVersion, then Conflict for the stale one', () => {
    assert.deepEqual(obs.replace, {
      data: { replaced: 'yes' },
      sentRvMatchesRead: true,
      rvChanged: true,
      rvIncreased: true,
      uidKept: true,
      conflict: {
        status: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on configmaps "py-a": the object has been modified; please apply your changes to the latest version and try again',
        details: { name: 'py-a', kind: 'configmaps' },
      },
    });
  });

  await t.test('delete: a Success Status, then NotFound on read and on a second delete', () => {
    assert.deepEqual(obs.delete, {
      type: 'V1Status',
      status: 'Success',
      detailsName: 'py-b',
      detailsKind: 'configmaps',
      readAfter: { status: 404, reason: 'NotFound', message: 'configmaps "py-b" not found' },
      deleteAgain: { status: 404, reason: 'NotFound' },
      left: ['py-a', 'py-c'],
    });
  });

  await t.test('pod: create, list, strategic merge by container name, env change forbidden, delete returns the pod', () => {
    const sidecar = { name: 'sidecar', image: 'busybox:1.36', env: [] };
    const app = (image: string) => ({ name: 'app', image, env: [['A', '1'], ['B', '2']] });
    assert.deepEqual(obs.pod, {
      created: { name: 'py-pod', containers: [app('nginx:1.27'), sidecar] },
      listed: ['py-pod'],
      strategic: [app('nginx:1.28'), sidecar],
      envChange: { status: 422, reason: 'Invalid', causes: [['FieldValueForbidden', 'spec']], forbidden: true },
      readBack: [app('nginx:1.28'), sidecar],
      deleteType: 'V1Pod',
      deletedName: 'py-pod',
      readAfter: { status: 404, reason: 'NotFound', message: 'pods "py-pod" not found' },
    });
    const podPatches = seen.filter((q) => q.method === 'PATCH' && q.path === '/api/v1/namespaces/default/pods/py-pod').map((q) => q.contentType);
    assert.deepEqual(podPatches, ['application/strategic-merge-patch+json', 'application/strategic-merge-patch+json']);
  });

  await t.test('watch: ADDED, MODIFIED, DELETED in order, live from a thread and replayed from the resourceVersion', () => {
    assert.deepEqual(obs.watch, { live: watchEvents, liveEndedBeforeTimeout: true, replay: watchEvents, replayEndedBeforeTimeout: true });
    const watches = seen.filter((q) => q.method === 'GET' && q.path === cmPath && q.query.has('watch'));
    assert.ok(watches.length >= 3);
    for (const w of watches) {
      assert.equal(w.query.get('watch'), 'True', 'the Python client sends watch=True');
      assert.match(w.query.get('resourceVersion') ?? '', /^\d+$/);
    }
    assert.deepEqual(watches.slice(0, 2).map((w) => [w.query.get('labelSelector'), w.query.get('timeoutSeconds')]), [['app=watch', '10'], ['app=watch', '5']]);
  });

  await t.test('watch: the server ends a quiet stream after timeoutSeconds', () => {
    assert.deepEqual(obs.watchTimeout, { events: 0, endedWithinFiveSeconds: true, tookAtLeastHalfASecond: true });
  });

  await t.test('dynamic client: discovers cluster.x-k8s.io/v1beta1 Cluster, creates, lists, merge-patches, deletes', () => {
    const d = obs.dynamic ?? {};
    const res = d.resource as { verbs: string[] } & Record<string, unknown>;
    assert.deepEqual(res, {
      name: 'clusters',
      kind: 'Cluster',
      group: 'cluster.x-k8s.io',
      apiVersion: 'v1beta1',
      groupVersion: 'cluster.x-k8s.io/v1beta1',
      namespaced: true,
      verbs: res.verbs,
      shortNames: ['cl'],
    });
    for (const v of ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']) assert.ok(res.verbs.includes(v), `verb ${v} in ${res.verbs.join(',')}`);
    assert.deepEqual({ ...d, resource: undefined }, {
      resource: undefined,
      configMapResource: { name: 'configmaps', namespaced: true },
      created: { kind: 'Cluster', apiVersion: 'cluster.x-k8s.io/v1beta1', name: 'py-cluster', namespace: 'default', podCidrs: ['192.168.0.0/16'] },
      listKind: 'ClusterList',
      listed: ['py-cluster'],
      byLabel: ['py-cluster'],
      get: { name: 'py-cluster', host: '10.0.0.1', port: 6443 },
      merge: { labels: { app: 'py', patched: 'mp' }, paused: true },
      strategic: {
        status: 415,
        reason: 'UnsupportedMediaType',
        message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      },
      deleted: { kind: 'Status', status: 'Success', detailsName: 'py-cluster' },
      listedAfterDelete: [],
    });
    const clusterPath = '/apis/cluster.x-k8s.io/v1beta1/namespaces/default/clusters';
    assert.ok(seen.some((q) => q.method === 'GET' && q.path === '/apis/cluster.x-k8s.io/v1beta1'), 'discovery of the group-version');
    assert.ok(seen.some((q) => q.method === 'POST' && q.path === clusterPath));
    assert.deepEqual(
      seen.filter((q) => q.method === 'PATCH' && q.path === `${clusterPath}/py-cluster`).map((q) => q.contentType),
      ['application/merge-patch+json', 'application/strategic-merge-patch+json'],
    );
  });
});
