// Requests on resources: one registry call per request, the result written once.
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { apiVersionOf } from '../api/kinds.ts';
import { badRequest, methodNotAllowedOnPath, pathNotFound, tooManyRequests } from '../machinery/errors.ts';
import { validateFieldManagerOption, validatePatchOptions } from '../registry/apply.ts';
import { RealClock, type Clock } from '../machinery/clock.ts';
import type { Random } from '../machinery/random.ts';
import { jsonOf } from '../machinery/json.ts';
import type { KubeObject } from '../machinery/object.ts';
import type { Registry } from '../registry/registry.ts';
import type { ListOutcome, ResourceStore } from '../registry/store.ts';
import { decodeBody, decodePatch } from './body.ts';
import { verbsOf } from './discovery.ts';
import type { ResourcePath } from './paths.ts';
import { handleScale } from './scale.ts';
import { handleExtraSubresource, handleReview } from './subresources.ts';
import { acceptedPatchTypes, patchFunction } from './patch.ts';
import { deleteOptions, isTrue, listQuery, writeOptions } from './query.ts';
import type { DeliveryItem, Interleaver, WatchInfo } from '../interleave/types.ts';
import { actorOf } from './actor.ts';
import { listChunkItems, reportOutcome, sendJson, sendList, toStatus, type ReplyMeta } from './respond.ts';
import { includeObjectFrom, tableFor, tableWatchEncoder, wantsTable, wantsTransform, type IncludeObject, type TableVersion } from './table.ts';
import { partialContentType, partialList, partialOf, partialWatchEncoder } from './partial.ts';
import { jsonEncoder, serveWatch, serveWatchError } from './watch.ts';

/** kube-apiserver's --min-request-timeout: a watch without timeoutSeconds lasts this × [1, 2). */
export const minRequestTimeoutMs = 1_800_000;
/** time.Duration's largest value (int64 nanoseconds, about 292 years), in milliseconds. */
export const maxWatchTimeoutMs = Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000) * 1000;

const transportClock = new RealClock();

export interface ResourceContext {
  registry: Registry;
  clock: Clock;
  random: Random;
  /** Holds or fails requests and watch deliveries, and records what happened. */
  interleaver?: Interleaver;
  /** Open watch streams, each with the function that ends it cleanly. */
  watches: Set<() => void>;
  /** Watch write coalescing window (ms). */
  watchCoalesceMs: number;
  /** Where cut-off watchers are reported. */
  logger?: Logger;
  /** Watchers cut off as too slow, per resource (apiserver_terminated_watchers_total). */
  terminatedWatchers: Map<string, number>;
  /** How long a cut-off watch stream may take to flush before its connection is closed. */
  slowWatcherGraceMs?: number;
  /** Lists of more than one chunk being written now. */
  inflightLargeLists: { count: number };
}

function metaOf(obj: KubeObject): ReplyMeta {
  return { resourceVersion: obj.metadata?.resourceVersion, name: obj.metadata?.name ?? (obj as { details?: { name?: string } }).details?.name };
}

function listHead(store: ResourceStore, out: ListOutcome): string {
  const meta: Record<string, unknown> = { resourceVersion: out.resourceVersion };
  if (out.continue) meta.continue = out.continue;
  if (out.remainingItemCount !== undefined) meta.remainingItemCount = out.remainingItemCount;
  return JSON.stringify({ kind: store.info.listKind, apiVersion: apiVersionOf(store.info), metadata: meta });
}

function listJson(store: ResourceStore, out: ListOutcome): string {
  // Items are stored snapshots: their JSON is cached and shared.
  return `${listHead(store, out).slice(0, -1)},"items":[${out.items.map((o) => jsonOf(o)).join(',')}]}`;
}

/**
 * Lists of more than one chunk being written at once (max-requests-inflight for them): beyond this many, a
 * large list gets 429 with Retry-After, so concurrent full lists of a large collection cannot exhaust memory.
 */
export const maxInflightLargeLists = 4;

export async function handleResource(ctx: ResourceContext, req: Request, res: Response, p: ResourcePath): Promise<void> {
  const store = ctx.registry.lookup(p.group, p.version, p.plural);
  if (!store) throw pathNotFound();
  const info = store.info;
  if (p.namespace !== undefined && !info.namespaced) throw pathNotFound();
  const ns = info.namespaced ? p.namespace : undefined;
  const q = new URL(req.originalUrl, 'http://x').searchParams;
  const raw = Buffer.isBuffer(req.body) ? (req.body as Buffer) : undefined;
  const method = req.method.toUpperCase();
  // installer.go: a namespaced resource without a namespace in the path is served for list and watch only.
  const allNamespaces = info.namespaced && p.namespace === undefined;
  if (allNamespaces && p.name !== undefined) throw pathNotFound();

  const isNamespace = info.kind === 'Namespace' && info.group === '';
  if (p.subresource === 'scale' && info.subresources.scale && p.name !== undefined) {
    if (!['GET', 'PUT', 'PATCH'].includes(method)) throw methodNotAllowedOnPath();
    const opts = { ...writeOptions(q, 'UpdateOptions'), userAgent: req.headers['user-agent'] };
    const scale = await handleScale(store, req, ns, p.name, raw, opts);
    sendJson(res, 200, scale, [], metaOf(scale));
    return;
  }
  if (info.verbs && !info.verbs.includes('get') && p.subresource === undefined) {
    if (p.name !== undefined) throw pathNotFound();
    handleReview(req, res, store, raw);
    return;
  }
  // namespaces/finalize is listed with the others but served by the update path below.
  if (p.subresource !== undefined && p.subresource !== 'finalize' && p.name !== undefined && info.subresources.extra?.some((x) => x.name === p.subresource)) {
    await handleExtraSubresource(ctx, req, res, store, ns, p.name, p.subresource, raw);
    return;
  }
  if (p.subresource !== undefined && p.subresource !== 'status' && !(p.subresource === 'finalize' && isNamespace)) throw pathNotFound();
  if (p.subresource === 'status' && !info.subresources.status) throw pathNotFound();
  if (p.subresource === 'finalize' && method !== 'PUT') throw methodNotAllowedOnPath();
  if (p.subresource === 'status' && !['GET', 'PUT', 'PATCH'].includes(method)) throw methodNotAllowedOnPath();

  if (p.name === undefined) {
    switch (method) {
      case 'GET': {
        const lq = listQuery(q);
        const table = tableRequest(req, q);
        if (isTrue(q.get('watch'))) {
          await startWatch(ctx, req, res, store, ns, q, table);
          return;
        }
        const out = await store.list(ns, lq);
        if (wantsPartial(req)) {
          const meta = { resourceVersion: out.resourceVersion, ...(out.continue ? { continue: out.continue } : {}), ...(out.remainingItemCount !== undefined ? { remainingItemCount: out.remainingItemCount } : {}) };
          sendTyped(res, partialContentType('PartialObjectMetadataList'), partialList(out.items, meta), out.resourceVersion);
          return;
        }
        // Only lists that take more than one chunk count (small ones are written at once).
        const big = out.items.length > listChunkItems;
        if (big && ctx.inflightLargeLists.count >= maxInflightLargeLists) throw tooManyRequests(1);
        if (big) ctx.inflightLargeLists.count++;
        try {
          if (table) {
            const t = tableFor(info, out.items, { ...out, includeObject: table.includeObject, now: ctx.clock.now(), version: table.version });
            sendTable(res, t, table.version);
            return;
          }
          await sendList(res, listHead(store, out), out.items.map((o) => jsonOf(o)), { resourceVersion: out.resourceVersion });
        } finally {
          if (big) ctx.inflightLargeLists.count--;
        }
        return;
      }
      case 'POST': {
        if (allNamespaces) throw methodNotAllowedOnPath();
        const body = decodeBody(raw, req.headers['content-type'], info);
        if (body === undefined) throw badRequest('the body of the request was empty');
        const out = await store.create(ns, body, { ...writeOptions(q, 'CreateOptions'), userAgent: req.headers['user-agent'] });
        sendJson(res, 201, jsonOf(out.object), out.warnings, metaOf(out.object));
        return;
      }
      case 'DELETE': {
        if (allNamespaces || !verbsOf(info).includes('deletecollection')) throw methodNotAllowedOnPath();
        const body = decodeBody(raw, req.headers['content-type'], info);
        const out = await store.deleteCollection(ns, listQuery(q), deleteOptions(q, body));
        sendJson(res, 200, listJson(store, out), [], { resourceVersion: out.resourceVersion });
        return;
      }
      default:
        throw methodNotAllowedOnPath();
    }
  }

  const name = p.name;
  const sub = p.subresource === 'status' || p.subresource === 'finalize' ? p.subresource : undefined;
  switch (method) {
    case 'GET': {
      const obj = await store.get(ns, name);
      if (wantsPartial(req)) {
        sendTyped(res, partialContentType('PartialObjectMetadata'), partialOf(obj), obj.metadata.resourceVersion);
        return;
      }
      const table = tableRequest(req, q);
      if (table) {
        sendTable(res, tableFor(info, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '', includeObject: table.includeObject, now: ctx.clock.now(), version: table.version }), table.version);
        return;
      }
      sendJson(res, 200, jsonOf(obj), [], metaOf(obj));
      return;
    }
    case 'PUT': {
      const body = decodeBody(raw, req.headers['content-type'], info);
      if (body === undefined) throw badRequest('the body of the request was empty');
      validateFieldManagerOption('UpdateOptions', q.get('fieldManager') ?? undefined);
      const out = await store.update(ns, name, body, { ...writeOptions(q, 'UpdateOptions'), userAgent: req.headers['user-agent'], subresource: sub });
      sendJson(res, 200, jsonOf(out.object), out.warnings, metaOf(out.object));
      return;
    }
    case 'PATCH': {
      if (sub === 'finalize') throw methodNotAllowedOnPath();
      const { type, body } = decodePatch(raw, req.headers['content-type'], acceptedPatchTypes(info));
      const opts = { ...writeOptions(q, 'PatchOptions'), userAgent: req.headers['user-agent'] };
      if (type === 'apply') {
        const applied = await store.apply(ns, name, body, { ...opts, subresource: sub === 'status' ? sub : undefined });
        sendJson(res, applied.created ? 201 : 200, jsonOf(applied.object), applied.warnings, metaOf(applied.object));
        return;
      }
      validatePatchOptions(opts, false);
      const out = await store.patch(ns, name, patchFunction(info, type, body), { ...opts, subresource: sub });
      sendJson(res, 200, jsonOf(out.object), out.warnings, metaOf(out.object));
      return;
    }
    case 'DELETE': {
      if (sub) throw methodNotAllowedOnPath();
      const body = decodeBody(raw, req.headers['content-type'], info);
      const out = await store.delete(ns, name, deleteOptions(q, body));
      sendJson(res, out.code, jsonOf(out.object as KubeObject), [], metaOf(out.object as KubeObject));
      return;
    }
    default:
      throw methodNotAllowedOnPath();
  }
}

function wantsPartial(req: Request): boolean {
  const t = wantsTransform(req.headers.accept);
  return t !== undefined && t.as !== 'Table';
}

function sendTyped(res: Response, contentType: string, body: object, resourceVersion: string | undefined): void {
  const text = JSON.stringify(body);
  res.statusCode = 200;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
  reportOutcome(res, 200, { resourceVersion });
}

interface TableRequest {
  version: TableVersion;
  includeObject: IncludeObject;
}

/** `as=Table` in the Accept header (kubectl get); includeObject is checked before anything starts. */
function tableRequest(req: Request, q: URLSearchParams): TableRequest | undefined {
  const t = wantsTable(req.headers.accept);
  return t ? { version: t.version, includeObject: includeObjectFrom(q) } : undefined;
}

function sendTable(res: Response, table: { metadata?: { resourceVersion?: string } }, version: TableVersion): void {
  res.status(200).type(`application/json;as=Table;v=${version};g=meta.k8s.io`).send(JSON.stringify(table));
  reportOutcome(res, 200, { resourceVersion: table.metadata?.resourceVersion });
}

async function startWatch(ctx: ResourceContext, req: Request, res: Response, store: ResourceStore, ns: string | undefined, q: URLSearchParams, table: TableRequest | undefined): Promise<void> {
  const lq = listQuery(q);
  // A name in the path is a legacy form; a fieldSelector on metadata.name is the normal one.
  const timeoutParam = q.get('timeoutSeconds');
  const seconds = timeoutParam !== null && timeoutParam !== '' ? Number(timeoutParam) : 0;
  if (!Number.isFinite(seconds) || seconds < 0) throw badRequest(`invalid timeoutSeconds: ${timeoutParam}`);
  // handlers/get.go: 0 (or absent) means minRequestTimeout × [1, 2); longer ones are capped at Go's longest Duration.
  const timeoutMs = seconds === 0 ? minRequestTimeoutMs * (1 + ctx.random.float()) : Math.min(seconds * 1000, maxWatchTimeoutMs);
  const watchInfo: WatchInfo = { actor: actorOf(req), group: store.info.group, version: store.info.version, resource: store.info.plural, namespace: ns, query: q };
  let watcher;
  try {
    watcher = await store.watch(ns, lq);
  } catch (e) {
    const status = toStatus(e);
    // Too old or too new revisions arrive as an ERROR event on an open stream, as the watch cache sends them.
    if (status.code === 410 || status.code === 504) {
      serveWatchError(res, status);
      reportOutcome(res, 200, { reason: status.reason });
      return;
    }
    throw e;
  }
  watchInfo.close = serveWatch(req, res, watcher, {
    clock: ctx.clock,
    transportClock,
    coalesceMs: ctx.watchCoalesceMs,
    timeoutMs,
    bookmarks: isTrue(q.get('allowWatchBookmarks')),
    encode: table
      ? tableWatchEncoder(store.info, { includeObject: table.includeObject, now: () => ctx.clock.now(), version: table.version })
      : wantsPartial(req)
        ? partialWatchEncoder
        : jsonEncoder({ kind: store.info.kind, apiVersion: apiVersionOf(store.info) }),
    deliver: ctx.interleaver ? (items, write) => (ctx.interleaver as Interleaver).deliver(watchInfo, items, write as (items: readonly DeliveryItem[]) => boolean) : undefined,
    onClose: ctx.interleaver?.watchClosed ? () => ctx.interleaver?.watchClosed?.(watchInfo) : undefined,
    cutGraceMs: ctx.slowWatcherGraceMs,
    onCut: (reason) => {
      const resource = store.info.group ? `${store.info.plural}.${store.info.group}` : store.info.plural;
      ctx.terminatedWatchers.set(resource, (ctx.terminatedWatchers.get(resource) ?? 0) + 1);
      ctx.logger?.warn({ actor: watchInfo.actor, resource, namespace: ns, reason }, 'watch stream cut off: the client is too slow');
    },
    watches: ctx.watches,
  });
  reportOutcome(res, 200, { resourceVersion: lq.resourceVersion });
}

