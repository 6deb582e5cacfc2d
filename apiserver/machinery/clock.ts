// The one source of time. Everything that reads the time or waits goes through a Clock, so a scenario
// can run on a FakeClock and advance thirty simulated seconds in microseconds (DESIGN.md principle 5).

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs fn once after ms milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Resolves after ms milliseconds; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wall-clock time and real timers. */
/** The longest delay setTimeout takes as given (2^31 - 1 ms). */
const maxTimeoutMs = 2 ** 31 - 1;

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  /** Delays beyond setTimeout's 32-bit limit (about 24.8 days) are waited out in steps instead of firing at once. */
  setTimer(ms: number, fn: () => void): TimerHandle {
    let t: ReturnType<typeof setTimeout>;
    const arm = (left: number): void => {
      const step = Math.min(Math.max(0, left), maxTimeoutMs);
      t = setTimeout(() => (left > maxTimeoutMs ? arm(left - maxTimeoutMs) : fn()), step);
    };
    arm(ms);
    return { cancel: () => clearTimeout(t) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time. Timers fire only when the owner advances the clock with step() or runNext();
 * timers due at the same instant fire in the order they were set, unless tieBreak chooses.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** How many timers are waiting. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** When the earliest pending timer fires, or undefined if none. */
  nextTimerAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  /** Fires every timer due at or before now (timers that set new due timers included). Returns how many fired. */
  fireDue(): number {
    let fired = 0;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > this.current) return fired;
      this.timers = this.timers.filter((t) => t !== next);
      fired++;
      next.fn();
    }
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  step(ms: number): number {
    const target = this.current + ms;
    let fired = 0;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      fired++;
      next.fn();
    }
    this.current = target;
    return fired;
  }

  /** Jumps to the earliest pending timer and fires everything due then. Returns false if there was none. */
  runNext(): boolean {
    const at = this.nextTimerAt();
    if (at === undefined) return false;
    this.step(Math.max(0, at - this.current));
    return true;
  }

  /**
   * Chooses among `of` timers due at the same instant (by creation order, 0 = set first); by default the
   * first. Schedule exploration sets it to make the order a decision.
   */
  tieBreak: ((atMs: number, of: number) => number) | undefined;

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    let ties = 0;
    for (const t of this.timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    if (!best || !this.tieBreak) return best;
    for (const t of this.timers) if (t.at === best.at) ties++;
    if (ties < 2) return best;
    const at = best.at;
    const due = this.timers.filter((t) => t.at === at).sort((a, b) => a.seq - b.seq);
    return due[Math.min(due.length - 1, Math.max(0, this.tieBreak(at, due.length)))];
  }
}

/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time. */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
