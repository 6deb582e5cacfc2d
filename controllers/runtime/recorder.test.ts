import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { FakeClock, rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { testServer, type TestServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';
import { background, withCancel } from './concurrency.ts';
import { Manager } from './manager.ts';
import { EventBroadcaster, goSprintf, type CoreEvent } from './recorder.ts';
import { eventually } from '../../testing/eventually.ts';

const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespace: 'default' };
const cmResource: InformerResource = { ...cmRef, kind: 'ConfigMap' };
const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespace: 'default' };


type Seen = { method: string; url: string; ua: string | undefined; contentType: string | undefined };

function record(server: TestServer): Seen[] {
  const seen: Seen[] = [];
  server.server.on('request', (req: IncomingMessage) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', ua: req.headers['user-agent'], contentType: req.headers['content-type'] });
  });
  return seen;
}

const isEventWrite = (s: Seen): boolean => s.url.startsWith('/api/v1/namespaces/default/events') && (s.method === 'POST' || s.method === 'PATCH');

test('an Event is written only after the reconcile that emitted it returned, when the clock lets the sender run', async (t) => {
  const server = await testServer(t);
  const seen = record(server);
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const mgr = new Manager({ kc: actorKubeConfig(server.url, 'toy'), clock, name: 'toy-0' });
  const recorder = mgr.eventRecorderFor('derive-controller');
  const cms = mgr.informerFor<KubeObject>(cmResource);
  let returnedAt = -1;
  let eventsSeenInside = -1;
  const ctrl = mgr
    .newController({
      name: 'derive',
      reconcile: async (_ctx, req) => {
        const src = cms.lister().getByName(req.namespace, req.name);
        if (!src) return;
        recorder.event(src, 'Normal', 'Derived', `derived ${req.name}`);
        // Real I/O after emitting: the Event must not be there yet.
        eventsSeenInside = (await mgr.client.list(eventsRef)).items.length;
        await mgr.client.patch(cmRef, req.name, { metadata: { annotations: { done: 'true' } } });
        returnedAt = seen.length;
      },
    })
    .for(cmResource, { update: () => false });
  const { ctx, cancel } = withCancel(background());
  const done = mgr.start(ctx);
  await mgr.whenStarted();
  await client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'src' } });
  await eventually(() => ctrl.stats.reconciles === 1 && mgr.idle(), 'the reconcile to return');
  assert.equal(eventsSeenInside, 0);
  assert.equal((await client.list(eventsRef)).items.length, 0, 'still queued after the reconcile returned');
  assert.equal(mgr.broadcaster.pending(), 1);
  assert.ok(mgr.broadcaster.idle(), 'queued behind a Clock timer: quiescent');
  assert.equal(clock.pendingTimers(), 1);

  clock.runNext(); // the scenario engine's step: fire the due timer
  await eventually(async () => (await client.list(eventsRef)).items.length === 1 && mgr.broadcaster.pending() === 0, 'the Event');
  const writes = seen.map((s, i) => ({ ...s, i })).filter(isEventWrite);
  assert.equal(writes.length, 1);
  assert.equal(writes[0]?.method, 'POST');
  assert.ok((writes[0]?.i ?? -1) >= returnedAt, 'the POST comes after every request of the reconcile');
  assert.equal(writes[0]?.ua, 'racelab-toy');

  const [ev] = (await client.list<CoreEvent>(eventsRef)).items;
  const src = await client.get(cmRef, 'src');
  assert.ok(ev);
  assert.deepEqual(ev.involvedObject, { kind: 'ConfigMap', namespace: 'default', name: 'src', uid: src.metadata.uid, apiVersion: 'v1', resourceVersion: ev.involvedObject.resourceVersion });
  assert.equal(ev.reason, 'Derived');
  assert.equal(ev.message, 'derived src');
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.count, 1);
  assert.deepEqual(ev.source, { component: 'derive-controller', host: 'toy-0' });
  assert.equal(ev.reportingComponent, 'derive-controller');
  assert.equal(ev.reportingInstance, 'toy-0');
  assert.equal(ev.firstTimestamp, rfc3339Seconds(clock.now()));
  assert.equal(ev.lastTimestamp, ev.firstTimestamp);
  assert.match(ev.metadata.name ?? '', /^src\.[0-9a-f]+$/);

  cancel();
  await done;
  assert.equal(clock.pendingTimers(), 0);
});

test('a repeated event PATCHes count+1 and lastTimestamp (EventCorrelator); a new message or a deleted Event POSTs', async (t) => {
  const server = await testServer(t);
  const seen = record(server);
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const b = new EventBroadcaster({ client: new KubeClient(actorKubeConfig(server.url, 'rec')), clock });
  const { ctx, cancel } = withCancel(background());
  const running = b.start(ctx);
  const rec = b.newRecorder({ component: 'comp', host: 'h1' });
  const obj = await client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'thing' } });
  const events = async (): Promise<CoreEvent[]> => (await client.list<CoreEvent>(eventsRef)).items;

  const t0 = rfc3339Seconds(clock.now());
  rec.event(obj, 'Warning', 'Failed', 'it broke');
  await b.flush();
  clock.step(5_000);
  rec.event(obj, 'Warning', 'Failed', 'it broke');
  await b.flush();
  let all = await events();
  assert.equal(all.length, 1);
  assert.equal(all[0]?.count, 2);
  assert.equal(all[0]?.firstTimestamp, t0);
  assert.equal(all[0]?.lastTimestamp, rfc3339Seconds(clock.now()));
  const patch = seen.filter(isEventWrite)[1];
  assert.equal(patch?.method, 'PATCH');
  assert.equal(patch?.contentType, 'application/strategic-merge-patch+json');

  rec.eventf(obj, 'Warning', 'Failed', 'it broke %d times: %q', 2, 'twice');
  await b.flush();
  all = await events();
  assert.equal(all.length, 2);
  assert.ok(all.some((e) => e.message === 'it broke 2 times: "twice"' && e.count === 1));

  const first = all.find((e) => e.message === 'it broke') as CoreEvent;
  await client.delete(eventsRef, first.metadata.name ?? '');
  rec.event(obj, 'Warning', 'Failed', 'it broke');
  await b.flush();
  all = await events();
  const again = all.find((e) => e.message === 'it broke');
  assert.equal(again?.count, 3, 'recreated with the count carried on');
  assert.equal(again?.metadata.name, first.metadata.name);
  assert.deepEqual(b.stats, { created: 3, patched: 1, dropped: 0 });

  // Not recorded: an unknown type, an object without kind.
  const writes = seen.filter(isEventWrite).length;
  rec.event(obj, 'Bogus' as 'Normal', 'X', 'y');
  rec.event({ metadata: { name: 'nokind' } }, 'Normal', 'X', 'y');
  assert.equal(b.pending(), 0);
  await b.flush();
  assert.equal(seen.filter(isEventWrite).length, writes);

  // Shutdown: what is still queued gets one attempt, and nothing is left on the clock.
  rec.event(obj, 'Normal', 'Bye', 'last words');
  assert.equal(clock.pendingTimers(), 1);
  cancel();
  await running;
  assert.equal(clock.pendingTimers(), 0);
  assert.ok((await events()).some((e) => e.reason === 'Bye'));
  assert.equal(goSprintf('%v and %s, 100%%', { a: 1 }, 'x'), '{ a: 1 } and x, 100%');
});

test('transport errors are retried on the Clock, then given up; shutdown cancels the retry sleep', async (t) => {
  const server = await testServer(t);
  const url = server.url;
  await server.close();
  const clock = new FakeClock();
  const b = new EventBroadcaster({ client: new KubeClient(actorKubeConfig(url, 'rec')), clock, maxTriesPerEvent: 3, retrySleepMs: 10_000 });
  const { ctx, cancel } = withCancel(background());
  const running = b.start(ctx);
  const rec = b.newRecorder('comp');
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', uid: 'u' } };
  rec.event(obj, 'Normal', 'R', 'm');
  clock.runNext();
  for (let i = 0; i < 2; i++) {
    await eventually(() => clock.pendingTimers() === 1 && b.idle(), `retry sleep ${i + 1}`);
    assert.equal((clock.nextTimerAt() ?? 0) - clock.now(), 10_000);
    assert.equal(b.pending(), 1);
    clock.runNext();
  }
  await eventually(() => b.pending() === 0, 'giving up');
  assert.equal(b.stats.dropped, 1);

  rec.event(obj, 'Normal', 'R2', 'm');
  clock.runNext();
  await eventually(() => clock.pendingTimers() === 1 && b.idle(), 'a retry sleep');
  cancel();
  await running;
  assert.equal(clock.pendingTimers(), 0);
});
