// The hook body.ts calls for `application/vnd.kubernetes.protobuf` bodies: built-in kinds are decoded,
// custom resources get the 415 of apiextensions-apiserver's handler, which serves only JSON and YAML.
import { badRequest, StatusError, unsupportedMediaType } from '../../machinery/errors.ts';
import { decodeProtobufObject, ProtobufError } from './decode.ts';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

/** What the body is sent to: a built-in kind's endpoint (which takes protobuf) or a custom resource's. */
export interface ProtobufTarget {
  builtin: boolean;
}

const jsonTypes = ['application/json', 'application/yaml'];

/** The object in a protobuf body, as JSON; undefined when the body is empty. */
export function decodeProtobufBody(raw: Buffer | undefined, target: ProtobufTarget | undefined): unknown {
  // apiextensions-apiserver customresource_handler.go: custom resources have no protobuf serializer.
  if (!target?.builtin) throw unsupportedMediaType(protobufMediaType, jsonTypes);
  if (!raw || raw.length === 0) return undefined;
  try {
    return decodeProtobufObject(raw);
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    if (!e.unsupported) throw badRequest(e.message);
    const status = unsupportedMediaType(protobufMediaType, [...jsonTypes, protobufMediaType]).status;
    throw new StatusError({ ...status, message: `${status.message} (${e.message}; send this object as JSON)` });
  }
}
