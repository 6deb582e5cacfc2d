// The one place where results and errors become HTTP responses.
import type { Response } from 'express';
import { internalError, StatusError, type Status } from '../machinery/errors.ts';

export const jsonContentType = 'application/json';

export function sendJson(res: Response, code: number, body: string | object, warnings: readonly string[] = []): void {
  if (warnings.length > 0) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', '));
  res.status(code).type(jsonContentType).send(typeof body === 'string' ? body : JSON.stringify(body));
}

export function sendStatus(res: Response, status: Status): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (status.details?.retryAfterSeconds) res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  sendJson(res, status.code, status);
}

/** Turns any thrown value into a Status; never rethrows. */
export function toStatus(e: unknown): Status {
  if (e instanceof StatusError) return e.status;
  return internalError(e instanceof Error ? e.message : String(e)).status;
}
