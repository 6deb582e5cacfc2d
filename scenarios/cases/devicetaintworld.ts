// Shared set-up of the two device-taint cases (devicetaintnilworker.ts, devicetaintasyncevents.ts), not a
// case itself: a fake DRA driver publishing one ResourceSlice on node-1 (devices gpu-0 and gpu-1), a
// scheduled pod `workload` whose claim `gpu-claim` is allocated gpu-0 (no toleration) and reserved for it,
// and the device taint eviction controller (Kubernetes 1.33) running as a supervised process. Every crash
// of the process is a 'crash' note on the history, every restart a 'restart' note.
import { rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import type { KubeClient, ResourceRef } from '../../clients/kube/client.ts';
import { deviceTaintEvictionProcess, type DeviceTaintEvictionProcess, type DeviceTaintEvictionProcessOptions } from '../../controllers/devicetainteviction/controller.ts';
import type { DeviceTaint, Pod, ResourceClaim } from '../../controllers/devicetainteviction/resourceapi.ts';
import { FakeDriver } from '../../controllers/kubelet/fakedriver.ts';
import { isKilled, Supervisor, type ProcessSpec } from '../../controllers/runtime/supervisor.ts';
import type { World } from '../engine/world.ts';

export const namespace = 'default';
export const nodeName = 'node-1';
export const driverName = 'gpu.example.com';
export const podName = 'workload';
export const claimName = 'gpu-claim';
/** The controller process's actor (bearer token): its requests and watches carry it. */
export const controllerActor = 'device-taint-eviction';
export const driverActor = 'gpu-driver';
export const setupActor = 'setup';

export const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespace };
export const claimsRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceclaims', namespace };
export const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespace };
export const deviceTaintRulesRef: ResourceRef = { group: 'resource.k8s.io', version: 'v1alpha3', plural: 'devicetaintrules' };

export interface DeviceTaintWorld {
  driver: FakeDriver;
  setup: KubeClient;
  pod: Pod;
  claim: ResourceClaim;
  proc: DeviceTaintEvictionProcess;
  sup: Supervisor;
}

/** A NoExecute taint added now; timeAdded is set explicitly (the server does not default it). */
export function noExecuteTaint(world: World, key = 'example.com/unhealthy'): DeviceTaint {
  return { key, value: 'true', effect: 'NoExecute', timeAdded: rfc3339Seconds(world.clock.now()) };
}

/**
 * Builds the objects, starts the supervised controller and waits until its informers have synced.
 * `fixed` and `updateWorkFix` go to the controller (TimedWorkerQueue.UpdateWork, kubernetes#130947).
 */
export async function startDeviceTaintWorld(
  world: World,
  opts: { fixed: boolean; updateWorkFix?: DeviceTaintEvictionProcessOptions['updateWorkFix']; events?: DeviceTaintEvictionProcessOptions['events'] },
): Promise<DeviceTaintWorld> {
  const setup = world.client(setupActor);
  const driver = new FakeDriver({ driverName, nodeName, kc: world.kc(driverActor), actor: driverActor, clock: world.clock, devices: [{ name: 'gpu-0' }, { name: 'gpu-1' }] });
  world.probe({ name: `client ${driverActor}`, idle: () => driver.client.idle() });
  await driver.publish();
  const pod = await setup.create<Pod>(podsRef, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName },
    // No kubelet runs in this world to finish a graceful deletion: the pod goes at the controller's DELETE.
    spec: { nodeName, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox' }], resourceClaims: [{ name: 'gpu', resourceClaimName: claimName }] },
  });
  await setup.create<ResourceClaim>(claimsRef, {
    apiVersion: 'resource.k8s.io/v1beta1',
    kind: 'ResourceClaim',
    metadata: { name: claimName },
    spec: { devices: { requests: [{ name: 'gpu', deviceClassName: driverName }] } },
  });
  // The scheduler's part: allocated gpu-0 without any toleration, reserved for the pod.
  const claim = await setup.patch<ResourceClaim>(
    claimsRef,
    claimName,
    {
      status: {
        allocation: { devices: { results: [{ request: 'gpu', driver: driverName, pool: driver.pool, device: 'gpu-0' }] } },
        reservedFor: [{ resource: 'pods', name: podName, uid: pod.metadata.uid }],
      },
    },
    'merge',
    { subresource: 'status' },
  );

  const proc = deviceTaintEvictionProcess({ fixed: opts.fixed, updateWorkFix: opts.updateWorkFix, kc: world.kc(controllerActor), actor: controllerActor, clock: world.clock, events: opts.events });
  let runs = 0;
  const spec: ProcessSpec = {
    name: proc.name,
    main: (ctx, runtime) => {
      if (runs++ > 0) world.note(controllerActor, 'restart', `${proc.name} restarted (restartCount ${runs - 1})`);
      return proc.main(ctx, runtime);
    },
    idle: () => proc.idle?.() ?? true,
  };
  const sup = new Supervisor({
    spec,
    clock: world.clock,
    onExit: (exit) => {
      if (isKilled(exit)) world.note(controllerActor, 'kill', `${proc.name} was killed (${exit.report?.toString().split('\n')[0] ?? ''})`);
      else if (exit.reason === 'Error') world.note(controllerActor, 'crash', `${proc.name} exited with code ${exit.exitCode}: ${exit.report?.toString().split('\n')[0] ?? ''}`);
    },
  });
  world.killable(controllerActor, (why) => sup.kill(why));
  world.probe({ name: `supervisor ${proc.name}`, idle: () => sup.idle() });
  world.probe({ name: `manager ${proc.name}`, idle: () => proc.manager()?.idle() ?? true });
  world.onClose(() => sup.stop());
  sup.start();
  const synced = await world.runUntil(() => sup.state() === 'Running' && proc.controller()?.hasSynced() === true, 60_000);
  if (!synced) throw new Error('the device taint eviction controller never synced');
  return { driver, setup, pod, claim, proc, sup };
}

/** The pod UID in a DELETE's body summary (`{"preconditions":{"uid":…}}`). */
export function preconditionUid(body: string | undefined): string | undefined {
  return /"uid":"([^"]+)"/.exec(body ?? '')?.[1];
}
