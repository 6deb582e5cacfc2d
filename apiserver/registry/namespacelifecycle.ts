// The namespace controller (kube-controller-manager pkg/controller/namespace/deletion), inside the server:
// once a namespace is Terminating, delete everything in it, report what remains in the status
// conditions, and finalize (drop `kubernetes` from spec.finalizers) once it is empty.
import type { Logger } from 'pino';
import { rfc3339Seconds, type Clock } from '../machinery/clock.ts';
import { isStatusError } from '../machinery/errors.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import type { WatchItem } from '../storage/interface.ts';
import { FeedController, type ChangeFeed } from './feed.ts';
import type { ResourceStore } from './store.ts';

export const namespaceFinalizer = 'kubernetes';

export interface NamespacedStores {
  namespaces: ResourceStore;
  all(): ResourceStore[];
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export class NamespaceLifecycle extends FeedController {
  private readonly terminating = new Set<string>();

  constructor(
    private readonly stores: NamespacedStores,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    super(logger, 'namespace deletion');
  }

  async start(feed: ChangeFeed): Promise<void> {
    feed.subscribe((item) => this.observe(item));
    for (const ns of (await this.stores.namespaces.list(undefined, {})).items) {
      if (ns.metadata.deletionTimestamp) this.enqueue(ns.metadata.name ?? '');
    }
  }

  private enqueue(ns: string): void {
    this.terminating.add(ns);
    this.worker.add(ns);
  }

  private observe(item: WatchItem): void {
    const obj = item.object;
    if (!obj) return;
    if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
      const name = obj.metadata.name ?? '';
      if (item.type === 'DELETED') this.terminating.delete(name);
      else if (obj.metadata.deletionTimestamp) this.enqueue(name);
      return;
    }
    // Content leaving a terminating namespace may let it finish.
    const ns = obj.metadata.namespace;
    if (ns && item.type === 'DELETED' && this.terminating.has(ns)) this.worker.add(ns);
  }

  protected async sync(name: string): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.stores.namespaces.get(undefined, name);
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      throw e;
    }
    if (!ns.metadata.deletionTimestamp) return;
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    const count = (m: Map<string, number>, k: string): void => {
      m.set(k, (m.get(k) ?? 0) + 1);
    };
    for (const store of this.stores.all()) {
      if (!store.info.namespaced) continue;
      const resource = `${store.info.plural}.${store.info.group}`;
      for (const item of (await store.list(name, {})).items) {
        let left: KubeObject | undefined = item;
        if (!item.metadata.deletionTimestamp) {
          try {
            const res = await store.delete(name, item.metadata.name ?? '', { propagationPolicy: 'Background' });
            left = isObject(res.object) && res.object.kind !== 'Status' && (res.object as KubeObject).metadata?.deletionTimestamp ? (res.object as KubeObject) : undefined;
          } catch (e) {
            if (!isStatusError(e, 'NotFound')) throw e;
            left = undefined;
          }
        }
        if (!left) continue;
        count(remaining, resource);
        for (const f of left.metadata.finalizers ?? []) count(finalizers, f);
      }
    }
    if (remaining.size > 0) {
      await this.setConditions(name, remaining, finalizers);
      return;
    }
    // Empty: finalize, which deletes the namespace when metadata.finalizers is empty too.
    await this.stores.namespaces.update(undefined, name, finalized(ns), { subresource: 'finalize' }).catch((e: unknown) => {
      if (!isStatusError(e, 'NotFound')) throw e;
    });
  }

  /** The conditions of namespaced_resources_deleter.go, with its texts. */
  private async setConditions(name: string, remaining: Map<string, number>, finalizers: Map<string, number>): Promise<void> {
    const now = rfc3339Seconds(this.clock.now());
    const list = (m: Map<string, number>, suffix: string): string =>
      [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${suffix.replace('%d', String(n))}`).join(', ');
    const finalizersCondition: Condition =
      finalizers.size > 0
        ? { type: 'NamespaceFinalizersRemaining', status: 'True', lastTransitionTime: now, reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${list(finalizers, 'in %d resource instances')}` }
        : { type: 'NamespaceFinalizersRemaining', status: 'False', lastTransitionTime: now, reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' };
    const conditions: Condition[] = [
      { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', lastTransitionTime: now, reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
      { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', lastTransitionTime: now, reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
      { type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: now, reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
      { type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: now, reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${list(remaining, 'has %d resource instances')}` },
      finalizersCondition,
    ];
    await this.stores.namespaces
      .patch(undefined, name, (cur) => {
        const status = isObject(cur.status) ? cur.status : {};
        const old = (Array.isArray(status.conditions) ? status.conditions : []) as Condition[];
        // Keep transition times of conditions that did not change.
        const merged = conditions.map((c) => {
          const prev = old.find((o) => o.type === c.type);
          return prev && prev.status === c.status && prev.message === c.message ? prev : c;
        });
        return { ...cur, status: { ...status, conditions: merged } };
      }, { subresource: 'status' })
      .catch((e: unknown) => {
        if (!isStatusError(e, 'NotFound')) throw e;
      });
  }
}

function finalized(ns: KubeObject): KubeObject {
  const spec = isObject(ns.spec) ? ns.spec : {};
  const finalizers = (Array.isArray(spec.finalizers) ? (spec.finalizers as string[]) : []).filter((f) => f !== namespaceFinalizer);
  return { ...ns, spec: { ...spec, finalizers } };
}
