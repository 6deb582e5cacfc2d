// Kubernetes protobuf request bodies to the JSON objects the registry takes: the `k8s\0` envelope holding a
// runtime.Unknown (apimachinery pkg/runtime/serializer/protobuf/protobuf.go), and the message it carries,
// read field by field with the descriptors of ./descriptor.ts. The JSON is what upstream's Go types would
// marshal after decoding: zero scalars dropped where the Go field has omitempty and no pointer, embedded
// structs inlined, and the hand-written protobuf forms of Quantity, IntOrString, Time, MicroTime, Duration,
// RawExtension, FieldsV1 and the apiextensions JSON types turned into their JSON forms.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { kindMessage, messageDesc, type FieldDesc, type MessageDesc } from '../../api/proto/descriptor.ts';

/** The body cannot be decoded. `unsupported`: well-formed, but racelab's decoder does not know a kind or field (415). */
export class ProtobufError extends Error {
  constructor(message: string, readonly unsupported: boolean) {
    super(message);
    this.name = 'ProtobufError';
  }
}

const prefix = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const apiext = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** The runtime.Unknown inside the envelope (runtime/generated.proto: typeMeta 1, raw 2, contentEncoding 3, contentType 4). */
export function readEnvelope(data: Uint8Array): Envelope {
  if (data.length < prefix.length || prefix.some((b, i) => data[i] !== b)) {
    throw new ProtobufError(`provided data does not appear to be a protobuf message, expected prefix [${prefix.join(' ')}]`, false);
  }
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  guard('runtime.Unknown', () => {
    const r = new BinaryReader(data.subarray(prefix.length));
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if (no === 1 && wt === WireType.LengthDelimited) {
        const t = new BinaryReader(r.bytes());
        while (t.pos < t.len) {
          const [tn, twt] = t.tag();
          if (tn === 1 && twt === WireType.LengthDelimited) out.apiVersion = t.string();
          else if (tn === 2 && twt === WireType.LengthDelimited) out.kind = t.string();
          else throw unknownField('k8s.io.apimachinery.pkg.runtime.TypeMeta', tn);
        }
      } else if (no === 2 && wt === WireType.LengthDelimited) out.raw = r.bytes();
      else if (no === 3 && wt === WireType.LengthDelimited) out.contentEncoding = r.string();
      else if (no === 4 && wt === WireType.LengthDelimited) out.contentType = r.string();
      else throw unknownField('k8s.io.apimachinery.pkg.runtime.Unknown', no);
    }
  });
  return out;
}

function unknownField(message: string, no: number): ProtobufError {
  return new ProtobufError(`racelab's protobuf decoder does not know field ${no} of ${message}`, true);
}

/** Runs a read; the reader's own failures (truncated data, bad varints) become a malformed-body error. */
function guard<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof ProtobufError) throw e;
    throw new ProtobufError(`unable to decode ${what}: ${(e as Error).message}`, false);
  }
}

/** A whole protobuf body: the object as JSON, with apiVersion and kind from the envelope. */
export function decodeProtobufObject(data: Uint8Array): Record<string, unknown> {
  const env = readEnvelope(data);
  if (env.contentEncoding !== '') throw new ProtobufError(`racelab's protobuf decoder does not read contentEncoding "${env.contentEncoding}"`, true);
  if (env.kind === '') throw new ProtobufError(`Object 'Kind' is missing in '${JSON.stringify({ apiVersion: env.apiVersion, kind: env.kind })}'`, false);
  const desc = kindMessage(env.apiVersion, env.kind);
  if (!desc) throw new ProtobufError(`racelab's protobuf decoder does not know kind "${env.kind}" in version "${env.apiVersion}"`, true);
  const body = guard(desc.name, () => decodeMessage(desc, env.raw, 0));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ProtobufError(`${desc.name} is not an object`, false);
  return { apiVersion: env.apiVersion, kind: env.kind, ...(body as Record<string, unknown>) };
}

const maxDepth = 100;

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);
}

function jsonOfBytes(bytes: Uint8Array, what: string): unknown {
  if (bytes.length === 0) return null;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ProtobufError(`racelab's protobuf decoder reads ${what} only when it holds JSON`, true);
  }
}

/** Go's time.Time as encoding/json writes it in metav1.Time (seconds) or metav1.MicroTime (microseconds). */
function timeJson(seconds: number, nanos: number, micro: boolean): string {
  const d = new Date(seconds * 1000);
  const base = d.toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/** time.Duration.String(), as metav1.Duration marshals it. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e9) {
    const [unit, div] = n < 1e3 ? ['ns', 1] : n < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trimFraction(n / div)}${unit}`;
  } else {
    const h = Math.floor(n / 3.6e12);
    n -= h * 3.6e12;
    const m = Math.floor(n / 6e10);
    n -= m * 6e10;
    out = `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trimFraction(n / 1e9)}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(x: number): string {
  return x.toFixed(9).replace(/\.?0+$/, '');
}

function readScalar(r: BinaryReader, type: string, wt: WireType): unknown {
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return r.bytes();
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'sint32':
      return r.sint32();
    case 'int64':
      return Number(r.int64());
    case 'uint64':
      return Number(r.uint64());
    case 'sint64':
      return Number(r.sint64());
    case 'double':
      return r.double();
    case 'float':
      return r.float();
    case 'fixed32':
      return r.fixed32();
    case 'fixed64':
      return Number(r.fixed64());
    default:
      throw new ProtobufError(`unknown scalar type ${type} (wire type ${wt})`, false);
  }
}

function wireTypeOf(type: string): WireType {
  switch (type) {
    case 'string':
    case 'bytes':
      return WireType.LengthDelimited;
    case 'double':
    case 'fixed64':
      return WireType.Bit64;
    case 'float':
    case 'fixed32':
      return WireType.Bit32;
    default:
      return type.includes('.') || type.startsWith('map<') ? WireType.LengthDelimited : WireType.Varint;
  }
}

/** A value of a field's (element) type: a scalar or a nested message in its JSON form. */
function readValue(r: BinaryReader, type: string, wt: WireType, depth: number): unknown {
  if (!type.includes('.')) return readScalar(r, type, wt);
  const bytes = r.bytes();
  const desc = messageDesc(type);
  if (!desc) throw new ProtobufError(`racelab's protobuf decoder has no descriptor for ${type}`, true);
  return decodeMessage(desc, bytes, depth + 1);
}

function readMapEntry(r: BinaryReader, f: FieldDesc, owner: string, depth: number): [string, unknown] {
  const e = new BinaryReader(r.bytes());
  let key = '';
  let value: unknown;
  const vtype = f.mapValue ?? 'string';
  while (e.pos < e.len) {
    const [no, wt] = e.tag();
    if (no === 1 && wt === WireType.LengthDelimited) key = e.string();
    else if (no === 2 && wt === wireTypeOf(vtype)) value = readValue(e, vtype, wt, depth);
    else throw unknownField(`${owner}.${f.json} map entry`, no);
  }
  if (value === undefined) value = vtype.includes('.') ? emptyMessage(vtype, depth) : scalarZero(vtype);
  if (value instanceof Uint8Array) value = Buffer.from(value).toString('base64');
  return [key, value];
}

function emptyMessage(type: string, depth: number): unknown {
  const desc = messageDesc(type);
  if (!desc) throw new ProtobufError(`racelab's protobuf decoder has no descriptor for ${type}`, true);
  return decodeMessage(desc, new Uint8Array(), depth + 1);
}

function scalarZero(type: string): unknown {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  if (type === 'bytes') return new Uint8Array();
  return 0;
}

/** Reads the raw fields of a message into a record by field number (repeated ones as arrays). */
function readFields(desc: MessageDesc, data: Uint8Array, depth: number): Map<FieldDesc, unknown> {
  if (depth > maxDepth) throw new ProtobufError(`${desc.name} nests deeper than ${maxDepth} messages`, false);
  const out = new Map<FieldDesc, unknown>();
  const r = new BinaryReader(data);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    const f = desc.fields.get(no);
    if (!f) throw unknownField(desc.name, no);
    if (f.mapValue !== undefined) {
      if (wt !== WireType.LengthDelimited) throw badWireType(desc, f, wt);
      const m = (out.get(f) as Record<string, unknown> | undefined) ?? {};
      const [k, v] = readMapEntry(r, f, desc.name, depth);
      m[k] = v;
      out.set(f, m);
      continue;
    }
    const expected = wireTypeOf(f.type);
    if (f.repeated) {
      const list = (out.get(f) as unknown[] | undefined) ?? [];
      if (wt === WireType.LengthDelimited && expected !== WireType.LengthDelimited) {
        // A packed repeated scalar.
        const p = new BinaryReader(r.bytes());
        while (p.pos < p.len) list.push(readScalar(p, f.type, expected));
      } else {
        if (wt !== expected) throw badWireType(desc, f, wt);
        list.push(readValue(r, f.type, wt, depth));
      }
      out.set(f, list);
      continue;
    }
    if (wt !== expected) throw badWireType(desc, f, wt);
    out.set(f, readValue(r, f.type, wt, depth));
  }
  return out;
}

function badWireType(desc: MessageDesc, f: FieldDesc, wt: WireType): ProtobufError {
  return new ProtobufError(`unable to decode ${desc.name}: field ${f.no} (${f.json}) has wire type ${wt}`, false);
}

/** Messages whose Go types marshal themselves; each gets its JSON form from its decoded fields. */
const special: Record<string, (fields: Record<string, unknown>) => unknown> = {
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (f) => (typeof f.string === 'string' && f.string !== '' ? f.string : '0'),
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (f) => (f.type === 1 ? (f.strVal ?? '') : (f.intVal ?? 0)),
  [`${meta}.Time`]: (f) => (f.seconds === undefined && f.nanos === undefined ? null : timeJson(Number(f.seconds ?? 0), 0, false)),
  [`${meta}.MicroTime`]: (f) => (f.seconds === undefined && f.nanos === undefined ? null : timeJson(Number(f.seconds ?? 0), Number(f.nanos ?? 0), true)),
  [`${meta}.Duration`]: (f) => goDuration(Number(f.duration ?? 0)),
  [`${meta}.FieldsV1`]: (f) => jsonOfBytes((f.Raw as Uint8Array | undefined) ?? new Uint8Array(), 'FieldsV1'),
  'k8s.io.apimachinery.pkg.runtime.RawExtension': (f) => rawExtension((f.raw as Uint8Array | undefined) ?? new Uint8Array()),
  [`${apiext}.JSON`]: (f) => jsonOfBytes((f.raw as Uint8Array | undefined) ?? new Uint8Array(), 'apiextensions JSON'),
  [`${apiext}.JSONSchemaPropsOrBool`]: (f) => f.schema ?? f.allows === true,
  [`${apiext}.JSONSchemaPropsOrArray`]: (f) => (Array.isArray(f.jSONSchemas) && f.jSONSchemas.length > 0 ? f.jSONSchemas : (f.schema ?? null)),
  [`${apiext}.JSONSchemaPropsOrStringArray`]: (f) => (Array.isArray(f.property) && f.property.length > 0 ? f.property : (f.schema ?? null)),
};

/** A RawExtension holds the embedded object's own serialization: JSON, or a nested protobuf envelope. */
function rawExtension(raw: Uint8Array): unknown {
  if (raw.length >= 4 && prefix.every((b, i) => raw[i] === b)) return decodeProtobufObject(raw);
  return jsonOfBytes(raw, 'a RawExtension');
}

/** One message in its JSON form. */
function decodeMessage(desc: MessageDesc, data: Uint8Array, depth: number): unknown {
  const fields = readFields(desc, data, depth);
  const sp = special[desc.name];
  if (sp) {
    const byName: Record<string, unknown> = {};
    for (const [f, v] of fields) byName[f.json] = v;
    return sp(byName);
  }
  if (desc.list) {
    const only = [...fields.values()][0];
    return only ?? [];
  }
  const out: Record<string, unknown> = {};
  // Fields in descriptor order (the Go struct's order), as upstream's JSON writes them.
  for (const f of desc.fields.values()) {
    if (!fields.has(f)) {
      // encoding/json writes a nil slice, map or struct pointer without omitempty as null.
      if (f.keepZero && (f.repeated || f.type.includes('.') || f.mapValue !== undefined)) out[f.json] = null;
      continue;
    }
    let v = fields.get(f);
    if (!f.repeated && f.mapValue === undefined && !f.type.includes('.') && !f.keepZero && isZero(v)) continue;
    if (v instanceof Uint8Array) v = Buffer.from(v).toString('base64');
    if (Array.isArray(v)) v = v.map((x) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x));
    if (f.inline && typeof v === 'object' && v !== null && !Array.isArray(v)) Object.assign(out, v);
    else out[f.json] = v;
  }
  return out;
}
