// Demonstration case (not one of the seven upstream races): two writers race a read-modify-write of a
// ConfigMap counter. A merge patch without a resourceVersion never conflicts, so the second write
// silently overwrites the first (a lost update); with the resourceVersion as a precondition the second
// write gets 409 Conflict, re-reads and retries.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isConflict, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { responded } from '../../apiserver/interleave/conditions.ts';
import { responses, succeeded, violation } from '../engine/checkers.ts';
import type { ScenarioCase } from '../engine/types.ts';

const configmaps: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespace: 'default' };
const name = 'counter';

async function increment(client: KubeClient, fixed: boolean): Promise<void> {
  for (;;) {
    const cm = await client.get(configmaps, name);
    const next = String(Number((cm.data as Record<string, string>).n) + 1);
    // fixed: the read resourceVersion is a precondition; buggy: a plain merge patch, which never conflicts.
    const body = fixed ? { metadata: { resourceVersion: cm.metadata.resourceVersion }, data: { n: next } } : { data: { n: next } };
    try {
      await client.patch(configmaps, name, body, 'merge');
      return;
    } catch (e) {
      if (!fixed || !isConflict(e)) throw e;
    }
  }
}

export const lostUpdate: ScenarioCase = {
  name: 'demo-lost-update',
  title: 'Read-modify-write through merge patches loses an update',
  upstream: { issue: 'kubernetes/kubernetes optimistic concurrency', fix: 'resourceVersion precondition', url: 'https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions' },
  description:
    'Writers A and B each read a counter and patch it to n+1. B reads before A writes and writes after A. Buggy: merge patches without resourceVersion both succeed and the counter ends at 1. Fixed: B\'s patch carries the resourceVersion it read, gets 409, re-reads and ends the counter at 2.',
  async run({ world, fixed }) {
    const setup = world.client('setup');
    await setup.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: '0' } } as KubeObject);
    const a = world.client('writer-a');
    const b = world.client('writer-b');
    // Hint: A writes only after B has read; B writes only after A's write succeeded.
    world.hint(() => {
      world.rules.holdRequest({ name: 'a-waits-for-b-read', match: { actor: 'writer-a', verb: 'patch', resource: 'configmaps' }, until: responded({ actor: 'writer-b', verb: 'get', resource: 'configmaps', name, code: 200 }) });
      world.rules.holdRequest({ name: 'b-waits-for-a-write', match: { actor: 'writer-b', verb: 'patch', resource: 'configmaps' }, until: responded({ actor: 'writer-a', verb: 'patch', resource: 'configmaps', name, code: 200 }) });
    });
    await Promise.all([increment(a, fixed), increment(b, fixed)]);
  },
  invariants: [
    {
      name: 'no-lost-update',
      kind: 'liveness',
      async check({ world, history }) {
        const acked = responses(history, { verb: 'patch', resource: 'configmaps', name, code: succeeded }).filter((r) => r.actor.startsWith('writer-'));
        const cm = await world.client('checker').get(configmaps, name);
        const n = Number((cm.data as Record<string, string>).n);
        return n === acked.length ? [] : [violation('no-lost-update', `${acked.length} increments were acknowledged but the counter is ${n}`, acked.map((r) => r.seq))];
      },
    },
  ],
};
