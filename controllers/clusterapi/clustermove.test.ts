// clusterctl move against a running Cluster controller on the source (kubernetes-sigs/cluster-api #11812):
// the race the scenario `clusterctl-move-finalizer` reproduces, forced here by holding clusterctl's DELETE
// of the Cluster until the controller's finalizer patch has been served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { isNotFound, KubeClient } from '../../clients/kube/client.ts';
import { move } from '../../clients/clusterctl/move.ts';
import { testServer } from '../../testing/server.ts';
import { background, withCancel } from '../runtime/concurrency.ts';
import type { Cluster } from './api.ts';
import { newClusterControllerManager } from './cluster.ts';
import { getCondition } from './conditions.ts';
import { clockDriver, cluster, dockerCluster, eventually, machine, ns, ownerRef, recordingInterleaver, refs, type SeenRequest } from './testing/harness.ts';

const addsClusterFinalizer = (r: SeenRequest): boolean =>
  r.actor === 'cluster-controller' &&
  r.verb === 'patch' &&
  r.resource === 'clusters' &&
  r.subresource === undefined &&
  ((r.body as { metadata?: { finalizers?: string[] } }).metadata?.finalizers ?? []).includes('cluster.cluster.x-k8s.io');
const removesFinalizers = (r: SeenRequest): boolean =>
  r.actor === 'clusterctl' && r.verb === 'patch' && r.resource === 'clusters' && JSON.stringify(r.body) === '{"metadata":{"finalizers":[]}}';

for (const fixed of [false, true]) {
  test(`clusterctl move (${fixed ? 'fixed' : 'buggy'}) while the Cluster controller runs on the source: ${fixed ? 'the source Cluster is gone' : 'the controller re-adds its finalizer and the source Cluster is stuck'}`, async (t) => {
    const rec = recordingInterleaver();
    const source = await testServer(t, { interleaver: rec.interleaver });
    const target = await testServer(t);
    const src = new KubeClient(actorKubeConfig(source.url, 'tester'));
    const clock = new FakeClock();
    const { manager } = newClusterControllerManager({ kc: source.kc(), actor: 'cluster-controller', clock });
    const { ctx, cancel } = withCancel(background());
    const done = manager.start(ctx);
    t.after(async () => {
      cancel();
      await done;
    });
    await manager.whenStarted();
    const drive = clockDriver(() => manager.idle(), clock);
    const getCluster = (): Promise<Cluster> => src.get<Cluster>(refs.clusters, 'c1');

    // A provisioned Cluster: infrastructure ready, one control plane Machine with its node.
    const dc = await src.create(refs.dockerClusters, dockerCluster('c1-infra'));
    await src.patch(refs.dockerClusters, dc.metadata.name ?? '', { status: { ready: true } }, 'merge', { subresource: 'status' });
    const cl = await src.create(refs.clusters, cluster('c1', { infra: 'c1-infra' }));
    const cp = machine('c1-cp', 'c1');
    cp.metadata.labels = { ...cp.metadata.labels, 'cluster.x-k8s.io/control-plane': '' };
    cp.metadata.ownerReferences = [ownerRef(cl)];
    await src.create(refs.machines, cp);
    await src.patch(refs.machines, 'c1-cp', { status: { nodeRef: { kind: 'Node', name: 'c1-cp' } } }, 'merge', { subresource: 'status' });
    await eventually(async () => manager.idle() && getCondition(await getCluster(), 'ControlPlaneInitialized')?.status === 'True' && (await getCluster()).status?.phase === 'Provisioned', 'the cluster provisioned', drive);

    // The interleaving of #11812: clusterctl's DELETE waits until the controller's finalizer patch, sent
    // after clusterctl removed the finalizers, has been answered. In the fixed order the DELETE comes
    // before the finalizer removal, so nothing is held.
    rec.hold.rule = (r) => {
      if (!(r.actor === 'clusterctl' && r.verb === 'delete' && r.resource === 'clusters')) return undefined;
      const from = rec.seen.findIndex(removesFinalizers);
      if (from < 0) return undefined;
      return eventually(() => rec.seen.slice(from).some((x) => addsClusterFinalizer(x) && x.code === 200), "the controller's finalizer patch");
    };

    const report = await move({ from: source.kc(), to: target.kc(), namespace: ns, fixed });
    assert.deepEqual(report.clusters, ['default/c1'], 'move reports success');
    await eventually(async () => manager.idle(), 'the controller idle', drive);

    const dst = new KubeClient(actorKubeConfig(target.url, 'tester'));
    assert.ok(await dst.get(refs.clusters, 'c1'), 'the Cluster is on the target');
    const afterRemoval = rec.seen.slice(Math.max(0, rec.seen.findIndex(removesFinalizers)));
    const reAdded = afterRemoval.filter((r) => addsClusterFinalizer(r) && r.code === 200);
    if (fixed) {
      await assert.rejects(getCluster(), (e: unknown) => isNotFound(e), 'no moved object is left on the source');
      assert.deepEqual(reAdded, [], 'no finalizer-adding write succeeded after the finalizer removal');
      // Whatever the controller tried after the DELETE was refused (422) or found nothing (404).
      for (const r of rec.seen.filter(addsClusterFinalizer).slice(1)) assert.ok(r.code === 422 || r.code === 404, `code ${r.code}`);
    } else {
      assert.equal(reAdded.length, 1, 'the controller re-added its finalizer between clusterctl\'s "finalizers: []" and its DELETE');
      // Stuck for good: Terminating, paused, with the finalizer nobody will remove.
      for (let i = 0; i < 3; i++) {
        clock.step(60_000);
        await eventually(async () => manager.idle(), 'the controller idle', drive);
      }
      const stuck = await getCluster();
      assert.ok(stuck.metadata.deletionTimestamp, 'Terminating');
      assert.deepEqual(stuck.metadata.finalizers, ['cluster.cluster.x-k8s.io']);
      assert.equal(stuck.spec?.paused, true);
    }
    await assert.rejects(src.get(refs.machines, 'c1-cp'), (e: unknown) => isNotFound(e));
    await assert.rejects(src.get(refs.dockerClusters, 'c1-infra'), (e: unknown) => isNotFound(e));
  });
}
