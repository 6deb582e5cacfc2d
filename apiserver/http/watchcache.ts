// This server's watch cache (storage/cacher.ts), beside the Kubernetes API:
//   GET  /racelab/v1/watchcache                      {storeRevision, cacheRevision, lag, heldAt?, buffered, freshnessTimeoutMs}
//   POST /racelab/v1/watchcache/hold[?revision=N]    holds the cache at N (default: where it is) → the status
//   POST /racelab/v1/watchcache/release              lets it catch up → the status
// 404 on a server without a watch cache (the in-memory store serves every read itself). Holding makes
// this server serve stale lists and watches, as an API server whose cache lags behind etcd.
import express, { type NextFunction, type Request, type Response } from 'express';
import { badRequest, pathNotFound } from '../machinery/errors.ts';
import { Cacher } from '../storage/cacher.ts';
import type { Storage } from '../storage/interface.ts';
import { sendJson, sendStatus } from './respond.ts';

function revisionOf(req: Request): number | undefined {
  const q = new URL(req.originalUrl, 'http://x').searchParams.get('revision');
  if (q === null || q === '') return undefined;
  if (!/^\d+$/.test(q)) throw badRequest(`revision must be a non-negative integer, got ${JSON.stringify(q)}`);
  return Number(q);
}

export function watchCacheRoutes(storage: Storage): express.Router {
  const router = express.Router();
  const route = (fn: (req: Request, cache: Cacher) => void) => async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      if (!(storage instanceof Cacher)) {
        sendStatus(res, pathNotFound().status);
        return;
      }
      fn(req, storage);
      sendJson(res, 200, await storage.cacheStatus());
    } catch (e) {
      next(e);
    }
  };
  router.get('/racelab/v1/watchcache', route(() => undefined));
  router.post(
    '/racelab/v1/watchcache/hold',
    route((req, cache) => {
      const revision = revisionOf(req) ?? cache.revisionNow();
      if (revision < cache.revisionNow()) throw badRequest(`the watch cache is at ${cache.revisionNow()}: it cannot be held at ${revision}`);
      cache.hold(revision);
    }),
  );
  router.post('/racelab/v1/watchcache/release', route((_req, cache) => cache.release()));
  return router;
}
