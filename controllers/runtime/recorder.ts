// An asynchronous event recorder after client-go tools/record (event.go, events_cache.go). event() only
// queues; the broadcaster's sender goroutine writes core/v1 Events later, one at a time, in order:
// POST a new Event, or, for a repeat of an event already written (same source, involvedObject, type,
// reason and message: events_cache.go getEventKey), a strategic merge PATCH of count+1 and lastTimestamp
// on the Event written before (EventCorrelator's eventLogger), falling back to POST if it is gone.
//
// When "later" is. Queued events wait for a wake-up timer on the injected Clock (flushDelayMs, default 0)
// before the sender picks them up, so on a FakeClock nothing is written until the clock fires its due
// timers (a scenario's quiescence step does) or someone calls flush(); an Event can therefore never
// overtake the code that emitted it unless the clock or a flush lets it. Only the events queued when the
// sender woke are written in that round; later ones wait for their own wake-up.
//
// Failures (recordToSink): a Status error from the server is logged and the event dropped ("will not
// retry"); a transport error is retried up to maxTriesPerEvent times, the sender sleeping retrySleepMs on
// the Clock between tries (upstream randomises the first sleep; there is no Random here). Not
// reproduced: the EventAggregator (similar events combined) and the spam filter's token bucket.
//
// Shutdown: when the context given to start() is cancelled, timers are cancelled at once, each event
// still queued gets one attempt, and start() resolves. If the process died instead, nothing more is
// written, as with a real crash.
import { format } from 'node:util';
import { rfc3339Seconds, type Clock, type TimerHandle } from '../../apiserver/machinery/clock.ts';
import { StatusError } from '../../apiserver/machinery/errors.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { codeOf, type KubeClient, type ResourceRef } from '../../clients/kube/client.ts';
import { park, sleep, type Context } from './concurrency.ts';

/** event.go: maxTriesPerEvent and defaultSleepDuration. */
export const defaultMaxTriesPerEvent = 12;
export const defaultRetrySleepMs = 10_000;
/** event.go maxQueuedEvents: beyond this many waiting events new ones are dropped. */
export const defaultMaxQueuedEvents = 1000;
/** events_cache.go maxLruCacheEntries. */
export const eventCacheEntries = 4096;

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventSource {
  component: string;
  host?: string;
}

/** core/v1 Event, as this recorder writes it. */
export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  source: EventSource;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: EventType;
  reportingComponent: string;
  reportingInstance: string;
}

export interface EventRecorder {
  /** Queues an event about obj (an object with apiVersion and kind, or a reference). Never blocks. */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void;
  /** As event(), the message formatted Go-style (%s, %d, %v, %q). */
  eventf(obj: KubeObject | ObjectReference, type: EventType, reason: string, messageFmt: string, ...args: unknown[]): void;
}

export interface EventBroadcasterOptions {
  client: KubeClient;
  clock: Clock;
  logger?: Logger;
  /** How long queued events wait on the Clock before the sender wakes. Default 0 (the clock's next firing). */
  flushDelayMs?: number;
  maxTriesPerEvent?: number;
  retrySleepMs?: number;
  maxQueuedEvents?: number;
}

export interface EventBroadcasterStats {
  created: number;
  patched: number;
  /** Rejected by the server, or given up after maxTriesPerEvent. */
  dropped: number;
}

const eventsResource = (namespace: string): ResourceRef => ({ group: '', version: 'v1', plural: 'events', namespace });

/**
 * A sequence per Clock so that names made in the same Clock millisecond differ (upstream uses nanoseconds).
 * Per Clock rather than per process: everything sharing a clock (one scenario world) draws from one
 * sequence, and a second world with the same seed makes the same names.
 */
const nameSeqs = new WeakMap<Clock, number>();

function eventName(objName: string, clock: Clock): string {
  const seq = nameSeqs.get(clock) ?? 0;
  nameSeqs.set(clock, seq + 1);
  const nanos = BigInt(Math.floor(clock.now())) * 1_000_000n + BigInt(seq % 1_000_000);
  return `${objName}.${nanos.toString(16)}`;
}

/** events_cache.go getEventKey. */
function eventKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [e.source.component, e.source.host, o.kind, o.namespace, o.name, o.fieldPath, o.uid, o.apiVersion, e.type, e.reason, e.message]
    .map((s) => s ?? '')
    .join('\x00');
}

/** Go's fmt verbs mapped onto util.format: %v → %s, %q → a quoted string. */
export function goSprintf(fmt: string, ...args: unknown[]): string {
  let i = 0;
  const out = fmt.replace(/%([vsdq%])/g, (m, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[i++];
    if (verb === 'q') return JSON.stringify(String(arg));
    if (verb === 'd') return String(typeof arg === 'number' ? Math.trunc(arg) : arg);
    return typeof arg === 'object' && arg !== null ? format('%o', arg) : String(arg);
  });
  return out;
}

function referenceOf(obj: KubeObject | ObjectReference): ObjectReference | undefined {
  if ('metadata' in obj && obj.metadata) {
    const o = obj as KubeObject;
    if (!o.kind || !o.apiVersion) return undefined;
    const m = o.metadata;
    return { kind: o.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: o.apiVersion, resourceVersion: m.resourceVersion };
  }
  const r = obj as ObjectReference;
  return r.kind && r.name ? { ...r } : undefined;
}

interface CacheEntry {
  count: number;
  firstTimestamp: string;
  name: string;
  resourceVersion: string | undefined;
}

type SenderState = 'stopped' | 'waiting' | 'sending' | 'sleeping';

export class EventBroadcaster {
  readonly stats: EventBroadcasterStats = { created: 0, patched: 0, dropped: 0 };
  private readonly opts: EventBroadcasterOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly cache = new Map<string, CacheEntry>();
  private queue: CoreEvent[] = [];
  /** Events of the round being written, not yet done. */
  private inRound = 0;
  private state: SenderState = 'stopped';
  private due = false;
  private stopping = false;
  private wakeTimer: TimerHandle | undefined;
  private wakeSender: (() => void) | undefined;
  /** flush() callers waiting for the next round to finish. */
  private flushWaiters: (() => void)[] = [];

  constructor(opts: EventBroadcasterOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'event-broadcaster' });
  }

  /** record.EventBroadcaster.NewRecorder. */
  newRecorder(source: EventSource | string): EventRecorder {
    const src: EventSource = typeof source === 'string' ? { component: source } : source;
    const record = (obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void => {
      if (type !== 'Normal' && type !== 'Warning') {
        this.log.error({ type }, 'Unsupported event type');
        return;
      }
      const ref = referenceOf(obj);
      if (!ref) {
        this.log.error({ reason }, 'Could not construct reference, will not report event');
        return;
      }
      const now = rfc3339Seconds(this.clock.now());
      const event: CoreEvent = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: eventName(ref.name ?? '', this.clock), namespace: ref.namespace || 'default' },
        involvedObject: ref,
        reason,
        message,
        source: src.host ? { component: src.component, host: src.host } : { component: src.component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        reportingComponent: src.component,
        reportingInstance: src.host ?? '',
      };
      this.enqueue(event);
    };
    return {
      event: record,
      eventf: (obj, type, reason, fmt, ...args) => record(obj, type, reason, goSprintf(fmt, ...args)),
    };
  }

  /** Events queued and not yet written (including any the sender is working on). */
  pending(): number {
    return this.queue.length + this.inRound;
  }

  /**
   * Quiescence: the sender is not writing and has not been woken with work. Events waiting for the wake-up
   * timer, or a retry sleeping on the Clock, count as pending timers, not work (see pending()).
   */
  idle(): boolean {
    if (this.state === 'sending') return false;
    return !(this.due && this.queue.length > 0);
  }

  /** Writes every event queued now (no waiting for the wake-up timer); resolves when that round is done. */
  async flush(): Promise<void> {
    if (this.state === 'stopped') throw new Error('EventBroadcaster: flush() while the sender is not running');
    if (this.queue.length === 0 && this.inRound === 0) return;
    this.wakeTimer?.cancel();
    this.wakeTimer = undefined;
    const done = new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    this.due = true;
    this.wake();
    await done;
  }

  /** The sender goroutine: runs until ctx is cancelled, then gives each queued event one last attempt. */
  async start(ctx: Context): Promise<void> {
    if (this.state !== 'stopped' || this.stopping) throw new Error('EventBroadcaster: started twice');
    this.state = 'waiting';
    const onAbort = (): void => {
      this.stopping = true;
      this.wakeTimer?.cancel();
      this.wakeTimer = undefined;
      this.wake();
    };
    if (ctx.done.aborted) onAbort();
    else ctx.done.addEventListener('abort', onAbort, { once: true });
    while (!this.stopping) {
      if (!this.due) {
        this.state = 'waiting';
        await park(new Promise<void>((resolve) => (this.wakeSender = resolve)));
        continue;
      }
      this.due = false;
      const waiters = this.flushWaiters.splice(0);
      await this.sendAll(this.queue.splice(0), ctx, true);
      for (const w of waiters) w();
    }
    await this.sendAll(this.queue.splice(0), ctx, false);
    this.state = 'stopped';
    for (const w of this.flushWaiters.splice(0)) w();
  }

  private enqueue(event: CoreEvent): void {
    if (this.stopping) {
      this.stats.dropped++;
      this.log.warn({ reason: event.reason }, 'event broadcaster stopped, dropping event');
      return;
    }
    if (this.queue.length >= (this.opts.maxQueuedEvents ?? defaultMaxQueuedEvents)) {
      this.stats.dropped++;
      this.log.error({ reason: event.reason }, 'event queue full, dropping event');
      return;
    }
    this.queue.push(event);
    if (this.wakeTimer || this.due) return;
    this.wakeTimer = this.clock.setTimer(this.opts.flushDelayMs ?? 0, () => {
      this.wakeTimer = undefined;
      this.due = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.wakeSender;
    this.wakeSender = undefined;
    w?.();
  }

  private async sendAll(batch: CoreEvent[], ctx: Context, retry: boolean): Promise<void> {
    this.inRound = batch.length;
    for (const event of batch) {
      this.state = 'sending';
      const maxTries = retry ? (this.opts.maxTriesPerEvent ?? defaultMaxTriesPerEvent) : 1;
      for (let tries = 1; ; tries++) {
        if (await this.write(event)) break;
        if (tries >= maxTries || ctx.done.aborted) {
          this.stats.dropped++;
          this.log.error({ reason: event.reason, tries }, 'Unable to write event, giving up');
          break;
        }
        this.state = 'sleeping';
        try {
          await sleep(this.clock, this.opts.retrySleepMs ?? defaultRetrySleepMs, ctx);
        } catch {
          this.stats.dropped++;
          break;
        }
        this.state = 'sending';
      }
      this.inRound--;
    }
    this.state = 'waiting';
  }

  /** event.go recordEvent: true when done with the event (written, or rejected for good), false to retry. */
  private async write(event: CoreEvent): Promise<boolean> {
    const key = eventKey(event);
    const last = this.cache.get(key);
    const client = this.opts.client;
    const ref = eventsResource(event.metadata.namespace ?? 'default');
    try {
      let written: CoreEvent | undefined;
      if (last) {
        // events_cache.go eventObserve: the same event again counts up on the Event written before.
        event.count = last.count + 1;
        event.firstTimestamp = last.firstTimestamp;
        event.metadata.name = last.name;
        try {
          written = await park(client.patch<CoreEvent>(ref, last.name, { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message }, 'strategic'));
          this.stats.patched++;
        } catch (e) {
          if (codeOf(e) !== 404) throw e;
          written = undefined; // removed meanwhile: create it again, keeping the count
        }
      }
      if (!written) {
        delete event.metadata.resourceVersion;
        written = await park(client.create<CoreEvent>(ref, event));
        this.stats.created++;
      }
      this.remember(key, written);
      return true;
    } catch (e) {
      if (e instanceof StatusError) {
        this.stats.dropped++;
        this.log.warn({ reason: event.reason, code: e.code, err: e.message }, 'Server rejected event (will not retry!)');
        return true;
      }
      this.log.warn({ reason: event.reason, err: String(e) }, 'Unable to write event (may retry after sleeping)');
      return false;
    }
  }

  private remember(key: string, written: CoreEvent): void {
    this.cache.delete(key);
    this.cache.set(key, {
      count: written.count ?? 1,
      firstTimestamp: written.firstTimestamp,
      name: written.metadata.name ?? '',
      resourceVersion: written.metadata.resourceVersion,
    });
    if (this.cache.size > eventCacheEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
