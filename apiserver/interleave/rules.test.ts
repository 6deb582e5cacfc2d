// The interleaver and its rules without HTTP: fake requests and watch streams, a FakeClock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { conflict, internalError, isStatusError, StatusError } from '../machinery/errors.ts';
import { delivered, never, noted, requestSucceeded, type Condition } from './conditions.ts';
import { History } from './history.ts';
import { bodySummaryLimitChars, RecordingInterleaver, summarizeBody } from './interleaver.ts';
import { containsJson, requestMatches, ruleFromJson } from './rules.ts';
import type { DeliveryItem, HistoryEntry, NoteEntry, RequestEntry, RequestInfo, RequestOutcome, ResponseEntry, Verb, WatchInfo } from './types.ts';

function setup(): { il: RecordingInterleaver; h: History; clock: FakeClock; rev: { n: number } } {
  const clock = new FakeClock(1_000_000);
  const rev = { n: 10 };
  const h = new History({ clock, now: () => 0, revision: () => rev.n });
  return { il: new RecordingInterleaver({ clock, history: h }), h, clock, rev };
}

function req(actor: string, verb: Verb, name?: string, more: Partial<Omit<RequestInfo, 'body'>> & { body?: unknown } = {}): RequestInfo {
  const { body, ...rest } = more;
  return {
    actor,
    verb,
    method: { get: 'GET', list: 'GET', watch: 'GET', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE' }[verb],
    group: '',
    version: 'v1',
    resource: 'configmaps',
    namespace: 'default',
    name,
    query: new URLSearchParams(),
    body: () => body,
    ...rest,
  };
}

const ok: RequestOutcome = { code: 200 };

/** Whether a promise settled by now (after pending microtasks ran). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

const ofType =
  <T extends HistoryEntry['type']>(t: T) =>
  (e: HistoryEntry): e is Extract<HistoryEntry, { type: T }> =>
    e.type === t;
const notes = (h: History): NoteEntry[] => h.entries().filter(ofType('note'));
const requests = (h: History): RequestEntry[] => h.entries().filter(ofType('request'));
const responses = (h: History): ResponseEntry[] => h.entries().filter(ofType('response'));

describe('RecordingInterleaver: recording', () => {
  it('records a request when let through and its response from the outcome, with revisions', async () => {
    const { il, h, rev } = setup();
    const finish = await il.beginRequest(req('a', 'patch', 'c1', { body: { data: { v: '1' }, metadata: { resourceVersion: '4', managedFields: [{}] } } }));
    assert.equal(il.inFlight(), 1);
    assert.deepEqual(
      il.inFlightRequests().map((r) => [r.actor, r.verb, r.name]),
      [['a', 'patch', 'c1']],
    );
    rev.n = 11;
    finish({ code: 200, resourceVersion: '11' });
    finish({ code: 500 }); // a second report is ignored
    assert.equal(il.inFlight(), 0);
    const [q] = requests(h);
    const [r] = responses(h);
    assert.deepEqual(q, { seq: 1, atMs: 1_000_000, realMs: 0, type: 'request', actor: 'a', verb: 'patch', group: '', resource: 'configmaps', namespace: 'default', name: 'c1', body: '{"data":{"v":"1"},"metadata":{}}', rvBefore: 10 });
    assert.deepEqual(r, { seq: 2, atMs: 1_000_000, realMs: 0, type: 'response', request: 1, actor: 'a', verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'c1', code: 200, rvAfter: 11, objectRv: '11' });
  });

  it('names a create by its body, and its response by the name the server gave', async () => {
    const { il, h } = setup();
    (await il.beginRequest(req('a', 'create', undefined, { body: { metadata: { name: 'made' } } })))({ code: 201, name: 'made', resourceVersion: '11' });
    (await il.beginRequest(req('a', 'create', undefined, { body: { metadata: { generateName: 'gen-' } } })))({ code: 201, name: 'gen-x7', resourceVersion: '12' });
    assert.deepEqual(
      requests(h).map((e) => e.name),
      ['made', undefined],
    );
    assert.deepEqual(
      responses(h).map((e) => e.name),
      ['made', 'gen-x7'],
    );
  });

  it('counts watch streams that started and closed', async () => {
    const { il } = setup();
    const watch = await il.beginRequest(req('a', 'watch'));
    const expiredWatch = await il.beginRequest(req('a', 'watch'));
    watch(ok);
    expiredWatch({ code: 200, reason: 'Expired' });
    assert.equal(il.activeWatches(), 1);
    const info: WatchInfo = { actor: 'a', group: '', version: 'v1', resource: 'configmaps', query: new URLSearchParams() };
    il.watchClosed(info);
    il.watchClosed(info); // once per stream
    assert.equal(il.activeWatches(), 0);
  });

  it('summarises bodies stably: sorted keys, no managedFields or resourceVersion, truncated', () => {
    assert.equal(summarizeBody(undefined), undefined);
    assert.equal(summarizeBody({ b: 1, a: { d: 2, c: 3 } }), '{"a":{"c":3,"d":2},"b":1}');
    assert.equal(summarizeBody({ metadata: { name: 'x', resourceVersion: '5', managedFields: [{ manager: 'm' }] }, spec: {} }), '{"metadata":{"name":"x"},"spec":{}}');
    assert.equal(summarizeBody([{ op: 'remove', path: '/metadata/finalizers/0' }]), '[{"op":"remove","path":"/metadata/finalizers/0"}]');
    const long = summarizeBody({ data: { v: 'x'.repeat(500) } }) as string;
    assert.equal(long.length, bodySummaryLimitChars);
    assert.ok(long.endsWith('…'));
  });

  it('resolves whenChanged at the next append', async () => {
    const { il, h } = setup();
    const changed = il.whenChanged();
    assert.equal(await settled(changed), false);
    h.note('s', 'step', 'x');
    assert.equal(await settled(changed), true);
  });
});

describe('RecordingInterleaver: holdRequest', () => {
  it('holds a matching request until the condition holds, and records hold, release and the held request', async () => {
    const { il, h } = setup();
    il.holdRequest({ name: 'b-after-a', match: { actor: 'b', verb: 'patch', name: 'c1' }, until: requestSucceeded({ actor: 'a', verb: 'patch', name: 'c1' }) });
    const other = await il.beginRequest(req('b', 'get', 'c1'));
    other(ok);
    const b = il.beginRequest(req('b', 'patch', 'c1'));
    assert.equal(await settled(b), false);
    assert.equal(il.held().length, 1);
    assert.deepEqual({ ...il.held()[0], heldAtSeq: 0 }, { rule: 'b-after-a', actor: 'b', verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'c1', heldAtSeq: 0 });
    assert.equal(il.inFlight(), 0, 'a held request is not in flight');
    const a = await il.beginRequest(req('a', 'patch', 'c1'));
    assert.equal(await settled(b), false, 'a request is not a success');
    a({ code: 409, reason: 'Conflict' });
    assert.equal(await settled(b), false, 'a conflict is not a success');
    const a2 = await il.beginRequest(req('a', 'patch', 'c1'));
    a2(ok);
    (await b)(ok);
    const lines = h.entries().map((e) => (e.type === 'note' ? `${e.tag} ${e.actor}` : `${e.type} ${e.actor}`));
    assert.deepEqual(lines, [
      'rule racelab',
      'request b',
      'response b',
      'hold b',
      'request a',
      'response a',
      'request a',
      'response a',
      'release b',
      'request b',
      'response b',
    ]);
    const held = requests(h).at(-1) as RequestEntry;
    const holdNote = notes(h).find((n) => n.tag === 'hold') as NoteEntry;
    assert.deepEqual(held.held, { rule: 'b-after-a', heldAtSeq: holdNote.seq, timedOut: false });
    assert.match(holdNote.text, /b-after-a holds patch configmaps default\/c1/);
    const [report] = il.rules.list();
    assert.equal(report?.matched, 1);
    assert.equal(report?.fired, 1);
    assert.equal(report?.done, true);
    assert.equal(report?.active, 0);
    // Done: it holds no more.
    (await il.beginRequest(req('b', 'patch', 'c1')))(ok);
  });

  it('lets a request through when the condition already holds, without using up the rule', async () => {
    const { il, h } = setup();
    il.holdRequest({ name: 'r', match: { actor: 'b' }, until: noted({ tag: 'go' }) });
    h.note('s', 'go', '');
    (await il.beginRequest(req('b', 'get', 'x')))(ok);
    const [report] = il.rules.list();
    assert.equal(report?.matched, 1);
    assert.equal(report?.fired, 0);
    assert.equal(report?.done, false);
    assert.equal(
      notes(h).filter((n) => n.tag === 'hold').length,
      0,
    );
  });

  it('looks only at entries after the rule was installed', async () => {
    const { il, h } = setup();
    h.note('s', 'go', 'before');
    il.holdRequest({ name: 'r', match: { actor: 'b' }, until: noted({ tag: 'go' }) });
    const b = il.beginRequest(req('b', 'get', 'x'));
    assert.equal(await settled(b), false);
    h.note('s', 'go', 'after');
    assert.equal(await settled(b), true);
  });

  it('holds `times` requests and releases them together in arrival order', async () => {
    const { il, h } = setup();
    il.holdRequest({ name: 'r', match: { actor: /^w\d$/ }, until: noted({ tag: 'go' }), times: 2 });
    const w1 = il.beginRequest(req('w1', 'get', 'x'));
    const w2 = il.beginRequest(req('w2', 'get', 'x'));
    const w3 = il.beginRequest(req('w3', 'get', 'x'));
    assert.equal(await settled(w3), true, 'the third is not held');
    assert.equal(il.held().length, 2);
    h.note('s', 'go', '');
    await Promise.all([w1, w2]);
    assert.deepEqual(
      requests(h).map((e) => e.actor),
      ['w3', 'w1', 'w2'],
    );
    assert.equal(il.rules.get('r')?.fired, 2);
  });

  it('releases a held request after its bound on the injected Clock, noting the timeout', async () => {
    const { il, h, clock } = setup();
    il.holdRequest({ name: 'bounded', match: { actor: 'b' }, until: never(), boundMs: 5000 });
    const b = il.beginRequest(req('b', 'get', 'x'));
    assert.equal(il.held()[0]?.deadlineMs, 1_005_000);
    clock.step(4999);
    assert.equal(await settled(b), false);
    clock.step(1);
    (await b)(ok);
    const timeout = notes(h).find((n) => n.tag === 'timeout') as NoteEntry;
    assert.match(timeout.text, /bounded released get configmaps default\/x after its bound of 5000 ms/);
    const entry = requests(h)[0] as RequestEntry;
    assert.equal(entry.held?.timedOut, true);
    assert.equal(entry.atMs, 1_005_000);
    assert.ok(entry.seq > timeout.seq);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('cancels the bound timer when the condition releases first', async () => {
    const { il, h, clock } = setup();
    il.holdRequest({ name: 'r', match: { actor: 'b' }, until: noted({ tag: 'go' }), boundMs: 5000 });
    const b = il.beginRequest(req('b', 'get', 'x'));
    assert.equal(clock.pendingTimers(), 1);
    h.note('s', 'go', '');
    await b;
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(requests(h)[0]?.held?.timedOut, false);
  });

  it('releases what a rule holds when it is removed or cleared', async () => {
    const { il, h } = setup();
    il.holdRequest({ name: 'r1', match: { actor: 'b' }, until: never() });
    il.holdRequest({ name: 'r2', match: { actor: 'c' }, until: never() });
    const b = il.beginRequest(req('b', 'get', 'x'));
    const c = il.beginRequest(req('c', 'get', 'x'));
    assert.equal(il.held().length, 2);
    const report = il.rules.remove('r1');
    assert.equal(report?.name, 'r1');
    assert.equal(il.rules.remove('r1'), undefined);
    await b;
    assert.equal(await settled(c), false);
    assert.equal(il.rules.clear(), 1);
    await c;
    assert.deepEqual(il.rules.list(), []);
    assert.deepEqual(
      notes(h).map((n) => n.tag),
      ['rule', 'rule', 'hold', 'hold', 'rule', 'release', 'rule', 'release'],
    );
  });

  it('applies the later rules after a hold: held, then failed', async () => {
    const { il, h } = setup();
    il.holdRequest({ name: 'first', match: { actor: 'b' }, until: noted({ tag: 'go' }) });
    il.failRequests({ name: 'then', match: { actor: 'b' }, times: 1, status: internalError('boom').status });
    const b = il.beginRequest(req('b', 'get', 'x'));
    h.note('s', 'go', '');
    await assert.rejects(b, (e) => isStatusError(e) && e.code === 500);
    const entry = requests(h)[0] as RequestEntry;
    assert.equal(entry.held?.rule, 'first');
    assert.deepEqual(responses(h)[0]?.injected, { rule: 'then' });
  });

  it('releases when its condition throws, noting the error', async () => {
    const { il, h } = setup();
    let broken = false;
    const cond: Condition = () => {
      if (broken) throw new Error('bad condition');
      return false;
    };
    il.holdRequest({ name: 'r', match: { actor: 'b' }, until: cond });
    const b = il.beginRequest(req('b', 'get', 'x'));
    assert.equal(await settled(b), false);
    broken = true;
    h.note('s', 'poke', '');
    await b;
    assert.match(notes(h).find((n) => n.tag === 'error')?.text ?? '', /rule r: its condition threw: bad condition/);
  });

  it('refuses a second rule of the same name (409) and bad specs (400)', () => {
    const { il } = setup();
    il.holdRequest({ name: 'r', match: {}, until: never() });
    assert.throws(
      () => il.holdRequest({ name: 'r', match: {}, until: never() }),
      (e) => isStatusError(e, 'AlreadyExists') && e.code === 409,
    );
    assert.throws(
      () => il.holdRequest({ name: 'x', match: {}, until: never(), times: 0 }),
      (e) => isStatusError(e, 'BadRequest'),
    );
    assert.throws(
      () => il.holdRequest({ name: 'y', match: {}, until: never(), boundMs: -1 }),
      (e) => isStatusError(e, 'BadRequest'),
    );
    assert.throws(
      () => il.holdRequest({ name: '', match: {}, until: never() }),
      (e) => isStatusError(e, 'BadRequest'),
    );
  });
});

describe('RecordingInterleaver: failRequests', () => {
  it('fails the next N matching requests with the Status, then lets requests through', async () => {
    const { il, h, rev } = setup();
    const status = conflict({ group: '', resource: 'configmaps' }, 'c1', 'injected').status;
    il.failRequests({ name: 'conflicts', match: { actor: 'a', verb: ['patch', 'update'] }, times: 2, status });
    (await il.beginRequest(req('a', 'get', 'c1')))(ok);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(il.beginRequest(req('a', 'patch', 'c1')), (e) => {
        assert.ok(e instanceof StatusError);
        assert.deepEqual(e.status, status);
        return true;
      });
    }
    rev.n = 12;
    (await il.beginRequest(req('a', 'update', 'c1')))({ code: 200, resourceVersion: '12' });
    const rs = responses(h);
    assert.deepEqual(
      rs.map((r) => [r.verb, r.code, r.reason, r.injected?.rule]),
      [
        ['get', 200, undefined, undefined],
        ['patch', 409, 'Conflict', 'conflicts'],
        ['patch', 409, 'Conflict', 'conflicts'],
        ['update', 200, undefined, undefined],
      ],
    );
    assert.equal(rs[1]?.rvAfter, 10, 'an injected failure leaves storage alone');
    assert.equal(il.inFlight(), 0);
    const report = il.rules.get('conflicts')?.report();
    assert.deepEqual([report?.matched, report?.fired, report?.done], [2, 2, true]);
  });
});

describe('RecordingInterleaver: delayDelivery', () => {
  const info = (actor: string): WatchInfo => ({ actor, group: '', version: 'v1', resource: 'configmaps', namespace: 'default', query: new URLSearchParams() });
  const item = (type: DeliveryItem['type'], name: string, revision: number): DeliveryItem => ({ type, revision, object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'default', resourceVersion: String(revision) } } });
  const sink = (): { written: string[]; write: (items: readonly DeliveryItem[]) => boolean } => {
    const written: string[] = [];
    return { written, write: (items) => (items.forEach((i) => written.push(`${i.type} ${i.object?.metadata.name ?? ''}`)), true) };
  };

  it("holds back matching items and those behind them on the actor's streams, in order; other actors get them at once", async () => {
    const { il, h } = setup();
    il.delayDelivery({ name: 'a-late', actor: 'a', resource: 'configmaps', match: (i) => i.object?.metadata.name === 'c1', until: noted({ tag: 'go' }) });
    const a = info('a');
    const b = info('b');
    const sa = sink();
    const sb = sink();
    assert.equal(il.deliver(a, [item('ADDED', 'c0', 1), item('ADDED', 'c1', 2), item('ADDED', 'c2', 3)], sa.write) instanceof Promise, true);
    assert.equal(il.deliver(b, [item('ADDED', 'c0', 1), item('ADDED', 'c1', 2), item('ADDED', 'c2', 3)], sb.write), true);
    assert.deepEqual(sa.written, ['ADDED c0']);
    assert.deepEqual(sb.written, ['ADDED c0', 'ADDED c1', 'ADDED c2']);
    assert.deepEqual(
      il.pendingDeliveries().map((p) => [p.rule, p.actor, p.items]),
      [['a-late', 'a', 2]],
    );
    const go = h.note('s', 'go', '');
    assert.deepEqual(sa.written, ['ADDED c0', 'ADDED c1', 'ADDED c2']);
    assert.deepEqual(il.pendingDeliveries(), []);
    const ds = h.entries().filter(ofType('delivery'));
    assert.deepEqual(
      ds.map((d) => `${d.actor} ${d.name} ${d.delayed?.rule ?? '-'}`),
      ['a c0 -', 'b c0 -', 'b c1 -', 'b c2 -', 'a c1 a-late', 'a c2 a-late'],
    );
    assert.ok((ds[4] as HistoryEntry).seq > go.seq);
    // The condition holds now: later items go straight through.
    assert.equal(il.deliver(a, [item('MODIFIED', 'c1', 4)], sa.write), true);
    assert.equal(delivered({ actor: 'a', name: 'c1', eventType: 'MODIFIED' })(h), true);
  });

  it('resolves the pending delivery when released, with the result of the write', async () => {
    const { il, h } = setup();
    il.delayDelivery({ name: 'r', actor: 'a', until: noted({ tag: 'go' }) });
    const p = il.deliver(info('a'), [item('ADDED', 'c1', 1)], () => false);
    assert.ok(p instanceof Promise);
    assert.equal(await settled(p), false);
    h.note('s', 'go', '');
    assert.equal(await p, false);
  });

  it('releases after its bound on the injected Clock', async () => {
    const { il, h, clock } = setup();
    il.delayDelivery({ name: 'r', actor: 'a', until: never(), boundMs: 1000 });
    const s = sink();
    const p = il.deliver(info('a'), [item('ADDED', 'c1', 1)], s.write);
    assert.equal(il.pendingDeliveries()[0]?.deadlineMs, 1_001_000);
    clock.step(1000);
    assert.equal(await p, true);
    assert.deepEqual(s.written, ['ADDED c1']);
    assert.match(notes(h).find((n) => n.tag === 'timeout')?.text ?? '', /released 1 held-back item/);
  });

  it('drops what it holds when the stream closes, resolving the pending delivery with false', async () => {
    const { il, h } = setup();
    il.delayDelivery({ name: 'r', actor: 'a', until: never() });
    const a = info('a');
    const s = sink();
    const p = il.deliver(a, [item('ADDED', 'c1', 1)], s.write);
    il.watchClosed(a);
    assert.equal(await p, false);
    assert.deepEqual(s.written, []);
    assert.equal(il.rules.get('r')?.active, 0);
    assert.match(notes(h).find((n) => n.tag === 'drop')?.text ?? '', /1 held-back item\(s\) unwritten/);
    assert.equal(il.deliver(a, [item('ADDED', 'c2', 2)], s.write), false, 'nothing is written to a closed stream');
    assert.deepEqual(s.written, []);
  });

  it('holds back `times` items at most', async () => {
    const { il, h } = setup();
    il.delayDelivery({ name: 'r', actor: 'a', until: noted({ tag: 'go' }), times: 1 });
    const s = sink();
    const p = il.deliver(info('a'), [item('ADDED', 'c1', 1), item('ADDED', 'c2', 2)], s.write);
    h.note('s', 'go', '');
    await p;
    assert.equal(il.rules.get('r')?.done, true);
    assert.equal(il.deliver(info('a'), [item('ADDED', 'c3', 3)], s.write), true);
    assert.deepEqual(s.written, ['ADDED c1', 'ADDED c2', 'ADDED c3']);
  });
});

describe('rules from JSON', () => {
  it('parses a holdRequest with regexes and a body pattern', () => {
    const spec = ruleFromJson({
      name: 'hold-b',
      kind: 'holdRequest',
      match: { actor: '/^b/', verb: 'patch', resource: 'clusters', name: 'c1', body: { metadata: { finalizers: null } } },
      until: { responded: { actor: 'a', verb: 'patch', resource: 'clusters', name: 'c1', code: 200 } },
      boundMs: 30000,
      times: 2,
    });
    assert.equal(spec.kind, 'holdRequest');
    if (spec.kind !== 'holdRequest') return;
    assert.equal(spec.boundMs, 30000);
    assert.equal(spec.times, 2);
    const info = req('bob', 'patch', 'c1', { resource: 'clusters', body: { metadata: { finalizers: null } } });
    assert.equal(requestMatches(spec.match, info), true);
    assert.equal(requestMatches(spec.match, { ...info, body: () => ({ metadata: { finalizers: ['x'] } }) }), false);
    assert.equal(requestMatches(spec.match, { ...info, actor: 'alice' }), false);
  });

  it('parses failRequests with a short Status and delayDelivery with an item match', () => {
    const fail = ruleFromJson({ name: 'f', kind: 'failRequests', match: { actor: 'a' }, times: 3, status: { code: 500, reason: 'InternalError', message: 'boom' } });
    assert.deepEqual(fail.kind === 'failRequests' && fail.status, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'boom', reason: 'InternalError', code: 500 });
    const delay = ruleFromJson({ name: 'd', kind: 'delayDelivery', match: { actor: 'a', resource: 'clusters', name: 'c1', eventType: ['MODIFIED'] }, until: { never: {} } });
    assert.ok(delay.kind === 'delayDelivery');
    assert.equal(delay.actor, 'a');
    assert.equal(delay.match?.({ type: 'MODIFIED', revision: 1, object: { metadata: { name: 'c1' } } }), true);
    assert.equal(delay.match?.({ type: 'ADDED', revision: 1, object: { metadata: { name: 'c1' } } }), false);
  });

  it('explains what is wrong, as a 400', () => {
    const bad = (json: unknown, re: RegExp): void =>
      assert.throws(
        () => ruleFromJson(json),
        (e) => isStatusError(e, 'BadRequest') && re.test(e.message),
      );
    bad({ kind: 'holdRequest', until: { never: {} } }, /rule\.name/);
    bad({ name: 'x', kind: 'sleep', until: { never: {} } }, /rule\.kind/);
    bad({ name: 'x', kind: 'holdRequest', match: {} }, /needs a condition/);
    bad({ name: 'x', kind: 'holdRequest', match: { verb: 'poke' }, until: { never: {} } }, /rule\.match\.verb/);
    bad({ name: 'x', kind: 'holdRequest', match: {}, until: { nope: {} } }, /rule\.until: unknown condition "nope"/);
    bad({ name: 'x', kind: 'failRequests', match: {}, times: 1 }, /needs a status/);
    bad({ name: 'x', kind: 'failRequests', match: {}, status: { code: 500 } }, /needs times/);
    bad({ name: 'x', kind: 'failRequests', match: {}, times: 1, status: { code: 42 } }, /rule\.status\.code/);
    bad({ name: 'x', kind: 'delayDelivery', match: {}, until: { never: {} } }, /rule\.match\.actor/);
    bad({ name: 'x', kind: 'holdRequest', match: {}, until: { never: {} }, colour: 'red' }, /colour/);
    bad({ name: 'x', kind: 'holdRequest', match: {}, until: { never: {} }, times: 0 }, /rule\.times/);
  });

  it('matches bodies by containment', () => {
    assert.equal(containsJson({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { c: [1, 2] } }), true);
    assert.equal(containsJson({ a: 1 }, { a: 2 }), false);
    assert.equal(containsJson({ a: [1, 2, 3] }, { a: [1, 2] }), false, 'arrays are equal or not');
    assert.equal(containsJson({ a: 1 }, { b: null }), true, 'null: absent or null');
    assert.equal(containsJson(undefined, {}), false);
  });

  it('matches requests by every field given', () => {
    const r = req('ctrl', 'update', 'c1', { subresource: 'status', group: 'cluster.x-k8s.io', resource: 'clusters' });
    assert.equal(requestMatches({}, r), true);
    assert.equal(requestMatches({ subresource: '' }, r), false);
    assert.equal(requestMatches({ subresource: 'status', group: 'cluster.x-k8s.io', resource: 'clusters', namespace: 'default', name: /^c/, verb: ['update'] }, r), true);
    assert.equal(requestMatches({ namespace: 'other' }, r), false);
    assert.equal(requestMatches({ name: 'c2' }, r), false);
    const g = /c/g;
    assert.equal(requestMatches({ name: g }, r), true);
    assert.equal(requestMatches({ name: g }, r), true, 'a global regex matches every time');
  });
});
