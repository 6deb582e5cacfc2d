// The Endpoints and EndpointSlice controllers with a ReplicaSet, the scheduler and simulated nodes: a
// Service gets Endpoints and an EndpointSlice with the ready pod IPs and resolved named ports; scaled to
// zero, both empty out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { podsIn, type Pod } from '../coreapi/core.ts';
import { testCluster } from '../coreapi/testing.ts';
import { newEndpointSliceManager, type EndpointSlice } from '../endpointslice/endpointslice.ts';
import { newReplicaSetManager, replicaSetsIn, type ReplicaSet } from '../replicaset/replicaset.ts';
import { newEndpointsManager } from './endpoints.ts';

const ns = 'default';
const servicesRef = { group: '', version: 'v1', plural: 'services', namespace: ns };
const endpointsRef = { group: '', version: 'v1', plural: 'endpoints', namespace: ns };
const slicesRef = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespace: ns };

test('a Service gets Endpoints and an EndpointSlice with the ready pod IPs', async (t) => {
  const c = await testCluster(t, { extra: (kc, clock) => [newReplicaSetManager({ kc, clock }), newEndpointsManager({ kc, clock }), newEndpointSliceManager({ kc, clock })] });
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] } as never] } } },
  };
  await c.client.create(replicaSetsIn(ns), rs);
  await c.client.create(servicesRef, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } as KubeObject);
  const ips = async (): Promise<string[]> => (await c.client.list<Pod>(podsIn(ns))).items.filter((p) => p.status?.phase === 'Running').map((p) => p.status?.podIP ?? '').sort();
  await c.until(async () => (await ips()).length === 3, 'three Running pods');
  const want = await ips();
  await c.until(async () => {
    const ep = await c.client.get(endpointsRef, 'web');
    return JSON.stringify((ep.subsets as { addresses?: { ip: string }[] }[] | undefined)?.[0]?.addresses?.map((a) => a.ip)) === JSON.stringify(want);
  }, 'Endpoints with the three IPs');
  const ep = await c.client.get(endpointsRef, 'web');
  assert.deepEqual((ep.subsets as { ports: unknown }[])[0]?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  await c.until(async () => (await c.client.list<EndpointSlice>(slicesRef)).items.some((s) => (s.endpoints ?? []).length === 3), 'a slice with three endpoints');
  const slices = (await c.client.list<EndpointSlice>(slicesRef)).items;
  assert.equal(slices.length, 1);
  const slice = slices[0] as EndpointSlice;
  assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'web');
  assert.equal(slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.deepEqual(slice.endpoints?.map((e) => e.addresses[0]).sort(), want);
  assert.ok(slice.endpoints?.every((e) => e.conditions.ready && e.conditions.serving && !e.conditions.terminating));
  assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.equal(slice.metadata.ownerReferences?.[0]?.kind, 'Service');

  // Scale to zero: the Endpoints lose their subsets, the slice keeps existing, empty.
  await c.client.patch(replicaSetsIn(ns), 'web', { spec: { replicas: 0 } });
  await c.until(async () => (await c.client.get(endpointsRef, 'web')).subsets === undefined && (await c.client.list<EndpointSlice>(slicesRef)).items.every((s) => (s.endpoints ?? []).length === 0), 'no endpoints left');
  assert.equal((await c.client.list(slicesRef)).items.length, 1);
});
