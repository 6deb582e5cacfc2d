// Log lines carry each key once: nested children extend `component`, replace other keys, and never
// overwrite the logger's name; call-site fields that repeat a binding do not repeat the key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './log.ts';

function capture(): { lines: string[]; destination: { write(s: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) } };
}

/** Every key of the JSON object on this line, in order, repeats included. */
function keysOf(line: string): string[] {
  return [...line.matchAll(/"([^"]+)":/g)].map((m) => m[1]!);
}

test('a grandchild logger: component extended, other bindings replaced, every key once', () => {
  const out = capture();
  const root = createLogger({ name: 'racelab', level: 'info', destination: out.destination });
  const log = root.child({ component: 'clusterapi', actor: 'a' }).child({ component: 'machineset-controller', actor: 'b' });
  log.info({ replicas: 3 }, 'scaled');
  const line = out.lines[0]!;
  const keys = keysOf(line);
  assert.deepEqual(keys.filter((k) => k === 'component' || k === 'actor' || k === 'name'), ['name', 'component', 'actor'], line);
  const rec = JSON.parse(line) as Record<string, unknown>;
  assert.equal(rec.name, 'racelab');
  assert.equal(rec.component, 'clusterapi/machineset-controller');
  assert.equal(rec.actor, 'b');
  assert.equal(rec.replicas, 3);
});

test('a field or binding called name does not overwrite the logger name: it becomes objectName', () => {
  const out = capture();
  const root = createLogger({ name: 'controller-manager', level: 'info', destination: out.destination });
  root.info({ name: 'demo-md' }, 'one');
  root.child({ name: 'tenant-a' }).info('two');
  for (const [i, objectName] of ['demo-md', 'tenant-a'].entries()) {
    const line = out.lines[i]!;
    assert.equal(keysOf(line).filter((k) => k === 'name').length, 1, line);
    const rec = JSON.parse(line) as Record<string, unknown>;
    assert.equal(rec.name, 'controller-manager');
    assert.equal(rec.objectName, objectName);
  }
});

test('a call-site field repeating a binding: dropped when equal, kept as <key>Field when not', () => {
  const out = capture();
  const log = createLogger({ level: 'info', destination: out.destination }).child({ controller: 'device-taint-eviction' });
  log.info({ controller: 'device-taint-eviction' }, 'Starting');
  log.info({ controller: 'other' }, 'odd');
  assert.equal(keysOf(out.lines[0]!).filter((k) => k === 'controller').length, 1, out.lines[0]);
  const second = JSON.parse(out.lines[1]!) as Record<string, unknown>;
  assert.equal(keysOf(out.lines[1]!).filter((k) => k === 'controller').length, 1, out.lines[1]);
  assert.deepEqual([second.controller, second.controllerField], ['device-taint-eviction', 'other']);
});

test('a child keeps its parent level and honours its own', () => {
  const out = capture();
  const root = createLogger({ level: 'warn', destination: out.destination });
  root.child({ component: 'x' }).info('hidden');
  root.child({ component: 'y' }, { level: 'debug' }).debug('shown');
  assert.equal(out.lines.length, 1);
  assert.equal((JSON.parse(out.lines[0]!) as { msg: string }).msg, 'shown');
});

test('while shutting down, ERROR lines are written at INFO with duringShutdown; before, they stay ERROR', () => {
  const out = capture();
  let stopping = false;
  const log = createLogger({ level: 'info', destination: out.destination, shuttingDown: () => stopping }).child({ component: 'capsule' });
  log.error({ err: 'boom' }, 'before');
  stopping = true;
  log.error({ err: 'context canceled' }, 'during');
  log.error('plain message');
  const recs = out.lines.map((l) => JSON.parse(l) as { level: number; msg: string; duringShutdown?: boolean; component: string });
  assert.deepEqual(recs.map((r) => [r.level, r.msg, r.duringShutdown, r.component]), [
    [50, 'before', undefined, 'capsule'],
    [30, 'during', true, 'capsule'],
    [30, 'plain message', true, 'capsule'],
  ]);
});
