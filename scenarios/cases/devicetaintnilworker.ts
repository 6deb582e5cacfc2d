// kubernetes/kubernetes#130940 → #130947: "[Flaking Test] UT TestEviction/update". The device taint eviction
// controller (KEP 5055, merged with #130447) starts the eviction of a pod whose taint is already due at once,
// in a goroutine, and marks it in TimedWorkerQueue.workers with a nil entry ("work in progress"). A second
// event for that pod (here: an update of its ResourceClaim, as in the upstream "update" test case) reaches
// handlePod → UpdateWork while the eviction still runs. As merged, UpdateWork reads worker.FireAt through the
// nil entry: a nil pointer dereference in the informer handler, which kills the controller process (its
// supervisor restarts it). #130947 keeps work that is already in progress.
//
// Actors: `gpu-driver` publishes the ResourceSlice and taints gpu-0; `setup` creates the pod and claim and
// updates the claim; `device-taint-eviction` is the controller, a supervised process.
// Rule: the controller's pod DELETE (the last call of the eviction work) is held until the claim update has
// been delivered to the controller and the world has settled, so the update is handled while the work runs.
import { all, delivered, noted } from '../../apiserver/interleave/conditions.ts';
import type { RequestEntry } from '../../apiserver/interleave/types.ts';
import { isNotFound } from '../../clients/kube/client.ts';
import type { Pod } from '../../controllers/devicetainteviction/resourceapi.ts';
import { lastSeq, notes, responses, succeeded, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { claimName, claimsRef, controllerActor, noExecuteTaint, podName, podsRef, preconditionUid, startDeviceTaintWorld } from './devicetaintworld.ts';

const scenarioActor = 'scenario';
const handledStep = 'the second event for the pod was delivered and handled';

export const deviceTaintNilWorker: ScenarioCase = {
  name: 'devicetaint-nil-worker',
  title: 'Device taint eviction: UpdateWork dereferences the nil entry of work in progress',
  upstream: { issue: 'kubernetes/kubernetes#130940', fix: 'kubernetes/kubernetes#130947', url: 'https://github.com/kubernetes/kubernetes/issues/130940' },
  description:
    'The driver taints gpu-0 with NoExecute; the claim using it has no toleration, so the controller starts evicting the pod at once (a nil "in progress" entry in the TimedWorkerQueue). ' +
    "While the work waits for its pod DELETE (held by a rule), the claim is updated and the update delivered to the controller: handlePod → UpdateWork for the same pod. " +
    'Buggy (as merged with #130447): UpdateWork reads FireAt through the nil entry, the handler panics ("invalid memory address or nil pointer dereference") and the controller process crashes and is restarted. ' +
    'Fixed (#130947): "Keeping existing work, already in progress"; the pod is evicted exactly once, without a crash.',
  horizonMs: 2 * 60_000,
  // The controller's informers and its eviction work (retrySleep) retry; the scripted steps do not.
  faultTolerant: [controllerActor],
  async run({ world, fixed }) {
    const w = await startDeviceTaintWorld(world, { fixed });
    // Hint: the eviction work's DELETE waits until the second event reached the controller and the world settled.
    world.hint(() =>
      world.rules.holdRequest({
        name: 'pod-delete-waits-for-second-event',
        match: { actor: controllerActor, verb: 'delete', resource: 'pods', name: podName },
        until: all(delivered({ actor: controllerActor, resource: 'resourceclaims', name: claimName, eventType: 'MODIFIED' }), noted({ tag: 'step', actor: scenarioActor, text: handledStep })),
        boundMs: 60_000,
      }),
    );
    world.note(scenarioActor, 'step', 'the driver taints gpu-0 with NoExecute (no toleration: eviction due now)');
    await w.driver.taintDevice('gpu-0', noExecuteTaint(world));
    if (world.hints) {
      const held = await world.runUntil(() => world.rules.held().length > 0, 60_000);
      if (!held) throw new Error('the eviction work never sent its pod DELETE');
    }
    // The workload's second event for the pod; without hints the schedule decides whether it lands while the
    // eviction is in progress.
    world.note(scenarioActor, 'step', 'a second event for the pod: the claim is updated');
    await w.setup.patch(claimsRef, claimName, { metadata: { annotations: { 'example.com/touched': 'yes' } } });
    await world.settle();
    world.note(scenarioActor, 'step', handledStep);
  },
  invariants: [
    {
      name: 'no-controller-crash',
      kind: 'safety',
      check({ history }) {
        const bad = [...notes(history, 'panic', controllerActor), ...notes(history, 'crash', controllerActor)];
        return bad.map((n) => violation('no-controller-crash', `the controller crashed: ${n.text}`, [n.seq]));
      },
    },
    {
      name: 'pod-deleted-at-most-once',
      kind: 'safety',
      check({ history }) {
        const byUid = new Map<string, number[]>();
        for (const r of responses(history, { actor: controllerActor, verb: 'delete', resource: 'pods', code: succeeded })) {
          const req = history.find((e): e is RequestEntry => e.type === 'request' && e.seq === r.request);
          const uid = preconditionUid(req?.body) ?? `(no precondition: ${r.namespace}/${r.name})`;
          byUid.set(uid, [...(byUid.get(uid) ?? []), r.seq]);
        }
        const out: Violation[] = [];
        for (const [uid, seqs] of byUid) if (seqs.length > 1) out.push(violation('pod-deleted-at-most-once', `pod ${uid} was deleted ${seqs.length} times by the controller`, seqs));
        return out;
      },
    },
    {
      name: 'delete-follows-disruption-target',
      kind: 'safety',
      check({ history }) {
        const out: Violation[] = [];
        const bodyOf = (seq: number): string | undefined => history.find((e): e is RequestEntry => e.type === 'request' && e.seq === seq)?.body;
        const patches = responses(history, { actor: controllerActor, verb: 'patch', resource: 'pods', code: succeeded }).filter((r) => /DisruptionTarget/.test(bodyOf(r.request) ?? ''));
        for (const del of responses(history, { actor: controllerActor, verb: 'delete', resource: 'pods', code: succeeded })) {
          const uid = preconditionUid(bodyOf(del.request));
          const marked = patches.some((p) => p.seq < del.request && uid !== undefined && (bodyOf(p.request) ?? '').includes(`"uid":"${uid}"`));
          if (!marked) out.push(violation('delete-follows-disruption-target', `pod ${del.namespace}/${del.name} was deleted without a DisruptionTarget condition patched first`, [del.seq]));
        }
        return out;
      },
    },
    {
      name: 'tainted-pod-evicted',
      kind: 'liveness',
      async check({ world, history }) {
        try {
          const pod = await world.client('checker').get<Pod>(podsRef, podName);
          return [violation('tainted-pod-evicted', `pod ${podName} (uid ${pod.metadata.uid}) uses a device with an untolerated NoExecute taint but still exists at quiescence`, lastSeq(history))];
        } catch (e) {
          if (isNotFound(e)) return [];
          throw e;
        }
      },
    },
  ],
};
