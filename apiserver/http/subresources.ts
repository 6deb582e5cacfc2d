// Subresources beyond status and scale: pods/binding, pods/eviction (honouring PodDisruptionBudget status),
// serviceaccounts/token, and the streaming ones (pods/log, exec, attach, portforward, proxy; services and
// nodes proxy), which answer a Status saying there is no container runtime. Reviews (create-only kinds
// such as SelfSubjectAccessReview) are answered here too, never stored.
import type { Request, Response } from 'express';
import { apiVersionOf } from '../api/kinds.ts';
import { rfc3339Seconds, type Clock } from '../machinery/clock.ts';
import { badRequest, conflict, forbidden, methodNotAllowedOnPath, StatusError, successStatus, type Status } from '../machinery/errors.ts';
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

function podReady(p: KubeObject): boolean {
  const status = isObject(p.status) ? p.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.some((c) => isObject(c) && c.type === 'Ready' && c.status === 'True');
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The 429 an eviction gets while its budget allows no disruption (or is not yet worked out): eviction.go. */
function budgetViolation(retryAfterSeconds: number, cause: string): StatusError {
  return failure(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { retryAfterSeconds, causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

/** MaxDisruptedPodSize: evictions the disruption controller has not confirmed yet, at most. */
const MaxDisruptedPodSize = 2000;

/**
 * pods/eviction (pkg/registry/core/pod/storage/eviction.go): a terminal, pending or terminating pod is
 * deleted at once (canIgnorePDB); otherwise the one PodDisruptionBudget whose selector matches it must be
 * worked out by the disruption controller (status.observedGeneration) and allow a disruption; the
 * eviction then takes one off status.disruptionsAllowed and records the pod in status.disruptedPods before
 * the pod is deleted (checkAndDecrement). An unready pod is deleted without using up a disruption while the
 * budget is met. Without a disruption controller a budget never allows an eviction, as upstream.
 */
async function evict(ctx: SubresourceContext, res: Response, podStore: ResourceStore, pod: KubeObject, body: Record<string, unknown>): Promise<void> {
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name ?? '';
  const phase = isObject(pod.status) ? pod.status.phase : undefined;
  const canIgnorePDB = phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp);
  const options = deleteOptions(new URLSearchParams(), isObject(body.deleteOptions) ? body.deleteOptions : {});
  const pdbs = ctx.registry.lookup('policy', 'v1', 'poddisruptionbudgets');
  // shouldEnforceResourceVersion: a pending pod is deleted only as it was read (it may be becoming ready).
  let enforceVersion = canIgnorePDB && phase === 'Pending' && !pod.metadata.deletionTimestamp;
  let budgetName: string | undefined;
  if (!canIgnorePDB && pdbs) {
    // A PDB with a nil or empty selector matches nothing here (getPodDisruptionBudgets).
    const budgets = (await pdbs.list(ns, listQuery(new URLSearchParams()))).items.filter((b) => {
      const spec = isObject(b.spec) ? b.spec : {};
      const sel = isObject(spec.selector) ? spec.selector : undefined;
      const empty = !sel || (Object.keys(isObject(sel.matchLabels) ? sel.matchLabels : {}).length === 0 && (!Array.isArray(sel.matchExpressions) || sel.matchExpressions.length === 0));
      return !empty && labelSelectorFromMeta(sel as Parameters<typeof labelSelectorFromMeta>[0]).matches(pod.metadata.labels);
    });
    if (budgets.length > 1) throw failure(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const budget = budgets[0];
    const st = budget && isObject(budget.status) ? budget.status : {};
    if (budget) {
      budgetName = budget.metadata.name ?? '';
      // An unready pod does not count as healthy: while the budget is met it goes without using a disruption.
      if (!podReady(pod) && num(st.currentHealthy) >= num(st.desiredHealthy) && num(st.desiredHealthy) > 0) enforceVersion = true;
      else await pdbs.patch(ns, budgetName, (cur) => checkAndDecrement(ctx, cur, name), { subresource: 'status' });
    }
  }
  const own = !options.preconditions?.resourceVersion;
  const preconditions = enforceVersion && own ? { ...options.preconditions, resourceVersion: pod.metadata.resourceVersion } : options.preconditions;
  try {
    await podStore.delete(ns, name, { ...options, ...(preconditions ? { preconditions } : {}) });
  } catch (e) {
    // The pod changed since the budget was checked: the client retries (createTooManyRequestsError).
    if (budgetName !== undefined && enforceVersion && own && e instanceof StatusError && e.status.code === 409) throw budgetViolation(10, `The disruption budget ${budgetName} is still being processed by the server.`);
    throw e;
  }
  sendJson(res, 201, { ...successStatus({}), code: 201 });
}

/** checkAndDecrement: the budget's status with one disruption used up by podName, or the error that forbids it. */
function checkAndDecrement(ctx: SubresourceContext, pdb: KubeObject, podName: string): KubeObject {
  const name = pdb.metadata.name ?? '';
  const st = isObject(pdb.status) ? pdb.status : {};
  if (num(st.observedGeneration) < (pdb.metadata.generation ?? 0)) throw budgetViolation(10, `The disruption budget ${name} is still being processed by the server.`);
  const allowed = num(st.disruptionsAllowed);
  const gr = { group: 'policy', resource: 'poddisruptionbudget' };
  if (allowed < 0) throw forbidden(gr, name, 'pdb disruptions allowed is negative');
  const disrupted = isObject(st.disruptedPods) ? st.disruptedPods : {};
  if (Object.keys(disrupted).length > MaxDisruptedPodSize) throw forbidden(gr, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0) throw budgetViolation(0, `The disruption budget ${name} needs ${num(st.desiredHealthy)} healthy pods and has ${num(st.currentHealthy)} currently`);
  const now = rfc3339Seconds(ctx.clock.now());
  let conditions = Array.isArray(st.conditions) ? st.conditions : [];
  if (allowed - 1 === 0) {
    // UpdateDisruptionAllowedCondition
    const prev = conditions.find((c) => isObject(c) && c.type === 'DisruptionAllowed') as Record<string, unknown> | undefined;
    const changed = prev?.status !== 'False';
    conditions = [
      ...conditions.filter((c) => !(isObject(c) && c.type === 'DisruptionAllowed')),
      { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: pdb.metadata.generation ?? 0, lastTransitionTime: changed ? now : (prev.lastTransitionTime ?? now) },
    ];
  }
  return { ...pdb, status: { ...st, disruptionsAllowed: allowed - 1, disruptedPods: { ...disrupted, [podName]: now }, conditions } };
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
