// The EndpointSlice controller against the real API server, with the scheduler and simulated nodes: pods
// made directly get one labelled, Service-owned slice listing each with its conditions; a pod failing
// readiness is listed not ready, a terminating one stays listed as terminating, a relabelled one leaves,
// and a Service without a selector gets no slice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import { podsIn, UpdatePodCondition, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { ignoreSigtermAnnotation } from '../kwok/pod.ts';
import { LabelManagedBy, LabelServiceName, managedBy, newEndpointSliceManager, type EndpointSlice } from './endpointslice.ts';

const ns = 'default';
const servicesRef = { group: '', version: 'v1', plural: 'services', namespace: ns };
const slicesRef = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespace: ns };

function pod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' }, annotations: { [ignoreSigtermAnnotation]: 'true' } },
    spec: { terminationGracePeriodSeconds: 300, containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] } as Pod['spec']['containers'][number]] },
  };
}

type Row = { name: string; ip: string; ready: boolean; serving: boolean; terminating: boolean };

test('EndpointSlices follow the selected pods, their readiness, termination and labels', async (t) => {
  const c = await testCluster(t, { extra: (kc, clock) => [newEndpointSliceManager({ kc, clock })] });
  await c.client.create(servicesRef, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { tier: 'front' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } as KubeObject);
  await c.client.create(servicesRef, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } } as KubeObject);
  for (const n of ['web-0', 'web-1', 'web-2', 'web-3']) await c.client.create(podsIn(ns), pod(n));
  const pods = async (): Promise<Map<string, Pod>> => new Map((await c.client.list<Pod>(podsIn(ns))).items.map((p) => [p.metadata.name ?? '', p]));
  await c.until(async () => [...(await pods()).values()].filter((p) => p.status?.phase === 'Running').length === 4, 'four Running pods');
  const running = await pods();
  const ipOf = (n: string): string => running.get(n)?.status?.podIP ?? '';
  const rows = async (): Promise<Row[]> =>
    (await c.client.list<EndpointSlice>(slicesRef)).items
      .filter((s) => s.metadata.labels?.[LabelServiceName] === 'web')
      .flatMap((s) => (s.endpoints ?? []).map((e) => ({ name: e.targetRef['name'] ?? '', ip: e.addresses[0] ?? '', ...e.conditions })))
      .sort((a, b) => a.name.localeCompare(b.name));
  const row = (name: string, ready: boolean, serving: boolean, terminating: boolean): Row => ({ name, ip: ipOf(name), ready, serving, terminating });
  await c.until(async () => (await rows()).length === 4, 'a slice with four endpoints');
  assert.deepEqual(await rows(), ['web-0', 'web-1', 'web-2', 'web-3'].map((n) => row(n, true, true, false)));

  const slices = (await c.client.list<EndpointSlice>(slicesRef)).items;
  assert.equal(slices.length, 1, 'one slice, none for the Service without a selector');
  const slice = slices[0] as EndpointSlice;
  assert.deepEqual(slice.metadata.labels, { tier: 'front', [LabelServiceName]: 'web', [LabelManagedBy]: managedBy });
  assert.equal(slice.addressType, 'IPv4');
  assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const svc = await c.client.get(servicesRef, 'web');
  assert.deepEqual(slice.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Service', 'web', svc.metadata.uid, true]]);

  // web-1 fails its readiness probe; web-2 is being deleted (its containers ignore SIGTERM for 300 s);
  // web-3 is relabelled out of the selector.
  const p1 = running.get('web-1');
  let conditions = p1?.status?.conditions ?? [];
  for (const type of ['Ready', 'ContainersReady']) conditions = UpdatePodCondition(conditions, { type, status: 'False' }, rfc3339Seconds(c.clock.now())) ?? conditions;
  await c.client.patch(podsIn(ns), 'web-1', { status: { conditions } }, 'merge', { subresource: 'status' });
  await c.client.delete(podsIn(ns), 'web-2');
  await c.client.patch(podsIn(ns), 'web-3', { metadata: { labels: { app: 'other' } } });
  const want = [row('web-0', true, true, false), row('web-1', false, false, false), row('web-2', false, true, true)];
  await c.until(async () => JSON.stringify(await rows()) === JSON.stringify(want), 'the slice shows web-1 not ready, web-2 terminating, no web-3');
  assert.equal((await c.client.list(slicesRef)).items.length, 1, 'still one slice');
});
