// The small demo world `racelab up` seeds: a Cluster with a MachineSet, a DRA driver on node-1 (one of the
// simulated nodes) and a device in use by the pod of the `trainer` Job running there, and a Capsule tenant
// with a GlobalTenantResource.
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../apiserver/machinery/clock.ts';
import type { Logger } from '../apiserver/machinery/log.ts';
import type { KubeObject } from '../apiserver/machinery/object.ts';
import { isAlreadyExists, KubeClient, type ResourceRef } from '../clients/kube/client.ts';
import { background, withCancel } from '../controllers/runtime/concurrency.ts';
import { FakeDriver } from '../controllers/kubelet/fakedriver.ts';
import { ignoreSigtermAnnotation, runForAnnotation } from '../controllers/kwok/pod.ts';
import { RegistrationHandler } from '../controllers/kubelet/registration.ts';

export const demoNode = 'node-1';
export const demoDriver = 'gpu.racelab.dev';

const ref = (group: string, version: string, plural: string, namespace?: string): ResourceRef => ({ group, version, plural, namespace });

async function ensure(client: KubeClient, r: ResourceRef, obj: KubeObject): Promise<KubeObject> {
  try {
    return await client.create(r, obj);
  } catch (e) {
    if (isAlreadyExists(e)) return client.get(r, obj.metadata.name ?? '');
    throw e;
  }
}

/** The kubelet of the demo node: its DRA registration handler and a fake driver publishing two GPUs. */
export async function startNodeAgent(kc: k8s.KubeConfig, clock: Clock, logger: Logger): Promise<() => Promise<void>> {
  const { ctx, cancel } = withCancel(background());
  const handler = new RegistrationHandler(ctx, { fixed: true, clock, nodeName: demoNode, kc, logger: logger.child({ component: 'kubelet' }) });
  const driver = new FakeDriver({ driverName: demoDriver, nodeName: demoNode, kc, clock, devices: [{ name: 'gpu-0' }, { name: 'gpu-1' }], logger });
  // The kubelet wipes the node's slices when it starts; the driver publishes once that is done.
  while (!handler.idle()) await clock.sleep(5);
  await driver.start(handler);
  return async () => {
    await handler.Stop();
    cancel();
  };
}

/** How long seeding waits for the trainer Job's pod (when the job controller does not run, it never comes). */
const podWaitTries = 100;
const podWaitStepMs = 50;

export async function seedDemo(kc: k8s.KubeConfig, clock: Clock): Promise<void> {
  const c = new KubeClient(kc);
  // Cluster API: a Cluster, its infrastructure, and a MachineSet of two Machines.
  const capi = (plural: string) => ref('cluster.x-k8s.io', 'v1beta1', plural, 'default');
  const infra = (plural: string) => ref('infrastructure.cluster.x-k8s.io', 'v1beta1', plural, 'default');
  const boot = (plural: string) => ref('bootstrap.cluster.x-k8s.io', 'v1beta1', plural, 'default');
  await ensure(c, infra('dockerclusters'), { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerCluster', metadata: { name: 'demo', labels: { 'cluster.x-k8s.io/cluster-name': 'demo' } }, spec: {} });
  await ensure(c, capi('clusters'), {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: { name: 'demo' },
    spec: { clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } }, infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerCluster', name: 'demo', namespace: 'default' } },
  });
  await ensure(c, infra('dockermachinetemplates'), { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachineTemplate', metadata: { name: 'demo-md' }, spec: { template: { spec: {} } } });
  await ensure(c, boot('kubeadmconfigtemplates'), { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfigTemplate', metadata: { name: 'demo-md' }, spec: { template: { spec: {} } } });
  await ensure(c, capi('machinesets'), {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'MachineSet',
    metadata: { name: 'demo-md', labels: { 'cluster.x-k8s.io/cluster-name': 'demo' } },
    spec: {
      clusterName: 'demo',
      replicas: 2,
      selector: { matchLabels: { 'cluster.x-k8s.io/set-name': 'demo-md' } },
      template: {
        metadata: { labels: { 'cluster.x-k8s.io/set-name': 'demo-md', 'cluster.x-k8s.io/cluster-name': 'demo' } },
        spec: {
          clusterName: 'demo',
          version: 'v1.32.0',
          bootstrap: { configRef: { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfigTemplate', name: 'demo-md' } },
          infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachineTemplate', name: 'demo-md' },
        },
      },
    },
  });

  // DRA: the node, a device class, and a pod whose claim holds gpu-0 (the node agent publishes the slice).
  await ensure(c, ref('', 'v1', 'nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: demoNode, labels: { 'kubernetes.io/hostname': demoNode } }, spec: {} });
  await ensure(c, ref('resource.k8s.io', 'v1beta1', 'deviceclasses'), { apiVersion: 'resource.k8s.io/v1beta1', kind: 'DeviceClass', metadata: { name: demoDriver }, spec: { selectors: [{ cel: { expression: `device.driver == "${demoDriver}"` } }] } });
  // The trainer is a Job whose pod runs on node-1 until it is stopped. Its container ignores SIGTERM, so an
  // eviction leaves the pod Terminating for its 30 s grace period before the node agent removes it.
  const job = await ensure(c, ref('batch', 'v1', 'jobs', 'default'), {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'trainer' },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: 'trainer' }, annotations: { [ignoreSigtermAnnotation]: 'true', [runForAnnotation]: 'forever' } },
        spec: { restartPolicy: 'Never', nodeName: demoNode, containers: [{ name: 'train', image: 'busybox:1.36' }], resourceClaims: [{ name: 'gpu', resourceClaimName: 'trainer-gpu' }] },
      },
    },
  });
  // The Job controller makes the pod; the claim is reserved for it once it exists.
  let pod: KubeObject | undefined;
  for (let i = 0; i < podWaitTries && !pod; i++) {
    pod = (await c.list(ref('', 'v1', 'pods', 'default'), { labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata.uid ?? ''}` })).items[0];
    if (!pod) await clock.sleep(podWaitStepMs);
  }
  const claims = ref('resource.k8s.io', 'v1beta1', 'resourceclaims', 'default');
  const claim = await ensure(c, claims, { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'trainer-gpu' }, spec: { devices: { requests: [{ name: 'gpu', deviceClassName: demoDriver }] } } });
  if (!claim.status && pod) {
    await c.updateStatus(claims, {
      ...claim,
      status: {
        allocation: { devices: { results: [{ request: 'gpu', driver: demoDriver, pool: demoNode, device: 'gpu-0' }] } },
        reservedFor: [{ resource: 'pods', name: pod.metadata.name, uid: pod.metadata.uid }],
      },
    } as KubeObject);
  }

  // Capsule: tenant "oil" with two namespaces, and two Secrets replicated into both.
  const tenants = ref('capsule.clastix.io', 'v1beta2', 'tenants');
  await ensure(c, tenants, { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', metadata: { name: 'oil', labels: { env: 'demo' } }, spec: { owners: [{ kind: 'User', name: 'alice' }] } });
  for (const ns of ['oil-dev', 'oil-prod', 'capsule-sources']) {
    const labels: Record<string, string> = ns.startsWith('oil-') ? { 'capsule.clastix.io/tenant': 'oil' } : {};
    await ensure(c, ref('', 'v1', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } });
  }
  for (const name of ['registry-credentials', 'ca-bundle']) {
    await ensure(c, ref('', 'v1', 'secrets', 'capsule-sources'), { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: { replicate: 'true' } }, type: 'Opaque', stringData: { value: name } });
  }
  await ensure(c, ref('capsule.clastix.io', 'v1beta2', 'globaltenantresources'), {
    apiVersion: 'capsule.clastix.io/v1beta2',
    kind: 'GlobalTenantResource',
    metadata: { name: 'shared-secrets' },
    spec: {
      tenantSelector: { matchLabels: { env: 'demo' } },
      resyncPeriod: '60s',
      pruningOnDelete: true,
      resources: [{ namespacedItems: [{ apiVersion: 'v1', kind: 'Secret', namespace: 'capsule-sources', selector: { matchLabels: { replicate: 'true' } } }] }],
    },
  });
}
