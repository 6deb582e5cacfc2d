// The kubeconfig text kubectl and client-node both accept for a racelab server: over plain http it sets
// insecure-skip-tls-verify (client-node refuses http:// otherwise); over https it carries the server's CA.
// No client-node import here, so the server process can write one without loading the client library.
import { stringify } from 'yaml';

/** `caPem`: the CA that signed an https server's certificate, written as certificate-authority-data. */
export function kubeconfigYaml(server: string, user = 'racelab', token = user, caPem?: string): string {
  const cluster = caPem !== undefined ? { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } : { server, 'insecure-skip-tls-verify': true };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'racelab', cluster }],
    contexts: [{ name: 'racelab', context: { cluster: 'racelab', user, namespace: 'default' } }],
    'current-context': 'racelab',
    users: [{ name: user, user: { token } }],
  });
}
