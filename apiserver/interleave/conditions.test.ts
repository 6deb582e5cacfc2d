import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../machinery/clock.ts';
import { isStatusError } from '../machinery/errors.ts';
import {
  all,
  always,
  any,
  conditionFromJson,
  conditionToJson,
  count,
  delivered,
  never,
  not,
  noted,
  requested,
  requestSucceeded,
  responded,
  type Condition,
} from './conditions.ts';
import { History } from './history.ts';
import type { RequestEntry, Verb } from './types.ts';

function history(): History {
  return new History({ clock: new FakeClock(), now: () => 0 });
}

/** A request and its response, as the interleaver records them. */
function served(h: History, actor: string, verb: Verb, name: string, code: number, more: { subresource?: string; group?: string; injected?: boolean } = {}): RequestEntry {
  const req = h.append({ type: 'request', actor, verb, group: more.group ?? '', resource: 'configmaps', namespace: 'default', name, rvBefore: 1, ...(more.subresource ? { subresource: more.subresource } : {}) });
  h.append({
    type: 'response',
    request: req.seq,
    actor,
    verb,
    resource: 'configmaps',
    namespace: 'default',
    name,
    code,
    ...(code >= 400 ? { reason: code === 409 ? 'Conflict' : 'InternalError' } : {}),
    rvAfter: 2,
    ...(more.injected ? { injected: { rule: 'r' } } : {}),
  });
  return req;
}

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isStatusError(e, 'BadRequest'), `expected a BadRequest StatusError, got ${String(e)}`);
    assert.equal(e.code, 400);
    return e.message;
  }
  assert.fail('expected a BadRequest');
}

describe('conditions', () => {
  it('requestSucceeded matches a 2xx response by actor, verb, resource, name and namespace, not an injected one', () => {
    const h = history();
    const c = requestSucceeded({ actor: 'a', verb: 'patch', resource: 'configmaps', name: 'c1', namespace: 'default' });
    assert.equal(c(h), false);
    served(h, 'a', 'patch', 'c1', 409);
    served(h, 'a', 'patch', 'c1', 200, { injected: true });
    served(h, 'b', 'patch', 'c1', 200);
    served(h, 'a', 'update', 'c1', 200);
    served(h, 'a', 'patch', 'c2', 200);
    assert.equal(c(h), false);
    served(h, 'a', 'patch', 'c1', 200);
    assert.equal(c(h), true);
    assert.equal(requestSucceeded({ namespace: 'other' })(h), false);
    assert.equal(requestSucceeded({ verb: ['get', 'patch'], actor: /^a$/ })(h), true);
  });

  it('responded matches code and reason; requested matches the request entry with group and subresource', () => {
    const h = history();
    served(h, 'a', 'patch', 'c1', 409);
    served(h, 'b', 'update', 'c1', 200, { subresource: 'status', group: 'cluster.x-k8s.io' });
    assert.equal(responded({ actor: 'a', code: 409, reason: 'Conflict' })(h), true);
    assert.equal(responded({ actor: 'a', code: 200 })(h), false);
    assert.equal(responded({ actor: 'b', subresource: 'status' })(h), true);
    assert.equal(responded({ actor: 'b', subresource: '' })(h), false);
    assert.equal(responded({ actor: 'b', group: 'cluster.x-k8s.io' })(h), true);
    assert.equal(requested({ actor: 'b', subresource: 'status', group: 'cluster.x-k8s.io' })(h), true);
    assert.equal(requested({ actor: 'a', subresource: '' })(h), true);
    assert.equal(requested({ actor: 'c' })(h), false);
  });

  it('delivered and noted match their entries', () => {
    const h = history();
    h.append({ type: 'delivery', actor: 'a', resource: 'configmaps', eventType: 'MODIFIED', namespace: 'default', name: 'c1', revision: 5 });
    h.note('scenario', 'step', 'moved the cluster');
    assert.equal(delivered({ actor: 'a', resource: 'configmaps', name: 'c1', eventType: 'MODIFIED' })(h), true);
    assert.equal(delivered({ actor: 'a', eventType: ['ADDED', 'DELETED'] })(h), false);
    assert.equal(delivered({ actor: 'b' })(h), false);
    assert.equal(noted({ tag: 'step' })(h), true);
    assert.equal(noted({ tag: 'step', actor: 'scenario', text: /moved/ })(h), true);
    assert.equal(noted({ tag: 'step', actor: 'other' })(h), false);
    assert.equal(noted({ tag: 'crash' })(h), false);
  });

  it('look only after the installing seq, unless the condition says `after`', () => {
    const h = history();
    h.note('s', 'go', 'early');
    const installedAt = h.note('racelab', 'rule', 'installed').seq;
    const c = noted({ tag: 'go' });
    assert.equal(c(h), true, 'alone, a condition looks at the whole history');
    assert.equal(c(h, installedAt), false);
    assert.equal(noted({ tag: 'go', after: 0 })(h, installedAt), true);
    h.note('s', 'go', 'late');
    assert.equal(c(h, installedAt), true);
  });

  it('combine with all, any, not, count, never, always', () => {
    const h = history();
    const a = noted({ tag: 'a' });
    const b = noted({ tag: 'b' });
    assert.equal(all()(h), true);
    assert.equal(any()(h), false);
    h.note('x', 'a', '');
    assert.equal(all(a, b)(h), false);
    assert.equal(any(a, b)(h), true);
    assert.equal(not(b)(h), true);
    assert.equal(count(a, 2)(h), false);
    h.note('x', 'a', '');
    assert.equal(count(a, 2)(h), true);
    assert.equal(count(a, 2)(h, 1), false, 'count respects the installing seq');
    assert.equal(count(a, 0)(h), true);
    assert.equal(never()(h), false);
    assert.equal(always()(h), true);
    // The installing seq flows through combinators.
    assert.equal(all(a)(h, 2), false);
  });

  it('keep their JSON form', () => {
    const c = all(responded({ actor: 'a', verb: 'patch', resource: 'clusters', name: /^c\d$/, code: 200 }), not(noted({ tag: 'crash' })), count(delivered({ actor: 'b' }), 2));
    assert.deepEqual(conditionToJson(c), {
      all: [{ responded: { actor: 'a', verb: 'patch', resource: 'clusters', name: '/^c\\d$/', code: 200 } }, { not: { noted: { tag: 'crash' } } }, { count: { of: { delivered: { actor: 'b' } }, n: 2 } }],
    });
    const handWritten: Condition = () => true;
    assert.equal(conditionToJson(handWritten), '<function>');
  });
});

describe('conditionFromJson', () => {
  it('parses every form and round-trips to the same JSON', () => {
    const forms: unknown[] = [
      { responded: { actor: 'a', verb: 'patch', resource: 'clusters', name: 'c1', code: 200 } },
      { requestSucceeded: { actor: 'a', verb: ['patch', 'update'], after: 3 } },
      { requested: { actor: '/^ctrl-/', subresource: 'status', group: 'cluster.x-k8s.io' } },
      { delivered: { actor: 'b', resource: 'clusters', name: 'c1', eventType: 'MODIFIED' } },
      { noted: { tag: 'go', actor: 'scenario', text: '/step \\d+/i' } },
      { all: [{ noted: { tag: 'a' } }, { any: [{ noted: { tag: 'b' } }, { not: { noted: { tag: 'c' } } }] }] },
      { count: { of: { delivered: { actor: 'b' } }, n: 2 } },
      { never: {} },
      { always: {} },
    ];
    for (const f of forms) assert.deepEqual(conditionToJson(conditionFromJson(f)), f);
  });

  it('evaluates what it parsed, regular expressions included', () => {
    const h = history();
    served(h, 'ctrl-1', 'patch', 'c7', 200);
    assert.equal(conditionFromJson({ responded: { actor: '/^ctrl-/', name: '/^C7$/i', code: 200 } })(h), true);
    assert.equal(conditionFromJson({ responded: { actor: '^ctrl-', code: 200 } })(h), false, 'a plain string is exact');
    assert.equal(conditionFromJson({ count: { of: { responded: { actor: 'ctrl-1' } }, n: 1 } })(h), true);
    assert.equal(conditionFromJson({ not: { never: {} } })(h), true);
  });

  it('says where a condition is wrong, as a 400', () => {
    assert.match(badRequestMessage(() => conditionFromJson({ responded: { code: 'x' } })), /until\.responded\.code: .*number/);
    assert.match(badRequestMessage(() => conditionFromJson({ responded: { verb: 'poke' } })), /until\.responded\.verb/);
    assert.match(badRequestMessage(() => conditionFromJson({ responded: { colour: 'red' } })), /until\.responded.*colour/);
    assert.match(badRequestMessage(() => conditionFromJson({ all: [{ noted: { tag: 'a' } }, { sometimes: {} }] })), /until\.all\[1\]: unknown condition "sometimes"/);
    assert.match(badRequestMessage(() => conditionFromJson({ all: {} })), /until\.all: expected an array/);
    assert.match(badRequestMessage(() => conditionFromJson({ noted: {} })), /until\.noted\.tag/);
    assert.match(badRequestMessage(() => conditionFromJson({ noted: { tag: 'a' }, never: {} })), /exactly one of the keys/);
    assert.match(badRequestMessage(() => conditionFromJson('never')), /until: expected an object/);
    assert.match(badRequestMessage(() => conditionFromJson(null)), /until: expected an object/);
    assert.match(badRequestMessage(() => conditionFromJson({ count: { of: { all: [] }, n: 1 } })), /only requested, responded, requestSucceeded, delivered, noted can be counted/);
    assert.match(badRequestMessage(() => conditionFromJson({ count: { of: { noted: { tag: 'a' } }, n: -1 } })), /until\.count\.n/);
    assert.match(badRequestMessage(() => conditionFromJson({ requested: { name: '/[/' } })), /until\.requested\.name: invalid regular expression/);
    assert.match(badRequestMessage(() => conditionFromJson({ never: { x: 1 } })), /until\.never/);
  });
});

describe('condition evaluation cost', () => {
  it('looks at each entry once per condition, however often it is evaluated', () => {
    const h = history();
    let tested = 0;
    const spy = /never-matches/;
    spy.test = () => {
      tested++;
      return false;
    };
    const c = noted({ tag: 'step', text: spy });
    const counting = count(noted({ tag: 'step', text: spy }), 3);
    const off = h.onAppend(() => {
      assert.equal(c(h, 0), false);
      assert.equal(counting(h, 0), false);
    });
    for (let i = 0; i < 2000; i++) h.note('x', 'step', String(i));
    off();
    assert.equal(tested, 4000, 'each of the two conditions looked at each entry once');
    h.note('x', 'go', '');
    assert.equal(noted({ tag: 'go' })(h, 0), true);
    assert.equal(noted({ tag: 'go' })(h, 2001), false);
  });
});
