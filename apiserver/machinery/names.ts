// Generated names (apiserver pkg/storage/names/generate.go) on the injected Random.
import type { Random } from './random.ts';

const alphanums = 'bcdfghjklmnpqrstvwxz2456789'; // apimachinery pkg/util/rand/rand.go
const maxNameLength = 63;
const randomLength = 5;
const maxGeneratedNameLength = maxNameLength - randomLength;

export function generateName(base: string, random: Random): string {
  const prefix = base.length > maxGeneratedNameLength ? base.slice(0, maxGeneratedNameLength) : base;
  return prefix + random.string(randomLength, alphanums);
}
