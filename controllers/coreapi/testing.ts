// Test support: a small cluster on a FakeClock — the real API server on an ephemeral port, the simulated
// nodes (kwok) and the scheduler as real HTTP clients, each in its own Manager — and a wait that moves the
// clock to the next timer only when everything is idle.
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient } from '../../clients/kube/client.ts';
import { eventually } from '../../testing/eventually.ts';
import { testServer, type TestServer } from '../../testing/server.ts';
import { background, withCancel } from '../runtime/concurrency.ts';
import type { Manager } from '../runtime/manager.ts';
import { kwokActor, newKwokManager, type KwokOptions } from '../kwok/manager.ts';
import { simulatedNodes } from '../kwok/node.ts';
import { newSchedulerManager } from '../scheduler/manager.ts';
import { schedulerName } from '../scheduler/scheduler.ts';

export interface TestCluster {
  server: TestServer;
  clock: FakeClock;
  client: KubeClient;
  managers: Manager[];
  /** Waits for cond, checked whenever every manager is idle; advances the clock when nothing else moves. */
  until(cond: () => boolean | Promise<boolean>, what: string): Promise<void>;
}

type Hookable = Parameters<typeof testServer>[0];

export interface TestClusterOptions extends Partial<Omit<KwokOptions, 'kc' | 'clock'>> {
  nodeCount?: number;
  scheduler?: boolean;
  /** More managers to run on the same clock (controllers under test). */
  extra?: (kc: ReturnType<TestServer['kc']>, clock: FakeClock) => Manager[];
}

export async function testCluster(t: Hookable, opts: TestClusterOptions = {}): Promise<TestCluster> {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const server = await testServer(t, { clock });
  // One bearer token per process, so that the history names each actor.
  const managers = [newKwokManager({ ...opts, kc: server.kc(kwokActor), clock, nodes: opts.nodes ?? simulatedNodes(opts.nodeCount ?? 2) })];
  if (opts.scheduler !== false) managers.push(newSchedulerManager({ kc: server.kc(schedulerName), clock }));
  managers.push(...(opts.extra?.(server.kc('kube-controller-manager'), clock) ?? []));
  const { ctx, cancel } = withCancel(background());
  const done = managers.map((m) => m.start(ctx));
  t.after(async () => {
    cancel();
    await Promise.all(done);
  });
  for (const m of managers) if (!(await m.whenStarted())) throw new Error(`manager ${m.name} did not start`);
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const idle = (): boolean => client.idle() && managers.every((m) => m.idle());
  const until = (cond: () => boolean | Promise<boolean>, what: string): Promise<void> =>
    eventually(async () => idle() && (await cond()), what, () => {
      if (idle() && clock.pendingTimers() > 0) clock.runNext();
    });
  return { server, clock, client, managers, until };
}
