// The RecordingInterleaver in the real API server: client-node actors over HTTP, interleavings forced at
// the server, everything visible in the recorded history. No real sleeps: waits are on the interleaver's
// state changes and on the clients' own promises.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { FakeClock } from '../machinery/clock.ts';
import { conflict, internalError } from '../machinery/errors.ts';
import { mergePatch, statusOf, testServer, type TestServer } from '../../testing/server.ts';
import { never, noted, requestSucceeded } from './conditions.ts';
import { History } from './history.ts';
import { RecordingInterleaver } from './interleaver.ts';
import type { DeliveryEntry, HistoryEntry, NoteEntry, RequestEntry, ResponseEntry } from './types.ts';

const testTimeoutMs = 20_000;

interface World {
  s: TestServer;
  il: RecordingInterleaver;
  h: History;
  clock: FakeClock;
}

async function world(t: TestContext): Promise<World> {
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  // The server needs the interleaver, and the interleaver reads the server's revision: bind it late.
  const late: { s?: TestServer } = {};
  const revision = (): number => late.s?.storage.revisionNow?.() ?? 0;
  const start = performance.now();
  const h = new History({ clock, now: () => performance.now() - start, revision });
  const il = new RecordingInterleaver({ clock, history: h });
  const s = (late.s = await testServer(t, { clock, interleaver: il }));
  t.after(() => {
    // Let go of anything still held so the server can close.
    il.rules.clear();
  });
  return { s, il, h, clock };
}

/** Waits, without sleeping, until pred holds; re-checked at every change of the interleaver. */
async function until(il: RecordingInterleaver, pred: () => boolean): Promise<void> {
  while (!pred()) await il.whenChanged();
}

const isRequest = (e: HistoryEntry): e is RequestEntry => e.type === 'request';
const isResponse = (e: HistoryEntry): e is ResponseEntry => e.type === 'response';
const isDelivery = (e: HistoryEntry): e is DeliveryEntry => e.type === 'delivery';
const isNote = (e: HistoryEntry): e is NoteEntry => e.type === 'note';

function find<T extends HistoryEntry>(h: History, guard: (e: HistoryEntry) => e is T, pred: (e: T) => boolean): T[] {
  return h.entries().filter(guard).filter(pred);
}

function one<T>(xs: T[], what: string): T {
  assert.equal(xs.length, 1, `expected one ${what}, found ${xs.length}`);
  return xs[0] as T;
}

/** A client-node watch as actor, recording `TYPE name` per event, with a way to wait for events. */
async function watchAs(t: TestContext, s: TestServer, actor: string, resourceVersion: string): Promise<{ events: string[]; waitFor(n: number): Promise<void> }> {
  const events: string[] = [];
  let wake: () => void = () => undefined;
  const w = new k8s.Watch(s.kc(actor));
  const ctl = await w.watch(
    '/api/v1/namespaces/default/configmaps',
    { resourceVersion },
    (type: string, obj: k8s.V1ConfigMap) => {
      events.push(`${type} ${obj.metadata?.name}`);
      wake();
    },
    () => wake(),
  );
  t.after(() => ctl.abort());
  return {
    events,
    waitFor: async (n) => {
      while (events.length < n) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe('RecordingInterleaver over HTTP', { timeout: testTimeoutMs }, () => {
  it("holds B's PATCH until A's PATCH succeeded; the history shows A's response before B's request", async (t) => {
    const { s, il, h } = await world(t);
    await s.core('setup').createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c1' }, data: { v: '0' } } });
    il.holdRequest({
      name: 'b-after-a',
      match: { actor: 'b', verb: 'patch', resource: 'configmaps', name: 'c1' },
      until: requestSucceeded({ actor: 'a', verb: 'patch', resource: 'configmaps', name: 'c1' }),
    });
    const pb = s.core('b').patchNamespacedConfigMap({ name: 'c1', namespace: 'default', body: { data: { b: '1' } } }, mergePatch);
    await until(il, () => il.held().length === 1);
    assert.equal(il.held()[0]?.actor, 'b');
    const ra = await s.core('a').patchNamespacedConfigMap({ name: 'c1', namespace: 'default', body: { data: { a: '1' } } }, mergePatch);
    const rb = await pb;
    assert.deepEqual(ra.data, { v: '0', a: '1' }, "A's patch did not see B's");
    assert.deepEqual(rb.data, { v: '0', a: '1', b: '1' }, "B's patch was applied after A's");

    const aResp = one(find(h, isResponse, (e) => e.actor === 'a' && e.verb === 'patch'), "A's response");
    const bReq = one(find(h, isRequest, (e) => e.actor === 'b' && e.verb === 'patch'), "B's request");
    const bResp = one(find(h, isResponse, (e) => e.actor === 'b' && e.verb === 'patch'), "B's response");
    assert.ok(aResp.seq < bReq.seq, `A's response #${aResp.seq} comes before B's request #${bReq.seq}`);
    assert.equal(aResp.code, 200);
    assert.equal(aResp.objectRv, ra.metadata?.resourceVersion);
    assert.equal(bReq.rvBefore, Number(aResp.objectRv), 'B was let through at the revision A wrote');
    assert.equal(bReq.body, '{"data":{"b":"1"}}');
    const hold = one(find(h, isNote, (e) => e.tag === 'hold'), 'hold note');
    const release = one(find(h, isNote, (e) => e.tag === 'release'), 'release note');
    assert.deepEqual(bReq.held, { rule: 'b-after-a', heldAtSeq: hold.seq, timedOut: false });
    assert.ok(hold.seq < aResp.seq && aResp.seq < release.seq && release.seq < bReq.seq);
    assert.equal(bResp.request, bReq.seq);
    assert.equal(bResp.objectRv, rb.metadata?.resourceVersion);
    assert.equal(bResp.rvAfter, Number(rb.metadata?.resourceVersion));
    assert.deepEqual(
      il.rules.list().map((r) => [r.name, r.matched, r.fired, r.done]),
      [['b-after-a', 1, 1, true]],
    );
  });

  it('releases a hold by its bound once the FakeClock passes it, noting the timeout', async (t) => {
    const { s, il, h, clock } = await world(t);
    await s.core('setup').createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c1' } } });
    il.holdRequest({ name: 'slow-read', match: { actor: 'b', verb: 'get', name: 'c1' }, until: never(), boundMs: 10_000 });
    const read = s.core('b').readNamespacedConfigMap({ name: 'c1', namespace: 'default' });
    await until(il, () => il.held().length === 1);
    assert.equal(il.held()[0]?.deadlineMs, clock.now() + 10_000);
    clock.step(9_999);
    assert.equal(il.held().length, 1, 'still held 1 ms before the bound');
    clock.step(1);
    assert.equal(il.held().length, 0);
    const cm = await read;
    assert.equal(cm.metadata?.name, 'c1');
    const timeout = one(find(h, isNote, (e) => e.tag === 'timeout'), 'timeout note');
    assert.equal(timeout.actor, 'b');
    const req = one(find(h, isRequest, (e) => e.actor === 'b'), "B's request");
    assert.equal(req.held?.timedOut, true);
    assert.ok(timeout.seq < req.seq);
    const resp = one(find(h, isResponse, (e) => e.actor === 'b'), "B's response");
    assert.equal(resp.code, 200);
  });

  it('fails the next N matching requests with the injected Status, then lets requests through', async (t) => {
    const { s, il, h } = await world(t);
    await s.core('setup').createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c1' }, data: { n: '0' } } });
    const gr = { group: '', resource: 'configmaps' };
    il.failRequests({ name: 'two-500s', match: { actor: 'a', verb: 'patch' }, times: 2, status: internalError('injected by racelab').status });
    il.failRequests({ name: 'one-409', match: { actor: 'b', verb: 'update', name: 'c1' }, times: 1, status: conflict(gr, 'c1', 'injected').status });
    const patch = (n: string): Promise<k8s.V1ConfigMap> => s.core('a').patchNamespacedConfigMap({ name: 'c1', namespace: 'default', body: { data: { n } } }, mergePatch);
    for (const n of ['1', '2']) {
      await assert.rejects(patch(n), (e) => {
        const st = statusOf(e);
        assert.equal(st.code, 500);
        assert.equal(st.reason, 'InternalError');
        assert.equal(st.message, 'Internal error occurred: injected by racelab');
        return true;
      });
    }
    const third = await patch('3');
    assert.equal(third.data?.n, '3');
    const current = await s.core('b').readNamespacedConfigMap({ name: 'c1', namespace: 'default' });
    await assert.rejects(s.core('b').replaceNamespacedConfigMap({ name: 'c1', namespace: 'default', body: { ...current, data: { n: 'b' } } }), (e) => {
      const st = statusOf(e);
      assert.equal(st.code, 409);
      assert.equal(st.reason, 'Conflict');
      assert.equal(st.message, 'Operation cannot be fulfilled on configmaps "c1": injected');
      return true;
    });
    const replaced = await s.core('b').replaceNamespacedConfigMap({ name: 'c1', namespace: 'default', body: { ...current, data: { n: 'b' } } });
    assert.equal(replaced.data?.n, 'b');

    const rs = find(h, isResponse, (e) => e.actor !== 'setup');
    assert.deepEqual(
      rs.map((r) => `${r.actor} ${r.verb} ${r.code} ${r.injected?.rule ?? '-'}`),
      ['a patch 500 two-500s', 'a patch 500 two-500s', 'a patch 200 -', 'b get 200 -', 'b update 409 one-409', 'b update 200 -'],
    );
    for (const r of rs.filter((x) => x.injected)) {
      const req = h.get(r.request) as RequestEntry;
      assert.equal(req.type, 'request');
      assert.equal(r.rvAfter, req.rvBefore, 'an injected failure writes nothing');
    }
    assert.deepEqual(
      il.rules.list().map((r) => [r.name, r.fired, r.done]),
      [
        ['two-500s', 2, true],
        ['one-409', 1, true],
      ],
    );
  });

  it("delays a watch delivery to one actor while another actor's watch gets it at once, keeping order", async (t) => {
    const { s, il, h } = await world(t);
    const setup = s.core('setup');
    const list = await setup.listNamespacedConfigMap({ namespace: 'default' });
    const rv = list.metadata?.resourceVersion ?? '0';
    il.delayDelivery({ name: 'a-late', actor: 'a', resource: 'configmaps', match: (item) => item.object?.metadata.name === 'w1', until: noted({ tag: 'go' }) });
    const wa = await watchAs(t, s, 'a', rv);
    const wb = await watchAs(t, s, 'b', rv);
    await until(il, () => il.activeWatches() === 2);

    await setup.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1' } } });
    await wb.waitFor(1);
    await until(il, () => il.pendingDeliveries().length === 1);
    assert.deepEqual(
      il.pendingDeliveries().map((p) => [p.rule, p.actor, p.resource, p.items]),
      [['a-late', 'a', 'configmaps', 1]],
    );
    await setup.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w2' } } });
    await wb.waitFor(2);
    assert.deepEqual(wb.events, ['ADDED w1', 'ADDED w2']);
    assert.deepEqual(wa.events, [], 'A has seen nothing: w1 is held back and w2 waits behind it');

    const go = il.history.note('test', 'go', 'let A see w1');
    await wa.waitFor(2);
    assert.deepEqual(wa.events, ['ADDED w1', 'ADDED w2'], 'order kept');
    assert.deepEqual(il.pendingDeliveries(), []);

    const ds = find(h, isDelivery, () => true);
    assert.deepEqual(
      ds.map((d) => `${d.actor} ${d.eventType} ${d.name} ${d.delayed?.rule ?? '-'}`),
      ['b ADDED w1 -', 'b ADDED w2 -', 'a ADDED w1 a-late', 'a ADDED w2 a-late'],
    );
    const aDeliveries = ds.filter((d) => d.actor === 'a');
    assert.ok(aDeliveries.every((d) => d.seq > go.seq));
    const created = find(h, isResponse, (e) => e.actor === 'setup' && e.verb === 'create');
    assert.deepEqual(
      ds.filter((d) => d.actor === 'b').map((d) => String(d.revision)),
      created.map((c) => c.objectRv),
    );
    const release = one(find(h, isNote, (e) => e.tag === 'release'), 'release note');
    assert.equal(release.actor, 'a');
    assert.ok(go.seq < release.seq);
  });

  it('records requests, responses and deliveries with their actors, verbs, names and codes', async (t) => {
    const { s, il, h } = await world(t);
    const a = s.core('a');
    const b = s.core('b');
    const list = await a.listNamespacedConfigMap({ namespace: 'default' });
    const wb = await watchAs(t, s, 'b', list.metadata?.resourceVersion ?? '0');
    await until(il, () => il.activeWatches() === 1);
    const created = await a.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'rec' }, data: { k: 'v' } } });
    // The watch writes on its own schedule: wait for it, so the order below does not depend on timing.
    await wb.waitFor(1);
    await assert.rejects(b.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }), (e) => statusOf(e).code === 404);
    await a.deleteNamespacedConfigMap({ name: 'rec', namespace: 'default' });
    await wb.waitFor(2);
    await until(il, () => il.inFlight() === 0);

    const lines = h.entries().map((e) => {
      switch (e.type) {
        case 'request':
          return `request ${e.actor} ${e.verb} ${e.resource} ${e.namespace ?? ''}/${e.name ?? ''}`;
        case 'response':
          return `response ${e.actor} ${e.verb} ${e.name ?? ''} ${e.code}${e.reason ? ` ${e.reason}` : ''}`;
        case 'delivery':
          return `delivery ${e.actor} ${e.eventType} ${e.name}`;
        case 'note':
          return `note ${e.tag}`;
      }
    });
    assert.deepEqual(lines, [
      'request a list configmaps default/',
      'response a list  200',
      'request b watch configmaps default/',
      'response b watch  200',
      'request a create configmaps default/rec',
      'response a create rec 201',
      'delivery b ADDED rec',
      'request b get configmaps default/missing',
      'response b get missing 404 NotFound',
      'request a delete configmaps default/rec',
      'response a delete rec 200',
      'delivery b DELETED rec',
    ]);
    const createReq = one(find(h, isRequest, (e) => e.verb === 'create'), 'create request');
    assert.equal(createReq.body, '{"data":{"k":"v"},"metadata":{"name":"rec"}}');
    assert.equal(createReq.group, '');
    const createResp = one(find(h, isResponse, (e) => e.verb === 'create'), 'create response');
    assert.equal(createResp.objectRv, created.metadata?.resourceVersion);
    assert.equal(createResp.rvAfter, Number(created.metadata?.resourceVersion));
    assert.equal(createResp.rvAfter, createReq.rvBefore + 1);
    const added = one(find(h, isDelivery, (e) => e.eventType === 'ADDED'), 'ADDED delivery');
    assert.equal(String(added.revision), created.metadata?.resourceVersion);
    assert.equal(added.namespace, 'default');
    assert.equal(added.resource, 'configmaps');
    const watchResp = one(find(h, isResponse, (e) => e.verb === 'watch'), 'watch response');
    assert.equal(watchResp.objectRv, list.metadata?.resourceVersion);
    // Seqs are one total order, from 1, without gaps.
    assert.deepEqual(
      h.entries().map((e) => e.seq),
      h.entries().map((_, i) => i + 1),
    );
  });
});
