// racelab's version (package.json) and git commit, for schedule files and --version.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of racelab's package.json, found upwards from this module (cli/ or dist/chunks/). */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        if ((JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'racelab') return dir;
      } catch {
        // not ours
      }
    }
    dir = dirname(dir);
  }
  return undefined;
}

export function provenance(): { version: string; commit?: string } {
  const root = packageRoot();
  if (!root) return { version: 'unknown' };
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2_000 }).trim();
    return /^[0-9a-f]{40}$/.test(commit) ? { version, commit } : { version };
  } catch {
    return { version };
  }
}
