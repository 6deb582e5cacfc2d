// Subresources beyond status and scale: pods/binding, pods/eviction (honouring PodDisruptionBudgets),
// serviceaccounts/token, and the streaming ones (pods/log, exec, attach, portforward, proxy; services and
// nodes proxy), which answer a Status saying there is no container runtime. Reviews (create-only kinds
// such as SelfSubjectAccessReview) are answered here too, never stored.
import type { Request, Response } from 'express';
import { apiVersionOf } from '../api/kinds.ts';
import { rfc3339Seconds, type Clock } from '../machinery/clock.ts';
import { badRequest, conflict, methodNotAllowedOnPath, StatusError, successStatus, type Status } from '../machinery/errors.ts';
import { labelSelectorFromMeta } from '../machinery/labels.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import type { Random } from '../machinery/random.ts';
import type { Registry } from '../registry/registry.ts';
import type { ResourceStore } from '../registry/store.ts';
import { actorOf } from './actor.ts';
import { decodeBody } from './body.ts';
import { deleteOptions, listQuery, writeOptions } from './query.ts';
import { sendJson } from './respond.ts';

export interface SubresourceContext {
  registry: Registry;
  clock: Clock;
  random: Random;
}

const streams = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

function failure(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** pods/log and friends need a kubelet and a container runtime, which racelab does not have. */
function noRuntime(resource: string, sub: string, name: string): StatusError {
  return failure(503, 'ServiceUnavailable', `racelab has no container runtime: ${resource}/${sub} of "${name}" cannot be served (there is no kubelet to stream logs, exec, attach, port-forward or proxy)`);
}

function bodyOf(req: Request, raw: Buffer | undefined): Record<string, unknown> {
  const body = decodeBody(raw, req.headers['content-type'], { builtin: true });
  if (!isObject(body)) throw badRequest('the body of the request was empty');
  return body;
}

export async function handleExtraSubresource(ctx: SubresourceContext, req: Request, res: Response, store: ResourceStore, ns: string | undefined, name: string, sub: string, raw: Buffer | undefined): Promise<void> {
  const info = store.info;
  const method = req.method.toUpperCase();
  const extra = info.subresources.extra?.find((x) => x.name === sub);
  const verb = method === 'POST' ? 'create' : method === 'GET' ? 'get' : method === 'PUT' ? 'update' : method.toLowerCase();
  if (!extra || !extra.verbs.includes(verb)) throw methodNotAllowedOnPath();
  const obj = await store.get(ns, name);
  if (streams.has(sub)) throw noRuntime(info.plural, sub, name);
  const q = new URL(req.originalUrl, 'http://x').searchParams;
  if (info.kind === 'Pod' && sub === 'binding') return bind(res, store, obj, bodyOf(req, raw), q);
  if (info.kind === 'Pod' && sub === 'eviction') return evict(ctx, res, store, obj, bodyOf(req, raw));
  if (info.kind === 'ServiceAccount' && sub === 'token') return token(ctx, res, obj, bodyOf(req, raw));
  throw methodNotAllowedOnPath();
}

/** pods/binding (pkg/registry/core/pod/storage/storage.go BindingREST.assignPod). */
async function bind(res: Response, store: ResourceStore, pod: KubeObject, body: Record<string, unknown>, q: URLSearchParams): Promise<void> {
  const target = isObject(body.target) ? body.target : {};
  const node = typeof target.name === 'string' ? target.name : '';
  const name = pod.metadata.name ?? '';
  if (node === '') throw failure(422, 'Invalid', `Binding.meta.k8s.io "${name}" is invalid: target.name: Required value`);
  await store.patch(pod.metadata.namespace, name, (cur) => {
    const spec = isObject(cur.spec) ? cur.spec : {};
    if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
      throw conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    }
    return { ...cur, spec: { ...spec, nodeName: node } };
  }, { ...writeOptions(q, 'UpdateOptions'), subresource: 'binding' });
  sendJson(res, 201, { ...successStatus({}), code: 201 });
}

function podHealthy(p: KubeObject): boolean {
  const status = isObject(p.status) ? p.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return !p.metadata.deletionTimestamp && status.phase === 'Running' && conditions.some((c) => isObject(c) && c.type === 'Ready' && c.status === 'True');
}

/** How many pods a PDB needs healthy: minAvailable, or the expected count less maxUnavailable (pkg/controller/disruption). */
function desiredHealthy(spec: Record<string, unknown>, expected: number): number {
  const scaled = (v: unknown, roundUp: boolean): number => {
    if (typeof v === 'number') return v;
    const pct = Number(String(v).replace(/%$/, ''));
    const n = (pct * expected) / 100;
    return roundUp ? Math.ceil(n) : Math.floor(n);
  };
  if (spec.minAvailable !== undefined) return scaled(spec.minAvailable, true);
  if (spec.maxUnavailable !== undefined) return Math.max(0, expected - scaled(spec.maxUnavailable, true));
  return expected;
}

/**
 * pods/eviction (pkg/registry/core/pod/storage/eviction.go): a pod that a PodDisruptionBudget covers is
 * deleted only when the budget allows one more disruption; there is no disruption controller, so the
 * budget is worked out from the pods at the time of the request.
 */
async function evict(ctx: SubresourceContext, res: Response, podStore: ResourceStore, pod: KubeObject, body: Record<string, unknown>): Promise<void> {
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name ?? '';
  const phase = isObject(pod.status) ? pod.status.phase : undefined;
  const terminal = phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
  const pdbs = ctx.registry.lookup('policy', 'v1', 'poddisruptionbudgets');
  if (!terminal && pdbs) {
    const budgets = (await pdbs.list(ns, listQuery(new URLSearchParams()))).items.filter((b) => {
      const spec = isObject(b.spec) ? b.spec : {};
      return labelSelectorFromMeta(spec.selector as Parameters<typeof labelSelectorFromMeta>[0]).matches(pod.metadata.labels);
    });
    if (budgets.length > 1) throw failure(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const budget = budgets[0];
    if (budget) {
      const spec = isObject(budget.spec) ? budget.spec : {};
      const selector = labelSelectorFromMeta(spec.selector as Parameters<typeof labelSelectorFromMeta>[0]);
      const pods = (await podStore.list(ns, listQuery(new URLSearchParams()))).items.filter((p) => selector.matches(p.metadata.labels));
      const healthy = pods.filter(podHealthy).length;
      const desired = desiredHealthy(spec, pods.length);
      // A healthy pod needs one disruption to spare; an unhealthy one only a budget that is met (IfHealthyBudget).
      const allowed = podHealthy(pod) ? healthy - desired >= 1 : healthy >= desired;
      if (!allowed) {
        throw failure(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${budget.metadata.name ?? ''} needs ${desired} healthy pods and has ${healthy} currently` }],
        });
      }
    }
  }
  await podStore.delete(ns, name, deleteOptions(new URLSearchParams(), isObject(body.deleteOptions) ? body.deleteOptions : {}));
  sendJson(res, 201, { ...successStatus({}), code: 201 });
}

/** serviceaccounts/token (pkg/registry/core/serviceaccount/storage/token.go): a token for the account, one hour by default. */
function token(ctx: SubresourceContext, res: Response, sa: KubeObject, body: Record<string, unknown>): void {
  const spec = isObject(body.spec) ? body.spec : {};
  const seconds = typeof spec.expirationSeconds === 'number' && spec.expirationSeconds > 0 ? spec.expirationSeconds : 3600;
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'];
  const now = ctx.clock.now();
  const claims = { aud: audiences, exp: Math.floor(now / 1000) + seconds, iat: Math.floor(now / 1000), iss: 'https://kubernetes.default.svc.cluster.local', sub: `system:serviceaccount:${sa.metadata.namespace ?? ''}:${sa.metadata.name ?? ''}`, jti: ctx.random.uuid() };
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  sendJson(res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: sa.metadata.name, namespace: sa.metadata.namespace, creationTimestamp: rfc3339Seconds(now) },
    spec: { ...spec, audiences, expirationSeconds: seconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token: jwt, expirationTimestamp: rfc3339Seconds(now + seconds * 1000) },
  });
}

/** Create-only review kinds: there is no authorization, so everything is allowed; the actor names the user. */
export function handleReview(req: Request, res: Response, store: ResourceStore, raw: Buffer | undefined): void {
  const info = store.info;
  if (req.method.toUpperCase() !== 'POST') throw methodNotAllowedOnPath();
  const body = bodyOf(req, raw);
  const base = { kind: info.kind, apiVersion: apiVersionOf(info), metadata: { ...(isObject(body.metadata) ? body.metadata : {}), creationTimestamp: null } };
  const spec = isObject(body.spec) ? body.spec : {};
  const user = actorOf(req);
  let status: Record<string, unknown>;
  if (info.kind === 'SelfSubjectAccessReview') status = { allowed: true };
  else if (info.kind === 'SelfSubjectRulesReview') {
    status = { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
  } else status = { userInfo: { username: user, groups: ['system:masters', 'system:authenticated'] } };
  sendJson(res, 201, { ...base, ...(info.kind === 'SelfSubjectReview' ? {} : { spec }), status });
}
