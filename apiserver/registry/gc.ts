// The garbage collector (kube-controller-manager pkg/controller/garbagecollector), inside the server:
// dependents are found by the uid in their ownerReferences.
// - Background: once none of an object's owners exists, the object is deleted.
// - Foreground: an owner with the foregroundDeletion finalizer waits while its dependents are deleted; the
//   finalizer goes once no dependent with blockOwnerDeletion remains.
// - Orphan: an owner with the orphan finalizer is removed from its dependents' ownerReferences, then the
//   finalizer goes.
import type { Logger } from 'pino';
import { isStatusError } from '../machinery/errors.ts';
import type { KubeObject } from '../machinery/object.ts';
import type { WatchItem } from '../storage/interface.ts';
import { FeedController, type ChangeFeed } from './feed.ts';
import type { ResourceStore } from './store.ts';

export const foregroundFinalizer = 'foregroundDeletion';
export const orphanFinalizer = 'orphan';

interface Node {
  obj: KubeObject;
  store: ResourceStore;
}

export interface StoreLookup {
  byKind(group: string, kind: string): ResourceStore | undefined;
  all(): ResourceStore[];
}

function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  return v.includes('/') ? (v.split('/')[0] as string) : '';
}

export class GarbageCollector extends FeedController {
  private readonly nodes = new Map<string, Node>();
  private readonly dependents = new Map<string, Set<string>>();

  constructor(
    private readonly stores: StoreLookup,
    logger: Logger,
  ) {
    super(logger, 'garbage collection');
  }

  /** Indexes what exists now, then follows the feed. */
  async start(feed: ChangeFeed): Promise<void> {
    feed.subscribe((item) => this.observe(item));
    for (const store of this.stores.all()) {
      for (const obj of (await store.list(undefined, {})).items) this.index(obj, store);
    }
  }

  private observe(item: WatchItem): void {
    const obj = item.object;
    if (!obj || item.type === 'BOOKMARK') return;
    const uid = obj.metadata.uid;
    if (!uid) return;
    if (item.type === 'DELETED') {
      this.unindex(uid);
      // Its dependents may have lost their last owner, and an owner deleting in the foreground may be unblocked.
      for (const d of this.dependents.get(uid) ?? []) this.worker.add(d);
      for (const ref of obj.metadata.ownerReferences ?? []) {
        if (this.nodes.get(ref.uid)?.obj.metadata.deletionTimestamp) this.worker.add(ref.uid);
      }
      return;
    }
    const store = this.stores.byKind(groupOf(obj.apiVersion), obj.kind ?? '');
    if (!store) return;
    this.index(obj, store);
    const fins = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && (fins.includes(foregroundFinalizer) || fins.includes(orphanFinalizer))) this.worker.add(uid);
    // A new or changed dependent whose owners are already gone or going.
    if ((obj.metadata.ownerReferences ?? []).length > 0) this.worker.add(uid);
  }

  private index(obj: KubeObject, store: ResourceStore): void {
    const uid = obj.metadata.uid as string;
    const old = this.nodes.get(uid);
    for (const ref of old?.obj.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(uid);
    this.nodes.set(uid, { obj, store });
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(ref.uid, set);
      }
      set.add(uid);
    }
  }

  private unindex(uid: string): void {
    const old = this.nodes.get(uid);
    for (const ref of old?.obj.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(uid);
    this.nodes.delete(uid);
  }

  protected async sync(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const { obj, store } = node;
    const fins = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && fins.includes(orphanFinalizer)) await this.orphanDependents(node);
    else if (obj.metadata.deletionTimestamp && fins.includes(foregroundFinalizer)) await this.deleteDependentsFirst(node);
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp) return;
    // attemptToDeleteItem: owners that are gone, owners deleting in the foreground, and the rest.
    const absent = refs.filter((r) => !this.nodes.has(r.uid));
    const waiting = refs.filter((r) => {
      const o = this.nodes.get(r.uid)?.obj;
      return o?.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(foregroundFinalizer);
    });
    const solid = refs.length - absent.length - waiting.length;
    if (solid > 0) {
      if (absent.length > 0) {
        // Drop the dangling references and keep the object.
        const keep = refs.filter((r) => this.nodes.has(r.uid));
        await this.ignoreGone(store.patch(obj.metadata.namespace, obj.metadata.name ?? '', (cur) => ({ ...cur, metadata: { ...cur.metadata, ownerReferences: keep } })));
      }
      return;
    }
    const policy = waiting.length > 0 ? 'Foreground' : 'Background';
    this.logger.debug({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, policy }, 'deleting dependent');
    await this.ignoreGone(store.delete(obj.metadata.namespace, obj.metadata.name ?? '', { propagationPolicy: policy, preconditions: { uid } }));
  }

  private async deleteDependentsFirst(node: Node): Promise<void> {
    const uid = node.obj.metadata.uid as string;
    let blocking = 0;
    for (const d of this.dependents.get(uid) ?? []) {
      const dep = this.nodes.get(d);
      if (!dep) continue;
      const ref = (dep.obj.metadata.ownerReferences ?? []).find((r) => r.uid === uid);
      if (ref?.blockOwnerDeletion) blocking++;
      this.worker.add(d);
    }
    if (blocking === 0) await this.removeFinalizer(node, foregroundFinalizer);
  }

  private async orphanDependents(node: Node): Promise<void> {
    const uid = node.obj.metadata.uid as string;
    for (const d of [...(this.dependents.get(uid) ?? [])]) {
      const dep = this.nodes.get(d);
      if (!dep) continue;
      await this.ignoreGone(
        dep.store.patch(dep.obj.metadata.namespace, dep.obj.metadata.name ?? '', (cur) => ({
          ...cur,
          metadata: { ...cur.metadata, ownerReferences: (cur.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid) },
        })),
      );
    }
    await this.removeFinalizer(node, orphanFinalizer);
  }

  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    await this.ignoreGone(
      node.store.patch(node.obj.metadata.namespace, node.obj.metadata.name ?? '', (cur) => ({
        ...cur,
        metadata: { ...cur.metadata, finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer) },
      })),
    );
  }

  private async ignoreGone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (!isStatusError(e, 'NotFound') && !isStatusError(e, 'Conflict')) throw e;
    }
  }
}
