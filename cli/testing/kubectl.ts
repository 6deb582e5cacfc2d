// Test support for driving the real kubectl against `racelab serve` started as a child process:
// the server on an ephemeral port, a kubectl runner with its own HOME, kubeconfig and cache directory,
// long-running kubectl processes (watches, waits) with bounded waits on their output, and table parsing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { stringify } from 'yaml';

/** How long any asynchronous outcome may take before the test fails. */
export const waitLimitMs = 20_000;

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The kubectl executable on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Result {
  /** The exit code; null when the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Whatever happened, a readable summary for assertion messages. */
export function describeResult(args: readonly string[], r: Result): string {
  return `kubectl ${args.join(' ')}\nexit code: ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode);
      return;
    }
    child.once('exit', (code) => resolve(code));
  });
}

/** `racelab serve` as a child process. */
export interface RacelabServer {
  url: string;
  pid: number;
  /** Everything the server wrote to stderr (its log). */
  log(): string;
  /** Ends the server by its PID, SIGTERM first, SIGKILL if it does not exit within the limit. */
  stop(): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exitCode(): Promise<number | null>;
}

export async function startRacelab(kubeconfigFile: string): Promise<RacelabServer> {
  return startRacelabProcess(['serve', '--port', '0', '--kubeconfig', kubeconfigFile], /listening on (http:\/\/\S+)/);
}

/** A racelab command as a child process, once it printed a line matching `ready` (group 1 becomes `url`). */
export async function startRacelabProcess(args: readonly string[], ready: RegExp): Promise<RacelabServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RACELAB_LOG: process.env.RACELAB_LOG ?? 'warn' },
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    err = (err + d).slice(-100_000);
  });
  const exited = exitOf(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`racelab ${args[0]} printed no ready line within ${waitLimitMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, waitLimitMs);
    child.stdout?.on('data', (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`racelab ${args[0]} exited with code ${code} before it was ready\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`racelab ${args[0]} has no pid`);
  return {
    url,
    pid,
    log: () => err,
    exitCode: () => exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
      }, waitLimitMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A kubectl process still running (a watch, a wait, a delete that waits). */
export interface Running {
  pid: number;
  args: readonly string[];
  stdout(): string;
  stderr(): string;
  /** True while the process has not exited. */
  running(): boolean;
  /** Resolves when the process exits, with everything it printed. */
  done: Promise<Result>;
  /**
   * Waits until the output so far satisfies `ok`, failing after the limit or if the process exits first; resolves
   * with stdout. `poke`, when given, is called before each check round (about every 250 ms) to cause the change
   * being watched for.
   */
  waitFor(ok: (stdout: string, stderr: string) => boolean, what: string, poke?: (round: number) => Promise<void>): Promise<string>;
  /** Kills the process by its PID and waits for it to exit. */
  stop(): Promise<Result>;
}

export class Kubectl {
  readonly home: string;
  readonly cacheDir: string;
  readonly kubeconfig: string;

  constructor(
    readonly binary: string,
    readonly dir: string,
    kubeconfig: string,
  ) {
    this.home = join(dir, 'home');
    this.cacheDir = join(dir, 'cache');
    this.kubeconfig = kubeconfig;
  }

  /** The environment every kubectl gets: a fresh HOME, and no KUBECONFIG from the developer's shell. */
  env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '', HOME: this.home, KUBECONFIG: this.kubeconfig, LANG: 'C', LC_ALL: 'C' };
  }

  fullArgs(args: readonly string[]): string[] {
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args];
  }

  /** Runs kubectl to completion (execFile, no shell); never throws for a non-zero exit. */
  run(args: readonly string[], timeoutMs = 60_000): Promise<Result> {
    return this.start(args, timeoutMs).done;
  }

  /** Starts kubectl (execFile, no shell) and returns at once. */
  start(args: readonly string[], timeoutMs = 120_000): Running {
    let stdout = '';
    let stderr = '';
    const child = execFile(this.binary, this.fullArgs(args), { env: this.env(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    child.stdout?.on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.on('data', (d: string) => {
      stderr += d;
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`kubectl ${args.join(' ')} did not start`);
    // 'close' comes after both streams are drained, so the result holds everything the process printed.
    const done = new Promise<Result>((resolve) => {
      child.once('close', (code) => resolve({ code, stdout, stderr }));
      child.once('error', (e) => {
        stderr += `\n[spawn error] ${e.message}`;
      });
    });
    let exited = false;
    void done.then(() => {
      exited = true;
    });
    const running: Running = {
      pid,
      args,
      stdout: () => stdout,
      stderr: () => stderr,
      running: () => !exited,
      done,
      waitFor: async (ok, what, poke) => {
        const deadline = AbortSignal.timeout(waitLimitMs);
        for (let round = 0; ; round++) {
          if (ok(stdout, stderr)) return stdout;
          if (exited) {
            const r = await done;
            if (ok(r.stdout, r.stderr)) return r.stdout;
            throw new Error(`kubectl exited before ${what}\n${describeResult(args, r)}`);
          }
          if (deadline.aborted) throw new Error(`timed out after ${waitLimitMs} ms waiting for ${what}\n${describeResult(args, { code: null, stdout, stderr })}`);
          if (poke) await poke(round);
          await delay(poke ? 250 : 50);
        }
      },
      stop: async () => {
        if (!exited) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
        return done;
      },
    };
    return running;
  }
}

/** Polls `check` until it returns a value that is not undefined; fails after the limit with `what` and the last state. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, describeLast?: () => string): Promise<T> {
  const deadline = AbortSignal.timeout(waitLimitMs);
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (deadline.aborted) throw new Error(`timed out after ${waitLimitMs} ms waiting for ${what}${describeLast ? `\nlast seen: ${describeLast()}` : ''}`);
    await delay(100);
  }
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes objects as a multi-document YAML manifest and returns its path. */
export function writeManifest(dir: string, name: string, ...objects: object[]): string {
  const file = join(dir, name.endsWith('.yaml') ? name : `${name}.yaml`);
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return file;
}

/**
 * kubectl's human-readable table as one record per row, keyed by the header; columns are found from the header's
 * positions, so empty cells stay empty.
 */
export function parseTable(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  const cols: { name: string; start: number }[] = [];
  for (const m of header.matchAll(/\S+(?: \S+)*/g)) cols.push({ name: m[0], start: m.index });
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    cols.forEach((c, i) => {
      const end = cols[i + 1]?.start ?? line.length;
      row[c.name] = line.slice(c.start, i + 1 < cols.length ? end : undefined).trim();
    });
    return row;
  });
}

/** The header cells of a kubectl table. */
export function headerOf(stdout: string): string[] {
  const first = stdout.split('\n').find((l) => l.trim() !== '') ?? '';
  return [...first.matchAll(/\S+(?: \S+)*/g)].map((m) => m[0]);
}
