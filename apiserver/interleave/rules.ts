// Interleaving rules: which requests or watch items a rule is about, what it does to them, and how often
// it did it. The RecordingInterleaver applies them; this file knows nothing of HTTP.
import { z } from 'zod';
import { alreadyExists, badRequest, type Status } from '../machinery/errors.ts';
import {
  conditionFromJson,
  conditionToJson,
  eventTypes,
  matchOne,
  matchString,
  matchSubresource,
  stringMatchFromJson,
  stringMatchJson,
  verbs,
  zodMessage,
  type Condition,
  type RequestFields,
  type StringMatch,
} from './conditions.ts';
import type { DeliveryItem, RequestInfo } from './types.ts';

/**
 * Which requests a rule is about; every field given must match (the fields of conditions' RequestFields;
 * `name` is the name in the path, or for a create the body's metadata.name).
 */
export interface RequestMatch extends Omit<RequestFields, 'after'> {
  /** A predicate on the decoded body. */
  body?: (body: unknown) => boolean;
}

export interface HoldRequestSpec {
  name: string;
  match: RequestMatch;
  /** Released when this holds (looked at on every history append). */
  until: Condition;
  /** Released anyway after this many ms of the injected Clock, with a 'timeout' note. */
  boundMs?: number;
  /** How many matching requests it holds; default 1. */
  times?: number;
}

export interface FailRequestsSpec {
  name: string;
  match: RequestMatch;
  /** How many matching requests it fails. */
  times: number;
  /** The Status they get instead of being served. */
  status: Status;
}

export interface DelayDeliverySpec {
  name: string;
  /** Whose watch streams. */
  actor: StringMatch;
  resource?: string;
  /** Which items; default every item of the actor's streams (of the resource). */
  match?: (item: DeliveryItem) => boolean;
  /** The held-back items are written when this holds. */
  until: Condition;
  boundMs?: number;
  /** How many matching items it holds back (each one with those behind it); default no limit. */
  times?: number;
}

export type RuleSpec = ({ kind: 'holdRequest' } & HoldRequestSpec) | ({ kind: 'failRequests' } & FailRequestsSpec) | ({ kind: 'delayDelivery' } & DelayDeliverySpec);

export type RuleKind = RuleSpec['kind'];

/** What GET /racelab/v1/rules shows of one rule. */
export interface RuleReport {
  name: string;
  kind: RuleKind;
  /** The match in its JSON form (regexes as `/source/flags`, predicates as `<function>`). */
  match: Record<string, unknown>;
  until?: unknown;
  boundMs?: number;
  times?: number;
  status?: Status;
  /** The seq of the note that installed it: its conditions look at the entries after this. */
  installedAtSeq: number;
  /** Requests or items it matched. */
  matched: number;
  /** Requests it held or failed, items it held back. */
  fired: number;
  /** Requests it holds, or streams it holds back, right now. */
  active: number;
  /** It fired `times` times and applies no more. */
  done: boolean;
}

/** The largest `times` or `boundMs` a rule accepts. */
export const ruleCountLimit = 1_000_000;
export const ruleBoundLimitMs = 365 * 24 * 3600 * 1000;

export function requestMatches(m: RequestMatch, info: RequestInfo): boolean {
  if (!matchString(m.actor, info.actor)) return false;
  if (!matchOne(m.verb, info.verb)) return false;
  if (m.group !== undefined && m.group !== info.group) return false;
  if (m.resource !== undefined && m.resource !== info.resource) return false;
  if (!matchSubresource(m.subresource, info.subresource)) return false;
  if (m.namespace !== undefined && m.namespace !== info.namespace) return false;
  if (m.name !== undefined && !matchString(m.name, requestName(info))) return false;
  if (m.body && !m.body(info.body())) return false;
  return true;
}

/** The name in the path, or for a create the name in the body. */
export function requestName(info: RequestInfo): string | undefined {
  if (info.name !== undefined) return info.name;
  if (info.verb !== 'create') return undefined;
  const name = (info.body() as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  return typeof name === 'string' ? name : undefined;
}

function describeFields(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (v instanceof RegExp) out[k] = stringMatchJson(v);
    else if (typeof v === 'function') out[k] = (v as { json?: unknown }).json ?? '<function>';
    else out[k] = v;
  }
  return out;
}

function checkCount(n: number | undefined, what: string, min: number): void {
  if (n === undefined) return;
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < min || n > ruleCountLimit) throw badRequest(`${what} must be an integer from ${min} to ${ruleCountLimit}, got ${n}`);
}

function checkBound(ms: number | undefined): void {
  if (ms === undefined) return;
  if (!Number.isFinite(ms) || ms < 0 || ms > ruleBoundLimitMs) throw badRequest(`boundMs must be a number of milliseconds from 0 to ${ruleBoundLimitMs}, got ${ms}`);
}

/** One installed rule, with its counters. */
export class Rule {
  matched = 0;
  fired = 0;
  /** Requests or streams it holds right now (kept by the interleaver). */
  active = 0;

  constructor(
    /** Install order: rules apply in this order. */
    readonly id: number,
    readonly spec: RuleSpec,
    readonly installedAtSeq: number,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get kind(): RuleKind {
    return this.spec.kind;
  }

  /** How many times it fires at most. */
  get times(): number {
    const s = this.spec;
    return s.kind === 'holdRequest' ? (s.times ?? 1) : s.kind === 'failRequests' ? s.times : (s.times ?? Infinity);
  }

  get done(): boolean {
    return this.fired >= this.times;
  }

  report(): RuleReport {
    const s = this.spec;
    const base = { name: s.name, kind: s.kind, installedAtSeq: this.installedAtSeq, matched: this.matched, fired: this.fired, active: this.active, done: this.done };
    switch (s.kind) {
      case 'holdRequest':
        return { ...base, match: describeFields(s.match), until: conditionToJson(s.until), ...(s.boundMs !== undefined ? { boundMs: s.boundMs } : {}), times: this.times };
      case 'failRequests':
        return { ...base, match: describeFields(s.match), times: s.times, status: s.status };
      case 'delayDelivery':
        return {
          ...base,
          match: describeFields({ actor: s.actor, resource: s.resource, item: s.match }),
          until: conditionToJson(s.until),
          ...(s.boundMs !== undefined ? { boundMs: s.boundMs } : {}),
          ...(s.times !== undefined ? { times: s.times } : {}),
        };
    }
  }
}

/** Checks a spec given in code or parsed from JSON; throws a 400 StatusError. */
export function validateSpec(spec: RuleSpec): void {
  if (typeof spec.name !== 'string' || spec.name === '') throw badRequest('a rule needs a name');
  switch (spec.kind) {
    case 'holdRequest':
      checkCount(spec.times, 'times', 1);
      checkBound(spec.boundMs);
      if (typeof spec.until !== 'function') throw badRequest(`rule ${spec.name}: until must be a condition`);
      return;
    case 'failRequests':
      checkCount(spec.times, 'times', 1);
      if (!spec.status || typeof spec.status.code !== 'number' || spec.status.code < 100 || spec.status.code > 599) throw badRequest(`rule ${spec.name}: status needs a code from 100 to 599`);
      return;
    case 'delayDelivery':
      checkCount(spec.times, 'times', 1);
      checkBound(spec.boundMs);
      if (spec.actor === undefined) throw badRequest(`rule ${spec.name}: delayDelivery needs an actor`);
      if (typeof spec.until !== 'function') throw badRequest(`rule ${spec.name}: until must be a condition`);
      return;
    default:
      throw badRequest(`unknown rule kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}

const rulesResource = { group: 'racelab.dev', resource: 'rules' };

/** The installed rules, in install order. */
export class Rules {
  private readonly byName = new Map<string, Rule>();
  private nextId = 1;

  constructor(private readonly hooks: { removed?: (rule: Rule) => void } = {}) {}

  /** Installs a rule; a name already installed is a 409 AlreadyExists. */
  add(spec: RuleSpec, installedAtSeq: () => number): Rule {
    validateSpec(spec);
    if (this.byName.has(spec.name)) throw alreadyExists(rulesResource, spec.name);
    const rule = new Rule(this.nextId++, spec, installedAtSeq());
    this.byName.set(spec.name, rule);
    return rule;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): Rule | undefined {
    return this.byName.get(name);
  }

  /** The rules in install order (a Map keeps insertion order). */
  all(): Rule[] {
    return [...this.byName.values()];
  }

  list(): RuleReport[] {
    return this.all().map((r) => r.report());
  }

  /** Removes the rule, releasing what it holds; returns its last report, or undefined when there is none. */
  remove(name: string): RuleReport | undefined {
    const rule = this.byName.get(name);
    if (!rule) return undefined;
    this.byName.delete(name);
    this.hooks.removed?.(rule);
    return rule.report();
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const names = [...this.byName.keys()];
    for (const n of names) this.remove(n);
    return names.length;
  }

  get size(): number {
    return this.byName.size;
  }
}

// --- the JSON form, for POST /racelab/v1/rules ---

const stringMatch = z.string();
const verbSchema = z.enum(verbs);
const eventTypeSchema = z.enum(eventTypes);

const requestMatchSchema = z.strictObject({
  actor: stringMatch.optional(),
  verb: z.union([verbSchema, z.array(verbSchema).min(1)]).optional(),
  group: z.string().optional(),
  resource: z.string().optional(),
  subresource: z.string().optional(),
  namespace: z.string().optional(),
  name: stringMatch.optional(),
  /** The body contains this JSON: every field given is equal, objects compared field by field. */
  body: z.unknown().optional(),
});

const deliveryMatchSchema = z.strictObject({
  actor: stringMatch,
  resource: z.string().optional(),
  namespace: z.string().optional(),
  name: stringMatch.optional(),
  eventType: z.union([eventTypeSchema, z.array(eventTypeSchema).min(1)]).optional(),
});

const statusSchema = z.looseObject({
  code: z.number().int().min(100).max(599),
  reason: z.string().optional(),
  message: z.string().optional(),
  details: z.looseObject({}).optional(),
});

const ruleSchema = z.strictObject({
  name: z.string().min(1).max(253),
  kind: z.enum(['holdRequest', 'failRequests', 'delayDelivery']),
  match: z.unknown().optional(),
  until: z.unknown().optional(),
  boundMs: z.number().nonnegative().max(ruleBoundLimitMs).optional(),
  times: z.number().int().min(1).max(ruleCountLimit).optional(),
  status: statusSchema.optional(),
});

/** True when `value` contains `pattern`: objects field by field, everything else (arrays too) equal. */
export function containsJson(value: unknown, pattern: unknown): boolean {
  if (pattern !== null && typeof pattern === 'object' && !Array.isArray(pattern)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return Object.entries(pattern as Record<string, unknown>).every(([k, p]) => (p === null ? v[k] === null || v[k] === undefined : containsJson(v[k], p)));
  }
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && value.length === pattern.length && pattern.every((p, i) => containsJson(value[i], p));
  }
  return value === pattern;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(`invalid rule: ${zodMessage(where, r.error)}`);
  return r.data;
}

/** A request match from JSON: actor and name may be `/regex/flags`; `body` is a JSON the body contains. */
export function requestMatchFromJson(json: unknown, where = 'match'): RequestMatch {
  const m = parseOrThrow(requestMatchSchema, json ?? {}, where);
  const out: RequestMatch = {};
  if (m.actor !== undefined) out.actor = stringMatchFromJson(m.actor, `${where}.actor`);
  if (m.verb !== undefined) out.verb = m.verb;
  if (m.group !== undefined) out.group = m.group;
  if (m.resource !== undefined) out.resource = m.resource;
  if (m.subresource !== undefined) out.subresource = m.subresource;
  if (m.namespace !== undefined) out.namespace = m.namespace;
  if (m.name !== undefined) out.name = stringMatchFromJson(m.name, `${where}.name`);
  if (m.body !== undefined) {
    const pattern = m.body;
    out.body = Object.assign((body: unknown) => containsJson(body, pattern), { json: pattern });
  }
  return out;
}

function statusFromJson(s: z.infer<typeof statusSchema>): Status {
  const { code, reason, message, details } = s;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: message ?? `injected failure ${code}`,
    ...(reason !== undefined ? { reason } : {}),
    ...(details !== undefined ? { details: details as Status['details'] } : {}),
    code,
  };
}

/**
 * Parses the body of POST /racelab/v1/rules:
 * `{"name","kind":"holdRequest","match":{...},"until":{...},"boundMs"?,"times"?}`,
 * `{"name","kind":"failRequests","match":{...},"times","status":{"code","reason"?,"message"?}}`,
 * `{"name","kind":"delayDelivery","match":{"actor",resource?,namespace?,name?,eventType?},"until":{...},"boundMs"?,"times"?}`.
 */
export function ruleFromJson(json: unknown): RuleSpec {
  const r = parseOrThrow(ruleSchema, json, 'rule');
  switch (r.kind) {
    case 'holdRequest': {
      if (r.until === undefined) throw badRequest('invalid rule: rule.until: a holdRequest needs a condition');
      if (r.status !== undefined) throw badRequest('invalid rule: rule.status: only failRequests takes a status');
      return { kind: 'holdRequest', name: r.name, match: requestMatchFromJson(r.match, 'rule.match'), until: conditionFromJson(r.until, 'rule.until'), boundMs: r.boundMs, times: r.times };
    }
    case 'failRequests': {
      if (r.status === undefined) throw badRequest('invalid rule: rule.status: a failRequests rule needs a status with a code');
      if (r.times === undefined) throw badRequest('invalid rule: rule.times: a failRequests rule needs times');
      if (r.until !== undefined || r.boundMs !== undefined) throw badRequest('invalid rule: a failRequests rule takes no until or boundMs');
      return { kind: 'failRequests', name: r.name, match: requestMatchFromJson(r.match, 'rule.match'), times: r.times, status: statusFromJson(r.status) };
    }
    case 'delayDelivery': {
      if (r.until === undefined) throw badRequest('invalid rule: rule.until: a delayDelivery needs a condition');
      if (r.status !== undefined) throw badRequest('invalid rule: rule.status: only failRequests takes a status');
      const m = parseOrThrow(deliveryMatchSchema, r.match, 'rule.match');
      const name = m.name !== undefined ? stringMatchFromJson(m.name, 'rule.match.name') : undefined;
      const itemMatch =
        m.namespace !== undefined || name !== undefined || m.eventType !== undefined
          ? Object.assign(
              (item: DeliveryItem) =>
                (m.namespace === undefined || item.object?.metadata.namespace === m.namespace) && matchString(name, item.object?.metadata.name) && matchOne(m.eventType, item.type),
              { json: { namespace: m.namespace, name: m.name, eventType: m.eventType } },
            )
          : undefined;
      return {
        kind: 'delayDelivery',
        name: r.name,
        actor: stringMatchFromJson(m.actor, 'rule.match.actor'),
        resource: m.resource,
        match: itemMatch,
        until: conditionFromJson(r.until, 'rule.until'),
        boundMs: r.boundMs,
        times: r.times,
      };
    }
  }
}
