// Finding 8 of issue 16: malformed percent-encodings are 400s, a watch's long timeoutSeconds does not end it
// at once, and lists after creates are in key order without a re-sort.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { testServer } from '../../testing/server.ts';
import { eventually } from '../../testing/eventually.ts';

it('answers malformed percent-encodings in a path with a 400 Status', async (t) => {
  const s = await testServer(t);
  for (const path of ['/api/v1/namespaces/%zz/configmaps', '/api/v1/namespaces/default/configmaps/%E0%A4%A', '/apis/%c0%80/v1/x', '/openapi/v3/%zz', '/racelab/v1/%']) {
    const res = await s.fetch(path);
    assert.equal(res.status, 400, path);
    const st = (await res.json()) as { kind: string; reason: string; code: number };
    assert.deepEqual([st.kind, st.reason, st.code], ['Status', 'BadRequest', 400], path);
  }
  assert.equal((await s.fetch('/readyz')).status, 200);
});

it('keeps a watch with a timeoutSeconds beyond the 32-bit timer limit open', async (t) => {
  const s = await testServer(t);
  const ac = new AbortController();
  t.after(() => ac.abort());
  const res = await s.fetch('/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2147484', { signal: ac.signal });
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  let ended = false;
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  const created = await s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'late' } }) });
  assert.equal(created.status, 201);
  await eventually(() => text.includes('"name":"late"') || ended, 'the event');
  assert.equal(ended, false, 'the stream is still open');
  assert.match(text, /"type":"ADDED"/);
});

it('lists keys in order after creates and deletes in any order', async (t) => {
  const s = await testServer(t);
  const names = ['m', 'b', 'z', 'a', 'q', 'c'];
  for (const name of names) {
    assert.equal((await s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name } }) })).status, 201);
  }
  assert.equal((await s.fetch('/api/v1/namespaces/default/configmaps/q', { method: 'DELETE' })).status, 200);
  const page = (await (await s.fetch('/api/v1/namespaces/default/configmaps?limit=2')).json()) as { items: { metadata: { name: string } }[]; metadata: { continue: string } };
  assert.deepEqual(page.items.map((i) => i.metadata.name), ['a', 'b']);
  const rest = (await (await s.fetch(`/api/v1/namespaces/default/configmaps?continue=${page.metadata.continue}`)).json()) as { items: { metadata: { name: string } }[] };
  assert.deepEqual(rest.items.map((i) => i.metadata.name), ['c', 'm', 'z']);
});

it('writes large lists incrementally and answers 429 with Retry-After beyond the bound of concurrent ones', async (t) => {
  const s = await testServer(t);
  const data = { d: 'x'.repeat(10_000) };
  for (let i = 0; i < 700; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: `cm-${i + j}` }, data }) }),
      ),
    );
  }
  // Four clients that do not read: their lists stay in flight, each waiting for its socket to drain.
  const stalled = await Promise.all([1, 2, 3, 4].map(async () => {
    const ac = new AbortController();
    const res = await s.fetch('/api/v1/configmaps', { signal: ac.signal });
    assert.equal(res.status, 200);
    return { ac, res };
  }));
  const refused = await s.fetch('/api/v1/configmaps');
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.deepEqual(await refused.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 });
  // A small list is never refused.
  assert.equal((await s.fetch('/api/v1/namespaces/default/configmaps?limit=10')).status, 200);
  // Once a stalled client reads its list to the end, the next large list is served.
  const first = (await (stalled[0] as (typeof stalled)[number]).res.json()) as { items: unknown[] };
  assert.equal(first.items.length, 700);
  await eventually(async () => (await s.fetch('/api/v1/configmaps?limit=600')).status === 200, 'a large list to be served again');
  for (const { ac } of stalled.slice(1)) ac.abort();
});
