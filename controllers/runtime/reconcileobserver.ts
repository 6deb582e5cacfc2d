// Who is told when a controller worker begins and ends a Reconcile: a scenario world records them as the
// history's reconcile spans (controller-runtime has the same two points in reconcileHandler, where it
// counts controller_runtime_reconcile_total and times controller_runtime_reconcile_time_seconds).

export interface ReconcileStart {
  controller: string;
  /** The worker (goroutine) index, from 0. */
  worker: number;
  /** `namespace/name`, or `name` for a cluster-scoped kind. */
  key: string;
}

export interface ReconcileEnd {
  /** ok: done, the key's backoff forgotten; requeue: asked to run again (now or after requeueAfterMs); error: threw. */
  result: 'ok' | 'requeue' | 'error';
  requeueAfterMs?: number;
}

/** Called at a reconcile's start; returns what to call once at its end. */
export type ReconcileObserver = (start: ReconcileStart) => (end: ReconcileEnd) => void;

/** An observer for every actor (a scenario world's history): the Manager binds it to its actor. */
export type ReconcileSink = (actor: string, start: ReconcileStart) => (end: ReconcileEnd) => void;

const sinks = new WeakMap<object, ReconcileSink>();

/**
 * Every Manager built on this KubeConfig reports its controllers' reconciles to sink (a scenario world
 * registers each KubeConfig it hands out). A KubeConfig copied for another actor is not registered.
 */
export function observeReconciles(kc: object, sink: ReconcileSink): void {
  sinks.set(kc, sink);
}

export function reconcileSinkOf(kc: object): ReconcileSink | undefined {
  return sinks.get(kc);
}
