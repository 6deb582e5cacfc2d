// Watch streams: headers flushed at once, one JSON event per line, timeoutSeconds honoured, bookmarks on
// request, disconnects detected on the response, and too-old revisions answered with an ERROR event.
import type { Request, Response } from 'express';
import type { Clock, TimerHandle } from '../machinery/clock.ts';
import { jsonOf } from '../machinery/json.ts';
import type { Status } from '../machinery/errors.ts';
import type { StorageWatcher, WatchItem } from '../storage/interface.ts';

/** The real server's bookmark cadence (cacher.go) and the lead before the deadline (cache_watcher.go). */
export const bookmarkIntervalMs = 60_000;
export const bookmarkBeforeDeadlineMs = 2_000;

/**
 * A stream that wrote less than this long ago waits out the rest before writing again, so a burst of
 * events goes out in one write instead of one system call per event per watcher.
 */
export const watchCoalesceMs = 2;

/**
 * How long a stream cut off as too slow may take to hand its last buffered events to the client before its
 * connection is closed: a client that reads gets them and the end of the stream, one that never reads is
 * disconnected.
 */
export const slowWatcherGraceMs = 10_000;

/** Encodes one item as a line; a watch of Tables uses its own. */
export type WatchEncoder = (item: WatchItem) => string;

export function jsonEncoder(bookmarkKind: { kind: string; apiVersion: string }): WatchEncoder {
  return (item) => {
    if (item.type === 'BOOKMARK') {
      return `{"type":"BOOKMARK","object":${JSON.stringify({ kind: bookmarkKind.kind, apiVersion: bookmarkKind.apiVersion, metadata: { resourceVersion: String(item.revision) } })}}\n`;
    }
    return `{"type":"${item.type}","object":${jsonOf(item.object as object)}}\n`;
  };
}

export function errorEventLine(status: Status): string {
  return `${JSON.stringify({ type: 'ERROR', object: status })}\n`;
}

function startStream(res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
}

/** A watch that fails before it starts: 200, one ERROR event, close (cacher.go errWatcher). */
export function serveWatchError(res: Response, status: Status): void {
  startStream(res);
  res.end(errorEventLine(status));
}

export interface WatchServeOptions {
  clock: Clock;
  /** Real time for write coalescing: a transport detail, never simulated. */
  transportClock: Clock;
  /** Coalescing window; 0 writes every batch at once (deterministic worlds). */
  coalesceMs: number;
  timeoutMs: number;
  bookmarks: boolean;
  encode: WatchEncoder;
  /** Hands items to the wire; the interleaving layer may hold some back. Defaults to writing at once. */
  deliver?: (items: readonly WatchItem[], write: (items: readonly WatchItem[]) => boolean) => Promise<boolean> | boolean;
  onClose?: () => void;
  /** Told when the storage watcher cut the stream off (too slow), with the store's reason. */
  onCut?: (reason: string) => void;
  /** How long a cut stream may take to flush before its connection is closed; slowWatcherGraceMs by default. */
  cutGraceMs?: number;
  /** Where the stream registers its clean end while it is open. */
  watches?: Set<() => void>;
}

/** Serves the stream; returns the function that ends it. */
export function serveWatch(req: Request, res: Response, watcher: StorageWatcher, opts: WatchServeOptions): () => void {
  startStream(res);
  const timers: TimerHandle[] = [];
  let finished = false;
  let drained: (() => void) | undefined;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    for (const t of timers) t.cancel();
    watcher.stop();
    if (!res.writableEnded) res.end();
    drained?.();
    opts.watches?.delete(finish);
    opts.onClose?.();
  };
  opts.watches?.add(finish);
  res.on('close', finish);
  req.socket.on('error', finish);
  // cache_watcher.go: a watcher whose buffer overflowed is closed, and the client sees its stream end (and
  // watches again from its last resourceVersion). Ended at once, even while the pump waits for the socket.
  watcher.whenClosed?.(() => {
    const reason = watcher.closeReason;
    if (reason === undefined || finished) return;
    opts.onCut?.(reason);
    finish();
    if (!res.writableFinished) {
      const t = opts.transportClock.setTimer(opts.cutGraceMs ?? slowWatcherGraceMs, () => res.destroy());
      res.once('finish', () => t.cancel()).once('close', () => t.cancel());
    }
  });
  timers.push(opts.clock.setTimer(opts.timeoutMs, finish));
  if (opts.bookmarks) {
    const tick = (): void => {
      watcher.requestBookmark();
      timers.push(opts.clock.setTimer(bookmarkIntervalMs, tick));
    };
    timers.push(opts.clock.setTimer(Math.min(bookmarkIntervalMs, Math.max(0, opts.timeoutMs - bookmarkBeforeDeadlineMs)), tick));
  }
  const write = (items: readonly WatchItem[]): boolean => {
    let chunk = '';
    for (const it of items) chunk += opts.encode(it);
    return chunk.length === 0 || res.write(chunk);
  };
  let lastWrite = -Infinity;
  const pump = async (): Promise<void> => {
    while (!finished) {
      const since = opts.transportClock.now() - lastWrite;
      if (since < opts.coalesceMs) await opts.transportClock.sleep(opts.coalesceMs - since);
      if (finished) break;
      const items = watcher.take();
      if (items.length > 0) {
        lastWrite = opts.transportClock.now();
        const ok = opts.deliver ? await opts.deliver(items, write) : write(items);
        if (!ok && !finished) {
          await new Promise<void>((resolve) => {
            drained = resolve;
            res.once('drain', resolve).once('close', resolve);
          });
          drained = undefined;
        }
        continue;
      }
      if (watcher.closed) break;
      await new Promise<void>((resolve) => watcher.whenReady(resolve));
    }
    finish();
  };
  void pump().catch(finish);
  return finish;
}
