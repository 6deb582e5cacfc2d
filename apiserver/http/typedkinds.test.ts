// Every built-in kind is decoded against its Go struct before storage (issue 16, "Types"): wrong-typed
// values get kube-apiserver's 400 with encoding/json's, Quantity's, IntOrString's and Time's texts, nothing is
// stored, unknown fields are dropped, warned about or refused with their paths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testServer, type TestServer } from '../../testing/server.ts';

const ns = '/api/v1/namespaces/default';
const deployments = '/apis/apps/v1/namespaces/default/deployments';
const leases = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

interface Reply {
  status: number;
  warning: string | null;
  body: Record<string, unknown> & { message?: string; reason?: string; items?: unknown[] };
}

async function send(s: TestServer, method: string, path: string, body: unknown, type = 'application/json'): Promise<Reply> {
  const res = await s.fetch(path, { method, headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, warning: res.headers.get('warning'), body: (await res.json()) as Reply['body'] };
}

const pod = (container: Record<string, unknown>, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c', image: 'nginx', ...container }], ...spec },
});
const deployment = (spec: Record<string, unknown>, container: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: { name: 'd' },
  spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx', ...container }] } }, ...spec },
});

const quantityRegexp = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

describe('type checks of every built-in kind', () => {
  it('refuses wrong-typed values in typed fields with the decoder texts, and stores nothing', async (t) => {
    const s = await testServer(t);
    const podIs = 'Pod in version "v1" cannot be handled as a Pod: ';
    const cases: [string, unknown, string][] = [
      [`${deployments}`, deployment({ replicas: '3' }), 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
      [`${deployments}`, deployment({ replicas: 1.5 }), 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32'],
      [`${deployments}`, deployment({ replicas: 2 ** 31 }), 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32'],
      [`${deployments}`, deployment({ paused: 'true' }), 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool'],
      [`${deployments}`, deployment({}, { ports: [{ containerPort: '80' }] }), 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32'],
      [`${ns}/pods`, pod({ ports: [{ containerPort: '80' }] }), `${podIs}json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32`],
      [`${ns}/pods`, { metadata: { name: 'p' }, spec: 'x' }, `${podIs}json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec`],
      [`${ns}/pods`, { metadata: { name: 'p' }, spec: { containers: { name: 'c' } } }, `${podIs}json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container`],
      [`${ns}/pods`, pod({ args: ['a', 8] }), `${podIs}json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string`],
      [`${ns}/pods`, pod({ env: [{ name: 'N', value: 1 }] }), `${podIs}json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string`],
      // An embedded struct's field is named by the struct that embeds it.
      [`${ns}/pods`, pod({ env: [{ name: 'N', valueFrom: { configMapKeyRef: { name: 5, key: 'k' } } }] }), `${podIs}json: cannot unmarshal number into Go struct field ConfigMapKeySelector.spec.containers.env.valueFrom.configMapKeyRef.name of type string`],
      [`${ns}/pods`, pod({ resources: { limits: { cpu: 'lots' } } }), `${podIs}${quantityRegexp}`],
      [`${ns}/pods`, pod({ resources: { requests: { memory: true } } }), `${podIs}${quantityRegexp}`],
      [`${ns}/pods`, pod({ resources: { requests: { memory: '1kk' } } }), `${podIs}unable to parse quantity's suffix`],
      [`${ns}/pods`, pod({ resources: { requests: ['1'] } }), `${podIs}json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.requests of type v1.ResourceList`],
      // Named Go types are named as reflect prints them.
      [`${ns}/pods`, pod({ ports: [{ containerPort: 80, protocol: 6 }] }), `${podIs}json: cannot unmarshal number into Go struct field ContainerPort.spec.containers.ports.protocol of type v1.Protocol`],
      [`${ns}/pods`, pod({ securityContext: { capabilities: { add: [1] } } }), `${podIs}json: cannot unmarshal number into Go struct field Capabilities.spec.containers.securityContext.capabilities.add of type v1.Capability`],
      [`${ns}/secrets`, { metadata: { name: 's' }, type: 1 }, 'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.type of type v1.SecretType'],
      [`${ns}/pods`, pod({ livenessProbe: { httpGet: { port: { n: 1 } } } }), `${podIs}json: cannot unmarshal object into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32`],
      [`${ns}/services`, { metadata: { name: 'svc' }, spec: { ports: [{ port: 80, targetPort: 80.5 }] } }, 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.targetPort of type int32'],
      [`${ns}/services`, { metadata: { name: 'svc' }, spec: { ports: [{ port: 80, targetPort: true }] } }, 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32'],
      [`${ns}/events`, { metadata: { name: 'e' }, involvedObject: {}, lastTimestamp: 'yesterday' }, 'Event in version "v1" cannot be handled as a Event: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'],
      [`${ns}/events`, { metadata: { name: 'e' }, involvedObject: {}, firstTimestamp: '2024-13-01T00:00:00Z' }, 'Event in version "v1" cannot be handled as a Event: parsing time "2024-13-01T00:00:00Z": month out of range'],
      [`${ns}/events`, { metadata: { name: 'e' }, involvedObject: {}, firstTimestamp: '2023-02-29T00:00:00Z' }, 'Event in version "v1" cannot be handled as a Event: parsing time "2023-02-29T00:00:00Z": day out of range'],
      [`${ns}/events`, { metadata: { name: 'e' }, involvedObject: {}, firstTimestamp: 1700000000 }, 'Event in version "v1" cannot be handled as a Event: json: cannot unmarshal number into Go struct field Event.firstTimestamp of type string'],
      [`${ns}/events`, { metadata: { name: 'e' }, involvedObject: {}, count: 'many' }, 'Event in version "v1" cannot be handled as a Event: json: cannot unmarshal string into Go struct field Event.count of type int32'],
      // MicroTime takes exactly six fractional digits.
      [leases, { metadata: { name: 'l' }, spec: { renewTime: '2024-01-01T00:00:00Z' } }, 'Lease in version "v1" cannot be handled as a Lease: parsing time "2024-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'],
      [leases, { metadata: { name: 'l' }, spec: { leaseDurationSeconds: '15' } }, 'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32'],
      ['/apis/rbac.authorization.k8s.io/v1/clusterroles', { metadata: { name: 'r' }, rules: [{ verbs: 'get' }] }, 'ClusterRole in version "v1" cannot be handled as a ClusterRole: json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string'],
      ['/api/v1/nodes', { metadata: { name: 'n' }, spec: { unschedulable: 1 } }, 'Node in version "v1" cannot be handled as a Node: json: cannot unmarshal number into Go struct field NodeSpec.spec.unschedulable of type bool'],
      [`${ns}/configmaps`, { metadata: { name: 'c' }, binaryData: { k: [1, 256] } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number 256 into Go struct field ConfigMap.binaryData of type uint8'],
      // The first type error is reported; a self-unmarshalling type's error ends decoding and wins.
      [`${ns}/pods`, pod({ name: 5, image: 6 }), `${podIs}json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string`],
      [`${ns}/pods`, pod({ name: 5, resources: { limits: { cpu: 'x' } } }), `${podIs}${quantityRegexp}`],
    ];
    for (const [path, body, message] of cases) {
      const res = await send(s, 'POST', path, body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.reason, 'BadRequest');
      assert.equal(res.body.message, message);
    }
    for (const path of [`${ns}/pods`, deployments, `${ns}/services`, `${ns}/events`, leases, '/apis/rbac.authorization.k8s.io/v1/clusterroles']) {
      const list = (await (await s.fetch(path)).json()) as { items: unknown[] };
      assert.deepEqual(list.items, [], `nothing stored under ${path}`);
    }
  });

  it('accepts what Go decodes: quantities as numbers, int-or-strings, times, nulls, []byte as an array', async (t) => {
    const s = await testServer(t);
    const ok = async (path: string, body: unknown): Promise<Reply['body']> => {
      const res = await send(s, 'POST', path, body);
      assert.equal(res.status, 201, `${path} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await ok(`${ns}/pods`, pod({ resources: { limits: { cpu: 2, memory: ' 1.5Gi ' }, requests: { cpu: '100m', memory: '1e3', 'example.com/gpu': '+1' } }, ports: null, args: null }, { nodeSelector: null }));
    await ok(`${ns}/services`, { metadata: { name: 'a' }, spec: { ports: [{ name: 'x', port: 80, targetPort: 'http' }, { name: 'y', port: 81, targetPort: 8081 }] } });
    await ok(`${ns}/events`, { metadata: { name: 'e' }, involvedObject: {}, firstTimestamp: '2024-02-29T23:59:59+01:00', lastTimestamp: '2024-01-01T00:00:00.123Z', eventTime: '2024-01-01T00:00:00.123456Z' });
    await ok(leases, { metadata: { name: 'l' }, spec: { holderIdentity: 'h', leaseDurationSeconds: 15, renewTime: '2024-01-01T00:00:00.000000Z' } });
    const cm = await ok(`${ns}/configmaps`, { metadata: { name: 'c' }, binaryData: { k: [104, 105] } });
    assert.deepEqual(cm.binaryData, { k: 'aGk=' });
  });

  it('drops unknown fields at any depth, warns about them under Warn and refuses them under Strict with their paths', async (t) => {
    const s = await testServer(t);
    const body = deployment({ bogus: 1 }, { imagePullPolicyy: 'Always', ports: [{ containerPort: 80 }, { containerPort: 81, extra: true }] });
    const strict = await send(s, 'POST', `${deployments}?fieldValidation=Strict`, body);
    assert.equal(strict.status, 400);
    assert.equal(
      strict.body.message,
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy", unknown field "spec.template.spec.containers[0].ports[1].extra", unknown field "spec.bogus"',
    );
    // In the body's order; a type error comes before unknown fields.
    const typed = await send(s, 'POST', `${deployments}?fieldValidation=Strict`, deployment({ bogus: 1, replicas: 'x' }));
    assert.match(typed.body.message ?? '', /cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32$/);
    const warned = await send(s, 'POST', `${deployments}?fieldValidation=Warn`, body);
    assert.equal(warned.status, 201);
    assert.match(warned.warning ?? '', /^299 - "unknown field \\"spec\.template\.spec\.containers\[0\]\.imagePullPolicyy\\""/);
    const got = (await (await s.fetch(`${deployments}/d`)).json()) as { spec: { bogus?: unknown; template: { spec: { containers: Record<string, unknown>[] } } } };
    assert.equal(got.spec.bogus, undefined);
    assert.equal(got.spec.template.spec.containers[0]?.imagePullPolicyy, undefined);
    const ports = got.spec.template.spec.containers[0]?.ports as Record<string, unknown>[];
    assert.deepEqual(ports.map((p) => [p.containerPort, 'extra' in p]), [[80, false], [81, false]]);
    // Without a fieldValidation parameter the server warns (upstream's default is Warn).
    const defaulted = await send(s, 'POST', `${ns}/configmaps`, { metadata: { name: 'w' }, data: { k: 'v' }, nope: 1 });
    assert.equal(defaulted.status, 201);
    assert.equal(defaulted.warning, '299 - "unknown field \\"nope\\""');
    assert.equal(defaulted.body.nope, undefined);
    // A merge patch that adds an unknown field to a stored object drops it too, and leaves the rest.
    const patched = await send(s, 'PATCH', `${deployments}/d`, { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2', nope: 1 }] } } } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const after = (await (await s.fetch(`${deployments}/d`)).json()) as { spec: { replicas: number; template: { spec: { containers: Record<string, unknown>[] } } } };
    assert.equal(after.spec.template.spec.containers[0]?.image, 'nginx:2');
    assert.equal(after.spec.template.spec.containers[0]?.nope, undefined);
  });
});
