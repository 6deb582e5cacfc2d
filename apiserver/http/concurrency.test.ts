// 50 clients increment one counter with resourceVersion preconditions and retry on conflict:
// no acknowledged update is lost.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { statusOf, testServer } from '../../testing/server.ts';

it('50 concurrent optimistic writers lose no acknowledged update', async (t) => {
  const s = await testServer(t);
  await s.core().createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'counter' }, data: { n: '0' } } });
  const perClient = 2;
  let acknowledged = 0;
  let conflicts = 0;
  await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const core = s.core(`writer-${i}`);
      for (let k = 0; k < perClient; k++) {
        for (;;) {
          const cm = await core.readNamespacedConfigMap({ name: 'counter', namespace: 'default' });
          cm.data = { n: String(Number(cm.data?.n) + 1) };
          try {
            await core.replaceNamespacedConfigMap({ name: 'counter', namespace: 'default', body: cm });
            acknowledged++;
            break;
          } catch (e) {
            assert.equal(statusOf(e).code, 409);
            conflicts++;
          }
        }
      }
    }),
  );
  const final = await s.core().readNamespacedConfigMap({ name: 'counter', namespace: 'default' });
  assert.equal(acknowledged, 50 * perClient);
  assert.equal(Number(final.data?.n), acknowledged);
  assert.ok(conflicts > 0, 'the writers really raced');
});
