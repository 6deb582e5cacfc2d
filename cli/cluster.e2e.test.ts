// `racelab up` as a user meets it, through kubectl 1.32: the simulated nodes are Ready, the scheduler binds
// a pod that kubectl runs, the node agent runs it and finishes its graceful deletion; the demo world's DRA
// trainer runs on node-1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, findOnPath, Kubectl, parseTable, startRacelabProcess, tempDir } from './testing/kubectl.ts';

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

test('racelab up: the demo trainer pod runs on node-1 with its GPU claim', { skip }, async (t) => {
  const ok = await upWorld(t, []);
  const phase = await eventually('trainer Running', async () => {
    const p = await ok(['get', 'pod', 'trainer', '-o', 'jsonpath={.spec.nodeName} {.status.phase} {.status.podIP}']);
    return / Running /.test(p) ? p : undefined;
  });
  assert.match(phase, /^node-1 Running 10\.244\.1\.\d+$/);
  const nodes = parseTable(await ok(['get', 'nodes']));
  assert.deepEqual(nodes.map((r) => `${r.NAME} ${r.STATUS}`), ['node-1 Ready', 'node-2 Ready']);
});
