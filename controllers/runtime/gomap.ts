// A Go map, which is not safe for concurrent writes, and the runtime's best-effort check for them.
//
// Model. Go's mapassign/mapdelete set a hashWriting flag for the duration of the write and throw
// "fatal error: concurrent map writes" when another write finds it set; a read or an iteration step that
// finds it set throws "concurrent map read and map write" / "concurrent map iteration and map write".
// Here a write is in progress across one await window (by default one setImmediate, so a goroutine woken
// by I/O in the meantime can overlap): `await m.set(k, v)`. A write that starts, or a read that happens,
// inside another write's window calls fatal() (concurrency.ts): the process dies, the writer still in its
// window never resumes. Writes that do not overlap (sequential, or under a Mutex) never crash.
//
// Differences from Go. Go detects overlaps by chance; here an overlap within the window is always fatal and
// writes outside it never are. Reads are instantaneous. Iteration order is insertion order, not randomised.
// Pass a RaceDetector to also get Go's -race reports for unsynchronised accesses that did not overlap.
import { fatal, park } from './concurrency.ts';
import type { RaceDetector } from './racedetector.ts';

export { FatalError } from './concurrency.ts';

export interface GoMapOptions {
  /** Name of the map, its address in race reports (made unique per map by RaceDetector.location). */
  label?: string;
  detector?: RaceDetector;
  /** The await window a write spans. Default: one turn of the event loop (setImmediate). */
  window?: () => Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class GoMap<K, V> {
  private readonly entries = new Map<K, V>();
  private writing = false;
  private readonly label: string;
  private readonly detector: RaceDetector | undefined;
  private readonly window: () => Promise<void>;

  constructor(options: GoMapOptions = {}) {
    this.detector = options.detector;
    this.label = this.detector ? this.detector.location(options.label ?? 'map') : (options.label ?? 'map');
    this.window = options.window ?? nextTurn;
  }

  /** m[k] = v */
  set(key: K, value: V): Promise<void> {
    return this.write('mapassign', () => this.entries.set(key, value));
  }

  /** delete(m, k) */
  delete(key: K): Promise<void> {
    return this.write('mapdelete', () => this.entries.delete(key));
  }

  get(key: K): V | undefined {
    this.checkRead('mapaccess');
    return this.entries.get(key);
  }

  has(key: K): boolean {
    this.checkRead('mapaccess');
    return this.entries.has(key);
  }

  get size(): number {
    this.checkRead('maplen');
    return this.entries.size;
  }

  /** for k, v := range m; each step checks for a write in progress. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    this.detector?.read(this.label, 'mapiterinit');
    for (const entry of this.entries) {
      if (this.writing) fatal('concurrent map iteration and map write');
      yield entry;
    }
  }

  private async write(site: string, apply: () => void): Promise<void> {
    this.detector?.write(this.label, site);
    if (this.writing) fatal('concurrent map writes');
    this.writing = true;
    await park(this.window()); // half done; if another writer's fatal() killed the process, never resume
    apply();
    this.writing = false;
  }

  private checkRead(site: string): void {
    this.detector?.read(this.label, site);
    if (this.writing) fatal('concurrent map read and map write');
  }
}
