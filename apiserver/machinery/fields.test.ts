import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeFieldValue, fieldSelectorFor, parseFieldSelector, SelectorParseError, unescapeFieldValue, type FieldRequirement } from './fields.ts';

describe('parseFieldSelector: parsing', () => {
  const cases: [string, FieldRequirement[], string][] = [
    ['', [], ''],
    [',', [], ''],
    ['metadata.name=a', [{ field: 'metadata.name', operator: '=', value: 'a' }], 'metadata.name=a'],
    ['metadata.name==a', [{ field: 'metadata.name', operator: '=', value: 'a' }], 'metadata.name=a'],
    ['status.phase!=Running', [{ field: 'status.phase', operator: '!=', value: 'Running' }], 'status.phase!=Running'],
    ['spec.nodeName=', [{ field: 'spec.nodeName', operator: '=', value: '' }], 'spec.nodeName='],
    // terms are sorted as strings, empty terms skipped
    ['b=2,,a!=1', [
      { field: 'a', operator: '!=', value: '1' },
      { field: 'b', operator: '=', value: '2' },
    ], 'a!=1,b=2'],
    // the first operator splits; `!=` and `==` are tried before `=` at each position
    ['a!=\\=b', [{ field: 'a', operator: '!=', value: '=b' }], 'a!=\\=b'],
    ['a==\\=b', [{ field: 'a', operator: '=', value: '=b' }], 'a=\\=b'],
    ['a!b=c', [{ field: 'a!b', operator: '=', value: 'c' }], 'a!b=c'],
    // no whitespace trimming
    [' a = b ', [{ field: ' a ', operator: '=', value: ' b ' }], ' a = b '],
    // escapes
    ['spec.nodeName=a\\,b', [{ field: 'spec.nodeName', operator: '=', value: 'a,b' }], 'spec.nodeName=a\\,b'],
    ['x=a\\=b\\\\c', [{ field: 'x', operator: '=', value: 'a=b\\c' }], 'x=a\\=b\\\\c'],
    ['x!=\\,,y=\\\\', [
      { field: 'x', operator: '!=', value: ',' },
      { field: 'y', operator: '=', value: '\\' },
    ], 'x!=\\,,y=\\\\'],
    // the identity transform drops terms whose field and value are both empty
    ['=', [], ''],
    ['!=,a=b', [{ field: 'a', operator: '=', value: 'b' }], 'a=b'],
  ];
  for (const [selector, requirements, text] of cases) {
    it(`parses ${JSON.stringify(selector)}`, () => {
      const parsed = parseFieldSelector(selector);
      assert.deepEqual(parsed.requirements, requirements);
      assert.equal(parsed.toString(), text);
      assert.equal(parsed.empty, requirements.length === 0);
    });
  }
});

describe('parseFieldSelector: matching', () => {
  const pod = { 'metadata.name': 'web-1', 'metadata.namespace': 'default', 'spec.nodeName': 'a,b', 'status.phase': 'Running' };
  const cases: [string, Record<string, string>, boolean][] = [
    ['', pod, true],
    ['metadata.name=web-1', pod, true],
    ['metadata.name==web-1', pod, true],
    ['metadata.name=web-2', pod, false],
    ['metadata.name!=web-2', pod, true],
    ['metadata.name!=web-1', pod, false],
    ['metadata.name=web-1,status.phase=Running', pod, true],
    ['metadata.name=web-1,status.phase!=Running', pod, false],
    ['spec.nodeName=a\\,b', pod, true],
    ['spec.nodeName=a', pod, false],
    // a missing field reads as the empty string
    ['spec.hostNetwork=', pod, true],
    ['spec.hostNetwork!=', pod, false],
    ['spec.hostNetwork=true', pod, false],
    ['spec.hostNetwork!=true', pod, true],
    ['constructor=', {}, true],
  ];
  for (const [selector, fields, want] of cases) {
    it(`${JSON.stringify(selector)} ${want ? 'matches' : 'does not match'}`, () => {
      assert.equal(parseFieldSelector(selector).matches(fields), want);
    });
  }
});

describe('parseFieldSelector: errors carry upstream text', () => {
  const cases: [string, string][] = [
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['x=1,abc', "invalid selector: 'x=1,abc'; can't understand 'abc'"],
    ['a>1', "invalid selector: 'a>1'; can't understand 'a>1'"],
    ['x=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ['a===b', 'invalid field selector: unescaped character in value: 61'],
    ['x=a,b', "invalid selector: 'x=a,b'; can't understand 'b'"],
    ['x=a\\!b', 'invalid field selector: invalid escape sequence: \\!'],
    ['x=a\\n', 'invalid field selector: invalid escape sequence: \\n'],
    ['x=a\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [selector, message] of cases) {
    it(`rejects ${JSON.stringify(selector)}`, () => {
      assert.throws(() => parseFieldSelector(selector), (err: unknown) => err instanceof SelectorParseError && err.message === message);
    });
  }
});

describe('escaping', () => {
  it('escapes backslash, comma and equals', () => {
    assert.equal(escapeFieldValue('a\\b,c=d!e'), 'a\\\\b\\,c\\=d!e');
    assert.equal(unescapeFieldValue('a\\\\b\\,c\\=d!e'), 'a\\b,c=d!e');
  });

  it('fieldSelectorFor builds selectors that parse back to the literal value', () => {
    assert.equal(fieldSelectorFor('spec.nodeName', 'a,b'), 'spec.nodeName=a\\,b');
    for (const value of ['', 'plain', 'a,b', 'x=y', 'back\\slash', '\\,=', 'a!=b', 'trailing\\']) {
      const sel = parseFieldSelector(fieldSelectorFor('metadata.name', value));
      assert.deepEqual(sel.requirements, [{ field: 'metadata.name', operator: '=', value }]);
      assert.equal(sel.matches({ 'metadata.name': value }), true);
      assert.equal(sel.matches({ 'metadata.name': `${value}x` }), false);
    }
  });
});
