// kubernetes/kubernetes#130940 → #130947 (the test side): besides the nil-worker panic, #130947 moved the
// waits of the device taint eviction tests to ktesting.Eventually with gomega. Events are written
// asynchronously (record.EventRecorder: Eventf only queues, the broadcaster's goroutine writes later; see
// the comment in Run of device_taint_eviction.go), so the "Marking for deletion" Event, emitted before the
// status patch and the DELETE, can reach the API server after the pod is already gone.
//
// Actors: `gpu-driver` (the slice), `setup` (pod and claim), `device-taint-eviction` (the controller, a
// supervised process whose event broadcaster wakes 1 s after an event was queued: the recorder is slower than
// the eviction), and `go-test`, a Go-like test (scenarios/engine/gotest.ts) that creates a DeviceTaintRule,
// waits until the pod is gone and then checks for the Event.
// Buggy test: it lists Events once, right after seeing the pod gone, and fails. Fixed test: it waits for the
// Event with t.eventually on the Clock and passes.
import { rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import { isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import { Informer } from '../../clients/kube/informer.ts';
import { evictionEventReason, markingForDeletionMessage } from '../../controllers/devicetainteviction/controller.ts';
import type { DeviceTaintRule } from '../../controllers/devicetainteviction/resourceapi.ts';
import type { CoreEvent } from '../../controllers/runtime/recorder.ts';
import { lastSeq, notes, responses, succeeded, violation } from '../engine/checkers.ts';
import { runGoTest, type GoTest } from '../engine/gotest.ts';
import type { ScenarioCase } from '../engine/types.ts';
import type { World } from '../engine/world.ts';
import { controllerActor, deviceTaintRulesRef, driverName, eventsRef, podName, podsRef, startDeviceTaintWorld } from './devicetaintworld.ts';

export const testActor = 'go-test';
export const testName = 'TestEviction/no-toleration';
/** How long the controller's event broadcaster takes to pick up a queued event, on the Clock. */
export const eventFlushDelayMs = 1_000;

/** The pod's UID per world, for the invariants. */
const podUids = new WeakMap<World, string>();

function isMarkingEvent(e: CoreEvent, podUid: string | undefined): boolean {
  return e.reason === evictionEventReason && e.message === markingForDeletionMessage && e.involvedObject.kind === 'Pod' && e.involvedObject.name === podName && e.involvedObject.uid === podUid;
}

async function podGone(client: KubeClient): Promise<boolean> {
  try {
    await client.get(podsRef, podName);
    return false;
  } catch (e) {
    if (isNotFound(e)) return true;
    throw e;
  }
}

/**
 * How the test waits for the "Marking for deletion" Event once the pod is gone (the component that carries
 * the test-side fix of #130947):
 *  - 'list-once' (buggy, before #130947): lists Events once, right away;
 *  - 'eventually' (#130947): polls with t.eventually (ktesting.Eventually: 30 s, every 100 ms);
 *  - 'short-timeout' (broken): t.eventually with a timeout shorter than the recorder's delay;
 *  - 'sleep-then-list' (broken): sleeps for less than the recorder's delay, then lists once;
 *  - 'stale-list' (broken): lists once and polls that list with t.eventually;
 *  - 'watch' (equivalent): watches Events (an informer) until the Event is there, with the same 30 s bound.
 */
export type TestWait = 'list-once' | 'eventually' | 'short-timeout' | 'sleep-then-list' | 'stale-list' | 'watch';
const fixedWaits: readonly TestWait[] = ['eventually', 'short-timeout', 'sleep-then-list', 'stale-list', 'watch'];
const eventuallyTimeoutMs = 30_000;

function testWaitOf(mutant: string | undefined): TestWait {
  if (mutant === undefined) return 'eventually';
  const w = fixedWaits.find((x) => x === mutant);
  if (!w) throw new Error(`devicetaint-async-events: unknown test wait "${mutant}"`);
  return w;
}

async function waitForMarkingEvent(t: GoTest, world: World, client: KubeClient, podUid: string | undefined, how: TestWait): Promise<void> {
  const what = `the "${markingForDeletionMessage}" Event`;
  const listed = async (): Promise<CoreEvent[]> => (await client.list<CoreEvent>(eventsRef)).items;
  const hasEvent = async (): Promise<boolean> => (await listed()).some((e) => isMarkingEvent(e, podUid));
  const missing = (): void => t.errorf(`expected Event ${evictionEventReason} "${markingForDeletionMessage}" for pod ${podName}, found none`);
  switch (how) {
    case 'list-once':
      if (!(await hasEvent())) missing();
      return;
    case 'eventually':
      // #130947: ktesting.Eventually: the recorder is asynchronous, wait for the Event.
      await t.eventually(hasEvent, what, { timeoutMs: eventuallyTimeoutMs });
      return;
    case 'short-timeout':
      await t.eventually(hasEvent, what, { timeoutMs: eventFlushDelayMs / 2 });
      return;
    case 'sleep-then-list':
      await world.clock.sleep(eventFlushDelayMs / 2);
      if (!(await hasEvent())) missing();
      return;
    case 'stale-list': {
      const items = await listed();
      await t.eventually(() => items.some((e) => isMarkingEvent(e, podUid)), what, { timeoutMs: eventuallyTimeoutMs });
      return;
    }
    case 'watch': {
      const inf = new Informer<CoreEvent>({ resource: eventsRef, kc: world.kc(testActor), clock: world.clock });
      world.probe({ name: `informer ${testActor} events`, idle: () => inf.idle() });
      inf.start();
      let reg: { remove(): void } | undefined;
      try {
        const seen = await new Promise<boolean>((resolve) => {
          const timer = world.clock.setTimer(eventuallyTimeoutMs, () => resolve(false));
          const check = (e: CoreEvent): void => {
            if (!isMarkingEvent(e, podUid)) return;
            timer.cancel();
            resolve(true);
          };
          reg = inf.addEventHandler({ onAdd: check, onUpdate: (_old, e) => check(e) });
        });
        if (!seen) t.errorf(`timed out waiting for ${what}`);
      } finally {
        reg?.remove();
        await inf.stop();
      }
      return;
    }
  }
}

export const deviceTaintAsyncEvents: ScenarioCase = {
  name: 'devicetaint-async-events',
  title: 'Device taint eviction test: the "Marking for deletion" Event is written after the pod is gone',
  upstream: { issue: 'kubernetes/kubernetes#130940', fix: 'kubernetes/kubernetes#130947', url: 'https://github.com/kubernetes/kubernetes/pull/130947' },
  description:
    'A test taints the device of a running pod with a DeviceTaintRule and waits until the controller has evicted the pod. The controller queued "Marking for deletion" before its status patch and DELETE, ' +
    `but its event broadcaster writes queued events only ${eventFlushDelayMs} ms (Clock) later, so the Event POST comes after the pod DELETE. ` +
    'Buggy test: it lists Events once, right after seeing the pod gone, finds none and fails. Fixed test (#130947): it waits for the Event with t.eventually (ktesting.Eventually) and passes on every seed. ' +
    'A schedule on which the Event is written before the DELETE is vacuous (the premise of the flake did not hold), never a violation. ' +
    "Mutants of the test's wait: a timeout shorter than the recorder's delay, a fixed sleep then one list, polling a stale list; equivalent: waiting through a watch.",
  horizonMs: 2 * 60_000,
  faultTolerant: [controllerActor],
  async run({ world, fixed, mutant }) {
    const w = await startDeviceTaintWorld(world, { fixed, events: { flushDelayMs: eventFlushDelayMs } });
    podUids.set(world, w.pod.metadata.uid ?? '');
    const client = world.client(testActor);
    let finished = false;
    void runGoTest(testName, world.clock, { note: (tag, text) => world.note(testActor, tag, text) }, async (t) => {
      const rule: DeviceTaintRule = {
        apiVersion: 'resource.k8s.io/v1alpha3',
        kind: 'DeviceTaintRule',
        metadata: { name: 'evict-gpu-0' },
        // timeAdded is not defaulted by the server: set it.
        spec: { deviceSelector: { driver: driverName, device: 'gpu-0' }, taint: { key: 'example.com/unhealthy', value: 'true', effect: 'NoExecute', timeAdded: rfc3339Seconds(world.clock.now()) } },
      };
      await client.create(deviceTaintRulesRef, rule);
      if (!(await t.eventually(() => podGone(client), 'the pod to be evicted'))) return;
      await waitForMarkingEvent(t, world, client, w.pod.metadata.uid, fixed ? testWaitOf(mutant) : 'list-once');
    }).finally(() => {
      finished = true;
    });
    const done = await world.runUntil(() => finished, 60_000);
    if (!done) throw new Error(`${testName} did not finish`);
  },
  mutants: [
    { name: 'short-timeout', kind: 'mutant', description: `t.eventually for the Event with a timeout of ${eventFlushDelayMs / 2} ms, shorter than the recorder's delay` },
    { name: 'sleep-then-list', kind: 'mutant', description: `sleeps ${eventFlushDelayMs / 2} ms (less than the recorder's delay), then lists Events once` },
    { name: 'stale-list', kind: 'mutant', description: 'lists Events once and polls that same list with t.eventually' },
    { name: 'watch', kind: 'equivalent', description: 'waits for the Event through a watch (an informer on Events) instead of polling, with the same 30 s bound' },
  ],
  invariants: [
    {
      // The Go-like test's own result: a failed assertion, or a call into the test after it completed.
      name: 'test-passes',
      kind: 'safety',
      check({ history }) {
        return [
          ...notes(history, 'assert', testActor).map((n) => violation('test-passes', `assertion failed: ${n.text}`, [n.seq])),
          ...notes(history, 'panic', testActor).map((n) => violation('test-passes', n.text, [n.seq])),
        ];
      },
    },
    {
      // The outcome, whatever the order: the controller wrote its "Marking for deletion" Event exactly once.
      name: 'one-marking-event',
      kind: 'liveness',
      async check({ world, history }) {
        const uid = podUids.get(world);
        const events = (await world.client('checker').list<CoreEvent>(eventsRef)).items.filter((e) => isMarkingEvent(e, uid));
        return events.length === 1 ? [] : [violation('one-marking-event', `expected one "${markingForDeletionMessage}" Event for pod ${podName} at quiescence, found ${events.length}`, lastSeq(history))];
      },
    },
  ],
  preconditions: [
    {
      // The premise of the flake: the asynchronous recorder's POST reached the server after the pod DELETE.
      // Writing the Event first is just as legal; on such a schedule the buggy test passes and says nothing.
      name: 'event-written-after-delete',
      check({ history }) {
        const del = responses(history, { actor: controllerActor, verb: 'delete', resource: 'pods', name: podName, code: succeeded })[0];
        const post = responses(history, { actor: controllerActor, verb: 'create', resource: 'events', code: succeeded })[0];
        if (!del) return 'the controller never deleted the pod';
        if (!post) return 'the controller never wrote an Event';
        return post.seq > del.seq ? undefined : 'the Event was written before the pod DELETE';
      },
    },
  ],
};
