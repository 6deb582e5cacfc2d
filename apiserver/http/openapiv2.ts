// /openapi/v2: a Swagger 2.0 document without definitions. kubectl asks for it as gnostic's OpenAPIv2
// protobuf (Accept application/com.github.proto-openapi.spec.v2@v1.0+protobuf) when a manifest holds a kind
// the v3 documents do not cover; with no definition for that kind its client-side validation is skipped
// (kubectl pkg/validation schemaValidation: "resource is not present, let's just skip validation"), so an
// unknown kind fails as on a real server, `no matches for kind ...`, and the other objects are still applied.
// Built-in kinds and CRDs are validated by the server (fieldValidation, advertised in the v3 documents).
import { BinaryWriter } from '@bufbuild/protobuf/wire';

export const openapiV2ProtobufType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const info = { title: 'Kubernetes', version: 'v1.32.4' };

/** Whether the Accept header asks for the protobuf form. */
export function wantsOpenapiV2Protobuf(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((t) => /^application\/com\.github\.proto-openapi\.spec\.v2[@.]v1\.0\+protobuf/.test(t.trim()));
}

export function openapiV2Json(): object {
  return { swagger: '2.0', info, paths: {}, definitions: {} };
}

/** gnostic openapiv2 Document: swagger 1, info 2 (title 1, version 2), paths 8, definitions 9. */
export function openapiV2Protobuf(): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, 2).string('2.0');
  w.tag(2, 2).fork().tag(1, 2).string(info.title).tag(2, 2).string(info.version).join();
  w.tag(8, 2).bytes(new Uint8Array());
  w.tag(9, 2).bytes(new Uint8Array());
  return w.finish();
}
