// Simulated nodes, after KWOK (sigs.k8s.io/kwok pkg/kwok/controllers/node_controller.go and
// node_lease_controller.go): the node agent registers its nodes as the kubelet does
// (kubelet_node_status.go registerWithAPIServer), keeps their status Ready with capacity, allocatable,
// addresses and nodeInfo, and renews one Lease per node in kube-node-lease every leaseDuration/4 (the
// kubelet's nodelease controller). Nothing runs on the nodes; the pod controller (pod.ts) plays the
// containers.
import { rfc3339Seconds, type Clock } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { isAlreadyExists, isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import type { Informer } from '../../clients/kube/informer.ts';
import { sleep, type Context } from '../runtime/concurrency.ts';
import type { Request, Result } from '../runtime/controller.ts';
import type { Manager, Runnable } from '../runtime/manager.ts';
import { leasesIn, NamespaceNodeLease, nodesRef, nodesResource, type Node, type NodeCondition } from '../coreapi/core.ts';

/** kubelet's default nodeLeaseDurationSeconds. */
export const defaultLeaseDurationSeconds = 40;
/** kubelet's nodeStatusReportFrequency: the status is written again this often when nothing changed. */
export const nodeStatusReportFrequencyMs = 5 * 60_000;
/** What every simulated node offers (KWOK's default node template: 32 CPUs, 256Gi, 110 pods). */
export const defaultCapacity: Readonly<Record<string, string>> = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' };

export interface SimulatedNode {
  name: string;
  /** The node's InternalIP. */
  internalIP: string;
  /** The /24 the node's pods get their IPs from (spec.podCIDR). */
  podCIDR: string;
}

/** node-1 … node-N with 10.0.0.i and 10.244.i.0/24: named choices, stable across runs. */
export function simulatedNodes(count: number, prefix = 'node-'): SimulatedNode[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i + 1}`, internalIP: `10.0.0.${i + 1}`, podCIDR: `10.244.${i + 1}.0/24` }));
}

/** metav1.MicroTime's RFC 3339 form, as Leases carry it. */
export function microTime(ms: number): string {
  return rfc3339Seconds(ms).replace('Z', `.${String(Math.floor(ms % 1000) * 1000).padStart(6, '0')}Z`);
}

export interface NodeControllerOptions {
  nodes: readonly SimulatedNode[];
  capacity?: Readonly<Record<string, string>>;
  leaseDurationSeconds?: number;
  logger?: Logger;
}

const kubeletVersion = 'v1.32.0';

/** KWOK NodeController: registration, Ready status, heartbeat Leases. */
export class NodeController implements Runnable {
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly nodes: Map<string, SimulatedNode>;
  private readonly informer: Informer<Node>;
  private readonly log: Logger;
  private readonly capacity: Readonly<Record<string, string>>;
  private readonly leaseDurationSeconds: number;
  private renewing = false;

  constructor(mgr: Manager, private readonly opts: NodeControllerOptions) {
    this.client = mgr.client;
    this.clock = mgr.clock;
    this.nodes = new Map(opts.nodes.map((n) => [n.name, n]));
    this.capacity = opts.capacity ?? defaultCapacity;
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? defaultLeaseDurationSeconds;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'kwok-node' });
    this.informer = mgr.informerFor<Node>(nodesResource);
    mgr.newController({ name: 'kwok-node', reconcile: (_ctx, req) => this.reconcile(req) }).for(this.informer);
    mgr.add(this);
  }

  idle(): boolean {
    return !this.renewing;
  }

  /** Registers the nodes, then renews their Leases until ctx ends. */
  async start(ctx: Context): Promise<void> {
    // kubelet registerWithAPIServer: a failed registration is tried again, 100 ms doubling to 7 s.
    for (const n of this.nodes.values()) {
      for (let step = 100; ; step = Math.min(2 * step, 7_000)) {
        try {
          await this.register(n);
          break;
        } catch (e) {
          this.log.error({ err: e, node: n.name }, 'unable to register node with API server');
          try {
            await sleep(this.clock, step, ctx);
          } catch {
            return;
          }
        }
      }
    }
    const renewIntervalMs = (this.leaseDurationSeconds * 1000) / 4;
    while (!ctx.done.aborted) {
      this.renewing = true;
      try {
        for (const n of this.nodes.values()) await this.renewLease(n);
      } catch (e) {
        this.log.error({ err: e }, 'failed to renew lease');
      } finally {
        this.renewing = false;
      }
      try {
        await sleep(this.clock, renewIntervalMs, ctx);
      } catch {
        return;
      }
    }
  }

  /** kubelet registerWithAPIServer: create the Node; one that exists already is kept. */
  private async register(n: SimulatedNode): Promise<void> {
    try {
      await this.client.create(nodesRef, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' }, annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' } },
        spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /** nodelease controller: create the Lease once, then move renewTime. */
  private async renewLease(n: SimulatedNode): Promise<void> {
    const ref = leasesIn(NamespaceNodeLease);
    const node = this.informer.lister().getByName(undefined, n.name);
    const renewTime = microTime(this.clock.now());
    try {
      const lease = await this.client.get(ref, n.name);
      await this.client.update(ref, { ...lease, spec: { ...(lease.spec as object), holderIdentity: n.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.client.create(ref, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: n.name, namespace: NamespaceNodeLease, ...(node?.metadata.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n.name, uid: node.metadata.uid }] } : {}) },
        spec: { holderIdentity: n.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime },
      });
    }
  }

  /** The status a healthy kubelet reports (setters.go: capacity, addresses, nodeInfo, the four conditions). */
  private async reconcile(req: Request): Promise<Result | void> {
    const sim = this.nodes.get(req.name);
    const node = this.informer.lister().getByName(undefined, req.name);
    if (!sim || !node) return;
    const now = rfc3339Seconds(this.clock.now());
    const old = node.status?.conditions ?? [];
    const cond = (type: string, status: NodeCondition['status'], reason: string, message: string): NodeCondition => {
      const prev = old.find((c) => c.type === type);
      return { type, status, lastHeartbeatTime: now, lastTransitionTime: prev?.status === status ? (prev.lastTransitionTime ?? now) : now, reason, message };
    };
    const conditions = [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
    const heartbeat = old.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    const fresh = heartbeat !== undefined && this.clock.now() - Date.parse(heartbeat) < nodeStatusReportFrequencyMs;
    const healthy = conditions.every((c) => old.some((o) => o.type === c.type && o.status === c.status)) && node.status?.allocatable !== undefined;
    if (healthy && fresh) return { requeueAfterMs: nodeStatusReportFrequencyMs - (this.clock.now() - Date.parse(heartbeat)) };
    await this.client.patch(nodesRef, req.name, {
      status: {
        capacity: this.capacity,
        allocatable: this.capacity,
        conditions,
        addresses: [
          { type: 'InternalIP', address: sim.internalIP },
          { type: 'Hostname', address: sim.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion, kubeProxyVersion: '', containerRuntimeVersion: 'kwok://v0.6.0', osImage: 'racelab simulated node', kernelVersion: '', machineID: '', systemUUID: '', bootID: '' },
      },
    }, 'merge', { subresource: 'status' });
    return { requeueAfterMs: nodeStatusReportFrequencyMs };
  }
}
