// ObjectMeta validation (apimachinery pkg/api/validation/objectmeta.go, pkg/util/validation/validation.go).
import { goStringSlice, type FieldError } from '../machinery/errors.ts';
import type { KubeObject, ObjectMeta } from '../machinery/object.ts';

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123Label = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123Subdomain = new RegExp(`^${dns1123SubdomainFmt}$`);
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedName = new RegExp(`^${qualifiedNameFmt}$`);
const labelValue = new RegExp(`^(${qualifiedNameFmt})?$`);

export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!dns1123Subdomain.test(value)) {
    errs.push(
      `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${dns1123SubdomainFmt}')`,
    );
  }
  return errs;
}

export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!dns1123Label.test(value)) {
    errs.push(
      `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${dns1123LabelFmt}')`,
    );
  }
  return errs;
}

/** validation.IsQualifiedName: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFmt}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !qualifiedName.test(name)) {
    errs.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFmt}')`,
    );
  }
  return errs;
}

function labelErrors(labels: Record<string, string> | undefined): FieldError[] {
  const out: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const d of qualifiedNameErrors(k)) out.push({ type: 'FieldValueInvalid', field: 'metadata.labels', badValue: k, detail: d });
    if (v.length > 63) out.push({ type: 'FieldValueInvalid', field: 'metadata.labels', badValue: v, detail: 'must be no more than 63 characters' });
    else if (!labelValue.test(v)) {
      out.push({
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        badValue: v,
        detail: `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(${qualifiedNameFmt})?')`,
      });
    }
  }
  return out;
}

function ownerReferenceErrors(meta: ObjectMeta): FieldError[] {
  const refs = meta.ownerReferences ?? [];
  const out: FieldError[] = [];
  const controllers = refs.filter((r) => r.controller === true);
  refs.forEach((r, i) => {
    if (!r.uid) out.push({ type: 'FieldValueInvalid', field: `metadata.ownerReferences[${i}].uid`, badValue: r.uid, detail: 'uid must not be empty' });
    if (!r.name) out.push({ type: 'FieldValueInvalid', field: `metadata.ownerReferences[${i}].name`, badValue: r.name, detail: 'name must not be empty' });
  });
  if (controllers.length > 1) {
    out.push({
      type: 'FieldValueInvalid',
      field: 'metadata.ownerReferences',
      badValue: refs,
      detail: `Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((r) => `${r.kind}/${r.name}`).join(' and ')}`,
    });
  }
  return out;
}

/** ValidateObjectMeta for a create (and, for the parts that apply, an update). */
export function validateObjectMeta(obj: KubeObject, nameIsLabel: boolean): FieldError[] {
  const m = obj.metadata;
  const errs: FieldError[] = [];
  if (!m.name) {
    errs.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
  } else {
    for (const d of nameIsLabel ? dns1123LabelErrors(m.name) : dns1123SubdomainErrors(m.name)) {
      errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', badValue: m.name, detail: d });
    }
  }
  errs.push(...labelErrors(m.labels));
  for (const f of m.finalizers ?? []) {
    for (const d of qualifiedNameErrors(f)) errs.push({ type: 'FieldValueInvalid', field: 'metadata.finalizers', badValue: f, detail: d });
  }
  errs.push(...ownerReferenceErrors(m));
  return errs;
}

/** ValidateObjectMetaUpdate: the immutable fields and the finalizer rule of objects being deleted. */
export function validateObjectMetaUpdate(next: KubeObject, old: KubeObject): FieldError[] {
  const n = next.metadata;
  const o = old.metadata;
  const errs: FieldError[] = [];
  const immutable = (field: keyof ObjectMeta): void => {
    if (n[field] !== o[field]) errs.push({ type: 'FieldValueInvalid', field: `metadata.${String(field)}`, badValue: n[field], detail: 'field is immutable' });
  };
  immutable('name');
  immutable('namespace');
  immutable('uid');
  immutable('creationTimestamp');
  immutable('deletionTimestamp');
  immutable('deletionGracePeriodSeconds');
  if ((n.generation ?? 0) < (o.generation ?? 0)) {
    errs.push({ type: 'FieldValueInvalid', field: 'metadata.generation', badValue: n.generation, detail: 'must not be decremented' });
  }
  // objectmeta.go ValidateNoNewFinalizers, only while the old object is being deleted.
  if (o.deletionTimestamp) {
    const had = new Set(o.finalizers ?? []);
    const added = [...new Set((n.finalizers ?? []).filter((f) => !had.has(f)))].sort();
    if (added.length > 0) {
      errs.push({
        type: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        detail: `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added).text}`,
      });
    }
  }
  errs.push(...labelErrors(n.labels));
  errs.push(...ownerReferenceErrors(n));
  return errs;
}
