// A data race detector in the spirit of Go's -race (ThreadSanitizer): happens-before over vector clocks.
//
// Model. An address is any string naming a memory location ("scheme.Scheme", "registry.kinds"). For each one
// the detector keeps the last write and the reads since, each as (goroutine, that goroutine's own clock
// component at the access, a captured Error for the stack). An access races with an earlier conflicting one
// (at least one a write, different goroutines) unless the earlier one happens-before it, i.e. the current
// goroutine's vector clock has caught up with the earlier access's epoch through go(), WaitGroup, Mutex,
// context cancel or join (concurrency.ts). This is FastTrack's epoch test.
//
// Differences from Go. Nothing here is timing-based: Node interleaves goroutines only at awaits, so two
// unsynchronised accesses are reported even when they ran one after the other, which is exactly what
// TSan's happens-before mode reports too. Only instrumented accesses are seen (read()/write() calls, the
// wrappers below, GoMap (gomap.ts) and GoSlice (goslice.ts) given a detector) and the shadow state is not
// bounded. Reports are deduplicated on (address, access kinds, sites) as TSan deduplicates on stack pairs.
// Stacks are V8 stacks, formatted only when a race is reported.
import { fileURLToPath } from 'node:url';
import { currentGoroutine, stackFrames, type Goroutine } from './concurrency.ts';

export interface Access {
  kind: 'read' | 'write';
  goroutine: Goroutine;
  /** The goroutine's own clock component when it made the access. */
  epoch: number;
  /** A name for the code location (e.g. "Scheme.AddKnownTypeWithName"), printed as the top frame. */
  site: string | undefined;
  trace: Error;
}

const ownFile = fileURLToPath(import.meta.url);

function frames(access: Access): string[] {
  const lines = stackFrames(access.trace, ownFile);
  return access.site ? [access.site, ...lines] : lines;
}

function goroutineStatus(g: Goroutine): string[] {
  if (!g.createdAt) return [];
  return ['', `Goroutine ${g.id} (${g.state}) created at:`, ...stackFrames(g.createdAt, ownFile).map((f) => `  ${f}`)];
}

export class RaceReport {
  constructor(
    readonly addr: string,
    /** A stable fake address for the Go-like header. */
    readonly hex: string,
    readonly current: Access,
    readonly previous: Access,
  ) {}

  toString(): string {
    const describe = (a: Access, prefix: string): string[] => {
      const kind = prefix ? a.kind : a.kind === 'read' ? 'Read' : 'Write';
      return [`${prefix}${kind} at ${this.hex} by goroutine ${a.goroutine.id} (${a.goroutine.name}):`, ...frames(a).map((f) => `  ${f}`)];
    };
    return [
      '==================',
      'WARNING: DATA RACE',
      ...describe(this.current, ''),
      '',
      ...describe(this.previous, 'Previous '),
      ...goroutineStatus(this.current.goroutine),
      ...goroutineStatus(this.previous.goroutine),
      '',
      `Location is '${this.addr}' at ${this.hex}`,
      '==================',
    ].join('\n');
  }
}

interface Shadow {
  hex: string;
  write: Access | undefined;
  /** Reads since the last write that are not ordered before a later read. */
  reads: Access[];
}

function happensBefore(earlier: Access, g: Goroutine): boolean {
  return g.clock.get(earlier.goroutine) >= earlier.epoch;
}

export class RaceDetector {
  readonly reports: RaceReport[] = [];
  private readonly shadow = new Map<string, Shadow>();
  private readonly seen = new Set<string>();
  private readonly labels = new Map<string, number>();
  private readonly onRace: ((report: RaceReport) => void) | undefined;

  constructor(options: { onRace?: (report: RaceReport) => void } = {}) {
    this.onRace = options.onRace;
  }

  /**
   * A fresh address for a new object named label (a map or slice made by make() or a literal): the first
   * one is label itself, later ones label#2, label#3, ... Two objects made by the same line, e.g. in two
   * calls of one function, are distinct memory to Go; sharing an address would report races between them.
   */
  location(label: string): string {
    const n = (this.labels.get(label) ?? 0) + 1;
    this.labels.set(label, n);
    return n === 1 ? label : `${label}#${n}`;
  }

  read(addr: string, site?: string): void {
    const access = this.access('read', site);
    const s = this.cell(addr);
    if (s.write && !happensBefore(s.write, access.goroutine)) this.report(addr, s, access, s.write);
    // A read ordered before this one is subsumed: any write racing with it races with this one too.
    s.reads = s.reads.filter((r) => !happensBefore(r, access.goroutine));
    s.reads.push(access);
  }

  write(addr: string, site?: string): void {
    const access = this.access('write', site);
    const s = this.cell(addr);
    const racing = s.write && !happensBefore(s.write, access.goroutine) ? s.write : s.reads.find((r) => !happensBefore(r, access.goroutine));
    if (racing) this.report(addr, s, access, racing);
    s.write = access;
    s.reads = [];
  }

  private access(kind: 'read' | 'write', site: string | undefined): Access {
    const goroutine = currentGoroutine();
    return { kind, goroutine, epoch: goroutine.clock.get(goroutine), site, trace: new Error() };
  }

  private cell(addr: string): Shadow {
    let s = this.shadow.get(addr);
    if (!s) {
      s = { hex: `0x${(0xc000010000 + this.shadow.size * 8).toString(16).padStart(12, '0')}`, write: undefined, reads: [] };
      this.shadow.set(addr, s);
    }
    return s;
  }

  private report(addr: string, s: Shadow, current: Access, previous: Access): void {
    const key = [addr, previous.kind, current.kind, frames(previous)[0], frames(current)[0]].join('\0');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const report = new RaceReport(addr, s.hex, current, previous);
    this.reports.push(report);
    this.onRace?.(report);
  }
}

const mapWrites = new Set<PropertyKey>(['set', 'add', 'delete', 'clear']);

/**
 * Wraps a Map or Set so each call is an access of one address, label: set/add/delete/clear write it, everything
 * else (get, has, size, iteration) reads it. Like Go, which instruments a map as one location, not per key.
 */
export function instrumentMap<T extends Map<unknown, unknown> | Set<unknown>>(target: T, detector: RaceDetector, label: string): T {
  const proxy: T = new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      const site = `${label}.${String(prop)}`;
      if (typeof value !== 'function') {
        detector.read(label, site);
        return value;
      }
      return (...args: unknown[]): unknown => {
        if (mapWrites.has(prop)) detector.write(label, site);
        else detector.read(label, site);
        const result: unknown = value.apply(t, args);
        return result === t ? proxy : result;
      };
    },
  });
  return proxy;
}

/**
 * Wraps an object (a registry, a struct) so each property is an address `label.prop`: reading it is a read,
 * assigning or deleting it a write. Methods run with the proxy as `this`, so their field accesses are seen
 * (TypeScript `private` fields work, `#private` ones do not). Map and Set values are wrapped by instrumentMap.
 */
export function instrumentObject<T extends object>(target: T, detector: RaceDetector, label: string): T {
  const wrapped = new Map<unknown, unknown>();
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver);
      if (typeof value === 'function' || typeof prop === 'symbol') return value;
      if (!(value instanceof Map || value instanceof Set)) {
        detector.read(`${label}.${prop}`);
        return value;
      }
      // The field and its contents share one address; each map operation is the access.
      let proxy = wrapped.get(value);
      if (!proxy) wrapped.set(value, (proxy = instrumentMap(value, detector, `${label}.${prop}`)));
      return proxy;
    },
    set(t, prop, value, receiver) {
      if (typeof prop === 'string') detector.write(`${label}.${prop}`);
      return Reflect.set(t, prop, value, receiver);
    },
    deleteProperty(t, prop) {
      if (typeof prop === 'string') detector.write(`${label}.${prop}`);
      return Reflect.deleteProperty(t, prop);
    },
  });
}
