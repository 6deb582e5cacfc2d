// ControllerExpectations (kubernetes pkg/controller/controller_utils.go): per controller key, the creates and
// deletes a controller sent and has not yet seen in its informer. A controller acts again only once they
// are all seen, or after ExpectationsTimeout on the Clock, so a stale cache never makes it act twice.
import type { Clock } from '../../apiserver/machinery/clock.ts';

/** controller_utils.go ExpectationsTimeout. */
export const ExpectationsTimeoutMs = 5 * 60_000;

/** ControlleeExpectations: adds and deletes still expected, and when they were set. */
export interface ControlleeExpectations {
  add: number;
  del: number;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly byKey = new Map<string, ControlleeExpectations>();

  constructor(private readonly clock: Clock) {}

  GetExpectations(key: string): ControlleeExpectations | undefined {
    return this.byKey.get(key);
  }

  /** SetExpectations: `add` creates and `del` deletes are about to be sent. */
  SetExpectations(key: string, add: number, del: number): void {
    this.byKey.set(key, { add, del, timestamp: this.clock.now() });
  }

  /** LowerExpectations: some expected creates or deletes were seen, or will never come (their request failed). */
  LowerExpectations(key: string, add: number, del: number): void {
    const e = this.byKey.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  /** CreationObserved: one expected create was seen (never below zero, as upstream's informer handlers). */
  CreationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.add > 0) e.add--;
  }

  /** DeletionObserved: one expected delete was seen. */
  DeletionObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.del > 0) e.del--;
  }

  /** SatisfiedExpectations: nothing is expected any more, or what was expected is older than the timeout. */
  SatisfiedExpectations(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if ((e.add <= 0 && e.del <= 0) || this.clock.now() - e.timestamp > ExpectationsTimeoutMs) {
      this.byKey.delete(key);
      return true;
    }
    return false;
  }

  DeleteExpectations(key: string): void {
    this.byKey.delete(key);
  }
}
