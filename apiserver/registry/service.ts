// Services (pkg/registry/core/service/storage): defaults, a clusterIP from the service CIDR and node ports
// from the node port range, both found free among the stored Services (so a deleted Service's addresses
// are free again), clusterIP immutability, and status.loadBalancer {}.
import type { KindInfo } from '../api/kinds.ts';
import { goStringSlice, GoValue, type FieldError } from '../machinery/errors.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import type { Strategy } from './strategy.ts';
import { workloadStrategy } from './workloads.ts';

type J = Record<string, unknown>;

/** kube-apiserver's default --service-cluster-ip-range. */
export const serviceCIDR = { base: (10 << 24) | (96 << 16), size: 1 << 20 };
/** The default --service-node-port-range. */
export const nodePortRange = { first: 30000, last: 32767 };

const ipString = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/**
 * Address choice is a named policy: the lowest free address after the network and the first host
 * (10.96.0.1, which a real cluster gives the `kubernetes` Service), rather than upstream's random pick, so
 * that runs are repeatable.
 */
export function lowestFreeClusterIP(used: ReadonlySet<string>): string | undefined {
  for (let i = 2; i < serviceCIDR.size - 1; i++) {
    const ip = ipString(serviceCIDR.base + i);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

export function lowestFreeNodePort(used: ReadonlySet<number>): number | undefined {
  for (let p = nodePortRange.first; p <= nodePortRange.last; p++) if (!used.has(p)) return p;
  return undefined;
}

function specOf(o: KubeObject): J {
  return isObject(o.spec) ? o.spec : {};
}

function portsOf(spec: J): J[] {
  return Array.isArray(spec.ports) ? spec.ports.filter(isObject) : [];
}

/** Addresses being created right now, so two concurrent creates never take the same one. */
class Reservations {
  readonly ips = new Set<string>();
  readonly ports = new Set<number>();
}

export function serviceStrategy(info: KindInfo): Strategy {
  const base = workloadStrategy(info);
  const pending = new Reservations();
  return {
    ...base,
    allocate: async (obj, existing) => {
      const spec = specOf(obj);
      if (spec.type === 'ExternalName') {
        delete spec.ipFamilies;
        delete spec.ipFamilyPolicy;
        return () => undefined;
      }
      const others = await existing();
      const usedIPs = new Set<string>(pending.ips);
      const usedPorts = new Set<number>(pending.ports);
      for (const s of others) {
        const os = specOf(s);
        for (const ip of Array.isArray(os.clusterIPs) ? os.clusterIPs : [os.clusterIP]) if (typeof ip === 'string') usedIPs.add(ip);
        for (const p of portsOf(os)) if (typeof p.nodePort === 'number') usedPorts.add(p.nodePort);
      }
      const mine: { ip?: string; ports: number[] } = { ports: [] };
      if (spec.clusterIP !== 'None') {
        if (typeof spec.clusterIP !== 'string' || spec.clusterIP === '') {
          const ip = lowestFreeClusterIP(usedIPs);
          if (ip === undefined) throw new Error('the service cluster IP range is full');
          spec.clusterIP = ip;
          mine.ip = ip;
          pending.ips.add(ip);
        }
      }
      spec.clusterIPs = [spec.clusterIP];
      if (spec.clusterIP !== 'None' || spec.ipFamilies === undefined) spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      if (spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)) {
        for (const p of portsOf(spec)) {
          if (typeof p.nodePort === 'number' && p.nodePort !== 0) continue;
          const port = lowestFreeNodePort(usedPorts);
          if (port === undefined) throw new Error('the node port range is full');
          p.nodePort = port;
          usedPorts.add(port);
          pending.ports.add(port);
          mine.ports.push(port);
        }
      }
      return () => {
        if (mine.ip) pending.ips.delete(mine.ip);
        for (const p of mine.ports) pending.ports.delete(p);
      };
    },
    prepareForUpdate: (obj, old) => {
      base.prepareForUpdate(obj, old);
      // patchAllocatedValues: an update that leaves out the allocated addresses keeps them.
      const spec = specOf(obj);
      const prev = specOf(old);
      if ((spec.clusterIP === undefined || spec.clusterIP === '') && prev.clusterIP !== undefined && spec.type !== 'ExternalName') {
        spec.clusterIP = prev.clusterIP;
        if (spec.clusterIPs === undefined) spec.clusterIPs = prev.clusterIPs;
      }
      if (spec.clusterIPs === undefined && prev.clusterIPs !== undefined && spec.clusterIP === prev.clusterIP) spec.clusterIPs = prev.clusterIPs;
      for (const k of ['ipFamilies', 'ipFamilyPolicy']) if (spec[k] === undefined && prev[k] !== undefined && spec.type !== 'ExternalName') spec[k] = prev[k];
      const oldPorts = new Map(portsOf(prev).map((p) => [`${String(p.port)}/${String(p.protocol)}`, p.nodePort]));
      for (const p of portsOf(spec)) if ((p.nodePort === undefined || p.nodePort === 0) && oldPorts.get(`${String(p.port)}/${String(p.protocol)}`) !== undefined && spec.type !== 'ClusterIP') p.nodePort = oldPorts.get(`${String(p.port)}/${String(p.protocol)}`);
    },
    validateUpdate: (obj, old) => {
      const errs: FieldError[] = [...(base.validateUpdate?.(obj, old) ?? [])];
      const spec = specOf(obj);
      const prev = specOf(old);
      // core/validation ValidateServiceUpdate, validateClusterIPs: a set clusterIP stays unless the type becomes ExternalName.
      if (spec.type !== 'ExternalName' && prev.type !== 'ExternalName' && typeof prev.clusterIP === 'string' && prev.clusterIP !== '' && spec.clusterIP !== prev.clusterIP) {
        const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(String) : [String(spec.clusterIP)];
        errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', badValue: goStringSlice(ips), detail: 'may not change once set' });
      }
      return errs;
    },
    validate: (obj) => {
      const errs = [...base.validate(obj)];
      const spec = specOf(obj);
      const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
      if (!types.includes(String(spec.type))) errs.push({ type: 'FieldValueNotSupported', field: 'spec.type', badValue: spec.type, detail: `supported values: ${types.map((t) => `"${t}"`).join(', ')}` });
      if (spec.type !== 'ExternalName' && portsOf(spec).length === 0) errs.push({ type: 'FieldValueRequired', field: 'spec.ports', detail: '' });
      portsOf(spec).forEach((p, i) => {
        if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].port`, badValue: new GoValue(String(p.port ?? 0)), detail: 'must be between 1 and 65535, inclusive' });
      });
      if (spec.type === 'ExternalName' && (typeof spec.externalName !== 'string' || spec.externalName === '')) errs.push({ type: 'FieldValueRequired', field: 'spec.externalName', detail: '' });
      return errs;
    },
  };
}
