// Watch streams over HTTP: headers at once, one event per line, bookmarks and timeoutSeconds on the
// server's Clock, 410 as an ERROR event; and the request body limit.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { testServer, type TestServer } from '../../testing/server.ts';
import { eventually } from '../../testing/eventually.ts';

interface Stream {
  lines: unknown[];
  ended: boolean;
  abort(): void;
}

async function openWatch(s: TestServer, query: string): Promise<Stream> {
  const ac = new AbortController();
  const res = await s.fetch(`/api/v1/namespaces/default/configmaps?watch=true&${query}`, { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const stream: Stream = { lines: [], ended: false, abort: () => ac.abort() };
  const reader = res.body?.getReader();
  const dec = new TextDecoder();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          stream.lines.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
      }
    } catch {
      // aborted
    }
    stream.ended = true;
  })();
  return stream;
}

it('sends bookmarks when asked, and ends the stream after timeoutSeconds of the server Clock', async (t) => {
  const clock = new FakeClock();
  const s = await testServer(t, { clock });
  const rv = ((await (await s.fetch('/api/v1/namespaces/default/configmaps')).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const w = await openWatch(s, `resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=150`);
  t.after(() => w.abort());
  await s.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  await eventually(() => w.lines.length === 1, 'the ADDED event');
  clock.step(60_000);
  await eventually(() => w.lines.length === 2, 'a bookmark after a minute');
  assert.deepEqual(w.lines[1], { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(Number(rv) + 1) } } });
  assert.equal(w.ended, false);
  clock.step(90_000);
  await eventually(() => w.ended, 'the stream to end at the timeout');
});

it('answers a watch from a compacted resourceVersion with one 410 ERROR event, then closes', async (t) => {
  const s = await testServer(t, { watchHistory: 2 });
  for (let i = 0; i < 5; i++) await s.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `c${i}` } } });
  const w = await openWatch(s, 'resourceVersion=1');
  await eventually(() => w.ended, 'the stream to close');
  assert.equal(w.lines.length, 1);
  const ev = w.lines[0] as { type: string; object: { kind: string; code: number; reason: string; message: string } };
  assert.equal(ev.type, 'ERROR');
  assert.equal(ev.object.kind, 'Status');
  assert.equal(ev.object.code, 410);
  assert.equal(ev.object.reason, 'Expired');
  assert.match(ev.object.message, /^too old resource version: 1 \(\d+\)$/);
});

it('refuses a body over 3 MiB with a 413 Status and keeps serving', async (t) => {
  const s = await testServer(t);
  const big = JSON.stringify({ metadata: { name: 'big' }, data: { x: 'a'.repeat(3 * 1024 * 1024 + 10) } });
  const res = await s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
  assert.equal(res.status, 413);
  const st = (await res.json()) as { kind: string; reason: string; code: number };
  assert.deepEqual([st.kind, st.reason, st.code], ['Status', 'RequestEntityTooLarge', 413]);
  assert.equal((await s.fetch('/readyz')).status, 200);
});

it('accepts a PUT with no Content-Type and a DELETE with an empty JSON body', async (t) => {
  const s = await testServer(t);
  const cm = await s.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'n' } } });
  // A Buffer body: fetch adds no Content-Type (a string body would be text/plain, which is 415).
  const put = await s.fetch('/api/v1/namespaces/default/configmaps/n', { method: 'PUT', body: Buffer.from(JSON.stringify({ ...cm, data: { a: '1' } })) });
  assert.equal(put.status, 200);
  const del = await s.fetch('/api/v1/namespaces/default/configmaps/n', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
  assert.equal(del.status, 200);
});
