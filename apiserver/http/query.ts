// Query parameters shared by the resource handlers.
import { badRequest, invalid, type FieldError } from '../machinery/errors.ts';
import type { ListQuery } from '../registry/listquery.ts';
import type { DeleteOptions, FieldValidation, WriteOptions } from '../registry/store.ts';

export function isTrue(v: string | null): boolean {
  return v === 'true' || v === 'True' || v === '1';
}

export function listQuery(q: URLSearchParams): ListQuery {
  const out: ListQuery = {};
  const get = (k: string): string | undefined => q.get(k) ?? undefined;
  out.labelSelector = get('labelSelector');
  out.fieldSelector = get('fieldSelector');
  out.continue = get('continue');
  out.resourceVersion = get('resourceVersion');
  out.resourceVersionMatch = get('resourceVersionMatch');
  const limit = get('limit');
  if (limit !== undefined && limit !== '') {
    const n = Number(limit);
    if (!Number.isInteger(n)) throw badRequest(`unable to parse quantity's suffix: strconv.ParseInt: parsing "${limit}": invalid syntax`);
    out.limit = n;
  }
  return out;
}

function dryRunAll(values: string[], kind: string): boolean {
  const errs: FieldError[] = [];
  for (const v of values) {
    if (v !== 'All') errs.push({ type: 'FieldValueNotSupported', field: 'dryRun', badValue: v, detail: 'supported values: "All"' });
  }
  if (errs.length > 0) throw invalid({ group: 'meta.k8s.io', kind }, '', errs);
  return values.length > 0;
}

const fieldValidations = ['Strict', 'Warn', 'Ignore'];

export function writeOptions(q: URLSearchParams, kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): WriteOptions & { force?: boolean } {
  const fv = q.get('fieldValidation');
  if (fv !== null && fv !== '' && !fieldValidations.includes(fv)) {
    throw badRequest(`fieldValidation parameter unsupported: ${fv}. Must be one of "Ignore", "Warn", "Strict"`);
  }
  const out: WriteOptions & { force?: boolean } = { dryRun: dryRunAll(q.getAll('dryRun'), kind) };
  const fm = q.get('fieldManager');
  if (fm) out.fieldManager = fm;
  // An absent directive is Warn (apiserver pkg/endpoints/handlers/rest.go fieldValidation).
  out.fieldValidation = fv ? (fv as FieldValidation) : 'Warn';
  const force = q.get('force');
  if (force !== null) out.force = isTrue(force);
  return out;
}

/** DeleteOptions from the body, then the query (the query wins where both are given, as the decoder does). */
export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw badRequest(`the body kind ${String(b.kind)} is not DeleteOptions`);
  const out: DeleteOptions = {};
  const policy = q.get('propagationPolicy') ?? (typeof b.propagationPolicy === 'string' ? b.propagationPolicy : undefined);
  if (policy !== undefined) {
    if (!['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
        { type: 'FieldValueNotSupported', field: 'propagationPolicy', badValue: policy, detail: 'supported values: "Foreground", "Background", "Orphan", "nil"' },
      ]);
    }
    out.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  } else if (b.orphanDependents === true || q.get('orphanDependents') === 'true') {
    out.propagationPolicy = 'Orphan';
  }
  const grace = q.get('gracePeriodSeconds') ?? b.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) out.gracePeriodSeconds = Number(grace);
  if (b.preconditions && typeof b.preconditions === 'object') {
    const p = b.preconditions as Record<string, unknown>;
    out.preconditions = {};
    if (typeof p.uid === 'string') out.preconditions.uid = p.uid;
    if (typeof p.resourceVersion === 'string') out.preconditions.resourceVersion = p.resourceVersion;
  }
  const dry = [...q.getAll('dryRun'), ...(Array.isArray(b.dryRun) ? (b.dryRun as string[]) : [])];
  out.dryRun = dryRunAll(dry, 'DeleteOptions');
  return out;
}
