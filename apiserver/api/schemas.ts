// zod schemas that check the shape of objects at the boundary. Unknown fields are kept, except that
// fieldValidation=Strict refuses fields the kind does not have (at the top level and in metadata).
import { z } from 'zod';
import type { KubeObject } from '../machinery/object.ts';
import type { KindInfo } from './kinds.ts';
import { kindFields } from './proto/descriptor.ts';

const stringMap = z.record(z.string(), z.string());

export const ownerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

const objectMetaShape = {
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  selfLink: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().nullable().optional(),
  deletionGracePeriodSeconds: z.number().int().nullable().optional(),
  labels: stringMap.nullable().optional(),
  annotations: stringMap.nullable().optional(),
  ownerReferences: z.array(ownerReferenceSchema).nullable().optional(),
  finalizers: z.array(z.string()).nullable().optional(),
  managedFields: z.array(z.looseObject({})).nullable().optional(),
};

export const objectMetaFields = new Set(Object.keys(objectMetaShape));

const objectSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject(objectMetaShape).nullable().optional(),
});

/** Top-level fields per kind beyond apiVersion, kind, metadata; undefined means spec and status. */
const topLevelFields: Record<string, readonly string[]> = {
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Event: [
    'involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime',
    'series', 'action', 'related', 'reportingComponent', 'reportingInstance',
    // events.k8s.io/v1
    'regarding', 'note', 'reportingController', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount',
  ],
};

/** A kind's top-level fields: the listed ones, a built-in kind's message fields, or spec and status. */
export function topLevelFieldsOf(info: KindInfo): readonly string[] {
  return topLevelFields[info.kind] ?? (info.builtin ? kindFields(info.group, info.version, info.kind) : undefined) ?? ['spec', 'status'];
}

export class DecodeError extends Error {}

const goType = (expected: string): string =>
  ({ string: 'string', number: 'int64', boolean: 'bool', object: 'map[string]interface {}', array: '[]interface {}' })[expected] ?? expected;

/** encoding/json's kind of a JSON value, as its UnmarshalTypeError names it. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/**
 * `json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string`: the value's
 * kind, the struct that holds the field and the field path without map keys or indexes.
 */
function unmarshalMessage(info: KindInfo, body: unknown, path: readonly PropertyKey[], expected: string): string {
  let value: unknown = body;
  for (const k of path) value = value !== null && typeof value === 'object' && Object.hasOwn(value, k) ? (value as Record<PropertyKey, unknown>)[k] : undefined;
  const inMetadata = path[0] === 'metadata' && path.length > 1;
  // Map keys and list indexes are not part of the field path; ownerReferences items are OwnerReference structs.
  const fields = path.slice(0, path[1] === 'labels' || path[1] === 'annotations' ? 2 : path.length).filter((k) => typeof k === 'string');
  const struct = inMetadata ? (path[1] === 'ownerReferences' && path.length > 3 ? 'OwnerReference' : 'ObjectMeta') : info.kind;
  const field = struct === 'OwnerReference' ? `metadata.ownerReferences.${String(path[3])}` : fields.join('.');
  return `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${field} of type ${goType(expected)}`;
}

/** Checks an incoming object's shape; the message follows the upstream JSON decoder's. */
export function decodeObject(info: KindInfo, body: unknown): KubeObject {
  const res = objectSchema.safeParse(body);
  if (!res.success) {
    const issue = res.error.issues[0];
    const what = issue && 'expected' in issue ? unmarshalMessage(info, body, issue.path, String(issue.expected)) : (issue?.message ?? 'invalid object');
    throw new DecodeError(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${what}`);
  }
  const obj = res.data as KubeObject;
  if (obj.metadata === null || obj.metadata === undefined) obj.metadata = {};
  // Null collections are the same as absent ones, as Go's decoder makes them nil.
  for (const k of ['labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (obj.metadata[k] === null) delete obj.metadata[k];
  }
  return obj;
}

/** Unknown field paths, for fieldValidation Strict and Warn. */
export function unknownFields(info: KindInfo, obj: KubeObject): string[] {
  const known = new Set(['apiVersion', 'kind', 'metadata', ...topLevelFieldsOf(info)]);
  const out: string[] = [];
  for (const k of Object.keys(obj)) if (!known.has(k)) out.push(k);
  for (const k of Object.keys(obj.metadata)) if (!objectMetaFields.has(k)) out.push(`metadata.${k}`);
  return out;
}
