// machineset-shared-scheme (kubernetes-sigs/cluster-api #11722 → fix #11728, backport #11917): a data race
// in the MachineSet tests, not in the controller. The package's TestMain starts an envtest manager whose
// controllers and caches run in background goroutines on the process-global scheme.Scheme. The subtest
// "should hold off on sync replicas when create Infrastructure of machine failed " (added by #11211) built
// its fake client without WithScheme, so the client fell back to that global scheme; its List of an
// unstructured GenericBootstrapConfig / GenericInfrastructureMachine list, a kind the scheme does not know,
// registers `<Kind>List` in the scheme (controller-runtime v0.20.0 fake client, guarded only by the
// client's own schemeWriteLock) while the manager's goroutines read the scheme without any lock.
// `go test -race` reported the write at runtime.(*Scheme).AddKnownTypeWithName (scheme.go:181).
//
// Here: the test binary is a GoRuntime; TestMain (a goroutine of it) fills the global Scheme, then starts
// the envtest manager (the MachineSet controller, as of #11211, against the real API server) whose
// informers decode every object they receive through the Scheme, as controller-runtime's caches do. The
// subtest runs in a goroutine of its own through the Go-like harness: it seeds the objects, waits for the
// first syncReplicas to fail (a rule fails DockerMachine creates; another holds the controller's next
// attempt until the test has completed, so that the test sees one syncReplicas as upstream's does), then
// lists Machines, KubeadmConfigs (for GenericBootstrapConfig) and DockerMachines (for
// GenericInfrastructureMachine) through a fake-client-like lister. Every Scheme access goes through the
// RaceDetector (instrumentObject), which uses the goroutines' happens-before to report, as Go's -race
// does, a write and a read in two goroutines with no synchronisation between them; each report is a
// note (tag 'race') with the Go-style `WARNING: DATA RACE` text.
//
// Buggy (before #11728): the lister registers KubeadmConfigList and DockerMachineList in the global
// Scheme, which the manager's informer goroutines have read: a race, on every seed. Fixed (#11728): the
// test makes its own Scheme (runtime.NewScheme() + clusterv1.AddToScheme) and hands it to the fake client;
// the global one is never written after the manager started, and nothing is reported.
import { any, noted, not, responded } from '../../apiserver/interleave/conditions.ts';
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import { internalError } from '../../apiserver/machinery/errors.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { KubeClient, ResourceRef } from '../../clients/kube/client.ts';
import type { MachineSet } from '../../controllers/clusterapi/api.ts';
import { getCondition } from '../../controllers/clusterapi/conditions.ts';
import { newMachineSetControllerManager } from '../../controllers/clusterapi/machineset.ts';
import { currentGoroutine, go, GoRuntime, Mutex, park, withCancel } from '../../controllers/runtime/concurrency.ts';
import { instrumentObject, RaceDetector } from '../../controllers/runtime/racedetector.ts';
import { notes, violation } from '../engine/checkers.ts';
import { runGoTest, type GoTest } from '../engine/gotest.ts';
import type { ScenarioCase } from '../engine/types.ts';
import type { World } from '../engine/world.ts';
import { cluster, dockerMachineTemplate, kubeadmConfigTemplate, machineSet, refs } from './clusterapisupport.ts';

const horizonMs = 2 * 60_000;
/** `go test -race ./internal/controllers/machineset/...`: the test binary, as an actor of notes. */
const testBinary = 'machineset.test';
/** The envtest manager of TestMain (suite_test.go), running the MachineSet controller. */
const envtestManager = 'envtest-manager';
/** The fake client of the subtest: its requests. */
const fakeClientActor = 'fake-client';
export const subtestName = 'TestMachineSetReconciler_syncReplicas_WithErrors/should_hold_off_on_sync_replicas_when_create_Infrastructure_of_machine_failed_';
const globalSchemeLabel = 'scheme.Scheme';

// --- k8s.io/apimachinery/pkg/runtime.Scheme, in miniature ---

/** schema.GroupVersionKind.String(). */
export function gvkString(group: string, version: string, kind: string): string {
  return `${group ? `${group}/` : ''}${version}, Kind=${kind}`;
}

/**
 * runtime.Scheme: which Go type each GroupVersionKind decodes into, and back. Methods keep their Go names
 * so that race reports show the frames Go's would (runtime.(*Scheme).AddKnownTypeWithName). Instrumented
 * with instrumentObject, each of its maps is one address, as Go's race detector sees a map.
 */
export class Scheme {
  gvkToType = new Map<string, string>();
  typeToGVK = new Map<string, string[]>();

  constructor(private readonly onAdd?: (gvk: string, type: string) => void) {}

  /** scheme.go AddKnownTypeWithName: `s.gvkToType[gvk] = t` (line 181 in apimachinery v0.32.1). */
  AddKnownTypeWithName(gvk: string, type: string): void {
    this.gvkToType.set(gvk, type);
    this.typeToGVK.set(type, [...(this.typeToGVK.get(type) ?? []), gvk]);
    this.onAdd?.(gvk, type);
  }

  /** scheme.go Recognizes. */
  Recognizes(gvk: string): boolean {
    return this.gvkToType.has(gvk);
  }

  /** scheme.go New: the type a decoder makes for gvk; "not registered" otherwise. */
  New(gvk: string): string {
    const t = this.gvkToType.get(gvk);
    if (t === undefined) throw new Error(`no kind "${gvk.slice(gvk.indexOf('Kind=') + 5)}" is registered for version "${gvk.slice(0, gvk.indexOf(','))}" in scheme`);
    return t;
  }
}

const capiKinds = ['Cluster', 'ClusterClass', 'Machine', 'MachineSet', 'MachineDeployment', 'MachineHealthCheck'];
const coreKinds = ['Namespace', 'Secret', 'ConfigMap', 'Event', 'Node', 'Pod'];

/** clusterv1.AddToScheme: the Cluster API core types and their lists. */
export function addClusterV1ToScheme(s: Scheme): void {
  for (const k of capiKinds) {
    s.AddKnownTypeWithName(gvkString('cluster.x-k8s.io', 'v1beta1', k), `v1beta1.${k}`);
    s.AddKnownTypeWithName(gvkString('cluster.x-k8s.io', 'v1beta1', `${k}List`), `v1beta1.${k}List`);
  }
}

/** client-go's scheme.Scheme as the test binary starts: the core types; envtest then adds Cluster API's. */
function addClientGoToScheme(s: Scheme): void {
  for (const k of coreKinds) {
    s.AddKnownTypeWithName(gvkString('', 'v1', k), `v1.${k}`);
    s.AddKnownTypeWithName(gvkString('', 'v1', `${k}List`), `v1.${k}List`);
  }
}

// --- the fake client's List (controller-runtime v0.20.0 pkg/client/fake) ---

/**
 * The part of controller-runtime's fake client that carries the race: List of an unstructured list whose
 * item kind the client's scheme does not recognise first registers `<Kind>List` in that scheme, under the
 * client's own schemeWriteLock (which excludes nobody else). The objects come from the API server (the
 * fake client's tracker here is the server the scenario's objects live on).
 */
export class FakeClient {
  private readonly schemeWriteLock = new Mutex();

  constructor(
    readonly scheme: Scheme,
    private readonly client: KubeClient,
  ) {}

  /** client.List into an UnstructuredList of `kind` (group and version from ref). */
  async List(ref: ResourceRef, kind: string, unstructured: boolean): Promise<KubeObject[]> {
    const gvk = gvkString(ref.group, ref.version, kind);
    if (unstructured && !this.scheme.Recognizes(gvk)) {
      // https://github.com/kubernetes/kubernetes/blob/7b2776b89fb1be28d4e9203bdeec079be903c103/staging/src/k8s.io/client-go/dynamic/fake/simple.go#L44-L51
      await this.schemeWriteLock.lock();
      try {
        this.scheme.AddKnownTypeWithName(gvkString(ref.group, ref.version, `${kind}List`), 'unstructured.UnstructuredList');
      } finally {
        this.schemeWriteLock.unlock();
      }
    } else if (!unstructured) {
      this.scheme.New(gvkString(ref.group, ref.version, `${kind}List`));
    }
    return (await park(this.client.list(ref))).items;
  }
}

// --- the subtest ---

/**
 * Other ways the test harness could give the subtest's fake client a scheme than #11728's, selected with
 * the fixed variant (issue 13's mutants and equivalent fixes):
 *  - 'global-scheme-by-reference' (broken): `s := scheme.Scheme; clusterv1.AddToScheme(s)`, taken for a
 *    copy: the same *runtime.Scheme, written again while the manager reads it;
 *  - 'own-scheme-global-list' (broken): the fake client has its own scheme, but the unstructured Lists go
 *    through a second fake client built without WithScheme, on the global one;
 *  - 'test-side-mutex' (broken): the global scheme, the test's Lists under a package-level sync.Mutex that
 *    the manager's goroutines never take (Go's -race still reports it);
 *  - 'register-in-testmain' (correct): TestMain registers the unstructured kinds the subtest lists in
 *    scheme.Scheme before it starts the manager, so the fake client has nothing left to register;
 *  - 'deep-copy-of-global' (correct): the fake client gets a copy of scheme.Scheme made in the subtest:
 *    the copy only reads the global one, which readers share without a race.
 */
export const schemeFixVariants = ['global-scheme-by-reference', 'own-scheme-global-list', 'test-side-mutex', 'register-in-testmain', 'deep-copy-of-global'] as const;
export type SchemeFixVariant = (typeof schemeFixVariants)[number];
const isSchemeFixVariant = (v: string): v is SchemeFixVariant => (schemeFixVariants as readonly string[]).includes(v);

/** The kinds the subtest lists as unstructured (GenericBootstrapConfig, GenericInfrastructureMachine upstream). */
const unstructuredKinds: [ResourceRef, string][] = [
  [refs.kubeadmConfigs, 'KubeadmConfig'],
  [refs.dockerMachines, 'DockerMachine'],
];

/** The scheme the subtest's fake client is built with, for the variant. */
function subtestScheme(env: Env): Scheme {
  // Buggy: fake.NewClientBuilder()...Build() without WithScheme: the global scheme.Scheme.
  if (!env.fixed) return env.globalScheme;
  switch (env.variant) {
    case 'global-scheme-by-reference': {
      const s = env.globalScheme;
      addClusterV1ToScheme(s);
      return s;
    }
    case 'test-side-mutex':
    case 'register-in-testmain':
      return env.globalScheme;
    case 'deep-copy-of-global': {
      const s = instrumentObject(new Scheme(), env.detector, 'scheme (copy of scheme.Scheme)');
      for (const [gvk, type] of env.globalScheme.gvkToType) s.AddKnownTypeWithName(gvk, type);
      return s;
    }
    default: {
      // Fixed (#11728), and 'own-scheme-global-list': scheme := runtime.NewScheme(); clusterv1.AddToScheme(scheme); ...WithScheme(scheme).
      const s = instrumentObject(new Scheme(), env.detector, 'scheme (TestMachineSetReconciler_syncReplicas_WithErrors)');
      addClusterV1ToScheme(s);
      return s;
    }
  }
}

interface Env {
  world: World;
  fixed: boolean;
  variant: SchemeFixVariant | undefined;
  /** A package-level sync.Mutex of the test file ('test-side-mutex'); one per test binary. */
  testSchemeMu: Mutex;
  globalScheme: Scheme;
  detector: RaceDetector;
  client: KubeClient;
}

/** The subtest body (machineset_controller_test.go, TestMachineSetReconciler_syncReplicas_WithErrors). */
async function holdOffSubtest(t: GoTest, env: Env): Promise<void> {
  const { world, client } = env;
  const fake = new FakeClient(subtestScheme(env), client);
  // 'own-scheme-global-list': the unstructured Lists through a client on the global scheme.
  const unstructuredFake = env.fixed && env.variant === 'own-scheme-global-list' ? new FakeClient(env.globalScheme, client) : fake;
  const list = async (c: FakeClient, ref: ResourceRef, kind: string, unstructured: boolean): Promise<KubeObject[]> => {
    if (!(env.fixed && env.variant === 'test-side-mutex')) return c.List(ref, kind, unstructured);
    await env.testSchemeMu.lock();
    try {
      return await c.List(ref, kind, unstructured);
    } finally {
      env.testSchemeMu.unlock();
    }
  };

  // WithObjects: the Cluster, the templates and a MachineSet of one replica.
  await park(client.create(refs.clusters, cluster('c1')));
  await park(client.create(refs.kubeadmConfigTemplates, kubeadmConfigTemplate('ms1-bootstrap')));
  await park(client.create(refs.dockerMachineTemplates, dockerMachineTemplate('ms1-infra')));
  await park(client.create(refs.machineSets, machineSet('ms1', 'c1', { replicas: 1 })));
  t.cleanup(async () => {
    await park(client.delete(refs.machineSets, 'ms1'));
  });

  // syncReplicas returned an error and set MachinesCreated=False/InfrastructureTemplateCloningFailed.
  let ms: MachineSet | undefined;
  const failed = await t.eventually(
    async () => {
      ms = await park(client.get<MachineSet>(refs.machineSets, 'ms1'));
      return getCondition(ms, 'MachinesCreated')?.status === 'False';
    },
    'MachinesCreated=False',
  );
  if (!failed || !ms) return;
  const condition = getCondition(ms, 'MachinesCreated');
  if (condition?.reason !== 'InfrastructureTemplateCloningFailed') t.errorf(`MachinesCreated reason ${condition?.reason ?? '<none>'}, want InfrastructureTemplateCloningFailed`);

  // Verify no new Machines created.
  const machines = await list(fake, refs.machines, 'Machine', false);
  if (machines.length > 0) t.errorf(`expected no Machines, got ${machines.map((m) => m.metadata.name).join(', ')}`);
  // Verify no bootstrap object created (an UnstructuredList of GenericBootstrapConfig upstream).
  const bootstrap = await list(unstructuredFake, refs.kubeadmConfigs, 'KubeadmConfig', true);
  if (bootstrap.length > 0) t.errorf(`expected no bootstrap config, got ${bootstrap.map((m) => m.metadata.name).join(', ')}`);
  // Verify no infra object created (GenericInfrastructureMachine upstream).
  const infra = await list(unstructuredFake, refs.dockerMachines, 'DockerMachine', true);
  if (infra.length > 0) t.errorf(`expected no infrastructure machine, got ${infra.map((m) => m.metadata.name).join(', ')}`);
  world.note(testBinary, 'step', `${subtestName}: syncReplicas failed with ${condition?.reason ?? '<none>'}; ${machines.length} Machines, ${bootstrap.length} bootstrap configs, ${infra.length} infrastructure machines left`);
}

// --- the invariants' reading of the history ---

const managerStartedText = 'envtest manager started on scheme.Scheme';

export const machineSetSharedScheme: ScenarioCase = {
  name: 'machineset-shared-scheme',
  title: "A test's fake client registers list kinds in the global scheme while the envtest manager reads it",
  upstream: {
    issue: 'kubernetes-sigs/cluster-api#11722',
    fix: 'kubernetes-sigs/cluster-api#11728 (backport #11917)',
    url: 'https://github.com/kubernetes-sigs/cluster-api/issues/11722',
  },
  description:
    "TestMain fills the process-global scheme.Scheme and starts the envtest manager (the MachineSet controller) on it; its informer goroutines decode every object through the scheme. The subtest 'should hold off on sync replicas when create Infrastructure of machine failed ' " +
    'seeds a MachineSet whose DockerMachine creates fail, waits for syncReplicas to fail, then lists Machines, KubeadmConfigs and DockerMachines through a fake client. ' +
    "Buggy (before #11728): the fake client has no scheme of its own; listing the unstructured KubeadmConfigList registers it in the global scheme, unsynchronised with the manager's reads: " +
    '`WARNING: DATA RACE` on every seed. Fixed (#11728): the test gives the fake client a Scheme of its own; the global one is never written after the manager started and no race is reported.',
  horizonMs,
  // No faults: the manager's syncReplicas stands for the subtest's call on a fake client, which never fails
  // (a failed template GET would fail the subtest's reason assertion, as it would upstream's).
  faultTolerant: [],
  async run({ world, fixed, mutant }) {
    if (mutant !== undefined && !isSchemeFixVariant(mutant)) throw new Error(`machineset-shared-scheme has no mutant ${mutant}`);
    const detector = new RaceDetector({ onRace: (r) => world.note(testBinary, 'race', r.toString()) });
    const runtime = new GoRuntime({ name: testBinary, onExit: (r) => world.note(testBinary, 'panic', r.toString()) });
    let managerStarted = false;
    const globalScheme = instrumentObject(
      new Scheme((gvk, type) => {
        const g = currentGoroutine();
        world.note(testBinary, 'scheme', `${globalSchemeLabel}.AddKnownTypeWithName(${gvk}, ${type}) by goroutine ${g.id} (${g.name})${managerStarted ? ' after the envtest manager started' : ''}`);
      }),
      detector,
      globalSchemeLabel,
    );
    const client = world.client(fakeClientActor);

    // Workload, not a hint: upstream's subtest calls syncReplicas once, on a fake client whose objects no
    // controller reconciles. Here the manager's controller runs it against the server, so its next attempt
    // (a requeue or the status event) waits until the subtest has completed; the failing InfraMachine
    // create is the premise of the subtest (its interceptor). Neither orders the scheme accesses.
    world.rules.failRequests({ name: 'infra-machine-create-fails', match: { actor: envtestManager, verb: 'create', resource: 'dockermachines' }, times: 1000, status: internalError('inject error for create machineInfrastructure').status });
    world.rules.holdRequest({
      name: 'one-syncReplicas-per-test',
      match: { actor: envtestManager, verb: 'create', resource: 'kubeadmconfigs' },
      until: any(not(responded({ actor: envtestManager, verb: 'create', resource: 'dockermachines', code: 500 })), noted({ tag: 'step', actor: testBinary, text: new RegExp(`^${subtestName} completed`) })),
    });

    let finished = false;
    let failure: unknown;
    // TestMain (suite_test.go): envtest with the Cluster API types in scheme.Scheme, its manager, m.Run().
    runtime.go('main.TestMain', async () => {
      try {
        addClientGoToScheme(globalScheme);
        addClusterV1ToScheme(globalScheme);
        if (fixed && mutant === 'register-in-testmain') {
          // The kinds the subtests list as unstructured, before anything reads the scheme concurrently.
          for (const [ref, kind] of unstructuredKinds) {
            globalScheme.AddKnownTypeWithName(gvkString(ref.group, ref.version, kind), 'unstructured.Unstructured');
            globalScheme.AddKnownTypeWithName(gvkString(ref.group, ref.version, `${kind}List`), 'unstructured.UnstructuredList');
          }
        }
        const { manager } = newMachineSetControllerManager({ kc: world.kc(envtestManager), actor: envtestManager, clock: world.clock, fixed: true, random: world.random, replicaCountersRefreshMs: 0 });
        // controller-runtime's cache decodes every object it receives into the type the scheme names.
        for (const inf of manager.informerList()) {
          const r = inf.resource;
          const decode = (): void => void globalScheme.New(gvkString(r.group, r.version, r.kind ?? ''));
          inf.addEventHandler({ onAdd: decode, onUpdate: decode, onDelete: decode });
        }
        const { ctx, cancel } = withCancel(runtime.ctx);
        let stopped: () => void = () => undefined;
        const returned = new Promise<void>((resolve) => (stopped = resolve));
        go('envtest/manager.Start', async () => {
          try {
            await manager.start(ctx);
          } finally {
            stopped();
          }
        });
        world.probe({ name: envtestManager, idle: () => runtime.exited || manager.idle() });
        // env.Stop() after m.Run(): here when the world closes, once everything the test started settled.
        world.onClose(async () => {
          cancel();
          if (!runtime.exited) await returned;
        });
        if (!(await park(manager.whenStarted()))) throw new Error('the envtest manager did not start');
        managerStarted = true;
        world.note(testBinary, 'step', managerStartedText);

        // m.Run(): the subtest in a goroutine of its own (tRunner).
        const env: Env = { world, fixed, variant: mutant, testSchemeMu: new Mutex(), globalScheme, detector, client };
        const observer = { note: (tag: string, text: string) => world.note(testBinary, tag, text) };
        const test = go(subtestName, async () => {
          await runGoTest(subtestName, world.clock, observer, (t) => holdOffSubtest(t, env));
        });
        await test.join();
      } catch (e) {
        failure = e;
      } finally {
        finished = true;
      }
    });
    await world.runUntil(() => finished || runtime.exited, horizonMs);
    if (failure !== undefined) throw failure;
    if (runtime.exited) throw new Error(`the test binary died: ${runtime.exitReport?.toString() ?? ''}`);
    if (!finished) throw new Error('the test did not finish within the horizon');
  },
  invariants: [
    {
      // races.md §3: zero race reports (go test -race).
      name: 'no-data-race',
      kind: 'safety',
      check({ history }) {
        return notes(history, 'race').map((n) => {
          const lines = n.text.split('\n');
          const access = (prefix: RegExp): string => {
            const i = lines.findIndex((l) => prefix.test(l));
            return i < 0 ? '?' : `${(lines[i] ?? '').replace(/ at 0x[0-9a-f]+/, '').replace(/:$/, '')} in ${(lines[i + 1] ?? '').trim()}`;
          };
          const where = /^Location is '([^']*)'/m.exec(n.text)?.[1] ?? '?';
          return violation('no-data-race', `WARNING: DATA RACE on ${where}: ${access(/^(Write|Read) at/)}; previous: ${access(/^Previous (write|read) at/)}`, [n.seq]);
        });
      },
    },
    {
      // races.md §3: the shared registry is never mutated after the manager started.
      name: 'global-scheme-unchanged-after-manager-start',
      kind: 'safety',
      check({ history }) {
        const started = notes(history, 'step', testBinary).find((n) => n.text === managerStartedText);
        if (!started) return [];
        return notes(history, 'scheme', testBinary)
          .filter((n) => n.seq > started.seq)
          .map((n) => violation('global-scheme-unchanged-after-manager-start', n.text, [started.seq, n.seq]));
      },
    },
    {
      // races.md §3: the functional assertions of §2 hold in both modes (the race is in the harness).
      name: 'subtest-assertions-hold',
      kind: 'safety',
      check({ history }) {
        const failed = history.filter((e): e is Extract<HistoryEntry, { type: 'note' }> => e.type === 'note' && e.actor === testBinary && (e.tag === 'assert' || e.tag === 'panic'));
        return failed.map((n) => violation('subtest-assertions-hold', n.text, [n.seq]));
      },
    },
  ],
  mutants: [
    { name: 'global-scheme-by-reference', kind: 'mutant', description: '`s := scheme.Scheme; clusterv1.AddToScheme(s)` taken for a copy: the same Scheme, written again while the manager reads it' },
    { name: 'own-scheme-global-list', kind: 'mutant', description: 'the fake client has its own scheme, but the unstructured Lists go through a second fake client without WithScheme, on the global one' },
    { name: 'test-side-mutex', kind: 'mutant', description: "the global scheme, the test's Lists under a package-level sync.Mutex that the manager's goroutines never take: -race still reports the write" },
    { name: 'register-in-testmain', kind: 'equivalent', description: 'TestMain registers the unstructured kinds the subtest lists in scheme.Scheme before starting the manager: the fake client has nothing left to register' },
    { name: 'deep-copy-of-global', kind: 'equivalent', description: 'the fake client gets a copy of scheme.Scheme made in the subtest: the copy only reads the global scheme' },
  ],
};
