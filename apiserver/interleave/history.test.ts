import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { History, historyEntriesLimit, racelabActor } from './history.ts';
import type { HistoryEntry } from './types.ts';

function setup(limitEntries?: number): { h: History; clock: FakeClock; real: { ms: number }; rev: { n: number } } {
  const clock = new FakeClock(1_000_000);
  const real = { ms: 50 };
  const rev = { n: 7 };
  const h = new History({ clock, now: () => real.ms, revision: () => rev.n, limitEntries });
  return { h, clock, real, rev };
}

describe('History', () => {
  it('stamps entries with seq from 1, the Clock time and real ms since it started', () => {
    const { h, clock, real } = setup();
    assert.equal(h.lastSeq(), 0);
    const a = h.note('a', 'step', 'one');
    clock.step(250);
    real.ms = 53.5;
    const b = h.append({ type: 'delivery', actor: 'b', resource: 'configmaps', eventType: 'ADDED', name: 'x', revision: 3 });
    assert.deepEqual(a, { seq: 1, atMs: 1_000_000, realMs: 0, type: 'note', actor: 'a', tag: 'step', text: 'one' });
    assert.equal(b.seq, 2);
    assert.equal(b.atMs, 1_000_250);
    assert.equal(b.realMs, 3.5);
    assert.equal(b.type, 'delivery');
    assert.equal(h.lastSeq(), 2);
    assert.equal(h.length, 2);
  });

  it('answers entries, since, get, find and count in seq order', () => {
    const { h } = setup();
    for (let i = 0; i < 5; i++) h.note(i % 2 ? 'b' : 'a', 'step', `s${i}`);
    assert.deepEqual(
      h.entries().map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      h.since(3).map((e) => e.seq),
      [4, 5],
    );
    assert.deepEqual(
      h.since(0).map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(h.since(5), []);
    assert.deepEqual(h.since(99), []);
    assert.equal(h.get(3)?.seq, 3);
    assert.equal(h.get(0), undefined);
    assert.equal(h.get(6), undefined);
    assert.equal(h.find((e) => e.actor === 'b')?.seq, 2);
    assert.equal(h.find((e) => e.actor === 'b', 2)?.seq, 4);
    assert.equal(h.find((e) => e.actor === 'b', 4), undefined);
    assert.equal(
      h.count((e) => e.actor === 'a'),
      3,
    );
    assert.equal(
      h.count((e) => e.actor === 'a', 1),
      2,
    );
    assert.equal(
      h.count((e) => e.actor === 'a', 0, 2),
      2,
    );
  });

  it('tells subscribers of every append, in order, until they unsubscribe', () => {
    const { h } = setup();
    const seen: number[] = [];
    const off = h.onAppend((e) => seen.push(e.seq));
    h.note('a', 'x', '1');
    h.note('a', 'x', '2');
    off();
    h.note('a', 'x', '3');
    assert.deepEqual(seen, [1, 2]);
  });

  it('rethrows a subscriber failure after every subscriber heard of the entry', () => {
    const { h } = setup();
    const seen: string[] = [];
    h.onAppend(() => {
      throw new Error('boom');
    });
    h.onAppend((e) => seen.push((e as Extract<HistoryEntry, { type: 'note' }>).text));
    assert.throws(() => h.note('a', 'x', 'kept'), /boom/);
    assert.deepEqual(seen, ['kept']);
    assert.equal(h.length, 1);
  });

  it('gives the injected revision', () => {
    const { h, rev } = setup();
    assert.equal(h.revision(), 7);
    rev.n = 9;
    assert.equal(h.revision(), 9);
    const clock = new FakeClock();
    assert.equal(new History({ clock, now: () => 0 }).revision(), 0);
  });

  it('keeps at most its limit, drops the oldest, and says so once', () => {
    assert.equal(historyEntriesLimit, 200_000);
    const { h } = setup(4);
    const seen: HistoryEntry[] = [];
    h.onAppend((e) => seen.push(e));
    for (let i = 1; i <= 4; i++) h.note('a', 'step', `s${i}`);
    assert.equal(h.dropped, 0);
    h.note('a', 'step', 's5');
    // s5 (seq 5) and the note saying the history is full (seq 6) pushed out seqs 1 and 2.
    assert.equal(h.length, 4);
    assert.equal(h.dropped, 2);
    const entries = h.entries();
    assert.deepEqual(
      entries.map((e) => e.seq),
      [3, 4, 5, 6],
    );
    const said = entries[3] as Extract<HistoryEntry, { type: 'note' }>;
    assert.equal(said.actor, racelabActor);
    assert.equal(said.tag, 'history');
    assert.match(said.text, /limit of 4 entries/);
    assert.deepEqual(
      seen.map((e) => e.seq),
      [1, 2, 3, 4, 5, 6],
    );
    h.note('a', 'step', 's6');
    assert.equal(h.dropped, 3);
    assert.deepEqual(
      h.entries().map((e) => e.seq),
      [4, 5, 6, 7],
    );
    assert.equal(h.get(3), undefined);
    assert.equal(h.get(4)?.seq, 4);
    assert.deepEqual(
      h.since(0).map((e) => e.seq),
      [4, 5, 6, 7],
    );
    assert.deepEqual(
      h.since(5).map((e) => e.seq),
      [6, 7],
    );
    assert.deepEqual(
      h.toJSON().entries.map((e) => e.seq),
      [4, 5, 6, 7],
    );
    assert.equal(h.toJSON().dropped, 3);
    assert.equal(h.toJSON().lastSeq, 7);
  });

  it('stays within its bound over many appends', () => {
    const { h } = setup(1000);
    for (let i = 0; i < 10_000; i++) h.note('a', 'step', String(i));
    assert.equal(h.length, 1000);
    assert.equal(h.entries()[0]?.seq, h.lastSeq() - 999);
    assert.equal(h.dropped, h.lastSeq() - 1000);
  });

  it('keeps at most its characters of request bodies, dropping the oldest entries', () => {
    const h = new History({ clock: new FakeClock(0), now: () => 0, limitBodyChars: 10_000 });
    const request = (body: string) => h.append({ type: 'request', actor: 'a', verb: 'create', group: '', resource: 'configmaps', namespace: 'd', name: 'x', body, rvBefore: 0 });
    for (let i = 0; i < 100; i++) request('x'.repeat(1000));
    const kept = h.entries().filter((e) => e.type === 'request');
    const chars = kept.reduce((n, e) => n + (e.type === 'request' ? (e.body?.length ?? 0) : 0), 0);
    assert.ok(chars <= 10_000, `${chars} characters kept`);
    assert.ok(kept.length >= 9, `only ${kept.length} requests kept`);
    assert.equal(h.entries().at(-1)?.seq, h.lastSeq());
    assert.ok(h.dropped > 0);
    // One body larger than the whole bound is still kept, alone: the newest entry is never dropped.
    request('y'.repeat(20_000));
    assert.equal(h.entries().filter((e) => e.type === 'request').length, 1);
  });

  it('serialises to JSON as {dropped, lastSeq, entries}', () => {
    const { h } = setup();
    h.note('a', 'step', 'one');
    const json = JSON.parse(JSON.stringify(h)) as { dropped: number; lastSeq: number; entries: HistoryEntry[] };
    assert.equal(json.dropped, 0);
    assert.equal(json.lastSeq, 1);
    assert.deepEqual(json.entries, [{ seq: 1, atMs: 1_000_000, realMs: 0, type: 'note', actor: 'a', tag: 'step', text: 'one' }]);
  });

  it('refuses a limit that is not a positive integer', () => {
    assert.throws(() => setup(0), RangeError);
  });
});
