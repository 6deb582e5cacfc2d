// KubeConfig for racelab servers: from a kubeconfig file or straight from a URL, with an actor identity
// (bearer token and User-Agent) so the API server's history can tell actors apart.
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** The kubeconfig text kubectl and client-node both accept for a plain-http racelab server. */
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

/** A KubeConfig for `server` acting as `actor` (its bearer token and User-Agent). */
export function kubeConfigFor(server: string, actor = 'racelab'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server, actor, actor));
  return kc;
}

export function kubeConfigFromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
