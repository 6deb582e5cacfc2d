import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCase } from '../cases/index.ts';
import { untimed } from './casetest.ts';
import { runCase } from './runner.ts';

test('a scenario run reports reconcile spans and the objects at each resourceVersion, the same for two runs of one seed', async () => {
  const c = findCase('machineset-infra-failure');
  assert.ok(c);
  const a = await runCase(c, 'buggy', 3);
  const b = await runCase(c, 'buggy', 3);
  const spans = a.report.history.filter((e) => e.type === 'reconcile');
  assert.ok(spans.some((e) => e.phase === 'start' && e.actor === 'machineset-controller' && e.controller === 'machineset' && e.key === 'default/ms1'), 'the MachineSet controller reconciles default/ms1');
  for (const end of spans.filter((e) => e.phase === 'end')) {
    const start = a.report.history.find((e) => e.seq === end.start);
    assert.ok(start?.type === 'reconcile' && start.phase === 'start' && start.worker === end.worker && start.key === end.key, `end #${end.seq} names its start`);
  }
  assert.ok(spans.some((e) => e.result === 'error'), 'a reconcile that failed on an injected 500 ends in error');
  assert.deepEqual(untimed(a.report.history), untimed(b.report.history));
  const objects = a.report.objects ?? [];
  assert.ok(objects.some((v) => v.resource === 'machinesets' && v.name === 'ms1' && v.type === 'MODIFIED'), 'the MachineSet as it changed');
  assert.deepEqual(objects, b.report.objects, 'the same objects at the same resourceVersions');
  assert.deepEqual(a.report.actorStores?.['machineset-controller'], [0]);
});
