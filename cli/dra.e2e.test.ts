// The device taint eviction controller against a long-lived `racelab serve`, as separate processes: a device
// is tainted through kubectl with a DeviceTaintRule, the pod using it is evicted, and `kubectl describe pod`
// shows the controller's Event. The pod is on node-1, so the eviction's DELETE only starts its graceful
// deletion: it stays Terminating and readable (no node agent runs here to finish it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, findOnPath, Kubectl, startRacelab, startRacelabProcess, tempDir, writeManifest } from './testing/kubectl.ts';

const kubectlBinary = findOnPath('kubectl');
const driver = 'gpu.e2e.dev';

test('a DeviceTaintRule applied with kubectl evicts the pod; describe shows "Marking for deletion"', { skip: kubectlBinary ? false : 'kubectl is not on PATH' }, async (t) => {
  const tmp = tempDir('racelab-dra-');
  t.after(() => tmp.remove());
  const kubeconfig = `${tmp.dir}/kubeconfig`;
  const server = await startRacelab(kubeconfig);
  t.after(() => server.stop());
  const controllers = await startRacelabProcess(['controllers', '--kubeconfig', kubeconfig, '--only', 'devicetainteviction'], /controller manager running (.*) against/);
  t.after(() => controllers.stop());
  const kubectl = new Kubectl(kubectlBinary as string, tmp.dir, kubeconfig);
  const ok = async (args: string[]): Promise<string> => {
    const r = await kubectl.run(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  await ok([
    'apply',
    '-f',
    writeManifest(
      tmp.dir,
      'node',
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } },
      { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceSlice', metadata: { name: 'node-1-gpus' }, spec: { driver, nodeName: 'node-1', pool: { name: 'node-1', generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0', basic: {} }] } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'trainer', namespace: 'default' },
        spec: { nodeName: 'node-1', containers: [{ name: 'train', image: 'busybox:1.36' }], resourceClaims: [{ name: 'gpu', resourceClaimName: 'trainer-gpu' }] },
      },
      { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'trainer-gpu', namespace: 'default' }, spec: { devices: { requests: [{ name: 'gpu', deviceClassName: driver }] } } },
    ),
  ]);
  const uid = await ok(['get', 'pod', 'trainer', '-o', 'jsonpath={.metadata.uid}']);
  const allocation = { status: { allocation: { devices: { results: [{ request: 'gpu', driver, pool: 'node-1', device: 'gpu-0' }] } }, reservedFor: [{ resource: 'pods', name: 'trainer', uid }] } };
  await ok(['patch', 'resourceclaim', 'trainer-gpu', '--subresource=status', '--type', 'merge', '-p', JSON.stringify(allocation)]);

  await ok(['apply', '-f', writeManifest(tmp.dir, 'taint', { apiVersion: 'resource.k8s.io/v1alpha3', kind: 'DeviceTaintRule', metadata: { name: 'gpu-0-broken' }, spec: { deviceSelector: { driver, pool: 'node-1', device: 'gpu-0' }, taint: { key: 'e2e.dev/broken', value: 'true', effect: 'NoExecute' } } })]);

  const described = await eventually('the pod marked for deletion', async () => {
    const r = await kubectl.run(['describe', 'pod', 'trainer']);
    return /Marking for deletion/.test(r.stdout) && /Terminating/.test(r.stdout) ? r.stdout : undefined;
  });
  assert.match(described, /Normal\s+DeviceTaintManagerEviction\s+.*Marking for deletion/);
  assert.equal(await ok(['get', 'pod', 'trainer', '-o', 'jsonpath={.status.conditions[?(@.type=="DisruptionTarget")].reason}']), 'DeletionByDeviceTaintManager');
});
