// `racelab serve --storage SPEC`: memory (the default) or etcd=URL[,URL...].
import { InvalidArgumentError } from 'commander';

export type StorageSpec = { kind: 'memory' } | { kind: 'etcd'; url: string };

export function parseStorageSpec(spec: string): StorageSpec {
  if (spec === 'memory') return { kind: 'memory' };
  const m = /^etcd=(.+)$/.exec(spec);
  if (!m) throw new InvalidArgumentError(`--storage must be memory or etcd=URL, got ${JSON.stringify(spec)}`);
  const urls = (m[1] as string).split(',');
  for (const u of urls) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(u)) throw new InvalidArgumentError(`--storage etcd=URL needs http://HOST:PORT URLs, got ${JSON.stringify(u)}`);
  }
  return { kind: 'etcd', url: urls.join(',') };
}
