// Request bodies: decoded from the raw bytes for every method, whatever the Content-Type (or none).
import { parse as parseYaml } from 'yaml';
import { badRequest, unsupportedMediaType } from '../machinery/errors.ts';
import { decodeProtobufBody, protobufMediaType, type ProtobufTarget } from './protobuf/body.ts';

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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function parseYamlText(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
  }
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
  if (type === 'application/yaml' || type === 'text/yaml') return parseYamlText(text);
  if (type === '' || type === 'application/json' || type === 'text/plain' || type.endsWith('+json')) return parseJson(text);
  throw unsupportedMediaType(type, acceptedBodyTypes);
}

/** A PATCH body and its type; the Content-Type decides, and unknown types get 415. */
export function decodePatch(raw: Buffer | undefined, contentType: string | undefined, accepted: readonly PatchType[]): { type: PatchType; body: unknown } {
  const type = mediaType(contentType);
  const entry = (Object.entries(patchTypes) as [PatchType, string][]).find(([k, v]) => v === type && accepted.includes(k));
  if (!entry) throw unsupportedMediaType(type, accepted.map((k) => patchTypes[k]));
  const text = raw && raw.length > 0 ? raw.toString('utf8') : '';
  if (text.trim() === '') throw badRequest('the body of the request was empty');
  const body = entry[0] === 'apply' ? parseYamlText(text) : parseJson(text);
  return { type: entry[0], body };
}
