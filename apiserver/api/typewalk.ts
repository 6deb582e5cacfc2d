// Checks a built-in kind's JSON value against its Go struct, as decoding into it does (encoding/json as
// sigs.k8s.io/json patches it: case-sensitive field names, unknown fields dropped and, for strict decoding,
// reported with their paths), from the protobuf message descriptors of ./proto/descriptors. Each kind's
// type tree is compiled once, lazily, one message at a time; one walk over the value checks it.
//
// Errors follow encoding/json: a value of the wrong JSON type is an UnmarshalTypeError (`json: cannot
// unmarshal number into Go struct field ObjectMeta.metadata.name of type string`), saved while the walk goes
// on, the first one reported; a type that unmarshals itself (Quantity, IntOrString, Time, MicroTime,
// Duration) ends the walk with its own error. The walk recurses once per nesting level of the value, which
// checkObjectShape (../machinery/nesting.ts) has bounded before it runs.
import { messageDesc, type FieldDesc, type MessageDesc } from './proto/descriptor.ts';
import { goTypes } from './proto/gotypes.ts';
import { goDurationParseError, goTimeParseError } from './gotime.ts';
import { quantityFormatError, quantityParseError } from './quantity.ts';
import { illegalBase64At } from './base64.ts';

const K_STRING = 0;
const K_BOOL = 1;
const K_INT = 2;
const K_FLOAT = 3;
const K_BYTES = 4;
const K_ANY = 5;
const K_QUANTITY = 6;
const K_INTORSTRING = 7;
const K_TIME = 8;
const K_MICROTIME = 9;
const K_DURATION = 10;
const K_STRUCT = 11;
const K_LIST = 12;
const K_MAP = 13;

export interface TypeNode {
  k: number;
  /** The Go type a type error names (reflect.Type's String()), e.g. `v1.PodSpec`, `[]v1.Container`. */
  goType: string;
  /** Integer bounds of K_INT. */
  min?: number;
  max?: number;
  /** The element of a list or the value of a map. */
  elem?: TypeNode;
  struct?: StructNode;
}

export interface StructNode {
  /** The Go struct's name, as UnmarshalTypeError.Struct names it. */
  goName: string;
  desc: MessageDesc;
  /** JSON name → type, inline structs' fields flattened in; compiled on first use. */
  fields?: Map<string, TypeNode>;
}

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const apiext = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

/** Message types whose Go types unmarshal themselves (their UnmarshalJSON methods), by proto name. */
const selfUnmarshalling: Record<string, number> = {
  'k8s.io.apimachinery.pkg.api.resource.Quantity': K_QUANTITY,
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': K_QUANTITY,
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': K_INTORSTRING,
  [`${meta}.Time`]: K_TIME,
  [`${meta}.MicroTime`]: K_MICROTIME,
  [`${meta}.Duration`]: K_DURATION,
  // Raw JSON kept as given.
  [`${meta}.FieldsV1`]: K_ANY,
  'k8s.io.apimachinery.pkg.runtime.RawExtension': K_ANY,
  [`${apiext}.JSON`]: K_ANY,
  [`${apiext}.JSONSchemaPropsOrBool`]: K_ANY,
  [`${apiext}.JSONSchemaPropsOrArray`]: K_ANY,
  [`${apiext}.JSONSchemaPropsOrStringArray`]: K_ANY,
};

const scalars: Record<string, TypeNode> = {
  string: { k: K_STRING, goType: 'string' },
  bool: { k: K_BOOL, goType: 'bool' },
  bytes: { k: K_BYTES, goType: '[]uint8' },
  int32: { k: K_INT, goType: 'int32', min: -(2 ** 31), max: 2 ** 31 - 1 },
  sint32: { k: K_INT, goType: 'int32', min: -(2 ** 31), max: 2 ** 31 - 1 },
  sfixed32: { k: K_INT, goType: 'int32', min: -(2 ** 31), max: 2 ** 31 - 1 },
  int64: { k: K_INT, goType: 'int64', min: -(2 ** 63), max: 2 ** 63 - 1 },
  sint64: { k: K_INT, goType: 'int64', min: -(2 ** 63), max: 2 ** 63 - 1 },
  sfixed64: { k: K_INT, goType: 'int64', min: -(2 ** 63), max: 2 ** 63 - 1 },
  uint32: { k: K_INT, goType: 'uint32', min: 0, max: 2 ** 32 - 1 },
  fixed32: { k: K_INT, goType: 'uint32', min: 0, max: 2 ** 32 - 1 },
  uint64: { k: K_INT, goType: 'uint64', min: 0, max: 2 ** 64 - 1 },
  fixed64: { k: K_INT, goType: 'uint64', min: 0, max: 2 ** 64 - 1 },
  double: { k: K_FLOAT, goType: 'float64' },
  float: { k: K_FLOAT, goType: 'float32' },
};
const uint8Node: TypeNode = { k: K_INT, goType: 'uint8', min: 0, max: 255 };

/** `k8s.io.api.core.v1.PodSpec` → `v1.PodSpec`: the Go package's name and the type's. */
function goTypeName(protoName: string): string {
  const parts = protoName.split('.');
  return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

const messageNodes = new Map<string, TypeNode>();

/** The type of a named proto type (scalar or message), compiled once. */
function typeOf(name: string): TypeNode {
  const scalar = scalars[name];
  if (scalar) return scalar;
  let node = messageNodes.get(name);
  if (node) return node;
  const special = selfUnmarshalling[name];
  const desc = messageDesc(name);
  if (special !== undefined || !desc) {
    // A message the descriptors do not hold is taken as it is, as a RawExtension would be.
    node = { k: special ?? K_ANY, goType: goTypeName(name) };
  } else if (desc.list) {
    // A named Go slice type (meta/v1 Verbs, authentication/v1 ExtraValue): its JSON is its one repeated field.
    const only = [...desc.fields.values()][0];
    node = { k: K_LIST, goType: goTypeName(name), elem: only ? typeOf(only.type) : scalars.string };
  } else {
    node = { k: K_STRUCT, goType: goTypeName(name), struct: { goName: name.slice(name.lastIndexOf('.') + 1), desc } };
  }
  messageNodes.set(name, node);
  return node;
}

/** A field's type; `named` gives the Go type a named string, number, map or slice type has (./proto/gotypes.ts). */
function fieldType(f: FieldDesc, named: readonly [string, string?] | undefined): TypeNode {
  const [goType, elemGoType] = named ?? [];
  if (f.mapValue !== undefined) {
    const value = typeOf(f.mapValue);
    const elem = elemGoType ? { ...value, goType: elemGoType } : value;
    return { k: K_MAP, goType: goType ?? `map[string]${elem.goType}`, elem };
  }
  const t = typeOf(f.type);
  if (f.repeated) {
    const elem = elemGoType ? { ...t, goType: elemGoType } : t;
    return { k: K_LIST, goType: goType ?? `[]${elem.goType}`, elem };
  }
  return goType ? { ...t, goType } : t;
}

function addFields(desc: MessageDesc, into: Map<string, TypeNode>): void {
  for (const f of desc.fields.values()) {
    const inner = f.inline ? messageDesc(f.type) : undefined;
    // An embedded struct's fields sit in the parent's JSON, and the parent names them in errors.
    if (inner) addFields(inner, into);
    else into.set(f.json, fieldType(f, Object.hasOwn(goTypes, `${desc.name}.${f.json}`) ? goTypes[`${desc.name}.${f.json}`] : undefined));
  }
}

function fieldsOf(s: StructNode): Map<string, TypeNode> {
  if (!s.fields) {
    const fields = new Map<string, TypeNode>();
    addFields(s.desc, fields);
    s.fields = fields;
  }
  return s.fields;
}

const kindNodes = new Map<string, StructNode | null>();

/**
 * The type of a top-level kind (its message, with TypeMeta's apiVersion and kind), or undefined when the
 * descriptors do not hold it.
 */
export function kindType(protoName: string, kind: string): StructNode | undefined {
  let node = kindNodes.get(protoName);
  if (node === undefined) {
    const desc = messageDesc(protoName);
    if (desc && !desc.list) {
      const fields = new Map<string, TypeNode>([['apiVersion', scalars.string as TypeNode], ['kind', scalars.string as TypeNode]]);
      addFields(desc, fields);
      node = { goName: kind, desc, fields };
    } else node = null;
    kindNodes.set(protoName, node);
  }
  return node ?? undefined;
}

/** An error that ends decoding at once: a self-unmarshalling type refused its value. */
export class DecodeAbort extends Error {}

const SEG_FIELD = 0;
const SEG_INDEX = 1;
const SEG_KEY = 2;

/** encoding/json's name for a JSON value's kind (UnmarshalTypeError.Value). */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The fast path of the scalar kinds: whether v (not null) is of t's type; the slow path reports the error. */
function scalarOk(v: unknown, t: TypeNode): boolean {
  switch (t.k) {
    case K_STRING:
      return typeof v === 'string';
    case K_BOOL:
      return typeof v === 'boolean';
    case K_INT:
      return typeof v === 'number' && Number.isInteger(v) && v >= (t.min as number) && v <= (t.max as number);
    case K_FLOAT:
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return false;
  }
}

/** One walk's state: the path being decoded, the first saved error and the unknown fields found. */
class Walk {
  private readonly segs: (string | number)[] = [];
  private readonly segKinds: number[] = [];
  saved: string | undefined;
  readonly unknown: string[] | undefined;

  constructor(collectUnknown: boolean) {
    this.unknown = collectUnknown ? [] : undefined;
  }

  /** encoding/json's errorContext.FieldStack: field names only, no indexes or map keys. */
  private fieldPath(): string {
    let out = '';
    for (let i = 0; i < this.segs.length; i++) if (this.segKinds[i] === SEG_FIELD) out += out ? `.${String(this.segs[i])}` : String(this.segs[i]);
    return out;
  }

  /** sigs.k8s.io/json's strict path: `spec.containers[0].name`, map keys as fields. */
  private strictPath(last: string): string {
    let out = '';
    for (let i = 0; i < this.segs.length; i++) {
      const s = this.segs[i];
      out += this.segKinds[i] === SEG_INDEX ? `[${String(s)}]` : out ? `.${String(s)}` : String(s);
    }
    return out ? `${out}.${last}` : last;
  }

  private typeError(what: string, struct: string, goType: string): string {
    const field = this.fieldPath();
    return `json: cannot unmarshal ${what} into Go ${field ? `struct field ${struct}.${field}` : 'value'} of type ${goType}`;
  }

  /** A type error is saved and decoding goes on (decodeState.saveError keeps the first). */
  private mismatch(v: unknown, struct: string, goType: string, what = jsonKind(v)): void {
    this.saved ??= this.typeError(what, struct, goType);
  }

  private abort(v: unknown, struct: string, goType: string, what = jsonKind(v)): never {
    throw new DecodeAbort(this.typeError(what, struct, goType));
  }

  /** Checks v against t inside struct `struct`; returns v, or a copy when a value had to be converted. */
  value(v: unknown, t: TypeNode, struct: string): unknown {
    if (v === null || v === undefined) return v;
    switch (t.k) {
      case K_STRING:
        if (typeof v !== 'string') this.mismatch(v, struct, t.goType);
        return v;
      case K_BOOL:
        if (typeof v !== 'boolean') this.mismatch(v, struct, t.goType);
        return v;
      case K_INT:
        if (typeof v !== 'number') this.mismatch(v, struct, t.goType);
        else if (!Number.isInteger(v) || v < (t.min as number) || v > (t.max as number)) this.mismatch(v, struct, t.goType, `number ${String(v)}`);
        return v;
      case K_FLOAT:
        if (typeof v !== 'number') this.mismatch(v, struct, t.goType);
        else if (!Number.isFinite(v)) this.mismatch(v, struct, t.goType, `number ${String(v)}`);
        return v;
      case K_BYTES:
        return this.bytes(v, struct);
      case K_QUANTITY: {
        // Quantity.UnmarshalJSON parses the text of any value; only strings and numbers can be quantities.
        const err = typeof v === 'string' ? quantityParseError(v) : typeof v === 'number' ? quantityParseError(String(v)) : quantityFormatError;
        if (err) throw new DecodeAbort(err);
        return v;
      }
      case K_INTORSTRING:
        // IntOrString.UnmarshalJSON: a string, or json.Unmarshal into its int32.
        if (typeof v === 'string') return v;
        if (typeof v !== 'number') this.abort(v, struct, 'int32');
        if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) this.abort(v, struct, 'int32', `number ${String(v)}`);
        return v;
      case K_TIME:
      case K_MICROTIME: {
        if (typeof v !== 'string') this.abort(v, struct, 'string');
        const err = goTimeParseError(v, t.k === K_MICROTIME);
        if (err) throw new DecodeAbort(err);
        return v;
      }
      case K_DURATION: {
        if (typeof v !== 'string') this.abort(v, struct, 'string');
        const err = goDurationParseError(v);
        if (err) throw new DecodeAbort(err);
        return v;
      }
      case K_STRUCT:
        if (!isMap(v)) {
          this.mismatch(v, struct, t.goType);
          return v;
        }
        return this.struct(v, t.struct as StructNode, false);
      case K_LIST:
        if (!Array.isArray(v)) {
          this.mismatch(v, struct, t.goType);
          return v;
        }
        return this.list(v, t.elem as TypeNode, struct);
      case K_MAP:
        if (!isMap(v)) {
          this.mismatch(v, struct, t.goType);
          return v;
        }
        return this.map(v, t.elem as TypeNode, struct);
      default:
        return v;
    }
  }

  /** []byte: standard base64 in a string, or (as any Go slice) an array of uint8, stored as base64. */
  private bytes(v: unknown, struct: string): unknown {
    if (typeof v === 'string') {
      const at = illegalBase64At(v);
      // base64.CorruptInputError is saved like a type error, without the field.
      if (at >= 0) this.saved ??= `illegal base64 data at input byte ${at}`;
      return v;
    }
    if (!Array.isArray(v)) {
      this.mismatch(v, struct, '[]uint8');
      return v;
    }
    const saved = this.saved;
    for (const x of v) this.value(x, uint8Node, struct);
    return this.saved === saved ? Buffer.from(v.map((x) => (x === null ? 0 : (x as number)))).toString('base64') : v;
  }

  struct(obj: Record<string, unknown>, s: StructNode, inPlace: boolean): Record<string, unknown> {
    const fields = fieldsOf(s);
    let out = obj;
    for (const key in obj) {
      const t = fields.get(key);
      if (t === undefined) {
        // Unknown fields are dropped (and reported for fieldValidation Warn and Strict).
        this.unknown?.push(this.strictPath(key));
        if (out === obj && !inPlace) out = { ...obj };
        delete out[key];
        continue;
      }
      const v = obj[key];
      if (v === null || (t.k <= K_FLOAT && scalarOk(v, t))) continue;
      this.segs.push(key);
      this.segKinds.push(SEG_FIELD);
      const r = this.value(v, t, s.goName);
      this.segs.pop();
      this.segKinds.pop();
      if (r !== v) {
        if (out === obj && !inPlace) out = { ...obj };
        out[key] = r;
      }
    }
    return out;
  }

  private list(arr: unknown[], elem: TypeNode, struct: string): unknown[] {
    let out = arr;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (v === null || (elem.k <= K_FLOAT && scalarOk(v, elem))) continue;
      this.segs.push(i);
      this.segKinds.push(SEG_INDEX);
      const r = this.value(v, elem, struct);
      this.segs.pop();
      this.segKinds.pop();
      if (r !== v) {
        if (out === arr) out = arr.slice();
        out[i] = r;
      }
    }
    return out;
  }

  private map(m: Record<string, unknown>, elem: TypeNode, struct: string): Record<string, unknown> {
    let out = m;
    // A null string or []byte value decodes to the zero value.
    const zero = elem.k === K_STRING || elem.k === K_BYTES ? '' : undefined;
    for (const key in m) {
      const v = m[key];
      if (v !== null && elem.k <= K_FLOAT && scalarOk(v, elem)) continue;
      this.segs.push(key);
      this.segKinds.push(SEG_KEY);
      const r = v === null && zero !== undefined ? zero : this.value(v, elem, struct);
      this.segs.pop();
      this.segKinds.pop();
      if (r !== v) {
        if (out === m) out = { ...m };
        out[key] = r;
      }
    }
    return out;
  }
}

export interface TypedResult {
  /** The first error decoding into the Go struct meets, or undefined. */
  error?: string;
  /** The unknown fields' paths (dropped from obj), when asked for. */
  unknown?: string[];
}

/**
 * Checks a top-level object against its kind's type in place: unknown fields are dropped, []byte arrays
 * become base64 and null string map values empty strings, as a decode and encode round trip does. Nested
 * values are never changed in place (they may be shared with a stored object): a changed one is copied.
 */
export function checkTyped(obj: Record<string, unknown>, kind: StructNode, collectUnknown: boolean): TypedResult {
  const w = new Walk(collectUnknown);
  try {
    w.struct(obj, kind, true);
  } catch (e) {
    if (e instanceof DecodeAbort) return { error: e.message };
    throw e;
  }
  if (w.saved !== undefined) return { error: w.saved };
  return w.unknown ? { unknown: w.unknown } : {};
}
