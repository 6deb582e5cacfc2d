// capsule-concurrent-map-writes (projectcapsule/capsule#1263, fixed by #1264, commit 8d498bb9).
//
// A GlobalTenantResource replicates the Secrets labelled `replicate=yes` of namespace `source` (two of them)
// into every namespace of the Tenant `alpha` (alpha-1, alpha-2). Capsule v0.7.2's HandleSection starts one
// goroutine per source object; each one runs createOrUpdate (GET, then CREATE or UPDATE of the replica) and
// then inserts the replica into `processed`, a plain Go map shared by all of them. Two goroutines that finish
// together write the map at once: `fatal error: concurrent map writes`, the process dies before its deferred
// status patch, the kubelet restarts it (crash-loop backoff, 10 s doubling), the new process reconciles
// again and dies again. v0.7.3 (#1264) gives each goroutine its own slot of `processedRaw` and merges the
// slots into `processed` after wg.Wait() in the calling goroutine.
//
// The interleaving, through the server: the rule `replica-writes-finish-together` holds every replica
// CREATE/UPDATE of the controller until the writes of all the goroutines of a batch (one per source) are
// held, then lets them through together: the goroutines' last requests are in flight at the same time and
// their responses come back together. The map write window (Processor's mapWriteWindow) stays open while any
// request of the controller is still unanswered, so the first goroutine's insert is still in progress when
// the second one's response arrives and it inserts too: every seed crashes in the buggy variant, none in
// the fixed one (whose goroutines never write the map). The first two runs of the buggy process crash on the
// CREATEs, then the UPDATEs, of alpha-1's replicas; from the third run on those replicas are up to date
// (createOrUpdate only GETs them) and the second goroutine's GET comes back inside the first one's insert.
// alpha-2 is never reached. Restarts (kubelet backoff: at once, then 10 s doubling) are on world.clock.
//
// Under exploration (no hints) there is no hold and the map keeps GoMap's default window (one event-loop
// turn): two replica responses admitted together make the inserts overlap, as by chance upstream. The
// controller also runs under a RaceDetector (Go's -race) watching `processed`, processedRaw and the
// mutants' shared slice: unsynchronised inserts are a data race on every schedule, overlapping or not, and
// a slice appended from several goroutines is one too (the `shared-slice` mutant). The mutants and
// equivalent fixes are ProcessorOptions.mutant (controllers/capsule/processor.ts).
import type { History } from '../../apiserver/interleave/history.ts';
import type { Condition } from '../../apiserver/interleave/conditions.ts';
import type { HeldRequest } from '../../apiserver/interleave/interleaver.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';
import { capsuleControllerProcess } from '../../controllers/capsule/globaltenantresource.ts';
import { isProcessorMutant, windowUntil } from '../../controllers/capsule/processor.ts';
import {
  capsuleApiVersion,
  globalTenantResourceResource,
  objectReferenceString,
  resourcesLabel,
  tenantLabel,
  tenantResource,
  type GlobalTenantResource,
} from '../../controllers/capsule/types.ts';
import { RaceDetector } from '../../controllers/runtime/racedetector.ts';
import { isKilled, Supervisor } from '../../controllers/runtime/supervisor.ts';
import { lastSeq, notes, requests, responses, succeeded, violation } from '../engine/checkers.ts';
import type { ScenarioCase } from '../engine/types.ts';

/** The controller's actor (bearer token): its requests and notes carry this name. */
export const capsuleActor = 'capsule';
const gtrName = 'shared';
const tenant = 'alpha';
const tenantNamespaces = ['alpha-1', 'alpha-2'];
const sourceNamespace = 'source';
/** Secrets in `source`: the labelled ones are replicated, `unrelated` is not. */
const sources = ['db-credentials', 'tls-bundle'];
const holdRule = 'replica-writes-finish-together';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const tntRef: ResourceRef = { group: tenantResource.group, version: tenantResource.version, plural: tenantResource.plural };
const gtrRef: ResourceRef = { group: globalTenantResourceResource.group, version: globalTenantResourceResource.version, plural: globalTenantResourceResource.plural };
const secretsIn = (namespace?: string): ResourceRef => ({ group: '', version: 'v1', plural: 'secrets', ...(namespace !== undefined ? { namespace } : {}) });

const replicaKey = (namespace: string, name: string): string => objectReferenceString({ kind: 'Secret', apiVersion: 'v1', namespace, name });

/** Every replica the GlobalTenantResource asks for: each source in each tenant namespace. */
function wantedReplicas(): Set<string> {
  const out = new Set<string>();
  for (const ns of tenantNamespaces) for (const s of sources) out.add(replicaKey(ns, s));
  return out;
}

/**
 * Released when `size` requests of the rule are held: then all of them go through together. A latch, since
 * the interleaver re-evaluates the condition after each release (the count drops) and before holding each
 * new request (it must hold the first of the next batch again).
 */
function batchOf(size: number, held: () => HeldRequest[]): Condition {
  let releasing = false;
  return (_h: History) => {
    const n = held().filter((r) => r.rule === holdRule).length;
    if (n >= size) releasing = true;
    else if (n === 0) releasing = false;
    return releasing;
  };
}

export const capsuleConcurrentMapWrites: ScenarioCase = {
  name: 'capsule-concurrent-map-writes',
  title: 'Capsule GlobalTenantResource: replication goroutines write one Go map at once (fatal error: concurrent map writes)',
  upstream: { issue: 'projectcapsule/capsule#1263', fix: 'projectcapsule/capsule#1264 (commit 8d498bb9)', url: 'https://github.com/projectcapsule/capsule/issues/1263' },
  description:
    'A GlobalTenantResource replicates two Secrets of namespace source into both namespaces of tenant alpha. HandleSection runs one goroutine per Secret; the server lets their replica writes through together, and an insert into the map stays in progress while another request of the controller is unanswered. ' +
    'Buggy (v0.7.2): both goroutines insert into the shared `processed` map at once, the Go runtime throws `fatal error: concurrent map writes`, the process dies before its deferred status patch and the kubelet restarts it again and again (CrashLoopBackOff); the status is never written and alpha-2 never gets its replicas. ' +
    'Fixed (v0.7.3, #1264): each goroutine writes its own slot of processedRaw, merged after wg.Wait(): no crash, every namespace holds every replica and status.processedItems lists exactly them. ' +
    "Explored, the map keeps Go's default window and the controller runs under a race detector (Go's -race): the buggy inserts are a data race on every schedule and fatal when they overlap.",
  // The restarts of the buggy variant come at 0, 10, 30, 70 and 150 s; the fixed one resyncs at 60 and 120 s.
  horizonMs: 160_000,
  // controller-runtime requeues a failed reconcile.
  faultTolerant: [capsuleActor],
  mutants: [
    {
      name: 'mutex-some-goroutines',
      kind: 'mutant',
      description: 'the insert into processed is done under a sync.Mutex by the first goroutine only; the others insert without it (-race reports the unordered writes; overlapping ones are fatal)',
    },
    {
      name: 'merge-before-wait',
      kind: 'mutant',
      description: "#1264's per-goroutine slots of processedRaw, but merged into processed before wg.Wait(): the caller reads slots the goroutines write (a race) and the replicas miss from status.processedItems",
    },
    {
      name: 'shared-slice',
      kind: 'mutant',
      description: 'instead of the map, every goroutine appends its replica to one shared slice, merged after wg.Wait(): nothing crashes and nothing is lost here, but Go\'s -race reports the appends',
    },
    { name: 'mutex-all', kind: 'equivalent', description: 'every goroutine inserts into processed under one sync.Mutex' },
    { name: 'channel', kind: 'equivalent', description: 'the goroutines send their replicas on a buffered channel; the caller closes it after wg.Wait() and inserts what it receives' },
  ],
  async run({ world, fixed, mutant }) {
    if (mutant !== undefined && !isProcessorMutant(mutant)) throw new Error(`unknown mutant ${mutant}`);
    const setup = world.client('setup');
    await setup.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: sourceNamespace } });
    for (const ns of tenantNamespaces) await setup.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [tenantLabel]: tenant } } });
    await setup.create(tntRef, {
      apiVersion: capsuleApiVersion,
      kind: 'Tenant',
      metadata: { name: tenant, labels: { env: 'prod' } },
      spec: { owners: [{ kind: 'User', name: 'alice' }] },
      status: { state: 'Active', size: tenantNamespaces.length, namespaces: tenantNamespaces },
    } as KubeObject);
    for (const name of [...sources, 'unrelated']) {
      await setup.create(secretsIn(sourceNamespace), {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, labels: sources.includes(name) ? { replicate: 'yes' } : {} },
        type: 'Opaque',
        data: { value: Buffer.from(name).toString('base64') },
      } as KubeObject);
    }
    await setup.create(gtrRef, {
      apiVersion: capsuleApiVersion,
      kind: 'GlobalTenantResource',
      metadata: { name: gtrName },
      spec: {
        tenantSelector: { matchLabels: { env: 'prod' } },
        resyncPeriod: '60s',
        resources: [{ namespacedItems: [{ apiVersion: 'v1', kind: 'Secret', namespace: sourceNamespace, selector: { matchLabels: { replicate: 'yes' } } }] }],
      },
    } as GlobalTenantResource);

    // The replication goroutines of one namespace finish together: their CREATE/UPDATEs are held until all
    // of them arrived, then served at once (a bound in case a batch ever comes short).
    world.hint(() =>
      world.rules.holdRequest({
        name: holdRule,
        match: { actor: capsuleActor, verb: ['create', 'update'], resource: 'secrets', subresource: '' },
        until: batchOf(sources.length, () => world.rules.held()),
        boundMs: 5_000,
        times: 100_000,
      }),
    );

    // An insert into `processed` is in progress until the controller has no request left unanswered: the
    // other goroutines of the batch, whose writes were let through with this one's, finish inside it.
    // Go's -race on the controller's shared state (the processed map, processedRaw and the mutants' slice).
    const detector = new RaceDetector({ onRace: (r) => world.note(capsuleActor, 'race', r.toString()) });
    const spec = capsuleControllerProcess({
      kc: world.kc(capsuleActor),
      clock: world.clock,
      fixed,
      ...(mutant ? { mutant } : {}),
      detector,
      // Without hints (explore) the Go map keeps its default window: concurrent admission makes writes overlap.
      ...(world.hints ? { mapWriteWindow: windowUntil(() => spec.manager()?.client.idle() ?? true) } : {}),
    });
    const sup = new Supervisor({
      spec: {
        name: spec.name,
        idle: () => spec.idle?.() ?? true,
        main: (ctx, runtime) => {
          if (sup.restartCount > 0) world.note(capsuleActor, 'restart', `the kubelet restarted capsule (restartCount ${sup.restartCount})`);
          return spec.main(ctx, runtime);
        },
      },
      clock: world.clock,
      onExit: (exit) => {
        if (isKilled(exit)) {
          world.note(capsuleActor, 'kill', `capsule was killed (${exit.report?.toString().split('\n')[0] ?? ''})`);
          return;
        }
        if (exit.reason !== 'Error') return;
        const head = exit.report?.toString().split('\n')[0] ?? `exit code ${exit.exitCode}`;
        const where = exit.report ? ` in goroutine "${exit.report.goroutine.name}"` : '';
        world.note(capsuleActor, 'crash', `${head}${where}; the process exited with code ${exit.exitCode} (restartCount ${sup.restartCount})`);
      },
    });
    world.killable(capsuleActor, (why) => sup.kill(why));
    world.probe({ name: 'capsule process (supervisor and manager)', idle: () => sup.idle() });
    world.onClose(() => sup.stop());
    world.note('scenario', 'step', `start capsule ${fixed ? 'v0.7.3 (fixed, #1264)' : 'v0.7.2 (buggy)'}`);
    sup.start();
  },
  invariants: [
    {
      name: 'no-fatal-crash',
      kind: 'safety',
      check({ history }) {
        const crashes = notes(history, 'crash', capsuleActor);
        if (crashes.length === 0) return [];
        const restarts = notes(history, 'restart', capsuleActor);
        return [
          violation(
            'no-fatal-crash',
            `the controller crashed ${crashes.length} time(s) and was restarted ${restarts.length} time(s): ${crashes[0]?.text ?? ''}`,
            [...crashes, ...restarts].map((e) => e.seq).sort((a, b) => a - b),
          ),
        ];
      },
    },
    {
      // A test binary built with -race fails with "race detected during execution of test" on any report.
      name: 'no-data-race',
      kind: 'safety',
      check({ history }) {
        const races = notes(history, 'race', capsuleActor);
        if (races.length === 0) return [];
        const first = (races[0]?.text ?? '').split('\n');
        const summary = [first[2], first.find((l) => l.startsWith('Previous ')), first.find((l) => l.startsWith('Location '))].filter(Boolean).map((l) => l?.replace(/:$/, '')).join(' / ');
        return [violation('no-data-race', `Go's -race reports ${races.length} data race(s): ${summary}`, races.map((e) => e.seq))];
      },
    },
    {
      name: 'status-written',
      kind: 'liveness',
      check({ history }) {
        const statusPatches = responses(history, { actor: capsuleActor, verb: 'patch', resource: 'globaltenantresources', name: gtrName, code: succeeded }).filter((r) => {
          const req = history.find((e) => e.seq === r.request);
          return !r.injected && req?.type === 'request' && req.subresource === 'status';
        });
        if (statusPatches.length > 0) return [];
        const writes = responses(history, { actor: capsuleActor, verb: ['create', 'update'], resource: 'secrets', code: succeeded });
        return [
          violation(
            'status-written',
            `the controller wrote ${writes.length} replica(s) but never patched the status of GlobalTenantResource ${gtrName}`,
            writes.length > 0 ? writes.map((w) => w.seq) : lastSeq(history),
          ),
        ];
      },
    },
    {
      name: 'processed-items-equal-replicas',
      kind: 'liveness',
      async check({ world, history }) {
        const checker = world.client('checker');
        const gtr = await checker.get<GlobalTenantResource>(gtrRef, gtrName);
        const processed = new Set((gtr.status?.processedItems ?? []).map(objectReferenceString));
        const replicas = new Set<string>();
        const problems: string[] = [];
        for (const r of (await checker.list(secretsIn(), { labelSelector: resourcesLabel })).items) {
          const ns = r.metadata.namespace ?? '';
          replicas.add(replicaKey(ns, r.metadata.name ?? ''));
          if (r.metadata.labels?.[resourcesLabel] !== '0' || r.metadata.labels[tenantLabel] !== tenant) problems.push(`${ns}/${r.metadata.name ?? ''} lacks the replica labels`);
        }
        const missing = [...wantedReplicas()].filter((k) => !replicas.has(k));
        if (missing.length > 0) problems.push(`missing replicas: ${missing.join('; ')}`);
        const unlisted = [...replicas].filter((k) => !processed.has(k));
        const phantom = [...processed].filter((k) => !replicas.has(k));
        if (unlisted.length > 0) problems.push(`replicas not in status.processedItems: ${unlisted.join('; ')}`);
        if (phantom.length > 0) problems.push(`status.processedItems lists objects that do not exist: ${phantom.join('; ')}`);
        if (problems.length === 0) return [];
        const writes = requests(history, { actor: capsuleActor, verb: ['create', 'update'], resource: 'secrets' }).map((e) => e.seq);
        return [
          violation(
            'processed-items-equal-replicas',
            `at quiescence ${replicas.size} replica(s) exist of ${wantedReplicas().size} wanted and status.processedItems lists ${processed.size}: ${problems.join('. ')}`,
            [...writes.slice(-sources.length), ...lastSeq(history)],
          ),
        ];
      },
    },
  ],
};
