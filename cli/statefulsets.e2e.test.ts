// `racelab up` with the StatefulSet, DaemonSet and ReplicationController controllers, through kubectl 1.32:
// `kubectl rollout status sts/x` and `ds/x` complete, `kubectl scale sts` and `kubectl scale rc` work.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, findOnPath, Kubectl, parseTable, startRacelabProcess, tempDir, writeManifest } from './testing/kubectl.ts';

const kubectlBinary = findOnPath('kubectl');
const skip = kubectlBinary ? false : 'kubectl is not on PATH';

async function upWorld(t: { after(fn: () => Promise<void> | void): void }, only: string): Promise<{ ok: (a: string[]) => Promise<string>; dir: string }> {
  const tmp = tempDir('racelab-workloads-');
  t.after(() => tmp.remove());
  const kubeconfig = `${tmp.dir}/kubeconfig`;
  const server = await startRacelabProcess(['up', '--port', '0', '--kubeconfig', kubeconfig, '--empty', '--only', only], /listening on (http:\/\/\S+)/);
  t.after(() => server.stop());
  const kubectl = new Kubectl(kubectlBinary as string, tmp.dir, kubeconfig);
  return {
    dir: tmp.dir,
    ok: async (a) => {
      const r = await kubectl.run(a);
      assert.equal(r.code, 0, `kubectl ${a.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
  };
}

const template = (app: string, image: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image }] } });

test('StatefulSet: rollout status completes with web-0..2 Running in order; scale sts down and up; set image rolls out', { skip }, async (t) => {
  const { ok, dir } = await upWorld(t, 'kwok,scheduler,statefulset');
  await ok(['apply', '-f', writeManifest(dir, 'sts', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' }, spec: { replicas: 3, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: template('web', 'nginx') } })]);
  assert.match(await ok(['rollout', 'status', 'sts/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated/);
  const pods = parseTable(await ok(['get', 'pods', '-o', 'wide']));
  assert.deepEqual(pods.map((p) => [p.NAME, p.STATUS]), [['web-0', 'Running'], ['web-1', 'Running'], ['web-2', 'Running']]);
  assert.equal(await ok(['get', 'pod', 'web-1', '-o', 'jsonpath={.metadata.labels.apps\\.kubernetes\\.io/pod-index}']), '1');
  assert.match(await ok(['get', 'controllerrevisions', '-o', 'name']), /^controllerrevision\.apps\/web-[a-z0-9]+\n$/);

  assert.equal(await ok(['scale', 'sts/web', '--replicas=1']), 'statefulset.apps/web scaled\n');
  await eventually('web-0 alone', async () => ((await ok(['get', 'pods', '-o', 'name'])) === 'pod/web-0\n' ? true : undefined));
  await ok(['scale', 'sts/web', '--replicas=2']);
  await ok(['set', 'image', 'sts/web', 'c=nginx:1.27']);
  assert.match(await ok(['rollout', 'status', 'sts/web', '--timeout=60s']), /partitioned roll out complete: 2 new pods have been updated/);
  assert.equal(await ok(['get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}']), 'nginx:1.27 nginx:1.27');
  const row = parseTable(await ok(['get', 'sts', 'web']))[0];
  assert.equal(row?.READY, '2/2');
});

test('DaemonSet: one pod per node, rollout status completes, set image rolls out', { skip }, async (t) => {
  const { ok, dir } = await upWorld(t, 'kwok,scheduler,daemonset');
  await ok(['apply', '-f', writeManifest(dir, 'ds', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent', 'agent:1') } })]);
  assert.match(await ok(['rollout', 'status', 'ds/agent', '--timeout=60s']), /daemon set "agent" successfully rolled out/);
  const pods = parseTable(await ok(['get', 'pods', '-o', 'wide']));
  assert.deepEqual(pods.map((p) => p.NODE).sort(), ['node-1', 'node-2']);
  assert.ok(pods.every((p) => p.STATUS === 'Running'));
  const ds = parseTable(await ok(['get', 'ds', 'agent']))[0];
  assert.deepEqual([ds?.DESIRED, ds?.CURRENT, ds?.READY, ds?.['UP-TO-DATE'], ds?.AVAILABLE], ['2', '2', '2', '2', '2']);
  await ok(['set', 'image', 'ds/agent', 'c=agent:2']);
  assert.match(await ok(['rollout', 'status', 'ds/agent', '--timeout=60s']), /daemon set "agent" successfully rolled out/);
  assert.equal(await ok(['get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}']), 'agent:2 agent:2');
});

test('ReplicationController: pods made by the replication controller; kubectl scale rc', { skip }, async (t) => {
  const { ok, dir } = await upWorld(t, 'kwok,scheduler,replicationcontroller');
  await ok(['apply', '-f', writeManifest(dir, 'rc', { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' }, spec: { replicas: 2, selector: { app: 'legacy' }, template: template('legacy', 'nginx') } })]);
  await eventually('two Ready', async () => (parseTable(await ok(['get', 'rc', 'legacy']))[0]?.READY === '2' ? true : undefined));
  assert.equal(await ok(['scale', 'rc/legacy', '--replicas=3']), 'replicationcontroller/legacy scaled\n');
  await eventually('three Running', async () => {
    const pods = parseTable(await ok(['get', 'pods']));
    return pods.length === 3 && pods.every((p) => p.STATUS === 'Running') ? true : undefined;
  });
  await ok(['scale', 'rc/legacy', '--replicas=1']);
  await eventually('one left', async () => (parseTable(await ok(['get', 'pods'])).length === 1 ? true : undefined));
  const rc = parseTable(await ok(['get', 'rc', 'legacy']))[0];
  assert.deepEqual([rc?.DESIRED, rc?.CURRENT, rc?.READY], ['1', '1', '1']);
});
