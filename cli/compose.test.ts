// The compose file's ha profile, checked offline: what it wires together (etcd, two API servers on it, one
// round-robin address, the controller manager through it) agrees with haproxy.cfg and with racelab's own
// command line. Where docker-compose or haproxy are installed, their own checkers validate the files too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseStorageSpec } from './storagespec.ts';
import { findOnPath } from './testing/kubectl.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Service {
  profiles?: string[];
  image?: string;
  command?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: string[];
}

const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const haproxy = readFileSync(`${root}deploy/ha/haproxy.cfg`, 'utf8');
const ha = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('ha'));
const deps = (s: Service): string[] => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));

test('the ha profile: etcd, two API servers on it, one round-robin address and the controller manager', () => {
  const names = ha.map(([n]) => n).sort();
  assert.deepEqual(names, ['apiserver-1', 'apiserver-2', 'apiserver-lb', 'controller-manager-ha', 'etcd']);
  const etcdUrls = new Set<string>();
  for (const n of ['apiserver-1', 'apiserver-2']) {
    const cmd = compose.services[n]?.command ?? [];
    assert.equal(cmd[0], 'serve');
    const spec = parseStorageSpec(cmd[cmd.indexOf('--storage') + 1] ?? '');
    assert.equal(spec.kind, 'etcd');
    if (spec.kind === 'etcd') etcdUrls.add(spec.url);
    assert.ok(deps(compose.services[n] as Service).includes('etcd'));
    assert.equal(cmd[cmd.indexOf('--port') + 1], '6443');
  }
  assert.deepEqual([...etcdUrls], ['http://etcd:2379'], 'both servers share one etcd');
  assert.ok(compose.services.etcd?.command?.includes('--listen-client-urls=http://0.0.0.0:2379'));

  // haproxy sends connections round-robin to exactly the two servers.
  const servers = [...haproxy.matchAll(/^\s*server\s+(\S+)\s+(\S+)/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(servers, [['apiserver-1', 'apiserver-1:6443'], ['apiserver-2', 'apiserver-2:6443']]);
  assert.match(haproxy, /^\s*balance roundrobin$/m);
  assert.match(haproxy, /^\s*mode tcp$/m);
  assert.match(haproxy, /^\s*bind :6443$/m);
  const lb = compose.services['apiserver-lb'] as Service;
  assert.ok(lb.volumes?.some((v) => v.startsWith('./deploy/ha/haproxy.cfg:')));
  assert.deepEqual(deps(lb).sort(), ['apiserver-1', 'apiserver-2']);

  // The controller manager talks to the one address, never to a server directly.
  const cm = compose.services['controller-manager-ha']?.command ?? [];
  assert.deepEqual(cm.slice(0, 3), ['controllers', '--server', 'http://apiserver-lb:6443']);

  // The ha address and the single server's publish on different host ports.
  const published = Object.values(compose.services).flatMap((s) => s.ports ?? []).map((p) => p.split(':').slice(0, 2).join(':'));
  assert.equal(new Set(published).size, published.length, `host ports collide: ${published.join(', ')}`);
  assert.ok(lb.ports?.includes('127.0.0.1:6444:6443'));
});

test('docker-compose and haproxy accept the files, where they are installed', { skip: !findOnPath('docker-compose') && !findOnPath('haproxy') ? 'neither docker-compose nor haproxy is installed' : false }, () => {
  if (findOnPath('docker-compose')) execFileSync('docker-compose', ['--profile', 'ha', 'config', '-q'], { cwd: root, stdio: 'pipe' });
  if (findOnPath('haproxy')) {
    // Exit code 0 (valid) or 2 (warnings: the service names resolve only inside Docker's network).
    try {
      execFileSync('haproxy', ['-c', '-f', 'deploy/ha/haproxy.cfg'], { cwd: root, stdio: 'pipe' });
    } catch (e) {
      assert.equal((e as { status?: number }).status, 2, String((e as { stderr?: Buffer }).stderr));
    }
  }
});
