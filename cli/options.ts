// Parsers for the racelab command's option values: each refuses a bad value with a message that says
// what is allowed (commander prints it as `error: option '--port <port>' argument 'x' is invalid. …`).
import { InvalidArgumentError } from 'commander';

function integer(v: string, what: string): number {
  const n = /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what}.`);
  return n;
}

/** A TCP port: 0 (any free port) to 65535. */
export function port(v: string): number {
  const n = integer(v, 'A port is a whole number from 0 (any free port) to 65535');
  if (n < 0 || n > 65535) throw new InvalidArgumentError('A port is a whole number from 0 (any free port) to 65535.');
  return n;
}

/** A whole number ≥ min, e.g. seeds ≥ 1. */
export function atLeast(min: number, what: string): (v: string) => number {
  return (v) => {
    const n = integer(v, `${what} is a whole number of at least ${min}`);
    if (n < min) throw new InvalidArgumentError(`${what} is a whole number of at least ${min}.`);
    return n;
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(values: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`Allowed: ${values.join(', ')}.`);
    return v as T;
  };
}

/** A comma-separated subset of a fixed set of words. */
export function listOf<T extends string>(values: readonly T[]): (v: string) => T[] {
  return (v) => {
    const names = v.split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) throw new InvalidArgumentError(`Give one or more of: ${values.join(', ')}.`);
    for (const n of names) if (!(values as readonly string[]).includes(n)) throw new InvalidArgumentError(`Unknown "${n}"; allowed: ${values.join(', ')}.`);
    return names as T[];
  };
}

/** An http(s) URL. */
export function url(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError('Give a URL such as http://127.0.0.1:6443.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('Give an http:// or https:// URL.');
  return v;
}
