// The one place where results and errors become HTTP responses.
import type { Response } from 'express';
import { internalError, StatusError, type Status } from '../machinery/errors.ts';
import type { RequestOutcome } from '../interleave/types.ts';

export const jsonContentType = 'application/json';

/** What a reply says about the object it carries, for the interleaving layer's history. */
export interface ReplyMeta {
  resourceVersion?: string;
  name?: string;
  reason?: string;
}

type OutcomeSink = (outcome: RequestOutcome) => void;

/** Registers who hears the request's outcome (the interleaving layer); called once, at the first reply. */
export function onOutcome(res: Response, sink: OutcomeSink): void {
  res.locals.outcome = sink;
}

export function reportOutcome(res: Response, code: number, meta: ReplyMeta = {}): void {
  const sink = res.locals.outcome as OutcomeSink | undefined;
  if (!sink) return;
  res.locals.outcome = undefined;
  sink({ code, ...meta });
}

export function sendJson(res: Response, code: number, body: string | object, warnings: readonly string[] = [], meta?: ReplyMeta): void {
  if (warnings.length > 0) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', '));
  // Written directly: express's send() adds ETag and freshness work that API replies do not use.
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.statusCode = code;
  res.setHeader('Content-Type', jsonContentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
  reportOutcome(res, code, meta);
}

/** Items written per chunk of a list: big lists go out piece by piece, never as one string. */
export const listChunkItems = 500;

/**
 * A list reply written incrementally: the head, then the items in chunks, waiting for the socket to drain
 * between chunks, so a list of any size holds at most one chunk of text at a time.
 */
export async function sendList(res: Response, head: string, items: readonly string[], meta?: ReplyMeta): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', jsonContentType);
  const closed = (): boolean => res.destroyed || res.writableEnded;
  let ok = res.write(`${head.slice(0, -1)},"items":[`);
  for (let i = 0; i < items.length && !closed(); i += listChunkItems) {
    if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
    if (closed()) break;
    ok = res.write(`${i > 0 ? ',' : ''}${items.slice(i, i + listChunkItems).join(',')}`);
  }
  if (!closed()) res.end(']}');
  reportOutcome(res, 200, meta);
}

export function sendStatus(res: Response, status: Status): void {
  if (res.headersSent) {
    res.end();
    reportOutcome(res, status.code, { reason: status.reason });
    return;
  }
  if (status.details?.retryAfterSeconds) res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  sendJson(res, status.code, status, [], { reason: status.reason });
}

/** Turns any thrown value into a Status; never rethrows. */
export function toStatus(e: unknown): Status {
  if (e instanceof StatusError) return e.status;
  return internalError(e instanceof Error ? e.message : String(e)).status;
}
