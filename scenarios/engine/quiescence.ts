// Quiescence and steps. The world is one process, so it is quiet when, for several event-loop turns in a
// row, nothing observable changes: the history, the storage revisions, what waits at the door, and what
// every part reports about itself (requests in flight, queues, informers, recorders). A background loop
// takes one step at the door (admission.ts: the strategy chooses what goes in or out) each time the world
// is otherwise quiet; time moves only when the scenario or a step asks for it.

/** Consecutive unchanged event-loop turns that make the world quiet (covers loopback socket hops). */
export const quietTurns = 6;
/** Event-loop turns after which a world that never settles is reported as stuck. */
export const maxSettleTurns = 500_000;

export interface Probe {
  name: string;
  /** True when this part has nothing to do until something else happens or time passes. */
  idle(): boolean;
}

export interface Door {
  /** What a step can act on: waiting requests and held-back watch items. */
  readonly size: number;
  step(): void;
  arrival(): Promise<void>;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Scheduler {
  private stopped = false;

  constructor(
    private readonly probes: readonly Probe[],
    private readonly signature: () => string,
    private readonly door: Door,
  ) {}

  private fingerprint(): string {
    let busy = '';
    for (const p of this.probes) busy += p.idle() ? '0' : '1';
    return `${this.signature()}|${busy}|${this.door.size}`;
  }

  /** Waits until the fingerprint has not changed for quietTurns turns; returns false if it never does. */
  private async quietFor(turns: number): Promise<boolean> {
    let quiet = 0;
    let last = '';
    for (let i = 0; i < maxSettleTurns && !this.stopped; i++) {
      await turn();
      const now = this.fingerprint();
      if (now !== last) {
        quiet = 0;
        last = now;
      } else if (++quiet >= turns) {
        return true;
      }
    }
    return false;
  }

  /** The admission loop: runs until stop(). */
  async run(): Promise<void> {
    while (!this.stopped) {
      if (this.door.size === 0) {
        await this.door.arrival();
        continue;
      }
      if (await this.quietFor(quietTurns)) this.door.step();
    }
  }

  /** Resolves once the world is quiet and nothing waits at the door. Parts may still wait on holds or time. */
  async settle(): Promise<void> {
    for (let i = 0; i < maxSettleTurns && !this.stopped; i++) {
      if ((await this.quietFor(quietTurns)) && this.door.size === 0) return;
    }
    if (this.stopped) return;
    throw new Error(`the world never became quiescent; still busy: ${busyParts(this.probes).join(', ') || '(nothing, but it kept changing)'}`);
  }

  stop(): void {
    this.stopped = true;
  }
}

/** The parts that are not idle, for reports when a run ends while something still waits. */
export function busyParts(probes: readonly Probe[]): string[] {
  return probes.filter((p) => !p.idle()).map((p) => p.name);
}
