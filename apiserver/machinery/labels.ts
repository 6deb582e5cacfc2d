// Label selectors, re-implemented from Kubernetes apimachinery v0.32 (Kubernetes 1.32, the version this
// server reports): pkg/labels/selector.go (lexer, parser, Requirement), pkg/selection/operator.go and
// metav1.LabelSelectorAsSelector in pkg/apis/meta/v1/helpers.go. Error texts follow upstream word for word.

/** A malformed selector. The API server turns it into a 400 BadRequest Status carrying `message`. */
export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
}

/** selection.Operator values (apimachinery pkg/selection/operator.go). */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface LabelSelector {
  /** True when the selector does not restrict anything (upstream Selector.Empty()). */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  toString(): string;
  requirements: readonly LabelRequirement[];
}

// ---- validation (apimachinery pkg/util/validation/validation.go, field/errors.go, field/path.go) ----

const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const QNAME_RE = anchored(QNAME_FMT);
const LABEL_VALUE_RE = anchored(LABEL_VALUE_FMT);
const DNS1123_SUBDOMAIN_RE = anchored(DNS1123_SUBDOMAIN_FMT);

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
const maxLenError = (n: number): string => `must be no more than ${n} characters`;
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** validation.IsQualifiedName: the rules for a label key. */
function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QNAME_RE.test(name)) errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.IsValidLabelValue. */
function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const GO_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '\\"'], ['\\', '\\\\'], ['\n', '\\n'], ['\t', '\\t'], ['\r', '\\r'], ['\x07', '\\a'], ['\b', '\\b'], ['\f', '\\f'], ['\v', '\\v'],
]);
/** Go's %q (strconv.Quote) for the characters selectors can contain. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    const named = GO_ESCAPES.get(ch);
    if (named !== undefined) out += named;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A bad value as field.Error's ErrorBody prints it: strings with %q, []string with %#v. */
function goValue(v: string | readonly string[] | null): string {
  if (typeof v === 'string') return goQuote(v);
  if (v === null) return '[]string(nil)';
  return `[]string{${v.map(goQuote).join(', ')}}`;
}

/** field.Invalid(path, value, detail).Error(); a nil path prints as "<nil>". */
const invalid = (path: string, value: string | readonly string[] | null, detail: string): string =>
  `${path}: Invalid value: ${goValue(value)}: ${detail}`;

/** utilerrors.NewAggregate(...).Error() over field.ErrorList.ToAggregate(): deduplicated, bracketed when several. */
function aggregate(errs: readonly string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

const keyError = (key: string, path: string): string | undefined => {
  const errs = labelKeyErrors(key);
  return errs.length > 0 ? invalid(path, key, errs.join('; ')) : undefined;
};

// ---- requirements (labels.NewRequirement, Requirement.Matches, Requirement.String) ----

const INT64 = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** strconv.ParseInt(s, 10, 64), or undefined when it would fail. */
function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** labels.NewRequirement: validates and builds one requirement; `values` null is a Go nil slice (seen only in error text). */
function newRequirement(key: string, operator: LabelOperator, values: readonly string[] | null): LabelRequirement {
  const vals = values ?? [];
  const errs: string[] = [];
  const ke = keyError(key, 'key');
  if (ke) errs.push(ke);
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  vals.forEach((v, i) => {
    const ve = labelValueErrors(v);
    if (ve.length > 0) errs.push(invalid(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  if (errs.length > 0) throw new SelectorParseError(aggregate(errs));
  return { key, operator, values: [...vals] };
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(r.values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

const SYMBOL: Record<LabelOperator, string> = { '=': '=', '==': '==', '!=': '!=', in: ' in ', notin: ' notin ', gt: '>', lt: '<', exists: '', '!': '' };

function requirementString(r: LabelRequirement): string {
  if (r.operator === 'exists') return r.key;
  if (r.operator === '!') return `!${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort(compareBytes).join(',');
  const set = r.operator === 'in' || r.operator === 'notin';
  return `${r.key}${SYMBOL[r.operator]}${set ? `(${values})` : values}`;
}

/** Go's string order (byte-wise on UTF-8). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function selectorOf(requirements: LabelRequirement[]): LabelSelector {
  // internalSelector.Add / parse sort by key; Array.prototype.sort is stable like Go's small-slice insertion sort.
  requirements.sort((a, b) => compareBytes(a.key, b.key));
  return {
    empty: requirements.length === 0,
    requirements,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})),
    toString: () => requirements.map(requirementString).join(','),
  };
}

/** labels.Nothing(): matches no object. */
const NOTHING: LabelSelector = { empty: false, requirements: [], matches: () => false, toString: () => '' };

// ---- lexer (selector.go Lexer) ----

type Token = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';
interface Item {
  tok: Token;
  lit: string;
}
const KEYWORDS: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', ')'], [',', ','], ['!', '!'], ['==', '=='], ['=', '='], ['>', '>'], ['in', 'in'], ['<', '<'], ['!=', '!='], ['notin', 'notin'], ['(', '('],
]);
const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => ch.length === 1 && '=!(),><'.includes(ch);
const EOF = '\0'; // upstream's read() returns byte 0 at the end; a NUL in the input also ends a token

function lex(s: string): Item[] {
  let pos = 0;
  const read = (): string => (pos < s.length ? (s[pos++] ?? EOF) : EOF);
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === EOF) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    let buf = '';
    if (isSpecial(ch)) {
      // scanSpecialSymbol: longest run of symbols that is still an operator
      let last: Item | undefined;
      for (let c = read(); c !== EOF; c = read()) {
        if (!isSpecial(c)) {
          pos--;
          break;
        }
        buf += c;
        const tok = KEYWORDS.get(buf);
        if (tok) last = { tok, lit: buf };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
    } else {
      // scanIDOrKeyword
      for (let c = read(); c !== EOF; c = read()) {
        if (isSpecial(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buf += c;
      }
      items.push({ tok: KEYWORDS.get(buf) ?? 'id', lit: buf });
    }
  }
}

// ---- parser (selector.go Parser) ----

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  /** In the Values context the keywords `in` and `notin` are plain identifiers. */
  private peek(values: boolean): Item {
    const item = this.items[Math.min(this.position, this.items.length - 1)] ?? { tok: 'eos', lit: '' };
    return values && (item.tok === 'in' || item.tok === 'notin') ? { tok: 'id', lit: item.lit } : item;
  }
  private next(values: boolean): Item {
    const item = this.peek(values);
    this.position++;
    return item;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!') throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (err) {
        throw new SelectorParseError(`unable to parse requirement: ${(err as Error).message}`);
      }
      const sep = this.next(true);
      if (sep.tok === 'eos') return reqs;
      if (sep.tok !== ',') throw new SelectorParseError(`found '${sep.lit}', expected: ',' or 'end of string'`);
      const after = this.peek(true);
      if (after.tok !== 'id' && after.tok !== '!') throw new SelectorParseError(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    // parseKeyAndInferOperator
    let item = this.next(true);
    let operator: LabelOperator | undefined;
    if (item.tok === '!') {
      operator = '!';
      item = this.next(true);
    }
    if (item.tok !== 'id') throw new SelectorParseError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const ke = keyError(key, '<nil>');
    if (ke) throw new SelectorParseError(ke);
    const ahead = this.peek(true).tok;
    if (operator === undefined && (ahead === 'eos' || ahead === ',')) operator = 'exists';
    if (operator === 'exists' || operator === '!') return newRequirement(key, operator, []);

    operator = this.operator();
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, [...values].sort(compareBytes));
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.next(false);
    const ops: Partial<Record<Token, LabelOperator>> = { in: 'in', '=': '=', '==': '==', '>': 'gt', '<': 'lt', notin: 'notin', '!=': '!=' };
    const op = ops[tok];
    if (op === undefined) throw new SelectorParseError(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    return op;
  }

  /** parseValues: "(" values ")"; "()" is the one empty value. */
  private valueSet(): Set<string> {
    const open = this.next(true);
    if (open.tok !== '(') throw new SelectorParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek(true);
    if (tok === ')') {
      this.next(true);
      return new Set(['']);
    }
    if (tok !== 'id' && tok !== ',') throw new SelectorParseError(`found '${lit}', expected: ',', ')' or identifier`);
    const set = this.identifiers();
    if (this.next(true).tok !== ')') throw new SelectorParseError(`found '${lit}', expected: ')'`);
    return set;
  }

  /** parseIdentifiersList: comma-separated, possibly empty identifiers (v0.32 behaviour, including its `,,` handling). */
  private identifiers(): Set<string> {
    const set = new Set<string>();
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === 'id') {
        set.add(lit);
        const ahead = this.peek(true);
        if (ahead.tok === ',') continue;
        if (ahead.tok === ')') return set;
        throw new SelectorParseError(`found '${ahead.lit}', expected: ',' or ')'`);
      }
      if (tok !== ',') throw new SelectorParseError(`found '${lit}', expected: ',', or identifier`);
      if (set.size === 0) set.add('');
      const ahead = this.peek(true).tok;
      if (ahead === ')') {
        set.add('');
        return set;
      }
      if (ahead === ',') {
        this.next(true);
        set.add('');
      }
    }
  }

  /** parseExactValue: one identifier, or the empty value before ',' or the end. */
  private exactValue(): Set<string> {
    const ahead = this.peek(true).tok;
    if (ahead === 'eos' || ahead === ',') return new Set(['']);
    const { tok, lit } = this.next(true);
    if (tok !== 'id') throw new SelectorParseError(`found '${lit}', expected: identifier`);
    return new Set([lit]);
  }
}

/**
 * labels.Parse: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>1`, `k<1`, comma-ANDed.
 * The empty string selects everything. Throws SelectorParseError with upstream's message.
 */
export function parseLabelSelector(s: string): LabelSelector {
  return selectorOf(new Parser(lex(s)).parse());
}

const META_OPERATORS: Readonly<Record<string, LabelOperator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: a null/undefined selector matches nothing, an empty one everything.
 * Throws SelectorParseError for an unknown operator or invalid keys and values.
 */
export function labelSelectorFromMeta(
  sel:
    | {
        matchLabels?: Record<string, string> | null;
        matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
      }
    | null
    | undefined,
): LabelSelector {
  if (sel === null || sel === undefined) return NOTHING;
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const expressions = sel.matchExpressions ?? [];
  const reqs = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of expressions) {
    const op = Object.hasOwn(META_OPERATORS, expr.operator) ? META_OPERATORS[expr.operator] : undefined;
    if (op === undefined) throw new SelectorParseError(`${goQuote(expr.operator)} is not a valid label selector operator`);
    // append([]string(nil), expr.Values...) is nil when there are no values
    reqs.push(newRequirement(expr.key, op, expr.values && expr.values.length > 0 ? expr.values : null));
  }
  return selectorOf(reqs);
}

/** Parses `selector` and matches it against `labels`. */
export function labelsMatch(selector: string, labels: Readonly<Record<string, string>> | undefined): boolean {
  return parseLabelSelector(selector).matches(labels);
}
