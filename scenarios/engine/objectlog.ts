// The object at every resourceVersion of a scenario run, for the report's "object state on click": one
// unfiltered storage watch per store from revision 0, kept as the store's own frozen snapshots (no copy
// while the run goes on), turned into report versions when the run ends. Only scenario worlds keep it;
// `racelab serve` does not (its history is long-lived).
import { redactSecretBody } from '../../apiserver/interleave/interleaver.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { Storage, StorageEvent, StorageWatcher } from '../../apiserver/storage/interface.ts';
import type { ObjectVersion } from './reportobjects.ts';

/** The most object versions one run keeps; older ones are dropped (and counted). */
export const objectVersionsLimit = 50_000;

/** A version as the log keeps it until the run ends: the store's own event. */
interface Kept {
  store: number;
  ev: StorageEvent;
}

/** `/group/resource/ns/name` or `/group/resource/name` (apiserver/registry/store.ts key). */
function keyParts(key: string): { group: string; resource: string } {
  const parts = key.split('/');
  const group = parts[1] ?? '';
  return { group: group === 'core' ? '' : group, resource: parts[2] ?? '' };
}

/**
 * What the report shows of a stored object: Secret `data`/`stringData` values read `<redacted>` (as in the
 * history), and `metadata.managedFields` is left out, as `kubectl get -o yaml` does unless
 * `--show-managed-fields` (kubectl/pkg/cmd/get/get.go).
 */
export function shownObject(group: string, resource: string, obj: KubeObject): unknown {
  const { managedFields: _m, ...metadata } = obj.metadata ?? {};
  const out = { ...obj, metadata };
  return group === '' && resource === 'secrets' ? redactSecretBody(out) : out;
}

export class ObjectLog {
  private readonly kept: Kept[] = [];
  private start = 0;
  private droppedCount = 0;
  private readonly watchers: StorageWatcher[] = [];

  /** Watches every store (by its index: the world's server, or 0 for one shared store) from revision 0. */
  constructor(stores: readonly Storage[], readonly limit = objectVersionsLimit) {
    stores.forEach((s, store) => {
      const w = s.watch('/', { fromRevision: 0, bufferLimit: Number.MAX_SAFE_INTEGER });
      this.watchers.push(w);
      const drain = (): void => {
        this.takeFrom(w, store);
        if (!w.closed) w.whenReady(drain);
      };
      w.whenReady(drain);
    });
  }

  /** Versions dropped because the log was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Stops watching; what was kept stays readable. */
  stop(): void {
    this.watchers.forEach((w, store) => {
      this.takeFrom(w, store);
      w.stop();
    });
  }

  /** Every kept version in store and revision order, as the report shows it. */
  versions(): ObjectVersion[] {
    const out: ObjectVersion[] = [];
    for (let i = this.start; i < this.kept.length; i++) {
      const { store, ev } = this.kept[i] as Kept;
      const { group, resource } = keyParts(ev.key);
      const md = ev.object.metadata;
      out.push({
        store,
        type: ev.type,
        group,
        resource,
        ...(md.namespace ? { namespace: md.namespace } : {}),
        name: md.name ?? '',
        rv: ev.revision,
        object: shownObject(group, resource, ev.object),
      });
    }
    return out.sort((a, b) => a.store - b.store || a.rv - b.rv);
  }

  private takeFrom(w: StorageWatcher, store: number): void {
    for (const it of w.take()) if (it.type !== 'BOOKMARK' && it.object && it.key !== undefined) this.keep({ store, ev: { type: it.type, key: it.key, revision: it.revision, object: it.object } });
  }

  private keep(k: Kept): void {
    this.kept.push(k);
    if (this.kept.length - this.start > this.limit) {
      this.start++;
      this.droppedCount++;
      if (this.start > 4096 && this.start * 2 > this.kept.length) {
        this.kept.splice(0, this.start);
        this.start = 0;
      }
    }
  }
}
