// `npm run bench`: prints figures and ratios against the targets in DESIGN.md. Nothing here fails a build.
import { fork, spawnSync } from 'node:child_process';
import { Agent, request } from 'undici';
import { readFileSync } from 'node:fs';
import { root, startChild, type Child } from './proc.ts';

// The built bundle (npm run build) is what `npm start` and the image run; tsx is the development path.
const bundleArgs = [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), 'dist/racelab.js', 'serve', '--port', '0'];
const tsxArgs = ['--import', 'tsx', 'cli/main.ts', 'serve', '--port', '0'];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

// `npm run bench [section …] [-- --json]`: the sections to run (all when none), and one JSON document of
// every figure on stdout instead of the table (the table then goes to stderr, as progress).
const args = process.argv.slice(2);
const json = args.includes('--json');
const sections = args.filter((a) => !a.startsWith('--'));
const figures: { name: string; value: string; number: number | null; target: string; ok: boolean }[] = [];

function line(name: string, value: string, target: string, ok: boolean): void {
  const text = `${ok ? 'ok  ' : 'MISS'} ${name.padEnd(44)} ${value.padEnd(22)} target ${target}`;
  if (json) process.stderr.write(`${text}\n`);
  else console.log(text);
  const n = Number.parseFloat(value.replace(/,/g, ''));
  figures.push({ name: name.trim(), value, number: Number.isFinite(n) ? n : null, target, ok });
}

async function startup(args: string[], label: string, target: number | undefined): Promise<void> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const child = await startChild(args);
    // Listening is printed once the server answers; check /readyz as a client would.
    const res = await fetch(`${child.url}/readyz`);
    await res.text();
    runs.push(performance.now() - t0);
    await child.stop();
  }
  runs.sort((a, b) => a - b);
  const median = pct(runs, 50);
  line(`startup to /readyz, ${label} (median of 5)`, `${median.toFixed(0)} ms`, target ? `< ${target} ms` : '', !target || median < target);
}

type Listed = { items: { status?: { phase?: string; conditions?: { type: string; status: string }[] } }[] };

/** `npm start` (the built bundle's `up`, demo world): from spawn until the nodes are Ready and every pod Running, as kubectl get nodes,pods -A shows. */
async function upToRunning(): Promise<void> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const child = await startChild(['dist/racelab.js', 'up', '--port', '0']);
    try {
      for (;;) {
        const [nodes, pods] = await Promise.all(['/api/v1/nodes', '/api/v1/pods'].map(async (path) => (await (await fetch(`${child.url}${path}`)).json()) as Listed));
        const ready = (nodes?.items ?? []).filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        const items = pods?.items ?? [];
        if (ready >= 2 && ready === nodes?.items.length && items.length > 0 && items.every((p) => p.status?.phase === 'Running')) break;
        if (performance.now() - t0 > 30_000) throw new Error('racelab up: no Ready nodes and Running pods within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      runs.push(performance.now() - t0);
    } finally {
      await child.stop();
    }
  }
  const median = pct(runs.sort((a, b) => a - b), 50);
  line('racelab up to Ready nodes, Running pods (median of 3)', `${median.toFixed(0)} ms`, '< 1000 ms', median < 1000);
}

async function createsPerSecond(url: string, path: string, total: number, concurrency: number): Promise<number> {
  const dispatcher = new Agent({ connections: concurrency });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, labels: { app: 'bench' } }, data: { key: 'x'.repeat(200) } });
        const res = await request(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher });
        await res.body.text();
        if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode}`);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await dispatcher.close();
  return total / secs;
}

/** CPU time (user + system) a child process has used so far, in ms, from /proc (Linux); NaN elsewhere. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** Creates per second, and the server's CPU time per create in µs (robust when the machine is shared). */
async function measuredCreates(child: Child, path: string, total: number): Promise<{ perSec: number; cpuUs: number }> {
  const cpu0 = cpuMsOf(child.proc.pid);
  const perSec = await createsPerSecond(child.url, path, total, 16);
  return { perSec, cpuUs: ((cpuMsOf(child.proc.pid) - cpu0) * 1000) / total };
}

async function throughput(): Promise<void> {
  const api = await startChild(bundleArgs);
  const echo = await startChild(['--import', 'tsx', 'bench/echo.ts']);
  try {
    await createsPerSecond(api.url, '/api/v1/namespaces/default/configmaps', 2000, 16); // warm-up (JIT)
    await createsPerSecond(echo.url, '/echo', 2000, 16);
    const ours = await measuredCreates(api, '/api/v1/namespaces/kube-public/configmaps', 5000);
    const bare = await measuredCreates(echo, '/echo', 5000);
    line('creates/s over HTTP (16 connections)', `${ours.perSec.toFixed(0)}/s`, '', true);
    line('bare express JSON echo', `${bare.perSec.toFixed(0)}/s`, '', true);
    line('ratio creates / echo', (ours.perSec / bare.perSec).toFixed(2), '>= 0.80', ours.perSec / bare.perSec >= 0.8);
    line('server CPU per create', `${ours.cpuUs.toFixed(0)} µs`, '', true);
    line('server CPU per echo', `${bare.cpuUs.toFixed(0)} µs`, '', true);
    line('ratio echo CPU / create CPU', (bare.cpuUs / ours.cpuUs).toFixed(2), '>= 0.80', bare.cpuUs / ours.cpuUs >= 0.8);
  } finally {
    await api.stop();
    await echo.stop();
  }
}

/** Creates through a server on etcd beside the same load on the in-memory store (each write an etcd txn). */
async function etcdThroughput(): Promise<void> {
  const { etcdAvailable, startEtcd } = await import('../testing/etcd.ts');
  if (!etcdAvailable()) {
    line('creates/s on etcd', 'skipped', 'no etcd binary (apt-get install etcd-server)', true);
    return;
  }
  const etcd = await startEtcd();
  const mem = await startChild(bundleArgs);
  const onEtcd = await startChild([...bundleArgs, '--storage', `etcd=${etcd.url}`]);
  try {
    const path = '/api/v1/namespaces/default/configmaps';
    await createsPerSecond(mem.url, path, 300, 16); // warm-up
    await createsPerSecond(onEtcd.url, path, 300, 16);
    const inMemory = await createsPerSecond(mem.url, '/api/v1/namespaces/kube-public/configmaps', 3000, 16);
    const etcdBacked = await createsPerSecond(onEtcd.url, '/api/v1/namespaces/kube-public/configmaps', 3000, 16);
    line('creates/s in memory (16 connections)', `${inMemory.toFixed(0)}/s`, '', true);
    line('creates/s on etcd (16 connections)', `${etcdBacked.toFixed(0)}/s`, '', true);
    line('ratio etcd / in memory', (etcdBacked / inMemory).toFixed(2), '', true);
  } finally {
    await mem.stop();
    await onEtcd.stop();
    await etcd.stop();
  }
}

/** One fan-out run: `watchers` watch streams spread over `procs` client processes, `rate` creates a second for 3 s. */
async function fanOutRun(watchers: number, rate: number, procs: number): Promise<void> {
  const api = await startChild(bundleArgs);
  const seconds = 3;
  const total = rate * seconds;
  await createsPerSecond(api.url, '/api/v1/namespaces/kube-public/configmaps', 2000, 8); // warm-up (JIT)
  const rv = await currentRv(api.url);
  const children = Array.from({ length: procs }, () => fork(`${root}bench/watchers.ts`, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    const share = (i: number): number => Math.floor(watchers / procs) + (i < watchers % procs ? 1 : 0);
    const ready = Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('message', () => resolve()))));
    const done = Promise.all(children.map((c) => new Promise<number[][]>((resolve) => c.on('message', (m: { arrivals?: number[][] }) => m.arrivals && resolve(m.arrivals)))));
    children.forEach((c, i) => c.send({ url: api.url, rv, watchers: share(i), total }));
    await ready;
    const dispatcher = new Agent({ connections: 8 });
    const sentAt: number[] = [];
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      sentAt.push(performance.timeOrigin + performance.now());
      // One write at a time keeps revision order equal to send order.
      const body = JSON.stringify({ metadata: { name: `w-${i}` }, data: { i: String(i), pad: 'x'.repeat(200) } });
      inflight.push(request(`${api.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body }).then((r) => r.body.text().then(() => undefined)));
      if (inflight.length >= 8) await inflight.shift();
    }
    await Promise.all(inflight);
    const achieved = total / ((performance.now() - t0) / 1000);
    const arrivals = (await done).flat();
    await dispatcher.close();
    const latencies: number[] = [];
    for (const times of arrivals) times.forEach((t, k) => latencies.push(t - (sentAt[k] ?? t)));
    latencies.sort((a, b) => a - b);
    const label = `${watchers} watchers in ${procs} processes`;
    line(`watch fan-out: ${label}, writes/s`, `${achieved.toFixed(0)}/s`, `${rate}/s`, achieved >= rate * 0.95);
    line('  deliveries received', `${latencies.length}/${total * watchers}`, 'all', latencies.length === total * watchers);
    line('  delivery latency p50 (write sent → line read)', `${pct(latencies, 50).toFixed(2)} ms`, '', true);
    line('  delivery latency p99', `${pct(latencies, 99).toFixed(2)} ms`, '< 10 ms', pct(latencies, 99) < 10);
  } finally {
    for (const c of children) c.kill();
    await api.stop();
  }
}

// The watchers run in client processes of their own (BENCH_WATCH_PROCS, default 2), beside the writer (this
// process) and the server: on a 2-core machine the four share the cores.
async function fanOut(): Promise<void> {
  const procs = Number(process.env.BENCH_WATCH_PROCS ?? 2);
  if (process.env.BENCH_WATCHERS) {
    await fanOutRun(Number(process.env.BENCH_WATCHERS), Number(process.env.BENCH_RATE ?? 1000), procs);
    return;
  }
  await fanOutRun(100, 1000, procs);
  await fanOutRun(1000, 100, procs);
}

async function currentRv(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/namespaces/default/configmaps?limit=1`);
  const list = (await res.json()) as { metadata: { resourceVersion: string } };
  return list.metadata.resourceVersion;
}

/** Median wall time of a short command, from spawn to exit. */
function commandMs(command: string, args: string[]): number {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(command, args, { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
    runs.push(performance.now() - t0);
  }
  return pct(runs.sort((a, b) => a - b), 50);
}

// What a user types (npx racelab) against the bundle itself: the bin runs the bundle in-process.
async function cliStartup(): Promise<void> {
  const bundle = commandMs(process.execPath, ['dist/racelab.js', 'scenario', 'list']);
  const npx = commandMs('npx', ['racelab', 'scenario', 'list']);
  // npm exec's own start-up, which no package can shorten.
  const npm = commandMs('npx', ['-c', 'true']);
  line('node dist/racelab.js scenario list (median of 5)', `${bundle.toFixed(0)} ms`, '', true);
  line('npx racelab scenario list (median of 5)', `${npx.toFixed(0)} ms`, `< ${(2 * bundle).toFixed(0)} ms (2×)`, npx < 2 * bundle);
  line('  of which npm exec itself (npx -c true)', `${npm.toFixed(0)} ms`, '', true);
  line('  racelab under npx, less npm exec', `${(npx - npm).toFixed(0)} ms`, `< ${(2 * bundle).toFixed(0)} ms (2×)`, npx - npm < 2 * bundle);
}

async function scenarios(): Promise<void> {
  const { cases } = await import('../scenarios/cases/index.ts');
  const { runCase } = await import('../scenarios/engine/runner.ts');
  const { caseVariants } = await import('../scenarios/engine/types.ts');
  const seeds = 10;
  const t0 = performance.now();
  let runs = 0;
  for (const c of cases) {
    const times: number[] = [];
    for (const variant of caseVariants(c, 'both')) {
      for (let seed = 1; seed <= seeds; seed++) {
        const { result } = await runCase(c, variant, seed);
        if (!result.ok) console.log(`     ${c.name} ${variant} seed ${seed} did not behave as expected`);
        times.push(result.durationMs);
        runs++;
      }
    }
    times.sort((a, b) => a - b);
    const median = pct(times, 50);
    line(`scenario ${c.name} median run (of ${times.length})`, `${median.toFixed(0)} ms`, '< 1000 ms', median < 1000);
  }
  const total = (performance.now() - t0) / 1000;
  // The target: all scenarios × both variants × 20 seeds under 60 s, estimated from this run.
  const projected = (total / runs) * cases.length * 2 * 20;
  line(`all scenarios × 2 variants × 20 seeds (projected)`, `${projected.toFixed(1)} s`, '< 60 s', projected < 60);
}

/**
 * Exploration: per case, the median 1-based index of the first violating schedule of the buggy variant
 * over 20 campaigns (base seeds 1, 1001, …), for random and pct, and schedules per second.
 */
async function exploration(): Promise<void> {
  const { cases } = await import('../scenarios/cases/index.ts');
  const { runCase } = await import('../scenarios/engine/runner.ts');
  const { estimateSteps } = await import('../scenarios/engine/explore.ts');
  const { defaultTuning } = await import('../scenarios/engine/strategy.ts');
  const campaigns = 20;
  const cap = 100;
  for (const c of cases.filter((x) => x.kind !== 'property')) {
    for (const strategy of ['random', 'pct'] as const) {
      const tuning = { ...defaultTuning, steps: strategy === 'pct' ? await estimateSteps(c, 'buggy') : defaultTuning.steps };
      const firsts: number[] = [];
      let runs = 0;
      const t0 = performance.now();
      for (let k = 0; k < campaigns; k++) {
        let first = Infinity;
        for (let i = 1; i <= cap; i++) {
          runs++;
          const { result } = await runCase(c, 'buggy', k * 1000 + i, { strategy, tuning, hints: false });
          if (result.reproduced && !result.vacuous && !result.error) {
            first = i;
            break;
          }
        }
        firsts.push(first);
      }
      const secs = (performance.now() - t0) / 1000;
      firsts.sort((a, b) => a - b);
      const median = pct(firsts, 50);
      const perSec = runs / secs;
      const shown = Number.isFinite(median) ? String(median) : `> ${cap}`;
      line(`explore ${c.name} ${strategy}: median firstViolation`, shown, strategy === 'pct' ? '<= 20' : '', strategy !== 'pct' || median <= 20);
      line(`explore ${c.name} ${strategy}: schedules/s (1 core)`, perSec.toFixed(1), '>= 20', perSec >= 20);
    }
  }
}

/** Mutation testing of the verdicts: how many mutants and equivalent fixes each case declares. */
async function mutantCounts(): Promise<void> {
  const { cases } = await import('../scenarios/cases/index.ts');
  for (const c of cases) {
    const mutants = (c.mutants ?? []).filter((m) => m.kind === 'mutant').length;
    const equivalent = (c.mutants ?? []).filter((m) => m.kind === 'equivalent').length;
    line(`mutants of ${c.name}`, `${mutants} mutants, ${equivalent} equivalent`, '>= 3 and >= 1', mutants >= 3 && equivalent >= 1);
  }
}

async function capsuleSoak(): Promise<void> {
  const { soak } = await import('./capsulesoak.ts');
  const r = await soak({ sources: 20, namespaces: 50 });
  line('capsule soak: 20 sources × 50 tenant namespaces', `${r.convergeMs.toFixed(0)} ms`, '', true);
  line('capsule soak restarts', String(r.restarts), '0', r.restarts === 0);
}

const want = (section: string): boolean => sections.length === 0 || sections.includes(section);
(json ? process.stderr : process.stdout).write(`racelab benchmarks (node ${process.version}, ${root})\n`);
if (want('startup')) {
  await startup(bundleArgs, 'built bundle', 300);
  // What `npx racelab serve` and the image run once npm has started: the bin (a freshness check, then the bundle).
  await startup(['bin/racelab.js', 'serve', '--port', '0'], 'through the bin', 250);
  await startup(tsxArgs, 'through tsx', undefined);
}
if (want('up')) await upToRunning();
if (want('cli')) await cliStartup();
if (want('throughput')) await throughput();
if (want('etcd')) await etcdThroughput();
if (want('watch')) await fanOut();
if (want('scenarios')) await scenarios();
if (want('explore') || want('mutants')) await mutantCounts();
if (want('explore')) await exploration();
if (want('soak')) await capsuleSoak();
if (want('hostile')) await (await import('./hostile.ts')).hostile(line, bundleArgs);
if (json) console.log(JSON.stringify({ node: process.version, sections: sections.length ? sections : 'all', figures }, null, 2));
