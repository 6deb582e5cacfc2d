// The scale subresource (autoscaling/v1 Scale) for kinds that declare one: what `kubectl scale` reads and
// writes (apiextensions-apiserver pkg/registry/customresource/etcd.go ScaleREST).
import type { Request } from 'express';
import { badRequest, conflict, optimisticLockErrorMsg } from '../machinery/errors.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import type { ResourceStore, WriteOptions } from '../registry/store.ts';
import { readPath } from '../registry/strategy.ts';
import { decodeBody, decodePatch } from './body.ts';
import { patchFunction } from './patch.ts';

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.').filter(Boolean);
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

export function scaleOf(store: ResourceStore, obj: KubeObject): KubeObject {
  const scale = store.info.subresources.scale;
  if (!scale) throw badRequest('no scale subresource');
  const m = obj.metadata;
  const selector = scale.labelSelectorPath ? readPath(obj, scale.labelSelectorPath) : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}), uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(readPath(obj, scale.specReplicasPath) ?? 0) },
    status: { replicas: Number(readPath(obj, scale.statusReplicasPath) ?? 0), ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

/** Applies a new Scale to the object: only spec.replicas changes; a resourceVersion in the Scale is a precondition. */
function withScale(store: ResourceStore, current: KubeObject, scale: unknown): KubeObject {
  const info = store.info.subresources.scale;
  if (!info || !isObject(scale)) throw badRequest('the body must be an autoscaling/v1 Scale');
  const replicas = readPath(scale, '.spec.replicas');
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest(`Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${String(replicas)}: must be greater than or equal to 0`);
  }
  const rv = readPath(scale, '.metadata.resourceVersion');
  if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) {
    throw conflict({ group: store.info.group, resource: store.info.plural }, current.metadata.name ?? '', optimisticLockErrorMsg);
  }
  const next = JSON.parse(JSON.stringify(current)) as KubeObject;
  setPath(next, info.specReplicasPath, replicas);
  return next;
}

export async function handleScale(store: ResourceStore, req: Request, ns: string | undefined, name: string, raw: Buffer | undefined, opts: WriteOptions): Promise<KubeObject> {
  const method = req.method.toUpperCase();
  if (method === 'GET') return scaleOf(store, await store.get(ns, name));
  if (method === 'PUT') {
    const body = decodeBody(raw, req.headers['content-type'], { builtin: true });
    const out = await store.patch(ns, name, (cur) => withScale(store, cur, body), opts);
    return scaleOf(store, out.object);
  }
  // PATCH: the patch applies to the Scale, whose replicas then go to the object.
  const { type, body } = decodePatch(raw, req.headers['content-type'], ['json', 'merge']);
  if (type === 'apply') throw badRequest('apply is not supported on the scale subresource');
  const patchScale = patchFunction({ ...store.info, builtin: false }, type, body);
  const out = await store.patch(ns, name, (cur) => withScale(store, cur, patchScale(scaleOf(store, cur))), opts);
  return scaleOf(store, out.object);
}
