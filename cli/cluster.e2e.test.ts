// `racelab up` as a user meets it, through kubectl 1.32: the simulated nodes are Ready, the scheduler binds
// a pod that kubectl runs, the node agent runs it and finishes its graceful deletion; the demo world's DRA
// trainer Job's pod runs on node-1 and is evicted through its tainted GPU.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, findOnPath, Kubectl, parseTable, startRacelabProcess, tempDir, writeManifest } from './testing/kubectl.ts';

const kubectlBinary = findOnPath('kubectl');
const skip = kubectlBinary ? false : 'kubectl is not on PATH';

async function upWorld(t: { after(fn: () => Promise<void> | void): void }, args: string[]): Promise<(a: string[]) => Promise<string>> {
  const tmp = tempDir('racelab-up-');
  t.after(() => tmp.remove());
  const kubeconfig = `${tmp.dir}/kubeconfig`;
  const server = await startRacelabProcess(['up', '--port', '0', '--kubeconfig', kubeconfig, ...args], /listening on (http:\/\/\S+)/);
  t.after(() => server.stop());
  const kubectl = new Kubectl(kubectlBinary as string, tmp.dir, kubeconfig);
  return async (a) => {
    const r = await kubectl.run(a);
    assert.equal(r.code, 0, `kubectl ${a.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
}

test('racelab up --nodes 3: Ready nodes; kubectl run is scheduled and Running; kubectl delete waits for the node agent', { skip }, async (t) => {
  const ok = await upWorld(t, ['--empty', '--nodes', '3', '--only', 'kwok,scheduler']);
  const nodes = await eventually('three Ready nodes', async () => {
    const rows = parseTable(await ok(['get', 'nodes']));
    return rows.length === 3 && rows.every((r) => r.STATUS === 'Ready') ? rows : undefined;
  });
  assert.deepEqual(nodes.map((r) => r.NAME), ['node-1', 'node-2', 'node-3']);
  assert.equal(nodes[0]?.VERSION, 'v1.32.0');
  await ok(['run', 'web', '--image=nginx']);
  const row = await eventually('web Running', async () => {
    const rows = parseTable(await ok(['get', 'pod', 'web', '-o', 'wide']));
    return rows[0]?.STATUS === 'Running' ? rows[0] : undefined;
  });
  assert.match(row.NODE ?? '', /^node-[123]$/);
  assert.match(row.IP ?? '', /^10\.244\.[123]\.\d+$/);
  assert.equal(row.READY, '1/1');
  assert.match(await ok(['get', 'events', '--field-selector', 'reason=Scheduled']), /Successfully assigned default\/web to node-/);
  assert.equal(await ok(['delete', 'pod', 'web']), 'pod "web" deleted\n');
  // kubectl delete waits until the pod is gone: the node agent's DELETE ended it.
  assert.equal(await ok(['get', 'pods', '-o', 'name']), '');
  assert.equal(await ok(['get', 'leases', '-n', 'kube-node-lease', '-o', 'jsonpath={.items[*].metadata.name}']), 'node-1 node-2 node-3');
});

test('racelab up: the pod of the demo trainer Job runs on node-1 with its GPU; a DeviceTaintRule evicts it', { skip }, async (t) => {
  const ok = await upWorld(t, []);
  const sel = ['-l', 'job-name=trainer'];
  const phase = await eventually('trainer Running', async () => {
    const p = await ok(['get', 'pods', ...sel, '-o', 'jsonpath={.items[*].spec.nodeName} {.items[*].status.phase} {.items[*].status.podIP}']);
    return / Running /.test(p) ? p : undefined;
  });
  assert.match(phase, /^node-1 Running 10\.244\.1\.\d+$/);
  const name = await ok(['get', 'pods', ...sel, '-o', 'jsonpath={.items[0].metadata.name}']);
  assert.equal(await ok(['get', 'resourceclaim', 'trainer-gpu', '-o', 'jsonpath={.status.reservedFor[0].name}']), name);
  const nodes = parseTable(await ok(['get', 'nodes']));
  assert.deepEqual(nodes.map((r) => `${r.NAME} ${r.STATUS}`), ['node-1 Ready', 'node-2 Ready']);
  const tmp = tempDir('racelab-taint-');
  t.after(() => tmp.remove());
  await ok(['apply', '-f', writeManifest(tmp.dir, 'taint', { apiVersion: 'resource.k8s.io/v1alpha3', kind: 'DeviceTaintRule', metadata: { name: 'gpu-0-broken' }, spec: { deviceSelector: { driver: 'gpu.racelab.dev', pool: 'node-1', device: 'gpu-0' }, taint: { key: 'racelab.dev/broken', value: 'true', effect: 'NoExecute' } } })]);
  const described = await eventually('the pod Terminating with the Event', async () => {
    const out = await ok(['describe', 'pod', name]);
    return /Terminating/.test(out) && /Marking for deletion/.test(out) ? out : undefined;
  });
  assert.match(described, /DeviceTaintManagerEviction/);
});

test('kubectl create deployment, rollout status, scale, set image, rollout history and undo', { skip }, async (t) => {
  const ok = await upWorld(t, ['--empty', '--only', 'kwok,scheduler,replicaset,deployment']);
  await ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=3']);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /deployment "web" successfully rolled out/);
  const pods = parseTable(await ok(['get', 'pods', '-o', 'wide']));
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.STATUS === 'Running' && /^node-[12]$/.test(p.NODE ?? '')), JSON.stringify(pods));
  const first = await ok(['get', 'rs', '-o', 'jsonpath={.items[0].metadata.name}']);
  assert.match(first, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);

  await ok(['scale', 'deploy/web', '--replicas=5']);
  await eventually('five Running pods', async () => (parseTable(await ok(['get', 'pods'])).filter((p) => p.STATUS === 'Running').length === 5 ? true : undefined));
  await ok(['scale', 'deploy/web', '--replicas=2']);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
  await eventually('two pods left', async () => (parseTable(await ok(['get', 'pods'])).length === 2 ? true : undefined));

  await ok(['set', 'image', 'deploy/web', 'nginx=nginx:1.27']);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
  const rss = parseTable(await ok(['get', 'rs']));
  assert.equal(rss.length, 2);
  assert.deepEqual(rss.map((r) => r.DESIRED).sort(), ['0', '2']);
  const history = await ok(['rollout', 'history', 'deploy/web']);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), '2');

  await ok(['rollout', 'undo', 'deploy/web']);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
  assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx');
  assert.equal(await ok(['get', 'rs', first, '-o', 'jsonpath={.spec.replicas} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), '2 3');
  const images = await eventually('pods back on nginx', async () => {
    const out = await ok(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.spec.containers[0].image}{" "}{.status.phase}{"\\n"}{end}']);
    const lines = out.trim().split('\n');
    return lines.length === 2 && lines.every((l) => l === 'nginx Running') ? lines : undefined;
  });
  assert.equal(images.length, 2);
});

test('a Job with completions 3 reaches Complete; a Service gets Endpoints and an EndpointSlice with the pod IPs', { skip }, async (t) => {
  const ok = await upWorld(t, ['--empty']);
  const tmp = tempDir('racelab-job-');
  t.after(() => tmp.remove());
  await ok(['apply', '-f', writeManifest(tmp.dir, 'job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default' }, spec: { completions: 3, parallelism: 3, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'busybox' }] } } } })]);
  await ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80']);
  await ok(['expose', 'deployment', 'web', '--port=80']);
  assert.match(await ok(['wait', '--for=condition=Complete', 'job/pi', '--timeout=60s']), /job.batch\/pi condition met/);
  assert.equal(await ok(['get', 'job', 'pi', '-o', 'jsonpath={.status.succeeded}']), '3');
  const ips = await eventually('two web pods Running', async () => {
    const out = (await ok(['get', 'pods', '-l', 'app=web', '--field-selector', 'status.phase=Running', '-o', 'jsonpath={.items[*].status.podIP}'])).split(' ').filter(Boolean);
    return out.length === 2 ? out.sort() : undefined;
  });
  const endpoints = await eventually('Endpoints with both IPs', async () => {
    const out = (await ok(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).split(' ').filter(Boolean).sort();
    return out.length === 2 ? out : undefined;
  });
  assert.deepEqual(endpoints, ips);
  const sliced = (await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].addresses[0]}'])).split(' ').filter(Boolean).sort();
  assert.deepEqual(sliced, ips);
  assert.equal(await ok(['get', 'serviceaccount', 'default', '-n', 'kube-public', '-o', 'name']), 'serviceaccount/default\n');
});
