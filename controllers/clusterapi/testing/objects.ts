// The objects of a small Cluster API cluster and where their kinds live: shared by the controllers'
// tests and the Cluster API scenario cases.
import type { KubeObject } from '../../../apiserver/machinery/object.ts';
import type { ResourceRef } from '../../../clients/kube/client.ts';
import { clusterApiVersion } from '../api.ts';

export const ns = 'default';
const capi = (plural: string): ResourceRef => ({ group: 'cluster.x-k8s.io', version: 'v1beta1', plural, namespace: ns });
const infra = (plural: string): ResourceRef => ({ group: 'infrastructure.cluster.x-k8s.io', version: 'v1beta1', plural, namespace: ns });
const bootstrap = (plural: string): ResourceRef => ({ group: 'bootstrap.cluster.x-k8s.io', version: 'v1beta1', plural, namespace: ns });

export const refs = {
  clusters: capi('clusters'),
  machineDeployments: capi('machinedeployments'),
  machineSets: capi('machinesets'),
  machines: capi('machines'),
  dockerClusters: infra('dockerclusters'),
  dockerMachines: infra('dockermachines'),
  dockerMachineTemplates: infra('dockermachinetemplates'),
  kubeadmConfigs: bootstrap('kubeadmconfigs'),
  kubeadmConfigTemplates: bootstrap('kubeadmconfigtemplates'),
  secrets: { group: '', version: 'v1', plural: 'secrets', namespace: ns } as ResourceRef,
  configMaps: { group: '', version: 'v1', plural: 'configmaps', namespace: ns } as ResourceRef,
};

export function dockerCluster(name: string): KubeObject {
  return {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1',
    kind: 'DockerCluster',
    metadata: { name, namespace: ns },
    spec: { controlPlaneEndpoint: { host: '172.18.0.3', port: 6443 } },
  };
}

export function cluster(name: string, opts: { infra?: string; paused?: boolean } = {}): KubeObject {
  return {
    apiVersion: clusterApiVersion,
    kind: 'Cluster',
    metadata: { name, namespace: ns },
    spec: {
      ...(opts.paused ? { paused: true } : {}),
      clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } },
      ...(opts.infra ? { infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerCluster', name: opts.infra, namespace: ns } } : {}),
    },
  };
}

export function dockerMachineTemplate(name: string): KubeObject {
  return {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1',
    kind: 'DockerMachineTemplate',
    metadata: { name, namespace: ns },
    spec: { template: { spec: { extraMounts: [], customImage: 'kindest/node:v1.32.0' } } },
  };
}

export function kubeadmConfigTemplate(name: string): KubeObject {
  return {
    apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1',
    kind: 'KubeadmConfigTemplate',
    metadata: { name, namespace: ns },
    spec: { template: { spec: { joinConfiguration: { nodeRegistration: { kubeletExtraArgs: { 'eviction-hard': 'nodefs.available<0%' } } } } } },
  };
}

export function machineSet(
  name: string,
  clusterName: string,
  opts: { replicas?: number; deletePolicy?: string; infraTemplate?: string; bootstrapTemplate?: string } = {},
): KubeObject {
  return {
    apiVersion: clusterApiVersion,
    kind: 'MachineSet',
    metadata: { name, namespace: ns },
    spec: {
      clusterName,
      replicas: opts.replicas ?? 1,
      ...(opts.deletePolicy ? { deletePolicy: opts.deletePolicy } : {}),
      selector: { matchLabels: { 'cluster.x-k8s.io/cluster-name': clusterName, pool: name } },
      template: {
        metadata: { labels: { 'cluster.x-k8s.io/cluster-name': clusterName, pool: name } },
        spec: {
          clusterName,
          version: 'v1.32.0',
          bootstrap: {
            configRef: { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfigTemplate', name: opts.bootstrapTemplate ?? `${name}-bootstrap`, namespace: ns },
          },
          infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachineTemplate', name: opts.infraTemplate ?? `${name}-infra`, namespace: ns },
        },
      },
    },
  };
}

/** A Machine as the MachineSet controller would have made it (owned by ms, labelled for the cluster). */
export function machine(name: string, clusterName: string, owner?: KubeObject, finalizers?: string[]): KubeObject {
  return {
    apiVersion: clusterApiVersion,
    kind: 'Machine',
    metadata: {
      name,
      namespace: ns,
      labels: { 'cluster.x-k8s.io/cluster-name': clusterName },
      ...(owner
        ? { ownerReferences: [{ apiVersion: owner.apiVersion ?? '', kind: owner.kind ?? '', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }] }
        : {}),
      ...(finalizers ? { finalizers } : {}),
    },
    spec: { clusterName, bootstrap: { dataSecretName: `${name}-bootstrap` }, infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerMachine', name, namespace: ns } },
  };
}

/** A non-controller ownerReference to obj. */
export function ownerRef(obj: KubeObject, controller = false): { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean } {
  return { apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '', ...(controller ? { controller: true } : {}) };
}
