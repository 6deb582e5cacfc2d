import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import { background, GoRuntime, withCancel, type ExitReport } from '../runtime/concurrency.ts';
import { Panic } from '../runtime/controller.ts';
import { KeyFromWorkArgs, NewWorkArgs, nilPointerDereference, TimedWorkerQueue, type WorkArgs } from './timedworkers.ts';

const ctx = background();

/** A work function whose runs can be let go one by one. */
function gatedWork(): { runs: { key: string; fireAt: number; release: () => void }[]; fn: (c: unknown, fireAt: number, args: WorkArgs) => Promise<void> } {
  const runs: { key: string; fireAt: number; release: () => void }[] = [];
  return {
    runs,
    fn: (_c, fireAt, args) =>
      new Promise<void>((resolve) => {
        runs.push({ key: KeyFromWorkArgs(args), fireAt, release: resolve });
      }),
  };
}

/** Lets started goroutines reach their first await (a goroutine starts on the next microtask). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const pod = (name: string): WorkArgs => ({ Object: { namespace: 'ns', name, uid: `uid-${name}` } });

test('work due in the future waits for the Clock; the key goes once the work returned', async () => {
  const clock = new FakeClock();
  const w = gatedWork();
  const q = new TimedWorkerQueue(w.fn, { clock, fixed: true });
  const t0 = clock.now();
  q.AddWork(ctx, pod('a'), t0, t0 + 30_000);
  const worker = q.GetWorkerUnsafe('ns/a');
  assert.ok(worker, 'a pending worker is a non-nil entry');
  assert.equal(worker.FireAt, t0 + 30_000);
  assert.equal(worker.CreatedAt, t0);
  assert.deepEqual(worker.WorkItem, pod('a'));
  assert.equal(clock.pendingTimers(), 1);

  clock.step(29_999);
  await settle();
  assert.equal(w.runs.length, 0, 'not before FireAt');
  clock.step(1);
  await settle();
  assert.equal(w.runs.length, 1);
  assert.equal(w.runs[0]?.fireAt, t0 + 30_000);
  assert.equal(q.running(), 1);
  assert.ok(q.has('ns/a'), 'the entry stays while the work runs');

  w.runs[0]?.release();
  await settle();
  assert.equal(q.running(), 0);
  assert.equal(q.has('ns/a'), false, '1.33 deletes the key when the work is done');
  assert.equal(KeyFromWorkArgs(NewWorkArgs('n', 'ns')), 'ns/n');
});

test('work already due starts at once and leaves a nil entry meaning "in progress"; AddWork skips existing keys', async () => {
  const clock = new FakeClock();
  const w = gatedWork();
  const q = new TimedWorkerQueue(w.fn, { clock, fixed: true });
  const now = clock.now();
  q.AddWork(ctx, pod('a'), now, now - 5_000);
  assert.equal(clock.pendingTimers(), 0, 'no timer for work due already');
  assert.equal(q.GetWorkerUnsafe('ns/a'), null);
  assert.ok(q.inProgress('ns/a'));
  assert.equal(q.running(), 1, 'counted as running from the moment it was started');
  await settle();
  assert.equal(w.runs.length, 1);

  q.AddWork(ctx, pod('a'), now, now + 10_000);
  assert.equal(clock.pendingTimers(), 0, 'AddWork skipped the in-progress key');
  q.AddWork(ctx, pod('b'), now, now + 10_000);
  q.AddWork(ctx, pod('b'), now, now + 20_000);
  assert.equal(q.GetWorkerUnsafe('ns/b')?.FireAt, now + 10_000, 'AddWork keeps the existing pending work');

  w.runs[0]?.release();
  await settle();
  assert.equal(q.has('ns/a'), false);
  assert.deepEqual(q.keys(), ['ns/b']);
});

test('UpdateWork keeps the same fire time and replaces another; CancelWork stops pending timers only', async () => {
  const clock = new FakeClock();
  const w = gatedWork();
  const q = new TimedWorkerQueue(w.fn, { clock, fixed: true });
  const now = clock.now();
  q.UpdateWork(ctx, pod('a'), now, now + 10_000);
  const first = q.GetWorkerUnsafe('ns/a');
  q.UpdateWork(ctx, pod('a'), now + 1_000, now + 10_000);
  assert.equal(q.GetWorkerUnsafe('ns/a'), first, 'same FireAt: a cheap no-op');
  q.UpdateWork(ctx, pod('a'), now, now + 20_000);
  assert.notEqual(q.GetWorkerUnsafe('ns/a'), first);
  assert.equal(q.GetWorkerUnsafe('ns/a')?.FireAt, now + 20_000);
  assert.equal(clock.pendingTimers(), 1, 'the old timer was cancelled');
  clock.step(10_000);
  await settle();
  assert.equal(w.runs.length, 0, 'the replaced work never runs');
  clock.step(10_000);
  await settle();
  assert.equal(w.runs.length, 1);

  // CancelWork on pending work: true, never runs.
  q.AddWork(ctx, pod('b'), clock.now(), clock.now() + 5_000);
  assert.equal(q.CancelWork('ns/b'), true);
  assert.equal(q.has('ns/b'), false);
  clock.step(5_000);
  await settle();
  assert.equal(w.runs.length, 1);
  // CancelWork on running work: false (it cannot be stopped), but the key is removed.
  assert.equal(q.CancelWork('ns/a'), true, 'a timer-started worker keeps its non-nil entry');
  q.AddWork(ctx, pod('c'), clock.now(), clock.now());
  assert.equal(q.CancelWork('ns/c'), false, 'nil entry: nothing to cancel');
  assert.equal(q.has('ns/c'), false);
  assert.equal(q.CancelWork('ns/missing'), false);
  await settle();
  assert.equal(w.runs.length, 2, 'the cancelled in-progress work still runs to its end');
  for (const r of w.runs) r.release();
  await settle();
  assert.equal(q.running(), 0);
});

test('buggy UpdateWork (kubernetes#130940) dereferences the nil in-progress entry and panics', async () => {
  const clock = new FakeClock();
  const w = gatedWork();
  const q = new TimedWorkerQueue(w.fn, { clock, fixed: false });
  const now = clock.now();
  q.UpdateWork(ctx, pod('a'), now, now);
  assert.ok(q.inProgress('ns/a'));
  assert.throws(
    () => q.UpdateWork(ctx, pod('a'), now + 1_000, now),
    (e: unknown) => e instanceof Panic && e.message === nilPointerDereference,
  );
  assert.equal(nilPointerDereference, 'runtime error: invalid memory address or nil pointer dereference');
  // The buggy code is fine as long as the entry is not nil.
  q.UpdateWork(ctx, pod('b'), now, now + 1_000);
  q.UpdateWork(ctx, pod('b'), now, now + 2_000);
  assert.equal(q.GetWorkerUnsafe('ns/b')?.FireAt, now + 2_000);
  await settle();
  w.runs[0]?.release();
  await settle();
  assert.equal(q.has('ns/a'), false);
  q.UpdateWork(ctx, pod('a'), now, now); // after the work finished the key is free again
  await settle();
  assert.equal(w.runs.length, 2);
  for (const r of w.runs) r.release();
  await settle();
});

test('fixed UpdateWork (kubernetes#130947) keeps work in progress: it runs once', async () => {
  const clock = new FakeClock();
  const w = gatedWork();
  const q = new TimedWorkerQueue(w.fn, { clock, fixed: true });
  const now = clock.now();
  q.UpdateWork(ctx, pod('a'), now, now);
  q.UpdateWork(ctx, pod('a'), now + 1_000, now);
  q.UpdateWork(ctx, pod('a'), now + 1_000, now + 60_000);
  assert.ok(q.inProgress('ns/a'), 'still the in-progress marker');
  assert.equal(clock.pendingTimers(), 0);
  await settle();
  assert.equal(w.runs.length, 1);
  assert.equal(q.started(), 1);
  w.runs[0]?.release();
  await settle();
  assert.equal(q.has('ns/a'), false);
});

test('the panic ends the process it happens in, as Go reports it; errors of the work are only logged', async () => {
  const clock = new FakeClock();
  const exits: ExitReport[] = [];
  const runtime = new GoRuntime({ name: 'controller', onExit: (r) => exits.push(r) });
  let failures = 0;
  const q = new TimedWorkerQueue(
    async () => {
      failures++;
      throw new Error('the API server said no');
    },
    { clock, fixed: false },
  );
  const { ctx: c } = withCancel(runtime.ctx);
  runtime.go('handler', () => {
    q.UpdateWork(c, pod('a'), clock.now(), clock.now()); // starts the (failing) work at once
    q.UpdateWork(c, pod('a'), clock.now(), clock.now()); // the second event: nil dereference
  });
  await settle();
  assert.equal(exits.length, 1);
  assert.equal(exits[0]?.kind, 'panic');
  assert.match(exits[0]?.toString() ?? '', /^panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine \d+ \[running\]:/);
  assert.ok(runtime.exited);

  // A failing work function in a live process is an error return: logged, the key removed, no exit.
  const live = new GoRuntime({ name: 'live', onExit: (r) => exits.push(r) });
  live.go('handler', () => q.AddWork(background(), pod('b'), clock.now(), clock.now()));
  await settle();
  assert.equal(exits.length, 1);
  assert.ok(failures >= 1);
  assert.equal(q.has('ns/b'), false);
});

test('UpdateWork on work in progress, by updateWorkFix: keep and running-set keep it; second-worker starts another; cancel and restart cancel it', async () => {
  const cases = [
    { fix: 'keep', runs: 1, cancelled: false },
    { fix: 'running-set', runs: 1, cancelled: false },
    { fix: 'second-worker', runs: 2, cancelled: false },
    { fix: 'cancel', runs: 1, cancelled: true },
    { fix: 'restart', runs: 2, cancelled: true },
  ] as const;
  for (const c of cases) {
    const clock = new FakeClock();
    const signals: AbortSignal[] = [];
    const q = new TimedWorkerQueue(
      (workCtx) =>
        new Promise<void>((resolve) => {
          signals.push(workCtx.done);
          workCtx.done.addEventListener('abort', () => resolve(), { once: true });
        }),
      { clock, fixed: true, updateWorkFix: c.fix },
    );
    const now = clock.now();
    q.UpdateWork(ctx, pod('a'), now, now);
    await settle();
    q.UpdateWork(ctx, pod('a'), clock.now(), now);
    await settle();
    assert.equal(q.started(), c.runs, `${c.fix}: works started`);
    assert.equal(signals[0]?.aborted, c.cancelled, `${c.fix}: the first work cancelled`);
  }
});
