// Bounds on the shape of decoded values: nesting depth and keys that would reach an object's prototype.
// Everything downstream (managedFields, strategic merge, freezing, serialisation) walks objects recursively,
// so a value nested deeper than the limit is refused before it reaches any of them.
import { badRequest, type StatusError } from './errors.ts';

/**
 * The deepest nesting of objects and arrays in a stored object, not counting metadata.managedFields. Go's
 * decoder stops at 10,000 (sigs.k8s.io/json maxNestingDepth); ours is lower so that every recursive step of
 * the write path and every later read of the stored object stays far from the JavaScript stack limit.
 */
export const maxNestingDepth = 1000;

/**
 * The deepest nesting of a request body: a little above the object limit, because managedFields mirror an
 * object's fields up to five levels deeper (metadata.managedFields[i].fieldsV1) and an object read back must
 * be writable again.
 */
export const maxBodyNestingDepth = maxNestingDepth + 8;

/** Keys refused anywhere in a body: assigning them to a plain object changes its prototype instead. */
export const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__']);

/**
 * Whether JSON text nests objects and arrays deeper than `limit`, found by one scan of its characters (strings
 * skipped), before anything is parsed: a deep body costs no allocation at all.
 */
export function jsonTextTooDeep(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, escapes included.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

export type ShapeProblem = { kind: 'depth'; limit: number } | { kind: 'key'; key: string; path: string };

/** The first problem with a decoded JSON value, found iteratively in one pass over it; undefined when none. */
export function shapeProblem(value: unknown, limit: number): ShapeProblem | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // Each entry knows its parent and key: the path of a problem is spelled out only when there is one.
  interface Frame {
    v: object;
    depth: number;
    parent?: Frame;
    key?: string | number;
  }
  const pathOf = (f: Frame | undefined, last: string): string => {
    const parts: string[] = [last];
    for (let p = f; p?.key !== undefined; p = p.parent) parts.push(typeof p.key === 'number' ? `[${p.key}]` : p.key);
    return parts.reverse().join('.').replace(/\.\[/g, '[');
  };
  const stack: Frame[] = [{ v: value, depth: 1 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.depth > limit) return { kind: 'depth', limit };
    if (Array.isArray(top.v)) {
      for (let i = 0; i < top.v.length; i++) {
        const x: unknown = top.v[i];
        if (x !== null && typeof x === 'object') stack.push({ v: x, depth: top.depth + 1, parent: top, key: i });
      }
      continue;
    }
    for (const k of Object.keys(top.v)) {
      if (forbiddenKeys.has(k)) return { kind: 'key', key: k, path: pathOf(top, k) };
      const x: unknown = (top.v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push({ v: x, depth: top.depth + 1, parent: top, key: k });
    }
  }
  return undefined;
}

export function shapeError(p: ShapeProblem): StatusError {
  if (p.kind === 'depth') return badRequest(`the object is nested too deeply: more than ${p.limit} levels of objects and arrays (exceeded max depth)`);
  return badRequest(`the key ${JSON.stringify(p.key)} is not allowed (at ${p.path})`);
}

/** Throws a 400 Status when a request body is nested deeper than its limit or holds a forbidden key. */
export function checkShape(value: unknown, limit = maxBodyNestingDepth): void {
  const p = shapeProblem(value, limit);
  if (p) throw shapeError(p);
}

/** Throws a 400 Status when an object to be stored is nested deeper than maxNestingDepth (managedFields aside). */
export function checkObjectShape(obj: Record<string, unknown>): void {
  const meta = obj.metadata;
  const view = meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? { ...obj, metadata: { ...meta, managedFields: undefined } } : obj;
  checkShape(view, maxNestingDepth);
}
