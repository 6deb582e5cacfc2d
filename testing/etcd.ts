// Test support (and `npm run bench`): a private etcd for one test file, on free loopback ports with a
// temporary data dir, stopped by its PID when the file's tests end. Each file gets its own because etcd's revision is global and the
// storage contract asserts consecutive revisions. Without an etcd binary the tests skip with a message,
// unless RACELAB_REQUIRE_ETCD=1 (CI), where a missing binary fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const etcdBinary = process.env.RACELAB_ETCD_BIN ?? 'etcd';

export function etcdAvailable(): boolean {
  const r = spawnSync(etcdBinary, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Why etcd tests skip here, or false when they run. Fails loudly when CI requires etcd and it is missing. */
export function etcdSkip(): string | false {
  if (etcdAvailable()) return false;
  if (process.env.RACELAB_REQUIRE_ETCD === '1') throw new Error(`RACELAB_REQUIRE_ETCD=1 but no '${etcdBinary}' binary was found`);
  return `no '${etcdBinary}' binary found (apt-get install etcd-server to run the etcd tests)`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TestEtcd {
  url: string;
  pid: number;
  /** Stops etcd by its PID and removes its data. */
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

function exited(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve();
    else p.once('exit', () => resolve());
  });
}

/** Starts etcd and waits until it answers /health. */
export async function startEtcd(): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'racelab-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const proc = spawn(
    etcdBinary,
    [
      '--name', 'racelab-test',
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', url,
      '--advertise-client-urls', url,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `racelab-test=${peerUrl}`,
      '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const pid = proc.pid as number;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      await exited(proc);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) break;
    if (await healthy(url)) return { url, pid, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`etcd did not become healthy on ${url}: ${stderr}`);
}
