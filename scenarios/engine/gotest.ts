// A Go-testing-like harness for the races that live in tests: named tests with cleanup functions,
// assertions that fail the test, Eventually on the Clock, and Go's panic when a goroutine reports a
// failure after its test has completed (testing.go: "Fail in goroutine after %s has completed").
import type { Clock } from '../../apiserver/machinery/clock.ts';

export class TestPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestPanic';
  }
}

export interface TestObserver {
  note(tag: string, text: string): void;
}

export class GoTest {
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private readonly failures: string[] = [];
  private finished = false;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly observer: TestObserver,
  ) {}

  get failed(): boolean {
    return this.failures.length > 0;
  }

  get completed(): boolean {
    return this.finished;
  }

  errors(): readonly string[] {
    return this.failures;
  }

  cleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** t.Errorf: records a failure; after the test completed it panics, as Go's testing package does. */
  errorf(message: string): void {
    if (this.finished) {
      const text = `Fail in goroutine after ${this.name} has completed`;
      this.observer.note('panic', `${text}: ${message}`);
      throw new TestPanic(text);
    }
    this.failures.push(message);
    this.observer.note('assert', `${this.name}: ${message}`);
  }

  /** t.Fatalf: records a failure and stops the test body. */
  fatalf(message: string): never {
    this.errorf(message);
    throw new TestFatal(message);
  }

  /** ktesting.Eventually: polls fn on the Clock until it returns true or the timeout passes. */
  async eventually(fn: () => boolean | Promise<boolean>, what: string, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<boolean> {
    const timeout = opts.timeoutMs ?? 30_000;
    const interval = opts.intervalMs ?? 100;
    const end = this.clock.now() + timeout;
    for (;;) {
      if (await fn()) return true;
      if (this.clock.now() >= end) {
        this.errorf(`timed out waiting for ${what}`);
        return false;
      }
      await this.clock.sleep(interval);
    }
  }

  /** Runs the cleanups (last registered first) and marks the test completed. */
  async finish(): Promise<void> {
    for (const fn of this.cleanups.reverse()) await fn();
    this.finished = true;
    this.observer.note('step', `${this.name} completed${this.failed ? ' (FAIL)' : ''}`);
  }
}

class TestFatal extends Error {}

/** Runs a test body: t.Fatalf ends it early; cleanups always run; the test is completed afterwards. */
export async function runGoTest(name: string, clock: Clock, observer: TestObserver, body: (t: GoTest) => Promise<void>): Promise<GoTest> {
  const t = new GoTest(name, clock, observer);
  observer.note('step', `=== RUN ${name}`);
  try {
    await body(t);
  } catch (e) {
    if (!(e instanceof TestFatal)) {
      t.errorf(`panic: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  await t.finish();
  return t;
}
