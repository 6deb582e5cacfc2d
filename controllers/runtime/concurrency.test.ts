import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import {
  Canceled,
  Chan,
  DeadlineExceeded,
  FatalError,
  GoRuntime,
  Mutex,
  RWMutex,
  WaitGroup,
  afterFunc,
  background,
  currentGoroutine,
  defaultRuntime,
  fatal,
  go,
  sleep,
  withCancel,
  withTimeout,
  type ExitReport,
} from './concurrency.ts';

/** Lets every runnable goroutine run until it waits on something (all microtasks plus one event-loop turn). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function newProcess(): { rt: GoRuntime; exits: ExitReport[] } {
  const exits: ExitReport[] = [];
  return { rt: new GoRuntime({ name: 'test', onExit: (r) => exits.push(r) }), exits };
}

test('currentGoroutine follows a goroutine across awaits, clock sleeps and nested go', async () => {
  const { rt } = newProcess();
  const clock = new FakeClock();
  const seen: string[] = [];
  const wg = new WaitGroup();
  wg.add(2);
  const outer = rt.go('outer', async () => {
    seen.push(currentGoroutine().name);
    await sleep(clock, 5); // resumed by clock.step() running in the test's context
    seen.push(currentGoroutine().name);
    const inner = go('inner', () => {
      seen.push(`${currentGoroutine().name}@${currentGoroutine().runtime.name}`);
      wg.done();
    });
    assert.notEqual(inner.id, currentGoroutine().id);
    seen.push(currentGoroutine().name);
    wg.done();
  });
  assert.deepEqual(seen, [], 'go() only makes the goroutine runnable');
  assert.equal(currentGoroutine(), defaultRuntime.main);
  await settle();
  clock.step(5);
  await wg.wait();
  await outer.join();
  assert.deepEqual(seen, ['outer', 'outer', 'outer', 'inner@test']);
  assert.equal(outer.state, 'finished');
});

test('WaitGroup.wait resolves only after every done()', async () => {
  const { rt } = newProcess();
  const clock = new FakeClock();
  const wg = new WaitGroup();
  wg.add(3);
  for (const ms of [10, 20, 30]) {
    rt.go(`worker-${ms}`, async () => {
      await sleep(clock, ms);
      wg.done();
    });
  }
  let resolved = false;
  const waiting = wg.wait().then(() => (resolved = true));
  await settle();
  clock.step(20);
  await settle();
  assert.equal(resolved, false, 'two of three done');
  clock.step(10);
  await settle();
  assert.equal(resolved, true);
  await waiting;
  await new WaitGroup().wait(); // zero counter: returns at once
  assert.throws(() => new WaitGroup().done(), /negative WaitGroup counter/);
});

test('Mutex excludes, hands over in FIFO order, and unlocking an unlocked one is fatal', async () => {
  const { rt, exits } = newProcess();
  const clock = new FakeClock();
  const mu = new Mutex();
  const log: string[] = [];
  for (const name of ['a', 'b', 'c']) {
    rt.go(name, async () => {
      await mu.lock();
      log.push(`enter ${name}`);
      await sleep(clock, 10);
      log.push(`leave ${name}`);
      mu.unlock();
    });
  }
  await settle();
  assert.equal(mu.tryLock(), false);
  while (clock.runNext()) await settle();
  assert.deepEqual(log, ['enter a', 'leave a', 'enter b', 'leave b', 'enter c', 'leave c']);
  assert.equal(mu.tryLock(), true);
  mu.unlock();

  rt.go('bad', () => mu.unlock());
  await settle();
  assert.equal(exits.length, 1);
  assert.equal(exits[0]?.kind, 'fatal');
  assert.match(String(exits[0]), /^fatal error: sync: unlock of unlocked mutex\n\ngoroutine \d+ \[running\]:/);
});

test('RWMutex lets readers share and makes a writer wait for them; a queued writer holds back new readers', async () => {
  const { rt } = newProcess();
  const clock = new FakeClock();
  const rw = new RWMutex();
  const log: string[] = [];
  const reader = (name: string, ms: number) => async (): Promise<void> => {
    await rw.rLock();
    log.push(`+${name}`);
    await sleep(clock, ms);
    log.push(`-${name}`);
    rw.rUnlock();
  };
  rt.go('r1', reader('r1', 10));
  rt.go('r2', reader('r2', 20));
  rt.go('w', async () => {
    await rw.lock();
    log.push('+w');
    await sleep(clock, 5);
    log.push('-w');
    rw.unlock();
  });
  rt.go('r3', reader('r3', 1));
  do await settle();
  while (clock.runNext());
  assert.deepEqual(log, ['+r1', '+r2', '-r1', '-r2', '+w', '-w', '+r3', '-r3']);
});

test('context cancel propagates to descendants with its cause, never upwards, first cancel wins', async () => {
  const parent = withCancel(background());
  const child = withCancel(parent.ctx);
  const grandchild = withCancel(child.ctx);
  const sibling = withCancel(parent.ctx);
  assert.equal(child.ctx.err(), undefined);
  assert.equal(child.ctx.cause(), undefined);

  const why = new Error('reconciler stopped');
  child.cancel(why);
  child.cancel(new Error('second cancel is ignored'));
  for (const ctx of [child.ctx, grandchild.ctx]) {
    assert.equal(ctx.err(), Canceled);
    assert.equal(ctx.cause(), why);
    assert.equal(ctx.done.aborted, true);
    assert.equal(ctx.done.reason, why);
  }
  assert.equal(parent.ctx.err(), undefined);
  assert.equal(sibling.ctx.done.aborted, false);

  parent.cancel();
  assert.equal(sibling.ctx.cause(), Canceled, 'no cause: the cause is the error');
  assert.equal(withCancel(parent.ctx).ctx.err(), Canceled, 'a child of a cancelled context is born cancelled');
  assert.equal(background().err(), undefined);
});

test('sleep rejects with the cause when its context is cancelled; withTimeout fires on the fake clock', async () => {
  const { rt } = newProcess();
  const clock = new FakeClock();
  const { ctx, cancel } = withCancel(background());
  const results: unknown[] = [];
  rt.go('sleeper', async () => {
    await sleep(clock, 60_000, ctx).then(
      () => results.push('slept'),
      (err: unknown) => results.push(err),
    );
  });
  await settle();
  const why = new Error('Stop() called');
  cancel(why);
  await settle();
  assert.deepEqual(results, [why]);
  assert.equal(clock.pendingTimers(), 0, 'the cancelled sleep left no timer');

  const deadline = withTimeout(background(), clock, 100);
  clock.step(99);
  assert.equal(deadline.ctx.err(), undefined);
  clock.step(1);
  assert.equal(deadline.ctx.err(), DeadlineExceeded);
  await assert.rejects(sleep(clock, 1, deadline.ctx), (err) => err === DeadlineExceeded);
});

test('afterFunc runs fn in its own goroutine of the caller\'s process', async () => {
  const { rt } = newProcess();
  const clock = new FakeClock();
  const ran: string[] = [];
  rt.go('scheduler', () => {
    afterFunc(clock, 30, 'wipe', () => {
      ran.push(`${currentGoroutine().name}@${currentGoroutine().runtime.name}`);
    });
  });
  await settle();
  clock.step(30);
  await settle();
  assert.deepEqual(ran, ['wipe@test']);
});

test('a panic in a goroutine ends its process: onExit, root context cancelled, nothing runs or resumes after', async () => {
  const { rt, exits } = newProcess();
  const wg = new WaitGroup();
  wg.add(1);
  let resumed = false;
  rt.go('waiter', async () => {
    await wg.wait();
    resumed = true;
  });
  const boom = new Error('invalid memory address or nil pointer dereference');
  const crasher = rt.go('UpdateWork', () => {
    throw boom;
  });
  await settle();
  assert.equal(exits.length, 1);
  assert.equal(exits[0]?.kind, 'panic');
  assert.equal(exits[0]?.goroutine, crasher);
  assert.equal(exits[0]?.exitCode, 2);
  assert.match(String(exits[0]), /^panic: invalid memory address or nil pointer dereference\n\ngoroutine \d+ \[running\]:/);
  assert.equal(rt.exited, true);
  assert.equal(rt.ctx.cause(), boom);

  wg.done(); // would wake the waiter in a live process
  let started = false;
  rt.go('late', () => {
    started = true;
  });
  await settle();
  assert.equal(resumed, false, 'a dead process resumes no goroutine');
  assert.equal(started, false, 'a dead process starts no goroutine');
});

test('a FatalError kills the process even when the code catches it, and only the first death counts', async () => {
  const { rt, exits } = newProcess();
  let after = false;
  rt.go('recovering', () => {
    try {
      fatal('concurrent map writes');
    } catch (err) {
      assert.ok(err instanceof FatalError); // a recover() in a reconciler
    }
    after = true;
    throw new Error('later panic');
  });
  await settle();
  assert.equal(after, true);
  assert.equal(exits.length, 1);
  assert.equal(exits[0]?.kind, 'fatal');
  assert.equal((exits[0]?.error as Error).message, 'concurrent map writes');
  assert.ok(rt.ctx.cause() instanceof FatalError);
});

test('Chan: an unbuffered send waits for a receiver, a buffered one for room; FIFO; close wakes receivers and ends range', async () => {
  const { rt } = newProcess();
  const log: string[] = [];
  const unbuffered = new Chan<number>();
  rt.go('sender', async () => {
    await unbuffered.send(1);
    log.push('sent 1');
  });
  await settle();
  assert.equal(log.length, 0, 'no receiver yet: the send blocks');
  rt.go('receiver', async () => {
    log.push(`got ${String((await unbuffered.recv())[0])}`);
  });
  await settle();
  assert.deepEqual(log.sort(), ['got 1', 'sent 1']);

  const buffered = new Chan<string>(2);
  const sent: string[] = [];
  rt.go('producer', async () => {
    for (const v of ['a', 'b', 'c']) {
      await buffered.send(v);
      sent.push(v);
    }
    buffered.close();
  });
  await settle();
  assert.deepEqual(sent, ['a', 'b'], 'the third send waits for room');
  const received: string[] = [];
  rt.go('consumer', async () => {
    for await (const v of buffered) received.push(v);
  });
  await settle();
  assert.deepEqual(received, ['a', 'b', 'c']);
  assert.deepEqual(sent, ['a', 'b', 'c']);

  const idle = new Chan<number>(1);
  let result: [number | undefined, boolean] | undefined;
  rt.go('waiting', async () => {
    result = await idle.recv();
  });
  await settle();
  assert.equal(result, undefined);
  rt.go('closer', () => idle.close());
  await settle();
  assert.deepEqual(result, [undefined, false]);
  assert.throws(() => idle.close(), /close of closed channel/);

  const full = new Chan<number>();
  const failures: string[] = [];
  rt.go('blocked-sender', async () => {
    await full.send(1).catch((e: unknown) => failures.push((e as Error).message));
  });
  await settle();
  rt.go('closer', () => full.close());
  await settle();
  assert.deepEqual(failures, ['send on closed channel'], 'a sender blocked at close panics, as in Go');
});
