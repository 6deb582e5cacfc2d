// machineset-infra-failure: the buggy MachineSet controller leaks one KubeadmConfig per failed DockerMachine
// create on every seed, the fixed one deletes each and creates no Machine until creates succeed; both reach
// spec.replicas.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HistoryEntry, RequestEntry } from '../../apiserver/interleave/types.ts';
import { assertVerdict, testSeeds, untimed } from '../engine/casetest.ts';
import { runCase } from '../engine/runner.ts';
import { machineSetInfraFailure } from './machinesetinfrafailure.ts';


const ops = (history: readonly HistoryEntry[]): string[] =>
  history
    .filter((e): e is RequestEntry => e.type === 'request' && e.actor === 'machineset-controller' && (e.verb === 'create' || e.verb === 'delete') && ['kubeadmconfigs', 'dockermachines', 'machines'].includes(e.resource))
    .map((e) => `${e.verb} ${e.resource}`);

it('buggy: every failed DockerMachine create leaks its KubeadmConfig, on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(machineSetInfraFailure, 'buggy', seed);
    assertVerdict(result, 'buggy');
    assert.equal(result.violations.length, 4, 'one leaked KubeadmConfig per failed attempt');
    for (const v of result.violations) {
      assert.equal(v.invariant, 'bootstrap-config-deleted-after-infra-failure');
      assert.match(v.message, /^KubeadmConfig default\/ms1-[a-z0-9]{5} was created, DockerMachine default\/ms1-[a-z0-9]{5} failed \(500\), and the KubeadmConfig was never deleted: it is leaked$/);
    }
    assert.equal(new Set(result.violations.map((v) => v.message)).size, 4, 'each retry picks a new name');
    const attempt = ['create kubeadmconfigs', 'create dockermachines'];
    const success = ['create kubeadmconfigs', 'create dockermachines', 'create machines'];
    assert.deepEqual(ops(report.history), [...attempt, ...attempt, ...attempt, ...attempt, ...success, ...success]);
  }
});

it('fixed: each KubeadmConfig is deleted, no Machine is created while creates fail, then two Machines, on every seed', async () => {
  for (const seed of testSeeds) {
    const { result, report } = await runCase(machineSetInfraFailure, 'fixed', seed);
    assertVerdict(result, 'fixed');
    const attempt = ['create kubeadmconfigs', 'create dockermachines', 'delete kubeadmconfigs'];
    const success = ['create kubeadmconfigs', 'create dockermachines', 'create machines'];
    assert.deepEqual(ops(report.history), [...attempt, ...attempt, ...attempt, ...attempt, ...success, ...success]);
    // The controller said why, with the injected error, each time.
    const errors = report.history.filter((e) => e.type === 'note' && e.tag === 'error' && e.actor === 'machineset-controller');
    assert.equal(errors.length, 4);
    for (const e of errors) assert.match(e.type === 'note' ? e.text : '', /^Reconciler error default\/ms1: failed to sync replicas: failed to clone infrastructure machine from DockerMachineTemplate default\/ms1-infra while creating a machine: Internal error occurred: injected: DockerMachine creation failed$/);
  }
});

it('the same seed gives the same history', async () => {
  for (const variant of ['buggy', 'fixed'] as const) {
    const history = async (): Promise<unknown[]> => untimed((await runCase(machineSetInfraFailure, variant, 5)).report.history);
    assert.deepEqual(await history(), await history());
  }
});
