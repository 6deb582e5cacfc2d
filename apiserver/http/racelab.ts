// racelab's own API beside the Kubernetes one: the recorded history and the interleaving rules.
//   GET    /racelab/v1/history[?since=SEQ]   {dropped, lastSeq, entries}
//   GET    /racelab/v1/rules                 {rules: [...]}
//   POST   /racelab/v1/rules                 a rule in its JSON form → 201 with its report
//   DELETE /racelab/v1/rules/NAME            → 200 with its last report, 404 when there is none
//   DELETE /racelab/v1/rules                 → 200 {removed: N}
// Failures are Kubernetes Status objects, like every other reply of the server.
import express, { type NextFunction, type Request, type Response } from 'express';
import { badRequest, notFound, pathNotFound, requestEntityTooLarge } from '../machinery/errors.ts';
import type { RecordingInterleaver } from '../interleave/interleaver.ts';
import { ruleFromJson } from '../interleave/rules.ts';
import { sendJson, sendStatus, toStatus } from './respond.ts';

/** The largest rule accepted, in bytes. */
export const racelabBodyLimitBytes = 1024 * 1024;

const rulesResource = { group: 'racelab.dev', resource: 'rules' };

function jsonBody(req: Request): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : typeof req.body === 'string' ? req.body : undefined;
  if (raw === undefined || raw.trim() === '') {
    if (req.body !== undefined && !Buffer.isBuffer(req.body) && typeof req.body === 'object') return req.body;
    throw badRequest('the body of the request was empty');
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw badRequest(`the body of the request is not JSON: ${(e as Error).message}`);
  }
}

function sinceOf(req: Request): number {
  const q = new URL(req.originalUrl, 'http://x').searchParams.get('since');
  if (q === null || q === '') return 0;
  if (!/^\d+$/.test(q)) throw badRequest(`since must be a non-negative integer (a seq), got ${JSON.stringify(q)}`);
  return Number(q);
}

function route(fn: (req: Request, res: Response) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      fn(req, res);
    } catch (e) {
      next(e);
    }
  };
}

export function racelabRoutes(interleaver: RecordingInterleaver): express.Router {
  const router = express.Router();
  // A no-op when the application read the body already.
  router.use('/racelab', express.raw({ type: () => true, limit: racelabBodyLimitBytes }));

  router.get(
    '/racelab/v1/history',
    route((req, res) => {
      const since = sinceOf(req);
      const h = interleaver.history;
      sendJson(res, 200, { dropped: h.dropped, lastSeq: h.lastSeq(), entries: h.since(since) });
    }),
  );

  router.get(
    '/racelab/v1/rules',
    route((_req, res) => sendJson(res, 200, { rules: interleaver.rules.list() })),
  );

  router.post(
    '/racelab/v1/rules',
    route((req, res) => {
      const report = interleaver.install(ruleFromJson(jsonBody(req)));
      sendJson(res, 201, report);
    }),
  );

  router.delete(
    '/racelab/v1/rules/:name',
    route((req, res) => {
      const name = String(req.params.name);
      const report = interleaver.rules.remove(name);
      if (!report) throw notFound(rulesResource, name);
      sendJson(res, 200, report);
    }),
  );

  router.delete(
    '/racelab/v1/rules',
    route((_req, res) => sendJson(res, 200, { removed: interleaver.rules.clear() })),
  );

  // Any other method or path under /racelab/v1: a 404 Status.
  router.all(
    '/racelab/*rest',
    route(() => {
      throw pathNotFound();
    }),
  );

  router.use('/racelab', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number } | undefined;
    if (e && e.type === 'entity.too.large') sendStatus(res, requestEntityTooLarge(`Request entity too large: limit is ${racelabBodyLimitBytes}`).status);
    else if (e && e.status === 400 && e.type) sendStatus(res, badRequest(`the request body could not be read: ${e.type}`).status);
    // The router's own 400s, e.g. a path parameter with a malformed percent-encoding.
    else if (e && e.status === 400 && err instanceof Error) sendStatus(res, badRequest(err.message.slice(0, 200)).status);
    else sendStatus(res, toStatus(err));
  });
  return router;
}
