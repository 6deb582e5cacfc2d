import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { testServer, type TestServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { Informer, InformerResource } from '../../clients/kube/informer.ts';
import { background, withCancel, type Context } from './concurrency.ts';
import { isTerminal, Panic, TerminalError, type Reconciler, type Request } from './controller.ts';
import { Manager } from './manager.ts';
import { observeReconciles, reconcileSinkOf } from './reconcileobserver.ts';
import { generationChanged, newPredicateFuncs } from './predicate.ts';
import { eventually } from '../../testing/eventually.ts';

type ConfigMap = KubeObject & { data?: Record<string, string> };

const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespace: 'default' };
const cmResource: InformerResource = { ...cmRef, kind: 'ConfigMap' };
const desiredLabel = 'racelab.dev/desired';


function track(server: TestServer): { open: Set<IncomingMessage>; log: { method: string; url: string; ua: string | undefined }[] } {
  const t = { open: new Set<IncomingMessage>(), log: [] as { method: string; url: string; ua: string | undefined }[] };
  server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    t.open.add(req);
    t.log.push({ method: req.method ?? '', url: req.url ?? '', ua: req.headers['user-agent'] });
    res.on('close', () => t.open.delete(req));
  });
  return t;
}

/** The scenario engine's loop in miniature: when the manager is idle, let the clock fire its next timer. */
function clockDriver(mgr: Manager, clock: FakeClock): () => void {
  return () => {
    if (mgr.idle() && clock.pendingTimers() > 0) clock.runNext();
  };
}

/**
 * The toy: a ConfigMap labelled racelab.dev/desired=<v> wants a ConfigMap <name>-derived whose data.value
 * is <v>, controlled by it (ownerReference). Derived objects of gone or unlabelled sources are deleted.
 */
function toyReconciler(mgr: Manager, cms: Informer<ConfigMap>, calls?: Request[]): Reconciler {
  return async (_ctx: Context, req: Request) => {
    calls?.push(req);
    const lister = cms.lister();
    const derivedName = `${req.name}-derived`;
    const src = lister.getByName(req.namespace, req.name);
    const desired = src?.metadata.labels?.[desiredLabel];
    const derived = lister.getByName(req.namespace, derivedName);
    if (!src || desired === undefined) {
      if (derived) await mgr.client.delete(cmRef, derivedName).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
      return;
    }
    if (!derived) {
      const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: req.name, uid: src.metadata.uid ?? '', controller: true };
      await mgr.client.create<ConfigMap>(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: derivedName, ownerReferences: [owner] }, data: { value: desired } });
      return;
    }
    if (derived.data?.value !== desired) await mgr.client.update<ConfigMap>(cmRef, { ...derived, data: { value: desired } });
  };
}

/** Every labelled source has its derived object with the desired value; every derived object has a labelled source. */
async function converged(client: KubeClient): Promise<boolean> {
  const all = (await client.list<ConfigMap>(cmRef)).items;
  const byName = new Map(all.map((o) => [o.metadata.name, o]));
  for (const o of all) {
    const desired = o.metadata.labels?.[desiredLabel];
    if (desired !== undefined && byName.get(`${o.metadata.name}-derived`)?.data?.value !== desired) return false;
    const owner = o.metadata.ownerReferences?.[0];
    if (owner && byName.get(owner.name)?.metadata.labels?.[desiredLabel] === undefined) return false;
  }
  return true;
}

async function setup(t: Parameters<typeof testServer>[0], cfg: Parameters<typeof testServer>[1] = {}) {
  const server = await testServer(t, cfg);
  const tracked = track(server);
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const mgr = new Manager({ kc: actorKubeConfig(server.url, 'toy'), clock, name: 'toy' });
  const labelled = (name: string, desired: string): Promise<ConfigMap> =>
    client.create<ConfigMap>(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { [desiredLabel]: desired } } });
  const want = (name: string, desired: string): Promise<unknown> => client.patch(cmRef, name, { metadata: { labels: { [desiredLabel]: desired } } });
  return { server, tracked, clock, client, mgr, labelled, want };
}

test('an informer-backed controller converges, survives stream closures and a 410 relist, and stops cleanly', async (t) => {
  const { server, tracked, clock, client, mgr, labelled, want } = await setup(t, { watchHistory: 5 });
  const realTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const timersBefore = realTimers();
  const cms = mgr.informerFor<ConfigMap>(cmResource);
  const calls: Request[] = [];
  const ctrl = mgr
    .newController({ name: 'derive', reconcile: toyReconciler(mgr, cms, calls), maxConcurrentReconciles: 2 })
    .for(cmResource, newPredicateFuncs((o) => o.metadata.labels?.[desiredLabel] !== undefined))
    .owns(cmResource);
  assert.equal(mgr.informerFor(cmResource), cms, 'one shared informer per kind');
  await labelled('s1', 'a');
  await labelled('s2', 'b');
  const { ctx, cancel } = withCancel(background());
  let stopped = false;
  const done = mgr.start(ctx).then(() => (stopped = true));
  assert.equal(await mgr.whenStarted(), true);
  const drive = clockDriver(mgr, clock);
  const settle = (what: string): Promise<void> => eventually(async () => mgr.idle() && (await converged(client)) && mgr.idle(), what, drive);
  await settle('the initial convergence');
  assert.ok(calls.some((r) => r.name === 's1' && r.namespace === 'default'));

  // Someone else changes an owned object: owns() maps it back to its owner, which restores it.
  const d1 = await client.get<ConfigMap>(cmRef, 's1-derived');
  await client.update(cmRef, { ...d1, data: { value: 'tampered' } });
  await settle('the tampered derived object restored');

  // The watch stream is closed under the informer: it re-watches and misses nothing.
  server.closeWatches();
  await want('s2', 'c');
  await labelled('s3', 'd');
  await settle('convergence after a closed stream');
  assert.ok(cms.stats.streamEnds >= 1);

  // Keep the watch down (empty stream ends in a row back off on the Clock) for more writes than the
  // server's history holds: the re-watch gets 410 and the informer relists.
  // The first empty one re-watches at once, so close until the informer backs off.
  for (let i = 0; cms.state() !== 'backoff'; i++) {
    assert.ok(i < 5, 'the informer backs off after a few empty stream ends');
    const watches = cms.stats.watches;
    server.closeWatches();
    await eventually(() => (cms.stats.watches > watches && cms.state() === 'watching') || cms.state() === 'backoff', 'a re-watch or a backoff');
  }
  await want('s1', 'z');
  await client.delete(cmRef, 's2');
  await labelled('s4', 'e');
  await labelled('s5', 'f');
  const d3 = await client.get<ConfigMap>(cmRef, 's3-derived');
  await client.update(cmRef, { ...d3, data: { value: 'tampered' } });
  await want('s3', 'g');
  await settle('convergence after a 410 relist');
  assert.ok(cms.stats.expired >= 1, 'the informer relisted after 410 Gone');
  const names = (await client.list<ConfigMap>(cmRef)).items.map((o) => o.metadata.name).sort();
  assert.deepEqual(names, ['s1', 's1-derived', 's3', 's3-derived', 's4', 's4-derived', 's5', 's5-derived']);
  assert.ok(ctrl.stats.reconciles > 0);
  assert.ok(tracked.log.filter((r) => r.ua === 'racelab-toy').length > 0);
  assert.ok(tracked.log.every((r) => r.ua === 'racelab-toy' || r.ua === 'racelab-tester'));

  cancel();
  await done;
  assert.ok(stopped);
  assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
  await eventually(() => tracked.open.size === 0, 'no request left behind');
  await eventually(() => realTimers() === timersBefore, 'no real timer left behind (client-node watch, server watch timeout)');
  assert.equal(cms.state(), 'stopped');
});

test('reconcile outcomes: rate-limited retries, TerminalError never retried, requeueAfterMs, recovered panics', async (t) => {
  const { clock, client, mgr } = await setup(t);
  const calls = new Map<string, number>();
  const script: Record<string, (n: number) => ReturnType<Reconciler>> = {
    err: (n) => {
      if (n <= 3) throw new Error(`attempt ${n}`);
    },
    term: () => {
      throw new Error('wrapped', { cause: new TerminalError('cannot be fixed by retrying') });
    },
    after: (n) => (n === 1 ? { requeueAfterMs: 30_000 } : undefined),
    panic: (n) => {
      if (n === 1) throw new Panic('nil pointer dereference');
    },
  };
  const ctrl = mgr
    .newController({
      name: 'outcomes',
      reconcile: (_ctx, req) => {
        const n = (calls.get(req.name) ?? 0) + 1;
        calls.set(req.name, n);
        return script[req.name]?.(n);
      },
    })
    .for(cmResource);
  const { ctx, cancel } = withCancel(background());
  const done = mgr.start(ctx);
  await mgr.whenStarted();
  const make = (name: string): Promise<unknown> => client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
  const idleAfter = (name: string, n: number): Promise<void> => eventually(() => calls.get(name) === n && ctrl.idle(), `${name} reconciled ${n} times`);
  const nextDelay = (): number => (clock.nextTimerAt() ?? NaN) - clock.now();

  await make('err');
  const delays: number[] = [];
  for (let n = 1; n <= 3; n++) {
    await idleAfter('err', n);
    delays.push(nextDelay());
    clock.runNext();
  }
  await idleAfter('err', 4);
  assert.deepEqual(delays, [5, 10, 20], 'per-key exponential backoff from 5 ms');
  assert.equal(clock.pendingTimers(), 0, 'success forgets the key');
  assert.equal(ctrl.queue.numRequeues('err'), 0);

  await make('term');
  await idleAfter('term', 1);
  assert.ok(isTerminal(new Error('x', { cause: new TerminalError('y') })));
  assert.equal(ctrl.stats.terminalErrors, 1);
  assert.equal(clock.pendingTimers(), 0, 'a terminal error is not retried');

  await make('after');
  await idleAfter('after', 1);
  assert.equal(nextDelay(), 30_000);
  clock.step(29_999);
  assert.equal(calls.get('after'), 1);
  clock.step(1);
  await idleAfter('after', 2);
  assert.equal(clock.pendingTimers(), 0);

  await make('panic');
  await idleAfter('panic', 1);
  assert.equal(ctrl.stats.panics, 1, 'recovered (controller-runtime RecoverPanic)');
  assert.equal(nextDelay(), 5);
  clock.runNext();
  await idleAfter('panic', 2);
  assert.equal(calls.get('term'), 1);

  cancel();
  await done;
  assert.equal(clock.pendingTimers(), 0);
});

test('maxConcurrentReconciles bounds the workers; one key is never reconciled twice at once; stop awaits in-flight reconciles', async (t) => {
  const { clock, client, mgr } = await setup(t);
  const gates = new Map<string, () => void>();
  let running = 0;
  let maxRunning = 0;
  const perKey = new Map<string, number>();
  let returned = 0;
  const ctrl = mgr
    .newController({
      name: 'gated',
      maxConcurrentReconciles: 2,
      reconcile: async (_ctx, req) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        perKey.set(req.name, (perKey.get(req.name) ?? 0) + 1);
        await new Promise<void>((resolve) => gates.set(req.name, resolve));
        gates.delete(req.name);
        running--;
        returned++;
      },
    })
    .for(cmResource);
  for (const name of ['a', 'b', 'c']) await client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
  const { ctx, cancel } = withCancel(background());
  let stopped = false;
  const done = mgr.start(ctx).then(() => (stopped = true));
  await eventually(() => running === 2, 'two reconciles in flight');
  assert.equal(ctrl.inFlight(), 2);
  assert.ok(!ctrl.idle() && !mgr.idle());
  const [first] = [...gates.keys()].sort();
  assert.ok(first === 'a' || first === 'b');
  await client.patch(cmRef, first, { data: { again: '1' } });
  await eventually(() => ctrl.queue.len() === 1 && ctrl.queue.processingCount() === 2, 'the change queued behind the running key');
  gates.get(first)?.();
  await eventually(() => running === 2 && returned === 1, 'the next key to start');
  assert.equal(maxRunning, 2);
  const release = (): void => {
    for (const g of [...gates.values()]) g();
  };
  await eventually(() => {
    release();
    return returned === 4 && ctrl.idle();
  }, 'every reconcile done');
  assert.equal(perKey.get(first), 2, 'the key changed while it ran was reconciled again, after');
  assert.equal(maxRunning, 2);

  // Stop while a reconcile is in flight: start() resolves only after it returned.
  await client.patch(cmRef, 'c', { data: { again: '2' } });
  await eventually(() => running === 1, 'a reconcile in flight');
  cancel();
  await eventually(() => ctrl.queue.shuttingDown(), 'the queue shut down');
  assert.equal(stopped, false, 'the manager waits for the in-flight reconcile');
  release();
  await done;
  assert.equal(running, 0);
  assert.equal(returned, 5);
  assert.equal(clock.pendingTimers(), 0);
});

test('predicates: generationChanged ignores status-only updates; watches() maps with a function', async (t) => {
  const { client, mgr } = await setup(t);
  const clusterRef: ResourceRef = { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'clusters', namespace: 'default' };
  const clusterResource: InformerResource = { ...clusterRef, kind: 'Cluster' };
  const seen: string[] = [];
  const ctrl = mgr
    .newController({ name: 'clusters', reconcile: (_ctx, req) => void seen.push(req.name) })
    .for(clusterResource, generationChanged)
    .watches(cmResource, (o) => (o.metadata.labels?.cluster ? [{ namespace: 'default', name: o.metadata.labels.cluster }] : []));
  const { ctx, cancel } = withCancel(background());
  const done = mgr.start(ctx);
  await mgr.whenStarted();
  const c = await client.create(clusterRef, { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: { name: 'c1' }, spec: { paused: false } });
  await eventually(() => seen.length === 1 && ctrl.idle(), 'the create');
  const cms = mgr.informerFor(cmResource);
  const clusters = mgr.informerFor(clusterResource);
  const withStatus = await client.updateStatus(clusterRef, { ...c, status: { phase: 'Provisioning' } });
  // A marker change on another kind, after the status update: once it is handled, so was the status update.
  await client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated' } });
  await eventually(() => cms.lister().get('default/unrelated') !== undefined && clusters.lister().get('default/c1')?.metadata.resourceVersion === withStatus.metadata.resourceVersion && ctrl.idle(), 'both changes seen');
  assert.deepEqual(seen, ['c1'], 'a status-only update keeps the generation: filtered');
  await client.patch(clusterRef, 'c1', { spec: { paused: true } });
  await eventually(() => seen.length === 2 && ctrl.idle(), 'the spec change');
  await client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pointer', labels: { cluster: 'c1' } } });
  await eventually(() => seen.length === 3 && ctrl.idle(), 'the mapped ConfigMap');
  assert.deepEqual(seen, ['c1', 'c1', 'c1']);
  cancel();
  await done;
});

test('a KubeConfig registered with observeReconciles: its Manager reports each reconcile start and end (worker, key, result)', async (t) => {
  const server = await testServer(t);
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const kc = actorKubeConfig(server.url, 'observed');
  const heard: string[] = [];
  observeReconciles(kc, (actor, s) => {
    heard.push(`start ${actor} ${s.controller} w${s.worker} ${s.key}`);
    return (end) => heard.push(`end ${actor} ${s.controller} w${s.worker} ${s.key} ${end.result}${end.requeueAfterMs !== undefined ? ` ${end.requeueAfterMs}` : ''}`);
  });
  assert.equal(reconcileSinkOf(actorKubeConfig(server.url, 'observed')), undefined, 'only the registered KubeConfig');
  const mgr = new Manager({ kc, clock, name: 'observed' });
  const calls = new Map<string, number>();
  mgr
    .newController({
      name: 'spans',
      reconcile: (_ctx, req) => {
        const n = (calls.get(req.name) ?? 0) + 1;
        calls.set(req.name, n);
        if (req.name === 'err' && n === 1) throw new Error('first attempt fails');
        if (req.name === 'after' && n === 1) return { requeueAfterMs: 30_000 };
        if (req.name === 'again' && n === 1) return { requeue: true };
        return undefined;
      },
    })
    .for(cmResource);
  const { ctx, cancel } = withCancel(background());
  const done = mgr.start(ctx);
  await mgr.whenStarted();
  for (const name of ['ok', 'err', 'after', 'again']) {
    await client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    await eventually(() => calls.get(name) === 1 && mgr.idle(), `${name} reconciled`);
  }
  assert.deepEqual(heard, [
    'start observed spans w0 default/ok',
    'end observed spans w0 default/ok ok',
    'start observed spans w0 default/err',
    'end observed spans w0 default/err error',
    'start observed spans w0 default/after',
    'end observed spans w0 default/after requeue 30000',
    'start observed spans w0 default/again',
    'end observed spans w0 default/again requeue',
  ]);
  cancel();
  await done;
});
