// CustomResourceDefinitions (apiextensions-apiserver): a CRD's served versions become kinds at once, with
// their subresources, printer columns and selectable fields; deleting a CRD deletes its objects first
// (the customresourcecleanup finalizer), then the kind.
import type { Logger } from 'pino';
import type { KindInfo, PrinterColumn } from '../api/kinds.ts';
import { isStatusError, type FieldError } from '../machinery/errors.ts';
import { isObject, type KubeObject } from '../machinery/object.ts';
import type { WatchItem } from '../storage/interface.ts';
import { FeedController, type ChangeFeed } from './feed.ts';
import type { ResourceStore } from './store.ts';
import { defaultStrategy, type Strategy } from './strategy.ts';

export const crdCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

function specOf(crd: KubeObject): CrdSpec | undefined {
  const s = crd.spec;
  if (!isObject(s) || typeof s.group !== 'string' || !isObject(s.names) || !Array.isArray(s.versions)) return undefined;
  return s as unknown as CrdSpec;
}

/** The kinds a CRD serves: one per served version. */
export function kindsOfCrd(crd: KubeObject): KindInfo[] {
  const spec = specOf(crd);
  if (!spec) return [];
  return spec.versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      subresources: { status: !!v.subresources?.status, ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}) },
      builtin: false,
      selectableFields: (v.selectableFields ?? []).map((f) => f.jsonPath),
      printerColumns: v.additionalPrinterColumns ?? [],
    }));
}

/** customresourcedefinition/strategy.go: names must agree, and the status says what was accepted. */
export function crdStrategy(info: KindInfo, now: () => string): Strategy {
  const base = defaultStrategy(info);
  const accept = (obj: KubeObject): void => {
    const spec = specOf(obj);
    if (!spec) return;
    const t = now();
    obj.status = {
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: t, reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', lastTransitionTime: t, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
      acceptedNames: { ...spec.names, listKind: spec.names.listKind ?? `${spec.names.kind}List`, singular: spec.names.singular ?? spec.names.kind.toLowerCase() },
      storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
    };
  };
  return {
    ...base,
    generation: 'spec',
    finalizersOnDelete: [crdCleanupFinalizer],
    prepareForCreate: (obj) => {
      base.prepareForCreate(obj);
      accept(obj);
    },
    prepareForUpdate: (obj, old) => {
      base.prepareForUpdate(obj, old);
      accept(obj);
    },
    validate: (obj) => {
      const errs: FieldError[] = [];
      const spec = specOf(obj);
      if (!spec) return [{ type: 'FieldValueRequired', field: 'spec', detail: 'group, names and versions are required' }];
      const want = `${spec.names.plural}.${spec.group}`;
      if (obj.metadata.name !== want) {
        errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', badValue: obj.metadata.name ?? '', detail: `must be spec.names.plural+"."+spec.group` });
      }
      if (!['Namespaced', 'Cluster'].includes(spec.scope)) {
        errs.push({ type: 'FieldValueNotSupported', field: 'spec.scope', badValue: spec.scope, detail: 'supported values: "Cluster", "Namespaced"' });
      }
      if (spec.versions.filter((v) => v.storage).length !== 1) {
        errs.push({ type: 'FieldValueInvalid', field: 'spec.versions', badValue: spec.versions.map((v) => v.name), detail: 'must have exactly one version marked as storage version' });
      }
      return errs;
    },
  };
}

export interface KindRegistry {
  lookup(group: string, version: string, plural: string): ResourceStore | undefined;
  addKind(info: KindInfo): ResourceStore;
  removeKind(info: Pick<KindInfo, 'group' | 'version' | 'plural'>): void;
  crds: ResourceStore;
}

/** Keeps the served kinds in step with the CRDs, and runs their deletion. */
export class CrdController extends FeedController {
  private readonly served = new Map<string, KindInfo[]>();

  /** group/kind of CRDs being deleted → the CRD name, so the deletion resumes when their objects go. */
  private readonly deleting = new Map<string, string>();

  constructor(
    private readonly kinds: KindRegistry,
    logger: Logger,
  ) {
    super(logger, 'custom resource definition sync');
  }

  async start(feed: ChangeFeed): Promise<void> {
    feed.subscribe((item) => this.observe(item));
    for (const crd of (await this.kinds.crds.list(undefined, {})).items) this.serve(crd);
  }

  private observe(item: WatchItem): void {
    const obj = item.object;
    if (!obj) return;
    if (obj.kind !== 'CustomResourceDefinition' || obj.apiVersion !== 'apiextensions.k8s.io/v1') {
      const crd = item.type === 'DELETED' ? this.deleting.get(`${(obj.apiVersion ?? '').split('/')[0]}/${obj.kind}`) : undefined;
      if (crd) this.worker.add(crd);
      return;
    }
    const name = obj.metadata.name ?? '';
    const spec = specOf(obj);
    if (item.type === 'DELETED') {
      for (const k of this.served.get(name) ?? []) this.kinds.removeKind(k);
      this.served.delete(name);
      if (spec) this.deleting.delete(`${spec.group}/${spec.names.kind}`);
      return;
    }
    this.serve(obj);
    if (obj.metadata.deletionTimestamp) {
      if (spec) this.deleting.set(`${spec.group}/${spec.names.kind}`, name);
      this.worker.add(name);
    }
  }

  /** Serves the CRD's versions now: a client may use the kind right after creating it. */
  private serve(crd: KubeObject): void {
    const name = crd.metadata.name ?? '';
    const next = kindsOfCrd(crd);
    for (const old of this.served.get(name) ?? []) {
      if (!next.some((k) => k.version === old.version && k.plural === old.plural)) this.kinds.removeKind(old);
    }
    for (const k of next) this.kinds.addKind(k);
    this.served.set(name, next);
  }

  /** A deleting CRD: delete every object of its kind, then drop the cleanup finalizer. */
  protected async sync(name: string): Promise<void> {
    let crd: KubeObject;
    try {
      crd = await this.kinds.crds.get(undefined, name);
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      throw e;
    }
    if (!crd.metadata.deletionTimestamp) return;
    const kind = this.served.get(name)?.[0];
    const store = kind && this.kinds.lookup(kind.group, kind.version, kind.plural);
    if (store) {
      await store.deleteCollection(undefined, {}, {});
      if ((await store.list(undefined, { limit: 1 })).items.length > 0) return; // objects with finalizers: wait
    }
    await this.kinds.crds
      .patch(undefined, name, (cur) => ({ ...cur, metadata: { ...cur.metadata, finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== crdCleanupFinalizer) } }))
      .catch((e: unknown) => {
        if (!isStatusError(e, 'NotFound')) throw e;
      });
  }
}
