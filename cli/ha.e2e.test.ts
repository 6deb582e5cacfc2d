// End to end, the compose ha profile's topology without Docker: one etcd, two `racelab serve --storage etcd`
// processes, one round-robin address in front (as deploy/ha/haproxy.cfg), the controller manager and kubectl
// through that address. A MachineSet applied with kubectl gets its Machines though every kubectl run and
// every controller reconnect may land on either server.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { kubeconfigYaml } from '../clients/kube/kubeconfig.ts';
import { etcdSkip, startEtcd } from '../testing/etcd.ts';
import { roundRobin } from '../testing/roundrobin.ts';
import { eventually, findOnPath, Kubectl, parseTable, startRacelabProcess, tempDir, writeManifest } from './testing/kubectl.ts';

const kubectlBinary = findOnPath('kubectl');
const skip = etcdSkip() || (kubectlBinary ? false : 'kubectl is not on PATH');

test('two API servers over one etcd behind one address: kubectl and the controller manager work through it', { skip }, async (t) => {
  const tmp = tempDir('racelab-ha-');
  t.after(() => tmp.remove());
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const serve = ['serve', '--port', '0', '--storage', `etcd=${etcd.url}`];
  const [a, b] = await Promise.all([startRacelabProcess(serve, /listening on (http:\/\/\S+)/), startRacelabProcess(serve, /listening on (http:\/\/\S+)/)]);
  t.after(() => a.stop());
  t.after(() => b.stop());
  const lb = await roundRobin([a.url, b.url]);
  t.after(() => lb.close());
  const kubeconfig = `${tmp.dir}/kubeconfig`;
  writeFileSync(kubeconfig, kubeconfigYaml(lb.url, 'admin'));
  const controllers = await startRacelabProcess(['controllers', '--kubeconfig', kubeconfig, '--only', 'clusterapi'], /controller manager running (.*) against/);
  t.after(() => controllers.stop());

  const kubectl = new Kubectl(kubectlBinary as string, tmp.dir, kubeconfig);
  const v = (kind: string, name: string, spec: object) => ({ apiVersion: kind.startsWith('Docker') ? 'infrastructure.cluster.x-k8s.io/v1beta1' : kind.startsWith('Kubeadm') ? 'bootstrap.cluster.x-k8s.io/v1beta1' : 'cluster.x-k8s.io/v1beta1', kind, metadata: { name, namespace: 'default' }, spec });
  const manifest = writeManifest(
    tmp.dir,
    'world',
    v('Cluster', 'ha', {}),
    v('DockerMachineTemplate', 'ha', { template: { spec: {} } }),
    v('KubeadmConfigTemplate', 'ha', { template: { spec: {} } }),
    v('MachineSet', 'ha-ms', {
      clusterName: 'ha',
      replicas: 3,
      selector: { matchLabels: { set: 'ha-ms' } },
      template: {
        metadata: { labels: { set: 'ha-ms' } },
        spec: {
          clusterName: 'ha',
          bootstrap: { configRef: { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfigTemplate', name: 'ha' } },
          infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachineTemplate', name: 'ha' },
        },
      },
    }),
  );
  const created = await kubectl.run(['apply', '-f', manifest]);
  assert.equal(created.code, 0, created.stderr);
  const machines = await eventually('three Machines', async () => {
    const r = await kubectl.run(['get', 'machines', '-l', 'cluster.x-k8s.io/set-name=ha-ms']);
    const rows = parseTable(r.stdout);
    return rows.length === 3 ? rows : undefined;
  });
  assert.deepEqual(machines.map((m) => m.CLUSTER), ['ha', 'ha', 'ha']);
  // The MachineSet's status follows its Machines; once one read shows it, a read on either server does.
  const replicas = async (): Promise<string | undefined> => parseTable((await kubectl.run(['get', 'machinesets'])).stdout)[0]?.REPLICAS;
  await eventually('the MachineSet status to count three', async () => ((await replicas()) === '3' ? true : undefined));
  for (let i = 0; i < 2; i++) assert.equal(await replicas(), '3');
  assert.ok(lb.connections.every((n) => n > 0), `both servers served connections: ${lb.connections.join(', ')}`);

  await controllers.stop();
  assert.equal(await controllers.exitCode(), 0, controllers.log());
});
