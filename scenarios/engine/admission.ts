// Deterministic admission: requests that arrive while the world is busy wait at the door, and the world
// lets them in one at a time, in a fixed order, only when nothing else is moving. So the order in which
// the server sees concurrent requests depends on the seed and the case, never on socket timing.
import type { Interleaver, RequestInfo } from '../../apiserver/interleave/types.ts';

interface Waiting {
  key: string;
  arrival: number;
  admit: () => void;
}

function keyOf(info: RequestInfo): string {
  let body = '';
  try {
    body = JSON.stringify(info.body() ?? '');
  } catch {
    body = '';
  }
  return [info.actor, info.verb, info.group, info.resource, info.subresource ?? '', info.namespace ?? '', info.name ?? '', body].join('\u0000');
}

export class AdmissionGate {
  private readonly waiting: Waiting[] = [];
  private arrivals = 0;
  private onArrival: (() => void) | undefined;
  private opened = false;

  /** From now on requests go straight in (the world is shutting down). */
  open(): void {
    this.opened = true;
    while (this.admitNext());
  }

  /** Resolves when a request is waiting (at once if one already is). */
  arrival(): Promise<void> {
    if (this.waiting.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onArrival = resolve;
    });
  }

  /** Wraps an interleaver so that every request first waits for admission. */
  wrap(inner: Interleaver): Interleaver {
    return {
      beginRequest: async (info) => {
        if (!this.opened) await new Promise<void>((admit) => {
          this.waiting.push({ key: keyOf(info), arrival: this.arrivals++, admit });
          const wake = this.onArrival;
          this.onArrival = undefined;
          wake?.();
        });
        return inner.beginRequest(info);
      },
      deliver: (watch, items, write) => inner.deliver(watch, items, write),
      watchClosed: inner.watchClosed ? (watch) => inner.watchClosed?.(watch) : undefined,
    };
  }

  get size(): number {
    return this.waiting.length;
  }

  /** Lets in the first waiting request in key order (arrival order breaks ties). Returns false if none waits. */
  admitNext(): boolean {
    if (this.waiting.length === 0) return false;
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const a = this.waiting[i] as Waiting;
      const b = this.waiting[best] as Waiting;
      if (a.key < b.key || (a.key === b.key && a.arrival < b.arrival)) best = i;
    }
    const [w] = this.waiting.splice(best, 1);
    w?.admit();
    return true;
  }
}
