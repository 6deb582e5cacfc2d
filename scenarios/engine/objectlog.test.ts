import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from '../../testing/server.ts';
import { eventually } from '../../testing/eventually.ts';
import { ObjectLog } from './objectlog.ts';

test('ObjectLog: every stored version over HTTP, in revision order, Secret values redacted, managedFields left out, bounded', async (t) => {
  const server = await testServer(t);
  const log = new ObjectLog([server.storage]);
  const core = server.core('writer');
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's1' }, data: { password: Buffer.from('hunter2').toString('base64') }, stringData: { token: 'abc' } } });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cm1' }, data: { a: '1' } } });
  await core.replaceNamespacedConfigMap({ name: 'cm1', namespace: 'default', body: { metadata: { name: 'cm1' }, data: { a: '2' } } });
  await core.deleteNamespacedConfigMap({ name: 'cm1', namespace: 'default' });
  await eventually(() => log.versions().some((v) => v.type === 'DELETED'), 'the delete is kept');
  log.stop();
  const mine = log.versions().filter((v) => v.namespace === 'default' && ['s1', 'cm1'].includes(v.name));
  assert.deepEqual(
    mine.map((v) => `${v.type} ${v.group}/${v.resource} ${v.name}`),
    ['ADDED /secrets s1', 'ADDED /configmaps cm1', 'MODIFIED /configmaps cm1', 'DELETED /configmaps cm1'],
  );
  const rvs = mine.map((v) => v.rv);
  assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b));
  for (const v of mine) assert.equal((v.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion, String(v.rv), 'the object as stored at that revision');
  const secret = mine[0]!.object as { data?: Record<string, string>; stringData?: Record<string, string>; metadata: Record<string, unknown> };
  assert.deepEqual(secret.data, { password: '<redacted>', token: '<redacted>' });
  assert.equal(JSON.stringify(log.versions()).includes(Buffer.from('hunter2').toString('base64')), false, 'no Secret value anywhere');
  for (const v of log.versions()) assert.equal('managedFields' in (v.object as { metadata: object }).metadata, false);
  assert.deepEqual((mine[2]!.object as { data: unknown }).data, { a: '2' });
  // Stopped: later writes are not kept.
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'late' } } });
  assert.equal(log.versions().some((v) => v.name === 'late'), false);

  const small = new ObjectLog([server.storage], 2);
  await eventually(() => small.dropped > 0, 'the bound drops the oldest');
  small.stop();
  assert.equal(small.versions().length, 2);
  assert.equal(small.versions().at(-1)!.name, 'late', 'the newest are kept');
});
