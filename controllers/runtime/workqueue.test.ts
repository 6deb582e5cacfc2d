import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from './ratelimiter.ts';
import { DelayingQueue, RateLimitingQueue, WorkQueue, type GetResult } from './workqueue.ts';

/** Lets every settled promise run its callbacks. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Starts a get() and exposes its result once settled. */
function pending<T extends string>(p: Promise<GetResult<T>>): { result?: GetResult<T>; error?: unknown } {
  const box: { result?: GetResult<T>; error?: unknown } = {};
  p.then(
    (r) => (box.result = r),
    (e: unknown) => (box.error = e),
  );
  return box;
}

async function getKey<T extends string>(q: WorkQueue<T>): Promise<T> {
  const r = await q.get();
  assert.equal(r.shutdown, false);
  return (r as { key: T }).key;
}

describe('WorkQueue (queue.go)', () => {
  it('hands keys out in FIFO order', async () => {
    const q = new WorkQueue<string>();
    for (const k of ['a', 'b', 'c']) q.add(k);
    assert.deepEqual([await getKey(q), await getKey(q), await getKey(q)], ['a', 'b', 'c']);
  });

  it('collapses repeated adds of a queued key', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.deepEqual([await getKey(q), await getKey(q)], ['a', 'b']);
    assert.equal(q.len(), 0);
  });

  it('never hands out a key while it is processing; an add meanwhile re-queues it once on done()', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    assert.equal(await getKey(q), 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'a dirty key being processed is not queued');
    const second = pending(q.get());
    await flush();
    assert.equal(second.result, undefined, 'a is still processing');
    q.done('a');
    await flush();
    assert.deepEqual(second.result, { key: 'a', shutdown: false });
    q.done('a');
    assert.equal(q.len(), 0, 'the three adds collapsed into one re-queue');
    assert.ok(q.idle());
  });

  it('does not re-queue a key that was not added while processing', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await getKey(q);
    q.done('a');
    assert.equal(q.len(), 0);
    assert.ok(q.idle());
  });

  it('ignores done() for a key that is not processing, so a queued key is never duplicated', () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.done('a');
    assert.equal(q.len(), 1);
  });

  it('makes get() wait for an add, serving waiters in order', async () => {
    const q = new WorkQueue<string>();
    const first = pending(q.get());
    const second = pending(q.get());
    await flush();
    assert.equal(first.result, undefined);
    q.add('a');
    q.add('b');
    await flush();
    assert.deepEqual(first.result, { key: 'a', shutdown: false });
    assert.deepEqual(second.result, { key: 'b', shutdown: false });
    assert.equal(q.processingCount(), 2);
  });

  it('rejects get() when its signal aborts, without taking a key', async () => {
    const q = new WorkQueue<string>();
    const ac = new AbortController();
    const waiting = pending(q.get(ac.signal));
    ac.abort(new Error('stop'));
    await flush();
    assert.equal((waiting.error as Error).message, 'stop');
    q.add('a');
    assert.equal(q.len(), 1, 'the aborted waiter took nothing');
    await assert.rejects(q.get(ac.signal), /stop/);
    assert.equal(q.len(), 1);
  });

  it('shutDown() releases waiters, ignores adds and still hands out queued keys', async () => {
    const q = new WorkQueue<string>();
    const waiting = pending(q.get());
    q.shutDown();
    await flush();
    assert.deepEqual(waiting.result, { shutdown: true });
    assert.ok(q.shuttingDown());
    q.add('a');
    assert.equal(q.len(), 0);

    const q2 = new WorkQueue<string>();
    q2.add('a');
    q2.shutDown();
    assert.equal(await getKey(q2), 'a');
    assert.deepEqual(await q2.get(), { shutdown: true });
  });

  it('shutDownWithDrain() resolves once processing keys are done, or on shutDown()', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await getKey(q);
    let drained = false;
    void q.shutDownWithDrain().then(() => (drained = true));
    await flush();
    assert.equal(drained, false);
    q.done('a');
    await flush();
    assert.equal(drained, true);

    const q2 = new WorkQueue<string>();
    q2.add('a');
    await getKey(q2);
    let drained2 = false;
    void q2.shutDownWithDrain().then(() => (drained2 = true));
    q2.shutDown();
    await flush();
    assert.equal(drained2, true);
    await new WorkQueue<string>().shutDownWithDrain(); // nothing processing: resolves at once
  });

  it('reports idleness and counts', async () => {
    const q = new WorkQueue<string>();
    assert.ok(q.idle());
    q.add('a');
    assert.equal(q.idle(), false);
    await getKey(q);
    assert.equal(q.idle(), false);
    assert.equal(q.processingCount(), 1);
    q.done('a');
    assert.ok(q.idle());
    assert.equal(q.waitingCount(), 0);
  });
});

describe('DelayingQueue (delaying_queue.go)', () => {
  it('adds a key only once its delay has passed on the Clock', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>(clock);
    q.addAfter('a', 100);
    assert.equal(q.len(), 0);
    assert.equal(q.waitingCount(), 1);
    assert.ok(q.idle(), 'a delayed key is a timer, not work');
    assert.equal(clock.pendingTimers(), 1);
    clock.step(99);
    assert.equal(q.len(), 0);
    clock.step(1);
    assert.equal(q.len(), 1);
    assert.equal(q.waitingCount(), 0);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('adds at once for a zero or negative delay', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>(clock);
    q.addAfter('a', 0);
    q.addAfter('b', -5);
    assert.equal(q.len(), 2);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('keeps the earliest deadline for a key', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>(clock);
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 70);
    assert.equal(q.waitingCount(), 1);
    assert.equal(clock.pendingTimers(), 1);
    clock.step(50);
    assert.equal(q.len(), 1);
    assert.equal(await getKey(q), 'a');
    q.done('a');
    clock.step(100);
    assert.equal(q.len(), 0, 'the later deadlines were dropped');
  });

  it('wakes a waiting get() when the delay expires', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>(clock);
    const waiting = pending(q.get());
    q.addAfter('a', 10);
    await flush();
    assert.equal(waiting.result, undefined);
    clock.runNext();
    await flush();
    assert.deepEqual(waiting.result, { key: 'a', shutdown: false });
  });

  it('drops delayed keys on shutDown() and ignores addAfter afterwards', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>(clock);
    q.addAfter('a', 10);
    q.shutDown();
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(q.waitingCount(), 0);
    q.addAfter('b', 10);
    q.addAfter('c', 0);
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(q.len(), 0);
  });
});

describe('RateLimitingQueue (rate_limiting_queue.go)', () => {
  it('delays by the limiter, counts requeues and forgets', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>(clock, new ItemExponentialFailureRateLimiter(5, 1000));
    q.addRateLimited('a');
    assert.equal(q.numRequeues('a'), 1);
    clock.step(4);
    assert.equal(q.len(), 0);
    clock.step(1);
    assert.equal(q.len(), 1);
    q.addRateLimited('b');
    q.addRateLimited('b');
    assert.equal(q.numRequeues('b'), 2);
    assert.equal(clock.nextTimerAt(), clock.now() + 5, 'the earlier of 5 ms and 10 ms wins');
    q.forget('b');
    assert.equal(q.numRequeues('b'), 0);
  });

  it('defaults to the controller rate limiter', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>(clock);
    q.addRateLimited('a');
    assert.equal(clock.nextTimerAt(), clock.now() + 5);
  });
});

describe('rate limiters (default_rate_limiters.go)', () => {
  it('ItemExponentialFailureRateLimiter doubles per key up to the cap', () => {
    const r = new ItemExponentialFailureRateLimiter(5, 100);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => r.when('a')), [5, 10, 20, 40, 80, 100]);
    assert.equal(r.numRequeues('a'), 6);
    assert.equal(r.when('b'), 5, 'keys are independent');
    r.forget('a');
    assert.equal(r.numRequeues('a'), 0);
    assert.equal(r.when('a'), 5);
    const big = new ItemExponentialFailureRateLimiter(1, 1000);
    for (let i = 0; i < 2000; i++) big.when('x');
    assert.equal(big.when('x'), 1000, 'overflow is capped');
  });

  it('ItemFastSlowRateLimiter is fast for maxFastAttempts, then slow', () => {
    const r = new ItemFastSlowRateLimiter(1, 50, 2);
    assert.deepEqual([r.when('a'), r.when('a'), r.when('a'), r.when('b')], [1, 1, 50, 1]);
    assert.equal(r.numRequeues('a'), 3);
    r.forget('a');
    assert.equal(r.when('a'), 1);
  });

  it('BucketRateLimiter allows a burst, then spaces by 1/qps and refills on the Clock', () => {
    const clock = new FakeClock();
    const r = new BucketRateLimiter(10, 3, clock);
    assert.deepEqual([r.when('a'), r.when('b'), r.when('c')], [0, 0, 0]);
    assert.equal(r.when('d'), 100);
    assert.equal(r.when('e'), 200, 'reservations queue up');
    clock.step(200);
    assert.equal(r.when('f'), 100);
    clock.step(10_000);
    assert.deepEqual([r.when('g'), r.when('h'), r.when('i'), r.when('j')], [0, 0, 0, 100], 'refills to burst only');
    assert.equal(r.numRequeues('a'), 0);
  });

  it('MaxOfRateLimiter takes the worst answer and forgets everywhere', () => {
    const a = new ItemExponentialFailureRateLimiter(1, 1000);
    const b = new ItemFastSlowRateLimiter(3, 3, 1);
    const r = new MaxOfRateLimiter(a, b);
    assert.deepEqual([r.when('k'), r.when('k'), r.when('k')], [3, 3, 4]);
    assert.equal(r.numRequeues('k'), 3);
    r.forget('k');
    assert.equal(a.numRequeues('k') + b.numRequeues('k'), 0);
  });

  it('defaultControllerRateLimiter is max(exponential 5 ms..1000 s, bucket 10 qps burst 100)', () => {
    const clock = new FakeClock();
    const r = defaultControllerRateLimiter(clock);
    assert.deepEqual([r.when('k'), r.when('k'), r.when('k')], [5, 10, 20]);
    for (let i = 3; i < 100; i++) r.when(`other-${i}`); // uses up the burst of 100
    assert.equal(r.when('fresh'), 100, 'the overall bucket now dominates');
    clock.step(1_000_000_000);
    let last = 0;
    for (let i = 0; i < 40; i++) last = r.when('slow');
    assert.equal(last, 1_000_000, 'capped at 1000 s');
  });
});

// ---- Property: random interleavings of several workers against a model -------------------------------

type Cmd =
  | { op: 'add'; key: string }
  | { op: 'addAfter'; key: string; ms: number }
  | { op: 'addRateLimited'; key: string }
  | { op: 'forget'; key: string }
  | { op: 'get'; worker: number }
  | { op: 'done'; worker: number }
  | { op: 'step'; ms: number };

const KEYS = ['ns/a', 'ns/b', 'ns/c', 'ns/d'];
const WORKERS = 3;

const key = fc.constantFrom(...KEYS);
const worker = fc.nat({ max: WORKERS - 1 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), key }),
  fc.record({ op: fc.constant('addAfter' as const), key, ms: fc.integer({ min: -20, max: 300 }) }),
  fc.record({ op: fc.constant('addRateLimited' as const), key }),
  fc.record({ op: fc.constant('forget' as const), key }),
  fc.record({ op: fc.constant('get' as const), worker }),
  fc.record({ op: fc.constant('get' as const), worker }),
  fc.record({ op: fc.constant('done' as const), worker }),
  fc.record({ op: fc.constant('done' as const), worker }),
  fc.record({ op: fc.constant('step' as const), ms: fc.integer({ min: 0, max: 200 }) }),
);

/** An add the model still expects a get for; `due` is when it reaches the queue. */
interface Request {
  key: string;
  due: number;
}

type Worker = { state: 'free' } | { state: 'waiting' } | { state: 'holding'; key: string };

/** Drives a RateLimitingQueue with simulated workers and checks it after every step against a model. */
class Simulation {
  readonly clock = new FakeClock();
  private lastDelay = 0;
  private readonly limiter: RateLimiter;
  readonly q: RateLimitingQueue<string>;
  readonly workers: Worker[] = Array.from({ length: WORKERS }, () => ({ state: 'free' }));
  /** Model: outstanding requests, and each key's delayed deadline (the earliest wins). */
  readonly requests: Request[] = [];
  readonly waiting = new Map<string, number>();
  readonly failures: string[] = [];
  gets = 0;

  constructor() {
    const inner = new ItemExponentialFailureRateLimiter(1, 150);
    this.limiter = {
      when: (k) => (this.lastDelay = inner.when(k)),
      forget: (k) => inner.forget(k),
      numRequeues: (k) => inner.numRequeues(k),
    };
    this.q = new RateLimitingQueue<string>(this.clock, this.limiter);
  }

  async run(cmd: Cmd): Promise<void> {
    const now = this.clock.now();
    switch (cmd.op) {
      case 'add':
        this.q.add(cmd.key);
        this.requests.push({ key: cmd.key, due: now });
        break;
      case 'addAfter':
        this.q.addAfter(cmd.key, cmd.ms);
        this.expectDelayed(cmd.key, cmd.ms);
        break;
      case 'addRateLimited':
        this.q.addRateLimited(cmd.key);
        this.expectDelayed(cmd.key, this.lastDelay);
        break;
      case 'forget':
        this.q.forget(cmd.key);
        break;
      case 'get': {
        const w = cmd.worker;
        if (this.workers[w]?.state !== 'free') break;
        this.workers[w] = { state: 'waiting' };
        this.q.get().then(
          (r) => this.received(w, r),
          (e: unknown) => this.failures.push(`get rejected: ${String(e)}`),
        );
        break;
      }
      case 'done': {
        const held = this.workers[cmd.worker];
        if (held?.state !== 'holding') break;
        this.workers[cmd.worker] = { state: 'free' };
        this.q.done(held.key);
        break;
      }
      case 'step':
        this.clock.step(cmd.ms);
        break;
    }
    await flush();
    for (const [k, at] of this.waiting) if (at <= this.clock.now()) this.waiting.delete(k);
    this.check();
  }

  /** Runs every worker and timer until nothing is left; then no request may be outstanding. */
  async drain(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      for (let w = 0; w < WORKERS; w++) {
        await this.run({ op: 'done', worker: w });
        await this.run({ op: 'get', worker: w });
      }
      if (this.q.len() > 0 || this.workers.some((w) => w.state === 'holding')) continue;
      const at = this.clock.nextTimerAt();
      if (at === undefined) return;
      await this.run({ op: 'step', ms: at - this.clock.now() });
    }
    this.failures.push('drain did not finish');
  }

  private expectDelayed(key: string, ms: number): void {
    const now = this.clock.now();
    if (ms <= 0) {
      this.requests.push({ key, due: now });
      return;
    }
    const earlier = Math.min(this.waiting.get(key) ?? Infinity, now + ms);
    this.waiting.set(key, earlier);
    this.requests.push({ key, due: earlier });
    for (const r of this.requests) if (r.key === key && r.due > now) r.due = earlier; // collapsed into one timer
  }

  private received(w: number, r: GetResult<string>): void {
    if (r.shutdown) {
      this.failures.push('unexpected shutdown');
      return;
    }
    this.gets++;
    const now = this.clock.now();
    if (this.workers.some((x) => x.state === 'holding' && x.key === r.key)) {
      this.failures.push(`${r.key} handed to worker ${w} while another worker processes it`);
    }
    const served = this.requests.filter((x) => x.key === r.key && x.due <= now);
    if (served.length === 0) this.failures.push(`${r.key} handed out with no add outstanding (a duplicate)`);
    for (const x of served) this.requests.splice(this.requests.indexOf(x), 1);
    this.workers[w] = { state: 'holding', key: r.key };
  }

  private check(): void {
    const now = this.clock.now();
    const held = this.workers.flatMap((w) => (w.state === 'holding' ? [w.key] : []));
    const queued = new Set(this.requests.filter((r) => r.due <= now && !held.includes(r.key)).map((r) => r.key));
    if (this.q.len() !== queued.size) {
      this.failures.push(`len() ${this.q.len()} but the model has ${[...queued].join(',') || 'nothing'} queued`);
    }
    if (this.q.len() > 0 && this.workers.some((w) => w.state === 'waiting')) {
      this.failures.push('a worker waits while keys are queued');
    }
    if (this.q.processingCount() !== held.length) this.failures.push('processingCount() disagrees with the workers');
    if (this.q.waitingCount() !== this.waiting.size) this.failures.push('waitingCount() disagrees with the model');
    if (this.q.idle() !== (queued.size === 0 && held.length === 0)) this.failures.push('idle() disagrees with the model');
  }
}

describe('work queue property (seeded)', () => {
  it('never processes a key twice at once, never loses an add, never duplicates a queued key', async () => {
    let runs = 0;
    let commands = 0;
    let gets = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 20, maxLength: 150, size: 'max' }), async (cmds) => {
        const sim = new Simulation();
        for (const cmd of cmds) {
          await sim.run(cmd);
          if (sim.failures.length > 0) break;
        }
        await sim.drain();
        assert.deepEqual(sim.failures, []);
        assert.deepEqual(sim.requests, [], 'every add was followed by a get of its key');
        assert.ok(sim.q.idle());
        assert.equal(sim.clock.pendingTimers(), 0);
        runs++;
        commands += cmds.length;
        gets += sim.gets;
      }),
      { seed: 42, numRuns: 200 },
    );
    assert.equal(runs, 200);
    assert.ok(commands > 10_000 && gets > 2_000, `exercised ${commands} commands and ${gets} gets`);
  });
});
