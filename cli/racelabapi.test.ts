// docs/racelab-api.md is the source of the curl commands this test runs against a server of its own, so
// the API reference cannot drift: every command's reply is JSON, the rules it installs are listed and
// removed as it says, and the invalid rule it shows is refused with the 400 it shows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testServer } from '../testing/server.ts';
import { findOnPath } from './testing/kubectl.ts';

const doc = readFileSync(fileURLToPath(new URL('../docs/racelab-api.md', import.meta.url)), 'utf8');

/** The doc's commands, one per entry (continuation lines joined), each with the comment lines after it. */
function commands(): { command: string; comment: string }[] {
  const out: { command: string; comment: string }[] = [];
  for (const block of doc.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.replace(/\\\n\s*/g, ' ').split('\n');
    for (const line of lines) {
      if (line.startsWith('#')) {
        const last = out.at(-1);
        if (last) last.comment += line.slice(1).trim();
      } else if (line.trim()) out.push({ command: line.replace(/\s+#\s.*$/, '').trim(), comment: '' });
    }
  }
  return out;
}

/** Runs a command with bash, without blocking the event loop (the server answers in this process). */
function bash(command: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['-c', command], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => resolve({ status: err ? (child.exitCode ?? 1) : 0, stdout, stderr }));
  });
}

test('every curl example of docs/racelab-api.md works as documented', { skip: findOnPath('curl') ? false : 'curl is not on PATH' }, async (t) => {
  const server = await testServer(t);
  const all = commands();
  assert.ok(all.length >= 8, `found ${all.length} commands`);
  const replies: unknown[] = [];
  for (const { command, comment } of all) {
    assert.match(command, /^curl -s /);
    assert.ok(command.includes('http://127.0.0.1:6443/racelab/v1/'), command);
    const r = await bash(command.replaceAll('http://127.0.0.1:6443', server.url));
    assert.equal(r.status, 0, `${command}\n${r.stderr}`);
    const reply = JSON.parse(r.stdout) as { kind?: string; code?: number; message?: string };
    replies.push(reply);
    if (comment.startsWith('{"kind":"Status"')) {
      // The reply shown in the doc: same code and message.
      const shown = /"message":"([^"]*)".*"code":(\d+)/.exec(comment);
      assert.ok(shown, comment);
      assert.deepEqual([reply.kind, reply.message, reply.code], ['Status', shown[1], Number(shown[2])]);
    } else {
      assert.notEqual(reply.kind, 'Status', `${command}\n${r.stdout}`);
    }
  }
  // What the commands did, in the doc's order: three rules installed, listed, one removed, then the rest.
  const rules = replies.find((r) => Array.isArray((r as { rules?: unknown }).rules)) as { rules: { name: string }[] };
  assert.deepEqual(rules.rules.map((r) => r.name), ['infra-down', 'alice-after-bob', 'late-events']);
  assert.ok(replies.some((r) => (r as { removed?: number }).removed === 2));
  // The history saw each installation as a rule note.
  const history = (await (await server.fetch('/racelab/v1/history')).json()) as { entries: { type: string; tag?: string; text?: string }[] };
  assert.deepEqual(history.entries.filter((e) => e.tag === 'rule' && e.text?.startsWith('installed')).map((e) => e.text), [
    'installed failRequests infra-down',
    'installed holdRequest alice-after-bob',
    'installed delayDelivery late-events',
  ]);
});

test('a rule name in use is refused with 409 AlreadyExists, as the table says', async (t) => {
  const server = await testServer(t);
  const rule = JSON.stringify({ name: 'x', kind: 'failRequests', match: { verb: 'create' }, times: 1, status: { code: 500 } });
  const post = () => server.fetch('/racelab/v1/rules', { method: 'POST', headers: { 'content-type': 'application/json' }, body: rule });
  assert.equal((await post()).status, 201);
  const again = await post();
  assert.equal(again.status, 409);
  assert.equal(((await again.json()) as { reason: string }).reason, 'AlreadyExists');
});
