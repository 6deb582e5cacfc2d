// The built-in API groups through the official Python client (Debian's python3-kubernetes 22.6, /usr/bin/python3)
// against the real API server: Deployment, DaemonSet, Job, ReplicationController, Role and APIService created,
// read and deleted with V1DeleteOptions(propagation_policy=...) bodies; a Service round trip with upstream's
// defaults and status; create_from_yaml of a multi-document file; a PartialObjectMetadataList through the
// dynamic client. clients/testing/python_kinds.py prints its observations; this file asserts them.
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
const SCRIPT = fileURLToPath(new URL('./testing/python_kinds.py', import.meta.url));

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: yaml-web}
spec:
  replicas: 2
  selector: {matchLabels: {app: yaml-web}}
  template:
    metadata: {labels: {app: yaml-web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Service
metadata: {name: yaml-web}
spec:
  selector: {app: yaml-web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: yaml-cfg}
data: {mode: demo}
`;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : null, stdout, stderr });
    });
  });
}

const probe = await run(['-c', 'import kubernetes']);
const skip = probe.code === 0 ? undefined : `${PYTHON} cannot import kubernetes (install Debian's python3-kubernetes)`;

type Obs = Record<string, Record<string, unknown>> & { failed: string[] };

test('the Python client with the built-in API groups', { skip, timeout: 90_000 }, async (t: TestContext) => {
  const s = await testServer(t);
  const deletes: { path: string; body: string }[] = [];
  s.server.on('request', (req: IncomingMessage) => {
    if (req.method !== 'DELETE') return;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => deletes.push({ path: req.url ?? '', body }));
  });
  const dir = await mkdtemp(join(tmpdir(), 'racelab-pykinds-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'kubeconfig'), kubeconfigYaml(s.url));
  await writeFile(join(dir, 'multi.yaml'), manifest);
  const r = await run([SCRIPT, join(dir, 'kubeconfig'), join(dir, 'multi.yaml')]);
  let obs: Obs;
  try {
    obs = JSON.parse(r.stdout) as Obs;
  } catch {
    assert.fail(`python_kinds.py printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  const cycle = (kind: string, created: string) => ({ kind, created, uidKept: true, deleteReply: 'V1Status', gone: true });

  await t.test('every section ran', () => {
    assert.deepEqual(obs.failed, [], obs.failed.map((k) => String(obs[k]?.traceback)).join('\n'));
    assert.equal(r.code, 0, r.stderr);
  });

  await t.test('Deployment, DaemonSet, Job, ReplicationController, Role, APIService: defaults, then delete with a body', () => {
    assert.deepEqual(obs.deployment, { replicas: 1, strategy: 'RollingUpdate', maxSurge: '25%', revisionHistoryLimit: 10, progressDeadlineSeconds: 600, restartPolicy: 'Always', pullPolicy: 'IfNotPresent', generation: 1, cycle: cycle('Deployment', 'py-deploy') });
    assert.deepEqual(obs.daemonset, { updateStrategy: 'RollingUpdate', maxUnavailable: 1, statusNumberReady: 0, cycle: cycle('DaemonSet', 'py-ds') });
    assert.deepEqual(obs.job, { backoffLimit: 6, completions: 1, completionMode: 'NonIndexed', suspend: false, selectorMatchesUid: true, podLabelJobName: 'py-job', cycle: cycle('Job', 'py-job') });
    assert.deepEqual(obs.replicationcontroller, { replicas: 1, selector: { app: 'py-rc' }, labels: { app: 'py-rc' }, statusReplicas: 0, cycle: cycle('ReplicationController', 'py-rc') });
    assert.deepEqual(obs.role, { rules: [{ api_groups: [''], non_resource_ur_ls: null, resource_names: null, resources: ['pods'], verbs: ['get', 'list'] }], cycle: cycle('Role', 'py-role') });
    assert.deepEqual(obs.apiservice, { group: 'metrics.example.com', versionPriority: 100, cycle: cycle('APIService', 'v1beta1.metrics.example.com') });
    const policies = Object.fromEntries(deletes.filter((d) => d.body !== '').map((d) => [d.path.split('?')[0]?.split('/').slice(-2, -1)[0], (JSON.parse(d.body) as { propagationPolicy?: string }).propagationPolicy]));
    assert.deepEqual(policies, { deployments: 'Foreground', daemonsets: 'Background', jobs: 'Background', replicationcontrollers: 'Orphan', roles: 'Background', apiservices: 'Background', services: 'Background' });
  });

  await t.test('a Service round trip: upstream defaults and status, the clusterIP kept and immutable, the Service back from DELETE', () => {
    const svc = obs.service as Record<string, unknown>;
    assert.match(String(svc.clusterIP), /^10\.96\.\d+\.\d+$/);
    assert.deepEqual(svc, {
      type: 'ClusterIP',
      clusterIP: svc.clusterIP,
      clusterIPs: [svc.clusterIP],
      port: { app_protocol: null, name: null, node_port: null, port: 80, protocol: 'TCP', target_port: 80 },
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      status: { conditions: null, load_balancer: { ingress: null } },
      replacedKeepsIP: true,
      replacedLabels: { replaced: 'yes' },
      changeIP: 422,
      deleteReply: 'Service',
      gone: true,
    });
  });

  await t.test('create_from_yaml of a three-document file', () => {
    assert.deepEqual(obs.createFromYaml, { kinds: ['V1Deployment', 'V1Service', 'V1ConfigMap'], deployment: 2, service: 8080, configmap: { mode: 'demo' } });
  });

  await t.test('a PartialObjectMetadataList from the dynamic client', () => {
    assert.deepEqual(obs.partialMetadata, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', itemKinds: ['PartialObjectMetadata'], names: ['yaml-cfg'], itemsHaveData: false });
  });
});
