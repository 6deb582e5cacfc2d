import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chan, FatalError, GoRuntime, Mutex, WaitGroup, background, withCancel, type ExitReport } from './concurrency.ts';
import { GoMap } from './gomap.ts';
import { GoSlice } from './goslice.ts';
import { RaceDetector, instrumentMap, instrumentObject } from './racedetector.ts';

/** Lets every runnable goroutine run until it waits on something. Creates no happens-before edge. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(): { rt: GoRuntime; det: RaceDetector; exits: ExitReport[] } {
  const exits: ExitReport[] = [];
  return { rt: new GoRuntime({ onExit: (r) => exits.push(r) }), det: new RaceDetector(), exits };
}

test('an unsynchronised read and write in two goroutines is a race, even though they ran one after the other', async () => {
  const { rt, det } = setup();
  rt.go('manager', () => det.read('scheme.Scheme', 'Scheme.New'));
  await settle();
  rt.go('fake-client', () => det.write('scheme.Scheme', 'Scheme.AddKnownTypeWithName'));
  await settle();

  assert.equal(det.reports.length, 1);
  const text = String(det.reports[0]);
  assert.match(text, /^==================\nWARNING: DATA RACE\nWrite at 0x[0-9a-f]{12} by goroutine \d+ \(fake-client\):\n {2}Scheme\.AddKnownTypeWithName\n/);
  assert.match(text, /\nPrevious read at 0x[0-9a-f]{12} by goroutine \d+ \(manager\):\n {2}Scheme\.New\n/);
  assert.match(text, /racedetector\.test\.ts/, 'the stacks point at the accesses');
  assert.match(text, /Goroutine \d+ \(finished\) created at:/);
  assert.match(text, /Location is 'scheme\.Scheme'/);
  assert.ok(text.endsWith('\n=================='));
});

test('the same pair under a Mutex is not a race', async () => {
  const { rt, det } = setup();
  const mu = new Mutex();
  const locked = (fn: () => void) => async (): Promise<void> => {
    await mu.lock();
    fn();
    mu.unlock();
  };
  rt.go('manager', locked(() => det.read('x')));
  await settle();
  rt.go('fake-client', locked(() => det.write('x')));
  await settle();
  assert.deepEqual(det.reports, []);
});

test('a WaitGroup join orders the accesses; without the wait the same accesses race', async () => {
  for (const joined of [true, false]) {
    const { rt, det } = setup();
    const wg = new WaitGroup();
    wg.add(2);
    for (const i of [0, 1]) {
      rt.go(`task-${i}`, () => {
        det.write(`slot[${i}]`);
        wg.done();
      });
    }
    rt.go('caller', async () => {
      if (joined) await wg.wait();
      else await settle();
      det.read('slot[0]');
      det.read('slot[1]');
    });
    await settle();
    await settle();
    assert.equal(det.reports.length, joined ? 0 : 2, `joined=${joined}`);
  }
});

test('spawn orders the parent\'s earlier accesses before the child, not its later ones', async () => {
  const { rt, det } = setup();
  rt.go('parent', async () => {
    det.write('config');
    rt.go('child', () => {
      det.read('config');
      det.write('result');
    });
    await settle();
    det.read('result');
  });
  await settle();
  await settle();
  assert.equal(det.reports.length, 1);
  assert.equal(det.reports[0]?.addr, 'result');
  assert.equal(det.reports[0]?.current.goroutine.name, 'parent');
  assert.equal(det.reports[0]?.previous.goroutine.name, 'child');
});

test('write/write races, read/read does not, join and context cancel are edges, and reports are deduplicated', async () => {
  const { rt, det } = setup();
  for (const name of ['r1', 'r2']) rt.go(name, () => det.read('shared'));
  for (const name of ['w1', 'w2']) rt.go(name, () => det.write('counter'));
  await settle();
  assert.deepEqual(
    det.reports.map((r) => `${r.addr} ${r.current.kind}/${r.previous.kind}`),
    ['counter write/write'],
  );

  const worker = rt.go('worker', () => det.write('joined'));
  const { ctx, cancel } = withCancel(background());
  rt.go('canceller', () => {
    det.write('cancelled');
    cancel();
  });
  rt.go('observer', async () => {
    await worker.join();
    det.read('joined');
    if (ctx.err()) det.read('cancelled');
    for (let i = 0; i < 5; i++) det.read('counter', 'loop');
  });
  await settle();
  await settle();
  assert.deepEqual(
    det.reports.map((r) => `${r.addr} ${r.current.kind}/${r.previous.kind}`),
    ['counter write/write', 'counter read/write'],
  );
});

test('instrumentMap and instrumentObject report a registry mutated while a manager reads it (machineset-shared-scheme)', async () => {
  class Scheme {
    kinds = new Map<string, string>([['KubeadmConfig', 'bootstrap.cluster.x-k8s.io/v1beta1']]);
    version = 1;
    register(kind: string): void {
      this.kinds.set(kind, 'unstructured');
      this.version++;
    }
    recognizes(kind: string): boolean {
      return this.kinds.has(kind);
    }
  }
  for (const fixed of [false, true]) {
    const { rt, det } = setup();
    const global = instrumentObject(new Scheme(), det, 'scheme.Scheme');
    rt.go('manager', () => {
      global.recognizes('KubeadmConfig');
    });
    await settle();
    // Buggy: the fake client registers the list kind in the global scheme; fixed: in a scheme of its own.
    const clientScheme = fixed ? instrumentObject(new Scheme(), det, 'test scheme') : global;
    rt.go('fake-client', () => clientScheme.register('GenericBootstrapConfigList'));
    await settle();
    if (fixed) {
      assert.deepEqual(det.reports, []);
      continue;
    }
    assert.deepEqual(
      det.reports.map((r) => `${r.addr}: ${r.current.site} by ${r.current.goroutine.name} / ${r.previous.site} by ${r.previous.goroutine.name}`),
      ['scheme.Scheme.kinds: scheme.Scheme.kinds.set by fake-client / scheme.Scheme.kinds.has by manager'],
    );
  }

  const { rt, det } = setup();
  const set = instrumentMap(new Set<string>(), det, 'processed');
  rt.go('g1', () => void set.add('a').add('b'));
  rt.go('g2', () => void set.size);
  await settle();
  assert.equal(det.reports.length, 1);
  assert.equal(det.reports[0]?.current.site, 'processed.size');
  assert.deepEqual([...set], ['a', 'b']);
});

test('GoMap: overlapping writes are fatal "concurrent map writes"; the wait after them never returns (capsule #1263)', async () => {
  const { rt, exits } = setup();
  const processed = new GoMap<string, true>({ label: 'processed' });
  let statusPatched = false;
  const inserted: string[] = [];
  rt.go('HandleSection', async () => {
    const wg = new WaitGroup();
    for (const name of ['secret-a', 'secret-b']) {
      wg.add(1);
      rt.go(`createOrUpdate ${name}`, async () => {
        await processed.set(`Kind=Secret,Name=${name}`, true);
        inserted.push(name);
        wg.done();
      });
    }
    await wg.wait();
    statusPatched = true;
  });
  for (let i = 0; i < 3; i++) await settle();
  assert.equal(exits.length, 1);
  assert.equal(exits[0]?.kind, 'fatal');
  assert.ok(exits[0]?.error instanceof FatalError);
  assert.equal((exits[0]?.error as Error).message, 'concurrent map writes');
  assert.equal(exits[0]?.goroutine.name, 'createOrUpdate secret-b');
  assert.deepEqual(inserted, [], 'the first writer, half way through, never resumes either');
  assert.equal(statusPatched, false, 'the deferred status patch never runs in a dead process');
});

test('GoMap: sequential writes, writes under a Mutex and per-task slots (the #1264 fix) never crash', async () => {
  const { rt, exits } = setup();
  const sequential = new GoMap<string, true>();
  const guarded = new GoMap<string, true>();
  const merged = new GoMap<string, true>();
  const mu = new Mutex();
  rt.go('main', async () => {
    await sequential.set('a', true);
    await sequential.set('b', true);
    await sequential.delete('a');

    const wg = new WaitGroup();
    const slots: string[] = ['', '', ''];
    for (const i of [0, 1, 2]) {
      wg.add(1);
      rt.go(`task-${i}`, async () => {
        await mu.lock();
        await guarded.set(`k${i}`, true);
        mu.unlock();
        slots[i] = `k${i}`;
        wg.done();
      });
    }
    await wg.wait();
    for (const key of slots) if (key) await merged.set(key, true);
  });
  for (let i = 0; i < 10; i++) await settle();
  assert.deepEqual(exits, []);
  assert.deepEqual([...sequential].map(([k]) => k), ['b']);
  assert.equal(guarded.size, 3);
  assert.deepEqual([...merged].map(([k]) => k), ['k0', 'k1', 'k2']);
});

test('GoMap: a read during a write is "concurrent map read and map write"; a detector still reports non-overlapping unsynchronised writes', async () => {
  const { rt, exits } = setup();
  const m = new GoMap<string, number>();
  rt.go('writer', () => m.set('a', 1));
  rt.go('reader', () => void m.get('a'));
  await settle();
  assert.equal(exits.length, 1);
  assert.equal((exits[0]?.error as Error).message, 'concurrent map read and map write');

  const second = setup();
  const tracked = new GoMap<string, number>({ label: 'processed', detector: second.det });
  second.rt.go('g1', () => tracked.set('a', 1));
  await settle();
  await settle(); // the write spans one event-loop turn
  second.rt.go('g2', () => tracked.set('b', 2));
  await settle();
  assert.deepEqual(second.exits, [], 'no overlap, no crash');
  assert.equal(second.det.reports.length, 1, 'but -race sees it');
  assert.match(String(second.det.reports[0]), /Write at .* \(g2\):\n {2}mapassign[\s\S]*Previous write at .* \(g1\):\n {2}mapassign/);
});

/** Two goroutines append to one shared slice, ordered by nothing, by a Mutex, or by a WaitGroup edge. */
async function appendFromTwo(sync: 'none' | 'mutex' | 'waitgroup'): Promise<{ det: RaceDetector; items: string[] }> {
  const { rt, det } = setup();
  let items: string[] = [];
  rt.go('caller', async () => {
    const results = new GoSlice<string>([], { label: 'results', detector: det });
    const mu = new Mutex();
    const first = new WaitGroup();
    first.add(1);
    const done = new WaitGroup();
    done.add(2);
    rt.go('task-a', async () => {
      if (sync === 'mutex') await mu.lock();
      results.append('a');
      if (sync === 'mutex') mu.unlock();
      first.done();
      done.done();
    });
    rt.go('task-b', async () => {
      if (sync === 'waitgroup') await first.wait(); // b appends only after a's Done
      if (sync === 'mutex') await mu.lock();
      results.append('b');
      if (sync === 'mutex') mu.unlock();
      done.done();
    });
    await done.wait();
    items = [...results];
  });
  for (let i = 0; i < 3; i++) await settle();
  return { det, items };
}

test('GoSlice: concurrent appends from two goroutines without sync are a race on the slice; with a Mutex or a WaitGroup edge they are not', async () => {
  const racy = await appendFromTwo('none');
  assert.deepEqual(racy.items, ['a', 'b'], 'nothing is lost: the race is what -race reports, not a torn slice');
  assert.deepEqual(
    racy.det.reports.map((r) => `${r.addr}: ${r.current.kind} ${r.current.site} by ${r.current.goroutine.name} / ${r.previous.kind} ${r.previous.site} by ${r.previous.goroutine.name}`),
    ['results: read append by task-b / write append by task-a', 'results: write append by task-b / write append by task-a'],
  );
  assert.match(String(racy.det.reports[0]), /Read at 0x[0-9a-f]{12} by goroutine \d+ \(task-b\):\n {2}append\n[\s\S]*Previous write at .* \(task-a\):\n {2}append[\s\S]*Location is 'results'/);
  for (const sync of ['mutex', 'waitgroup'] as const) {
    const { det, items } = await appendFromTwo(sync);
    assert.deepEqual(det.reports.map(String), [], sync);
    assert.deepEqual(items, ['a', 'b'], sync);
  }
});

test('GoSlice: per-goroutine slots do not race with each other, only with a reader not ordered after them (#1264 merged before the wait)', async () => {
  for (const mergeAfterWait of [true, false]) {
    const { rt, det } = setup();
    let merged: string[] = [];
    rt.go('HandleSection', async () => {
      const slots = GoSlice.make(2, '', { label: 'processedRaw', detector: det });
      const wg = new WaitGroup();
      for (const i of [0, 1]) {
        wg.add(1);
        rt.go(`task-${i}`, () => {
          slots.set(i, `item-${i}`);
          wg.done();
        });
      }
      if (mergeAfterWait) await wg.wait();
      merged = [...slots];
      await wg.wait();
    });
    for (let i = 0; i < 3; i++) await settle();
    if (mergeAfterWait) {
      assert.deepEqual(det.reports.map(String), []);
      assert.deepEqual(merged, ['item-0', 'item-1']);
      continue;
    }
    assert.deepEqual(merged, ['', ''], 'the caller read the slots before the goroutines ran');
    assert.deepEqual(
      det.reports.map((r) => `${r.addr}: ${r.current.kind} by ${r.current.goroutine.name} / ${r.previous.kind} by ${r.previous.goroutine.name}`),
      ['processedRaw[0]: write by task-0 / read by HandleSection', 'processedRaw[1]: write by task-1 / read by HandleSection'],
    );
  }
});

test('GoSlice: index out of range is Go\'s runtime error; two slices made by one line are distinct addresses', () => {
  const det = new RaceDetector();
  const s = GoSlice.make(1, 0, { label: 's', detector: det });
  assert.throws(() => s.at(1), /^Error: runtime error: index out of range \[1\] with length 1$/);
  assert.throws(() => s.set(-1, 2), /index out of range \[-1\]/);
  assert.equal(new GoSlice([], { label: 's', detector: det }).len, 0);
  assert.equal(det.location('s'), 's#3');
});

test('Chan: a send happens-before the receive of its value and close before the receive that sees it; without them the accesses race', async () => {
  for (const viaChannel of [true, false]) {
    const { rt, det } = setup();
    const ch = new Chan<string>(0);
    const received: string[] = [];
    rt.go('producer', async () => {
      det.write('result');
      if (viaChannel) {
        await ch.send('r1'); // unbuffered: waits for the receiver
        det.write('late');
        ch.close();
      }
    });
    rt.go('consumer', async () => {
      if (viaChannel) for await (const v of ch) received.push(v);
      else await settle();
      det.read('result');
      if (viaChannel) det.read('late');
    });
    for (let i = 0; i < 3; i++) await settle();
    if (viaChannel) {
      assert.deepEqual(received, ['r1']);
      assert.deepEqual(det.reports.map(String), []);
    } else {
      assert.deepEqual(det.reports.map((r) => r.addr), ['result']);
    }
  }
  const { rt, exits } = setup();
  const ch = new Chan<number>(1);
  rt.go('closer', async () => {
    await ch.send(1);
    ch.close();
    assert.deepEqual(await ch.recv(), [1, true]);
    assert.deepEqual(await ch.recv(), [undefined, false]);
    await ch.send(2);
  });
  await settle();
  assert.equal((exits[0]?.error as Error | undefined)?.message, 'send on closed channel');
});

test('instrumentObject on a plain array: pushes from two goroutines race on its length; under a Mutex they do not', async () => {
  for (const locked of [false, true]) {
    const { rt, det } = setup();
    const mu = new Mutex();
    const wg = new WaitGroup();
    let seen: string[] = [];
    rt.go('caller', async () => {
      const results = instrumentObject<string[]>([], det, 'results');
      for (const name of ['a', 'b']) {
        wg.add(1);
        rt.go(`task-${name}`, async () => {
          if (locked) await mu.lock();
          results.push(name);
          if (locked) mu.unlock();
          wg.done();
        });
      }
      await wg.wait();
      seen = [...results];
    });
    for (let i = 0; i < 3; i++) await settle();
    assert.deepEqual(seen, ['a', 'b']);
    if (locked) assert.deepEqual(det.reports.map(String), []);
    else assert.ok(det.reports.some((r) => r.addr === 'results.length' && r.current.goroutine.name === 'task-b' && r.previous.goroutine.name === 'task-a'), det.reports.map((r) => r.addr).join());
  }
});
