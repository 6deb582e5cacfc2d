// kubernetes/kubernetes#131056 → #131065: "DRA: Unit test TestRegistrationHandler panics". The kubelet's DRA
// RegistrationHandler wipes a driver's ResourceSlices wipingDelay (30 s) after the last instance of the driver
// deregistered, in a background goroutine, unless the driver registers again in time. The test
// TestRegistrationHandler/manage-resource-slices deregisters its plugins in its cleanups and returns; before
// #131065 nothing stopped the handler's background work, so the pending wipe woke after the test had
// completed, called DeleteCollection, and the fake clientset's reactor asserted with the finished test's
// *testing.T: "panic: Fail in goroutine after TestRegistrationHandler/manage-resource-slices has completed",
// which kills the whole test binary. #131065 gives the handler a Stop() (cancel the background context, wait
// for every goroutine) and registers it as a test cleanup.
//
// Actors: `go-test` is the test (scenarios/engine/gotest.ts) running in its own process (the test binary, a
// GoRuntime); `kubelet-node-1` is the RegistrationHandler made by the test, whose DeleteCollection requests
// pass the test's reactor (it sees every request as it is sent, in the sending goroutine, and asserts the
// field selector against what the test expects); two fake DRA drivers publish one ResourceSlice each.
// Steps (on the virtual Clock): start-up wipe; plugin B deregisters and its slices are wiped 30 s later;
// plugin A deregisters and registers again 10 s later (its pending wipe is cancelled); the test returns and
// its cleanups deregister plugin A (and, fixed, call handler.Stop).
//
// What makes Stop load-bearing. Upstream's test makes the handler with tCtx, whose cancel (ktesting's cleanup)
// already aborts the pending wipe: there, removing Stop changes nothing that the test can see. Here the test
// makes the handler with a context of its own, as the kubelet's NewRegistrationHandler does (context.TODO(),
// before and after #131065), so only Stop cancels: without it the wipe fires 30 s after the test (the panic
// above); a Stop that waits without cancelling runs that wipe inside the cleanup, where the reactor fails the
// test ("--- FAIL"). A Stop that cancels without waiting returns while the cancelled goroutine has still to
// end: it outlives the test (the leak goleak and ktesting's "test kept at least one goroutine running after
// test completion" report). That is all the wait can show here: when Stop runs, the only background wipe is
// plugin A's, still in its delay, and a cancelled wipe sends nothing more; a late request because of a missing
// wait would need a wipe past its delay (in getNode or DeleteCollection) at Stop, which this test never has.
// Verdicts include the test's own result (an assertion that failed while it ran, a call after it completed).
import type * as k8s from '@kubernetes/client-node';
import type { NoteEntry } from '../../apiserver/interleave/types.ts';
import { isNotFound, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { FakeDriver } from '../../controllers/kubelet/fakedriver.ts';
import { defaultWipingDelayMs, newRegistrationHandler, resourceSlicesPath, stopFixes, wipeFieldSelector, type RegistrationHandler, type StopFix } from '../../controllers/kubelet/registration.ts';
import { background, currentGoroutine, GoRuntime, withCancel } from '../../controllers/runtime/concurrency.ts';
import { notes, requests, violation } from '../engine/checkers.ts';
import { runGoTest, TestPanic, type GoTest } from '../engine/gotest.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import type { World } from '../engine/world.ts';

export const testName = 'TestRegistrationHandler/manage-resource-slices';
export const testActor = 'go-test';
export const nodeName = 'node-1';
export const kubeletActor = `kubelet-${nodeName}`;
export const wipingDelayMs = defaultWipingDelayMs;
export const pluginA = 'plugin-a.example.com';
export const pluginB = 'plugin-b.example.com';

const slicesRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceslices' };
const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };

const wipePrefix = 'DeleteCollection resourceslices fieldSelector=';
const registerPattern = /^RegisterPlugin (\S+)/;
const deregisterPattern = /^DeRegisterPlugin (\S+)/;

/** The wipes on the history: the reactor's 'wipe' notes, with the driver of the selector ('' for all drivers). */
function wipes(history: CheckHistory): { note: NoteEntry; selector: string; driver: string }[] {
  return notes(history, 'wipe', kubeletActor).map((note) => {
    const selector = note.text.startsWith(wipePrefix) ? note.text.slice(wipePrefix.length) : note.text;
    const driver = /(?:^|,)spec\.driver=([^,]+)/.exec(selector)?.[1] ?? '';
    return { note, selector, driver };
  });
}

type CheckHistory = Parameters<typeof notes>[0];

/** The wipe noted by the reactor was carried out: the kubelet's next DELETECOLLECTION was answered 2xx, not failed by a fault. */
function wipeSucceeded(history: CheckHistory, note: NoteEntry): boolean {
  const req = history.find((e) => e.type === 'request' && e.seq > note.seq && e.actor === kubeletActor && e.verb === 'deletecollection');
  if (!req) return false;
  const res = history.find((e) => e.type === 'response' && e.request === req.seq);
  return res?.type === 'response' && res.code >= 200 && res.code < 300 && res.injected === undefined;
}

/** Plugin (de)registrations of a driver, in order, from the 'plugin' notes. */
function pluginNotes(history: CheckHistory, pattern: RegExp, driver: string): NoteEntry[] {
  return notes(history, 'plugin', kubeletActor).filter((n) => pattern.exec(n.text)?.[1] === driver);
}

/**
 * The fake clientset's delete-collection reactor: runs in the goroutine that sends the request (the kubelet's
 * KubeConfig authenticates every request there), notes the wipe and asserts the field selector with the
 * test's t. A failure after the test completed panics; the panic ends the goroutine's process.
 */
function installReactor(world: World, kc: k8s.KubeConfig, expected: readonly string[], test: () => GoTest | undefined): void {
  let calls = 0;
  const authenticate = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context: k8s.RequestContext): Promise<void> => {
    await authenticate(context);
    if (String(context.getHttpMethod()) !== 'DELETE') return;
    const url = new URL(context.getUrl());
    if (url.pathname !== resourceSlicesPath) return;
    const selector = url.searchParams.get('fieldSelector') ?? '';
    world.note(kubeletActor, 'wipe', `${wipePrefix}${selector}`);
    // A retry (the previous call failed: a fault) repeats the previous selector; that is no new call.
    if (calls > 0 && selector === expected[calls - 1]) return;
    const want = expected[calls++];
    if (selector === want) return;
    try {
      test()?.errorf(`delete-collection resourceslices: fieldSelector ${JSON.stringify(selector)}, expected ${want === undefined ? 'no further call' : JSON.stringify(want)}`);
    } catch (e) {
      if (!(e instanceof TestPanic)) throw e;
      // Go: the panic unwinds the goroutine and the whole test binary dies. The request is on the wire already.
      currentGoroutine().runtime.exit('panic', e);
    }
  };
}

async function sliceExists(client: KubeClient, d: FakeDriver): Promise<boolean> {
  try {
    await client.get(slicesRef, d.sliceName());
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** The case's mutants: a Stop of the handler (registration.ts StopFix), or 'no-stop': the test never calls it. */
function stopOf(mutant: string | undefined): { stopFix?: StopFix; callStop: boolean } {
  if (mutant === undefined) return { callStop: true };
  if (mutant === 'no-stop') return { callStop: false };
  const stopFix = stopFixes.find((f) => f === mutant);
  if (!stopFix) throw new Error(`dra-registration-wipe: unknown mutant "${mutant}"`);
  return { stopFix, callStop: true };
}

export const draRegistrationWipe: ScenarioCase = {
  name: 'dra-registration-wipe',
  title: 'DRA kubelet: the delayed ResourceSlice wipe outlives the test that started it',
  upstream: { issue: 'kubernetes/kubernetes#131056', fix: 'kubernetes/kubernetes#131065', url: 'https://github.com/kubernetes/kubernetes/issues/131056' },
  description:
    `The test makes a RegistrationHandler, registers plugins A and B, lets B go (its slices are wiped ${wipingDelayMs / 1000} s later, as its reactor expects), lets A go and come back within the delay (no wipe), ` +
    'and returns; its cleanups deregister A. Buggy (before #131065): nothing stops the handler, so A\'s wipe wakes 30 s after the test completed and sends DeleteCollection; the reactor asserts with the finished test: ' +
    `"Fail in goroutine after ${testName} has completed", and the test binary panics. Fixed (#131065): handler.Stop() in the cleanups cancels the pending wipe and waits; no request follows the test. ` +
    "The handler's context is its own (as the kubelet's), not the test's, so only Stop cancels. Mutants: no Stop (the late wipe panics), a Stop that waits without cancelling (the wipe runs in the cleanup and fails the test), one that cancels without waiting (a goroutine outlives the test); equivalent: per-wipe cancel and await.",
  horizonMs: 3 * 60_000,
  // wipeResourceSlices retries with wait.ExponentialBackoffWithContext until it succeeds.
  faultTolerant: [kubeletActor],
  async run({ world, fixed, mutant }) {
    const stop = stopOf(mutant);
    const admin = world.client('setup');
    await admin.create(nodesRef, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
    const testClient = world.client(testActor);
    const drivers = [pluginA, pluginB].map((driverName) => {
      const actor = `${driverName}-${nodeName}`;
      const d = new FakeDriver({ driverName, nodeName, kc: world.kc(actor), actor, clock: world.clock, devices: [{ name: 'dev-0' }] });
      world.probe({ name: `client ${actor}`, idle: () => d.client.idle() });
      return d;
    });
    const [a, b] = drivers as [FakeDriver, FakeDriver];

    // The test binary: a process of its own, so that a panic in any of its goroutines ends it (and only it).
    const testBinary = new GoRuntime({
      name: 'plugin.test',
      onExit: (report) => world.note(testActor, 'crash', `test binary ${testBinary.name} exited with code ${report.exitCode}: ${report.toString().split('\n')[0] ?? ''}`),
    });
    let handler: RegistrationHandler | undefined;
    let t: GoTest | undefined;
    const kc = world.kc(kubeletActor);
    installReactor(world, kc, [wipeFieldSelector(nodeName, ''), wipeFieldSelector(nodeName, pluginB)], () => t);
    world.probe({ name: `registration handler ${kubeletActor}`, idle: () => handler?.idle() ?? true });
    world.onClose(async () => {
      // A dead test binary's goroutines never end: nothing to wait for.
      if (testBinary.exited) return;
      await handler?.Stop();
    });

    let finished = false;
    testBinary.go(testName, async () => {
      const observer = {
        note: (tag: string, text: string): void => {
          world.note(testActor, tag, text);
          // goleak / ktesting: a goroutine of the handler that is still running when the test has completed.
          const live = handler?.goroutines() ?? 0;
          if (tag === 'step' && text.startsWith(`${testName} completed`) && live > 0) world.note(testActor, 'leak', `${live} goroutine(s) of the registration handler still running after ${testName} completed`);
        },
      };
      await runGoTest(testName, world.clock, observer, async (test) => {
        t = test;
        // ktesting's tCtx: cancelled by its cleanup, registered first, so it runs last.
        const { cancel } = withCancel(testBinary.ctx);
        test.cleanup(() => cancel(new Error('test has completed')));
        // The handler gets a context of its own, as the kubelet's NewRegistrationHandler (context.TODO(),
        // before and after #131065), not tCtx: only Stop cancels its background work (see the header).
        const h = newRegistrationHandler(background(), { fixed, stopFix: stop.stopFix, clock: world.clock, nodeName, kc, actor: kubeletActor, wipingDelayMs });
        handler = h;
        // #131065: the test stops the handler's background activity before it returns.
        if (fixed && stop.callStop) test.cleanup(() => h.Stop());
        const register = (d: FakeDriver): void => {
          world.note(kubeletActor, 'plugin', `RegisterPlugin ${d.driverName} ${d.endpoint}`);
          d.register(h);
        };
        const deregister = (d: FakeDriver): void => {
          // A second DeRegister of the same endpoint is a no-op: only real ones go on the history.
          if (h.draPlugins.instances(d.driverName) > 0) world.note(kubeletActor, 'plugin', `DeRegisterPlugin ${d.driverName} ${d.endpoint}`);
          d.deregister(h);
        };

        await test.eventually(() => h.stats.wipes >= 1, 'the start-up wipe of all slices of the node');
        for (const d of [a, b]) {
          await d.publish();
          register(d);
          test.cleanup(() => deregister(d));
        }

        // Plugin B goes away: its slices are wiped after wipingDelay (requireNoSlices).
        deregister(b);
        if (!(await test.eventually(async () => !(await sliceExists(testClient, b)), `the slices of ${pluginB} to be wiped`, { timeoutMs: 2 * wipingDelayMs, intervalMs: 1_000 }))) return;

        // Plugin A goes away and comes back within the delay (a DaemonSet update): nothing is wiped.
        deregister(a);
        await world.clock.sleep(wipingDelayMs / 3);
        register(a);
        await world.clock.sleep(wipingDelayMs);
        if (!(await sliceExists(testClient, a))) test.errorf(`the slices of ${pluginA} were wiped although it registered again within ${wipingDelayMs} ms`);
        // The test returns; its cleanups deregister plugin A (B: already gone) and, fixed, stop the handler.
      });
      finished = true;
    });
    const done = await world.runUntil(() => finished, 10 * wipingDelayMs);
    if (!done) throw new Error(`${testName} did not finish`);
  },
  mutants: [
    { name: 'no-stop', kind: 'mutant', description: 'the test never calls handler.Stop(): the pending wipe of plugin A outlives it' },
    { name: 'cancel-only', kind: 'mutant', description: 'Stop cancels the background context and returns without waiting for the goroutines' },
    { name: 'wait-only', kind: 'mutant', description: 'Stop waits for the goroutines without cancelling: the pending wipe runs to its end inside the cleanup' },
    { name: 'per-wipe', kind: 'equivalent', description: "each background wipe has its own context; Stop cancels them one by one and awaits each one's end (no shared cancel, no WaitGroup)" },
  ],
  invariants: [
    {
      // The Go-like test's own result: an assertion that failed while it ran ("--- FAIL").
      name: 'test-passes',
      kind: 'safety',
      check({ history }) {
        return notes(history, 'assert', testActor).map((n) => violation('test-passes', `assertion failed: ${n.text}`, [n.seq]));
      },
    },
    {
      name: 'no-goroutine-outlives-test',
      kind: 'safety',
      check({ history }) {
        return notes(history, 'leak', testActor).map((n) => violation('no-goroutine-outlives-test', n.text, [n.seq]));
      },
    },
    {
      name: 'no-fail-after-test-completed',
      kind: 'safety',
      check({ history }) {
        return [...notes(history, 'panic', testActor), ...notes(history, 'crash', testActor)].map((n) => violation('no-fail-after-test-completed', n.text, [n.seq]));
      },
    },
    {
      name: 'no-handler-request-after-test',
      kind: 'safety',
      check({ history }) {
        const completed = notes(history, 'step', testActor).find((n) => n.text.startsWith(`${testName} completed`));
        if (!completed) return [];
        const late = requests(history, { actor: kubeletActor }).filter((r) => r.seq > completed.seq);
        if (late.length === 0) return [];
        const what = late.map((r) => `${r.verb} ${r.resource}${r.name ? ` ${r.name}` : ''}`).join(', ');
        return [violation('no-handler-request-after-test', `the handler sent ${late.length} request(s) after ${testName} completed: ${what}`, [completed.seq, ...late.map((r) => r.seq)])];
      },
    },
    {
      name: 'one-startup-wipe',
      kind: 'safety',
      check({ history }) {
        // A wipe the server failed (an injected 500 or 429) is retried by the backoff loop: only the attempts
        // the server carried out count.
        const all = wipes(history).filter((w) => w.driver === '' && wipeSucceeded(history, w.note));
        return all.length === 1 ? [] : [violation('one-startup-wipe', `expected one wipe of all of ${nodeName}'s slices at start, got ${all.length}`, all.map((w) => w.note.seq))];
      },
    },
    {
      name: 'wipe-not-before-delay',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        for (const w of wipes(history).filter((x) => x.driver !== '')) {
          const last = pluginNotes(history, deregisterPattern, w.driver).filter((n) => n.seq < w.note.seq).pop();
          if (!last) out.push(violation('wipe-not-before-delay', `${w.driver}'s slices were wiped although it never deregistered`, [w.note.seq]));
          else if (w.note.atMs < last.atMs + wipingDelayMs)
            out.push(violation('wipe-not-before-delay', `${w.driver}'s slices were wiped ${w.note.atMs - last.atMs} ms after its last deregistration, before the wiping delay of ${wipingDelayMs} ms`, [last.seq, w.note.seq]));
        }
        return out;
      },
    },
    {
      name: 'no-wipe-after-reregistration',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        for (const w of wipes(history).filter((x) => x.driver !== '')) {
          const last = pluginNotes(history, deregisterPattern, w.driver).filter((n) => n.seq < w.note.seq).pop();
          const back = pluginNotes(history, registerPattern, w.driver).find((n) => n.seq > (last?.seq ?? 0) && n.seq < w.note.seq);
          if (back) out.push(violation('no-wipe-after-reregistration', `${w.driver} registered again ${back.atMs - (last?.atMs ?? 0)} ms after deregistering, yet its slices were wiped`, [back.seq, w.note.seq]));
        }
        return out;
      },
    },
  ],
};
