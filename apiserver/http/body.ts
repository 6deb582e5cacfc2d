// Request bodies: decoded from the raw bytes for the media types kube-apiserver accepts (none means JSON).
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { badRequest, unsupportedMediaType } from '../machinery/errors.ts';
import { decodeProtobufBody, protobufMediaType, type ProtobufTarget } from './protobuf/body.ts';
import { checkShape, jsonTextTooDeep, maxBodyNestingDepth, shapeError } from '../machinery/nesting.ts';

export const patchTypes = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = keyof typeof patchTypes;

/** The media type without parameters, lower-cased; '' when absent. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

const acceptedBodyTypes = ['application/json', 'application/yaml'];

/**
 * The media types kube-apiserver decodes request bodies in: JSON, YAML, protobuf (handed on to its decoder)
 * and the patch types. Any other body is refused before anything reads it: text/plain and form bodies are
 * what a web page can send without a CORS preflight.
 */
export const knownBodyTypes: ReadonlySet<string> = new Set(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', ...Object.values(patchTypes)]);

/** 415 for a body of an unknown media type; no Content-Type means JSON. */
export function checkMediaType(contentType: string | undefined, hasBody: boolean): void {
  const type = mediaType(contentType);
  if (!hasBody || type === '' || knownBodyTypes.has(type)) return;
  throw unsupportedMediaType(type, [...knownBodyTypes]);
}

/**
 * JSON bodies parsed once per request: the interleaving layer reads the body (rules, history) before the
 * handler decodes it, and both get the same value (neither changes it).
 */
const parsedBodies = new WeakMap<Buffer, { value: unknown } | { error: unknown }>();

/** The JSON value of a raw body, parsed and shape-checked at most once; throws the same Status every time. */
export function parseJsonBody(raw: Buffer): unknown {
  let entry = parsedBodies.get(raw);
  if (!entry) {
    try {
      entry = { value: parseJson(raw.toString('utf8')) };
    } catch (error) {
      entry = { error };
    }
    parsedBodies.set(raw, entry);
  }
  if ('error' in entry) throw entry.error;
  return entry.value;
}

function parseJson(text: string): unknown {
  if (jsonTextTooDeep(text, maxBodyNestingDepth)) throw shapeError({ kind: 'depth', limit: maxBodyNestingDepth });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  checkShape(value);
  return value;
}

/**
 * YAML 1.2 core schema (no timestamps, as sigs.k8s.io/yaml turns YAML into JSON first). js-yaml stops at the
 * nesting limit while it reads, so a deep document costs no more than its length; JSON, which most clients
 * send even as YAML, takes the much faster JSON parser.
 */
export function parseYamlText(text: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    if (jsonTextTooDeep(text, maxBodyNestingDepth)) throw shapeError({ kind: 'depth', limit: maxBodyNestingDepth });
    let json: unknown;
    let isJson = true;
    try {
      json = JSON.parse(text);
    } catch {
      isJson = false;
    }
    if (isJson) {
      checkShape(json);
      return json;
    }
  }
  let value: unknown;
  try {
    value = loadYaml(text, { schema: CORE_SCHEMA, maxDepth: maxBodyNestingDepth });
  } catch (e) {
    const message = (e as Error).message;
    if (e instanceof RangeError || message.startsWith('nesting exceeded maxDepth')) throw shapeError({ kind: 'depth', limit: maxBodyNestingDepth });
    throw badRequest(`error converting YAML to JSON: ${message.split('\n')[0]}`);
  }
  checkShape(value);
  return value;
}

/** The body of a create or update: JSON, YAML, protobuf (built-in kinds), or no Content-Type (taken as JSON). Empty: undefined. */
export function decodeBody(raw: Buffer | undefined, contentType: string | undefined, target?: ProtobufTarget): unknown {
  const type = mediaType(contentType);
  if (type === protobufMediaType) return decodeProtobufBody(raw, target);
  const text = raw && raw.length > 0 ? raw.toString('utf8') : '';
  if (type === 'application/cbor') {
    throw unsupportedMediaType(type, acceptedBodyTypes);
  }
  if (text.trim() === '') return undefined;
  if (type === 'application/yaml') return parseYamlText(text);
  if (type === '' || type === 'application/json') return raw ? parseJsonBody(raw) : parseJson(text);
  throw unsupportedMediaType(type, acceptedBodyTypes);
}

/** A PATCH body and its type; the Content-Type decides, and unknown types get 415. */
export function decodePatch(raw: Buffer | undefined, contentType: string | undefined, accepted: readonly PatchType[]): { type: PatchType; body: unknown } {
  const type = mediaType(contentType);
  const entry = (Object.entries(patchTypes) as [PatchType, string][]).find(([k, v]) => v === type && accepted.includes(k));
  if (!entry) throw unsupportedMediaType(type, accepted.map((k) => patchTypes[k]));
  const text = raw && raw.length > 0 ? raw.toString('utf8') : '';
  if (text.trim() === '') throw badRequest('the body of the request was empty');
  const body = entry[0] === 'apply' ? parseYamlText(text) : raw ? parseJsonBody(raw) : parseJson(text);
  return { type: entry[0], body };
}
