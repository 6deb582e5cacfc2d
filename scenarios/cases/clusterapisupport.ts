// What the three Cluster API cases share: where the kinds live, the objects of a small cluster, running a
// controller Manager inside a world, and a logger that records controller-runtime's "Reconciler error"
// lines as notes, so that the error text a controller saw (a 422's message, an injected 500) is on the
// history next to the response that caused it.
import pino, { type Logger } from 'pino';
import { builtinKinds } from '../../apiserver/api/kinds.ts';
import type { HistoryEntry, RequestEntry } from '../../apiserver/interleave/types.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';
import { GoRuntime, withCancel } from '../../controllers/runtime/concurrency.ts';
import type { Manager } from '../../controllers/runtime/manager.ts';
import type { World } from '../engine/world.ts';

export { cluster, dockerCluster, dockerMachineTemplate, kubeadmConfigTemplate, machineSet, ns, refs } from '../../controllers/clusterapi/testing/objects.ts';

/** The ResourceRef of a request entry (the kinds are built-in rows of the server's kind table). */
export function refOfRequest(e: RequestEntry): ResourceRef | undefined {
  const k = builtinKinds.find((r) => r.group === e.group && r.plural === e.resource);
  return k ? { group: k.group, version: k.version, plural: k.plural, namespace: k.namespaced ? e.namespace : undefined } : undefined;
}

// --- running components in a world ---

/**
 * A pino logger that writes nothing but turns each controller-runtime "Reconciler error" into a note
 * (tag 'error') of `actor`: `Reconciler error <key>: <message>`.
 */
export function reconcileErrorNotes(world: World, actor: string): Logger {
  return pino(
    // The error's own message (pino's default serializer appends the messages of its causes).
    { level: 'error', serializers: { err: (e: unknown) => ({ message: e instanceof Error ? e.message : String(e) }) } },
    {
      write(line: string): void {
        let rec: { msg?: string; key?: string; err?: { message?: string } };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          return;
        }
        if (rec.msg?.startsWith('Reconciler error')) world.note(actor, 'error', `${rec.msg} ${rec.key ?? ''}: ${rec.err?.message ?? ''}`);
      },
    },
  );
}

/**
 * Runs the manager as the main goroutine of a process of its own (a GoRuntime: a panic or fatal error in it
 * is a 'crash' note, not an exception of the run), registers its idleness with the world and stops it when
 * the world closes; resolves once its caches synced and its controllers run.
 */
export async function startManager(world: World, manager: Manager, horizonMs: number): Promise<{ runtime: GoRuntime; stop: () => Promise<void> }> {
  let died: () => void = () => undefined;
  const death = new Promise<void>((resolve) => (died = resolve));
  const runtime = new GoRuntime({
    name: manager.name,
    onExit: (r) => {
      world.note(manager.name, 'crash', r.toString());
      died();
    },
  });
  const { ctx, cancel } = withCancel(runtime.ctx);
  const returned = new Promise<void>((resolve) => {
    runtime.go(`${manager.name}/main`, async () => {
      try {
        await manager.start(ctx);
      } finally {
        resolve();
      }
    });
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    cancel();
    // A dead process never returns from start: its resources were let go when it died.
    await Promise.race([returned, death]);
  };
  world.probe({ name: manager.name, idle: () => runtime.exited || manager.idle() });
  world.onClose(stop);
  if (!(await world.runUntil(() => manager.started() || runtime.exited, horizonMs)) || runtime.exited) throw new Error(`manager ${manager.name} did not start`);
  return { runtime, stop };
}

// --- reading the history ---

/** The response to a request entry, if any. */
export function responseTo(history: readonly HistoryEntry[], req: RequestEntry): Extract<HistoryEntry, { type: 'response' }> | undefined {
  for (const e of history) if (e.type === 'response' && e.request === req.seq) return e;
  return undefined;
}

/** The finalizers a request body sets, from its summary (undefined when it sets none or does not parse). */
export function finalizersInBody(e: RequestEntry): string[] | undefined {
  if (e.body === undefined) return undefined;
  try {
    const body = JSON.parse(e.body) as { metadata?: { finalizers?: unknown } } | null;
    const f = body?.metadata?.finalizers;
    return Array.isArray(f) ? f.map(String) : undefined;
  } catch {
    // A summary cut short: look for a non-empty finalizers list in the text.
    return /"finalizers":\["/.test(e.body) ? ['(truncated)'] : undefined;
  }
}
