// `racelab up` through kubectl 1.32, for what issue 15 adds beyond cluster.e2e.test.ts: the demo world's
// nodes are Ready and its pods Running (what `npm start` shows); `kubectl rollout restart`, `pause` and
// `resume` behave as upstream; `kubectl drain` evicts through the Eviction API, held back by a
// PodDisruptionBudget (429) until the ReplicaSet's replacement is Ready on the other node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, findOnPath, Kubectl, parseTable, startRacelabProcess, tempDir, type Result } from './testing/kubectl.ts';

const kubectlBinary = findOnPath('kubectl');
const skip = kubectlBinary ? false : 'kubectl is not on PATH';

type Run = (a: string[]) => Promise<Result>;

async function upWorld(t: { after(fn: () => Promise<void> | void): void }, args: string[]): Promise<{ ok: (a: string[]) => Promise<string>; run: Run }> {
  const tmp = tempDir('racelab-up-');
  t.after(() => tmp.remove());
  const kubeconfig = `${tmp.dir}/kubeconfig`;
  const server = await startRacelabProcess(['up', '--port', '0', '--kubeconfig', kubeconfig, ...args], /listening on (http:\/\/\S+)/);
  t.after(() => server.stop());
  const kubectl = new Kubectl(kubectlBinary as string, tmp.dir, kubeconfig);
  const run: Run = (a) => kubectl.run(a);
  return {
    run,
    ok: async (a) => {
      const r = await run(a);
      assert.equal(r.code, 0, `kubectl ${a.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
  };
}

test('racelab up (the demo world): kubectl get nodes,pods -A shows Ready nodes and Running pods', { skip }, async (t) => {
  const { ok } = await upWorld(t, []);
  const seen = await eventually('Ready nodes and Running pods', async () => {
    const nodes = parseTable(await ok(['get', 'nodes']));
    const pods = parseTable(await ok(['get', 'pods', '-A']));
    const ready = nodes.length >= 2 && nodes.every((n) => n.STATUS === 'Ready');
    return ready && pods.length > 0 && pods.every((p) => p.STATUS === 'Running') ? { nodes, pods } : undefined;
  });
  assert.deepEqual(seen.nodes.map((n) => n.NAME), ['node-1', 'node-2']);
  assert.ok(seen.pods.some((p) => p.NAME?.startsWith('trainer-')), JSON.stringify(seen.pods));
  const combined = await ok(['get', 'nodes,pods', '-A']);
  assert.match(combined, /node\/node-1\s+Ready/);
  assert.match(combined, /pod\/trainer-\S+\s+1\/1\s+Running/);
});

test('kubectl rollout restart makes a new ReplicaSet; pause holds a set image back until resume', { skip }, async (t) => {
  const { ok } = await upWorld(t, ['--empty', '--only', 'kwok,scheduler,replicaset,deployment']);
  await ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
  assert.match(await ok(['rollout', 'restart', 'deploy/web']), /^deployment.apps\/web restarted$/m);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
  assert.deepEqual(parseTable(await ok(['get', 'rs'])).map((r) => r.DESIRED).sort(), ['0', '2'], 'the restart rolled out a second ReplicaSet');
  const restartedAt = await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}']);
  assert.match(restartedAt, /^\d{4}-\d\d-\d\dT/);
  await eventually('two pods of the restarted template Running', async () => {
    const out = await ok(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}{" "}{.status.phase}{"\\n"}{end}']);
    const lines = out.trim().split('\n');
    return lines.length === 2 && lines.every((l) => l === `${restartedAt} Running`) ? true : undefined;
  });

  assert.match(await ok(['rollout', 'pause', 'deploy/web']), /^deployment.apps\/web paused$/m);
  await ok(['set', 'image', 'deploy/web', 'nginx=nginx:1.27']);
  // Once the controller has seen the paused template change (observedGeneration), no ReplicaSet was made for it.
  await eventually('the paused change observed', async () => {
    const out = await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation} {.status.observedGeneration}']);
    const [gen, observed] = out.split(' ');
    return gen === observed ? true : undefined;
  });
  assert.equal(parseTable(await ok(['get', 'rs'])).length, 2, 'paused: no new ReplicaSet');
  assert.match(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']), /^DeploymentPaused$/);
  assert.match(await ok(['rollout', 'resume', 'deploy/web']), /^deployment.apps\/web resumed$/m);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
  assert.equal(parseTable(await ok(['get', 'rs'])).length, 3, 'resumed: the new template rolled out');
  assert.equal(await ok(['get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}']), 'nginx:1.27 nginx:1.27');
});

test('kubectl drain node-1 evicts through the Eviction API, one at a time as the PodDisruptionBudget allows', { skip }, async (t) => {
  const { ok, run } = await upWorld(t, ['--empty', '--only', 'kwok,scheduler,replicaset,deployment,disruption']);
  await eventually('two Ready nodes', async () => (parseTable(await ok(['get', 'nodes'])).filter((n) => n.STATUS === 'Ready').length === 2 ? true : undefined));
  // Both pods on node-1: node-2 is cordoned while they are scheduled.
  await ok(['cordon', 'node-2']);
  await ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
  assert.deepEqual(parseTable(await ok(['get', 'pods', '-o', 'wide'])).map((p) => p.NODE), ['node-1', 'node-1']);
  await ok(['uncordon', 'node-2']);
  await ok(['create', 'pdb', 'web', '--selector=app=web', '--max-unavailable=1']);
  await eventually('the budget allows one disruption', async () => ((await ok(['get', 'pdb', 'web', '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '1' ? true : undefined));

  const drained = await run(['drain', 'node-1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=120s']);
  assert.equal(drained.code, 0, drained.stderr);
  assert.match(drained.stdout, /^node\/node-1 cordoned$/m);
  assert.equal((drained.stdout.match(/^pod\/web-\S+ evicted$/gm) ?? []).length, 2, drained.stdout);
  assert.match(drained.stdout, /^node\/node-1 drained$/m);
  // The second eviction waited for the budget: kubectl retried after upstream's 429.
  assert.match(drained.stderr, /error when evicting pods\/"web-\S+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
  const pods = await eventually('two pods Running on node-2', async () => {
    const rows = parseTable(await ok(['get', 'pods', '-o', 'wide']));
    return rows.length === 2 && rows.every((p) => p.STATUS === 'Running' && p.NODE === 'node-2') ? rows : undefined;
  });
  assert.equal(pods.length, 2);
  assert.match(await ok(['get', 'node', 'node-1']), /Ready,SchedulingDisabled/);
});
