import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import type { DeliveryItem, Interleaver, Verb } from '../../apiserver/interleave/types.ts';
import { SeededRandom } from '../../apiserver/machinery/random.ts';
import { testServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { background, withCancel } from '../runtime/concurrency.ts';
import type { ResourceSlice } from '../devicetainteviction/resourceapi.ts';
import { FakeDriver } from './fakedriver.ts';
import { DRAPluginServiceV1beta1, NodeServiceV1alpha4, RegistrationHandler, Store, wipeFieldSelector, type RegistrationHandlerOptions } from './registration.ts';
import { eventually } from '../../testing/eventually.ts';

const slicesRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceslices' };
const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };
const kubelet = 'kubelet-node-1';

interface Seen {
  actor: string;
  verb: Verb;
  resource: string;
  name?: string;
  fieldSelector: string | null;
  atMs: number;
  /** Requests seen so far when this one arrived (to compare with markers). */
  seq: number;
  code?: number;
}

function recordingInterleaver(clock: FakeClock): { interleaver: Interleaver; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    interleaver: {
      beginRequest(info) {
        const entry: Seen = { actor: info.actor, verb: info.verb, resource: info.resource, name: info.name, fieldSelector: info.query.get('fieldSelector'), atMs: clock.now(), seq: seen.length };
        seen.push(entry);
        return Promise.resolve((outcome) => {
          entry.code = outcome.code;
        });
      },
      deliver: (_w, items: readonly DeliveryItem[], write) => write(items),
    },
  };
}


async function settle(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function world(t: TestContext, opts: { nodes?: string[] } = {}) {
  const clock = new FakeClock();
  const rec = recordingInterleaver(clock);
  const server = await testServer(t, { interleaver: rec.interleaver });
  const admin = new KubeClient(actorKubeConfig(server.url, 'admin'));
  for (const name of opts.nodes ?? ['node-1']) await admin.create(nodesRef, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  const driver = (driverName: string, nodeName = 'node-1'): FakeDriver =>
    new FakeDriver({ driverName, nodeName, kc: actorKubeConfig(server.url, `driver-${driverName}-${nodeName}`), clock, devices: [{ name: 'dev-0' }, { name: 'dev-1' }] });
  const handlers: RegistrationHandler[] = [];
  const handler = (fixed: boolean, extra: Partial<RegistrationHandlerOptions> = {}): RegistrationHandler => {
    const { ctx } = withCancel(background());
    const h = new RegistrationHandler(ctx, { fixed, clock, nodeName: 'node-1', kc: actorKubeConfig(server.url, kubelet), actor: kubelet, wipingDelayMs: 30_000, ...extra });
    handlers.push(h);
    return h;
  };
  // Whatever a test left running must not outlive it (the lesson of kubernetes#131056).
  t.after(async () => {
    for (const h of handlers) await h.Stop();
  });
  const wipes = (): Seen[] => rec.seen.filter((s) => s.actor === kubelet && s.verb === 'deletecollection');
  const sliceNames = async (): Promise<string[]> => (await admin.list<ResourceSlice>(slicesRef)).items.map((s) => s.metadata.name ?? '').sort();
  /** The handler is idle, i.e. every wipe waits on the Clock or is done. */
  const quiet = async (h: RegistrationHandler): Promise<void> => eventually(() => h.idle(), 'the handler to be idle');
  return { clock, server, admin, seen: rec.seen, driver, handler, wipes, sliceNames, quiet };
}

test('at start the handler wipes every slice of its node at once, and nothing of other nodes', async (t) => {
  const w = await world(t, { nodes: ['node-1', 'node-2'] });
  const a1 = w.driver('a.example.com');
  const b1 = w.driver('b.example.com');
  const a2 = w.driver('a.example.com', 'node-2');
  for (const d of [a1, b1, a2]) await d.publish();
  const start = w.clock.now();
  const h = w.handler(true);
  await eventually(() => h.stats.wipes === 1, 'the start-up wipe');
  assert.deepEqual(
    w.wipes().map((s) => [s.fieldSelector, s.atMs, s.code]),
    [['spec.nodeName=node-1', start, 200]],
  );
  assert.deepEqual(await w.sliceNames(), [a2.sliceName()]);
  assert.equal(w.clock.pendingTimers(), 0);
  assert.equal(wipeFieldSelector('node-1', 'a.example.com'), 'spec.nodeName=node-1,spec.driver=a.example.com');
});

test('the last instance deregistering wipes that driver\'s slices after wipingDelay; other instances and drivers keep theirs', async (t) => {
  const w = await world(t);
  const h = w.handler(true);
  await eventually(() => h.stats.wipes === 1, 'the start-up wipe');
  const a = w.driver('a.example.com');
  const b = w.driver('b.example.com');
  await a.start(h);
  await b.start(h);
  h.RegisterPlugin('a.example.com', '/var/lib/kubelet/plugins/a.example.com/second.sock', [DRAPluginServiceV1beta1]);
  assert.equal(h.draPlugins.instances('a.example.com'), 2);

  h.DeRegisterPlugin('a.example.com', '/var/lib/kubelet/plugins/a.example.com/second.sock');
  await w.quiet(h);
  assert.equal(w.clock.pendingTimers(), 0, 'not the last instance: no wipe');

  a.stop(h); // the last instance of a.example.com goes away, leaving its slice behind
  const t0 = w.clock.now();
  assert.deepEqual(h.pendingWipeNames(), ['a.example.com']);
  h.DeRegisterPlugin('a.example.com', a.endpoint); // a second deregistration of that endpoint: a no-op
  await w.quiet(h);
  assert.equal(w.clock.pendingTimers(), 1);
  w.clock.step(29_999);
  await settle();
  await w.quiet(h);
  assert.equal(w.wipes().length, 1, 'nothing before the delay');
  w.clock.step(1);
  await eventually(() => h.stats.wipes === 2, 'the delayed wipe');
  const wipe = w.wipes()[1];
  assert.equal(wipe?.fieldSelector, 'spec.nodeName=node-1,spec.driver=a.example.com');
  assert.equal(wipe?.atMs, t0 + 30_000);
  assert.deepEqual(await w.sliceNames(), [b.sliceName()]);
  await eventually(() => h.pendingWipeNames().length === 0, 'the pending wipe to be forgotten');
});

test('a driver registering again within the delay cancels the pending wipe', async (t) => {
  const w = await world(t);
  const h = w.handler(true);
  await eventually(() => h.stats.wipes === 1, 'the start-up wipe');
  const a = w.driver('a.example.com');
  await a.start(h);
  a.stop(h);
  await w.quiet(h);
  w.clock.step(10_000);
  a.register(h); // e.g. the replacement pod of a DaemonSet update
  await eventually(() => h.stats.aborted === 1, 'the pending wipe to abort');
  assert.deepEqual(h.pendingWipeNames(), []);
  w.clock.step(60_000);
  await settle();
  assert.equal(w.wipes().length, 1, 'only the start-up wipe');
  assert.deepEqual(await w.sliceNames(), [a.sliceName()]);

  // Back and gone again at once: the first wipe aborts, the second one runs after the delay.
  a.stop(h);
  await w.quiet(h);
  a.register(h);
  a.stop(h);
  await eventually(() => h.stats.aborted === 2 && h.idle(), 'the first wipe to abort');
  w.clock.step(30_000);
  await eventually(() => h.stats.wipes === 2, 'one wipe');
  assert.equal(w.wipes().length, 2);
});

test('fixed Stop (kubernetes#131065) cancels pending wipes and waits: no request after it returns, even past the delay', async (t) => {
  const w = await world(t);
  const h = w.handler(true);
  await eventually(() => h.stats.wipes === 1, 'the start-up wipe');
  const a = w.driver('a.example.com');
  const b = w.driver('b.example.com');
  await a.start(h);
  await b.start(h);
  a.stop(h);
  b.stop(h);
  await w.quiet(h);
  assert.equal(w.clock.pendingTimers(), 2);
  await h.Stop();
  const stoppedAt = w.seen.length;
  assert.equal(w.clock.pendingTimers(), 0, 'the pending wipes stopped waiting');
  assert.deepEqual(h.pendingWipeNames(), []);
  assert.equal(h.stats.aborted, 2);
  w.clock.step(120_000);
  await settle();
  assert.deepEqual(w.seen.slice(stoppedAt).filter((s) => s.actor === kubelet), [], 'no request from the handler after Stop()');
  assert.equal(w.wipes().length, 1);
  assert.deepEqual(await w.sliceNames(), [a.sliceName(), b.sliceName()].sort());
  assert.ok(h.isStopped());
});

test('buggy (kubernetes#131056): Stop has no effect, the pending wipe outlives its owner and sends DeleteCollection', async (t) => {
  const w = await world(t);
  const h = w.handler(false);
  await eventually(() => h.stats.wipes === 1, 'the start-up wipe');
  const a = w.driver('a.example.com');
  await a.start(h);
  a.stop(h);
  await w.quiet(h);
  await h.Stop(); // the owner's scope ends here
  const stoppedAt = w.seen.length;
  assert.equal(w.clock.pendingTimers(), 1, 'the wipe still waits');
  w.clock.step(30_000);
  await eventually(() => h.stats.wipes === 2, 'the late wipe');
  const late = w.seen.slice(stoppedAt).filter((s) => s.actor === kubelet && s.verb === 'deletecollection');
  assert.deepEqual(
    late.map((s) => s.fieldSelector),
    ['spec.nodeName=node-1,spec.driver=a.example.com'],
    'a DeleteCollection after the scope ended: "Fail in goroutine after ... has completed"',
  );
  assert.equal(h.isStopped(), false);
});

test('a missing Node makes the wipe retry with exponential backoff on the Clock', async (t) => {
  const w = await world(t, { nodes: [] });
  const h = w.handler(true);
  const gets = (): number => w.seen.filter((s) => s.actor === kubelet && s.verb === 'get' && s.resource === 'nodes').length;
  await eventually(() => gets() === 1 && h.idle(), 'the first try');
  assert.equal((w.clock.nextTimerAt() ?? 0) - w.clock.now(), 1_000);
  w.clock.step(1_000);
  await eventually(() => gets() === 2 && h.idle(), 'the second try');
  assert.equal((w.clock.nextTimerAt() ?? 0) - w.clock.now(), 2_000, 'factor 2, no jitter without a Random');
  await w.admin.create(nodesRef, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
  w.clock.step(2_000);
  await eventually(() => h.stats.wipes === 1, 'the wipe once the Node exists');
  assert.equal(w.wipes().length, 1);
  assert.equal(w.clock.pendingTimers(), 0);

  // With a Random, the wait gets wait.Jitter's up-to-20 % on top.
  const j = w.handler(true, { nodeName: 'node-x', random: new SeededRandom(7) });
  await eventually(() => j.idle() && w.clock.pendingTimers() === 1, 'the jittered backoff');
  const waitMs = (w.clock.nextTimerAt() ?? 0) - w.clock.now();
  assert.ok(waitMs >= 1_000 && waitMs <= 1_200, `jittered wait ${waitMs}`);
});

test('plugin store and version checks: endpoints are unique per plugin; services pick the newest; a stand-alone kubelet never wipes', async (t) => {
  const w = await world(t);
  const h = w.handler(true, { draPlugins: new Store() });
  await eventually(() => h.stats.wipes === 1, 'the start-up wipe');
  h.RegisterPlugin('a.example.com', '/a.sock', [NodeServiceV1alpha4, DRAPluginServiceV1beta1]);
  assert.equal(h.draPlugins.get('a.example.com')?.chosenService, DRAPluginServiceV1beta1);
  assert.throws(() => h.RegisterPlugin('a.example.com', '/a.sock', [DRAPluginServiceV1beta1]), /endpoint \/a\.sock already registered for plugin a\.example\.com/);
  assert.throws(() => h.RegisterPlugin('b.example.com', '/b.sock', []), /version check of plugin b\.example\.com failed: empty list of supported gRPC services/);
  h.RegisterPlugin('c.example.com', '/c.sock', ['v9.Unknown']);
  assert.equal(h.draPlugins.get('c.example.com')?.chosenService, NodeServiceV1alpha4, 'unknown services fall back to alpha');
  assert.throws(() => h.ValidatePlugin('d.example.com', '/d.sock', []), /invalid versions of plugin d\.example\.com/);
  assert.deepEqual(h.draPlugins.names(), ['a.example.com', 'c.example.com']);

  const { ctx } = withCancel(background());
  const standalone = new RegistrationHandler(ctx, { fixed: true, clock: w.clock, nodeName: 'node-1' });
  standalone.RegisterPlugin('a.example.com', '/a.sock', [DRAPluginServiceV1beta1]);
  standalone.DeRegisterPlugin('a.example.com', '/a.sock');
  await eventually(() => standalone.idle() && standalone.pendingWipeNames().length === 0, 'the stand-alone handler');
  assert.equal(w.clock.pendingTimers(), 0);
  assert.equal(standalone.stats.deleteCollections, 0);
  await standalone.Stop();
});

test('Stop variants: cancel-and-wait and per-wipe return with no goroutine left; cancel-only returns before the cancelled wipe ended', async (t) => {
  const w = await world(t);
  for (const stopFix of ['cancel-and-wait', 'per-wipe', 'cancel-only'] as const) {
    const h = w.handler(true, { stopFix });
    await eventually(() => h.stats.wipes >= 1, 'the start-up wipe');
    const d = w.driver(`${stopFix}.example.com`);
    await d.start(h);
    d.stop(h);
    await w.quiet(h);
    assert.equal(h.goroutines(), 1, `${stopFix}: the pending wipe`);
    await h.Stop();
    assert.equal(h.goroutines(), stopFix === 'cancel-only' ? 1 : 0, `${stopFix}: goroutines when Stop returned`);
    await eventually(() => h.goroutines() === 0, 'the cancelled wipe to end');
    assert.deepEqual(h.pendingWipeNames(), []);
  }
});
