import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { testServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isAlreadyExists, KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';
import { fatal, go } from './concurrency.ts';
import { Panic } from './controller.ts';
import { Manager } from './manager.ts';
import { managerProcess, Supervisor, type ProcessExit } from './supervisor.ts';
import { eventually } from '../../testing/eventually.ts';

const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespace: 'default' };
const cmResource: InformerResource = { ...cmRef, kind: 'ConfigMap' };


test('a crashing controller process is restarted with crash-loop backoff on the Clock and its restarts counted', async (t) => {
  const server = await testServer(t);
  const open = new Map<IncomingMessage, string | undefined>();
  server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    open.set(req, req.headers['user-agent']);
    res.on('close', () => open.delete(req));
  });
  const openFor = (ua: string): number => [...open.values()].filter((u) => u === ua).length;
  const clock = new FakeClock();
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const reconciles: number[] = [];

  const spec = managerProcess('crashy', (runtime) => {
    const mgr = new Manager({ kc: actorKubeConfig(server.url, 'crashy'), clock, name: runtime.name });
    const cms = mgr.informerFor<KubeObject>(cmResource);
    const recorder = mgr.eventRecorderFor('crashy');
    mgr
      .newController({
        name: 'crashy',
        recoverPanic: false,
        reconcile: async (_ctx, req) => {
          const src = cms.lister().getByName(req.namespace, req.name);
          if (!src || req.name.endsWith('-derived')) return;
          reconciles.push(clock.now());
          recorder.event(src, 'Normal', 'Seen', 'seen'); // queued, then lost with the process
          const crash = src.metadata.labels?.crash;
          if (crash === 'fatal') fatal('concurrent map writes');
          if (crash === 'panic') throw new Panic('runtime error: invalid memory address or nil pointer dereference');
          await mgr.client
            .create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${req.name}-derived` } })
            .catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
        },
      })
      .for(cmResource);
    return mgr;
  });

  await client.create(cmRef, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'boom', labels: { crash: 'fatal' } } });
  const sup = new Supervisor({ spec, clock });
  const delays: number[] = [];
  const crashed = async (kind: 'fatal' | 'panic', message: RegExp): Promise<ProcessExit> => {
    const exit = await sup.nextExit();
    assert.equal(exit.reason, 'Error');
    assert.equal(exit.exitCode, 2);
    assert.equal(exit.report?.kind, kind);
    assert.match(exit.report?.toString() ?? '', message);
    assert.equal(sup.state(), 'CrashLoopBackOff');
    assert.equal(sup.current(), undefined);
    // The dead process let go of its watch and its timers: only the restart timer is left.
    await eventually(() => openFor('racelab-crashy') === 0, 'the dead process to hold no request');
    assert.equal(clock.pendingTimers(), 1);
    delays.push((sup.nextRestartAtMs() ?? NaN) - clock.now());
    return exit;
  };

  sup.start();
  await crashed('fatal', /^fatal error: concurrent map writes/);
  assert.equal(sup.restartCount, 0);
  clock.runNext();
  assert.equal(sup.restartCount, 1);
  await crashed('fatal', /concurrent map writes/);

  await client.patch(cmRef, 'boom', { metadata: { labels: { crash: 'panic' } } });
  clock.runNext();
  assert.equal(sup.restartCount, 2);
  await crashed('panic', /^panic: runtime error: invalid memory address/);

  await client.patch(cmRef, 'boom', { metadata: { labels: { crash: null } } });
  clock.runNext();
  assert.equal(sup.restartCount, 3);
  assert.equal(sup.state(), 'Running');
  await eventually(async () => (await client.list(cmRef)).items.some((o) => o.metadata.name === 'boom-derived') && sup.idle(), 'the healthy run to reconcile');
  assert.deepEqual(delays, [0, 10_000, 20_000], 'kubelet backoff: at once, then 10 s doubling');
  assert.equal(reconciles.length, 4);
  assert.deepEqual(sup.exits.map((e) => [e.run, e.reason]), [[0, 'Error'], [1, 'Error'], [2, 'Error']]);
  const events = (await client.list({ group: '', version: 'v1', plural: 'events', namespace: 'default' })).items;
  assert.equal(events.length, 0, 'the crashed processes never wrote their queued events');
  assert.ok(openFor('racelab-crashy') >= 1, 'the healthy process watches');

  await sup.stop();
  assert.equal(sup.state(), 'Stopped');
  assert.equal(sup.exits.at(-1)?.reason, 'Completed');
  assert.equal(clock.pendingTimers(), 0);
  await eventually(() => open.size === 0, 'no request left');
  assert.equal(sup.restartCount, 3);
});

test('restart policies, backoff reset after a long run, and stop() during a crash-loop backoff', async () => {
  const clock = new FakeClock();
  let runs = 0;
  const completes = new Supervisor({ spec: { name: 'job', main: () => void runs++ }, clock, restartPolicy: 'OnFailure' });
  completes.start();
  const exit = await completes.nextExit();
  assert.equal(exit.reason, 'Completed');
  assert.equal(exit.exitCode, 0);
  assert.equal(completes.state(), 'Terminated');
  assert.equal(clock.pendingTimers(), 0);

  // Always: a process that runs 10 minutes before crashing starts over from the shortest backoff.
  runs = 0;
  const crasher = new Supervisor({
    spec: {
      name: 'slow-crasher',
      main: async (ctx) => {
        runs++;
        go('worker', async () => {
          await clock.sleep(runs === 3 ? 600_000 : 1_000);
          throw new Error('boom');
        });
        // Returning from main would end the process (exit 0), as in Go: wait for the context instead.
        await new Promise<void>((resolve) => ctx.done.addEventListener('abort', () => resolve(), { once: true }));
      },
    },
    clock,
  });
  crasher.start();
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    await eventually(() => crasher.state() === 'Running' && clock.pendingTimers() === 1, 'the run');
    clock.runNext(); // the worker's sleep ends and it panics
    await eventually(() => crasher.state() === 'CrashLoopBackOff', 'the crash');
    delays.push((crasher.nextRestartAtMs() ?? NaN) - clock.now());
    clock.runNext();
  }
  assert.deepEqual(delays, [0, 10_000, 0]);
  assert.equal(crasher.restartCount, 3);
  await eventually(() => crasher.state() === 'Running' && clock.pendingTimers() === 1, 'the fourth run');
  clock.runNext();
  await eventually(() => crasher.state() === 'CrashLoopBackOff', 'the fourth crash');
  assert.equal((crasher.nextRestartAtMs() ?? NaN) - clock.now(), 10_000);
  await crasher.stop();
  assert.equal(crasher.state(), 'Stopped');
  assert.equal(clock.pendingTimers(), 0);
  assert.equal(crasher.exits.length, 4);
});
