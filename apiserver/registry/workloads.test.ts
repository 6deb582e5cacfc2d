// Defaulting and validation of the workload kinds and Services over HTTP against the real in-memory API server:
// what upstream stores (pkg/apis/*/v1 defaults.go), clusterIPs from 10.96.0.0/12 released on delete, and the
// 422s with upstream's messages and causes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from '../../testing/server.ts';
import { defaultPullPolicy } from './defaults.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function post(s: TestServer, path: string, body: object): Promise<{ status: number; body: J }> {
  const res = await s.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as J };
}

async function patch(s: TestServer, path: string, body: object): Promise<{ status: number; body: J }> {
  const res = await s.fetch(path, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as J };
}

const deployments = '/apis/apps/v1/namespaces/default/deployments';
const services = '/api/v1/namespaces/default/services';
const deployment = (name: string, containers: object[] = [{ name: 'web', image: 'nginx' }], labels = { app: name }) => ({
  metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers } } },
});

test('imagePullPolicy follows the tag as SetDefaults_Container does', () => {
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.27'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('registry:5000/nginx'), 'Always');
  assert.equal(defaultPullPolicy('registry:5000/nginx:1.2'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('nginx@sha256:abc'), 'IfNotPresent');
});

test('a Deployment is stored with upstream defaults and an empty status; spec changes bump generation', async (t) => {
  const s = await testServer(t);
  const r = await post(s, deployments, deployment('web'));
  assert.equal(r.status, 201);
  assert.deepEqual(r.body.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(r.body.spec.replicas, 1);
  assert.deepEqual(r.body.status, {});
  assert.deepEqual(r.body.spec.template.metadata, { labels: { app: 'web' }, creationTimestamp: null });
  assert.deepEqual(r.body.spec.template.spec.containers[0], { name: 'web', image: 'nginx', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' });
  const p = await patch(s, `${deployments}/web`, { spec: { replicas: 4 } });
  assert.equal(p.body.metadata.generation, 2);
  const l = await patch(s, `${deployments}/web`, { metadata: { labels: { x: 'y' } } });
  assert.equal(l.body.metadata.generation, 2, 'metadata changes leave generation');
});

test('container names and selectors are validated with upstream messages and causes', async (t) => {
  const s = await testServer(t);
  const empty = await post(s, deployments, deployment('a', [{ name: '', image: 'nginx' }]));
  assert.equal(empty.status, 422);
  assert.equal(empty.body.message, 'Deployment.apps "a" is invalid: spec.template.spec.containers[0].name: Required value');
  assert.deepEqual(empty.body.details.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].name' }]);
  const bad = await post(s, deployments, deployment('b', [{ name: 'Bad_Name', image: 'nginx' }]));
  assert.equal(bad.status, 422);
  assert.match(bad.body.message, /spec\.template\.spec\.containers\[0\]\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of/);
  const mismatch = await post(s, deployments, deployment('c', undefined, { app: 'other' }));
  assert.equal(mismatch.status, 422);
  assert.match(mismatch.body.message, /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
  assert.equal((await post(s, deployments, deployment('d'))).status, 201);
  const moved = await patch(s, `${deployments}/d`, { spec: { selector: { matchLabels: { app: 'd', v: '2' } }, template: { metadata: { labels: { app: 'd', v: '2' } } } } });
  assert.equal(moved.status, 422);
  assert.match(moved.body.message, /spec\.selector: Invalid value: .*: field is immutable/);
  const pod = await post(s, '/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: { containers: [] } });
  assert.equal(pod.status, 422);
  assert.equal(pod.body.message, 'Pod "p" is invalid: spec.containers: Required value');
});

test('clusterIPs come from 10.96.0.0/12, are released on delete and may not change', async (t) => {
  const s = await testServer(t);
  const svc = (name: string, extra: J = {}) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...extra } });
  const a = await post(s, services, svc('a'));
  const b = await post(s, services, svc('b', { type: 'NodePort' }));
  assert.equal(a.body.spec.clusterIP, '10.96.0.2');
  assert.equal(b.body.spec.clusterIP, '10.96.0.3');
  assert.equal(b.body.spec.ports[0].nodePort, 30000);
  assert.deepEqual(a.body.status, { loadBalancer: {} });
  assert.deepEqual(a.body.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  const del = await s.fetch(`${services}/a`, { method: 'DELETE' });
  assert.equal(((await del.json()) as J).kind, 'Service', 'the deleted Service comes back');
  const c = await post(s, services, svc('c'));
  assert.equal(c.body.spec.clusterIP, '10.96.0.2', 'the address of the deleted Service is free again');
  const moved = await patch(s, `${services}/c`, { spec: { clusterIP: '10.96.5.5', clusterIPs: ['10.96.5.5'] } });
  assert.equal(moved.status, 422);
  assert.equal(moved.body.message, 'Service "c" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.5.5"}: may not change once set');
  const put = await s.fetch(`${services}/c`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...svc('c'), metadata: { name: 'c', labels: { l: '1' } } }) });
  assert.equal(put.status, 200);
  assert.equal(((await put.json()) as J).spec.clusterIP, '10.96.0.2', 'a PUT without the clusterIP keeps it');
  const ext = await post(s, services, { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } });
  assert.equal(ext.status, 201);
  assert.equal(ext.body.spec.clusterIP, undefined);
});

test('concurrent Service creates never share a clusterIP', async (t) => {
  const s = await testServer(t);
  const made = await Promise.all(Array.from({ length: 8 }, (_, i) => post(s, services, { metadata: { name: `s${i}` }, spec: { ports: [{ port: 80 }] } })));
  const ips = made.map((m) => m.body.spec.clusterIP as string);
  assert.equal(new Set(ips).size, 8, ips.join(' '));
});

test('a Job gets its generated selector and pod labels; a CronJob its defaults', async (t) => {
  const s = await testServer(t);
  const job = await post(s, '/apis/batch/v1/namespaces/default/jobs', { metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
  assert.equal(job.status, 201);
  const uid = job.body.metadata.uid as string;
  assert.deepEqual(job.body.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.deepEqual(job.body.spec.template.metadata.labels, { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'j', 'controller-uid': uid, 'job-name': 'j' });
  assert.equal(job.body.spec.backoffLimit, 6);
  const cj = await post(s, '/apis/batch/v1/namespaces/default/cronjobs', { metadata: { name: 'cj' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } } });
  assert.equal(cj.status, 201);
  assert.equal(cj.body.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.body.spec.successfulJobsHistoryLimit, 3);
});

test('reviews are answered without being stored; only create is allowed', async (t) => {
  const s = await testServer(t);
  const r = await post(s, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'create', resource: 'pods' } } });
  assert.equal(r.status, 201);
  assert.deepEqual(r.body.status, { allowed: true });
  const who = await s.fetch('/apis/authentication.k8s.io/v1/selfsubjectreviews', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer alice' }, body: '{}' });
  assert.equal(who.status, 201);
  assert.equal(((await who.json()) as J).status.userInfo.username, 'alice', 'the actor names the user');
  const list = await s.fetch('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
  assert.equal(list.status, 405);
});

test('Jobs refuse restartPolicy Always; roleRef and a PriorityClass value may not change; a StatefulSet spec only partly', async (t) => {
  const s = await testServer(t);
  const job = await post(s, '/apis/batch/v1/namespaces/default/jobs', { metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
  assert.equal(job.status, 422);
  assert.equal(job.body.message, 'Job.batch "j" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
  const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings';
  const rb = await post(s, rbac, { metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'a' }, subjects: [{ kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }] });
  assert.equal(rb.status, 201);
  const moved = await patch(s, `${rbac}/rb`, { roleRef: { name: 'b' } });
  assert.equal(moved.status, 422);
  assert.equal(moved.body.message, 'RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef');
  const badKind = await post(s, rbac, { metadata: { name: 'rb2' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Pod', name: 'a' } });
  assert.equal(badKind.status, 422);
  assert.match(badKind.body.message, /roleRef\.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"/);
  const pcs = '/apis/scheduling.k8s.io/v1/priorityclasses';
  assert.equal((await post(s, pcs, { metadata: { name: 'pc' }, value: 10 })).status, 201);
  const pc = await patch(s, `${pcs}/pc`, { value: 11 });
  assert.equal(pc.status, 422);
  assert.equal(pc.body.message, 'PriorityClass.scheduling.k8s.io "pc" is invalid: value: Forbidden: may not be changed in an update.');
  const sts = '/apis/apps/v1/namespaces/default/statefulsets';
  assert.equal((await post(s, sts, { metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'postgres' }] } } } })).status, 201);
  assert.equal((await patch(s, `${sts}/db`, { spec: { replicas: 3 } })).status, 200);
  const svcName = await patch(s, `${sts}/db`, { spec: { serviceName: 'other' } });
  assert.equal(svcName.status, 422);
  assert.match(svcName.body.message, /spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/);
});

test('pods/binding assigns a node once; pods/log says there is no runtime; serviceaccounts/token answers a token', async (t) => {
  const s = await testServer(t);
  assert.equal((await post(s, '/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })).status, 201);
  const bind = await post(s, '/api/v1/namespaces/default/pods/p/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } });
  assert.equal(bind.status, 201);
  assert.equal(bind.body.status, 'Success');
  const pod = (await (await s.fetch('/api/v1/namespaces/default/pods/p')).json()) as J;
  assert.equal(pod.spec.nodeName, 'n1');
  const again = await post(s, '/api/v1/namespaces/default/pods/p/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n2' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.message, 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"');

  const log = await s.fetch('/api/v1/namespaces/default/pods/p/log');
  assert.equal(log.status, 503);
  const st = (await log.json()) as J;
  assert.equal(st.kind, 'Status');
  assert.match(st.message, /^racelab has no container runtime: pods\/log of "p" cannot be served/);
  assert.equal((await s.fetch('/api/v1/namespaces/default/pods/missing/log')).status, 404, 'a missing pod is a NotFound first');
  assert.equal((await s.fetch('/api/v1/nodes/n1/proxy')).status, 404, 'nodes/proxy of a missing node');

  assert.equal((await post(s, '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'sa' } })).status, 201);
  const tok = await post(s, '/api/v1/namespaces/default/serviceaccounts/sa/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['api'], expirationSeconds: 600 } });
  assert.equal(tok.status, 201);
  assert.equal(tok.body.kind, 'TokenRequest');
  assert.match(tok.body.status.token, /^[\w-]+\.[\w-]+\.$/);
  const claims = JSON.parse(Buffer.from((tok.body.status.token as string).split('.')[1] ?? '', 'base64url').toString()) as J;
  assert.equal(claims.sub, 'system:serviceaccount:default:sa');
  assert.deepEqual(claims.aud, ['api']);
  assert.equal(claims.exp - claims.iat, 600);
});
