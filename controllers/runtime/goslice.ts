// A Go slice variable shared between goroutines, instrumented the way Go's -race sees it.
//
// Model. The slice variable (its header: pointer, length, capacity) is one address, label; element i is
// another, label[i]. `s = append(s, v)` reads the header, writes the new elements and writes the header;
// `s[i] = v` reads the header and writes element i; `s[i]`, len(s) and `range s` read. So goroutines that
// append to one slice without synchronisation race on its header (Go reports it on every such append), while
// goroutines that each write only their own index (capsule #1264's processedRaw) do not race with each other,
// only with a reader that is not ordered after them (by WaitGroup.Wait, a Mutex, join, ...). make() writes the
// header and the zeroed elements in the goroutine that calls it.
//
// Differences from Go. Nothing is torn or lost: appends from several goroutines all land, in the order they
// ran, since Node interleaves only at awaits; the race is what -race reports, not a corrupted slice.
// Capacity and aliasing of backing arrays are not modelled: append always grows this variable in place.
// An index out of range throws Go's runtime error, which, escaping a goroutine, is a panic (concurrency.ts).
import type { RaceDetector } from './racedetector.ts';

export interface GoSliceOptions {
  /** Name of the slice variable, its address in race reports (made unique per slice by RaceDetector.location). */
  label?: string;
  detector?: RaceDetector;
}

export class GoSlice<T> {
  private readonly items: T[] = [];
  private readonly label: string;
  private readonly detector: RaceDetector | undefined;

  /** A slice literal: []T{items...}. */
  constructor(items: readonly T[] = [], options: GoSliceOptions = {}) {
    this.detector = options.detector;
    this.label = this.detector ? this.detector.location(options.label ?? 'slice') : (options.label ?? 'slice');
    this.detector?.write(this.label, 'makeslice');
    for (const item of items) this.push(item, 'makeslice');
  }

  /** make([]T, length), every element zero. */
  static make<T>(length: number, zero: T, options: GoSliceOptions = {}): GoSlice<T> {
    return new GoSlice<T>(Array.from({ length }, () => zero), options);
  }

  /** len(s) */
  get len(): number {
    this.detector?.read(this.label, 'len');
    return this.items.length;
  }

  /** s[i] */
  at(i: number): T {
    this.detector?.read(this.label, 'index');
    this.check(i);
    this.detector?.read(`${this.label}[${i}]`, 'index');
    return this.items[i] as T;
  }

  /** s[i] = v */
  set(i: number, value: T): void {
    this.detector?.read(this.label, 'index');
    this.check(i);
    this.detector?.write(`${this.label}[${i}]`, 'index');
    this.items[i] = value;
  }

  /** s = append(s, values...) */
  append(...values: T[]): void {
    this.detector?.read(this.label, 'append');
    for (const value of values) this.push(value, 'append');
    this.detector?.write(this.label, 'append');
  }

  /** for i, v := range s: the header once, then each element as it is reached. */
  *[Symbol.iterator](): IterableIterator<T> {
    const n = this.len;
    for (let i = 0; i < n; i++) {
      this.detector?.read(`${this.label}[${i}]`, 'range');
      yield this.items[i] as T;
    }
  }

  private push(value: T, site: string): void {
    this.detector?.write(`${this.label}[${this.items.length}]`, site);
    this.items.push(value);
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.items.length) throw new Error(`runtime error: index out of range [${i}] with length ${this.items.length}`);
  }
}
