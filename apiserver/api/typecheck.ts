// Type checks of the built-in kinds' typed fields, as decoding into their Go structs does them
// (k8s.io/api/core/v1 types.go): string maps hold strings (ConfigMap and Secret data, Pod nodeSelector,
// Service selector; labels and annotations in schemas.ts), []byte fields hold standard base64, and Secret
// stringData is merged into data (core/v1 conversion.go Convert_v1_Secret_To_core_Secret) and never stored.
import type { KubeObject } from '../machinery/object.ts';
import { DecodeError } from './schemas.ts';
import type { KindInfo } from './kinds.ts';

type JsonMap = Record<string, unknown>;

const isMap = (v: unknown): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);

/** encoding/json's name for the JSON value that could not be decoded (UnmarshalTypeError.Value). */
function jsonKindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

class TypeMismatch {
  constructor(
    readonly value: unknown,
    readonly field: string,
    readonly goType: string,
  ) {}
}

/** base64.StdEncoding.DecodeString's verdict: the offset of the first illegal byte, or -1 when valid. */
export function illegalBase64At(s: string): number {
  // encoding/base64 skips \r and \n.
  const text = s.replace(/[\r\n]/g, '');
  const m = /[^A-Za-z0-9+/=]/.exec(text);
  if (m) return m.index;
  const pad = text.indexOf('=');
  if (pad >= 0) {
    const tail = text.slice(pad);
    if (!/^={1,2}$/.test(tail) || text.length % 4 !== 0 || pad < text.length - 2 || pad % 4 < 2) return pad;
    return -1;
  }
  // An incomplete last quantum is reported at its start.
  return text.length % 4 !== 0 ? text.length - (text.length % 4) : -1;
}

function stringMap(obj: JsonMap, field: string, struct: string): void {
  const v = obj[field];
  if (v === undefined || v === null) return;
  if (!isMap(v)) throw new TypeMismatch(v, `${struct}.${field}`, 'map[string]string');
  let nulls = false;
  for (const x of Object.values(v)) {
    if (x === null) nulls = true;
    else if (typeof x !== 'string') throw new TypeMismatch(x, `${struct}.${field}`, 'string');
  }
  if (nulls) obj[field] = zeroNulls(v);
}

/** A null element decodes to the zero value; the map is copied (it may be a stored, frozen one). */
function zeroNulls(v: JsonMap): JsonMap {
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) out[k] = x ?? '';
  return out;
}

function bytesMap(obj: JsonMap, field: string, struct: string): void {
  const v = obj[field];
  if (v === undefined || v === null) return;
  if (!isMap(v)) throw new TypeMismatch(v, `${struct}.${field}`, 'map[string][]uint8');
  let nulls = false;
  for (const x of Object.values(v)) {
    if (x === null) {
      nulls = true;
      continue;
    }
    if (typeof x !== 'string') throw new TypeMismatch(x, `${struct}.${field}`, '[]uint8');
    const at = illegalBase64At(x);
    if (at >= 0) throw new DecodeError(`illegal base64 data at input byte ${at}`);
  }
  if (nulls) obj[field] = zeroNulls(v);
}

function scalar(obj: JsonMap, field: string, struct: string, type: 'string' | 'boolean'): void {
  const v = obj[field];
  if (v === undefined || v === null || typeof v === type) return;
  throw new TypeMismatch(v, `${struct}.${field}`, type === 'boolean' ? 'bool' : 'string');
}

/** A string map one struct down, e.g. Pod spec.nodeSelector (`PodSpec.spec.nodeSelector`). */
function nestedStringMap(obj: JsonMap, kind: string, outer: string, field: string, struct: string): void {
  const o = obj[outer];
  if (o === undefined || o === null) return;
  if (!isMap(o)) throw new TypeMismatch(o, `${kind}.${outer}`, `v1.${struct}`);
  stringMap(o, field, `${struct}.${outer}`);
}

const checks: Record<string, (obj: JsonMap) => void> = {
  Pod: (obj) => nestedStringMap(obj, 'Pod', 'spec', 'nodeSelector', 'PodSpec'),
  Service: (obj) => nestedStringMap(obj, 'Service', 'spec', 'selector', 'ServiceSpec'),
  ConfigMap: (obj) => {
    stringMap(obj, 'data', 'ConfigMap');
    bytesMap(obj, 'binaryData', 'ConfigMap');
    scalar(obj, 'immutable', 'ConfigMap', 'boolean');
  },
  Secret: (obj) => {
    bytesMap(obj, 'data', 'Secret');
    stringMap(obj, 'stringData', 'Secret');
    scalar(obj, 'type', 'Secret', 'string');
    scalar(obj, 'immutable', 'Secret', 'boolean');
    // stringData is write-only: each key overwrites data's, base64-encoded as the JSON of []byte is.
    const stringData = obj.stringData;
    if (isMap(stringData)) {
      const data: JsonMap = { ...(isMap(obj.data) ? obj.data : {}) };
      for (const [k, x] of Object.entries(stringData)) data[k] = Buffer.from(String(x), 'utf8').toString('base64');
      if (Object.keys(data).length > 0) obj.data = data;
    }
    delete obj.stringData;
  },
};

/**
 * Checks (and, for Secret stringData, converts) the typed fields of a core/v1 kind in place. Throws a
 * DecodeError with the message the real server gives, e.g. `json: cannot unmarshal object into Go struct
 * field ConfigMap.data of type string`.
 */
export function checkBuiltinTypes(info: KindInfo, obj: KubeObject): void {
  if (!info.builtin || info.group !== '') return;
  const check = Object.hasOwn(checks, info.kind) ? checks[info.kind] : undefined;
  if (!check) return;
  const prefix = `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}`;
  try {
    check(obj as JsonMap);
  } catch (e) {
    if (e instanceof TypeMismatch) {
      throw new DecodeError(`${prefix}: json: cannot unmarshal ${jsonKindOf(e.value)} into Go struct field ${e.field} of type ${e.goType}`);
    }
    if (e instanceof DecodeError) throw new DecodeError(`${prefix}: ${e.message}`);
    throw e;
  }
}
