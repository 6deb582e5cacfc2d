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
import type { RequestEntry, ResponseEntry } from '../../apiserver/interleave/types.ts';
import { isNotFound } from '../../clients/kube/client.ts';
import { evictionEventReason, markingForDeletionMessage } from '../../controllers/devicetainteviction/controller.ts';
import type { Pod } from '../../controllers/devicetainteviction/resourceapi.ts';
import { updateWorkFixes, type UpdateWorkFix } from '../../controllers/devicetainteviction/timedworkers.ts';
import type { CoreEvent } from '../../controllers/runtime/recorder.ts';
import { lastSeq, notes, responses, succeeded, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { claimName, claimsRef, controllerActor, eventsRef, noExecuteTaint, podName, podsRef, preconditionUid, startDeviceTaintWorld } from './devicetaintworld.ts';

/** The case's mutants are TimedWorkerQueue.UpdateWork fixes (timedworkers.ts UpdateWorkFix); none: upstream's. */
function updateWorkFixOf(mutant: string | undefined): UpdateWorkFix | undefined {
  if (mutant === undefined) return undefined;
  const fix = updateWorkFixes.find((f) => f === mutant);
  if (!fix) throw new Error(`devicetaint-nil-worker: unknown UpdateWork fix "${mutant}"`);
  return fix;
}

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
    'Fixed (#130947): "Keeping existing work, already in progress"; the pod is evicted exactly once, without a crash. ' +
    'Mutants: a second eviction worker (the Event counts 2, a second DELETE gets 404), the work in progress cancelled (the pod is never evicted) or cancelled and restarted (marked twice); equivalent: a set of running keys checked before the entry is read.',
  horizonMs: 2 * 60_000,
  // The controller's informers and its eviction work (retrySleep) retry; the scripted steps do not.
  faultTolerant: [controllerActor],
  async run({ world, fixed, mutant }) {
    const w = await startDeviceTaintWorld(world, { fixed, updateWorkFix: updateWorkFixOf(mutant) });
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
  mutants: [
    { name: 'second-worker', kind: 'mutant', description: 'UpdateWork keeps the nil check (no panic) but treats the in-progress key as free and starts a second eviction work for the pod' },
    { name: 'cancel', kind: 'mutant', description: 'UpdateWork cancels the work in progress (its context) and starts nothing in its place' },
    { name: 'restart', kind: 'mutant', description: 'UpdateWork replaces the work in progress: cancels it and starts a new one' },
    { name: 'running-set', kind: 'equivalent', description: 'the queue keeps the set of keys whose work runs; UpdateWork keeps those before it reads any entry' },
  ],
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
      // The outcome a user sees: one eviction per pod. Each eviction work marks the pod once ("Marking for
      // deletion"); one recorder counts repeats up on the same Event (count 2: "x2" in kubectl describe), and
      // a second work finds the pod gone at its DELETE (404 after the first one's 200). A restarted
      // controller writes a new Event of its own (count 1), and faulted requests are not applied, so
      // neither counts here.
      name: 'pod-evicted-once',
      kind: 'liveness',
      async check({ world, history }) {
        const out: Violation[] = [];
        const events = (await world.client('checker').list<CoreEvent>(eventsRef)).items;
        for (const e of events) {
          if (e.reason !== evictionEventReason || e.message !== markingForDeletionMessage || e.involvedObject.kind !== 'Pod' || (e.count ?? 1) <= 1) continue;
          out.push(violation('pod-evicted-once', `pod ${e.involvedObject.name} (uid ${e.involvedObject.uid ?? '?'}) was marked for deletion ${e.count} times by one controller run (Event ${e.metadata.name} count ${e.count})`, lastSeq(history)));
        }
        const answered = new Map<string, ResponseEntry[]>();
        for (const r of responses(history, { actor: controllerActor, verb: 'delete', resource: 'pods', code: (c) => succeeded(c) || c === 404 })) {
          const uid = preconditionUid(history.find((e): e is RequestEntry => e.type === 'request' && e.seq === r.request)?.body) ?? `(no precondition: ${r.namespace}/${r.name})`;
          answered.set(uid, [...(answered.get(uid) ?? []), r]);
        }
        for (const [uid, rs] of answered) {
          const first = rs.findIndex((r) => succeeded(r.code));
          const late = first < 0 ? [] : rs.slice(first + 1);
          if (late.length > 0)
            out.push(violation('pod-evicted-once', `pod ${uid} was evicted again after it was deleted: ${late.length} more DELETE(s) answered ${late.map((r) => r.code).join(', ')}`, [rs[first]?.seq ?? 0, ...late.map((r) => r.seq)]));
        }
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
