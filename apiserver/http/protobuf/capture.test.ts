// Captures the protobuf bodies the real kubectl 1.32 sends: kubectl talks to a small recording HTTP server
// on 127.0.0.1:0 that keeps every protobuf request body and forwards everything to a racelab API server.
// With RACELAB_CAPTURE=1 the bytes (and kubectl's own --dry-run=client JSON of the same object) are written
// under testdata/kubectl-1.32/; otherwise each body kubectl sends now must decode to the stored JSON and
// be created (201). Skipped without kubectl on PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer } from '../../apiserver.ts';
import { describeResult, findOnPath, Kubectl, tempDir } from '../../../cli/testing/kubectl.ts';
import { captureCases, fixtureDir } from './testdata/cases.ts';
import { decodeProtobufObject } from './decode.ts';

const kubectlBinary = findOnPath('kubectl');
const capture = process.env.RACELAB_CAPTURE === '1';

interface Recorded {
  method: string;
  url: string;
  body: Buffer;
  status: number;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A recording server in front of `backend`: keeps the protobuf bodies, forwards every request. */
async function recordingServer(backend: string): Promise<{ url: string; recorded: Recorded[]; close(): Promise<void> }> {
  const recorded: Recorded[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'accept-encoding', 'connection', 'content-length'].includes(k)) headers[k] = v;
      const reply = await fetch(backend + (req.url ?? '/'), { method: req.method, headers, body: body.length > 0 ? body : undefined });
      const out = Buffer.from(await reply.arrayBuffer());
      if ((req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf')) {
        recorded.push({ method: req.method ?? '', url: req.url ?? '', body, status: reply.status });
      }
      const replyHeaders: Record<string, string> = {};
      reply.headers.forEach((v, k) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) replyHeaders[k] = v;
      });
      res.writeHead(reply.status, replyHeaders).end(out);
    })().catch((e: unknown) => res.writeHead(502).end(String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, recorded, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function kubeconfig(server: string): string {
  return `apiVersion: v1
kind: Config
clusters: [{name: rec, cluster: {server: "${server}"}}]
contexts: [{name: rec, context: {cluster: rec, user: rec, namespace: pb}}]
current-context: rec
users: [{name: rec, user: {}}]
`;
}

test('kubectl 1.32 protobuf bodies: captured through a recording server, decoded as kubectl itself prints them', { skip: !kubectlBinary }, async (t) => {
  const api = await startApiServer({ port: 0, host: '127.0.0.1' });
  t.after(() => api.close());
  const rec = await recordingServer(api.url);
  t.after(() => rec.close());
  const tmp = tempDir('racelab-pb-');
  t.after(() => tmp.remove());
  const file = join(tmp.dir, 'kubeconfig');
  writeFileSync(file, kubeconfig(rec.url));
  const k = new Kubectl(kubectlBinary as string, tmp.dir, file);
  const ns = await k.run(['create', 'namespace', 'pb']);
  assert.equal(ns.code, 0, describeResult(['create', 'namespace', 'pb'], ns));

  for (const c of captureCases) {
    await t.test(c.name, async () => {
      let expected: unknown;
      if (c.clientJson) {
        // Flags go before `--`, after which everything is the container's command.
        const cut = c.args.includes('--') ? c.args.indexOf('--') : c.args.length;
        const args = [...c.args.slice(0, cut), '--dry-run=client', '-o', 'json', ...c.args.slice(cut)];
        const dry = await k.run(args);
        assert.equal(dry.code, 0, describeResult(args, dry));
        expected = JSON.parse(dry.stdout);
      }
      const before = rec.recorded.length;
      const r = await k.run(c.args);
      const sent = rec.recorded.slice(before);
      assert.equal(sent.length, 1, `one protobuf request for ${c.name}, got ${sent.map((s) => `${s.method} ${s.url}`).join(', ')}\n${describeResult(c.args, r)}`);
      const body = (sent[0] as Recorded).body;
      if (capture) {
        writeFileSync(join(fixtureDir, `${c.name}.pb`), body);
        if (c.clientJson) writeFileSync(join(fixtureDir, `${c.name}.json`), `${JSON.stringify(expected, null, 2)}\n`);
        return;
      }
      assert.equal(r.code, 0, describeResult(c.args, r));
      assert.equal((sent[0] as Recorded).status, 201, `${c.name} created`);
      if (c.clientJson) assert.deepEqual(decodeProtobufObject(body), expected);
      const stored = join(fixtureDir, `${c.name}.json`);
      if (c.clientJson && !c.varies && existsSync(stored)) assert.deepEqual(decodeProtobufObject(body), JSON.parse(readFileSync(stored, 'utf8')));
    });
  }
});
