// machineset-shared-scheme: with the global scheme, the subtest's fake client registers list kinds while
// the envtest manager's informer goroutines read the scheme, and the race detector reports it on every
// seed; with a Scheme per test nothing is reported. The §2 assertions of the subtest hold in both.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertVerdict, testSeeds, untimed } from '../engine/casetest.ts';
import { exploreMutant } from '../engine/mutants.ts';
import { runCase } from '../engine/runner.ts';
import type { Mutant } from '../engine/types.ts';
import { machineSetSharedScheme, subtestName } from './machinesetsharedscheme.ts';


it('buggy: the fake client writes the global scheme.Scheme unsynchronised with the manager\'s reads, reported on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(machineSetSharedScheme, 'buggy', seed);
    assertVerdict(result, 'buggy');
    const races = result.violations.filter((v) => v.invariant === 'no-data-race');
    assert.ok(races.length >= 1);
    assert.match(races[0]?.message ?? '', new RegExp(`^WARNING: DATA RACE on scheme\\.Scheme\\.gvkToType: Write by goroutine \\d+ \\(${subtestName}\\) in scheme\\.Scheme\\.gvkToType\\.set; previous: Previous read by goroutine \\d+ \\(envtest-manager/informer [a-z]+\\.cluster\\.x-k8s\\.io\\) in scheme\\.Scheme\\.gvkToType\\.get$`));
    // The report itself is a note with Go's text: the write in AddKnownTypeWithName, reached from the fake client's List.
    const note = report.history.find((e) => e.seq === races[0]?.seqs[0]);
    assert.ok(note?.type === 'note' && note.tag === 'race');
    assert.match(note.text, /^==================\nWARNING: DATA RACE\nWrite at 0x[0-9a-f]{12} by goroutine \d+ /);
    assert.match(note.text, /\n {2}Proxy\.AddKnownTypeWithName \([^\n]*\n {2}FakeClient\.List /);
    assert.match(note.text, /\nPrevious read at 0x[0-9a-f]{12} by goroutine \d+ \(envtest-manager\/informer [^\n]*\n {2}scheme\.Scheme\.gvkToType\.get\n {2}Proxy\.New /);
    assert.match(note.text, /\nLocation is 'scheme\.Scheme\.gvkToType' at 0x[0-9a-f]{12}\n==================$/);
    const mutations = result.violations.filter((v) => v.invariant === 'global-scheme-unchanged-after-manager-start').map((v) => v.message);
    assert.deepEqual(
      mutations.map((m) => /AddKnownTypeWithName\(([^)]*)\)/.exec(m)?.[1]),
      ['bootstrap.cluster.x-k8s.io/v1beta1, Kind=KubeadmConfigList, unstructured.UnstructuredList', 'infrastructure.cluster.x-k8s.io/v1beta1, Kind=DockerMachineList, unstructured.UnstructuredList'],
    );
    assert.equal(result.violations.filter((v) => v.invariant === 'subtest-assertions-hold').length, 0, 'the subtest\'s own assertions pass');
  }
});

it('fixed: a Scheme per test; the global one is not written after the manager started and no race is reported, on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(machineSetSharedScheme, 'fixed', seed);
    assertVerdict(result, 'fixed');
    // The subtest ran its §2 checks: one failed syncReplicas, nothing left behind.
    assert.ok(report.history.some((e) => e.type === 'note' && e.text === `${subtestName}: syncReplicas failed with InfrastructureTemplateCloningFailed; 0 Machines, 0 bootstrap configs, 0 infrastructure machines left`));
    assert.ok(report.history.some((e) => e.type === 'note' && e.text === `${subtestName} completed`));
  }
});

const mutant = (name: string): Mutant => {
  const m = machineSetSharedScheme.mutants?.find((x) => x.name === name);
  assert.ok(m, name);
  return m;
};

it('broken harness fixes are killed: the global scheme taken for a copy, the Lists still on it, a mutex only the test takes', async () => {
  for (const name of ['global-scheme-by-reference', 'own-scheme-global-list', 'test-side-mutex']) {
    const row = await exploreMutant(machineSetSharedScheme, mutant(name), { schedules: 1, baseSeed: 1, depth: 2 });
    assert.ok(row.killed, `${name} survived`);
    assert.ok(row.killedBy?.violations.some((v) => v.invariant === 'no-data-race'), `${name}: no race reported`);
  }
  // The test's own mutex orders nothing with the manager's informers: -race reports the write all the same.
  const { result } = await runCase(machineSetSharedScheme, 'fixed', 1, { mutant: 'test-side-mutex' });
  const races = result.violations.filter((v) => v.invariant === 'no-data-race');
  assert.ok(races.length >= 1);
  assert.ok(races.some((r) => new RegExp(`Write by goroutine \\d+ \\(${subtestName}\\) in scheme\\.Scheme\\.gvkToType\\.set`).test(r.message)));
});

it('different correct harness fixes hold: the kinds registered in TestMain before the manager starts, a copy of the global scheme', async () => {
  for (const name of ['register-in-testmain', 'deep-copy-of-global']) {
    const row = await exploreMutant(machineSetSharedScheme, mutant(name), { schedules: 1, baseSeed: 1, depth: 2 });
    assert.ok(row.ok && !row.killed && row.errors === 0, `${name}: ${JSON.stringify(row.killedBy ?? row.firstError)}`);
  }
  // TestMain wrote the unstructured kinds into scheme.Scheme, before the manager started; the subtest wrote nothing there.
  const { result, report } = await runCase(machineSetSharedScheme, 'fixed', 1, { mutant: 'register-in-testmain' });
  assertVerdict(result, 'fixed');
  const schemeNotes = report.history.filter((e) => e.type === 'note' && e.tag === 'scheme').map((e) => (e.type === 'note' ? e.text : ''));
  assert.ok(schemeNotes.some((t) => t.startsWith('scheme.Scheme.AddKnownTypeWithName(bootstrap.cluster.x-k8s.io/v1beta1, Kind=KubeadmConfigList, unstructured.UnstructuredList) by goroutine') && t.includes('(main.TestMain)')));
  assert.ok(schemeNotes.every((t) => !t.endsWith('after the envtest manager started')));
});

it('the same seed gives the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const history = async (): Promise<unknown[]> => untimed((await runCase(machineSetSharedScheme, variant, 5)).report.history);
    assert.deepEqual(await history(), await history());
  }
});
