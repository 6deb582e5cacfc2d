// Conditions: predicates over the history that release a held request or a delayed watch delivery.
// A condition looks only at the entries appended after its rule was installed (the rule passes that seq
// as `installedAtSeq`), unless the condition names its own `after` seq. Each builder keeps its JSON form,
// so the rules listed over HTTP show what they wait for.
import { z } from 'zod';
import { badRequest } from '../machinery/errors.ts';
import type { History } from './history.ts';
import type { DeliveryItem, HistoryEntry, Verb } from './types.ts';

/**
 * True when the history satisfies it. `installedAtSeq` is the seq after which the condition looks
 * (the installing rule's); called with the history alone, it looks at every entry kept.
 */
export type Condition = (h: History, installedAtSeq?: number) => boolean;

export type EntryMatch = (e: HistoryEntry, h: History) => boolean;

/** A condition that holds when some entry matches: it can also be counted. */
export interface EntryCondition extends Condition {
  /** Whether one entry matches, ignoring seqs (the history is there to look up a response's request). */
  readonly match: EntryMatch;
  /** The seq after which it looks, when the condition sets its own. */
  readonly after?: number;
}

export type StringMatch = string | RegExp;

export const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const satisfies readonly Verb[];

export const eventTypes = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'] as const satisfies readonly DeliveryItem['type'][];

/** Which requests (or their responses) a condition is about; every field given must match. */
export interface RequestFields {
  actor?: StringMatch;
  verb?: Verb | Verb[];
  group?: string;
  resource?: string;
  /** '' matches only requests without a subresource. */
  subresource?: string;
  namespace?: string;
  name?: StringMatch;
  /** Look only at entries with a seq greater than this, instead of after the rule's installation. */
  after?: number;
}

export interface ResponseFields extends RequestFields {
  code?: number;
  reason?: string;
}

export interface DeliveryFields {
  actor?: StringMatch;
  resource?: string;
  namespace?: string;
  name?: StringMatch;
  eventType?: DeliveryItem['type'] | DeliveryItem['type'][];
  after?: number;
}

export interface NoteFields {
  tag: string;
  actor?: StringMatch;
  text?: StringMatch;
  after?: number;
}

// --- matching helpers, shared with the rules ---

export function matchString(want: StringMatch | undefined, got: string | undefined): boolean {
  if (want === undefined) return true;
  if (got === undefined) return false;
  if (typeof want === 'string') return want === got;
  want.lastIndex = 0;
  return want.test(got);
}

export function matchOne<T>(want: T | readonly T[] | undefined, got: T): boolean {
  if (want === undefined) return true;
  return Array.isArray(want) ? want.includes(got) : want === got;
}

export function matchSubresource(want: string | undefined, got: string | undefined): boolean {
  if (want === undefined) return true;
  return want === '' ? got === undefined || got === '' : want === got;
}

/** A string match as JSON: strings as given, regular expressions as `/source/flags`. */
export function stringMatchJson(m: StringMatch): string {
  return typeof m === 'string' ? m : String(m);
}

// --- building conditions ---

const jsonForms = new WeakMap<Condition, unknown>();

function withJson<C extends Condition>(c: C, json: unknown): C {
  jsonForms.set(c, json);
  return c;
}

/** The JSON form of a condition built here; `"<function>"` for a hand-written one. */
export function conditionToJson(c: Condition): unknown {
  return jsonForms.has(c) ? jsonForms.get(c) : '<function>';
}

function fieldsJson(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = v instanceof RegExp ? stringMatchJson(v) : v;
  }
  return out;
}

/**
 * Counts matching entries after a seq, incrementally: the history is append-only, so only the entries
 * appended since the last call are looked at (conditions are re-evaluated on every append).
 */
class MatchCounter {
  private readonly memo = new WeakMap<History, Map<number, { through: number; n: number }>>();

  constructor(private readonly match: EntryMatch) {}

  /** Matching entries with a seq greater than `after`, counted up to `atMost`. */
  count(h: History, after: number, atMost: number): number {
    let byAfter = this.memo.get(h);
    if (!byAfter) {
      byAfter = new Map();
      this.memo.set(h, byAfter);
    }
    let state = byAfter.get(after);
    if (!state) {
      state = { through: after, n: 0 };
      byAfter.set(after, state);
    }
    const last = h.lastSeq();
    if (state.n < atMost && state.through < last) {
      state.n += h.count((e) => this.match(e, h), state.through, atMost - state.n);
      // Counting stopped early only when it reached atMost; then `through` no longer matters.
      state.through = last;
    }
    return state.n;
  }
}

function entryCondition(kind: string, fields: { after?: number }, match: EntryMatch): EntryCondition {
  const after = fields.after;
  const counter = new MatchCounter(match);
  const c = ((h: History, installedAtSeq = 0) => counter.count(h, after ?? installedAtSeq, 1) >= 1) as Condition & { match: EntryMatch; after?: number };
  c.match = match;
  if (after !== undefined) c.after = after;
  return withJson(c as EntryCondition, { [kind]: fieldsJson(fields) });
}

function requestFieldsMatch(f: RequestFields, e: { actor: string; verb: Verb; resource: string; namespace?: string; name?: string }): boolean {
  return matchString(f.actor, e.actor) && matchOne(f.verb, e.verb) && (f.resource === undefined || f.resource === e.resource) && (f.namespace === undefined || f.namespace === e.namespace) && matchString(f.name, e.name);
}

/** A request matching the fields was let through (after any hold). */
export function requested(f: RequestFields = {}): EntryCondition {
  return entryCondition('requested', f, (e) => e.type === 'request' && requestFieldsMatch(f, e) && (f.group === undefined || f.group === e.group) && matchSubresource(f.subresource, e.subresource));
}

/** Some response matching the fields (any code unless `code` is given). */
export function responded(f: ResponseFields = {}): EntryCondition {
  return entryCondition('responded', f, (e, h) => e.type === 'response' && requestFieldsMatch(f, e) && (f.code === undefined || f.code === e.code) && (f.reason === undefined || f.reason === e.reason) && responseOf(e, f, h));
}

/** A request matching the fields was answered with a 2xx by the server (not an injected failure). */
export function requestSucceeded(f: RequestFields = {}): EntryCondition {
  return entryCondition('requestSucceeded', f, (e, h) => e.type === 'response' && e.code >= 200 && e.code < 300 && !e.injected && requestFieldsMatch(f, e) && responseOf(e, f, h));
}

/** Group and subresource are on the request entry only: a response's are its request's. */
function responseOf(e: HistoryEntry, f: RequestFields, h: History): boolean {
  if (f.group === undefined && f.subresource === undefined) return true;
  if (e.type !== 'response') return false;
  const req = h.get(e.request);
  return req?.type === 'request' && (f.group === undefined || f.group === req.group) && matchSubresource(f.subresource, req.subresource);
}

/** A watch event was written to a stream of the actor. */
export function delivered(f: DeliveryFields = {}): EntryCondition {
  return entryCondition(
    'delivered',
    f,
    (e) => e.type === 'delivery' && matchString(f.actor, e.actor) && (f.resource === undefined || f.resource === e.resource) && (f.namespace === undefined || f.namespace === e.namespace) && matchString(f.name, e.name) && matchOne(f.eventType, e.eventType),
  );
}

/** A note with the tag (and actor, text) was recorded. */
export function noted(f: NoteFields): EntryCondition {
  return entryCondition('noted', f, (e) => e.type === 'note' && e.tag === f.tag && matchString(f.actor, e.actor) && matchString(f.text, e.text));
}

export function all(...cs: Condition[]): Condition {
  return withJson((h: History, at?: number) => cs.every((c) => c(h, at)), { all: cs.map(conditionToJson) });
}

export function any(...cs: Condition[]): Condition {
  return withJson((h: History, at?: number) => cs.some((c) => c(h, at)), { any: cs.map(conditionToJson) });
}

export function not(c: Condition): Condition {
  return withJson((h: History, at?: number) => !c(h, at), { not: conditionToJson(c) });
}

/** At least n entries match. */
export function count(match: EntryCondition, n: number): Condition {
  if (!Number.isInteger(n) || n < 0) throw badRequest(`count: n must be a non-negative integer, got ${n}`);
  const counter = new MatchCounter(match.match);
  return withJson((h: History, at = 0) => counter.count(h, match.after ?? at, n) >= n, { count: { of: conditionToJson(match), n } });
}

/** Never holds: a hold with it lasts until its bound, or until the rule is removed. */
export function never(): Condition {
  return withJson(() => false, { never: {} });
}

/** Always holds. */
export function always(): Condition {
  return withJson(() => true, { always: {} });
}

// --- the JSON form ---

/** A string, or a regular expression written `/source/flags`. */
export function stringMatchFromJson(s: string, where: string): StringMatch {
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(s);
  if (!m) return s;
  try {
    return new RegExp(m[1] as string, m[2]);
  } catch (e) {
    throw badRequest(`${where}: invalid regular expression ${s}: ${(e as Error).message}`);
  }
}

const stringMatchSchema = z.string();
const verbSchema = z.enum(verbs);
const eventTypeSchema = z.enum(eventTypes);
const afterSchema = z.number().int().nonnegative();

const requestFieldsShape = {
  actor: stringMatchSchema.optional(),
  verb: z.union([verbSchema, z.array(verbSchema).min(1)]).optional(),
  group: z.string().optional(),
  resource: z.string().optional(),
  subresource: z.string().optional(),
  namespace: z.string().optional(),
  name: stringMatchSchema.optional(),
  after: afterSchema.optional(),
};

const requestFieldsSchema = z.strictObject(requestFieldsShape);
const responseFieldsSchema = z.strictObject({ ...requestFieldsShape, code: z.number().int().min(100).max(599).optional(), reason: z.string().optional() });
const deliveryFieldsSchema = z.strictObject({
  actor: stringMatchSchema.optional(),
  resource: z.string().optional(),
  namespace: z.string().optional(),
  name: stringMatchSchema.optional(),
  eventType: z.union([eventTypeSchema, z.array(eventTypeSchema).min(1)]).optional(),
  after: afterSchema.optional(),
});
const noteFieldsSchema = z.strictObject({ tag: z.string().min(1), actor: stringMatchSchema.optional(), text: stringMatchSchema.optional(), after: afterSchema.optional() });
const emptySchema = z.strictObject({});

const entryKinds = ['requested', 'responded', 'requestSucceeded', 'delivered', 'noted'] as const;
const allKinds = [...entryKinds, 'all', 'any', 'not', 'count', 'never', 'always'] as const;

/** Formats zod issues as `where.path: message; ...`. */
export function zodMessage(where: string, error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `${where}${path}: ${i.message}`;
    })
    .join('; ');
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(`invalid condition: ${zodMessage(where, r.error)}`);
  return r.data;
}

function withMatches<F extends { actor?: string; name?: string; text?: string }>(f: F, where: string): Omit<F, 'actor' | 'name' | 'text'> & { actor?: StringMatch; name?: StringMatch; text?: StringMatch } {
  const out: Record<string, unknown> = { ...f };
  for (const k of ['actor', 'name', 'text'] as const) {
    const v = f[k];
    if (v !== undefined) out[k] = stringMatchFromJson(v, `${where}.${k}`);
  }
  return out as Omit<F, 'actor' | 'name' | 'text'> & { actor?: StringMatch; name?: StringMatch; text?: StringMatch };
}

function entryConditionFromJson(kind: (typeof entryKinds)[number], value: unknown, where: string): EntryCondition {
  const at = `${where}.${kind}`;
  switch (kind) {
    case 'requested':
      return requested(withMatches(parse(requestFieldsSchema, value, at), at));
    case 'requestSucceeded':
      return requestSucceeded(withMatches(parse(requestFieldsSchema, value, at), at));
    case 'responded':
      return responded(withMatches(parse(responseFieldsSchema, value, at), at));
    case 'delivered':
      return delivered(withMatches(parse(deliveryFieldsSchema, value, at), at));
    case 'noted': {
      const f = withMatches(parse(noteFieldsSchema, value, at), at);
      return noted({ ...f, tag: f.tag });
    }
  }
}

function singleKey(json: unknown, where: string): [string, unknown] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw badRequest(`invalid condition: ${where}: expected an object with one of the keys ${allKinds.join(', ')}`);
  }
  const keys = Object.keys(json);
  if (keys.length !== 1) {
    throw badRequest(`invalid condition: ${where}: expected exactly one of the keys ${allKinds.join(', ')}, got ${keys.length === 0 ? 'none' : keys.join(', ')}`);
  }
  const key = keys[0] as string;
  return [key, (json as Record<string, unknown>)[key]];
}

/**
 * Parses the JSON form of a condition, e.g. `{"responded":{"actor":"a","verb":"patch","code":200}}`,
 * `{"all":[...]}`, `{"not":{...}}`, `{"count":{"of":{"delivered":{...}},"n":2}}`, `{"never":{}}`.
 * Strings of the form `/source/flags` in actor, name and text are regular expressions.
 * Throws a 400 BadRequest StatusError that says where the problem is.
 */
export function conditionFromJson(json: unknown, where = 'until'): Condition {
  const [key, value] = singleKey(json, where);
  const at = `${where}.${key}`;
  switch (key) {
    case 'requested':
    case 'responded':
    case 'requestSucceeded':
    case 'delivered':
    case 'noted':
      return entryConditionFromJson(key, value, where);
    case 'all':
    case 'any': {
      if (!Array.isArray(value)) throw badRequest(`invalid condition: ${at}: expected an array of conditions`);
      const cs = value.map((v, i) => conditionFromJson(v, `${at}[${i}]`));
      return key === 'all' ? all(...cs) : any(...cs);
    }
    case 'not':
      return not(conditionFromJson(value, at));
    case 'count': {
      const c = parse(z.strictObject({ of: z.unknown(), n: z.number().int().nonnegative() }), value, at);
      if (c.of === undefined) throw badRequest(`invalid condition: ${at}.of: expected one of ${entryKinds.join(', ')}`);
      const [k, v] = singleKey(c.of, `${at}.of`);
      if (!(entryKinds as readonly string[]).includes(k)) throw badRequest(`invalid condition: ${at}.of: only ${entryKinds.join(', ')} can be counted, got ${k}`);
      return count(entryConditionFromJson(k as (typeof entryKinds)[number], v, `${at}.of`), c.n);
    }
    case 'never':
      parse(emptySchema, value, at);
      return never();
    case 'always':
      parse(emptySchema, value, at);
      return always();
    default:
      throw badRequest(`invalid condition: ${where}: unknown condition ${JSON.stringify(key)}; expected one of ${allKinds.join(', ')}`);
  }
}
