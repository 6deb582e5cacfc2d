// Type checks of the built-in kinds against their Go structs before storage, as kube-apiserver's decoder
// does them (apimachinery pkg/runtime/serializer/json, strict decoding by sigs.k8s.io/json): every field of
// every built-in kind the descriptors hold (./typewalk.ts), unknown fields dropped or, with fieldValidation
// Strict, refused. Secret stringData is merged into data (core/v1 conversion.go
// Convert_v1_Secret_To_core_Secret) and never stored.
import type { KubeObject } from '../machinery/object.ts';
import { DecodeError } from './schemas.ts';
import type { KindInfo } from './kinds.ts';
import { protoPackage } from './proto/descriptor.ts';
import { checkTyped, kindType } from './typewalk.ts';

export { illegalBase64At } from './base64.ts';

type JsonMap = Record<string, unknown>;

const isMap = (v: unknown): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);

/** stringData is write-only: each key overwrites data's, base64-encoded as the JSON of []byte is. */
function mergeStringData(obj: JsonMap): void {
  const stringData = obj.stringData;
  if (isMap(stringData)) {
    const data: JsonMap = { ...(isMap(obj.data) ? obj.data : {}) };
    for (const [k, x] of Object.entries(stringData)) data[k] = Buffer.from(String(x ?? ''), 'utf8').toString('base64');
    if (Object.keys(data).length > 0) obj.data = data;
  }
  delete obj.stringData;
}

/**
 * Checks (and converts as a decode does: unknown fields dropped, Secret stringData merged) a built-in kind's
 * object in place. Throws a DecodeError with the message the real server gives, e.g. `ConfigMap in version
 * "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ConfigMap.data of
 * type string`, or for fieldValidation Strict `…: strict decoding error: unknown field "spec.x"`. Returns the
 * unknown fields' paths for fieldValidation Warn, or undefined for a kind it does not know (custom resources).
 */
export function checkBuiltinTypes(info: KindInfo, obj: KubeObject, fieldValidation: 'Strict' | 'Warn' | 'Ignore' = 'Ignore'): string[] | undefined {
  if (!info.builtin) return undefined;
  const kind = kindType(`${protoPackage(info.group, info.version)}.${info.kind}`, info.kind);
  if (!kind) return undefined;
  const prefix = `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}`;
  const res = checkTyped(obj as JsonMap, kind, fieldValidation !== 'Ignore');
  if (res.error !== undefined) throw new DecodeError(`${prefix}: ${res.error}`);
  const unknown = res.unknown ?? [];
  if (fieldValidation === 'Strict' && unknown.length > 0) {
    throw new DecodeError(`${prefix}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
  }
  if (info.group === '' && info.kind === 'Secret') mergeStringData(obj as JsonMap);
  return unknown;
}
