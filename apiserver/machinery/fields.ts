// Field selectors, re-implemented from Kubernetes apimachinery pkg/fields/selector.go (v0.32, unchanged
// since): `field=value`, `field==value`, `field!=value`, comma-ANDed, with `\` escaping `\`, `,` and `=` in
// values. Error texts follow upstream word for word.
import { SelectorParseError } from './labels.ts';

export { SelectorParseError };

export interface FieldRequirement {
  field: string;
  /** `==` is normalised to `=`, as upstream's hasTerm does. */
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly empty: boolean;
  readonly requirements: readonly FieldRequirement[];
  /** A field missing from `fields` counts as the empty string (upstream fields.Set.Get). */
  matches(fields: Readonly<Record<string, string>>): boolean;
  toString(): string;
}

/** fields.EscapeValue: prefixes `\`, `,` and `=` with a backslash. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue: undoes escapeFieldValue; rejects unknown escapes and bare `,` or `=`. */
export function unescapeFieldValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // upstream prints the rune with %v, i.e. as its code point number
      throw new SelectorParseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Builds `field=value` with the value escaped, e.g. fieldSelectorFor('spec.nodeName', 'a,b') is `spec.nodeName=a\,b`. */
export function fieldSelectorFor(field: string, value: string): string {
  return `${field}=${escapeFieldValue(value)}`;
}

/** splitTerms: splits on commas that are not escaped; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** splitTerm: the first `!=`, `==` or `=` (tried in that order at each position) splits field from value. */
function splitTerm(term: string): { field: string; op: string; value: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, value: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** Go's string order (byte-wise on UTF-8). */
const compareBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** fields.ParseSelector. The empty string selects everything. Throws SelectorParseError with upstream's message. */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort(compareBytes)) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (term === undefined) throw new SelectorParseError(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeFieldValue(term.value);
    // The identity Transform drops terms whose field and value are both empty (e.g. a bare "=").
    if (term.field === '' && value === '') continue;
    requirements.push({ field: term.field, operator: term.op === '!=' ? '!=' : '=', value });
  }
  return {
    empty: requirements.length === 0,
    requirements,
    matches(fields) {
      return requirements.every((r) => {
        const actual = Object.hasOwn(fields, r.field) ? (fields[r.field] ?? '') : '';
        return r.operator === '=' ? actual === r.value : actual !== r.value;
      });
    },
    toString: () => requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(','),
  };
}
