// The kubectl 1.32 commands whose protobuf request bodies are kept under kubectl-1.32/ (captured by
// ../capture.test.ts with RACELAB_CAPTURE=1). Each runs in namespace `pb` in this order (the cronjob
// before the job made from it, the service account before its token). `clientJson`: kubectl
// --dry-run=client -o json prints the same object, so its JSON is kept beside the bytes as the expected
// decoding (upstream's own Go types wrote both).
import { fileURLToPath } from 'node:url';

export const testdataDir = fileURLToPath(new URL('.', import.meta.url));
export const fixtureDir = fileURLToPath(new URL('./kubectl-1.32/', import.meta.url));

export interface CaptureCase {
  name: string;
  args: string[];
  clientJson: boolean;
  /** The object names another by uid, so a new capture run differs from the stored one there. */
  varies?: boolean;
}

const tls = ['--cert', `${testdataDir}tls.crt`, '--key', `${testdataDir}tls.key`];

export const captureCases: readonly CaptureCase[] = [
  { name: 'namespace', args: ['create', 'namespace', 'pb-ns'], clientJson: true },
  { name: 'configmap-literal', args: ['create', 'configmap', 'cm-lit', '--from-literal=a=1', '--from-literal=b=two'], clientJson: true },
  { name: 'configmap-file', args: ['create', 'configmap', 'cm-file', `--from-file=cert.pem=${testdataDir}tls.crt`], clientJson: true },
  { name: 'secret-generic', args: ['create', 'secret', 'generic', 'sec-gen', '--from-literal=password=s3cr3t', '--type=Opaque'], clientJson: true },
  { name: 'secret-tls', args: ['create', 'secret', 'tls', 'sec-tls', ...tls], clientJson: true },
  { name: 'secret-docker-registry', args: ['create', 'secret', 'docker-registry', 'sec-reg', '--docker-server=registry.example', '--docker-username=u', '--docker-password=p', '--docker-email=u@example.com'], clientJson: true },
  { name: 'serviceaccount', args: ['create', 'serviceaccount', 'robot'], clientJson: true },
  { name: 'deployment', args: ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80'], clientJson: true },
  { name: 'job', args: ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi'], clientJson: true },
  { name: 'cronjob', args: ['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--restart=OnFailure', '--', 'date'], clientJson: true },
  { name: 'job-from-cronjob', args: ['create', 'job', 'manual', '--from=cronjob/nightly'], clientJson: true, varies: true },
  { name: 'service-clusterip', args: ['create', 'service', 'clusterip', 'svc-cip', '--tcp=80:8080'], clientJson: true },
  { name: 'service-nodeport', args: ['create', 'service', 'nodeport', 'svc-np', '--tcp=443:8443', '--node-port=30443'], clientJson: true },
  { name: 'service-loadbalancer', args: ['create', 'service', 'loadbalancer', 'svc-lb', '--tcp=5678:8080'], clientJson: true },
  { name: 'service-externalname', args: ['create', 'service', 'externalname', 'svc-ext', '--external-name=db.example.com'], clientJson: true },
  { name: 'role', args: ['create', 'role', 'reader', '--verb=get,list,watch', '--resource=pods,deployments.apps', '--resource-name=web'], clientJson: true },
  { name: 'rolebinding', args: ['create', 'rolebinding', 'reader-binding', '--role=reader', '--user=alice', '--serviceaccount=pb:robot', '--group=devs'], clientJson: true },
  { name: 'clusterrole', args: ['create', 'clusterrole', 'pb-viewer', '--verb=get', '--resource=nodes', '--non-resource-url=/healthz'], clientJson: true },
  { name: 'clusterrole-aggregate', args: ['create', 'clusterrole', 'pb-aggregate', '--aggregation-rule=rbac.example.com/aggregate-to-view=true'], clientJson: true },
  { name: 'clusterrolebinding', args: ['create', 'clusterrolebinding', 'pb-viewer-binding', '--clusterrole=pb-viewer', '--user=bob'], clientJson: true },
  { name: 'quota', args: ['create', 'quota', 'pb-quota', '--hard=cpu=2,memory=1Gi,pods=10,count/deployments.apps=3', '--scopes=NotTerminating'], clientJson: true },
  { name: 'priorityclass', args: ['create', 'priorityclass', 'pb-high', '--value=1000', '--description=important', '--preemption-policy=Never'], clientJson: true },
  { name: 'priorityclass-zero', args: ['create', 'priorityclass', 'pb-zero', '--value=0', '--global-default=false'], clientJson: true },
  { name: 'poddisruptionbudget', args: ['create', 'poddisruptionbudget', 'web-pdb', '--selector=app=web', '--min-available=50%'], clientJson: true },
  { name: 'poddisruptionbudget-int', args: ['create', 'pdb', 'web-pdb-int', '--selector=app=web', '--max-unavailable=1'], clientJson: true },
  { name: 'ingress', args: ['create', 'ingress', 'web-ing', '--class=nginx', '--rule=web.example.com/app*=web:80,tls=web-tls', '--annotation=note=hi', '--default-backend=web:80'], clientJson: true },
  { name: 'token', args: ['create', 'token', 'robot', '--audience=api', '--duration=1h'], clientJson: false },
];
