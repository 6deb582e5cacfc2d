// The recorded history: everything the API server saw (requests, responses, watch deliveries, notes) in
// one total order. Interleaving conditions are predicates over it, and a scenario's invariants are
// checked on it (DESIGN.md principles 4 and 8).
import type { Clock } from '../machinery/clock.ts';
import type { DeliveryEntry, HistoryEntry, NoteEntry, ReconcileEntry, RequestEntry, ResponseEntry } from './types.ts';

/** The most entries a History keeps; older ones are dropped (and counted in `dropped`). */
export const historyEntriesLimit = 200_000;

/**
 * The characters of request-body summaries a History keeps, at most (about 32 MiB of one-byte text): past
 * it the oldest entries are dropped as past limitEntries, so a server that takes large writes for hours
 * holds a bounded history.
 */
export const historyBodyCharsLimit = 32 * 1024 * 1024;

/** The actor that notes made by racelab itself carry (rules installed and removed, a full history). */
export const racelabActor = 'racelab';

type Unstamped<E> = E extends HistoryEntry ? Omit<E, 'seq' | 'atMs' | 'realMs'> : never;

/** An entry before the History gives it its place and times. */
export type NewEntry = Unstamped<HistoryEntry>;

type Stamped<E extends NewEntry> = E extends { type: 'request' }
  ? RequestEntry
  : E extends { type: 'response' }
    ? ResponseEntry
    : E extends { type: 'delivery' }
      ? DeliveryEntry
      : E extends { type: 'reconcile' }
        ? ReconcileEntry
        : NoteEntry;

export interface HistoryOptions {
  /** The server's Clock: every entry's atMs. */
  clock: Clock;
  /** Real milliseconds (performance.now or a RealClock): realMs is measured from construction. */
  now: () => number;
  /** The storage's current revision, for rvBefore and rvAfter; 0 when not given. */
  revision?: () => number;
  /** Entries kept; default historyEntriesLimit. */
  limitEntries?: number;
  /** Characters of request bodies kept; default historyBodyCharsLimit. */
  limitBodyChars?: number;
}

export interface HistoryJson {
  /** Entries dropped from the front because the history was full. */
  dropped: number;
  /** The seq of the newest entry (0 when empty). */
  lastSeq: number;
  entries: HistoryEntry[];
}

const bodyCharsOf = (e: HistoryEntry): number => (e.type === 'request' ? (e.body?.length ?? 0) : 0);

export class History {
  readonly limitEntries: number;
  readonly limitBodyChars: number;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly revisionOf: () => number;
  private readonly startReal: number;
  /** Entries from `start` on are live; the ones before are dropped and compacted away in batches. */
  private buf: HistoryEntry[] = [];
  private start = 0;
  private seq = 0;
  private droppedCount = 0;
  /** Characters of the request bodies of the entries kept. */
  private bodyChars = 0;
  private readonly listeners = new Set<(e: HistoryEntry) => void>();

  constructor(opts: HistoryOptions) {
    this.clock = opts.clock;
    this.now = opts.now;
    this.revisionOf = opts.revision ?? (() => 0);
    this.limitEntries = opts.limitEntries ?? historyEntriesLimit;
    if (!Number.isInteger(this.limitEntries) || this.limitEntries < 1) throw new RangeError(`history limit must be a positive integer, got ${this.limitEntries}`);
    this.limitBodyChars = opts.limitBodyChars ?? historyBodyCharsLimit;
    this.startReal = this.now();
  }

  /** The storage's current revision. */
  revision(): number {
    return this.revisionOf();
  }

  /** Stamps the entry with the next seq and the times, appends it, and tells every subscriber. */
  append<E extends NewEntry>(entry: E): Stamped<E> {
    const stamped = this.stamp(entry);
    this.buf.push(stamped);
    this.bodyChars += bodyCharsOf(stamped);
    const added = [stamped];
    if (this.buf.length - this.start > this.limitEntries || this.bodyChars > this.limitBodyChars) {
      if (this.droppedCount === 0) {
        // Said once, as the newest entry, so a reader of the history knows its front is missing.
        const said = this.stamp({
          type: 'note',
          actor: racelabActor,
          tag: 'history',
          text: `the history reached its limit of ${this.limitEntries} entries or ${this.limitBodyChars} characters of request bodies: the oldest are dropped from now on`,
        });
        this.buf.push(said);
        added.push(said);
      }
      this.dropOldest();
    }
    let failure: { error: unknown } | undefined;
    for (const e of added) {
      for (const fn of [...this.listeners]) {
        try {
          fn(e);
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    // Every subscriber heard of the entry; the first failure is not swallowed.
    if (failure) throw failure.error;
    return stamped as Stamped<E>;
  }

  /** Records something a scenario or component wants on the timeline. */
  note(actor: string, tag: string, text: string): NoteEntry {
    return this.append({ type: 'note', actor, tag, text });
  }

  /** Every entry kept, oldest first. Do not hold on to the array across appends. */
  entries(): readonly HistoryEntry[] {
    if (this.start > 0) this.compact();
    return this.buf;
  }

  /** Entries with a seq greater than `seq`, oldest first. */
  since(seq: number): HistoryEntry[] {
    return this.buf.slice(this.indexAfter(seq));
  }

  /** The entry with this seq, if it is still kept. */
  get(seq: number): HistoryEntry | undefined {
    const first = this.firstSeq();
    if (first === undefined || seq < first || seq > this.seq) return undefined;
    return this.buf[this.start + (seq - first)];
  }

  /** The first entry after `afterSeq` that satisfies pred. */
  find(pred: (e: HistoryEntry) => boolean, afterSeq = 0): HistoryEntry | undefined {
    for (let i = this.indexAfter(afterSeq); i < this.buf.length; i++) {
      const e = this.buf[i] as HistoryEntry;
      if (pred(e)) return e;
    }
    return undefined;
  }

  /** How many entries after `afterSeq` satisfy pred; stops counting at `atMost`. */
  count(pred: (e: HistoryEntry) => boolean, afterSeq = 0, atMost = Infinity): number {
    let n = 0;
    for (let i = this.indexAfter(afterSeq); i < this.buf.length && n < atMost; i++) if (pred(this.buf[i] as HistoryEntry)) n++;
    return n;
  }

  /** The seq of the newest entry; 0 before the first. */
  lastSeq(): number {
    return this.seq;
  }

  /** How many entries are kept. */
  get length(): number {
    return this.buf.length - this.start;
  }

  /** How many of the oldest entries were dropped because the history was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Calls fn after every append, with the new entry; returns the unsubscribe function. */
  onAppend(fn: (e: HistoryEntry) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  toJSON(): HistoryJson {
    return { dropped: this.droppedCount, lastSeq: this.seq, entries: [...this.entries()] };
  }

  private stamp(entry: NewEntry): HistoryEntry {
    return { seq: ++this.seq, atMs: this.clock.now(), realMs: Math.round((this.now() - this.startReal) * 1000) / 1000, ...entry } as HistoryEntry;
  }

  private firstSeq(): number | undefined {
    return this.buf[this.start]?.seq;
  }

  /** The buffer index of the first entry with a seq greater than `seq` (seqs are contiguous). */
  private indexAfter(seq: number): number {
    const first = this.firstSeq();
    if (first === undefined) return this.buf.length;
    if (seq < first) return this.start;
    return Math.min(this.buf.length, this.start + (Math.floor(seq) - first + 1));
  }

  private dropOldest(): void {
    while (this.buf.length - this.start > this.limitEntries || (this.bodyChars > this.limitBodyChars && this.buf.length - this.start > 1)) {
      this.bodyChars -= bodyCharsOf(this.buf[this.start] as HistoryEntry);
      this.start++;
      this.droppedCount++;
    }
    if (this.start >= Math.max(1024, this.limitEntries / 4)) this.compact();
  }

  private compact(): void {
    this.buf = this.buf.slice(this.start);
    this.start = 0;
  }
}
