// Message descriptors: the tables under ./descriptors, one string per message of the form
//   '<number> <json name> <type> [flags]; …'   or   '@list <number> <name> <type> r' (a Go slice type)
// where <type> is a proto scalar (string, int32, int64, bool, bytes, double, …), a fully qualified message
// name, or map<string,TYPE>; flags: r repeated, k keep a zero value (a Go pointer or a field without
// omitempty; for a list, map or struct
// pointer: null when absent, as Go has no omitempty), i inline (an embedded Go struct whose fields sit in the parent's JSON).
import { packages } from './descriptors/index.ts';

export interface FieldDesc {
  no: number;
  json: string;
  type: string;
  /** The value type of a map field. */
  mapValue?: string;
  repeated: boolean;
  keepZero: boolean;
  inline: boolean;
}

export interface MessageDesc {
  name: string;
  fields: Map<number, FieldDesc>;
  /** A Go slice type (e.g. authentication/v1 ExtraValue): the message's one repeated field is its JSON. */
  list: boolean;
}

function parseField(spec: string, message: string): FieldDesc {
  const [no = '', json = '', type = '', flags = ''] = spec.trim().split(/\s+/);
  const map = /^map<string,(.+)>$/.exec(type);
  const field: FieldDesc = { no: Number(no), json, type, repeated: flags.includes('r'), keepZero: flags.includes('k'), inline: flags.includes('i') };
  if (map?.[1]) field.mapValue = map[1];
  if (!Number.isInteger(field.no) || !json || !type) throw new Error(`bad descriptor of ${message}: ${spec}`);
  return field;
}

let registry: Map<string, MessageDesc> | undefined;

function build(): Map<string, MessageDesc> {
  const out = new Map<string, MessageDesc>();
  for (const p of packages) {
    for (const [name, spec] of Object.entries(p.messages)) {
      const full = `${p.pkg}.${name}`;
      const list = spec.startsWith('@list ');
      const fields = new Map<number, FieldDesc>();
      for (const f of (list ? spec.slice(6) : spec).split(';')) {
        if (f.trim() === '') continue;
        const d = parseField(f, full);
        fields.set(d.no, d);
      }
      out.set(full, { name: full, fields, list });
    }
  }
  return out;
}

/** The descriptor of a fully qualified message name, or undefined. */
export function messageDesc(name: string): MessageDesc | undefined {
  registry ??= build();
  return registry.get(name);
}

/** The proto package of a built-in group version (go-to-protobuf's package naming). */
export function protoPackage(group: string, version: string): string {
  if (group === 'apiextensions.k8s.io') return `k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.${version}`;
  if (group === 'apiregistration.k8s.io') return `k8s.io.kube_aggregator.pkg.apis.apiregistration.${version}`;
  if (group === 'meta.k8s.io') return `k8s.io.apimachinery.pkg.apis.meta.${version}`;
  return `k8s.io.api.${group === '' ? 'core' : (group.split('.')[0] ?? group)}.${version}`;
}

/** Kinds registered in every group version, as the scheme's AddToGroupVersion does (meta/v1 register.go). */
const metaKinds = new Set(['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'ListOptions', 'GetOptions', 'Status', 'WatchEvent']);

/** The message of a top-level kind sent in a protobuf envelope, or undefined when the decoder does not know it. */
export function kindMessage(apiVersion: string, kind: string): MessageDesc | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!version || !/^[A-Z]\w*$/.test(kind)) return undefined;
  const pkg = metaKinds.has(kind) ? 'k8s.io.apimachinery.pkg.apis.meta.v1' : protoPackage(group, version);
  const desc = messageDesc(`${pkg}.${kind}`);
  // Only kinds: a message whose field 1 is the object's or list's metadata, or a meta option type.
  if (!desc) return undefined;
  const first = desc.fields.get(1);
  const isKind = metaKinds.has(kind) || (first?.json === 'metadata' && first.type.startsWith('k8s.io.apimachinery.pkg.apis.meta.v1.'));
  return isKind ? desc : undefined;
}

/** The top-level fields of a built-in kind's message (inline structs flattened); undefined when unknown. */
export function kindFieldList(group: string, version: string, kind: string): FieldDesc[] | undefined {
  const desc = messageDesc(`${protoPackage(group, version)}.${kind}`);
  if (!desc) return undefined;
  const out: FieldDesc[] = [];
  for (const f of desc.fields.values()) {
    const inner = f.inline ? messageDesc(f.type) : undefined;
    if (inner) out.push(...inner.fields.values());
    else out.push(f);
  }
  return out;
}

/** The JSON names of a built-in kind's top-level fields (apiVersion and kind aside); undefined when unknown. */
export function kindFields(group: string, version: string, kind: string): string[] | undefined {
  return kindFieldList(group, version, kind)?.map((f) => f.json);
}
