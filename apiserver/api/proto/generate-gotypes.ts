// Writes ./gotypes.ts: the Go types of the fields of k8s.io/api structs whose type is a named string, number,
// map or slice type (e.g. ContainerPort.protocol is a v1.Protocol, ResourceRequirements.limits a
// v1.ResourceList), which a type error names as reflect prints them. Read from a local checkout, never
// committed, in the layout ./generate.ts reads:
//   tsx apiserver/api/proto/generate-gotypes.ts SRC
// where SRC/<proto package>/ holds that package's generated.proto and Go sources.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packages } from './descriptors/index.ts';

/** Go's predeclared types, as reflect names them. */
const predeclared: Record<string, string> = { string: 'string', bool: 'bool', int: 'int', int32: 'int32', int64: 'int64', uint32: 'uint32', uint64: 'uint64', float32: 'float32', float64: 'float64', byte: 'uint8', uint8: 'uint8' };

interface GoPackage {
  name: string;
  /** Named types that are not structs, with what they are made of. */
  named: Map<string, string>;
  /** Struct name → JSON name → the field's Go type expression. */
  fields: Map<string, Map<string, string>>;
}

function readPackage(dir: string, name: string): GoPackage {
  const pkg: GoPackage = { name, named: new Map(), fields: new Map() };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))) {
    let current: Map<string, string> | undefined;
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const start = /^type (\w+) struct \{/.exec(line);
      if (start?.[1]) {
        current = new Map();
        pkg.fields.set(start[1], current);
        continue;
      }
      const named = /^type (\w+) ([^=\s{][^{]*)$/.exec(line);
      if (named?.[1] && named[2]) pkg.named.set(named[1], named[2].trim());
      if (line.startsWith('}')) current = undefined;
      if (!current) continue;
      const field = /^\s+\w+\s+(\S+)\s+`[^`]*json:"([^",]+)/.exec(line);
      if (field?.[1] && field[2] && field[2] !== '-') current.set(field[2], field[1]);
    }
  }
  return pkg;
}

/** The package name of an import alias as reflect prints it (metav1 is package v1). */
const aliasName = (alias: string): string => (/^(meta|core|api)?v1$/.test(alias) ? 'v1' : alias);

/** reflect.Type.String() of a Go type expression written in package pkg. */
function reflectName(expr: string, pkg: GoPackage): string {
  const e = expr.replace(/^\*/, '');
  if (e.startsWith('[]')) return `[]${reflectName(e.slice(2), pkg)}`;
  const map = /^map\[([^\]]+)\](.+)$/.exec(e);
  if (map?.[1] && map[2]) return `map[${reflectName(map[1], pkg)}]${reflectName(map[2], pkg)}`;
  const dot = e.indexOf('.');
  if (dot > 0) return `${aliasName(e.slice(0, dot))}.${e.slice(dot + 1)}`;
  return predeclared[e] ?? `${pkg.name}.${e}`;
}

/** Whether a type expression names one of the package's named non-struct types anywhere in it. */
function mentionsNamed(expr: string, pkg: GoPackage): boolean {
  return (expr.match(/\w+/g) ?? []).some((w) => pkg.named.has(w));
}

/** The element of a slice or the value of a map a field's type is or is made of; undefined for scalars. */
function elemOf(expr: string, pkg: GoPackage): string | undefined {
  let e = expr.replace(/^\*/, '');
  const underlying = pkg.named.get(e);
  if (underlying) e = underlying;
  if (e.startsWith('[]')) return e.slice(2);
  return /^map\[[^\]]+\](.+)$/.exec(e)?.[1];
}

function main(src: string): void {
  const wanted = new Set(packages.map((p) => p.pkg).filter((p) => p.startsWith('k8s.io.api.')));
  const lines: string[] = [];
  for (const dir of readdirSync(src).sort()) {
    const protoPkg = /^package ([\w.-]+);/m.exec(readFileSync(join(src, dir, 'generated.proto'), 'utf8'))?.[1] ?? '';
    if (!wanted.has(protoPkg)) continue;
    const pkg = readPackage(join(src, dir), protoPkg.split('.').pop() ?? '');
    for (const [struct, fields] of [...pkg.fields].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [json, expr] of fields) {
        if (!mentionsNamed(expr, pkg)) continue;
        const elem = elemOf(expr, pkg);
        const types = elem === undefined ? [reflectName(expr, pkg)] : [reflectName(expr, pkg), reflectName(elem, pkg)];
        lines.push(`  '${protoPkg}.${struct}.${json}': ${JSON.stringify(types).replace(/"/g, "'").replace(/,/g, ', ')},`);
      }
    }
  }
  writeFileSync(
    fileURLToPath(new URL('./gotypes.ts', import.meta.url)),
    `// The Go types of fields whose type is a named string, number, map or slice type, by proto message and JSON\n` +
      `// name: [the field's type, the type of its elements or values], as reflect prints them (written by\n` +
      `// ./generate-gotypes.ts from upstream's k8s.io/api Go sources).\n` +
      `export const goTypes: Record<string, readonly [string, string?]> = {\n${lines.join('\n')}\n};\n`,
  );
}

main(process.argv[2] ?? '.');
