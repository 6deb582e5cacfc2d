// racelab's HTTP API (apiserver/http/racelab.ts): rules in their JSON form and the history, with
// Kubernetes Status errors. The routes are served by their own express app here, beside a real API server
// that shares the interleaver.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import express from 'express';
import { FakeClock } from '../machinery/clock.ts';
import { racelabRoutes } from '../http/racelab.ts';
import { listen } from '../http/server.ts';
import { statusOf, testServer, type TestServer } from '../../testing/server.ts';
import { History } from './history.ts';
import { RecordingInterleaver } from './interleaver.ts';
import type { RuleReport } from './rules.ts';
import type { HistoryEntry } from './types.ts';

async function setup(t: TestContext): Promise<{ api: TestServer; il: RecordingInterleaver; call(method: string, path: string, body?: unknown): Promise<{ code: number; json: Record<string, unknown> }> }> {
  const clock = new FakeClock();
  const late: { api?: TestServer } = {};
  const il = new RecordingInterleaver({ clock, history: new History({ clock, now: () => 0, revision: () => late.api?.storage.revisionNow?.() ?? 0 }) });
  const api = (late.api = await testServer(t, { clock, interleaver: il }));
  const app = express();
  app.use(racelabRoutes(il));
  const racelab = await listen(app, 0, '127.0.0.1');
  t.after(() => {
    il.rules.clear();
    return racelab.close();
  });
  return {
    api,
    il,
    call: async (method, path, body) => {
      const res = await fetch(racelab.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      return { code: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}

function isStatus(json: Record<string, unknown>, code: number, reason: string): boolean {
  return json.kind === 'Status' && json.apiVersion === 'v1' && json.status === 'Failure' && json.code === code && json.reason === reason;
}

describe('racelab HTTP routes', { timeout: 20_000 }, () => {
  it('installs, lists and removes rules in their JSON form', async (t) => {
    const { call } = await setup(t);
    const hold = {
      name: 'hold-b',
      kind: 'holdRequest',
      match: { actor: '/^b$/', verb: 'patch', resource: 'clusters', name: 'c1' },
      until: { responded: { actor: 'a', verb: 'patch', resource: 'clusters', name: 'c1', code: 200 } },
      boundMs: 30000,
    };
    const created = await call('POST', '/racelab/v1/rules', hold);
    assert.equal(created.code, 201);
    assert.deepEqual(created.json, {
      name: 'hold-b',
      kind: 'holdRequest',
      installedAtSeq: 1,
      matched: 0,
      fired: 0,
      active: 0,
      done: false,
      match: hold.match,
      until: hold.until,
      boundMs: 30000,
      times: 1,
    });
    const fail = await call('POST', '/racelab/v1/rules', { name: 'fail-a', kind: 'failRequests', match: { actor: 'a' }, times: 2, status: { code: 503, reason: 'ServiceUnavailable' } });
    assert.equal(fail.code, 201);
    const listed = await call('GET', '/racelab/v1/rules');
    assert.deepEqual(
      (listed.json.rules as RuleReport[]).map((r) => r.name),
      ['hold-b', 'fail-a'],
    );
    const again = await call('POST', '/racelab/v1/rules', hold);
    assert.equal(again.code, 409);
    assert.ok(isStatus(again.json, 409, 'AlreadyExists'));
    const removed = await call('DELETE', '/racelab/v1/rules/hold-b');
    assert.equal(removed.code, 200);
    assert.equal(removed.json.name, 'hold-b');
    const gone = await call('DELETE', '/racelab/v1/rules/hold-b');
    assert.equal(gone.code, 404);
    assert.ok(isStatus(gone.json, 404, 'NotFound'));
    const cleared = await call('DELETE', '/racelab/v1/rules');
    assert.deepEqual(cleared, { code: 200, json: { removed: 1 } });
    assert.deepEqual((await call('GET', '/racelab/v1/rules')).json, { rules: [] });
  });

  it('answers bad rules and bad queries with a 400 Status that says what is wrong', async (t) => {
    const { call } = await setup(t);
    const cases: [unknown, RegExp][] = [
      ['{not json', /not JSON/],
      ['', /empty/],
      [{ name: 'x', kind: 'holdRequest', match: {}, until: { sometimes: {} } }, /rule\.until: unknown condition "sometimes"/],
      [{ name: 'x', kind: 'holdRequest', match: { verb: 'poke' }, until: { never: {} } }, /rule\.match\.verb/],
      [{ name: 'x', kind: 'failRequests', match: {}, times: 1 }, /needs a status/],
      [[1, 2], /invalid rule/],
    ];
    for (const [body, re] of cases) {
      const r = await call('POST', '/racelab/v1/rules', body);
      assert.equal(r.code, 400, JSON.stringify(body));
      assert.ok(isStatus(r.json, 400, 'BadRequest'));
      assert.match(String(r.json.message), re);
    }
    const since = await call('GET', '/racelab/v1/history?since=abc');
    assert.equal(since.code, 400);
    assert.match(String(since.json.message), /since must be a non-negative integer/);
    const unknown = await call('GET', '/racelab/v1/nothing');
    assert.equal(unknown.code, 404);
    assert.ok(isStatus(unknown.json, 404, 'NotFound'));
  });

  it('serves the history, all of it or since a seq, and rules posted over HTTP act on the API server', async (t) => {
    const { api, call, il } = await setup(t);
    const posted = await call('POST', '/racelab/v1/rules', { name: 'fail-b', kind: 'failRequests', match: { actor: 'b', verb: 'create' }, times: 1, status: { code: 503, reason: 'ServiceUnavailable', message: 'try later' } });
    assert.equal(posted.code, 201);
    await assert.rejects(api.core('b').createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } }), (e) => {
      const st = statusOf(e);
      return st.code === 503 && st.reason === 'ServiceUnavailable' && st.message === 'try later';
    });
    await api.core('b').createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } });
    await api.core('a').readNamespacedConfigMap({ namespace: 'default', name: 'x' });
    const all = await call('GET', '/racelab/v1/history');
    assert.equal(all.code, 200);
    const entries = all.json.entries as HistoryEntry[];
    assert.equal(all.json.dropped, 0);
    assert.equal(all.json.lastSeq, il.history.lastSeq());
    assert.deepEqual(
      entries.map((e) => (e.type === 'note' ? `note ${e.tag}` : e.type === 'response' ? `${e.actor} ${e.verb} ${e.code}${e.injected ? ` ${e.injected.rule}` : ''}` : e.type === 'request' ? `request ${e.actor} ${e.verb}` : `${e.type} ${e.actor}`)),
      ['note rule', 'request b create', 'b create 503 fail-b', 'request b create', 'b create 201', 'request a get', 'a get 200'],
    );
    const since = await call('GET', '/racelab/v1/history?since=5');
    assert.deepEqual(
      (since.json.entries as HistoryEntry[]).map((e) => e.seq),
      [6, 7],
    );
    const rules = await call('GET', '/racelab/v1/rules');
    const [report] = rules.json.rules as RuleReport[];
    assert.deepEqual([report?.matched, report?.fired, report?.done], [1, 1, true]);
  });
});
