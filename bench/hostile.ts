// `npm run bench` (hostile): the worst-case latency of deep and big bodies (issue 16's bounded cost), how
// long /readyz takes meanwhile, and the resident memory with 100k ConfigMaps of 1 KB.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { root, startChild } from './proc.ts';

const deep = (depth: number, open: string, close: string, leaf: string): string => `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
/** Three MiB minus a little of one shape, for the body limit. */
const fill = (unit: string, bytes = 3 * 1024 * 1024 - 4096): string => unit.repeat(Math.floor(bytes / unit.length));

function rssMiB(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Number(m[1]) / 1024 : NaN;
}

const gcFile = join(tmpdir(), `racelab-bench-gc-${process.pid}.json`);
/** Node flags for the server: bench/gcprobe.mjs answers SIGUSR2 with a full GC and the figures after it. */
export const gcProbeArgs = ['--expose-gc', '--import', `${root}bench/gcprobe.mjs`];

/** Asks the server (started with gcProbeArgs) for a full GC; its memory figures after it. */
async function afterGc(pid: number | undefined): Promise<{ rss: number; heapUsed: number } | undefined> {
  if (pid === undefined) return undefined;
  rmSync(gcFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(gcFile); i++) await new Promise((r) => setTimeout(r, 50));
  return existsSync(gcFile) ? (JSON.parse(readFileSync(gcFile, 'utf8')) as { rss: number; heapUsed: number }) : undefined;
}

export async function hostile(line: (name: string, value: string, target: string, ok: boolean) => void, bundleArgs: string[]): Promise<void> {
  process.env.BENCH_GC_FILE = gcFile;
  const api = await startChild([...gcProbeArgs, ...bundleArgs]);
  const dispatcher = new Agent({ connections: 8 });
  const send = async (method: string, path: string, body: string | undefined, type: string): Promise<{ ms: number; code: number }> => {
    const t0 = performance.now();
    const res = await request(`${api.url}${path}`, { method: method as 'POST', body, headers: { 'content-type': type }, dispatcher });
    await res.body.text();
    return { ms: performance.now() - t0, code: res.statusCode };
  };
  try {
    const cms = '/api/v1/namespaces/default/configmaps';
    const chain = deep(990, '{"n":', '}', '"x"');
    const cases: [string, string, string, string, string][] = [
      ['deep JSON 1,000,000 levels', 'POST', cms, `{"metadata":{"name":"d1"},"data":{"k":${deep(500_000, '{"n":', '}', '"x"')}}}`, 'application/json'],
      ['deep YAML 1,000,000 levels', 'POST', cms, `metadata: {name: d2}\ndata: ${deep(1_000_000, '[', ']', 'x')}`, 'application/yaml'],
      ['deep ConfigMap data (typed: 400)', 'POST', cms, `{"metadata":{"name":"d3"},"data":{${fill(`"k":${deep(200, '{"n":', '}', '"x"')},`, 2_500_000).slice(0, -1).replace(/"k":/g, (_m, i: number) => `"k${i}":`)}}}`, 'application/json'],
      ['3 MiB of 990-deep chains in a CR spec', 'POST', '/apis/cluster.x-k8s.io/v1beta1/namespaces/default/clusters', `{"apiVersion":"cluster.x-k8s.io/v1beta1","kind":"Cluster","metadata":{"name":"c1"},"spec":{${fill(`"k":${chain},`, 2_900_000).replace(/"k":/g, (_m, i: number) => `"k${i}":`).slice(0, -1)}}}`, 'application/json'],
      ['3 MiB flat ConfigMap (200k keys)', 'POST', cms, `{"metadata":{"name":"flat"},"data":{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":"x"`).join(',')}}}`, 'application/json'],
      ['3 MiB flat ConfigMap as YAML', 'POST', cms, `metadata: {name: flaty}\ndata:\n${Array.from({ length: 150_000 }, (_, i) => `  k${i}: x\n`).join('')}`, 'application/yaml'],
      ['merge patch of the 3 MiB CR', 'PATCH', '/apis/cluster.x-k8s.io/v1beta1/namespaces/default/clusters/c1', '{"spec":{"k0":"y"}}', 'application/merge-patch+json'],
      ['3 MiB string value', 'POST', cms, `{"metadata":{"name":"big"},"data":{"k":"${fill('x', 3 * 1024 * 1024 - 200)}"}}`, 'application/json'],
    ];
    let readyWorst = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const t0 = performance.now();
        const res = await request(`${api.url}/readyz`);
        await res.body.text();
        readyWorst = Math.max(readyWorst, performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let worst = 0;
    for (const [name, method, path, body, type] of cases) {
      const r = await send(method, path, body, type);
      worst = Math.max(worst, r.ms);
      line(`${name} (${(body.length / 1048576).toFixed(1)} MiB)`, `${r.code} in ${r.ms.toFixed(0)} ms`, '4xx or 2xx, < 1000 ms', r.code < 500 && r.ms < 1000);
    }
    polling = false;
    await poll;
    line('worst hostile request', `${worst.toFixed(0)} ms`, '< 1000 ms', worst < 1000);
    line('worst /readyz meanwhile', `${readyWorst.toFixed(0)} ms`, '< 1000 ms', readyWorst < 1000);

    const value = 'x'.repeat(1000);
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < 100_000) {
        const i = next++;
        const r = await send('POST', '/api/v1/namespaces/kube-public/configmaps', `{"metadata":{"name":"cm-${i}"},"data":{"v":"${value}"}}`, 'application/json');
        if (r.code !== 201) throw new Error(`create ${i}: ${r.code}`);
      }
    }));
    line('RSS with 100k ConfigMaps of 1 KB', `${rssMiB(api.proc.pid).toFixed(0)} MiB`, '< 400 MiB', rssMiB(api.proc.pid) < 400);
    const gcd = await afterGc(api.proc.pid);
    if (gcd) {
      line('  live heap after a full GC', `${(gcd.heapUsed / 2 ** 20).toFixed(0)} MiB`, '', true);
      line('  RSS after a full GC', `${(gcd.rss / 2 ** 20).toFixed(0)} MiB`, '< 400 MiB', gcd.rss / 2 ** 20 < 400);
    }
    const lists = await Promise.all(Array.from({ length: 8 }, () => send('GET', '/api/v1/configmaps', undefined, 'application/json')));
    line('8 concurrent full lists of 100k', `${lists.filter((l) => l.code === 200).length} served, ${lists.filter((l) => l.code === 429).length} got 429`, '', true);
    line('RSS after them', `${rssMiB(api.proc.pid).toFixed(0)} MiB`, '', true);
    const one = await send('GET', '/api/v1/namespaces/kube-public/configmaps?limit=1', undefined, 'application/json');
    line('list limit=1 at 100k after a create', `${one.ms.toFixed(1)} ms`, '', true);
  } finally {
    await dispatcher.close();
    await api.stop();
  }
}
