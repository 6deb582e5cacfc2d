// The racelab command as users run it (node bin/racelab.js: the built bundle, in-process): every usage
// error and every failure to start says `error: …` and a hint, without a stack trace, with exit code 2;
// --version names the commit; a signal sent to npx reaches the server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, tempDir } from './testing/kubectl.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function racelab(args: readonly string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/racelab.js', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RACELAB_LOG: 'warn', RACELAB_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

before(() => {
  // Build once here, so the runs below do not race to rebuild a stale bundle.
  const r = spawnSync(process.execPath, ['bin/build.js'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

/** The keys of a one-line JSON object, repeats included (JSON.parse would keep only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && line[j + 1] === ':') keys.push(line.slice(i + 1, j));
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

/** Runs the command and checks it failed as a user error should: exit 2, `error:` first, a hint, no stack. */
async function failsWith(args: readonly string[], message: RegExp, hint: RegExp): Promise<void> {
  const r = await racelab(args);
  const what = `racelab ${args.join(' ')}\nexit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.equal(r.code, 2, what);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^error: /, what);
  assert.match(lines[0] ?? '', message, what);
  assert.match(lines[1] ?? '', /^hint: /, what);
  assert.match(lines[1] ?? '', hint, what);
  assert.equal(lines.length, 2, what);
  assert.doesNotMatch(r.stderr, /^\s+at /m, what);
}

test('bad option values are usage errors, with what is allowed', async () => {
  await failsWith(['serve', '--port', '70000'], /--port .*'70000' is invalid\. A port is a whole number from 0 \(any free port\) to 65535/, /racelab serve --help/);
  await failsWith(['up', '--port', '-1'], /'-1' is invalid\. A port/, /racelab up --help/);
  await failsWith(['serve', '--port', 'http'], /'http' is invalid/, /racelab serve --help/);
  await failsWith(['serve', '--watch-history', '0'], /--watch-history is a whole number of at least 1/, /serve --help/);
  await failsWith(['scenario', 'run', 'all', '--variant', 'bogus'], /'bogus' is invalid\. Allowed: buggy, fixed, both/, /racelab scenario run --help/);
  await failsWith(['up', '--variant', 'both'], /'both' is invalid\. Allowed: fixed, buggy/, /racelab up --help/);
  await failsWith(['scenario', 'run', 'all', '--seeds', '0'], /--seeds is a whole number of at least 1/, /scenario run --help/);
  await failsWith(['scenario', 'run', 'all', '--seeds', '2.5'], /--seeds is a whole number/, /scenario run --help/);
  await failsWith(['scenario', 'run', 'all', '--seed', '1', '--seeds', '2'], /cannot be used with/, /scenario run --help/);
  await failsWith(['up', '--only', 'clusterapi,nope'], /Unknown "nope"; allowed: kwok, scheduler, .*clusterapi, devicetainteviction, capsule/, /up --help/);
  await failsWith(['controllers', '--server', 'localhost'], /Give .*URL/, /controllers --help/);
});

test('missing arguments, unknown commands and unknown scenarios are usage errors', async () => {
  await failsWith(['controllers'], /needs a server: give --kubeconfig FILE or --server URL/, /racelab controllers --server http:\/\/127\.0\.0\.1:6443/);
  await failsWith(['scenario', 'run'], /missing required argument 'name'/, /scenario run --help/);
  await failsWith(['scenario', 'run', 'no-such-race'], /unknown scenario "no-such-race"/, /racelab scenario list/);
  await failsWith(['serve', '--bogus'], /unknown option '--bogus'/, /racelab serve --help/);
  await failsWith(['frobnicate'], /unknown command 'frobnicate'/, /racelab --help lists the commands/);
});

test('a port in use, an address not of this machine and a host that does not resolve: error and hint', async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as AddressInfo).port;
  await failsWith(['serve', '--port', String(port)], new RegExp(`port ${port} is in use on 127\\.0\\.0\\.1`), /stop the other racelab .* or pass another --port \(0 picks a free one\)/);
  await failsWith(['up', '--port', String(port), '--empty'], new RegExp(`port ${port} is in use`), /--port/);
  await failsWith(['serve', '--port', '0', '--host', '203.0.113.7'], /refusing to serve 203\.0\.113\.7 without authentication/, /--token/);
  await failsWith(['serve', '--port', '0', '--host', '203.0.113.7', '--insecure-allow-anonymous'], /cannot bind to 203\.0\.113\.7: it is not an address of this machine/, /--host 127\.0\.0\.1/);
  await failsWith(['serve', '--port', '0', '--host', 'no-such-host.invalid', '--insecure-allow-anonymous'], /cannot resolve host no-such-host\.invalid/, /--host 127\.0\.0\.1/);
});

test('kubeconfig files that cannot be read or written: which file and why', async (t) => {
  const tmp = tempDir('racelab-cli-');
  t.after(() => tmp.remove());
  await failsWith(['controllers', '--kubeconfig', `${tmp.dir}/missing`], new RegExp(`cannot read kubeconfig ${tmp.dir}/missing: no such file`), /racelab kubeconfig --server/);
  const garbage = `${tmp.dir}/garbage`;
  await import('node:fs').then((fs) => fs.writeFileSync(garbage, 'not: [yaml\n'));
  await failsWith(['controllers', '--kubeconfig', garbage], new RegExp(`cannot read kubeconfig ${garbage}: `), /racelab serve --kubeconfig FILE/);
  const empty = `${tmp.dir}/empty`;
  await import('node:fs').then((fs) => fs.writeFileSync(empty, 'apiVersion: v1\nkind: Config\n'));
  await failsWith(['controllers', '--kubeconfig', empty], /names no server/, /racelab kubeconfig --server/);
  await failsWith(['serve', '--port', '0', '--kubeconfig', `${tmp.dir}/no/such/dir/kc`], /cannot write kubeconfig .*: its folder does not exist/, /writable folder/);
});

test('--version prints the package version and the git commit', async () => {
  const r = await racelab(['--version']);
  assert.equal(r.code, 0, r.stderr);
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  assert.match(r.stdout, new RegExp(`^racelab 0\\.1\\.0 \\(commit ${head}(-dirty)?\\)\\n$`));
});

test('a successful command exits 0; --help too', async () => {
  const list = await racelab(['scenario', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^clusterctl-move-finalizer /m);
  const help = await racelab(['serve', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--port <port> +port to listen on, 0 to 65535/);
});

test('npx racelab serve: SIGTERM to npx stops the server itself (no orphan holding the port)', async (t) => {
  const child = spawn('npx', ['racelab', 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RACELAB_LOG: 'warn' } });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const url = await eventually('the listening line', async () => /listening on (http:\/\/\S+)/.exec(out)?.[1]);
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid as number, 'SIGTERM');
  await exited;
  // npm passes the signal to its `sh -c` only; the server notices its parent went away and shuts down.
  await eventually('the server to stop listening', async () => {
    try {
      await fetch(`${url}/readyz`);
      return undefined;
    } catch {
      return true;
    }
  });
});

test('scenario run <one case> shows the race it reproduced; --quiet only the table; progress on stderr in every mode', async () => {
  const shown = await racelab(['scenario', 'run', 'demo-lost-update', '--variant', 'buggy']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^✓ demo-lost-update buggy seed 1: the race reproduced$/m);
  assert.match(shown.stdout, /^ {4}✗ 1 no-lost-update: 2 increments were acknowledged but the counter is 1/m);
  assert.match(shown.stdout, /^ {2}✗ #\d+ +writer-[ab] +→ PATCH configmaps\/default\/counter/m);
  assert.match(shown.stdout, /^1 passed, 0 failed$/m);
  // Off a terminal, a line per case on stderr.
  assert.match(shown.stderr, /^\[1\/1\] demo-lost-update buggy: 1 run, 1 reproduced, 1 as expected \(\d+ ms\)$/m);

  const quiet = await racelab(['scenario', 'run', 'demo-lost-update', '--variant', 'buggy', '--quiet']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stdout, /race reproduced|no-lost-update/);
  assert.match(quiet.stdout, /^demo-lost-update +1\/1 +- +\d+ ms$/m);

  const json = await racelab(['scenario', 'run', 'demo-lost-update', '--seeds', '2', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { summary: { runs: number; failed: number } };
  assert.deepEqual([parsed.summary.runs, parsed.summary.failed], [4, 0]);
  assert.match(json.stderr, /^\[2\/4\] demo-lost-update buggy: 2 runs, 2 reproduced, 2 as expected/m);
  assert.match(json.stderr, /^\[4\/4\] demo-lost-update fixed: 2 runs, 0 reproduced, 2 as expected/m);
});

test('racelab up: prints next steps; Ctrl-C stops it cleanly (INFO, exit 0); log lines carry each key once', async (t) => {
  const tmp = tempDir('racelab-up-');
  t.after(() => tmp.remove());
  const kubeconfig = `${tmp.dir}/kubeconfig`;
  const child = spawn(process.execPath, ['bin/racelab.js', 'up', '--port', '0', '--kubeconfig', kubeconfig], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RACELAB_LOG: 'info' } });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await eventually('the next steps', async () => (out.includes('Stop with Ctrl-C.') ? true : undefined));
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
  assert.ok(url, out);
  assert.match(out, new RegExp(`^ {2}kubectl --kubeconfig ${kubeconfig} get machinesets,machines$`, 'm'));
  assert.ok(out.includes(`curl -s ${url}/racelab/v1/history`), out);
  process.kill(child.pid as number, 'SIGINT');
  assert.equal(await exited, 0, err);
  const records = err.trim().split('\n').map((line) => {
    const keys = topLevelKeys(line);
    assert.equal(new Set(keys).size, keys.length, `a key repeats in ${line}`);
    return JSON.parse(line) as { level: number; name: string; component?: string; msg: string };
  });
  // A reconcile may fail while the demo world is seeded (a MachineSet read before its Cluster reached the
  // cache: controller-runtime logs that at ERROR, as upstream); the shutdown itself logs no ERROR.
  const shutdown = records.findIndex((r) => r.msg === 'shutting down');
  assert.ok(shutdown >= 0, 'the shutdown is logged');
  assert.deepEqual(records.slice(shutdown).filter((r) => r.level >= 50), [], 'no ERROR line during the shutdown');
  assert.ok(records.every((r) => r.name === 'racelab'));
  const stopped = records.filter((r) => r.msg === 'controller stopped');
  assert.ok(stopped.every((r) => r.level === 30), 'a stopped controller logs INFO');
  for (const c of ['clusterapi', 'devicetainteviction', 'capsule']) assert.ok(stopped.some((r) => r.component === c), `${c} stopped`);
  assert.ok(records.some((r) => r.component === 'clusterapi/machineset-controller'), 'nested components extend');
});
