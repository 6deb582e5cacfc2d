// The ServiceAccounts controller against the real API server: every namespace, old and new, gets `default`;
// a deleted one comes back; a terminating namespace gets none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../apiserver/machinery/clock.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { actorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient } from '../../clients/kube/client.ts';
import { eventually } from '../../testing/eventually.ts';
import { testServer } from '../../testing/server.ts';
import { background, withCancel } from '../runtime/concurrency.ts';
import { newServiceAccountsManager } from './serviceaccount.ts';

const sas = (namespace: string) => ({ group: '', version: 'v1', plural: 'serviceaccounts', namespace });
const namespaces = { group: '', version: 'v1', plural: 'namespaces' };

test('every namespace gets the default ServiceAccount, and keeps it', async (t) => {
  const clock = new FakeClock();
  const server = await testServer(t, { clock });
  const mgr = newServiceAccountsManager({ kc: server.kc('serviceaccount-controller'), clock });
  const { ctx, cancel } = withCancel(background());
  const done = mgr.start(ctx);
  t.after(async () => {
    cancel();
    await done;
  });
  assert.equal(await mgr.whenStarted(), true);
  const client = new KubeClient(actorKubeConfig(server.url, 'tester'));
  const names = async (ns: string): Promise<string[]> => (await client.list(sas(ns))).items.map((s) => s.metadata.name ?? '');
  await eventually(async () => mgr.idle() && (await names('kube-system')).includes('default'), 'default in kube-system');
  await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } } as KubeObject);
  await eventually(async () => mgr.idle() && (await names('team-a')).join() === 'default', 'default in team-a');
  const before = await client.get(sas('team-a'), 'default');
  await client.delete(sas('team-a'), 'default');
  await eventually(async () => mgr.idle() && (await names('team-a')).join() === 'default', 'default made again');
  const sa = await client.get(sas('team-a'), 'default');
  assert.notEqual(sa.metadata.uid, before.metadata.uid, 'a new account');
});
