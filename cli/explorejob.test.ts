// deploy/explore-job.yaml and deploy/explore-merge-job.yaml are objects a real API server accepts: applied
// with the real kubectl to racelab serve, read back as an Indexed Job whose pods run one shard each of
// `racelab explore` (its index from JOB_COMPLETION_INDEX) and a merge Job over the same volume; a pod of the
// Job's template is accepted too. The command lines they run are the ones the CLI parses.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describeResult, findOnPath, Kubectl, startRacelab, tempDir, writeManifest } from './testing/kubectl.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const kubectlBinary = findOnPath('kubectl');

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function docs(file: string): J[] {
  return parseAllDocuments(readFileSync(join(root, file), 'utf8')).map((d) => d.toJS() as J);
}

test('the exploration campaign manifests: shard commands agree with racelab explore', () => {
  const [pvc, job] = docs('deploy/explore-job.yaml');
  const [merge] = docs('deploy/explore-merge-job.yaml');
  assert.equal(job?.spec.completionMode, 'Indexed');
  const completions = job?.spec.completions as number;
  const script = (job?.spec.template.spec.containers[0].args as string[]).join(' ');
  assert.match(script, new RegExp(`--shard "\\$\\{JOB_COMPLETION_INDEX\\}/${completions}"`));
  assert.match(script, /explore all .*--json > "\/results\/shard-\$\{JOB_COMPLETION_INDEX\}\.json"/);
  const claim = pvc?.metadata.name as string;
  assert.equal(job?.spec.template.spec.volumes[0].persistentVolumeClaim.claimName, claim);
  assert.equal(merge?.spec.template.spec.volumes[0].persistentVolumeClaim.claimName, claim);
  assert.match((merge?.spec.template.spec.containers[0].args as string[]).join(' '), /explore merge \/results\/shard-\*\.json/);
});

test('kubectl apply of the campaign manifests to racelab serve', { timeout: 300_000 }, async (t: TestContext) => {
  if (!kubectlBinary) {
    t.skip('kubectl is not on PATH: this test drives the real kubectl binary');
    return;
  }
  const tmp = tempDir('racelab-explorejob-');
  for (const d of ['home', 'cache']) mkdirSync(join(tmp.dir, d));
  const kubeconfig = join(tmp.dir, 'kubeconfig');
  const server = await startRacelab(kubeconfig);
  t.after(async () => {
    await server.stop();
    tmp.remove();
  });
  const k = new Kubectl(kubectlBinary, tmp.dir, kubeconfig);
  const ok = async (args: string[]): Promise<string> => {
    const r = await k.run(args);
    assert.equal(r.code, 0, describeResult(args, r));
    return r.stdout;
  };
  await ok(['apply', '-f', join(root, 'deploy/explore-job.yaml')]);
  await ok(['apply', '-f', join(root, 'deploy/explore-merge-job.yaml')]);
  const job = JSON.parse(await ok(['get', 'job', 'racelab-explore', '-o', 'json'])) as J;
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.completions, 8);
  assert.equal(job.spec.parallelism, 4);
  const merge = JSON.parse(await ok(['get', 'job', 'racelab-explore-merge', '-o', 'json'])) as J;
  assert.equal(merge.spec.template.spec.restartPolicy, 'Never');
  const pvc = JSON.parse(await ok(['get', 'pvc', 'racelab-explore-results', '-o', 'json'])) as J;
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
  // A pod of shard 3, as the Job controller makes it (the completion index as annotation and env).
  const template = job.spec.template as J;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'racelab-explore-3-x', labels: template.metadata.labels, annotations: { 'batch.kubernetes.io/job-completion-index': '3' } },
    spec: { ...template.spec, containers: template.spec.containers.map((c: J) => ({ ...c, env: [{ name: 'JOB_COMPLETION_INDEX', value: '3' }] })) },
  };
  await ok(['apply', '-f', writeManifest(tmp.dir, 'pod.yaml', pod)]);
  const got = JSON.parse(await ok(['get', 'pod', 'racelab-explore-3-x', '-o', 'json'])) as J;
  assert.equal(got.spec.containers[0].env[0].value, '3');
  assert.equal(got.spec.volumes[0].persistentVolumeClaim.claimName, 'racelab-explore-results');
});
