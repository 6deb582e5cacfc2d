// Actor identity. Every request of a client built for actor X carries `Authorization: Bearer X` and
// `User-Agent: racelab-X`, so the API server's history and its interleaving rules can tell actors apart
// (DESIGN.md principle 4).
//
// client-node 2.0.1 has no setting for the User-Agent. makeApiClient installs a middleware that sets
// `kubernetes-client-javascript/2.0.1` after authentication has run (config.js makeApiClient), and Watch
// sends undici's default (`undici`) with only the headers applySecurityAuthentication put on its request
// context (watch.js). ActorKubeConfig therefore overrides both: applySecurityAuthentication adds the
// header (this reaches Watch and every generated API), and makeApiClient builds the configuration without
// the library's User-Agent middleware. undici lets a caller set User-Agent, so the header reaches the wire.
import * as k8s from '@kubernetes/client-node';
import { kubeconfigYaml, poolConnections } from './config.ts';

/** The User-Agent an actor's requests carry. */
export function userAgentFor(actor: string): string {
  return `racelab-${actor}`;
}

export class ActorKubeConfig extends k8s.KubeConfig {
  constructor(
    readonly actor: string,
    readonly userAgent: string = userAgentFor(actor),
  ) {
    super();
  }

  /** A plain-http racelab server, authenticated as `actor` (bearer token = actor name). */
  static forServer(server: string, actor: string): ActorKubeConfig {
    const kc = new ActorKubeConfig(actor);
    kc.loadFromString(kubeconfigYaml(server, actor, actor));
    return poolConnections(kc);
  }

  /** A kubeconfig's text (its cluster and credentials), sending the User-Agent of `actor`. */
  static fromString(kubeconfig: string, actor: string): ActorKubeConfig {
    const out = new ActorKubeConfig(actor);
    out.loadFromString(kubeconfig);
    return poolConnections(out);
  }

  /** A copy of kc (its cluster and credentials) that sends the User-Agent of `actor`. */
  static from(kc: k8s.KubeConfig, actor: string): ActorKubeConfig {
    if (kc instanceof ActorKubeConfig && kc.actor === actor) return kc;
    const out = new ActorKubeConfig(actor);
    out.loadFromString(kc.exportConfig());
    return poolConnections(out);
  }

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('User-Agent', this.userAgent);
  }

  override makeApiClient<T extends k8s.ApiType>(apiClientType: k8s.ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    const config = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: this },
    });
    return new apiClientType(config);
  }
}

/** kubeConfigFor's counterpart with the actor's User-Agent: what every racelab client should use. */
export function actorKubeConfig(server: string, actor: string): ActorKubeConfig {
  return ActorKubeConfig.forServer(server, actor);
}
