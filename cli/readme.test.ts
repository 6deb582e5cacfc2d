// The README is the source of the commands this test runs, so the two cannot drift: its quick start and
// its kubectl walkthrough, block by block, in a clone-like checkout (the files git would commit, no
// node_modules, no dist), the way a new user follows them. What it changes, and only that: port 6443 (never
// used in tests) becomes a free port, `npm test` is not run (it is the suite this test belongs to), every
// kubectl gets a fresh HOME and cache dir, and npm may use its local cache first (prefer-offline).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { eventually, findOnPath, tempDir } from './testing/kubectl.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const kubectl = findOnPath('kubectl');
const skip = !kubectl ? 'kubectl is not on PATH' : !findOnPath('curl') ? 'curl is not on PATH' : !existsSync(join(root, '.git')) ? 'not a git checkout' : false;

/** The body of the `## title` section. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The ```sh blocks of a section, in order. */
function shBlocks(text: string): string[] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** A clone-like checkout: what `git clone` would give for the files git tracks or would track. */
function cloneLike(dir: string): void {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const f of r.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(root, f))) continue; // deleted in the work tree
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
}

interface Env {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Runs a README shell block to completion with bash. */
function run(script: string, at: Env): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd: at.cwd, env: at.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** A long-running README command (a server, a watch) in its own process group, as in its own terminal. */
interface Terminal {
  child: ChildProcess;
  out(): string;
  /** Ctrl-C: SIGINT to the terminal's process group; resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

function terminal(command: string, at: Env): Terminal {
  const child = spawn('bash', ['-c', command], { cwd: at.cwd, env: at.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const pid = child.pid as number;
  return {
    child,
    out: () => out,
    interrupt: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGINT');
      return exited;
    },
  };
}

function killGroup(t: Terminal): void {
  const pid = t.child.pid;
  if (pid !== undefined && t.child.exitCode === null && t.child.signalCode === null) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The one command of a line list that starts a long-running process, with port 6443 made a free one. */
function onFreePort(command: string): string {
  assert.match(command, /--port 6443/, `expected a --port 6443 in ${command}`);
  return command.replace('--port 6443', '--port 0');
}

/** Commands whose output names the server use the port the server really got. */
function withServer(script: string, url: string): string {
  return script.replaceAll('http://127.0.0.1:6443', url);
}

/** npm and npx exit by the signal; the server itself must be gone, its port closed. */
async function stopsListening(url: string): Promise<void> {
  await eventually(`${url} to stop listening`, async () => {
    try {
      await fetch(`${url}/readyz`);
      return undefined;
    } catch {
      return true;
    }
  });
}

function commentless(line: string): string {
  return line.replace(/(^|\s+)#\s.*$/, '').trim();
}

test('the README quick start and kubectl walkthrough work when followed literally', { skip, timeout: 600_000 }, async (t) => {
  const tmp = tempDir('racelab-readme-');
  t.after(() => tmp.remove());
  const repo = join(tmp.dir, 'racelab');
  cloneLike(repo);
  const home = join(tmp.dir, 'home');
  mkdirSync(home);
  const at: Env = {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      KUBECACHEDIR: join(tmp.dir, 'kube-cache'),
      LANG: 'C',
      // npm's package cache stays the machine's (a fresh clone's npm ci would use it too); the npx cache is fresh.
      npm_config_cache: join(homedir(), '.npm'),
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      RACELAB_LOG: 'warn',
    },
  };
  const terminals: Terminal[] = [];
  t.after(() => terminals.forEach(killGroup));

  // --- Quick start: `npm ci && npm start`, `npm ci && npm test` ---
  const quick = shBlocks(section('Quick start'))[0];
  assert.ok(quick, 'the quick start has a sh block');
  const quickLines = quick.split('\n').map(commentless).filter(Boolean);
  assert.deepEqual(quickLines, ['npm ci && npm start', 'npm ci && npm test']);
  const ci = await run('npm ci', at);
  assert.equal(ci.code, 0, ci.out);
  assert.ok(existsSync(join(repo, 'dist', 'racelab.js')), 'npm ci built the bundle (prepare)');
  // The bin runs that bundle as built, and rebuilds it only once a source changed.
  const builtAt = statSync(join(repo, 'dist', '.sources')).mtimeMs;
  const list = await run('npx racelab scenario list', at);
  assert.equal(list.code, 0, list.out);
  assert.equal(statSync(join(repo, 'dist', '.sources')).mtimeMs, builtAt, 'no rebuild without a source change');
  const source = join(repo, 'cli', 'scenario.ts');
  utimesSync(source, new Date(builtAt + 5000), new Date(builtAt + 5000));
  const again = await run('npx racelab scenario list', at);
  assert.equal(again.code, 0, again.out);
  assert.notEqual(statSync(join(repo, 'dist', '.sources')).mtimeMs, builtAt, 'a changed source rebuilds the bundle');
  // npm start with a free port instead of 6443 (a later --port wins).
  const start = terminal('npm start -- --port 0', at);
  terminals.push(start);
  await eventually('npm start to print its next steps', async () => (start.out().includes('Stop with Ctrl-C.') ? true : undefined), start.out);
  const startUrl = /listening on (http:\/\/\S+)/.exec(start.out())?.[1] as string;
  // The first next step it prints works as printed.
  const step = /^ {2}(kubectl --kubeconfig kubeconfig get \S+)$/m.exec(start.out())?.[1];
  assert.ok(step, start.out());
  const got = await run(step, at);
  assert.equal(got.code, 0, got.out);
  assert.match(got.out, /machineset\.cluster\.x-k8s\.io\/demo-md/);
  assert.ok(startUrl);
  await start.interrupt();
  await stopsListening(startUrl);

  // --- Watch a race with kubectl: one block per terminal ---
  const blocks = shBlocks(section('Watch a race with kubectl'));
  assert.equal(blocks.length, 4, 'terminal 1, terminal 2, terminal 3, terminal 3 continued');
  const [t1, t2, t3, t3b] = blocks as [string, string, string, string];
  assert.match(t1, /^# terminal 1/);
  assert.match(t2, /^# terminal 2/);
  assert.match(t3, /^# terminal 3/);
  const upCommand = t1.split('\n').map(commentless).filter(Boolean);
  assert.equal(upCommand.length, 1);
  const up = terminal(onFreePort(upCommand[0]!), at);
  terminals.push(up);
  await eventually('racelab up to listen', async () => /listening on (http:\/\/\S+)/.exec(up.out())?.[1], up.out);
  const url = /listening on (http:\/\/\S+)/.exec(up.out())?.[1] as string;

  const watchCommand = t2.split('\n').map(commentless).filter(Boolean);
  assert.equal(watchCommand.length, 1);
  assert.match(watchCommand[0]!, / -w$/);
  const watch = terminal(watchCommand[0]!, at);
  terminals.push(watch);
  await eventually('the watch to list the two KubeadmConfigs', async () => ((watch.out().match(/^demo-md-\S+/gm) ?? []).length >= 2 ? true : undefined), watch.out);

  const third = await run(withServer(t3, url), at);
  assert.equal(third.code, 0, third.out);
  assert.match(third.out, /machineset\.cluster\.x-k8s\.io\/demo-md scaled/);
  // What the README says happens: three Machines, six KubeadmConfigs (one left behind per failed create).
  const count = async (resource: string): Promise<number> => {
    const r = await run(`kubectl --kubeconfig kubeconfig get ${resource} -o name`, at);
    return r.out.split('\n').filter(Boolean).length;
  };
  await eventually('three Machines and six KubeadmConfigs', async () => ((await count('machines')) === 3 && (await count('kubeadmconfigs')) === 6 ? true : undefined));
  await eventually('the watch to show six KubeadmConfigs', async () => (new Set(watch.out().match(/^demo-md-\S+/gm)).size === 6 ? true : undefined), watch.out);
  const history = await run(withServer('curl -s http://127.0.0.1:6443/racelab/v1/history', url), at);
  assert.match(history.out, /"injected":\{"rule":"infra-down"\}/);

  // The DRA part: the pod is evicted, with its Event.
  const lastLine = t3b.split('\n').map(commentless).filter(Boolean).at(-1) as string;
  assert.match(lastLine, /describe pod (trainer|-l job-name=trainer)$/);
  const dra = await run(withServer(t3b, url), at);
  assert.equal(dra.code, 0, dra.out);
  await eventually('the eviction Event on the trainer pod', async () => {
    const r = await run(lastLine, at);
    return /Marking for deletion/.test(r.out) ? true : undefined;
  });

  // "Stop terminal 2 and terminal 1 with Ctrl-C."
  await watch.interrupt();
  await up.interrupt();
  await stopsListening(url);
});

test('the README Commands section documents every option of every command, and the exit codes', async () => {
  const { commandTree } = await import('./program.ts');
  const commands = section('Commands');
  const seen: string[] = [];
  const walk = (cmd: InstanceType<typeof Command>, path: string[]): void => {
    for (const o of cmd.options) {
      const flag = o.long as string;
      seen.push(`${[...path, flag].join(' ')}`);
      assert.ok(commands.includes(`\`${o.flags}\``) || commands.includes(`\`${flag} `), `README Commands documents ${[...path, o.flags].join(' ')}`);
    }
    for (const sub of cmd.commands) {
      assert.ok(commands.includes(`racelab ${[...path, sub.name()].join(' ')}`), `README Commands shows racelab ${[...path, sub.name()].join(' ')}`);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(commandTree(), []);
  assert.ok(seen.length > 15, seen.join(', '));
  for (const code of ['| 0 |', '| 1 |', '| 2 |']) assert.ok(commands.includes(code), `exit code ${code}`);
  for (const v of ['RACELAB_LOG', 'RACELAB_DEBUG']) assert.ok(commands.includes(v), v);
});
