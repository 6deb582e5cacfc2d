// endpoints-ready-pods: the Endpoints and EndpointSlice controllers' own guarantees under exploration
// (kubernetes pkg/controller/endpoint/endpoints_controller.go and pkg/controller/endpointslice). A Service
// selects three pods made directly on two simulated nodes (kwok makes them Running and Ready); then one
// fails its readiness probe, one is deleted (5 s grace period, so it is seen terminating), one is
// relabelled out of the selector and a fourth is made. Checked on every committed write: never two
// EndpointSlices of the Service claim one pod, and no Endpoints or EndpointSlice names a pod already gone.
// At quiescence: the Endpoints list exactly the selected, non-terminating pods' IPs (Ready ones in
// addresses, the others in notReadyAddresses), and the Service's slices, labelled with the service name and
// managed-by, list each selected pod once with ready/serving/terminating as the pod is.
import { rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import type { WatchItem } from '../../apiserver/storage/interface.ts';
import { GetPodCondition, IsPodTerminal, podsIn, UpdatePodCondition, type Pod } from '../../controllers/coreapi/core.ts';
import { controllerName as endpointsController, newEndpointsManager, type EndpointsVariant } from '../../controllers/endpoint/endpoints.ts';
import { controllerName as sliceController, LabelManagedBy, LabelServiceName, managedBy, newEndpointSliceManager, type EndpointSlice, type EndpointSliceVariant } from '../../controllers/endpointslice/endpointslice.ts';
import { ignoreSigtermAnnotation } from '../../controllers/kwok/pod.ts';
import { kwokActor } from '../../controllers/kwok/manager.ts';
import { schedulerName } from '../../controllers/scheduler/scheduler.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { lastSeq, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import type { World } from '../engine/world.ts';
import { reconcileErrorNotes } from '../cases/clusterapisupport.ts';
import { latest, objectLog, recordObjects, replay, seqOfRevision, startCluster, startControllers } from './support.ts';

const horizonMs = 2 * 60_000;
const ns = 'default';
const svcName = 'web';
const servicesIn = { group: '', version: 'v1', plural: 'services', namespace: ns };
/** Which controller each mutant breaks (its `variant` option). */
const endpointsVariants: readonly EndpointsVariant[] = ['ignore-readiness'];
const sliceVariants: readonly EndpointSliceVariant[] = ['stale-selector', 'no-slice-tracker'];

interface Address {
  ip: string;
  targetRef?: { uid?: string; name?: string };
}
interface Endpoints extends KubeObject {
  subsets?: { addresses?: Address[]; notReadyAddresses?: Address[] }[];
}

function pod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: svcName }, annotations: { [ignoreSigtermAnnotation]: 'true' } },
    spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] } as Pod['spec']['containers'][number]] },
  };
}

const isReady = (p: Pod): boolean => GetPodCondition(p, 'Ready')?.status === 'True';
const selected = (p: Pod): boolean => p.metadata.labels?.['app'] === svcName;
const sortedIPs = (ips: Iterable<string>): string => [...ips].sort().join(',') || 'none';

/** The pods in storage after the last write (folded over the log). */
function finalPods(items: readonly WatchItem[]): Pod[] {
  let out: Pod[] = [];
  replay<Pod>(items, 'Pod', (live) => {
    out = [...live.values()];
  });
  return out;
}

const serviceSlices = (live: ReadonlyMap<string, EndpointSlice>): EndpointSlice[] => [...live.values()].filter((s) => s.metadata.labels?.[LabelServiceName] === svcName);

function runningReady(world: World, names: readonly string[]): () => boolean {
  return () =>
    names.every((n) => {
      const p = latest<Pod>(objectLog(world), 'Pod', ns, n);
      return !!p && p.status?.phase === 'Running' && isReady(p);
    });
}

export const endpointsReadyPods: ScenarioCase = {
  name: 'endpoints-ready-pods',
  kind: 'property',
  title: 'Endpoints and EndpointSlices list exactly the selected pods, by readiness',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/endpoint/endpoints_controller.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/endpoint/endpoints_controller.go' },
  description:
    'A Service selecting three pods made directly on two simulated nodes; once they run, web-1 fails its readiness probe, web-2 is deleted (5 s grace period), web-0 is relabelled out of the selector and web-3 is made. ' +
    'On every committed write: never two EndpointSlices of the Service claim one pod, and no Endpoints or EndpointSlice names a pod already gone from storage. ' +
    'At quiescence: the Endpoints hold exactly the selected non-terminating pods\' IPs (Ready ones in addresses, the rest in notReadyAddresses); the slices carry the service-name and managed-by labels and list each selected pod once with its ready, serving and terminating conditions.',
  horizonMs,
  // The controllers, the node agent and the scheduler retry failed requests as upstream's do.
  faultTolerant: [endpointsController, sliceController, kwokActor, schedulerName],
  mutants: [
    { name: 'ignore-readiness', kind: 'mutant', description: 'the Endpoints controller lists not-ready pods in addresses instead of notReadyAddresses' },
    { name: 'stale-selector', kind: 'mutant', description: 'the EndpointSlice controller keeps the endpoints its slices already list for pods the selector no longer yields (relabelled or deleted)' },
    { name: 'no-slice-tracker', kind: 'mutant', description: 'the EndpointSlice controller syncs on a cache that does not yet show the slices it just created (no endpointSliceTracker), so it creates a second slice for the same pods' },
  ],
  async run({ world, mutant }) {
    const ev = (endpointsVariants as readonly string[]).includes(mutant ?? '') ? (mutant as EndpointsVariant) : undefined;
    const sv = (sliceVariants as readonly string[]).includes(mutant ?? '') ? (mutant as EndpointSliceVariant) : undefined;
    if (mutant !== undefined && !ev && !sv) throw new Error(`unknown mutant ${mutant}`);
    await recordObjects(world);
    await startCluster(world, horizonMs);
    await startControllers(world, horizonMs, [
      newEndpointsManager({ kc: world.kc(endpointsController), clock: world.clock, logger: reconcileErrorNotes(world, endpointsController), ...(ev ? { variant: ev } : {}) }),
      newEndpointSliceManager({ kc: world.kc(sliceController), clock: world.clock, logger: reconcileErrorNotes(world, sliceController), ...(sv ? { variant: sv } : {}) }),
    ]);
    const user = world.client('user');
    const step = async (what: string, act: () => Promise<unknown>, until: () => boolean): Promise<void> => {
      world.note('user', 'step', what);
      await act();
      if (!(await world.runUntil(until, horizonMs))) world.note('user', 'step', `${what}: not done within the horizon`);
    };
    await user.create(servicesIn, { apiVersion: 'v1', kind: 'Service', metadata: { name: svcName }, spec: { selector: { app: svcName }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } as KubeObject);
    await step('create pods web-0, web-1, web-2', async () => {
      for (const n of ['web-0', 'web-1', 'web-2']) await user.create(podsIn(ns), pod(n));
    }, runningReady(world, ['web-0', 'web-1', 'web-2']));
    await step('web-1 fails its readiness probe', async () => {
      const p = latest<Pod>(objectLog(world), 'Pod', ns, 'web-1');
      let conditions = p?.status?.conditions ?? [];
      for (const type of ['Ready', 'ContainersReady']) conditions = UpdatePodCondition(conditions, { type, status: 'False', reason: 'ContainersNotReady' }, rfc3339Seconds(world.clock.now())) ?? conditions;
      await user.patch(podsIn(ns), 'web-1', { status: { conditions } }, 'merge', { subresource: 'status' });
    }, () => true);
    await step('delete web-2', () => user.delete(podsIn(ns), 'web-2'), () => true);
    await step('relabel web-0 out of the selector', () => user.patch(podsIn(ns), 'web-0', { metadata: { labels: { app: 'other' } } }), () => true);
    await step('create pod web-3', () => user.create(podsIn(ns), pod('web-3')), runningReady(world, ['web-3']));
  },
  invariants: [
    {
      name: 'one-slice-per-endpoint',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        replay<EndpointSlice>(objectLog(world).all(), 'EndpointSlice', (live, item) => {
          if (out.length > 0) return;
          const claimed = new Map<string, string>();
          for (const s of serviceSlices(live)) {
            for (const e of s.endpoints ?? []) {
              const who = e.targetRef['name'] ?? e.addresses[0] ?? '';
              const other = claimed.get(who);
              if (other !== undefined) out.push(violation('one-slice-per-endpoint', `pod ${who} is claimed by EndpointSlices ${other} and ${s.metadata.name ?? ''} at once`, seqOfRevision(history, item.revision)));
              claimed.set(who, s.metadata.name ?? '');
            }
          }
        });
        return out.slice(0, 1);
      },
    },
    {
      name: 'no-address-of-a-gone-pod',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        const gone = new Set<string>();
        for (const it of objectLog(world).all()) {
          const o = it.object;
          if (!o || out.length > 0) continue;
          if (o.kind === 'Pod' && it.type === 'DELETED') gone.add(o.metadata.uid ?? '');
          if (it.type === 'DELETED' || o.metadata.namespace !== ns || o.metadata.name === undefined) continue;
          let uids: string[] = [];
          if (o.kind === 'Endpoints') uids = ((o as Endpoints).subsets ?? []).flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a) => a.targetRef?.uid ?? '');
          else if (o.kind === 'EndpointSlice') uids = ((o as EndpointSlice).endpoints ?? []).map((e) => e.targetRef['uid'] ?? '');
          const bad = uids.find((u) => gone.has(u));
          if (bad !== undefined) out.push(violation('no-address-of-a-gone-pod', `${o.kind} ${o.metadata.name} was written naming pod uid ${bad}, already deleted from storage`, seqOfRevision(history, it.revision)));
        }
        return out;
      },
    },
    {
      name: 'endpoints-match-pods',
      kind: 'liveness',
      check({ world, history }) {
        const members = finalPods(objectLog(world).all()).filter((p) => selected(p) && !IsPodTerminal(p) && !!p.status?.podIP && !p.metadata.deletionTimestamp);
        const want = { ready: sortedIPs(members.filter(isReady).map((p) => p.status?.podIP ?? '')), notReady: sortedIPs(members.filter((p) => !isReady(p)).map((p) => p.status?.podIP ?? '')) };
        const ep = latest<Endpoints>(objectLog(world), 'Endpoints', ns, svcName);
        const subsets = ep?.subsets ?? [];
        const got = { ready: sortedIPs(subsets.flatMap((s) => s.addresses ?? []).map((a) => a.ip)), notReady: sortedIPs(subsets.flatMap((s) => s.notReadyAddresses ?? []).map((a) => a.ip)) };
        if (ep && got.ready === want.ready && got.notReady === want.notReady) return [];
        return [violation('endpoints-match-pods', `at quiescence Endpoints web ${ep ? `lists addresses ${got.ready}, notReadyAddresses ${got.notReady}` : 'does not exist'}; the selected pods are Ready ${want.ready}, not ready ${want.notReady}`, lastSeq(history))];
      },
    },
    {
      name: 'slices-match-pods',
      kind: 'liveness',
      check({ world, history }) {
        const items = objectLog(world).all();
        const members = finalPods(items).filter((p) => selected(p) && !IsPodTerminal(p) && !!p.status?.podIP);
        const describe = (ip: string, ready: boolean, serving: boolean, terminating: boolean): string => `${ip}${ready ? ' ready' : ''}${serving ? ' serving' : ''}${terminating ? ' terminating' : ''}`;
        const want = members.map((p) => describe(p.status?.podIP ?? '', isReady(p) && !p.metadata.deletionTimestamp, isReady(p), !!p.metadata.deletionTimestamp)).sort();
        let slices: EndpointSlice[] = [];
        replay<EndpointSlice>(items, 'EndpointSlice', (live) => {
          slices = serviceSlices(live);
        });
        const unlabelled = slices.filter((s) => s.metadata.labels?.[LabelManagedBy] !== managedBy).map((s) => s.metadata.name ?? '');
        const got = slices.flatMap((s) => (s.endpoints ?? []).map((e) => describe(e.addresses[0] ?? '', e.conditions.ready, e.conditions.serving, e.conditions.terminating))).sort();
        if (slices.length > 0 && unlabelled.length === 0 && JSON.stringify(got) === JSON.stringify(want)) return [];
        const problem = slices.length === 0 ? 'no EndpointSlice of Service web' : unlabelled.length > 0 ? `EndpointSlices without ${LabelManagedBy}=${managedBy}: ${unlabelled.join(', ')}` : `the slices list ${got.join('; ') || 'no endpoints'}`;
        return [violation('slices-match-pods', `at quiescence ${problem}; the selected pods are ${want.join('; ') || 'none'}`, lastSeq(history))];
      },
    },
  ],
};
