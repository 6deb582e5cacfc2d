// A fake DRA driver for one node: it publishes its pool as one ResourceSlice (what the resourceslice
// controller of k8s.io/dynamic-resource-allocation does for a kubelet plugin), can taint and untaint
// devices (bumping the pool generation, as a driver republishing its pool does), and registers with and
// deregisters from the kubelet's RegistrationHandler the way the plugin watcher does when the driver's
// registration socket appears or disappears. It has no gRPC side.
//
// Requests go over HTTP as the driver's actor. A driver that stops without unpublishing leaves its slices
// behind (a crash, or a DaemonSet update): the kubelet's delayed wipe removes them unless the driver comes
// back in time.
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { Device, DeviceTaint, ResourceSlice } from '../devicetainteviction/resourceapi.ts';
import { DRAPluginServiceV1beta1, type RegistrationHandler } from './registration.ts';

const slicesRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceslices' };

export interface FakeDeviceSpec {
  name: string;
  attributes?: Record<string, unknown>;
  capacity?: Record<string, unknown>;
  taints?: DeviceTaint[];
}

export interface FakeDriverOptions {
  /** The driver name, e.g. `gpu.example.com`. */
  driverName: string;
  nodeName: string;
  kc: k8s.KubeConfig;
  /** Requests are sent as this actor; default `<driverName>-<nodeName>`. */
  actor?: string;
  /** Fills in taints' timeAdded when a taint is added without one; the server would otherwise. */
  clock?: Clock;
  /** Pool name; default the node name (one pool per node, as kubelet plugins publish). */
  pool?: string;
  devices?: FakeDeviceSpec[];
  /** The registration socket's endpoint; default `/var/lib/kubelet/plugins/<driver>/dra.sock`. */
  endpoint?: string;
  supportedServices?: string[];
  logger?: Logger;
}

export class FakeDriver {
  readonly driverName: string;
  readonly nodeName: string;
  readonly pool: string;
  readonly endpoint: string;
  readonly client: KubeClient;
  private readonly opts: FakeDriverOptions;
  private readonly log: Logger;
  private devices: FakeDeviceSpec[];
  private generation = 0;

  constructor(opts: FakeDriverOptions) {
    this.opts = opts;
    this.driverName = opts.driverName;
    this.nodeName = opts.nodeName;
    this.pool = opts.pool ?? opts.nodeName;
    this.endpoint = opts.endpoint ?? `/var/lib/kubelet/plugins/${opts.driverName}/dra.sock`;
    this.devices = (opts.devices ?? []).map((d) => structuredClone(d));
    this.client = new KubeClient(ActorKubeConfig.from(opts.kc, opts.actor ?? `${opts.driverName}-${opts.nodeName}`));
    this.log = (opts.logger ?? quietLogger()).child({ component: 'fake-dra-driver', driver: opts.driverName, node: opts.nodeName });
  }

  /** The name of the driver's one ResourceSlice. */
  sliceName(): string {
    return `${this.nodeName}-${this.driverName}-${this.pool}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  }

  /** The slice as the driver wants it now. */
  desiredSlice(): ResourceSlice {
    const devices: Device[] = this.devices.map((d) => {
      const basic: Device['basic'] = {};
      if (d.attributes) basic.attributes = d.attributes;
      if (d.capacity) basic.capacity = d.capacity;
      if (d.taints && d.taints.length > 0) basic.taints = d.taints.map((t) => ({ ...t }));
      return { name: d.name, basic };
    });
    return {
      apiVersion: 'resource.k8s.io/v1beta1',
      kind: 'ResourceSlice',
      metadata: { name: this.sliceName() },
      spec: {
        driver: this.driverName,
        nodeName: this.nodeName,
        pool: { name: this.pool, generation: this.generation, resourceSliceCount: 1 },
        devices,
      },
    };
  }

  /** Creates or updates the driver's slice; every change of content bumps the pool generation. */
  async publish(): Promise<ResourceSlice> {
    const name = this.sliceName();
    let current: ResourceSlice | undefined;
    try {
      current = await this.client.get<ResourceSlice>(slicesRef, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (!current) {
      const created = await this.client.create<ResourceSlice>(slicesRef, this.desiredSlice());
      this.log.debug({ slice: name, generation: this.generation }, 'published ResourceSlice');
      return created;
    }
    this.generation = Math.max(this.generation, current.spec.pool.generation) + 1;
    const desired = this.desiredSlice();
    const updated = await this.client.update<ResourceSlice>(slicesRef, { ...current, spec: desired.spec });
    this.log.debug({ slice: name, generation: this.generation }, 'republished ResourceSlice');
    return updated;
  }

  /** Deletes the driver's slice (a clean shutdown); NotFound is fine. */
  async unpublish(): Promise<void> {
    try {
      await this.client.delete(slicesRef, this.sliceName());
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Adds a taint to a device (timeAdded from the clock if given and unset) and republishes. */
  async taintDevice(deviceName: string, taint: DeviceTaint): Promise<ResourceSlice> {
    const d = this.device(deviceName);
    const t = { ...taint };
    if (!t.timeAdded && this.opts.clock) t.timeAdded = rfc3339Seconds(this.opts.clock.now());
    d.taints = [...(d.taints ?? []), t];
    return this.publish();
  }

  /** Removes a device's taints with this key (all if key is omitted) and republishes. */
  async untaintDevice(deviceName: string, key?: string): Promise<ResourceSlice> {
    const d = this.device(deviceName);
    d.taints = key === undefined ? [] : (d.taints ?? []).filter((t) => t.key !== key);
    return this.publish();
  }

  /** The plugin watcher saw the registration socket: RegisterPlugin (throws on a refused registration). */
  register(handler: RegistrationHandler): void {
    handler.RegisterPlugin(this.driverName, this.endpoint, this.opts.supportedServices ?? [DRAPluginServiceV1beta1]);
  }

  /** The registration socket is gone: DeRegisterPlugin. */
  deregister(handler: RegistrationHandler): void {
    handler.DeRegisterPlugin(this.driverName, this.endpoint);
  }

  /** Publish, then register: a driver starting on the node. */
  async start(handler: RegistrationHandler): Promise<void> {
    await this.publish();
    this.register(handler);
  }

  /** Deregister without unpublishing: a driver that went away (its slices stay until the kubelet wipes them). */
  stop(handler: RegistrationHandler): void {
    this.deregister(handler);
  }

  private device(name: string): FakeDeviceSpec {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new Error(`fake driver ${this.driverName}: no device ${name}`);
    return d;
  }
}
