// The kubeconfig text kubectl and client-node both accept for a plain-http racelab server
// (client-node refuses http:// unless insecure-skip-tls-verify is set). No client-node import here, so the
// server process can write one without loading the client library.
import { stringify } from 'yaml';

export function kubeconfigYaml(server: string, user = 'racelab', token = user): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'racelab', cluster: { server, 'insecure-skip-tls-verify': true } }],
    contexts: [{ name: 'racelab', context: { cluster: 'racelab', user, namespace: 'default' } }],
    'current-context': 'racelab',
    users: [{ name: user, user: { token } }],
  });
}
