// Stored objects are immutable snapshots, so the JSON text of a recent one is kept and shared: the reply to
// its write, reads, and every watcher of its event. Older snapshots are serialised again when read.

/**
 * Characters of JSON text kept for reuse, at most (the oldest entries go first). Bounded so that a large
 * collection holds each object once, not once more as text (about 64 MiB of one-byte strings).
 */
export const jsonCacheLimitChars = 64 * 1024 * 1024;

const cache = new Map<object, string>();
let cachedChars = 0;

export function jsonOf(obj: object): string {
  let s = cache.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    cache.set(obj, s);
    cachedChars += s.length;
    for (const [old, text] of cache) {
      if (cachedChars <= jsonCacheLimitChars) break;
      cache.delete(old);
      cachedChars -= text.length;
    }
  }
  return s;
}

/** Freezes an object graph in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The stored snapshot of `obj` at `revision`: a frozen copy with metadata.resourceVersion set. Built by
 * assignment: in V8 an object spread that is later frozen gets a hidden class of its own per copy (about
 * half a KiB each, and every read of it megamorphic), while assigned copies share one.
 */
export function snapshotAt<T extends { metadata: object }>(obj: T, revision: number): T {
  const metadata = Object.assign({}, obj.metadata, { resourceVersion: String(revision) });
  return deepFreeze(Object.assign({}, obj, { metadata }));
}

/** A mutable deep copy of a JSON value. */
export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}
