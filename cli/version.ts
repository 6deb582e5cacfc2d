// `racelab --version`: the package version and the git commit it runs from (with -dirty for uncommitted
// changes), or the commit the bundle was built from where there is no git checkout (the image).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../package.json' with { type: 'json' };

/** Set by the build (bin/build.js) to the commit it built; undefined under tsx. */
declare const RACELAB_BUILD_COMMIT: string | undefined;

function packageRoot(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function git(root: string, args: string[]): string | undefined {
  const r = spawnSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function commit(): string {
  const root = packageRoot();
  const head = root && existsSync(join(root, '.git')) ? git(root, ['rev-parse', '--short=12', 'HEAD']) : undefined;
  if (head) return git(root as string, ['status', '--porcelain', '--untracked-files=no']) ? `${head}-dirty` : head;
  return typeof RACELAB_BUILD_COMMIT === 'string' ? RACELAB_BUILD_COMMIT : 'unknown';
}

export function versionText(): string {
  return `racelab ${pkg.version} (commit ${commit()})`;
}
