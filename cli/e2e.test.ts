// End to end: `racelab serve` and `racelab controllers` as separate processes; kubectl creates a
// MachineSet and its Machines appear; both processes stop cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, findOnPath, Kubectl, parseTable, startRacelab, startRacelabProcess, tempDir, writeManifest } from './testing/kubectl.ts';

const kubectlBinary = findOnPath('kubectl');

test('serve + controllers as processes: a MachineSet created with kubectl gets its Machines', { skip: kubectlBinary ? false : 'kubectl is not on PATH' }, async (t) => {
  const tmp = tempDir('racelab-e2e-');
  t.after(() => tmp.remove());
  const kubeconfig = `${tmp.dir}/kubeconfig`;
  const server = await startRacelab(kubeconfig);
  t.after(() => server.stop());
  const controllers = await startRacelabProcess(['controllers', '--kubeconfig', kubeconfig], /controller manager running (.*) against/);
  t.after(() => controllers.stop());
  assert.equal(controllers.url, 'kwok, scheduler, replicaset, replicationcontroller, deployment, statefulset, daemonset, job, cronjob, endpoint, endpointslice, serviceaccount, disruption, podgc, clusterapi, devicetainteviction, capsule');

  const kubectl = new Kubectl(kubectlBinary as string, tmp.dir, kubeconfig);
  const v = (kind: string, name: string, spec: object) => ({ apiVersion: kind.startsWith('Docker') ? 'infrastructure.cluster.x-k8s.io/v1beta1' : kind.startsWith('Kubeadm') ? 'bootstrap.cluster.x-k8s.io/v1beta1' : 'cluster.x-k8s.io/v1beta1', kind, metadata: { name, namespace: 'default' }, spec });
  const manifest = writeManifest(
    tmp.dir,
    'world',
    v('Cluster', 'e2e', {}),
    v('DockerMachineTemplate', 'e2e', { template: { spec: {} } }),
    v('KubeadmConfigTemplate', 'e2e', { template: { spec: {} } }),
    v('MachineSet', 'e2e-ms', {
      clusterName: 'e2e',
      replicas: 3,
      selector: { matchLabels: { set: 'e2e-ms' } },
      template: {
        metadata: { labels: { set: 'e2e-ms' } },
        spec: {
          clusterName: 'e2e',
          bootstrap: { configRef: { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfigTemplate', name: 'e2e' } },
          infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachineTemplate', name: 'e2e' },
        },
      },
    }),
  );
  const created = await kubectl.run(['apply', '-f', manifest]);
  assert.equal(created.code, 0, created.stderr);
  const machines = await eventually('three Machines', async () => {
    const r = await kubectl.run(['get', 'machines', '-l', 'cluster.x-k8s.io/set-name=e2e-ms']);
    const rows = parseTable(r.stdout);
    return rows.length === 3 ? rows : undefined;
  });
  assert.deepEqual(machines.map((m) => m.CLUSTER), ['e2e', 'e2e', 'e2e']);
  const ms = parseTable((await kubectl.run(['get', 'machinesets'])).stdout);
  assert.equal(ms[0]?.REPLICAS, '3');

  await controllers.stop();
  assert.equal(await controllers.exitCode(), 0, `controllers exit:\n${controllers.log()}`);
  await server.stop();
  assert.equal(await server.exitCode(), 0);
});
