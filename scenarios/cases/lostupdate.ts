// Demonstration case (not one of the seven upstream races): two writers race a read-modify-write of a
// ConfigMap counter. A merge patch without a resourceVersion never conflicts, so the second write
// silently overwrites the first (a lost update); with the resourceVersion as a precondition the second
// write gets 409 Conflict, re-reads and retries (client-go's retry.RetryOnConflict around a Get and an Update).
//
// The writers' code path is named (Increment): the bug, the fix, and the mutants and equivalent fixes of
// ScenarioCase.mutants, selected as `fixed` selects the fix. A writer that gives up reports its error as a
// note; the counter must still count every writer.
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { isConflict, isInvalid, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { responded } from '../../apiserver/interleave/conditions.ts';
import { notes, responses, succeeded, violation } from '../engine/checkers.ts';
import type { ScenarioCase, ScenarioContext } from '../engine/types.ts';

const configmaps: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespace: 'default' };
const name = 'counter';
const writers = ['writer-a', 'writer-b'];
/** client-go's retry.DefaultRetry: 5 steps. */
const retrySteps = 5;

/**
 * How a writer increments. merge-patch: the bug. precondition-retry: the fix (the read resourceVersion in
 * the patch, re-read and retry on 409). Mutants: no-retry-on-conflict (the precondition, but a 409 is
 * returned as an error); retry-stale-value (on 409 it re-reads only to take the new resourceVersion and
 * re-sends the value computed from the first read); update-without-resource-version (a PUT of the read
 * object with n+1 and no resourceVersion: an unconditional update). Equivalent fixes: json-patch-test (a
 * JSON patch whose `test` op checks the value read; 422 when it changed, then re-read and retry);
 * update-with-resource-version (a PUT of the read object, its resourceVersion kept; retry on 409).
 */
const increments = ['merge-patch', 'precondition-retry', 'no-retry-on-conflict', 'retry-stale-value', 'update-without-resource-version', 'json-patch-test', 'update-with-resource-version'] as const;
type Increment = (typeof increments)[number];

function incrementOf({ fixed, mutant }: ScenarioContext): Increment {
  if (!fixed) return 'merge-patch';
  if (mutant === undefined) return 'precondition-retry';
  if (!(increments as readonly string[]).includes(mutant)) throw new Error(`unknown mutant ${mutant}`);
  return mutant as Increment;
}

const valueOf = (cm: KubeObject): string => (cm.data as Record<string, string>).n ?? '0';

/** One attempt's write; throws the server's error. `stale` is the first read, `cm` the latest. */
async function write(client: KubeClient, how: Increment, cm: KubeObject, stale: KubeObject): Promise<void> {
  const next = String(Number(valueOf(how === 'retry-stale-value' ? stale : cm)) + 1);
  switch (how) {
    case 'merge-patch':
      await client.patch(configmaps, name, { data: { n: next } }, 'merge');
      return;
    case 'precondition-retry':
    case 'no-retry-on-conflict':
    case 'retry-stale-value':
      await client.patch(configmaps, name, { metadata: { resourceVersion: cm.metadata.resourceVersion }, data: { n: next } }, 'merge');
      return;
    case 'json-patch-test':
      await client.patch(configmaps, name, [{ op: 'test', path: '/data/n', value: valueOf(cm) }, { op: 'replace', path: '/data/n', value: next }], 'json');
      return;
    case 'update-without-resource-version':
    case 'update-with-resource-version': {
      const obj: KubeObject = { ...cm, metadata: { ...cm.metadata }, data: { ...(cm.data as Record<string, string>), n: next } };
      if (how === 'update-without-resource-version') delete obj.metadata.resourceVersion;
      await client.update(configmaps, obj);
      return;
    }
  }
}

async function increment(client: KubeClient, how: Increment): Promise<void> {
  const stale = await client.get(configmaps, name);
  let cm = stale;
  for (let step = 1; ; step++) {
    try {
      await write(client, how, cm, stale);
      return;
    } catch (e) {
      // A conflict (409, or 422 from a failed JSON patch test) is retried by the fixes, up to retrySteps.
      const retried = how === 'json-patch-test' ? isInvalid(e) : isConflict(e) && how !== 'no-retry-on-conflict';
      if (!retried || step >= retrySteps) throw e;
    }
    cm = await client.get(configmaps, name);
  }
}

export const lostUpdate: ScenarioCase = {
  name: 'demo-lost-update',
  title: 'Read-modify-write through merge patches loses an update',
  upstream: { issue: 'kubernetes/kubernetes optimistic concurrency', fix: 'resourceVersion precondition', url: 'https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions' },
  description:
    'Writers A and B each read a counter and patch it to n+1. B reads before A writes and writes after A. Buggy: merge patches without resourceVersion both succeed and the counter ends at 1. Fixed: B\'s patch carries the resourceVersion it read, gets 409, re-reads and ends the counter at 2. ' +
    'Schedules on which the two read-modify-writes did not overlap are vacuous.',
  mutants: [
    { name: 'no-retry-on-conflict', kind: 'mutant', description: 'the read resourceVersion is a precondition, but the 409 is returned as an error: that writer never increments' },
    { name: 'retry-stale-value', kind: 'mutant', description: 'on 409 the writer re-reads only for the new resourceVersion and re-sends n+1 of its first read: a lost update' },
    { name: 'update-without-resource-version', kind: 'mutant', description: 'a PUT of the read object with n+1 and metadata.resourceVersion removed: an unconditional update, a lost update' },
    { name: 'json-patch-test', kind: 'equivalent', description: 'a JSON patch [test /data/n == read value, replace /data/n]; a changed value fails the test (422), the writer re-reads and retries' },
    { name: 'update-with-resource-version', kind: 'equivalent', description: 'a PUT of the read object with n+1 and its resourceVersion; on 409 re-read and retry' },
  ],
  async run(ctx) {
    const { world } = ctx;
    const how = incrementOf(ctx);
    const setup = world.client('setup');
    await setup.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: '0' } } as KubeObject);
    const [a, b] = writers;
    // Hint: A writes only after B has read; B writes only after A's write succeeded.
    world.hint(() => {
      world.rules.holdRequest({ name: 'a-waits-for-b-read', match: { actor: a, verb: ['patch', 'update'], resource: 'configmaps' }, until: responded({ actor: b, verb: 'get', resource: 'configmaps', name, code: 200 }) });
      world.rules.holdRequest({ name: 'b-waits-for-a-write', match: { actor: b, verb: ['patch', 'update'], resource: 'configmaps' }, until: responded({ actor: a, verb: ['patch', 'update'], resource: 'configmaps', name, code: 200 }) });
    });
    await Promise.all(
      writers.map((actor) =>
        increment(world.client(actor), how).catch((e: unknown) => world.note(actor, 'error', `the increment failed: ${e instanceof Error ? e.message : String(e)}`)),
      ),
    );
  },
  preconditions: [
    {
      // Both writers read the counter before either write was answered: the read-modify-writes overlapped.
      name: 'read-modify-writes-overlapped',
      check({ history }) {
        const firstWrite = responses(history, { verb: ['patch', 'update'], resource: 'configmaps', name }).find((r) => writers.includes(r.actor));
        const late = writers.filter((actor) => !responses(history, { actor, verb: 'get', resource: 'configmaps', name, code: 200 }).some((r) => firstWrite && r.seq < firstWrite.seq));
        return late.length === 0 ? undefined : `${late.join(' and ')} read the counter only after the first write was answered`;
      },
    },
  ],
  invariants: [
    {
      name: 'no-lost-update',
      kind: 'liveness',
      async check({ world, history }) {
        const acked = responses(history, { verb: ['patch', 'update'], resource: 'configmaps', name, code: succeeded }).filter((r) => writers.includes(r.actor));
        const cm = await world.client('checker').get(configmaps, name);
        const n = Number(valueOf(cm));
        return n === acked.length ? [] : [violation('no-lost-update', `${acked.length} increments were acknowledged but the counter is ${n}`, acked.map((r) => r.seq))];
      },
    },
    {
      name: 'every-writer-increments',
      kind: 'liveness',
      async check({ world, history }) {
        const cm = await world.client('checker').get(configmaps, name);
        const n = Number(valueOf(cm));
        const failed = notes(history, 'error').filter((e) => writers.includes(e.actor));
        if (n === writers.length && failed.length === 0) return [];
        const why = failed.map((e) => `${e.actor}: ${e.text}`).join('; ');
        return [violation('every-writer-increments', `each of the ${writers.length} writers incremented the counter once, but it ends at ${n}${why ? ` (${why})` : ''}`, failed.map((e) => e.seq))];
      },
    },
  ],
};
