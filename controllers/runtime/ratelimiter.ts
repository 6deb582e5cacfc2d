// Rate limiters for the work queue, after client-go util/workqueue/default_rate_limiters.go.
// Delays are in milliseconds; the token bucket reads time from the injected Clock.
import type { Clock } from '../../apiserver/machinery/clock.ts';

/** default_rate_limiters.go TypedRateLimiter. */
export interface RateLimiter {
  /** How long the key should wait before it is added again, in ms. */
  when(key: string): number;
  /** Stop tracking the key (it succeeded, or its retries were given up). */
  forget(key: string): void;
  /** How many times when() was asked for the key since it was last forgotten. */
  numRequeues(key: string): number;
}

/** default_rate_limiters.go TypedItemExponentialFailureRateLimiter: baseMs * 2^failures, capped at maxMs. */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  when(key: string): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    const backoff = this.baseMs * 2 ** exp; // Infinity once it overflows, like upstream's MaxInt64 guard
    return backoff <= this.maxMs ? backoff : this.maxMs;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** default_rate_limiters.go TypedItemFastSlowRateLimiter: fastMs for the first maxFastAttempts, then slowMs. */
export class ItemFastSlowRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly fastMs: number,
    private readonly slowMs: number,
    private readonly maxFastAttempts: number,
  ) {}

  when(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return n <= this.maxFastAttempts ? this.fastMs : this.slowMs;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * default_rate_limiters.go TypedBucketRateLimiter over golang.org/x/time/rate: a token bucket that starts
 * full with `burst` tokens and refills at `qps`; when() reserves a token, going into debt if need be,
 * and returns how long until that reservation is covered. Overall, not per key; burst must be >= 1.
 */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: string): number {
    if (this.qps === Infinity) return 0; // rate.Inf allows every event
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last); // rate.go advance: time never runs backwards
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000) - 1;
    this.last = Math.max(this.last, now);
    return this.tokens < 0 ? (-this.tokens * 1000) / this.qps : 0;
  }

  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

/** default_rate_limiters.go TypedMaxOfRateLimiter: asks every limiter and returns the worst answer. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    let ret = 0;
    for (const l of this.limiters) ret = Math.max(ret, l.when(key)); // every limiter counts the failure
    return ret;
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    let ret = 0;
    for (const l of this.limiters) ret = Math.max(ret, l.numRequeues(key));
    return ret;
  }
}

/** default_rate_limiters.go DefaultTypedControllerRateLimiter: max of per-key 5 ms..1000 s and overall 10 qps, burst 100. */
export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(5, 1_000_000), new BucketRateLimiter(10, 100, clock));
}
