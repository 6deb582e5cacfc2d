// Finding 7 of issue 16: bodies only in kube-apiserver's media types (415 otherwise, closing the no-preflight
// CSRF path), Origin and Host checks, bearer-token authentication (also for /racelab/v1), HTTPS with a CA the
// kubeconfig carries, and Secret values redacted in the history.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeconfigYaml } from '../clients/kube/kubeconfig.ts';
import { resolveAccess, selfSignedCertificate } from './access.ts';
import { RealClock } from '../apiserver/machinery/clock.ts';
import { testServer, type TestServer } from '../testing/server.ts';

const cms = '/api/v1/namespaces/default/configmaps';
const json = { 'content-type': 'application/json' };

async function names(s: TestServer): Promise<string[]> {
  return ((await (await s.fetch(cms)).json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
}

/** A GET with a Host header of our choosing (fetch does not let a caller set it). */
function getWithHost(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser safety and authentication', () => {
  it('decodes bodies only in the media types kube-apiserver accepts; a missing Content-Type is JSON', async (t) => {
    const s = await testServer(t);
    const body = JSON.stringify({ metadata: { name: 'x' } });
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/html', 'application/merge-patch+json']) {
      const res = await s.fetch(cms, { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(res.status, 415, type);
      const st = (await res.json()) as { reason: string; message: string };
      assert.equal(st.reason, 'UnsupportedMediaType');
      assert.match(st.message, /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml/);
    }
    // The no-preflight CSRF path to the rules endpoint is closed too.
    const rule = await s.fetch('/racelab/v1/rules', { method: 'POST', body: JSON.stringify({ name: 'down', kind: 'failRequests', match: {}, status: { code: 503 } }) });
    assert.equal(rule.status, 415);
    assert.deepEqual(await names(s), []);
    const protobuf = await s.fetch(cms, { method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body: Buffer.from([0x6b, 0x38, 0x73, 0]) });
    assert.notEqual(protobuf.status, 201, 'protobuf is a known type, handed to its decoder');
    const none = await s.fetch(cms, { method: 'POST', body: Buffer.from(body) });
    assert.equal(none.status, 201);
    assert.deepEqual(await names(s), ['x']);
  });

  it('refuses requests with an Origin unless --cors-allowed-origins allows it', async (t) => {
    const s = await testServer(t);
    const res = await s.fetch(cms, { method: 'POST', headers: { ...json, origin: 'https://evil.example' }, body: JSON.stringify({ metadata: { name: 'x' } }) });
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { message: string }).message, /origin "https:\/\/evil.example" is not allowed/);
    assert.equal((await s.fetch('/racelab/v1/history', { headers: { origin: 'http://127.0.0.1:1' } })).status, 403);
    assert.deepEqual(await names(s), []);

    const open = await testServer(t, { corsAllowedOrigins: ['^https://ok\\.example$'] });
    const pre = await open.fetch(cms, { method: 'OPTIONS', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://ok.example');
    const ok = await open.fetch(cms, { method: 'POST', headers: { ...json, origin: 'https://ok.example' }, body: JSON.stringify({ metadata: { name: 'y' } }) });
    assert.equal(ok.status, 201);
    assert.equal((await open.fetch(cms, { headers: { origin: 'https://ok.example.evil' } })).status, 403);
  });

  it('answers only Host headers naming loopback or the bound host, unless --allowed-hosts widens them', async (t) => {
    const s = await testServer(t);
    assert.equal((await getWithHost(s.url, cms, `127.0.0.1:${s.port}`)).status, 200);
    assert.equal((await getWithHost(s.url, cms, `localhost:${s.port}`)).status, 200);
    const rebound = await getWithHost(s.url, cms, `attacker.example:${s.port}`);
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /host \\"attacker.example\\" is not allowed/);
    const wide = await testServer(t, { allowedHosts: ['apiserver'] });
    assert.equal((await getWithHost(wide.url, cms, 'apiserver:6443')).status, 200);
    assert.equal((await getWithHost(wide.url, cms, 'other:6443')).status, 403);
  });

  it('requires the bearer token everywhere but the health and version endpoints, and never records it', async (t) => {
    const s = await testServer(t, { token: 'sekret-token' });
    const unauthorized = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
    for (const [path, headers] of [
      [cms, {}],
      [cms, { authorization: 'Bearer wrong' }],
      ['/racelab/v1/history', {}],
      ['/racelab/v1/rules', {}],
      ['/metrics', {}],
      ['/readyz', { authorization: 'Bearer wrong' }],
    ] as const) {
      const res = await s.fetch(path, { headers });
      assert.equal(res.status, 401, path);
      assert.deepEqual(await res.json(), unauthorized);
    }
    assert.equal((await s.fetch('/readyz')).status, 200);
    assert.equal((await s.fetch('/version')).status, 200);
    const auth = { authorization: 'Bearer sekret-token' };
    const created = await s.fetch('/api/v1/namespaces/default/secrets', { method: 'POST', headers: { ...auth, ...json, 'user-agent': 'racelab-writer' }, body: JSON.stringify({ metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' }, stringData: { user: 'root' } }) });
    assert.equal(created.status, 201);
    const patched = await s.fetch('/api/v1/namespaces/default/secrets/s', { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'add', path: '/data/token', value: 'c2VjcmV0' }]) });
    assert.equal(patched.status, 200);
    const history = await (await s.fetch('/racelab/v1/history', { headers: auth })).text();
    assert.ok(!history.includes('sekret-token'), 'the token is not an actor name');
    assert.ok(!history.includes('aHVudGVyMg==') && !history.includes('root') && !history.includes('c2VjcmV0'), 'Secret values are redacted');
    assert.ok(history.includes('<redacted>'));
    assert.ok(history.includes('"actor":"writer"'), 'the User-Agent names the actor');
  });

  it('serves HTTPS with a certificate whose CA the kubeconfig carries, verified by client-node', async (t) => {
    const tls = await selfSignedCertificate([], new RealClock());
    const s = await testServer(t, { token: 't0ken', tls: { key: tls.key, cert: tls.cert } });
    assert.match(s.url, /^https:\/\//);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfigYaml(s.url, 'admin', 't0ken', tls.ca));
    assert.equal(kc.getCurrentCluster()?.skipTLSVerify, false);
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === 'default'));
    // A client that does not know the CA refuses the server.
    const stranger = new k8s.KubeConfig();
    stranger.loadFromString(kubeconfigYaml(s.url, 'admin', 't0ken', (await selfSignedCertificate([], new RealClock())).ca));
    await assert.rejects(stranger.makeApiClient(k8s.CoreV1Api).listNamespace());
  });

  it('refuses to serve a non-loopback address without a token unless anonymous access is asked for', async () => {
    const clock = new RealClock();
    await assert.rejects(resolveAccess('0.0.0.0', {}, clock), /refusing to serve 0.0.0.0 without authentication/);
    assert.equal((await resolveAccess('0.0.0.0', { token: 'x' }, clock)).config.token, 'x');
    assert.equal((await resolveAccess('0.0.0.0', { insecureAllowAnonymous: true }, clock)).config.token, undefined);
    const access = await resolveAccess('127.0.0.1', { token: 'x' }, clock);
    assert.match(access.kubeconfig('http://0.0.0.0:6443'), /server: http:\/\/127\.0\.0\.1:6443[\s\S]*token: x/);
  });
});
