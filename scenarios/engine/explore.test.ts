// Exploration: schedules replay to the same history and verdict, minimal schedules are 1-minimal, a
// campaign is deterministic, and no decision depends on actor names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cases } from '../cases/index.ts';
import { clusterMoveFinalizer } from '../cases/clustermovefinalizer.ts';
import { deviceTaintNilWorker } from '../cases/devicetaintnilworker.ts';
import { lostUpdate } from '../cases/lostupdate.ts';
import { untimed } from './casetest.ts';
import { exploreOne, mergeRows, type ExploreRow } from './explore.ts';
import { runCase } from './runner.ts';
import type { Decision } from './schedule.ts';
import { caseVariants } from './types.ts';
import { replay, violatesAny } from './shrink.ts';

const provenance = { version: 'test' };

/** A bijection that reverses the sort order of names: every name comparison flips. */
const invert = (actor: string): string => [...actor].map((c) => String.fromCharCode(0xffff - c.charCodeAt(0))).join('');

/** The decisions with the door's aliases mapped back. */
function unaliased(ds: readonly Decision[]): Decision[] {
  return JSON.parse(JSON.stringify(ds, (k, v: unknown) => (k === 'actor' && typeof v === 'string' ? invert(v) : v))) as Decision[];
}

const comparable = (r: ExploreRow): unknown => ({ ...r, durationMs: 0, failingSchedule: r.failingSchedule?.decisions, minimalSchedule: r.minimalSchedule?.decisions });

describe('schedule exploration', () => {
  it('the default strategy takes no decision: a run without hints has an empty schedule', async () => {
    const out = await runCase(lostUpdate, 'buggy', 1, { strategy: 'default', hints: false });
    assert.deepEqual(out.decisions, []);
    assert.ok(out.steps > 0);
  });

  it('different seeds choose different schedules under random', async () => {
    const schedules = new Set<string>();
    for (let seed = 1; seed <= 6; seed++) schedules.add(JSON.stringify((await runCase(clusterMoveFinalizer, 'buggy', seed, { strategy: 'random', hints: false })).decisions));
    assert.ok(schedules.size >= 4, `only ${schedules.size} distinct schedules over 6 seeds`);
  });

  it('every failing schedule of a small explore run replays to the same violation and the same history', async () => {
    let replayed = 0;
    for (const strategy of ['random', 'pct'] as const) {
      for (let seed = 1; seed <= 8; seed++) {
        const out = await runCase(clusterMoveFinalizer, 'buggy', seed, { strategy, hints: false });
        if (!out.result.reproduced) continue;
        const again = await replay(clusterMoveFinalizer, 'buggy', seed, out.decisions, strategy);
        assert.deepEqual(again.decisions, out.decisions, `${strategy} seed ${seed}: the replay took other decisions`);
        assert.deepEqual(again.result.violations.map((v) => [v.invariant, v.message]), out.result.violations.map((v) => [v.invariant, v.message]));
        assert.deepEqual(untimed(again.report.history), untimed(out.report.history), `${strategy} seed ${seed}: another history`);
        replayed++;
      }
    }
    assert.ok(replayed >= 4, `only ${replayed} failing schedules to replay`);
  });

  it('every case replays exactly under every strategy: the same decisions and the same history', async () => {
    for (const c of cases) {
      for (const strategy of ['random', 'pct', 'faults'] as const) {
        for (const variant of caseVariants(c, 'both')) {
          const out = await runCase(c, variant, 2, { strategy, hints: false });
          const again = await replay(c, variant, 2, out.decisions, strategy);
          assert.deepEqual(again.decisions, out.decisions, `${c.name} ${variant} ${strategy}: other decisions`);
          assert.deepEqual(untimed(again.report.history), untimed(out.report.history), `${c.name} ${variant} ${strategy}: another history`);
        }
      }
    }
  });

  it('a minimised schedule still fails and reverting any one of its decisions makes it pass', async () => {
    const row = await exploreOne(clusterMoveFinalizer, 'buggy', 'random', { schedules: 6, baseSeed: 1, depth: 2, provenance });
    const minimal = row.minimalSchedule;
    assert.ok(row.failingSchedule && minimal, 'no failing schedule to shrink');
    assert.ok(minimal.decisions.length >= 1, 'the race needs at least one non-default decision here');
    assert.ok(minimal.decisions.length <= row.failingSchedule.decisions.length);
    assert.equal(minimal.described?.length, minimal.decisions.length);
    const invariants = new Set((minimal.violations ?? []).map((v) => v.invariant));
    const again = await replay(clusterMoveFinalizer, 'buggy', minimal.seed, minimal.decisions, 'random');
    assert.ok(violatesAny(again, invariants), 'the minimal schedule no longer fails');
    assert.deepEqual(again.decisions, minimal.decisions);
    for (let i = 0; i < minimal.decisions.length; i++) {
      const reverted = await replay(clusterMoveFinalizer, 'buggy', minimal.seed, [...minimal.decisions.slice(0, i), ...minimal.decisions.slice(i + 1)], 'random');
      assert.ok(!violatesAny(reverted, invariants), `reverting decision ${i + 1} (${minimal.described?.[i] ?? ''}) still fails`);
    }
  });

  it('an explore campaign is deterministic: the same options give the same rows', async () => {
    for (const strategy of ['random', 'pct', 'faults'] as const) {
      const one = await exploreOne(lostUpdate, 'buggy', strategy, { schedules: 8, baseSeed: 3, depth: 2, provenance });
      const two = await exploreOne(lostUpdate, 'buggy', strategy, { schedules: 8, baseSeed: 3, depth: 2, provenance });
      assert.deepEqual(comparable(one), comparable(two));
    }
  });

  it('shards of a campaign merge into the campaign: the same counts, first violation and schedules', async () => {
    for (const strategy of ['random', 'pct'] as const) {
      const whole = await exploreOne(lostUpdate, 'buggy', strategy, { schedules: 9, baseSeed: 1, depth: 2, provenance, shrink: false });
      const shards = [];
      for (let index = 0; index < 3; index++) shards.push([await exploreOne(lostUpdate, 'buggy', strategy, { schedules: 9, baseSeed: 1, depth: 2, provenance, shrink: false, shard: { index, count: 3 } })]);
      assert.deepEqual(shards.map((s) => s[0]?.schedules), [3, 3, 3]);
      const [merged] = mergeRows(shards);
      assert.ok(merged);
      assert.deepEqual(comparable({ ...merged, durationMs: 0 }), comparable({ ...whole, durationMs: 0 }));
    }
  });

  it('actor names decide nothing: with every actor renamed the verdicts, first violations and decisions are the same', async () => {
    for (const c of [clusterMoveFinalizer, deviceTaintNilWorker, lostUpdate]) {
      for (const strategy of ['random', 'pct'] as const) {
        const plain = await exploreOne(c, 'buggy', strategy, { schedules: 6, baseSeed: 1, depth: 2, provenance, shrink: false });
        const renamed = await exploreOne(c, 'buggy', strategy, { schedules: 6, baseSeed: 1, depth: 2, provenance, shrink: false, actorAlias: invert });
        assert.equal(renamed.violating, plain.violating, `${c.name} ${strategy}`);
        assert.equal(renamed.firstViolation, plain.firstViolation, `${c.name} ${strategy}`);
        assert.deepEqual(unaliased(renamed.failingSchedule?.decisions ?? []), plain.failingSchedule?.decisions ?? [], `${c.name} ${strategy}`);
      }
    }
  });
});
