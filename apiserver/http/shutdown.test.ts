// Finding 8 of issue 16 (SIGTERM): a graceful shutdown stops accepting, ends watch streams cleanly and lets
// the request in flight finish with its answer instead of resetting it.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { never } from '../interleave/conditions.ts';
import { testServer } from '../../testing/server.ts';
import { eventually } from '../../testing/eventually.ts';

it('drains in-flight requests and ends watches cleanly on shutdown', async (t) => {
  const clock = new FakeClock();
  const s = await testServer(t, { clock });
  const ac = new AbortController();
  t.after(() => ac.abort());
  const watch = await s.fetch('/api/v1/namespaces/default/configmaps?watch=true', { signal: ac.signal });
  const reader = (watch.body as ReadableStream<Uint8Array>).getReader();
  let watchEnd: 'clean' | 'error' | undefined;
  void (async () => {
    try {
      for (;;) if ((await reader.read()).done) break;
      watchEnd = 'clean';
    } catch {
      watchEnd = 'error';
    }
  })();
  s.recorder.holdRequest({ name: 'slow-create', match: { verb: 'create', resource: 'configmaps' }, until: never(), boundMs: 1000 });
  const create = s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'inflight' } }) });
  await eventually(() => s.recorder.held().length === 1, 'the create to be held');

  let stopped = false;
  const stopping = s.shutdown(60_000).then(() => (stopped = true));
  await eventually(() => watchEnd !== undefined, 'the watch stream to end');
  assert.equal(watchEnd, 'clean', 'the watch ended with its last chunk, not a reset');
  await assert.rejects(fetch(`${s.url}/readyz`), 'new connections are refused');
  assert.equal(stopped, false, 'the shutdown waits for the request in flight');

  clock.step(1000); // the hold's bound releases the create
  const res = await create;
  assert.equal(res.status, 201, 'the request in flight got its answer');
  assert.equal(((await res.json()) as { metadata: { name: string } }).metadata.name, 'inflight');
  await stopping;
  assert.equal(await s.storage.get('/core/configmaps/default/inflight').then((o) => o?.metadata.name), 'inflight');
});
