// A small typed client for controllers: get, list, create, update, updateStatus, patch (merge, json,
// strategic) and delete on any kind named by {group, version, plural, namespace?}, over HTTP through
// client-node's CustomObjectsApi. Failures with a Status body become ApiError (a StatusError, so `.code`,
// `.reason` and `.status` are the server's); isNotFound / isConflict / isAlreadyExists test for them.
//
// CustomObjectsApi builds `/apis/{group}/{version}/...` for every call; for the core group that is
// `/apis//v1/...`, so a per-call middleware rewrites it to `/api/v1/...`. Responses are deserialized as
// `any` by client-node, i.e. they are the server's JSON as is (timestamps stay strings).
//
// The per-call middleware is the Observable kind: the ObjectParamAPI passes call options to the
// Observable API unwrapped (gen/types/ObjectParamAPI.js), so a Promise middleware would fail there.
import * as k8s from '@kubernetes/client-node';
import { StatusError, type Status } from '../../apiserver/machinery/errors.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';

/** Where a kind's objects live: group ('' for core), version, plural, and a namespace for namespaced calls. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  /** Namespace of the call; omit for cluster-scoped kinds, or to list a namespaced kind across namespaces. */
  namespace?: string;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export const patchContentType: Readonly<Record<PatchType, string>> = {
  merge: k8s.PatchStrategy.MergePatch,
  json: k8s.PatchStrategy.JsonPatch,
  strategic: k8s.PatchStrategy.StrategicMergePatch,
};

export interface CallOptions {
  /** Aborts the request (client-node hands it to fetch). */
  signal?: AbortSignal;
}

export interface WriteOptions extends CallOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

export interface ListOptions extends CallOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface DeleteOptions extends CallOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface PatchOptions extends WriteOptions {
  subresource?: 'status';
}

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** A failed API call: the server's Status (or one made from the HTTP code when the body was not a Status). */
export class ApiError extends StatusError {
  constructor(
    status: Status,
    readonly verb: string,
    readonly path: string,
  ) {
    super(status);
    this.name = 'ApiError';
  }
}

export function reasonOf(e: unknown): string | undefined {
  return e instanceof StatusError ? e.status.reason : undefined;
}

export function codeOf(e: unknown): number | undefined {
  return e instanceof StatusError ? e.status.code : undefined;
}

export const isNotFound = (e: unknown): boolean => reasonOf(e) === 'NotFound';
export const isConflict = (e: unknown): boolean => reasonOf(e) === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => reasonOf(e) === 'AlreadyExists';
export const isGone = (e: unknown): boolean => codeOf(e) === 410;
export const isInvalid = (e: unknown): boolean => reasonOf(e) === 'Invalid';

const reasonsByCode: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The Status inside a client-node ApiException; undefined for anything else (network errors, aborts). */
export function statusFromException(e: unknown): Status | undefined {
  if (!(e instanceof k8s.ApiException)) return undefined;
  const code = e.code;
  const raw: unknown = e.body;
  let parsed: unknown = raw;
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
  }
  const body = parsed as Partial<Status> | undefined;
  if (body && typeof body === 'object' && body.kind === 'Status') {
    return { ...body, kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: body.code ?? code } as Status;
  }
  const message = typeof raw === 'string' && raw !== '' ? raw : `the server responded with HTTP ${code}`;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: reasonsByCode[code] ?? 'Unknown', code };
}

function observable<T>(v: T): k8s.Observable<T> {
  return new k8s.Observable(Promise.resolve(v));
}

/** The typed client. One per actor; safe to share between controllers. */
export class KubeClient {
  private readonly api: k8s.CustomObjectsApi;
  private pending = 0;

  constructor(readonly kc: k8s.KubeConfig) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  /** Requests sent and not yet answered (a quiescence hook). */
  inFlight(): number {
    return this.pending;
  }

  idle(): boolean {
    return this.pending === 0;
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, opts: CallOptions = {}): Promise<T> {
    const { group, version, plural, namespace } = ref;
    return this.call('GET', ref, name, opts, undefined, (o) =>
      namespace === undefined
        ? this.api.getClusterCustomObject({ group, version, plural, name }, o)
        : this.api.getNamespacedCustomObject({ group, version, namespace, plural, name }, o),
    );
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    const { group, version, plural, namespace } = ref;
    const q = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      _continue: opts.continue,
      resourceVersion: opts.resourceVersion,
      resourceVersionMatch: opts.resourceVersionMatch,
    };
    return this.call('LIST', ref, undefined, opts, undefined, (o) =>
      namespace === undefined
        ? this.api.listClusterCustomObject({ group, version, plural, ...q }, o)
        : this.api.listNamespacedCustomObject({ group, version, namespace, plural, ...q }, o),
    );
  }

  /** POST. The namespace is ref.namespace, else the object's. */
  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    const { group, version, plural } = ref;
    const namespace = ref.namespace ?? obj.metadata.namespace;
    const w = writeParams(opts);
    return this.call('POST', { ...ref, namespace }, undefined, opts, undefined, (o) =>
      namespace === undefined
        ? this.api.createClusterCustomObject({ group, version, plural, body: obj, ...w }, o)
        : this.api.createNamespacedCustomObject({ group, version, namespace, plural, body: obj, ...w }, o),
    );
  }

  /** PUT of the whole object; a stale metadata.resourceVersion gets 409 Conflict. */
  async update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.replace(ref, obj, opts, false);
  }

  /** PUT of the status subresource. */
  async updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.replace(ref, obj, opts, true);
  }

  /** PATCH with the given patch type (default: JSON merge patch, which never conflicts without a resourceVersion). */
  async patch<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, body: unknown, type: PatchType = 'merge', opts: PatchOptions = {}): Promise<T> {
    const { group, version, plural, namespace } = ref;
    const w = writeParams(opts);
    const status = opts.subresource === 'status';
    return this.call('PATCH', ref, name, opts, patchContentType[type], (o) => {
      if (namespace === undefined) {
        const p = { group, version, plural, name, body, ...w };
        return status ? this.api.patchClusterCustomObjectStatus(p, o) : this.api.patchClusterCustomObject(p, o);
      }
      const p = { group, version, namespace, plural, name, body, ...w };
      return status ? this.api.patchNamespacedCustomObjectStatus(p, o) : this.api.patchNamespacedCustomObject(p, o);
    });
  }

  /** DELETE. Resolves with what the server answered: the object (finalizers pending, or deleted) or a Status. */
  async delete(ref: ResourceRef, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    const { group, version, plural, namespace } = ref;
    const q = {
      gracePeriodSeconds: opts.gracePeriodSeconds,
      propagationPolicy: opts.propagationPolicy,
      dryRun: opts.dryRun ? 'All' : undefined,
      body: opts.preconditions ? { preconditions: opts.preconditions } : undefined,
    };
    return this.call('DELETE', ref, name, opts, undefined, (o) =>
      namespace === undefined
        ? this.api.deleteClusterCustomObject({ group, version, plural, name, ...q }, o)
        : this.api.deleteNamespacedCustomObject({ group, version, namespace, plural, name, ...q }, o),
    );
  }

  /**
   * POST to an object's subresource (pods/binding, pods/eviction): the body is sent as it is and the
   * server's answer (usually a Status) returned.
   */
  async createSubresource<R = unknown>(ref: ResourceRef, name: string, subresource: string, body: object, opts: WriteOptions = {}): Promise<R> {
    const { group, version, plural, namespace } = ref;
    if (namespace === undefined) throw new TypeError('createSubresource: a namespaced ref is required');
    const w = writeParams(opts);
    const collection = resourcePath({ ...ref, group: '' }).replace(/^\/api\/[^/]+/, '');
    const target = `${collection}/${encodeURIComponent(name)}/${subresource}`;
    return this.call('POST', ref, `${name}/${subresource}`, opts, undefined, (o) => this.api.createNamespacedCustomObject({ group, version, namespace, plural, body, ...w }, o), (url) => url.replace(collection, target));
  }

  private async replace<T extends KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions, status: boolean): Promise<T> {
    const { group, version, plural } = ref;
    const namespace = ref.namespace ?? obj.metadata.namespace;
    const name = obj.metadata.name;
    if (!name) throw new TypeError('update: metadata.name is required');
    const w = writeParams(opts);
    return this.call('PUT', { ...ref, namespace }, name, opts, undefined, (o) => {
      if (namespace === undefined) {
        const p = { group, version, plural, name, body: obj, ...w };
        return status ? this.api.replaceClusterCustomObjectStatus(p, o) : this.api.replaceClusterCustomObject(p, o);
      }
      const p = { group, version, namespace, plural, name, body: obj, ...w };
      return status ? this.api.replaceNamespacedCustomObjectStatus(p, o) : this.api.replaceNamespacedCustomObject(p, o);
    });
  }

  private async call<R>(
    verb: string,
    ref: ResourceRef,
    name: string | undefined,
    opts: CallOptions,
    contentType: string | undefined,
    send: (options: k8s.ConfigurationOptions) => Promise<unknown>,
    rewrite?: (url: string) => string,
  ): Promise<R> {
    const core = ref.group === '';
    const middleware: k8s.ObservableMiddleware = {
      pre: (ctx) => {
        if (core) ctx.setUrl(ctx.getUrl().replace('/apis//', '/api/'));
        if (rewrite) ctx.setUrl(rewrite(ctx.getUrl()));
        if (contentType) ctx.setHeaderParam('Content-Type', contentType);
        if (opts.signal) ctx.setSignal(opts.signal);
        return observable(ctx);
      },
      post: (rsp) => observable(rsp),
    };
    this.pending++;
    try {
      return (await send({ middleware: [middleware], middlewareMergeStrategy: 'append' })) as R;
    } catch (e) {
      const status = statusFromException(e);
      if (status) throw new ApiError(status, verb, resourcePath(ref, name));
      throw e;
    } finally {
      this.pending--;
    }
  }
}

function writeParams(opts: WriteOptions): { dryRun?: string; fieldManager?: string } {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager };
}

/** The REST path of a collection or an object: `/api/v1/namespaces/ns/configmaps[/name]`. */
export function resourcePath(ref: ResourceRef, name?: string): string {
  const root = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespace !== undefined ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `${root}${ns}/${ref.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;
}
