// client-node's own informer against the server: create/update/delete, stream closures, resume, 410 relist.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { mergePatch, testServer, type TestServer } from '../../testing/server.ts';

interface Seen {
  events: string[];
  waitFor(pred: (events: string[]) => boolean): Promise<void>;
}

function record(informer: k8s.Informer<k8s.V1ConfigMap>): Seen {
  const events: string[] = [];
  const waiters: { pred: (e: string[]) => boolean; resolve: () => void }[] = [];
  const push = (e: string): void => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(events)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  informer.on('add', (o) => push(`add ${o.metadata?.name} ${o.data?.v ?? ''}`));
  informer.on('update', (o) => push(`update ${o.metadata?.name} ${o.data?.v ?? ''}`));
  informer.on('delete', (o) => push(`delete ${o.metadata?.name}`));
  return {
    events,
    waitFor: (pred) =>
      pred(events)
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ pred, resolve });
          }),
  };
}

async function startInformer(s: TestServer): Promise<{ informer: k8s.Informer<k8s.V1ConfigMap> & k8s.ObjectCache<k8s.V1ConfigMap>; seen: Seen }> {
  const kc = s.kc('informer');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const seen = record(informer);
  await informer.start();
  return { informer, seen };
}

const last = (events: string[], e: string): boolean => events[events.length - 1] === e;

it('a client-node informer sees create, update and delete, survives stream closures without duplicates or gaps', async (t) => {
  const s = await testServer(t);
  const core = s.core();
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' }, data: { v: '0' } } });
  const { informer, seen } = await startInformer(s);
  t.after(() => informer.stop());
  await seen.waitFor((e) => e.includes('add before 0'));
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' }, data: { v: '1' } } });
  await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { v: '2' } } }, mergePatch);
  await seen.waitFor((e) => last(e, 'update a 2'));
  // The server ends every watch stream; the informer re-watches from its last resourceVersion.
  assert.equal(s.closeWatches(), 1);
  await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { v: '3' } } }, mergePatch);
  await core.deleteNamespacedConfigMap({ name: 'before', namespace: 'default' });
  await seen.waitFor((e) => last(e, 'delete before'));
  s.closeWatches();
  await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { v: '4' } } }, mergePatch);
  await seen.waitFor((e) => last(e, 'update a 4'));
  assert.deepEqual(seen.events, ['add before 0', 'add a 1', 'update a 2', 'update a 3', 'delete before', 'update a 4']);
});

it('a client-node informer relists after 410 Expired and converges to the server state', async (t) => {
  // Hold the informer's watch requests while the gate is closed, and count its lists and watches.
  let gate: Promise<void> | undefined;
  let open = (): void => undefined;
  const calls: string[] = [];
  const s = await testServer(t, {
    watchHistory: 3,
    interleaver: {
      beginRequest: async (req) => {
        if (req.actor === 'informer') {
          calls.push(req.verb === 'watch' ? `watch rv=${req.query.get('resourceVersion')}` : req.verb);
          if (req.verb === 'watch' && gate) await gate;
        }
        return () => undefined;
      },
      deliver: (_watch, items, write) => write(items),
    },
  });
  const core = s.core();
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'gone' }, data: { v: '0' } } });
  const { informer, seen } = await startInformer(s);
  t.after(() => informer.stop());
  await seen.waitFor((e) => e.includes('add gone 0'));
  // Stop the watch and make more writes than the history keeps while it reconnects.
  const errors: unknown[] = [];
  informer.on('error', (e) => errors.push(e));
  gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  s.closeWatches();
  await core.deleteNamespacedConfigMap({ name: 'gone', namespace: 'default' });
  for (let i = 1; i <= 6; i++) {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `n${i}` }, data: { v: String(i) } } });
  }
  gate = undefined;
  open();
  await seen.waitFor((e) => e.includes('delete gone') && e.includes('add n6 6'));
  assert.deepEqual(calls.slice(0, 3), ['list', 'watch rv=5', 'watch rv=5'], 'the held watch resumed from a revision the history no longer has');
  assert.equal(calls[3], 'list', 'then it relisted');
  const names = informer.list().map((o) => o.metadata?.name).sort();
  assert.deepEqual(names, ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  assert.deepEqual(errors, [], 'the informer never stopped on an error');
});
