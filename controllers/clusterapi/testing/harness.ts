// Test support for the Cluster API controllers and clusterctl move: bounded waits that drive a FakeClock
// when the controllers are idle, a recorder of the requests the server saw (an Interleaver that only
// watches, or fails the requests a test asks it to); the object builders live in objects.ts.
import type { FakeClock } from '../../../apiserver/machinery/clock.ts';
import type { StatusError } from '../../../apiserver/machinery/errors.ts';

/** The scenario engine's loop in miniature: when everything is idle, the clock fires its next timer. */
export function clockDriver(idle: () => boolean, clock: FakeClock): () => void {
  return () => {
    if (idle() && clock.pendingTimers() > 0) clock.runNext();
  };
}

export interface SeenRequest {
  actor: string;
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  body: unknown;
  code?: number;
}

export type FailRule = (r: SeenRequest) => StatusError | undefined;
/** Holds a request until the promise it returns settles (undefined: no hold). */
export type HoldRule = (r: SeenRequest) => Promise<void> | undefined;

/**
 * An Interleaver that records every resource request (with its body and response code) and fails the
 * ones `fail` names; watch deliveries pass through untouched.
 */
export function recordingInterleaver(): {
  seen: SeenRequest[];
  fail: { rule: FailRule | undefined };
  hold: { rule: HoldRule | undefined };
  interleaver: {
    beginRequest(info: {
      actor: string;
      verb: string;
      resource: string;
      subresource?: string;
      namespace?: string;
      name?: string;
      body(): unknown;
    }): Promise<(outcome: { code: number }) => void>;
    deliver<I>(watch: unknown, items: readonly I[], write: (items: readonly I[]) => boolean): boolean;
  };
} {
  const seen: SeenRequest[] = [];
  const fail: { rule: FailRule | undefined } = { rule: undefined };
  const hold: { rule: HoldRule | undefined } = { rule: undefined };
  return {
    seen,
    fail,
    hold,
    interleaver: {
      async beginRequest(info) {
        const r: SeenRequest = {
          actor: info.actor,
          verb: info.verb,
          resource: info.resource,
          subresource: info.subresource,
          namespace: info.namespace,
          name: info.name,
          body: info.verb === 'watch' || info.verb === 'get' || info.verb === 'list' ? undefined : info.body(),
        };
        const held = hold.rule?.(r);
        if (held) await held;
        seen.push(r);
        const err = fail.rule?.(r);
        if (err) {
          r.code = err.status.code;
          throw err;
        }
        return (outcome) => {
          r.code = outcome.code;
        };
      },
      deliver: (_watch, items, write) => write(items),
    },
  };
}

export { eventually } from '../../../testing/eventually.ts';
export * from './objects.ts';
