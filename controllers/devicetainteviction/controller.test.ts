import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import type { DeliveryItem, Interleaver, RequestInfo, Verb } from '../../apiserver/interleave/types.ts';
import { internalError, type StatusError } from '../../apiserver/machinery/errors.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { testServer, type TestServer } from '../../testing/server.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import type { CoreEvent } from '../runtime/recorder.ts';
import { Supervisor } from '../runtime/supervisor.ts';
import {
  cancellingDeletionMessage,
  deviceTaintEvictionProcess,
  evictionEventReason,
  markingForDeletionMessage,
  type DeviceTaintEvictionProcess,
} from './controller.ts';
import type { DeviceTaint, DeviceToleration, Pod, PodCondition, ResourceClaim, ResourceSlice } from './resourceapi.ts';
import { eventually } from '../../testing/eventually.ts';

const ns = 'default';
const driver = 'gpu.example.com';
const actor = 'device-taint-eviction';
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespace: ns };
const claimsRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceclaims', namespace: ns };
const slicesRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceslices' };
const rulesRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1alpha3', plural: 'devicetaintrules' };
const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespace: ns };

interface Seen {
  actor: string;
  verb: Verb;
  resource: string;
  subresource?: string;
  name?: string;
  body: unknown;
  /** The test Clock when the server let the request through. */
  atMs: number;
  code?: number;
}

interface Hold {
  match: (info: RequestInfo) => boolean;
  reached: Promise<void>;
  release: () => void;
}

/** A minimal interleaver: records every request (with its body and the simulated time) and can hold some. */
function recordingInterleaver(clock: FakeClock): {
  interleaver: Interleaver;
  seen: Seen[];
  hold(match: (info: RequestInfo) => boolean): Hold;
  failOnce(match: (info: RequestInfo) => boolean, err: StatusError): void;
} {
  const seen: Seen[] = [];
  const holds: { h: Hold; gate: Promise<void>; arrived: () => void }[] = [];
  const failures: { match: (info: RequestInfo) => boolean; err: StatusError }[] = [];
  const interleaver: Interleaver = {
    async beginRequest(info) {
      const failure = failures.find((f) => f.match(info));
      if (failure) {
        failures.splice(failures.indexOf(failure), 1);
        seen.push({ actor: info.actor, verb: info.verb, resource: info.resource, subresource: info.subresource, name: info.name, body: info.body(), atMs: clock.now(), code: failure.err.code });
        throw failure.err;
      }
      const held = holds.find((x) => x.h.match(info));
      if (held) {
        holds.splice(holds.indexOf(held), 1);
        held.arrived();
        await held.gate;
      }
      const entry: Seen = { actor: info.actor, verb: info.verb, resource: info.resource, subresource: info.subresource, name: info.name, body: info.body(), atMs: clock.now() };
      seen.push(entry);
      return (outcome) => {
        entry.code = outcome.code;
      };
    },
    deliver: (_w, items: readonly DeliveryItem[], write) => write(items),
  };
  return {
    interleaver,
    seen,
    hold(match) {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => (arrived = r));
      const gate = new Promise<void>((r) => (release = r));
      const h: Hold = { match, reached, release };
      holds.push({ h, gate, arrived });
      return h;
    },
    failOnce(match, err) {
      failures.push({ match, err });
    },
  };
}


/** Several turns of the event loop with nothing expected to happen (for "still there" checks). */
async function settle(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface World {
  server: TestServer;
  clock: FakeClock;
  admin: KubeClient;
  seen: Seen[];
  hold: ReturnType<typeof recordingInterleaver>['hold'];
  failOnce: ReturnType<typeof recordingInterleaver>['failOnce'];
  proc: DeviceTaintEvictionProcess;
  sup: Supervisor;
  pod: Pod;
  claim: ResourceClaim;
  /** Fires timers due now (the event broadcaster's wake-up, a 0 ms restart), never moving time. */
  fireDue(): void;
  synced(): boolean;
  controllerRequests(verb?: Verb, resource?: string): Seen[];
  events(): Promise<CoreEvent[]>;
  podGone(): Promise<boolean>;
}

interface WorldOptions {
  fixed: boolean;
  /** Taints on device gpu-0 in the driver's slice. */
  sliceTaints?: DeviceTaint[];
  /** Tolerations recorded in the allocation result. */
  tolerations?: DeviceToleration[];
}

/** Server, a slice with gpu-0 and gpu-1, a scheduled pod using claim `gpu-claim` allocated gpu-0 and reserved for it, and the controller process. */
async function world(t: TestContext, opts: WorldOptions): Promise<World> {
  const clock = new FakeClock();
  const rec = recordingInterleaver(clock);
  const server = await testServer(t, { interleaver: rec.interleaver });
  const admin = new KubeClient(actorKubeConfig(server.url, 'admin'));
  await admin.create<ResourceSlice>(slicesRef, {
    apiVersion: 'resource.k8s.io/v1beta1',
    kind: 'ResourceSlice',
    metadata: { name: 'node-1-gpu' },
    spec: {
      driver,
      nodeName: 'node-1',
      pool: { name: 'node-1', generation: 1, resourceSliceCount: 1 },
      devices: [{ name: 'gpu-0', basic: opts.sliceTaints ? { taints: opts.sliceTaints } : {} }, { name: 'gpu-1', basic: {} }],
    },
  });
  const pod = await admin.create<Pod>(podsRef, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'workload' },
    // No kubelet runs here to finish a graceful deletion: the pod goes at the controller's DELETE.
    spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox' }], resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }] },
  });
  await admin.create<ResourceClaim>(claimsRef, {
    apiVersion: 'resource.k8s.io/v1beta1',
    kind: 'ResourceClaim',
    metadata: { name: 'gpu-claim' },
    spec: { devices: { requests: [{ name: 'gpu', deviceClassName: driver }] } },
  });
  const claim = await admin.patch<ResourceClaim>(
    claimsRef,
    'gpu-claim',
    {
      status: {
        allocation: { devices: { results: [{ request: 'gpu', driver, pool: 'node-1', device: 'gpu-0', ...(opts.tolerations ? { tolerations: opts.tolerations } : {}) }] } },
        reservedFor: [{ resource: 'pods', name: 'workload', uid: pod.metadata.uid }],
      },
    },
    'merge',
    { subresource: 'status' },
  );
  const proc = deviceTaintEvictionProcess({ fixed: opts.fixed, kc: actorKubeConfig(server.url, actor), actor, clock });
  const sup = new Supervisor({ spec: proc, clock });
  sup.start();
  t.after(() => sup.stop());
  const w: World = {
    server,
    clock,
    admin,
    seen: rec.seen,
    hold: rec.hold,
    failOnce: rec.failOnce,
    proc,
    sup,
    pod,
    claim,
    fireDue: () => void clock.fireDue(),
    synced: () => proc.controller()?.hasSynced() === true && sup.state() === 'Running',
    controllerRequests: (verb, resource) => rec.seen.filter((s) => s.actor === actor && (!verb || s.verb === verb) && (!resource || s.resource === resource)),
    events: async () => (await admin.list<CoreEvent>(eventsRef)).items,
    podGone: async () => {
      try {
        await admin.get(podsRef, 'workload');
        return false;
      } catch (e) {
        if (isNotFound(e)) return true;
        throw e;
      }
    },
  };
  await eventually(w.synced, 'the controller to sync');
  return w;
}

// Every FakeClock starts at 2025-01-01T00:00:00Z, so a fresh one gives the world's time before any step.
const noExecute = (clock: FakeClock, key = 'example.com/unhealthy'): DeviceTaint => ({ key, value: 'true', effect: 'NoExecute', timeAdded: rfc3339Seconds(clock.now()) });

test('a NoExecute taint without toleration evicts at once: Event queued, DisruptionTarget patched, DELETE with the UID precondition', async (t) => {
  const clock0 = new FakeClock();
  const w = await world(t, { fixed: true, sliceTaints: [noExecute(clock0)] });
  const start = w.clock.now();
  await eventually(w.podGone, 'the pod to be evicted');
  assert.equal(w.clock.now(), start, 'no simulated time passed');

  const mine = w.controllerRequests().filter((s) => s.resource === 'pods' && s.verb !== 'list' && s.verb !== 'watch');
  assert.deepEqual(
    mine.map((s) => [s.verb, s.subresource ?? '']),
    [
      ['get', ''],
      ['patch', 'status'],
      ['delete', ''],
    ],
  );
  const patch = mine[1]?.body as { metadata: { uid: string }; status: { conditions: PodCondition[] } };
  assert.equal(patch.metadata.uid, w.pod.metadata.uid, 'PatchPodStatus sends the UID as a precondition');
  assert.deepEqual(
    patch.status.conditions.map(({ lastTransitionTime: _t, ...c }) => c),
    [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager', message: 'Device Taint manager: deleting due to NoExecute taint' }],
  );
  assert.equal(mine[1]?.code, 200);
  const del = mine[2]?.body as { preconditions?: { uid?: string } };
  assert.equal(del.preconditions?.uid, w.pod.metadata.uid);
  assert.equal(mine[2]?.code, 200);

  // The recorder is asynchronous: the Event is still queued after the DELETE, until the clock lets the sender run.
  assert.equal((await w.events()).length, 0, 'read at once after the DELETE: not there yet');
  await eventually(async () => (await w.events()).length > 0, 'the Event', w.fireDue);
  const [ev] = await w.events();
  assert.equal(ev?.reason, evictionEventReason);
  assert.equal(ev?.message, markingForDeletionMessage);
  assert.equal(ev?.type, 'Normal');
  assert.equal(ev?.source.component, 'device-taint-eviction-controller');
  assert.deepEqual(
    { kind: ev?.involvedObject.kind, name: ev?.involvedObject.name, namespace: ev?.involvedObject.namespace, uid: ev?.involvedObject.uid },
    { kind: 'Pod', name: 'workload', namespace: ns, uid: w.pod.metadata.uid },
  );
  const eventPost = w.seen.findIndex((s) => s.actor === actor && s.resource === 'events' && s.verb === 'create');
  const podDelete = w.seen.findIndex((s) => s.actor === actor && s.resource === 'pods' && s.verb === 'delete');
  assert.ok(eventPost > podDelete, 'the Event lands in the history after the DELETE that logically followed it');
  assert.equal(w.proc.controller()?.metrics.podDeletionsTotal, 1);
  assert.equal(w.sup.restartCount, 0);
});

test('tolerationSeconds delays the eviction by that many simulated seconds', async (t) => {
  const clock0 = new FakeClock();
  const taint = noExecute(clock0);
  const w = await world(t, { fixed: true, sliceTaints: [taint], tolerations: [{ key: taint.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] });
  const t0 = Date.parse(taint.timeAdded ?? '');
  const queue = w.proc.controller()?.workerQueue();
  await eventually(() => queue?.GetWorkerUnsafe(`${ns}/workload`)?.FireAt === t0 + 60_000, 'the eviction to be scheduled');
  w.clock.step(59_000);
  await settle();
  assert.equal(await w.podGone(), false, 'tolerated for 59 s');
  assert.equal(w.controllerRequests('delete', 'pods').length, 0);
  w.clock.step(1_000);
  await eventually(w.podGone, 'the eviction at timeAdded + 60 s');
  const [del] = w.controllerRequests('delete', 'pods');
  assert.ok(del && del.atMs >= t0 + 60_000, 'DELETE no earlier than timeAdded + tolerationSeconds');
  await eventually(async () => (await w.events()).some((e) => e.message === markingForDeletionMessage), 'the Event', w.fireDue);
});

test('removing the taint before the deadline cancels the eviction and emits "Cancelling deletion"', async (t) => {
  const clock0 = new FakeClock();
  const taint = noExecute(clock0);
  const w = await world(t, { fixed: true, sliceTaints: [taint], tolerations: [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] });
  const queue = w.proc.controller()?.workerQueue();
  await eventually(() => queue?.GetWorkerUnsafe(`${ns}/workload`) != null, 'the eviction to be scheduled');

  const slice = await w.admin.get<ResourceSlice>(slicesRef, 'node-1-gpu');
  await w.admin.update<ResourceSlice>(slicesRef, { ...slice, spec: { ...slice.spec, devices: [{ name: 'gpu-0', basic: {} }, { name: 'gpu-1', basic: {} }] } });
  await eventually(() => queue?.has(`${ns}/workload`) === false, 'the eviction to be cancelled');
  w.clock.step(60_000);
  await eventually(async () => (await w.events()).some((e) => e.message === cancellingDeletionMessage), 'the cancel Event', w.fireDue);
  assert.equal(await w.podGone(), false);
  assert.equal(w.controllerRequests('delete', 'pods').length, 0);
  const ev = (await w.events()).find((e) => e.message === cancellingDeletionMessage);
  assert.equal(ev?.reason, evictionEventReason);
  assert.equal(ev?.involvedObject.uid, w.pod.metadata.uid);
});

test('DeviceTaintRules taint through the tracker; NoSchedule and tolerations without tolerationSeconds never evict', async (t) => {
  const w = await world(t, { fixed: true, tolerations: [{ key: 'example.com/tolerated', operator: 'Exists', effect: 'NoExecute' }] });
  const rule = (name: string, taint: DeviceTaint): KubeObject => ({
    apiVersion: 'resource.k8s.io/v1alpha3',
    kind: 'DeviceTaintRule',
    metadata: { name },
    spec: { deviceSelector: { driver, pool: 'node-1', device: 'gpu-0' }, taint },
  });
  const queue = w.proc.controller()?.workerQueue();
  await w.admin.create(rulesRef, rule('no-schedule', { key: 'example.com/maintenance', effect: 'NoSchedule', timeAdded: rfc3339Seconds(w.clock.now()) }));
  await w.admin.create(rulesRef, rule('tolerated', { key: 'example.com/tolerated', effect: 'NoExecute', timeAdded: rfc3339Seconds(w.clock.now()) }));
  // Another device's rule: not used by the claim.
  await w.admin.create(rulesRef, { ...rule('other-device', noExecute(w.clock)), spec: { deviceSelector: { driver, device: 'gpu-1' }, taint: noExecute(w.clock) } });
  await eventually(() => w.proc.manager()?.informerFor({ group: 'resource.k8s.io', version: 'v1alpha3', plural: 'devicetaintrules', kind: 'DeviceTaintRule', namespaced: false }).lister().list().length === 3, 'the rules');
  w.clock.step(3_600_000);
  await settle();
  assert.equal(queue?.keys().length, 0);
  assert.equal(await w.podGone(), false, 'NoSchedule, a tolerated NoExecute and another device do not evict');

  await w.admin.create(rulesRef, rule('evict', noExecute(w.clock)));
  await eventually(w.podGone, 'eviction by the DeviceTaintRule');
  assert.equal(w.controllerRequests('delete', 'pods').length, 1);
});

test('a failed try is retried after 10 ms on the Clock; the Event is emitted once per eviction', async (t) => {
  const w = await world(t, { fixed: true });
  w.failOnce((info) => info.actor === actor && info.verb === 'patch' && info.resource === 'pods', internalError('etcd is having a bad day'));
  const slice = await w.admin.get<ResourceSlice>(slicesRef, 'node-1-gpu');
  const t0 = w.clock.now();
  await w.admin.update<ResourceSlice>(slicesRef, { ...slice, spec: { ...slice.spec, devices: [{ name: 'gpu-0', basic: { taints: [noExecute(w.clock)] } }, { name: 'gpu-1', basic: {} }] } });
  const ctrl = w.proc.controller();
  await eventually(() => w.controllerRequests('patch', 'pods').length === 1 && ctrl?.idle() === true && w.proc.manager()?.idle() === true, 'the failed try, then the retry sleep');
  assert.equal(ctrl?.workerQueue()?.running(), 1, 'the work is still running, asleep between tries');
  assert.equal((w.clock.nextTimerAt() ?? 0) - t0, 0, 'the Event wake-up is due now');
  w.fireDue();
  await eventually(async () => (await w.events()).length === 1, 'the Event of the first try');
  await eventually(() => ctrl?.idle() === true && w.proc.manager()?.idle() === true, 'quiet again');
  assert.equal(await w.podGone(), false);
  w.clock.step(10);
  await eventually(w.podGone, 'the second try to evict');
  assert.deepEqual(
    w.controllerRequests().filter((s) => s.resource === 'pods' && (s.verb === 'get' || s.verb === 'patch' || s.verb === 'delete')).map((s) => [s.verb, s.code]),
    [
      ['get', 200],
      ['patch', 500],
      ['get', 200],
      ['patch', 200],
      ['delete', 200],
    ],
  );
  await eventually(() => ctrl?.idle() === true && ctrl.workerQueue()?.running() === 0, 'the work to end');
  w.fireDue();
  await settle();
  const marking = (await w.events()).filter((e) => e.message === markingForDeletionMessage);
  assert.deepEqual(marking.map((e) => e.count), [1], 'emitted once although the work tried twice');
});

/**
 * kubernetes#130940: the eviction work runs (its DELETE is held at the server), and an update of the claim
 * reaches handlePod → UpdateWork for the same pod. Buggy: nil dereference in the handler, the process dies
 * and the supervisor restarts it. Fixed: "already in progress"; one DELETE.
 */
async function secondEventDuringEviction(t: TestContext, fixed: boolean): Promise<World> {
  const w0 = await world(t, { fixed });
  const held = w0.hold((info) => info.actor === actor && info.verb === 'delete' && info.resource === 'pods');
  const slice = await w0.admin.get<ResourceSlice>(slicesRef, 'node-1-gpu');
  await w0.admin.update<ResourceSlice>(slicesRef, { ...slice, spec: { ...slice.spec, devices: [{ name: 'gpu-0', basic: { taints: [noExecute(w0.clock)] } }, { name: 'gpu-1', basic: {} }] } });
  await held.reached; // GET, status PATCH done; the worker waits for its DELETE: the nil entry is "in progress"
  assert.ok(w0.proc.controller()?.workerQueue()?.inProgress(`${ns}/workload`));
  const updated = await w0.admin.patch<ResourceClaim>(claimsRef, 'gpu-claim', { metadata: { annotations: { touched: 'yes' } } });
  const claimInformer = w0.proc.manager()?.informerFor({ group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceclaims', kind: 'ResourceClaim' });
  if (fixed) {
    await eventually(() => claimInformer?.lister().getByName(ns, 'gpu-claim')?.metadata.resourceVersion === updated.metadata.resourceVersion, 'the claim update to be handled');
  } else {
    await eventually(() => w0.sup.exits.length === 1, 'the crash');
  }
  held.release();
  await eventually(w0.podGone, 'the pod to be gone');
  return w0;
}

test('buggy (kubernetes#130940): a second event for a pod being evicted panics in the handler and crashes the controller', async (t) => {
  const w = await secondEventDuringEviction(t, false);
  const [exit] = w.sup.exits;
  assert.equal(exit?.reason, 'Error');
  assert.equal(exit?.report?.kind, 'panic');
  assert.match(exit?.report?.toString() ?? '', /^panic: runtime error: invalid memory address or nil pointer dereference/);
  assert.equal(w.sup.state(), 'CrashLoopBackOff');
  w.fireDue(); // the first restart is at once
  await eventually(() => w.sup.restartCount === 1 && w.synced(), 'the restart');
  assert.equal(w.controllerRequests('delete', 'pods').filter((s) => s.code === 200).length, 1);
});

test('fixed (kubernetes#130947): the work in progress is kept; the pod is deleted once, no crash', async (t) => {
  const w = await secondEventDuringEviction(t, true);
  await eventually(() => w.proc.controller()?.idle() === true && w.proc.controller()?.workerQueue()?.has(`${ns}/workload`) === false, 'the work to finish');
  await eventually(async () => (await w.events()).some((e) => e.message === markingForDeletionMessage), 'the Event', w.fireDue);
  assert.equal(w.sup.exits.length, 0);
  assert.equal(w.sup.restartCount, 0);
  assert.equal(w.controllerRequests('delete', 'pods').length, 1);
  assert.equal(w.proc.controller()?.workerQueue()?.started(), 1, 'the eviction work ran once');
  assert.equal((await w.events()).filter((e) => e.message === markingForDeletionMessage).length, 1);
});
