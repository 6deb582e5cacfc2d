import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import { ControllerExpectations, ExpectationsTimeoutMs } from './expectations.ts';

test('expectations are satisfied once every create and delete is seen or lowered, or after the timeout', () => {
  const clock = new FakeClock(0);
  const e = new ControllerExpectations(clock);
  assert.equal(e.SatisfiedExpectations('ns/a'), true, 'nothing expected');
  e.SetExpectations('ns/a', 2, 1);
  assert.equal(e.SatisfiedExpectations('ns/a'), false);
  e.CreationObserved('ns/a');
  e.DeletionObserved('ns/a');
  assert.equal(e.SatisfiedExpectations('ns/a'), false, 'one create still expected');
  e.LowerExpectations('ns/a', 1, 0);
  assert.equal(e.SatisfiedExpectations('ns/a'), true);
  // Observing more than expected never goes below zero.
  e.SetExpectations('ns/b', 1, 0);
  e.CreationObserved('ns/b');
  e.CreationObserved('ns/b');
  assert.deepEqual(e.GetExpectations('ns/b'), { add: 0, del: 0, timestamp: 0 });
  e.SetExpectations('ns/c', 5, 0);
  clock.step(ExpectationsTimeoutMs);
  assert.equal(e.SatisfiedExpectations('ns/c'), false, 'not yet past the timeout');
  clock.step(1);
  assert.equal(e.SatisfiedExpectations('ns/c'), true, 'expired');
  assert.equal(e.GetExpectations('ns/c'), undefined);
});
