// The RecordingInterleaver: the HTTP layer hands it every request and every watch delivery. It records
// them in the History and applies the installed rules: hold a request until a condition on the history
// holds (or its bound on the injected Clock passes), fail the next N matching requests with a Status, hold
// back watch items to an actor (in order) until a condition holds. DESIGN.md principle 4.
//
// Every state change happens synchronously inside an "atomic" section; conditions are re-evaluated at
// the end of the outermost one, so an entry appended while a batch of deliveries is being recorded never
// lets another release jump into the middle of it, and the history order is the wire order.
import type { Clock, TimerHandle } from '../machinery/clock.ts';
import { StatusError, type Status } from '../machinery/errors.ts';
import { History, racelabActor } from './history.ts';
import { matchString } from './conditions.ts';
import { requestMatches, requestName, Rule, Rules, type DelayDeliverySpec, type FailRequestsSpec, type HoldRequestSpec, type RuleReport, type RuleSpec } from './rules.ts';
import type { DeliveryItem, Interleaver, RequestEntry, RequestInfo, RequestOutcome, WatchInfo } from './types.ts';

/** The longest body summary in a RequestEntry, in characters. */
export const bodySummaryLimitChars = 200;

export interface RecordingInterleaverOptions {
  /** The server's Clock: entry times and the bounds of holds. */
  clock: Clock;
  /** Where everything is recorded; default a new History on this clock, `now` and `revision`. */
  history?: History;
  /** Real milliseconds (performance.now or a RealClock's now), for the default history's realMs. */
  now?: () => number;
  /** The storage's current revision; default the history's provider. */
  revision?: () => number;
}

/** A request waiting on a hold. */
export interface HeldRequest {
  rule: string;
  actor: string;
  verb: RequestInfo['verb'];
  resource: string;
  namespace?: string;
  name?: string;
  /** The seq of its 'hold' note. */
  heldAtSeq: number;
  /** When its bound releases it, on the injected Clock (ms since the epoch). */
  deadlineMs?: number;
}

/** A request let through and not answered yet. */
export interface InFlightRequest {
  /** The seq of its RequestEntry. */
  seq: number;
  actor: string;
  verb: RequestInfo['verb'];
  resource: string;
  namespace?: string;
  name?: string;
}

/** Watch items held back on one stream. */
export interface PendingDelivery {
  rule: string;
  actor: string;
  resource: string;
  namespace?: string;
  /** How many items wait on this stream (the held one and those behind it). */
  items: number;
  /** The seq of the 'hold' note. */
  heldAtSeq: number;
  deadlineMs?: number;
}

interface PendingRequest {
  info: RequestInfo;
  name: string | undefined;
  /** Rules with an id up to this one were considered already. */
  afterRuleId: number;
  held?: RequestEntry['held'];
  resolve: (sink: (outcome: RequestOutcome) => void) => void;
  reject: (e: unknown) => void;
}

interface Hold {
  rule: Rule;
  request: PendingRequest;
  heldAtSeq: number;
  deadlineMs?: number;
  timer?: TimerHandle;
}

interface QueuedItem {
  item: DeliveryItem;
  /** Rules were applied to it already (it is the item a blocker held). */
  checked: boolean;
  /** The rule that held it back, itself or an item ahead of it. */
  delayedBy?: string;
}

interface Blocker {
  rule: Rule;
  heldAtSeq: number;
  deadlineMs?: number;
  timer?: TimerHandle;
}

interface Stream {
  watch: WatchInfo;
  queue: QueuedItem[];
  blocker?: Blocker;
  write?: (items: readonly DeliveryItem[]) => boolean;
  /** Resolves the pending deliver() call once the queue is written. */
  done?: (ok: boolean) => void;
  lastOk: boolean;
  /**
   * Set when a blocker is lifted: items committed up to this revision waited in the storage watcher
   * behind the held ones, and arrive with the next deliver() call; they were delayed by the rule too.
   */
  releasedThrough?: { rule: string; revision: number };
}

/** JSON with sorted keys, written only up to `limit` characters (bodies can be megabytes). */
function sortedJsonPrefix(v: unknown, limit: number): string {
  let out = '';
  const write = (x: unknown): void => {
    if (out.length > limit) return;
    if (Array.isArray(x)) {
      out += '[';
      x.forEach((e, i) => {
        if (i > 0) out += ',';
        write(e === undefined ? null : e);
      });
      out += ']';
    } else if (x !== null && typeof x === 'object') {
      out += '{';
      let first = true;
      for (const k of Object.keys(x).sort()) {
        const val = (x as Record<string, unknown>)[k];
        if (val === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(k)}:`;
        write(val);
        if (out.length > limit) return;
      }
      out += '}';
    } else {
      out += JSON.stringify(x) ?? 'null';
    }
  };
  write(v);
  return out;
}

/** A short, stable summary of a body: sorted keys, no managedFields or resourceVersion, truncated. */
/** Secret values never reach the history: data and stringData values (and JSON patch values under them) read `<redacted>`. */
export function redactSecretBody(body: unknown): unknown {
  const redactMap = (m: unknown): unknown => (m !== null && typeof m === 'object' && !Array.isArray(m) ? Object.fromEntries(Object.keys(m).map((k) => [k, redacted])) : m === undefined ? m : redacted);
  if (Array.isArray(body)) {
    return body.map((op: unknown) => {
      if (op === null || typeof op !== 'object' || Array.isArray(op)) return op;
      const o = op as Record<string, unknown>;
      const path = typeof o.path === 'string' ? o.path : '';
      if (!/^\/(data|stringData)(\/|$)/.test(path) || !('value' in o)) return o;
      return { ...o, value: /^\/(data|stringData)$/.test(path) ? redactMap(o.value) : redacted };
    });
  }
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const k of ['data', 'stringData']) if (Object.hasOwn(out, k)) out[k] = redactMap(out[k]);
  return out;
}

const redacted = '<redacted>';

export function summarizeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  let v = body;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const meta = (v as { metadata?: unknown }).metadata;
    if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
      const { managedFields: _m, resourceVersion: _rv, ...rest } = meta as Record<string, unknown>;
      v = { ...(v as Record<string, unknown>), metadata: rest };
    }
  }
  let s: string;
  try {
    s = sortedJsonPrefix(v, bodySummaryLimitChars);
  } catch {
    s = String(v);
  }
  return s.length > bodySummaryLimitChars ? `${s.slice(0, bodySummaryLimitChars - 1)}…` : s;
}

function describeRequest(info: { verb: string; resource: string; subresource?: string; namespace?: string }, name: string | undefined): string {
  const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const where = info.namespace !== undefined ? `${info.namespace}/` : '';
  return `${info.verb} ${res}${name !== undefined ? ` ${where}${name}` : info.namespace !== undefined ? ` in ${info.namespace}` : ''}`;
}

export class RecordingInterleaver implements Interleaver {
  readonly history: History;
  readonly rules: Rules;
  private readonly clock: Clock;
  private readonly revision: () => number;
  private readonly holds = new Set<Hold>();
  private readonly inflight = new Map<number, InFlightRequest>();
  private readonly streams = new Map<WatchInfo, Stream>();
  /** Streams that ended: anything handed over for them afterwards is not written. */
  private readonly closedWatches = new WeakSet<WatchInfo>();
  private watchCount = 0;
  private waiters: (() => void)[] = [];
  private depth = 0;
  private dirty = false;

  constructor(opts: RecordingInterleaverOptions) {
    this.clock = opts.clock;
    this.history = opts.history ?? new History({ clock: opts.clock, now: opts.now ?? (() => 0), revision: opts.revision });
    this.revision = opts.revision ?? (() => this.history.revision());
    this.rules = new Rules({ removed: (rule) => this.atomic(() => this.ruleRemoved(rule)) });
    this.history.onAppend(() => {
      this.dirty = true;
      if (this.depth === 0) this.atomic(() => undefined);
      this.changed();
    });
  }

  // --- installing rules ---

  /** Holds matching requests until `until` holds or `boundMs` of the Clock pass. */
  holdRequest(spec: HoldRequestSpec): RuleReport {
    return this.install({ kind: 'holdRequest', ...spec });
  }

  /** Fails the next `times` matching requests with `status`. */
  failRequests(spec: FailRequestsSpec): RuleReport {
    return this.install({ kind: 'failRequests', ...spec });
  }

  /** Holds back matching watch items to the actor's streams (and those behind them) until `until` holds. */
  delayDelivery(spec: DelayDeliverySpec): RuleReport {
    return this.install({ kind: 'delayDelivery', ...spec });
  }

  /** Installs a rule; its conditions look at the entries after the 'rule' note that says so. */
  install(spec: RuleSpec): RuleReport {
    return this.atomic(() => {
      const rule = this.rules.add(spec, () => this.history.note(racelabActor, 'rule', `installed ${spec.kind} ${spec.name}`).seq);
      this.changed();
      return rule.report();
    });
  }

  /** Records a note (a scenario step, a crash, an assertion). */
  note(actor: string, tag: string, text: string): void {
    this.history.note(actor, tag, text);
  }

  // --- what the scenario engine looks at to decide quiescence ---

  /** How many requests were let through and not answered yet. */
  inFlight(): number {
    return this.inflight.size;
  }

  /** The requests let through and not answered yet. */
  inFlightRequests(): InFlightRequest[] {
    return [...this.inflight.values()];
  }

  /** Requests waiting on a hold. */
  held(): HeldRequest[] {
    return [...this.holds].map((h) => ({
      rule: h.rule.name,
      actor: h.request.info.actor,
      verb: h.request.info.verb,
      resource: h.request.info.resource,
      ...(h.request.info.namespace !== undefined ? { namespace: h.request.info.namespace } : {}),
      ...(h.request.name !== undefined ? { name: h.request.name } : {}),
      heldAtSeq: h.heldAtSeq,
      ...(h.deadlineMs !== undefined ? { deadlineMs: h.deadlineMs } : {}),
    }));
  }

  /** Watch streams with items held back. */
  pendingDeliveries(): PendingDelivery[] {
    const out: PendingDelivery[] = [];
    for (const st of this.streams.values()) {
      if (!st.blocker || st.queue.length === 0) continue;
      out.push({
        rule: st.blocker.rule.name,
        actor: st.watch.actor,
        resource: st.watch.resource,
        ...(st.watch.namespace !== undefined ? { namespace: st.watch.namespace } : {}),
        items: st.queue.length,
        heldAtSeq: st.blocker.heldAtSeq,
        ...(st.blocker.deadlineMs !== undefined ? { deadlineMs: st.blocker.deadlineMs } : {}),
      });
    }
    return out;
  }

  /** Watch streams open now. */
  activeWatches(): number {
    return this.watchCount;
  }

  /** Resolves at the next history append or change of state (a rule, a watch opened or closed). */
  whenChanged(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  // --- the Interleaver interface ---

  beginRequest(info: RequestInfo): Promise<(outcome: RequestOutcome) => void> {
    return new Promise((resolve, reject) => {
      this.atomic(() => {
        let name: string | undefined;
        try {
          name = requestName(info);
        } catch (e) {
          reject(e);
          return;
        }
        this.walk({ info, name, afterRuleId: 0, resolve, reject });
      });
    });
  }

  deliver(watch: WatchInfo, items: readonly DeliveryItem[], write: (items: readonly DeliveryItem[]) => boolean): Promise<boolean> | boolean {
    if (this.closedWatches.has(watch)) return false;
    return this.atomic(() => {
      let st = this.streams.get(watch);
      if (!st) {
        st = { watch, queue: [], lastOk: true };
        this.streams.set(watch, st);
      }
      st.write = write;
      const released = st.releasedThrough;
      st.releasedThrough = undefined;
      for (const item of items) {
        const q: QueuedItem = { item, checked: false };
        if (released && item.type !== 'BOOKMARK' && item.revision <= released.revision) q.delayedBy = released.rule;
        st.queue.push(q);
      }
      this.flush(st);
      if (st.queue.length === 0) return st.lastOk;
      // The pump waits here; the items after these stay in the storage watcher, in order.
      return new Promise<boolean>((resolve) => {
        (st as Stream).done = resolve;
      });
    });
  }

  watchClosed(watch: WatchInfo): void {
    if (this.closedWatches.has(watch)) return;
    this.closedWatches.add(watch);
    this.atomic(() => {
      this.watchCount = Math.max(0, this.watchCount - 1);
      const st = this.streams.get(watch);
      if (st) {
        this.streams.delete(watch);
        if (st.blocker) this.unblock(st, st.blocker);
        if (st.queue.length > 0) {
          this.history.note(watch.actor, 'drop', `watch ${watch.resource} closed with ${st.queue.length} held-back item(s) unwritten`);
          st.queue = [];
        }
        st.write = undefined;
        const done = st.done;
        st.done = undefined;
        done?.(false);
      }
      this.changed();
    });
  }

  // --- requests ---

  /** Applies the rules after p.afterRuleId in order: a hold waits, a failure ends it, else it goes through. */
  private walk(p: PendingRequest): void {
    for (const rule of this.rules.all()) {
      if (rule.id <= p.afterRuleId || rule.kind === 'delayDelivery' || rule.done) continue;
      let matches: boolean;
      try {
        matches = requestMatches((rule.spec as HoldRequestSpec | FailRequestsSpec).match, p.info);
      } catch (e) {
        this.history.note(racelabActor, 'error', `rule ${rule.name}: its match threw: ${(e as Error)?.message ?? String(e)}`);
        continue;
      }
      if (!matches) continue;
      p.afterRuleId = rule.id;
      rule.matched++;
      if (rule.spec.kind === 'failRequests') {
        rule.fired++;
        this.fail(p, rule.name, rule.spec.status);
        return;
      }
      if (this.conditionHolds(rule)) continue;
      rule.fired++;
      this.hold(p, rule);
      return;
    }
    this.letThrough(p);
  }

  private hold(p: PendingRequest, rule: Rule): void {
    const spec = rule.spec as HoldRequestSpec;
    const note = this.history.note(p.info.actor, 'hold', `${rule.name} holds ${describeRequest(p.info, p.name)}`);
    const h: Hold = { rule, request: p, heldAtSeq: note.seq };
    if (spec.boundMs !== undefined) {
      h.deadlineMs = this.clock.now() + spec.boundMs;
      h.timer = this.clock.setTimer(spec.boundMs, () => this.atomic(() => this.release(h, 'timeout')));
    }
    this.holds.add(h);
    rule.active++;
    this.changed();
  }

  private release(h: Hold, why: 'release' | 'timeout' | 'removed'): void {
    if (!this.holds.delete(h)) return;
    h.timer?.cancel();
    h.rule.active--;
    const what = describeRequest(h.request.info, h.request.name);
    const text =
      why === 'timeout'
        ? `${h.rule.name} released ${what} after its bound of ${(h.rule.spec as HoldRequestSpec).boundMs} ms`
        : why === 'removed'
          ? `${h.rule.name} was removed: released ${what}`
          : `${h.rule.name} released ${what}`;
    this.history.note(h.request.info.actor, why === 'timeout' ? 'timeout' : 'release', text);
    h.request.held = { rule: h.rule.name, heldAtSeq: h.heldAtSeq, timedOut: why === 'timeout' };
    this.walk(h.request);
  }

  private requestEntry(p: PendingRequest): RequestEntry {
    const { info } = p;
    let body: string | undefined;
    try {
      const raw = info.body();
      body = summarizeBody(info.group === '' && info.resource === 'secrets' ? redactSecretBody(raw) : raw);
    } catch {
      body = undefined;
    }
    return this.history.append({
      type: 'request',
      actor: info.actor,
      verb: info.verb,
      group: info.group,
      resource: info.resource,
      ...(info.subresource !== undefined ? { subresource: info.subresource } : {}),
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(body !== undefined ? { body } : {}),
      rvBefore: this.revision(),
      ...(p.held ? { held: p.held } : {}),
    });
  }

  private letThrough(p: PendingRequest): void {
    const req = this.requestEntry(p);
    const { info } = p;
    this.inflight.set(req.seq, {
      seq: req.seq,
      actor: info.actor,
      verb: info.verb,
      resource: info.resource,
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
    });
    let answered = false;
    p.resolve((outcome) => {
      if (answered) return;
      answered = true;
      this.atomic(() => {
        this.inflight.delete(req.seq);
        // A watch stream that started; one that failed at once (410, 504) carries a reason.
        if (info.verb === 'watch' && outcome.code === 200 && outcome.reason === undefined) this.watchCount++;
        this.history.append({
          type: 'response',
          request: req.seq,
          actor: info.actor,
          verb: info.verb,
          resource: info.resource,
          ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
          ...((outcome.name ?? p.name) !== undefined ? { name: outcome.name ?? p.name } : {}),
          code: outcome.code,
          ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
          rvAfter: this.revision(),
          ...(outcome.resourceVersion !== undefined && outcome.resourceVersion !== '' ? { objectRv: outcome.resourceVersion } : {}),
        });
      });
    });
  }

  /** Answers a request with `status` instead of serving it (an exploration fault), recorded as injected by `by`. */
  injectFault(info: RequestInfo, status: Status, by: string): Promise<never> {
    return new Promise<never>((_resolve, reject) => {
      this.atomic(() => {
        let name: string | undefined;
        try {
          name = requestName(info);
        } catch (e) {
          reject(e);
          return;
        }
        this.fail({ info, name, afterRuleId: 0, resolve: () => undefined, reject }, by, status);
      });
    });
  }

  private fail(p: PendingRequest, rule: string, status: Status): void {
    const req = this.requestEntry(p);
    const { info } = p;
    this.history.append({
      type: 'response',
      request: req.seq,
      actor: info.actor,
      verb: info.verb,
      resource: info.resource,
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
      code: status.code,
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      rvAfter: this.revision(),
      injected: { rule },
    });
    p.reject(new StatusError(structuredClone(status)));
  }

  // --- watch deliveries ---

  /** The first delay rule that holds this item back now, if any. */
  private delayRuleFor(watch: WatchInfo, item: DeliveryItem): Rule | undefined {
    for (const rule of this.rules.all()) {
      if (rule.spec.kind !== 'delayDelivery' || rule.done) continue;
      const spec = rule.spec;
      if (!matchString(spec.actor, watch.actor) || (spec.resource !== undefined && spec.resource !== watch.resource)) continue;
      if (spec.match) {
        let ok: boolean;
        try {
          ok = spec.match(item);
        } catch (e) {
          this.history.note(racelabActor, 'error', `rule ${rule.name}: its item match threw: ${(e as Error)?.message ?? String(e)}`);
          continue;
        }
        if (!ok) continue;
      }
      rule.matched++;
      if (this.conditionHolds(rule)) continue;
      return rule;
    }
    return undefined;
  }

  /** Writes the stream's queue up to the first item a rule holds back; records what was written. */
  private flush(st: Stream): void {
    if (!st.write) return;
    const batch: QueuedItem[] = [];
    while (st.queue.length > 0 && !st.blocker) {
      const q = st.queue[0] as QueuedItem;
      if (!q.checked) {
        q.checked = true;
        const rule = this.delayRuleFor(st.watch, q.item);
        if (rule) {
          this.block(st, rule, q);
          break;
        }
      }
      batch.push(q);
      st.queue.shift();
    }
    if (batch.length > 0) {
      st.lastOk = st.write(batch.map((q) => q.item));
      for (const q of batch) {
        const meta = q.item.object?.metadata;
        this.history.append({
          type: 'delivery',
          actor: st.watch.actor,
          resource: st.watch.resource,
          eventType: q.item.type,
          ...(meta?.namespace !== undefined ? { namespace: meta.namespace } : {}),
          ...(meta?.name !== undefined ? { name: meta.name } : {}),
          revision: q.item.revision,
          ...(q.delayedBy !== undefined ? { delayed: { rule: q.delayedBy } } : {}),
        });
      }
    }
    if (st.queue.length === 0 && st.done) {
      const done = st.done;
      st.done = undefined;
      done(st.lastOk);
    }
  }

  private block(st: Stream, rule: Rule, q: QueuedItem): void {
    const spec = rule.spec as DelayDeliverySpec;
    rule.fired++;
    rule.active++;
    const what = `${q.item.type} ${st.watch.resource}${q.item.object?.metadata.name !== undefined ? ` ${q.item.object.metadata.name}` : ''} (revision ${q.item.revision})`;
    const note = this.history.note(st.watch.actor, 'hold', `${rule.name} holds back ${what}`);
    const b: Blocker = { rule, heldAtSeq: note.seq };
    if (spec.boundMs !== undefined) {
      b.deadlineMs = this.clock.now() + spec.boundMs;
      b.timer = this.clock.setTimer(spec.boundMs, () => this.atomic(() => this.unblockAndFlush(st, b, 'timeout')));
    }
    st.blocker = b;
    this.changed();
  }

  /** Lifts the blocker; every item waiting behind it was delayed by its rule. */
  private unblock(st: Stream, b: Blocker): boolean {
    if (st.blocker !== b) return false;
    st.blocker = undefined;
    b.timer?.cancel();
    b.rule.active--;
    for (const q of st.queue) q.delayedBy ??= b.rule.name;
    st.releasedThrough = { rule: b.rule.name, revision: this.revision() };
    return true;
  }

  private unblockAndFlush(st: Stream, b: Blocker, why: 'release' | 'timeout' | 'removed'): void {
    if (!this.unblock(st, b)) return;
    const n = st.queue.length;
    const text =
      why === 'timeout'
        ? `${b.rule.name} released ${n} held-back item(s) of ${st.watch.resource} after its bound of ${(b.rule.spec as DelayDeliverySpec).boundMs} ms`
        : why === 'removed'
          ? `${b.rule.name} was removed: released ${n} held-back item(s) of ${st.watch.resource}`
          : `${b.rule.name} released ${n} held-back item(s) of ${st.watch.resource}`;
    this.history.note(st.watch.actor, why === 'timeout' ? 'timeout' : 'release', text);
    this.flush(st);
  }

  // --- conditions and state changes ---

  private conditionHolds(rule: Rule): boolean {
    const spec = rule.spec;
    if (spec.kind === 'failRequests') return false;
    try {
      return spec.until(this.history, rule.installedAtSeq);
    } catch (e) {
      // A broken condition releases what it holds rather than wedging the run; the history says why.
      this.history.note(racelabActor, 'error', `rule ${rule.name}: its condition threw: ${(e as Error)?.message ?? String(e)}`);
      return true;
    }
  }

  private ruleRemoved(rule: Rule): void {
    this.history.note(racelabActor, 'rule', `removed ${rule.kind} ${rule.name}`);
    for (const h of [...this.holds]) if (h.rule === rule) this.release(h, 'removed');
    for (const st of [...this.streams.values()]) if (st.blocker?.rule === rule) this.unblockAndFlush(st, st.blocker, 'removed');
    this.changed();
  }

  /** Releases every hold and blocker whose condition holds now. */
  private evaluate(): void {
    for (const h of [...this.holds]) if (this.holds.has(h) && this.conditionHolds(h.rule)) this.release(h, 'release');
    for (const st of [...this.streams.values()]) {
      const b = st.blocker;
      if (b && this.conditionHolds(b.rule)) this.unblockAndFlush(st, b, 'release');
    }
  }

  /** Runs fn; at the end of the outermost section, re-evaluates conditions until nothing changes. */
  private atomic<T>(fn: () => T): T {
    this.depth++;
    let result: T;
    try {
      result = fn();
    } finally {
      if (this.depth === 1) {
        try {
          while (this.dirty) {
            this.dirty = false;
            this.evaluate();
          }
        } finally {
          this.depth--;
        }
      } else {
        this.depth--;
      }
    }
    return result;
  }

  private changed(): void {
    const ws = this.waiters;
    if (ws.length === 0) return;
    this.waiters = [];
    for (const w of ws) w();
  }
}
