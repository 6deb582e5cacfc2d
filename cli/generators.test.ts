// kubectl's first ten minutes: the real kubectl 1.32 (through the dispatcher, fresh HOME and cache) against
// `racelab serve`: every `kubectl create` generator (protobuf bodies), read back with the fields upstream
// stores after defaulting; run, expose, set, label, annotate and scale; get all, api-resources, auth can-i,
// auth whoami and logs.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeResult, findOnPath, Kubectl, startRacelab, tempDir, writeManifest, type Result } from './testing/kubectl.ts';
import { captureCases, testdataDir } from '../apiserver/http/protobuf/testdata/cases.ts';

const kubectlBinary = findOnPath('kubectl');

type J = Record<string, unknown>;

/** Reads a dotted path; `\\.` is a dot inside a key (`metadata.labels.app\\.kubernetes\\.io/name`). */
function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const p of path.split(/(?<!\\)\./).map((x) => x.replace(/\\\./g, '.'))) {
    if (cur === null || cur === undefined) return undefined;
    cur = /^\d+$/.test(p) && Array.isArray(cur) ? cur[Number(p)] : (cur as J)[p];
  }
  return cur;
}

/** What each generator's object must hold when read back: dotted paths and values as upstream stores them. */
const readBack: Record<string, { get: string[]; fields: Record<string, unknown> }> = {
  namespace: { get: ['namespace', 'pb-ns'], fields: { 'status.phase': 'Active', 'spec.finalizers': ['kubernetes'], 'metadata.labels.kubernetes\\.io/metadata\\.name': 'pb-ns' } },
  'configmap-literal': { get: ['configmap', 'cm-lit'], fields: { data: { a: '1', b: 'two' } } },
  'configmap-file': { get: ['configmap', 'cm-file'], fields: { 'data.cert\\.pem': readFileSync(join(testdataDir, 'tls.crt'), 'utf8') } },
  'secret-generic': { get: ['secret', 'sec-gen'], fields: { type: 'Opaque', 'data.password': Buffer.from('s3cr3t').toString('base64') } },
  'secret-tls': { get: ['secret', 'sec-tls'], fields: { type: 'kubernetes.io/tls' } },
  'secret-docker-registry': { get: ['secret', 'sec-reg'], fields: { type: 'kubernetes.io/dockerconfigjson' } },
  serviceaccount: { get: ['serviceaccount', 'robot'], fields: { 'metadata.name': 'robot' } },
  deployment: {
    get: ['deployment', 'web'],
    fields: {
      'spec.replicas': 2,
      'spec.strategy': { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      'spec.revisionHistoryLimit': 10,
      'spec.progressDeadlineSeconds': 600,
      'spec.selector': { matchLabels: { app: 'web' } },
      'spec.template.spec.restartPolicy': 'Always',
      'spec.template.spec.dnsPolicy': 'ClusterFirst',
      'spec.template.spec.schedulerName': 'default-scheduler',
      'spec.template.spec.terminationGracePeriodSeconds': 30,
      'spec.template.spec.securityContext': {},
      'spec.template.spec.containers.0': { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' },
      'metadata.generation': 1,
      status: {},
    },
  },
  job: { get: ['job', 'once'], fields: { 'spec.backoffLimit': 6, 'spec.completions': 1, 'spec.parallelism': 1, 'spec.completionMode': 'NonIndexed', 'spec.suspend': false, 'spec.podReplacementPolicy': 'TerminatingOrFailed', 'spec.template.spec.restartPolicy': 'Never', 'spec.template.spec.containers.0.imagePullPolicy': 'Always', 'spec.template.metadata.labels.job-name': 'once' } },
  cronjob: { get: ['cronjob', 'nightly'], fields: { 'spec.schedule': '0 3 * * *', 'spec.concurrencyPolicy': 'Allow', 'spec.suspend': false, 'spec.successfulJobsHistoryLimit': 3, 'spec.failedJobsHistoryLimit': 1, 'spec.jobTemplate.spec.template.spec.restartPolicy': 'OnFailure' } },
  'job-from-cronjob': { get: ['job', 'manual'], fields: { 'metadata.annotations.cronjob\\.kubernetes\\.io/instantiate': 'manual', 'metadata.ownerReferences.0.kind': 'CronJob', 'spec.backoffLimit': 6 } },
  'service-clusterip': { get: ['service', 'svc-cip'], fields: { 'spec.type': 'ClusterIP', 'spec.ports.0': { name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }, 'spec.sessionAffinity': 'None', 'spec.ipFamilies': ['IPv4'], 'spec.ipFamilyPolicy': 'SingleStack', 'spec.internalTrafficPolicy': 'Cluster', status: { loadBalancer: {} } } },
  'service-nodeport': { get: ['service', 'svc-np'], fields: { 'spec.type': 'NodePort', 'spec.ports.0.nodePort': 30443, 'spec.externalTrafficPolicy': 'Cluster' } },
  'service-loadbalancer': { get: ['service', 'svc-lb'], fields: { 'spec.type': 'LoadBalancer', 'spec.allocateLoadBalancerNodePorts': true, 'spec.ports.0.nodePort': 30000 } },
  'service-externalname': { get: ['service', 'svc-ext'], fields: { 'spec.type': 'ExternalName', 'spec.externalName': 'db.example.com', 'spec.clusterIP': undefined } },
  role: { get: ['role', 'reader'], fields: { rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'], resourceNames: ['web'] }, { verbs: ['get', 'list', 'watch'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] }] } },
  rolebinding: { get: ['rolebinding', 'reader-binding'], fields: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' } } },
  clusterrole: { get: ['clusterrole', 'pb-viewer'], fields: { 'rules.1': { verbs: ['get'], nonResourceURLs: ['/healthz'] } } },
  'clusterrole-aggregate': { get: ['clusterrole', 'pb-aggregate'], fields: { 'aggregationRule.clusterRoleSelectors.0.matchLabels': { 'rbac.example.com/aggregate-to-view': 'true' } } },
  clusterrolebinding: { get: ['clusterrolebinding', 'pb-viewer-binding'], fields: { 'subjects.0': { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' } } },
  quota: { get: ['quota', 'pb-quota'], fields: { 'spec.hard': { cpu: '2', memory: '1Gi', pods: '10', 'count/deployments.apps': '3' }, 'spec.scopes': ['NotTerminating'] } },
  priorityclass: { get: ['priorityclass', 'pb-high'], fields: { value: 1000, description: 'important', preemptionPolicy: 'Never' } },
  'priorityclass-zero': { get: ['priorityclass', 'pb-zero'], fields: { value: 0, preemptionPolicy: 'PreemptLowerPriority' } },
  poddisruptionbudget: { get: ['pdb', 'web-pdb'], fields: { 'spec.minAvailable': '50%', 'spec.selector': { matchLabels: { app: 'web' } } } },
  'poddisruptionbudget-int': { get: ['pdb', 'web-pdb-int'], fields: { 'spec.maxUnavailable': 1 } },
  ingress: { get: ['ingress', 'web-ing'], fields: { 'spec.ingressClassName': 'nginx', 'spec.rules.0.host': 'web.example.com', 'spec.tls.0.secretName': 'web-tls', 'metadata.annotations.note': 'hi' } },
};

test('kubectl 1.32 generators and first commands against racelab serve', { timeout: 600_000 }, async (t: TestContext) => {
  if (!kubectlBinary) {
    t.skip('kubectl is not on PATH: this suite drives the real kubectl binary');
    return;
  }
  const tmp = tempDir('racelab-gen-');
  for (const d of ['home', 'cache', 'manifests']) mkdirSync(join(tmp.dir, d));
  const kubeconfig = join(tmp.dir, 'kubeconfig');
  const server = await startRacelab(kubeconfig);
  t.after(async () => {
    await server.stop();
    tmp.remove();
  });
  const k = new Kubectl(kubectlBinary, tmp.dir, kubeconfig);
  const ok = async (args: string[]): Promise<Result> => {
    const r = await k.run(args);
    assert.equal(r.code, 0, describeResult(args, r));
    return r;
  };
  const json = async (args: string[]): Promise<J> => JSON.parse((await ok(['get', ...args, '-o', 'json'])).stdout) as J;
  await ok(['create', 'namespace', 'pb']);
  // The namespace flag goes before `--`, after which everything is the container's command.
  const inNs = (args: string[]): string[] => {
    const cut = args.includes('--') ? args.indexOf('--') : args.length;
    return [...args.slice(0, cut), '-n', 'pb', ...args.slice(cut)];
  };

  await t.test('every kubectl create generator, read back as upstream stores it', async () => {
    for (const c of captureCases) {
      const r = await ok(inNs(c.args));
      if (c.name === 'token') {
        assert.match(r.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]*$/, 'a token printed');
        continue;
      }
      const spec = readBack[c.name];
      assert.ok(spec, `read-back expectations for ${c.name}`);
      const obj = await json(inNs(spec.get));
      for (const [path, want] of Object.entries(spec.fields)) {
        const got = at(obj, path);
        if (want === undefined) assert.equal(got, undefined, `${c.name}: ${path} is absent`);
        else assert.deepEqual(got, want, `${c.name}: ${path}`);
      }
    }
    const svc = await json(inNs(['service', 'svc-cip']));
    assert.match(String(at(svc, 'spec.clusterIP')), /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.deepEqual(at(svc, 'spec.clusterIPs'), [at(svc, 'spec.clusterIP')]);
    const job = await json(inNs(['job', 'once']));
    assert.deepEqual(at(job, 'spec.selector'), { matchLabels: { 'batch.kubernetes.io/controller-uid': at(job, 'metadata.uid') } });
  });

  await t.test('a Service keeps its clusterIP: changing it is refused with upstream text', async () => {
    const r = await k.run(inNs(['patch', 'service', 'svc-cip', '--type=merge', '-p', '{"spec":{"clusterIP":"10.96.9.9","clusterIPs":["10.96.9.9"]}}']));
    assert.equal(r.code, 1, describeResult(['patch'], r));
    assert.match(r.stderr, /The Service "svc-cip" is invalid: spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.9\.9"\}: may not change once set/);
    const bad = await k.run(inNs(['create', 'deployment', 'Bad_Name', '--image=nginx']));
    assert.equal(bad.code, 1);
  });

  await t.test('run, expose, set image|env|resources, label, annotate, scale', async () => {
    await ok(inNs(['run', 'p1', '--image=nginx', '--labels=app=p1']));
    const pod = await json(inNs(['pod', 'p1']));
    assert.equal(at(pod, 'spec.containers.0.imagePullPolicy'), 'Always');
    assert.equal(at(pod, 'spec.serviceAccountName'), 'default');
    assert.equal(at(pod, 'spec.enableServiceLinks'), true);
    assert.equal(at(pod, 'status.phase'), 'Pending');

    await ok(inNs(['expose', 'deployment', 'web', '--port=8080', '--target-port=80', '--name=web-svc']));
    const svc = await json(inNs(['service', 'web-svc']));
    assert.deepEqual(at(svc, 'spec.selector'), { app: 'web' });
    assert.deepEqual(at(svc, 'spec.ports.0'), { port: 8080, protocol: 'TCP', targetPort: 80 });
    await ok(inNs(['expose', 'pod', 'p1', '--port=80', '--name=p1-svc']));

    await ok(inNs(['set', 'image', 'deployment/web', 'nginx=nginx:1.28']));
    await ok(inNs(['set', 'env', 'deployment/web', 'MODE=prod']));
    await ok(inNs(['set', 'resources', 'deployment', 'web', '--limits=cpu=200m,memory=512Mi', '--requests=cpu=100m']));
    await ok(inNs(['label', 'deployment', 'web', 'tier=fe']));
    await ok(inNs(['annotate', 'deployment', 'web', 'note=hello']));
    await ok(inNs(['scale', 'deployment', 'web', '--replicas=3']));
    const d = await json(inNs(['deployment', 'web']));
    assert.deepEqual(at(d, 'spec.template.spec.containers.0.image'), 'nginx:1.28');
    assert.deepEqual(at(d, 'spec.template.spec.containers.0.env'), [{ name: 'MODE', value: 'prod' }]);
    assert.deepEqual(at(d, 'spec.template.spec.containers.0.resources'), { limits: { cpu: '200m', memory: '512Mi' }, requests: { cpu: '100m' } });
    assert.equal(at(d, 'metadata.labels.tier'), 'fe');
    assert.equal(at(d, 'metadata.annotations.note'), 'hello');
    assert.equal(at(d, 'spec.replicas'), 3);
    assert.equal(at(d, 'metadata.generation'), 5, 'one generation per spec change: image, env, resources, scale');
    assert.equal(at(d, 'spec.template.spec.containers.0.name'), 'nginx', 'the patch kept the container');
  });

  await t.test('get all, api-resources, auth can-i, auth whoami, logs', async () => {
    const all = (await ok(['get', 'all', '-n', 'pb'])).stdout;
    for (const want of ['pod/p1', 'service/svc-cip', 'deployment.apps/web', 'job.batch/once', 'cronjob.batch/nightly']) assert.ok(all.includes(want), `get all lists ${want}\n${all}`);
    assert.match(all, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match(all, /NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE/);
    assert.match(all, /NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE/);
    await ok(['get', 'all', '-A']);
    const res = (await ok(['api-resources'])).stdout;
    for (const want of ['deployments', 'statefulsets', 'daemonsets', 'controllerrevisions', 'jobs', 'cronjobs', 'roles', 'clusterrolebindings', 'persistentvolumeclaims', 'resourcequotas', 'limitranges', 'replicationcontrollers', 'endpoints', 'podtemplates', 'endpointslices', 'leases', 'poddisruptionbudgets', 'priorityclasses', 'ingresses', 'ingressclasses', 'networkpolicies', 'storageclasses', 'apiservices', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']) {
      assert.match(res, new RegExp(`^${want}\\s`, 'm'), `api-resources lists ${want}`);
    }
    assert.equal((await ok(['auth', 'can-i', 'create', 'pods'])).stdout.trim(), 'yes');
    const who = (await ok(['auth', 'whoami'])).stdout;
    assert.match(who, /Username\s+\S+/);
    const logs = await k.run(inNs(['logs', 'p1']));
    assert.equal(logs.code, 1);
    assert.match(logs.stderr, /racelab has no container runtime/);
  });

  await t.test('apply of a file with an unknown kind creates the rest and names the kind, as against a real server', async () => {
    const file = writeManifest(join(tmp.dir, 'manifests'), 'two', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok-cm', namespace: 'pb' }, data: { a: '1' } }, { apiVersion: 'example.com/v1', kind: 'Bogus', metadata: { name: 'b', namespace: 'pb' } });
    const r = await k.run(['apply', '-f', file]);
    assert.equal(r.code, 1, describeResult(['apply'], r));
    assert.match(r.stdout, /^configmap\/ok-cm created$/m);
    assert.match(r.stderr, /no matches for kind "Bogus" in version "example\.com\/v1"/);
    assert.equal(at(await json(inNs(['configmap', 'ok-cm'])), 'data.a'), '1');
  });

  await t.test('apply --prune finds every kind of its default allow-list', async () => {
    const labels = { set: 'prune' };
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', namespace: 'pb', labels }, data: { a: '1' } };
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gone', namespace: 'pb', labels }, spec: { selector: { matchLabels: { app: 'gone' } }, template: { metadata: { labels: { app: 'gone' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    await ok(['apply', '-f', writeManifest(join(tmp.dir, 'manifests'), 'prune-both', cm, dep)]);
    const r = await ok(['apply', '--prune', '-l', 'set=prune', '-n', 'pb', '-f', writeManifest(join(tmp.dir, 'manifests'), 'prune-one', cm)]);
    assert.match(r.stdout, /^deployment\.apps\/gone pruned$/m, describeResult(['apply', '--prune'], r));
    assert.match(r.stdout, /^configmap\/keep unchanged$/m);
  });

  await t.test('kubectl drain cordons the node and evicts its pods', async () => {
    const file = writeManifest(join(tmp.dir, 'manifests'), 'drain', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pb-node' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-node', namespace: 'pb' }, spec: { nodeName: 'pb-node', containers: [{ name: 'c', image: 'busybox' }] } });
    await ok(['apply', '-f', file]);
    const r = await ok(['drain', 'pb-node', '--force', '--ignore-daemonsets', '--grace-period=0', '--timeout=20s']);
    assert.match(r.stdout, /^pod\/on-node evicted$/m);
    assert.equal((await k.run(inNs(['get', 'pod', 'on-node']))).code, 1, 'the evicted pod is gone');
    assert.equal(at(await json(['node', 'pb-node']), 'spec.unschedulable'), true, 'cordoned');
  });

  await t.test('eviction honours a PodDisruptionBudget with upstream text (no disruption controller: never worked out)', async () => {
    const pod = writeManifest(join(tmp.dir, 'manifests'), 'guarded', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'guarded', namespace: 'pb', labels: { app: 'guarded' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await ok(['apply', '-f', pod]);
    await ok(inNs(['create', 'pdb', 'guard', '--selector=app=guarded', '--min-available=1']));
    await ok(inNs(['patch', 'pod', 'guarded', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}']));
    const res = await fetch(`${server.url}/api/v1/namespaces/pb/pods/guarded/eviction`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' } }) });
    assert.equal(res.status, 429);
    const st = (await res.json()) as { message: string; details: { causes: { message: string }[] } };
    assert.equal(st.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(st.details.causes[0]?.message, 'The disruption budget guard is still being processed by the server.');
    await ok(inNs(['delete', 'pdb', 'guard']));
    const again = await fetch(`${server.url}/api/v1/namespaces/pb/pods/guarded/eviction`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' } }) });
    assert.equal(again.status, 201);
    assert.equal((await k.run(inNs(['get', 'pod', 'guarded']))).code, 1);
  });
});
