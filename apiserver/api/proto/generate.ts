// Writes the message descriptor tables under ./descriptors from upstream's generated.proto files (field
// numbers, names, types) and Go types.go files (JSON names, pointers, omitempty, inline), which are read
// from a local checkout and never committed:
//   tsx apiserver/api/proto/generate.ts SRC
// where SRC/<package>/ holds each package's generated.proto and Go sources, <package> being the proto
// package (e.g. SRC/k8s.io.api.apps.v1/generated.proto, SRC/k8s.io.api.apps.v1/types.go).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface GoField {
  json: string;
  omitempty: boolean;
  pointer: boolean;
  inline: boolean;
}

/** Go struct fields by struct name and protobuf field number; slice types named by their struct name. */
function readGo(dir: string): { structs: Map<string, Map<number, GoField>>; slices: Set<string> } {
  const structs = new Map<string, Map<number, GoField>>();
  const slices = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.go'))) {
    let current: Map<number, GoField> | undefined;
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const start = /^type (\w+) struct \{/.exec(line);
      if (start?.[1]) {
        current = new Map();
        structs.set(start[1], current);
        continue;
      }
      const slice = /^type (\w+) \[\]/.exec(line);
      if (slice?.[1]) slices.add(slice[1]);
      if (line.startsWith('}')) current = undefined;
      if (!current) continue;
      const named = /^\s+\w+\s+(\*?)\S+\s+`([^`]*)`/.exec(line);
      const embedded = named ? undefined : /^\s+\*?[\w.]+\s+`([^`]*)`/.exec(line);
      if (!named && !embedded) continue;
      const tag = (named ? named[2] : embedded?.[1]) ?? '';
      const pb = /protobuf:"[^,]+,(\d+),/.exec(tag);
      const js = /json:"([^"]*)"/.exec(tag);
      if (!pb?.[1] || !js) continue;
      const [name = '', ...opts] = (js[1] ?? '').split(',');
      // An embedded struct without a JSON name is inlined, as encoding/json does.
      const inline = opts.includes('inline') || (embedded !== undefined && name === '');
      current.set(Number(pb[1]), { json: name, omitempty: opts.includes('omitempty'), pointer: named?.[1] === '*', inline });
    }
  }
  return { structs, slices };
}

interface ProtoField {
  no: number;
  name: string;
  type: string;
  repeated: boolean;
}

function qualify(type: string, pkg: string): string {
  if (type.startsWith('.')) return type.slice(1);
  if (/^(string|bytes|bool|int32|int64|uint32|uint64|double|float|sint32|sint64|fixed32|fixed64)$/.test(type)) return type;
  return `${pkg}.${type}`;
}

function readProto(file: string): { pkg: string; messages: Map<string, ProtoField[]> } {
  const text = readFileSync(file, 'utf8');
  const pkg = /^package ([\w.-]+);/m.exec(text)?.[1] ?? '';
  const messages = new Map<string, ProtoField[]>();
  let current: ProtoField[] | undefined;
  for (const line of text.split('\n')) {
    const start = /^message (\w+) \{/.exec(line);
    if (start?.[1]) {
      current = [];
      messages.set(start[1], current);
      continue;
    }
    if (line.startsWith('}')) current = undefined;
    if (!current) continue;
    const map = /^\s+map<(\w+), ([\w.]+)> (\w+) = (\d+);/.exec(line);
    if (map) {
      current.push({ no: Number(map[4]), name: map[3] ?? '', type: `map<${map[1]},${qualify(map[2] ?? '', pkg)}>`, repeated: false });
      continue;
    }
    const f = /^\s+(optional|repeated) ([\w.]+) (\w+) = (\d+);/.exec(line);
    if (f) current.push({ no: Number(f[4]), name: f[3] ?? '', type: qualify(f[2] ?? '', pkg), repeated: f[1] === 'repeated' });
  }
  return { pkg, messages };
}

/** One field as `<no> <json name> <type> [flags]`: r repeated, k keeps a zero value, i inline. */
function fieldSpec(f: ProtoField, go: GoField | undefined): string {
  // Go names the JSON field; `json:"-"` (a type that marshals itself, e.g. apiextensions JSON) keeps the proto name.
  const json = go && !go.inline && go.json !== '' && go.json !== '-' ? go.json : f.name;
  let flags = f.repeated ? 'r' : '';
  const scalar = !f.type.includes('.') && !f.type.startsWith('map<');
  // A zero scalar stays when Go has a pointer or no omitempty; a missing list or map without omitempty is null.
  if (go && scalar && !f.repeated && (go.pointer || !go.omitempty)) flags += 'k';
  if (go && (f.repeated || f.type.startsWith('map<')) && !go.omitempty && !go.inline) flags += 'k';
  // A nil pointer to a struct without omitempty is null too (non-pointer structs are always on the wire).
  if (go && !scalar && !f.repeated && !f.type.startsWith('map<') && go.pointer && !go.omitempty) flags += 'k';
  if (go?.inline) flags += 'i';
  return `${f.no} ${json} ${f.type}${flags ? ` ${flags}` : ''}`;
}

function main(src: string): void {
  const out = fileURLToPath(new URL('./descriptors/', import.meta.url));
  const index: string[] = [];
  for (const pkgDir of readdirSync(src).sort()) {
    const { pkg, messages } = readProto(join(src, pkgDir, 'generated.proto'));
    const { structs, slices } = readGo(join(src, pkgDir));
    const lines: string[] = [];
    for (const [name, fields] of [...messages].sort(([a], [b]) => a.localeCompare(b))) {
      const go = structs.get(name);
      const spec = slices.has(name) && fields.length === 1 ? `@list ${fieldSpec(fields[0] as ProtoField, undefined)}` : fields.map((f) => fieldSpec(f, go?.get(f.no))).join('; ');
      lines.push(`  ${name}: '${spec}',`);
    }
    const module = pkg.replace(/^k8s\.io\./, '').replace(/[^\w]+/g, '_');
    writeFileSync(
      join(out, `${module}.ts`),
      `// Message descriptors of ${pkg}: field numbers and types from upstream's generated.proto, JSON names,\n` +
        `// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).\n` +
        `export const pkg = '${pkg}';\n\nexport const messages: Record<string, string> = {\n${lines.join('\n')}\n};\n`,
    );
    index.push(module);
  }
  writeFileSync(
    join(out, 'index.ts'),
    `// Every package the protobuf decoder knows (written by ../generate.ts).\n` +
      index.map((m) => `import * as ${m} from './${m}.ts';`).join('\n') +
      `\n\nexport const packages: readonly { pkg: string; messages: Record<string, string> }[] = [\n${index.map((m) => `  ${m},`).join('\n')}\n];\n`,
  );
}

main(process.argv[2] ?? '.');
