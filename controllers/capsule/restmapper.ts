// A RESTMapper: apiVersion + kind → the resource to call, as controller-runtime's client resolves an
// unstructured object's GroupVersionKind (pkg/client/apiutil/restmapper.go). Kinds the server serves from
// the start come from the kind table; any other group/version is discovered once over HTTP
// (GET /apis/{group}/{version}) and cached, so custom resources defined at run time map too.
import * as k8s from '@kubernetes/client-node';
import { builtinKinds } from '../../apiserver/api/kinds.ts';
import type { KubeClient, ResourceRef } from '../../clients/kube/client.ts';

export interface ResourceMapping {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

/** meta.NoKindMatchError's text. */
export class NoKindMatchError extends Error {
  override readonly name = 'NoKindMatchError';
  constructor(kind: string, apiVersion: string) {
    super(`no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`);
  }
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export class RestMapper {
  private readonly known = new Map<string, ResourceMapping>();
  private readonly discovered = new Map<string, Promise<void>>();

  constructor(private readonly client: KubeClient) {
    for (const k of builtinKinds) this.known.set(`${k.group}/${k.version}/${k.kind}`, { group: k.group, version: k.version, plural: k.plural, namespaced: k.namespaced });
  }

  async mapping(apiVersion: string, kind: string, opts: { signal?: AbortSignal } = {}): Promise<ResourceMapping> {
    const { group, version } = splitApiVersion(apiVersion);
    const key = `${group}/${version}/${kind}`;
    const hit = this.known.get(key);
    if (hit) return hit;
    if (group !== '' && version !== '') await this.discover(group, version, opts.signal);
    const found = this.known.get(key);
    if (!found) throw new NoKindMatchError(kind, apiVersion);
    return found;
  }

  /** The ref for an object of that kind in `namespace` (ignored for cluster-scoped kinds, as client-go's NamespaceIfScoped). */
  async refFor(apiVersion: string, kind: string, namespace: string | undefined, opts: { signal?: AbortSignal } = {}): Promise<ResourceRef> {
    const m = await this.mapping(apiVersion, kind, opts);
    const ref: ResourceRef = { group: m.group, version: m.version, plural: m.plural };
    if (m.namespaced && namespace) ref.namespace = namespace;
    return ref;
  }

  private discover(group: string, version: string, signal: AbortSignal | undefined): Promise<void> {
    const gv = `${group}/${version}`;
    let p = this.discovered.get(gv);
    if (!p) {
      const api = this.client.kc.makeApiClient(k8s.CustomObjectsApi);
      p = api
        .getAPIResources({ group, version }, signal ? { middleware: [abortWith(signal)], middlewareMergeStrategy: 'append' } : undefined)
        .then((list) => {
          for (const r of list.resources) {
            if (r.name.includes('/')) continue; // subresources
            this.known.set(`${group}/${version}/${r.kind}`, { group, version, plural: r.name, namespaced: r.namespaced });
          }
        })
        .catch(() => {
          this.discovered.delete(gv); // a later call asks again; the caller sees NoKindMatchError now
        });
      this.discovered.set(gv, p);
    }
    return p;
  }
}

function abortWith(signal: AbortSignal): k8s.ObservableMiddleware {
  return {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (rsp) => new k8s.Observable(Promise.resolve(rsp)),
  };
}
