// One API call of a controller goroutine: aborted when ctx is cancelled (a stopped manager, or a dead
// process whose sockets the OS closes), and never resumed in a process that died meanwhile (park).
//
// Each call runs under a child context of its own, cancelled when the call has settled: undici's fetch
// (under client-node) keeps its abort listener on the signal it was given until the request is garbage
// collected, so handing it the long-lived ctx.done piles up listeners (MaxListenersExceededWarning after
// 1,500 calls in one reconcile), and a listener per call on ctx.done would warn at 11 concurrent calls.
// A child context hangs off its parent without an event listener; aborting a settled request is a no-op.
import { park, withCancel, type Context } from '../runtime/concurrency.ts';

export async function call<T>(ctx: Context, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { ctx: own, cancel } = withCancel(ctx);
  try {
    return await park(send(own.done));
  } finally {
    cancel(); // detaches it from ctx (a dead process never gets here, and needs not)
  }
}
