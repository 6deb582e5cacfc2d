// Test support: wait for an asynchronous outcome of real I/O, turn by turn, failing after a generous
// real-time bound. The bound only catches hangs; no assertion depends on how long anything takes.
import assert from 'node:assert/strict';

/** How long a test waits for something that should happen before it fails. */
export const eventuallyLimitMs = 15_000;

/** Resolves once cond() holds; `step` runs between checks (e.g. to fire due timers on a FakeClock). */
export async function eventually(cond: () => boolean | Promise<boolean>, what: string, step?: () => void): Promise<void> {
  let expired = false;
  const bound = setTimeout(() => (expired = true), eventuallyLimitMs);
  try {
    for (;;) {
      if (await cond()) return;
      if (expired) assert.fail(`timed out waiting for ${what}`);
      step?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    clearTimeout(bound);
  }
}
