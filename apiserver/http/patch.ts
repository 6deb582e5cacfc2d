// PATCH bodies by type (apiserver pkg/endpoints/handlers/patch.go): JSON patch, merge patch and, for
// built-in kinds, strategic merge patch. Each becomes a function from the current object to the patched one.
import fjp from 'fast-json-patch';
import { patchMetaFor } from '../api/patchmeta.ts';
import type { KindInfo } from '../api/kinds.ts';
import { badRequest, requestEntityTooLarge, StatusError } from '../machinery/errors.ts';
import { deepCopy } from '../machinery/json.ts';
import { mergePatch } from '../machinery/mergepatch.ts';
import { forbiddenKeys, shapeError } from '../machinery/nesting.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import { strategicMergePatch, StrategicMergeError } from '../machinery/strategicmerge.ts';
import type { PatchType } from './body.ts';

/** patch.go maxJSONPatchOperations. */
export const maxJSONPatchOperations = 10_000;

function unprocessable(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', code: 422 });
}

/**
 * errors.NewGenericServerResponse(422, ..., isUnexpectedResponse=false) as handlers/patch.go sends it: a
 * fixed message; the patch library's error is logged, not returned.
 */
function patchNotApplied(cause: string): StatusError {
  const err = new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code: 422,
  });
  err.cause = cause;
  return err;
}

/** The evanphx/json-patch wording for the failures kubectl users meet. */
function jsonPatchCause(err: Error & { name?: string; operation?: { op?: string; path?: string } }): string {
  const op = err.operation?.op ?? '';
  const path = err.operation?.path ?? '';
  switch (err.name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_PATH_UNRESOLVABLE':
      return `${op} operation does not apply: doc is missing path: "${path}": missing value`;
    default:
      return `${err.name ?? 'error'}: ${err.message.split('\n')[0]}${path ? ` at ${path}` : ''}`;
  }
}

/**
 * A JSON patch whose path or from names `__proto__` is refused as that key is in any body (400), before it
 * is applied: a JSON pointer segment is a key like any other (RFC 6901: `~1` is `/`, `~0` is `~`).
 */
function refuseForbiddenPathKeys(ops: readonly unknown[]): void {
  ops.forEach((op, i) => {
    if (!isObject(op)) return;
    for (const at of ['path', 'from'] as const) {
      const pointer = op[at];
      if (typeof pointer !== 'string') continue;
      for (const seg of pointer.split('/')) {
        const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
        if (forbiddenKeys.has(key)) throw shapeError({ kind: 'key', key, path: `[${i}].${at}` });
      }
    }
  });
}

/** Upstream decodes the patched JSON into Go structs, which drops nulls and `$` directive keys left over. */
function dropNullsAndDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(dropNullsAndDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && !k.startsWith('$')) out[k] = dropNullsAndDirectives(x);
  return out;
}

/** The codes the real server gives strategic merge failures (400, 422, or 500 with reason Unknown). */
function smpError(e: StrategicMergeError): StatusError {
  if (e.code === 400) return badRequest(e.message);
  if (e.code === 422) return unprocessable(e.message);
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: 'Unknown', code: 500 } as never);
}

export function acceptedPatchTypes(info: KindInfo): PatchType[] {
  return info.builtin ? ['json', 'merge', 'strategic', 'apply'] : ['json', 'merge', 'apply'];
}

export function patchFunction(info: KindInfo, type: Exclude<PatchType, 'apply'>, body: unknown): (current: KubeObject) => unknown {
  switch (type) {
    case 'json': {
      if (!Array.isArray(body)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      if (body.length > maxJSONPatchOperations) {
        throw requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${maxJSONPatchOperations}, got ${body.length}`);
      }
      const ops = body as fjp.Operation[];
      refuseForbiddenPathKeys(ops);
      return (current) => {
        try {
          return fjp.applyPatch(deepCopy(current), ops, true, true).newDocument;
        } catch (e) {
          throw patchNotApplied(jsonPatchCause(e as Error));
        }
      };
    }
    case 'merge':
      if (!isObject(body)) throw badRequest('json: cannot unmarshal into Go value of type map[string]interface {}: the patch must be a JSON object');
      return (current) => mergePatch(current, body);
    case 'strategic': {
      if (!isObject(body)) throw badRequest('json: cannot unmarshal into Go value of type map[string]interface {}: the patch must be a JSON object');
      const meta = patchMetaFor(info.group, info.kind);
      return (current) => {
        try {
          return dropNullsAndDirectives(strategicMergePatch(current, body, meta));
        } catch (e) {
          if (e instanceof StrategicMergeError) throw smpError(e);
          throw e;
        }
      };
    }
  }
}
