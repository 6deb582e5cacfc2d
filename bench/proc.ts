// Child processes for benchmarks: start, wait for the "listening on" line, stop by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  url: string;
  proc: ChildProcess;
  /** Milliseconds from spawn to the listening line. */
  startedMs: number;
  stop(): Promise<void>;
}

export function startChild(args: string[]): Promise<Child> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m?.[1]) {
        proc.removeAllListeners('exit');
        const url = m[1];
        resolve({
          url,
          proc,
          startedMs: performance.now() - t0,
          stop: () =>
            new Promise<void>((done) => {
              proc.once('exit', () => done());
              proc.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
