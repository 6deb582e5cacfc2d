// Builds dist/ (the bundle `racelab` runs) from the TypeScript sources with esbuild, only when the sources
// changed since the last build. `node bin/build.js` is the package's prepare script (npm ci runs it);
// `--force` rebuilds regardless. The bin calls ensureBuilt() before it imports dist/racelab.js.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stampFile = join(dist, '.sources');
/** The folders bundled into dist; tests and test support are not. */
const sourceDirs = ['apiserver', 'clients', 'controllers', 'scenarios', 'cli'];

function listSources(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'testing' && entry.name !== 'node_modules') listSources(path, out);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** A digest of every bundled source's path, size and mtime, and of the lockfile: what a build depends on. */
export function sourcesFingerprint() {
  const files = sourceDirs.filter((d) => existsSync(join(root, d))).flatMap((d) => listSources(join(root, d), [])).sort();
  const hash = createHash('sha256');
  for (const f of [...files, join(root, 'package-lock.json'), join(root, 'bin', 'build.js')]) {
    if (!existsSync(f)) continue;
    const s = statSync(f);
    hash.update(`${f.slice(root.length)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

function hasSources() {
  return existsSync(join(root, 'cli', 'main.ts'));
}

function builtFingerprint() {
  try {
    return readFileSync(stampFile, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** True when dist/ is missing or older than the sources (never true where there are no sources, as in the image). */
export function isStale() {
  if (!hasSources()) return false;
  return builtFingerprint() !== sourcesFingerprint();
}

/** The commit being built, for `racelab --version` where the bundle runs without a git checkout. */
function buildCommit() {
  const r = spawnSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/** Bundles into a fresh folder and swaps it in, so a concurrent reader never sees half a build. */
export async function build() {
  const { build: esbuild } = await import('esbuild');
  const fingerprint = sourcesFingerprint();
  const tmp = join(root, `.dist-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  await esbuild({
    entryPoints: [join(root, 'cli', 'main.ts')],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pino', 'pino-pretty', 'etcd3'],
    outdir: tmp,
    entryNames: 'racelab',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    define: { RACELAB_BUILD_COMMIT: JSON.stringify(buildCommit()) },
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  writeFileSync(join(tmp, '.sources'), `${fingerprint}\n`);
  const old = join(root, `.dist-old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  try {
    renameSync(tmp, dist);
  } catch (e) {
    // Another build swapped its dist in first: keep that one.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dist)) throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/** Builds when the sources changed; a no-op (a few milliseconds of stat calls) otherwise. */
export async function ensureBuilt() {
  if (isStale()) await build();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!hasSources()) {
    console.error('racelab build: no sources here (cli/main.ts); nothing to build');
  } else if (process.argv.includes('--force') || isStale()) {
    let esbuildPresent = true;
    try {
      await import('esbuild');
    } catch {
      esbuildPresent = false;
    }
    if (!esbuildPresent) console.error('racelab build: esbuild is not installed (npm ci --omit=dev?); not building');
    else await build();
  }
}
