// List and watch options: selectors, paging and resourceVersion semantics
// (apimachinery pkg/apis/meta/internalversion/validation, apiserver pkg/storage/continue.go).
import type { KindInfo } from '../api/kinds.ts';
import { badRequest, expired, invalid, type FieldError } from '../machinery/errors.ts';
import { parseFieldSelector, type FieldSelector } from '../machinery/fields.ts';
import { parseLabelSelector, SelectorParseError, type LabelSelector } from '../machinery/labels.ts';
import { parseResourceVersion, type KubeObject } from '../machinery/object.ts';
import type { Strategy } from './strategy.ts';

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ParsedSelectors {
  label: LabelSelector;
  field: FieldSelector;
  filter: ((obj: KubeObject) => boolean) | undefined;
}

export function parseSelectors(strategy: Strategy, q: ListQuery): ParsedSelectors {
  let label: LabelSelector;
  let field: FieldSelector;
  try {
    label = parseLabelSelector(q.labelSelector ?? '');
    field = parseFieldSelector(q.fieldSelector ?? '');
  } catch (e) {
    if (e instanceof SelectorParseError) throw badRequest(e.message);
    throw e;
  }
  checkFieldLabels(strategy.info, field);
  const filter =
    label.empty && field.empty
      ? undefined
      : (obj: KubeObject): boolean => label.matches(obj.metadata.labels) && (field.empty || field.matches(strategy.fields(obj)));
  return { label, field, filter };
}

function checkFieldLabels(info: KindInfo, field: FieldSelector): void {
  const known = new Set(['metadata.name', ...(info.namespaced ? ['metadata.namespace'] : []), ...info.selectableFields.map((p) => p.slice(1))]);
  for (const r of field.requirements) {
    if (known.has(r.field)) continue;
    if (!info.builtin) {
      // apimachinery pkg/runtime/conversion.go DefaultMetaV1FieldSelectorConversion.
      throw badRequest(`"${r.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
    throw badRequest(`field label not supported: ${r.field}`);
  }
}

const listOptionsKind = { group: 'meta.k8s.io', kind: 'ListOptions' };

export function parseListResourceVersion(q: ListQuery): number | undefined {
  if (q.resourceVersion === undefined) return undefined;
  const rv = parseResourceVersion(q.resourceVersion);
  if (rv === undefined) {
    throw invalid(listOptionsKind, '', [{ type: 'FieldValueInvalid', field: 'resourceVersion', badValue: q.resourceVersion, detail: 'must be a non-negative integer' }]);
  }
  return rv;
}

/** ValidateListOptions for resourceVersionMatch. */
export function validateListOptions(q: ListQuery, isWatch: boolean): void {
  const errs: FieldError[] = [];
  const m = q.resourceVersionMatch;
  if (m) {
    if (isWatch) {
      // sendInitialEvents is the only use of resourceVersionMatch on a watch; it is not served here.
      errs.push({ type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' });
    } else if (q.resourceVersion === undefined) {
      errs.push({ type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided' });
    } else if (q.continue) {
      errs.push({ type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden when continue is provided' });
    } else if (m !== 'Exact' && m !== 'NotOlderThan') {
      errs.push({ type: 'FieldValueNotSupported', field: 'resourceVersionMatch', badValue: m, detail: 'supported values: "Exact", "NotOlderThan", ""' });
    } else if (m === 'Exact' && q.resourceVersion === '0') {
      errs.push({ type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"' });
    }
  }
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 0)) {
    errs.push({ type: 'FieldValueInvalid', field: 'limit', badValue: q.limit, detail: 'must be a non-negative integer' });
  }
  if (errs.length > 0) throw invalid(listOptionsKind, '', errs);
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, lastKey: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export const continueTooOldMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

/** Returns the revision and the key to continue after; malformed tokens are 400 (etcd3/store.go). */
export function decodeContinue(token: string): { rv: number; startAfter: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid continue token: continue key is not valid: illegal base64 data or JSON');
  }
  const t = parsed as Partial<ContinueToken>;
  if (t.v !== 'meta.k8s.io/v1') throw badRequest('invalid continue token: continue key is not valid: server does not recognize this encoded version');
  if (typeof t.rv !== 'number' || t.rv <= 0) throw badRequest('invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof t.start !== 'string' || t.start.length === 0 || t.start.includes('..')) {
    throw badRequest('invalid continue token: continue key is not valid: encoded start key empty');
  }
  return { rv: t.rv, startAfter: t.start.endsWith('\u0000') ? t.start.slice(0, -1) : t.start };
}

export function continueExpired(): Error {
  return expired(continueTooOldMessage);
}
