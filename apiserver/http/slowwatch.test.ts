// Findings 3 and 4 of issue 16: the initial events of a watch never count against the slow-watcher bound, and
// a watcher that falls behind the bound has its stream ended (so the client watches again), is logged with
// its actor and counted; one that never reads is disconnected.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { MemoryStorage } from '../storage/memory.ts';
import { testServer, type TestServer } from '../../testing/server.ts';
import { eventually } from '../../testing/eventually.ts';

interface Reader {
  lines: { type: string; object: { metadata: { name: string } } }[];
  ended: boolean;
  /** Starts reading (a watcher that stalled, then resumes). */
  resume(): void;
  abort(): void;
}

/** A watch whose body is read only once resume() is called. */
async function watch(s: TestServer, query: string, actor: string, reading = true): Promise<Reader> {
  const ac = new AbortController();
  const res = await s.fetch(`/api/v1/namespaces/default/configmaps?watch=true&${query}`, { signal: ac.signal, headers: { authorization: `Bearer ${actor}` } });
  assert.equal(res.status, 200);
  const r: Reader = { lines: [], ended: false, resume: () => undefined, abort: () => ac.abort() };
  const body = res.body as ReadableStream<Uint8Array>;
  const read = async (): Promise<void> => {
    const reader = body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          r.lines.push(JSON.parse(buf.slice(0, nl)) as Reader['lines'][number]);
          buf = buf.slice(nl + 1);
        }
      }
    } catch {
      // aborted or disconnected
    }
    r.ended = true;
  };
  if (reading) void read();
  else r.resume = () => void read();
  return r;
}

async function createMany(s: TestServer, n: number, dataBytes: number, prefix = 'cm'): Promise<void> {
  const data = { d: 'x'.repeat(dataBytes) };
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        s.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: `${prefix}-${i + j}` }, data }) }).then((r) => assert.equal(r.status, 201)),
      ),
    );
  }
}

async function terminated(s: TestServer): Promise<number> {
  const text = await (await s.fetch('/metrics')).text();
  const m = /apiserver_terminated_watchers_total\{resource="configmaps"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

function captureLogs(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

describe('watch buffers', () => {
  it('streams every initial event for resourceVersion unset and "0", however far beyond the bound', async (t) => {
    const s = await testServer(t, { storage: new MemoryStorage({ watcherBufferLimit: 20 }) });
    await createMany(s, 300, 10);
    let n = 300;
    for (const query of ['', 'resourceVersion=0']) {
      const w = await watch(s, query, 'initial');
      t.after(() => w.abort());
      await eventually(() => w.lines.length >= n || w.ended, 'the initial events');
      assert.equal(w.ended, false, 'the stream stays open');
      assert.deepEqual(new Set(w.lines.map((l) => l.type)), new Set(['ADDED']));
      assert.equal(new Set(w.lines.map((l) => l.object.metadata.name)).size, n);
      await createMany(s, 1, 10, `after${query ? '0' : ''}`);
      n++;
      await eventually(() => w.lines.length === n, 'the next event');
    }
    assert.equal(await terminated(s), 0);
  });

  it('ends the stream of a watcher that falls behind, logs its actor and counts it; the client watches again', async (t) => {
    const { logger, lines } = captureLogs();
    const s = await testServer(t, { storage: new MemoryStorage({ watcherBufferLimit: 20 }), logger });
    const rv = ((await (await s.fetch('/api/v1/namespaces/default/configmaps')).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const w = await watch(s, `resourceVersion=${rv}`, 'stalled-watcher', false);
    t.after(() => w.abort());
    // 100 KB objects: the socket's buffers fill long before the 200 events are written.
    await createMany(s, 200, 100_000);
    await eventually(async () => (await terminated(s)) === 1, 'the watcher to be cut off');
    w.resume();
    await eventually(() => w.ended, 'the stream to end');
    assert.ok(w.lines.length < 200, `a prefix of the events arrived (${w.lines.length})`);
    const names = w.lines.map((l) => l.object.metadata.name);
    assert.deepEqual(new Set(names).size, names.length, 'no duplicates');
    const cut = lines.find((l) => l.msg === 'watch stream cut off: the client is too slow');
    assert.equal(cut?.actor, 'stalled-watcher');
    assert.equal(cut?.resource, 'configmaps');
    // The client watches again from the last event it saw and gets the rest.
    const last = w.lines.at(-1) as { object: { metadata: { resourceVersion?: string } } } | undefined;
    const again = await watch(s, `resourceVersion=${last?.object.metadata.resourceVersion ?? rv}`, 'stalled-watcher');
    t.after(() => again.abort());
    await eventually(() => w.lines.length + again.lines.length >= 200, 'the remaining events');
    assert.equal(new Set([...names, ...again.lines.map((l) => l.object.metadata.name)]).size, 200);
  });

  it('disconnects a watcher that never reads once its bound is reached', async (t) => {
    const s = await testServer(t, { storage: new MemoryStorage({ watcherBufferLimit: 20 }), slowWatcherGraceMs: 0 });
    const rv = ((await (await s.fetch('/api/v1/namespaces/default/configmaps')).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const silent = await Promise.all([1, 2, 3].map((i) => watch(s, `resourceVersion=${rv}`, `silent-${i}`, false)));
    t.after(() => silent.forEach((w) => w.abort()));
    await createMany(s, 200, 100_000);
    await eventually(async () => (await terminated(s)) === 3, 'every silent watcher to be cut off');
    for (const w of silent) w.resume();
    await eventually(() => silent.every((w) => w.ended), 'their connections to close');
    assert.equal((await s.fetch('/readyz')).status, 200);
  });
});
