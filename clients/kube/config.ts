// KubeConfig for racelab servers: from a kubeconfig file or straight from a URL, with an actor identity
// (bearer token and User-Agent) so the API server's history can tell actors apart.
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigYaml } from './kubeconfig.ts';

export { kubeconfigYaml };

type DispatcherFactory = (cluster: unknown, agentOptions: unknown) => unknown;

/**
 * client-node 2.0.1 builds a new undici Agent for every request when TLS options are set (and
 * insecure-skip-tls-verify counts), so keep-alive connections pile up until the process runs out of file
 * descriptors. One dispatcher per KubeConfig restores connection pooling.
 */
export function poolConnections<K extends KubeConfig>(kc: K): K {
  const target = kc as unknown as { createDispatcher: DispatcherFactory };
  const original = target.createDispatcher.bind(kc);
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify([(cluster as { server?: string } | null)?.server, agentOptions]);
    if (!cache.has(key)) cache.set(key, original(cluster, agentOptions));
    return cache.get(key);
  };
  return kc;
}

/** A KubeConfig for `server` acting as `actor` (its bearer token and User-Agent). */
export function kubeConfigFor(server: string, actor = 'racelab'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server, actor, actor));
  return poolConnections(kc);
}

export function kubeConfigFromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return poolConnections(kc);
}
