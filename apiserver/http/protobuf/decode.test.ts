// Table tests of the protobuf decoder on bytes the real kubectl 1.32 sent (testdata/kubectl-1.32, captured by
// capture.test.ts): each decodes to the JSON kubectl itself printed for the same object (--dry-run=client -o
// json). Malformed and unknown input is refused with the error kind the HTTP layer turns into 400 or 415.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { captureCases, fixtureDir } from './testdata/cases.ts';
import { decodeProtobufObject, goDuration, ProtobufError, readEnvelope } from './decode.ts';

for (const c of captureCases) {
  const pb = join(fixtureDir, `${c.name}.pb`);
  const json = join(fixtureDir, `${c.name}.json`);
  test(`kubectl 1.32 ${c.args.slice(0, 3).join(' ')} (${c.name}) decodes as kubectl prints it`, { skip: !existsSync(pb) && 'not captured yet' }, () => {
    const decoded = decodeProtobufObject(readFileSync(pb));
    if (c.clientJson) assert.deepEqual(decoded, JSON.parse(readFileSync(json, 'utf8')));
    else assert.equal(typeof decoded.kind, 'string');
  });
}

test('token request: audiences and expirationSeconds from kubectl create token --audience=api --duration=1h', () => {
  const decoded = decodeProtobufObject(readFileSync(join(fixtureDir, 'token.pb')));
  assert.deepEqual(decoded, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { creationTimestamp: null }, spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: null }, status: { token: '', expirationTimestamp: null } });
});

/** An envelope around `raw` for apiVersion/kind, written field by field. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, 2).fork().tag(1, 2).string(apiVersion).tag(2, 2).string(kind).join();
  w.tag(2, 2).bytes(raw);
  return new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...w.finish()]);
}

function refused(data: Uint8Array, unsupported: boolean, message: RegExp): void {
  assert.throws(() => decodeProtobufObject(data), (e: unknown) => e instanceof ProtobufError && e.unsupported === unsupported && message.test(e.message));
}

test('a field number the descriptors do not have is refused, not dropped', () => {
  const cm = readFileSync(join(fixtureDir, 'configmap-literal.pb'));
  const env = readEnvelope(cm);
  const extra = new BinaryWriter().tag(99, 0).int32(7).finish();
  refused(envelope('v1', 'ConfigMap', new Uint8Array([...env.raw, ...extra])), true, /does not know field 99 of k8s\.io\.api\.core\.v1\.ConfigMap/);
  const metaExtra = new BinaryWriter().tag(1, 2).fork().tag(1, 2).string('x').tag(42, 2).string('?').join().finish();
  refused(envelope('v1', 'ConfigMap', metaExtra), true, /field 42 of k8s\.io\.apimachinery\.pkg\.apis\.meta\.v1\.ObjectMeta/);
});

test('unknown kinds, a missing prefix, truncated data and a wrong wire type are refused', () => {
  refused(envelope('bogus.example.com/v1', 'Widget', new Uint8Array()), true, /does not know kind "Widget" in version "bogus.example.com\/v1"/);
  refused(envelope('v1', 'ObjectMeta', new Uint8Array()), true, /does not know kind "ObjectMeta"/);
  refused(new TextEncoder().encode('{"kind":"ConfigMap"}'), false, /does not appear to be a protobuf message, expected prefix \[107 56 115 0\]/);
  refused(envelope('v1', 'ConfigMap', new Uint8Array([0x0a, 0x10, 0x0a])), false, /unable to decode k8s\.io\.api\.core\.v1\.ConfigMap/);
  refused(envelope('v1', 'ConfigMap', new BinaryWriter().tag(1, 0).int32(1).finish()), false, /field 1 \(metadata\) has wire type 0/);
  refused(envelope('', 'ConfigMap', new Uint8Array()).slice(0, 4), false, /Object 'Kind' is missing/);
});

test('Go duration strings for metav1.Duration', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(3.6e12), '1h0m0s');
  assert.equal(goDuration(90e9), '1m30s');
  assert.equal(goDuration(1.5e9), '1.5s');
  assert.equal(goDuration(2e6), '2ms');
});

test('any bytes after the prefix are decoded or refused with a ProtobufError, never another failure', async () => {
  const fc = await import('fast-check');
  const kubectlBytes = captureCases.map((c) => join(fixtureDir, `${c.name}.pb`)).filter((f) => existsSync(f)).map((f) => new Uint8Array(readFileSync(f)));
  const mutated = fc.tuple(fc.constantFrom(...kubectlBytes), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, i, v]) => {
    const copy = new Uint8Array(b);
    copy[4 + (i % (copy.length - 4))] = v;
    return copy;
  });
  const random = fc.uint8Array({ maxLength: 200 }).map((b) => new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...b]));
  fc.assert(
    fc.property(fc.oneof(mutated, random), (data) => {
      try {
        decodeProtobufObject(data);
      } catch (e) {
        if (!(e instanceof ProtobufError)) throw e;
      }
    }),
    { numRuns: 3000, seed: 14 },
  );
});

test('the hand-marshalled types: apiextensions JSON and JSONSchemaPropsOrBool, MicroTime, IntOrString', () => {
  // A CRD whose schema has a default (JSON), additionalProperties (OrBool) and x-kubernetes-preserve-unknown-fields.
  const props = new BinaryWriter()
    .tag(5, 2).string('object')
    .tag(8, 2).fork().tag(1, 2).bytes(new TextEncoder().encode('{"a":1}')).join()
    .tag(30, 2).fork().tag(1, 0).bool(true).join()
    .tag(38, 0).bool(true)
    .finish();
  const version = new BinaryWriter().tag(1, 2).string('v1').tag(2, 0).bool(true).tag(3, 0).bool(true).tag(4, 2).fork().tag(1, 2).bytes(props).join().finish();
  const spec = new BinaryWriter().tag(1, 2).string('example.com').tag(3, 2).fork().tag(1, 2).string('widgets').tag(4, 2).string('Widget').join().tag(4, 2).string('Namespaced').tag(7, 2).bytes(version).finish();
  const crd = new BinaryWriter().tag(1, 2).fork().tag(1, 2).string('widgets.example.com').join().tag(2, 2).bytes(spec).finish();
  const decoded = decodeProtobufObject(envelope('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const schema = decoded.spec.versions[0].schema.openAPIV3Schema;
  assert.deepEqual(schema, { type: 'object', default: { a: 1 }, additionalProperties: true, 'x-kubernetes-preserve-unknown-fields': true });
  assert.equal(decoded.spec.names.plural, 'widgets');
  // A Lease's renewTime is a MicroTime: microseconds kept.
  const leaseSpec = new BinaryWriter().tag(1, 2).string('me').tag(4, 2).fork().tag(1, 0).int64(1_700_000_000).tag(2, 0).int32(123_456_000).join().finish();
  const lease = decodeProtobufObject(envelope('coordination.k8s.io/v1', 'Lease', new BinaryWriter().tag(1, 2).fork().tag(1, 2).string('l').join().tag(2, 2).bytes(leaseSpec).finish()));
  assert.deepEqual(lease.spec, { holderIdentity: 'me', renewTime: '2023-11-14T22:13:20.123456Z' });
});
