import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from './capsulesoak.ts';

test('soak (small): the fixed controller converges without a restart', async () => {
  const result = await soak({ sources: 3, namespaces: 4, tenants: 2, timeoutMs: 20_000 });
  assert.equal(result.restarts, 0);
  assert.equal(result.replicas, 12);
  assert.ok(result.convergeMs >= 0);
});
