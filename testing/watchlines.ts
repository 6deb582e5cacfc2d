// Test support: a raw HTTP watch stream, its events parsed line by line as they arrive.
import assert from 'node:assert/strict';

export interface WatchLines {
  lines: { type: string; object: { metadata: { name?: string; resourceVersion?: string }; code?: number; reason?: string } }[];
  ended: boolean;
  abort(): void;
}

/** Opens `url` (a ?watch=true URL) and collects its events until aborted or ended. */
export async function openWatchLines(url: string): Promise<WatchLines> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  assert.equal(res.status, 200, `watch ${url}: ${res.status}`);
  const stream: WatchLines = { lines: [], ended: false, abort: () => ac.abort() };
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
          stream.lines.push(JSON.parse(buf.slice(0, nl)) as WatchLines['lines'][number]);
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
