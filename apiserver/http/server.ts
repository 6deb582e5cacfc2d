// The express adapter: routing, body decoding, version and health endpoints, discovery, and Status
// responses for every failure. Express is used only here.
import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { badRequest, pathNotFound, requestEntityTooLarge, type Status } from '../machinery/errors.ts';
import type { Clock } from '../machinery/clock.ts';
import type { Random } from '../machinery/random.ts';
import type { Registry } from '../registry/registry.ts';
import { aggregatedContentType, aggregatedDiscovery, discoveryETag, discoveryVersionFor } from './aggregated.ts';
import { apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import { parsePath } from './paths.ts';
import { handleResource, type ResourceContext } from './resources.ts';
import { onOutcome, sendJson, sendStatus, toStatus } from './respond.ts';
import type { RecordingInterleaver } from '../interleave/interleaver.ts';
import type { Interleaver } from '../interleave/types.ts';
import { racelabRoutes } from './racelab.ts';
import { watchCacheRoutes } from './watchcache.ts';
import { accessGuard, type AccessOptions } from './guard.ts';
import { requestInfo } from './requestinfo.ts';
import { watchCoalesceMs } from './watch.ts';
import { openapiV2Json, openapiV2Protobuf, openapiV2ProtobufType, wantsOpenapiV2Protobuf } from './openapiv2.ts';

/** The largest request body accepted (kube-apiserver's default for JSON). */
export const maxRequestBodyBytes = 3 * 1024 * 1024;

export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-racelab',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export interface ApiServerOptions {
  registry: Registry;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Holds or fails requests and watch deliveries, and records what happened (scenarios). */
  interleaver?: Interleaver;
  /** Watch write coalescing window; 0 for deterministic worlds. */
  watchCoalesceMs?: number;
  /** The recorder whose history and rules /racelab/v1 serves. */
  recorder?: RecordingInterleaver;
  /** How long a watch stream cut off as too slow may take to flush before its connection is closed. */
  slowWatcherGraceMs?: number;
  /** Host, Origin, token and media-type checks applied to every request. */
  access?: AccessOptions;
}

function asyncRoute(fn: (req: Request, res: Response) => Promise<void> | void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch(next);
  };
}

export interface App {
  app: express.Express;
  /** Ends every open watch stream cleanly, as a server restart or a load balancer would. */
  closeWatches(): number;
}

export function createApp(opts: ApiServerOptions): App {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  const ctx: ResourceContext = { registry: opts.registry, clock: opts.clock, random: opts.random, interleaver: opts.interleaver, watches: new Set(), watchCoalesceMs: opts.watchCoalesceMs ?? watchCoalesceMs, logger: opts.logger, terminatedWatchers: new Map(), slowWatcherGraceMs: opts.slowWatcherGraceMs, inflightLargeLists: { count: 0 } };

  app.use(accessGuard(opts.access ?? {}));
  app.use(express.raw({ type: () => true, limit: maxRequestBodyBytes }));

  // Resource requests first: they are nearly all the traffic, and need none of the routes below.
  app.use((req, res, next) => {
    const parsed = parsePath(req.path);
    if (parsed.type === 'resource') {
      const run = async (): Promise<void> => {
        if (opts.interleaver) onOutcome(res, await opts.interleaver.beginRequest(requestInfo(req, parsed.path)));
        await handleResource(ctx, req, res, parsed.path);
      };
      run().catch(next);
      return;
    }
    if (parsed.type === 'groupVersion' && req.method === 'GET') {
      const doc = apiResourceList(opts.registry.kinds(), parsed.group, parsed.version);
      if (doc) {
        sendJson(res, 200, doc);
        return;
      }
    }
    next();
  });

  const version = (_req: Request, res: Response): void => sendJson(res, 200, serverVersion);
  app.get(['/version', '/version/'], version);
  const ok = (_req: Request, res: Response): void => {
    res.status(200).type('text/plain').send('ok');
  };
  app.get(['/healthz', '/readyz', '/livez', '/healthz/*rest', '/readyz/*rest', '/livez/*rest'], ok);
  // The metrics racelab keeps, in the Prometheus text format under upstream's names.
  app.get('/metrics', (_req: Request, res: Response): void => {
    const lines = ['# HELP apiserver_terminated_watchers_total Counter of watchers closed due to unresponsiveness broken by resource type.', '# TYPE apiserver_terminated_watchers_total counter'];
    for (const [resource, n] of [...ctx.terminatedWatchers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) lines.push(`apiserver_terminated_watchers_total{resource="${resource}"} ${n}`);
    res.status(200).type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
  });

  // Discovery: aggregated (v2, v2beta1) when the Accept header asks for it, else the legacy documents.
  const discovery = (which: 'core' | 'apis') => (req: Request, res: Response): void => {
    res.setHeader('Vary', 'Accept');
    const v = discoveryVersionFor(req.headers.accept);
    if (!v) {
      sendJson(res, 200, which === 'core' ? apiVersions(req.headers.host ?? '') : apiGroupList(opts.registry.kinds()));
      return;
    }
    const doc = aggregatedDiscovery(opts.registry.kinds(), which, v);
    const etag = discoveryETag(doc);
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.status(200).setHeader('Content-Type', aggregatedContentType(v));
    res.send(JSON.stringify(doc));
  };
  app.get(['/api', '/api/'], discovery('core'));
  app.get(['/apis', '/apis/'], discovery('apis'));

  // OpenAPI v3: a root listing every group-version, and one document per group-version, cached by hash.
  // Loaded on first use: the schema documents are large and most clients never ask for them.
  const openapi = (): Promise<typeof import('./openapi.ts')> => import('./openapi.ts');
  app.get(
    ['/openapi/v3', '/openapi/v3/'],
    asyncRoute(async (_req, res) => sendJson(res, 200, (await openapi()).openapiRoot(opts.registry.kinds()))),
  );
  app.get('/openapi/v3/*rest', asyncRoute(async (req, res) => {
    const found = (await openapi()).openapiForPath(opts.registry.kinds(), req.path);
    if (!found) {
      sendStatus(res, pathNotFound().status);
      return;
    }
    if (req.query.hash === found.hash) res.setHeader('Cache-Control', 'public, immutable');
    res.setHeader('ETag', `"${found.hash}"`);
    sendJson(res, 200, found.doc);
  }));

  app.get(['/openapi/v2', '/openapi/v2/'], (req, res) => {
    if (!wantsOpenapiV2Protobuf(req.headers.accept)) {
      sendJson(res, 200, openapiV2Json());
      return;
    }
    const body = openapiV2Protobuf();
    res.status(200).setHeader('Content-Type', openapiV2ProtobufType);
    res.end(Buffer.from(body));
  });

  app.use(watchCacheRoutes(opts.registry.deps.storage));
  if (opts.recorder) app.use(racelabRoutes(opts.recorder));

  app.use(() => {
    throw pathNotFound();
  });

  // Every failure becomes a Status; the server keeps answering.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status: Status;
    const e = err as { type?: string; status?: number; limit?: number };
    if (e && e.type === 'entity.too.large') status = requestEntityTooLarge(`Request entity too large: limit is ${maxRequestBodyBytes}`).status;
    else if (e && typeof e.status === 'number' && e.status === 400 && e.type) status = badRequest(`the request body could not be read: ${e.type}`).status;
    // The router's own 400s, e.g. a path parameter with a malformed percent-encoding.
    else if (e && e.status === 400 && err instanceof Error) status = badRequest(err.message.slice(0, 200)).status;
    else status = toStatus(err);
    if (status.code >= 500) opts.logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    sendStatus(res, status);
  });
  const closeWatches = (): number => {
    const open = [...ctx.watches];
    for (const end of open) end();
    return open.length;
  };
  return { app, closeWatches };
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Listens on host:port (port 0: an ephemeral port), over TLS when a key and certificate are given, and resolves once the server answers. */
export function listen(app: express.Express, port: number, host: string, tls?: { key: string; cert: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, app) : createHttpServer(app);
    server.listen(port, host);
    server.keepAliveTimeout = 65_000;
    server.once('error', reject);
    server.once('listening', () => {
      const addr = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`,
        port: addr.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
