// Capsule's resource replication, after controllers/resources/processor.go at v0.7.2 (buggy) and v0.7.3
// (fixed by #1264, commit 8d498bb9). Shared by GlobalTenantResource (and, upstream, TenantResource).
//
// HandleSection(tnt, allowCrossNamespaceSelection, tenantLabel, resourceIndex, spec) replicates one
// spec.resources[i] section into every namespace of one tenant: namespaces labelled
// `capsule.clastix.io/tenant=<tenant>` and matching spec.namespaceSelector. For each namespace it copies
// every object picked by each namespacedItems entry (apiVersion/kind in item.namespace, label selector),
// one goroutine per object, then fills in and applies the rawItems one after another. Each replica gets
// the labels `capsule.clastix.io/resources=<i>` and `capsule.clastix.io/tenant=<tenant>` and the annotation
// `capsule.clastix.io/tenant=<tenant>` (plus additionalMetadata) on top of the source's own. It returns
// the replicas written, as "Kind=%s,APIVersion=%s,Namespace=%s,Name=%s", and the joined errors.
// HandlePruning(current, desired) deletes every replica in current − desired.
//
// The race (#1263, v0.7.2): `processed` is a Go map (sets.String) and every replication goroutine inserts
// into it when its createOrUpdate returns; two finishing together write the map at once and the Go runtime
// throws `fatal error: concurrent map writes`, killing the process. Here `processed` is a GoMap
// (controllers/runtime/gomap.ts), whose write stays in progress across an await window: a second write
// inside it is fatal. The window defaults to GoMap's (one event-loop turn), so two HTTP responses read in
// the same turn crash as by chance upstream; a scenario passes mapWriteWindow to hold it open until the
// other goroutine arrives. The fix (#1264): each goroutine writes only its own slot of `processedRaw`
// and the calling goroutine merges the slots into `processed` after wg.Wait(). processedRaw is a GoSlice
// (controllers/runtime/goslice.ts): with a RaceDetector, both it and `processed` are watched as -race would.
//
// Reads as upstream's manager client does them: namespaces come from the informer cache when a lister is
// given (controller-runtime's cached client), source objects and replicas go to the API server
// (unstructured objects are not cached by default).
import { parse as parseYaml } from 'yaml';
import { deepCopy, jsonEqual } from '../../apiserver/machinery/json.ts';
import { labelSelectorFromMeta, type LabelSelector } from '../../apiserver/machinery/labels.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { isObject, type KubeObject } from '../../apiserver/machinery/object.ts';
import { isNotFound, type KubeClient } from '../../clients/kube/client.ts';
import type { Lister } from '../../clients/kube/informer.ts';
import { Chan, FatalError, go, Mutex, WaitGroup, type Context } from '../runtime/concurrency.ts';
import { call } from './call.ts';
import { Panic } from '../runtime/controller.ts';
import { GoMap } from '../runtime/gomap.ts';
import { GoSlice } from '../runtime/goslice.ts';
import type { RaceDetector } from '../runtime/racedetector.ts';
import { RestMapper } from './restmapper.ts';
import { objectReferenceString, parseObjectReference, resourcesLabel, type ResourceSpec, type Tenant } from './types.ts';

/**
 * Fixes of #1263 other than upstream's, for the scenario's mutants (selected with fixed: true, as `fixed`
 * selects the fix). Broken ones: the map insert under a Mutex in the first goroutine only
 * (`mutex-some-goroutines`); #1264's slots merged before wg.Wait() (`merge-before-wait`); a slice shared by
 * the goroutines, each appending to it, merged after the wait (`shared-slice`). Equivalent ones: every
 * goroutine inserts under one sync.Mutex (`mutex-all`); the replicas sent on a buffered channel that the
 * caller drains after the wait (`channel`).
 */
export const processorMutants = ['mutex-some-goroutines', 'merge-before-wait', 'shared-slice', 'mutex-all', 'channel'] as const;
export type ProcessorMutant = (typeof processorMutants)[number];

export function isProcessorMutant(name: string): name is ProcessorMutant {
  return (processorMutants as readonly string[]).includes(name);
}

export interface ProcessorOptions {
  client: KubeClient;
  /** false: v0.7.2, goroutines insert into the shared `processed` map (#1263). true: v0.7.3, per-goroutine slots merged after the wait (#1264). */
  fixed: boolean;
  /** With fixed: a different fix in place of #1264's (see processorMutants). */
  mutant?: ProcessorMutant;
  /** The Namespace informer's lister (the cached client); without it namespaces are listed from the API server. */
  namespaces?: Lister<KubeObject>;
  mapper?: RestMapper;
  /**
   * How long an insert into the `processed` Go map stays in progress (GoMapOptions.window). Default: GoMap's
   * natural window, one turn of the event loop. A scenario supplies one that stays open until the other
   * replication goroutine has finished its requests, so that the two inserts overlap on every run.
   */
  mapWriteWindow?: () => Promise<void>;
  /** Also report unsynchronised accesses to `processed` the way Go's -race would. */
  detector?: RaceDetector;
  logger?: Logger;
}

/** controllerutil.OperationResult. */
export type OperationResult = 'created' | 'updated' | 'unchanged';

/** errors.Join: undefined when every error is undefined; the messages joined by newlines. */
export function errorsJoin(...errs: (unknown | undefined)[]): Error | undefined {
  const flat: unknown[] = [];
  for (const e of errs) {
    if (e === undefined) continue;
    if (e instanceof JoinedError) flat.push(...e.errors);
    else flat.push(e);
  }
  if (flat.length === 0) return undefined;
  return new JoinedError(flat);
}

export class JoinedError extends AggregateError {
  override readonly name = 'JoinedError';
  constructor(errors: unknown[]) {
    super(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n'));
  }
}

/** fasttemplate.New(template, startTag, endTag).ExecuteString(values): unknown tags become ''; an unclosed tag panics in New. */
export function executeTemplate(template: string, startTag: string, endTag: string, values: Readonly<Record<string, string>>): string {
  let out = '';
  let s = template;
  for (;;) {
    const n = s.indexOf(startTag);
    if (n < 0) return out + s;
    out += s.slice(0, n);
    s = s.slice(n + startTag.length);
    const m = s.indexOf(endTag);
    if (m < 0) throw new Panic(`cannot find end tag=${JSON.stringify(endTag)} in the template=${JSON.stringify(template)} starting from ${JSON.stringify(s)}`);
    const tag = s.slice(0, m);
    out += Object.hasOwn(values, tag) ? (values[tag] ?? '') : '';
    s = s.slice(m + endTag.length);
  }
}

/** The UniversalDeserializer's part here: JSON or YAML into an object that names its apiVersion and kind. */
export function decodeManifest(text: string): KubeObject {
  const trimmed = text.trimStart();
  const value: unknown = trimmed.startsWith('{') ? JSON.parse(trimmed) : parseYaml(text);
  if (!isObject(value)) throw new Error(`Object 'Kind' is missing in '${text}'`);
  if (typeof value.kind !== 'string' || value.kind === '') throw new Error(`Object 'Kind' is missing in '${text}'`);
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') throw new Error(`Object 'apiVersion' is missing in '${text}'`);
  if (!isObject(value.metadata)) value.metadata = {};
  return value as KubeObject;
}

/**
 * A mapWriteWindow for scenarios: the insert stays in progress until `settled()` holds at the start of an
 * event-loop turn (checked once per turn; open at most maxTurns turns). With
 * `settled = () => client.idle()` (the controller's KubeClient) an insert stays open while any other
 * replication goroutine still waits for the API server, so the next one to finish overlaps it for sure.
 */
export function windowUntil(settled: () => boolean, maxTurns = 100_000): () => Promise<void> {
  return async () => {
    for (let turn = 0; turn < maxTurns; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled()) return;
    }
  };
}

const everything = labelSelectorFromMeta({});

export class Processor {
  readonly fixed: boolean;
  /** How the goroutines hand their replicas to the caller: upstream's bug, upstream's fix, or a mutant. */
  private readonly fix: 'v0.7.2' | 'v0.7.3' | ProcessorMutant;
  private readonly client: KubeClient;
  private readonly mapper: RestMapper;
  private readonly log: Logger;

  constructor(private readonly opts: ProcessorOptions) {
    this.fixed = opts.fixed;
    this.fix = !opts.fixed ? 'v0.7.2' : (opts.mutant ?? 'v0.7.3');
    this.client = opts.client;
    this.mapper = opts.mapper ?? new RestMapper(opts.client);
    this.log = (opts.logger ?? quietLogger()).child({ component: 'capsule-processor', fixed: opts.fixed });
  }

  /**
   * Deletes every replica in current − desired (a missing one is fine). Returns whether the status must be
   * written: the sets differ (upstream: a non-empty difference or different sizes).
   */
  async HandlePruning(ctx: Context, current: ReadonlySet<string>, desired: ReadonlySet<string> | undefined): Promise<boolean> {
    const want = desired ?? new Set<string>();
    const diff = [...current].filter((item) => !want.has(item)).sort();
    const updateStatus = diff.length > 0 || current.size !== want.size;
    if (diff.length > 0) this.log.info({ length: diff.length }, 'starting processing pruning');
    for (const item of diff) {
      let ref;
      try {
        ref = parseObjectReference(item);
      } catch (err) {
        this.log.error({ err, resource: item }, 'unable to parse resource to prune');
        continue;
      }
      try {
        const rest = await call(ctx, (signal) => this.mapper.refFor(ref.apiVersion ?? '', ref.kind, ref.namespace, { signal }));
        await call(ctx, (signal) => this.client.delete(rest, ref.name, { signal }));
      } catch (err) {
        if (isNotFound(err)) continue; // already gone
        this.log.error({ err, resource: item }, 'unable to prune resource');
        continue;
      }
      this.log.info({ resource: item }, 'resource has been pruned');
    }
    return updateStatus;
  }

  /** Replicates spec (section resourceIndex) into every selected namespace of tnt. Go's ([]string, error). */
  async HandleSection(
    ctx: Context,
    tnt: Tenant,
    allowCrossNamespaceSelection: boolean,
    tenantLabel: string,
    resourceIndex: number,
    spec: ResourceSpec,
  ): Promise<[string[], Error | undefined]> {
    const tntName = tnt.metadata.name ?? '';
    const log = this.log.child({ tenant: tntName, index: resourceIndex });
    // The Namespace selector, narrowed to the tenant's namespaces so that no boundary is crossed.
    let selector: LabelSelector = everything;
    if (spec.namespaceSelector) {
      try {
        selector = labelSelectorFromMeta(spec.namespaceSelector);
      } catch (err) {
        log.error({ err }, 'cannot create Namespace selector for Namespace filtering and resource replication');
        return [[], err as Error];
      }
    }
    const inTenant = (ns: KubeObject): boolean => ns.metadata.labels?.[tenantLabel] === tntName && selector.matches(ns.metadata.labels);
    let namespaces: KubeObject[];
    try {
      namespaces = await this.listNamespaces(ctx, tenantLabel, tntName, inTenant);
    } catch (err) {
      log.error({ err }, 'cannot retrieve Namespaces for resource');
      return [[], err as Error];
    }
    // The metadata of every replica: additionalMetadata, then the Capsule labels and annotation on top.
    const objAnnotations: Record<string, string> = { ...(spec.additionalMetadata?.annotations ?? {}) };
    const objLabels: Record<string, string> = { ...(spec.additionalMetadata?.labels ?? {}) };
    objAnnotations[tenantLabel] = tntName;
    objLabels[resourcesLabel] = String(resourceIndex);
    objLabels[tenantLabel] = tntName;

    // processed holds the replicas of this section, namespaced and raw ones, for the final pruning:
    // sets.NewString(), a plain Go map, unsafe for concurrent writes.
    const processed = new GoMap<string, true>({ label: 'HandleSection.processed', window: this.opts.mapWriteWindow, detector: this.opts.detector });
    const tntNamespaces = new Set(tnt.status?.namespaces ?? []);
    let syncErr: Error | undefined;

    for (const ns of namespaces) {
      const nsName = ns.metadata.name ?? '';
      for (const [nsIndex, item] of (spec.namespacedItems ?? []).entries()) {
        const kv = { nsIndex, namespace: item.namespace };
        // Without cross-namespace selection (TenantResource) only the tenant's own namespaces may be sources.
        if (!allowCrossNamespaceSelection && !tntNamespaces.has(item.namespace)) {
          log.info(kv, 'skipping processing of namespacedItem, referring a Namespace that is not part of the given Tenant');
          continue;
        }
        let itemSelector: LabelSelector;
        try {
          itemSelector = labelSelectorFromMeta(item.selector ?? {});
        } catch (err) {
          log.error({ ...kv, err }, 'cannot create Selector for namespacedItem');
          syncErr = errorsJoin(syncErr, err);
          continue;
        }
        let objs: KubeObject[];
        try {
          objs = await this.listSources(ctx, item.apiVersion ?? '', item.kind, item.namespace, itemSelector);
        } catch (err) {
          log.error({ ...kv, err }, 'cannot retrieve object for namespacedItem');
          syncErr = errorsJoin(syncErr, err);
          continue;
        }

        const wg = new WaitGroup();
        const errorsChan = new Chan<unknown>(objs.length); // make(chan error, len(objs.Items)): sends never block
        const detector = this.opts.detector;
        // processedRaw (#1264): goroutine i writes only processedRaw[i]; merged below after the wait.
        const processedRaw = GoSlice.make(objs.length, '', { label: 'HandleSection.processedRaw', detector });
        // Only for the mutants: a mutex, a slice every goroutine appends to, a channel.
        const mu = new Mutex();
        const processedList = new GoSlice<string>([], { label: 'HandleSection.processedList', detector });
        const results = new Chan<string>(objs.length);
        // One goroutine per source object; each replicates it into this namespace.
        for (const [i, o] of objs.entries()) {
          const obj = deepCopy(o);
          obj.metadata.namespace = nsName;
          delete obj.metadata.ownerReferences; // SetOwnerReferences(nil)
          wg.add(1);
          go(`HandleSection ${nsName}/${obj.metadata.name ?? ''}`, async () => {
            try {
              const resource = `${nsName}/${obj.metadata.name ?? ''}`;
              try {
                await this.createOrUpdate(ctx, obj, objLabels, objAnnotations);
              } catch (err) {
                if (err instanceof FatalError) throw err;
                log.error({ ...kv, resource, err }, 'unable to sync namespacedItems');
                await errorsChan.send(err);
                return;
              }
              log.info({ ...kv, resource }, 'resource has been replicated');
              const replicatedItem = objectReferenceString({ kind: obj.kind ?? '', namespace: nsName, apiVersion: obj.apiVersion ?? '', name: obj.metadata.name ?? '' });
              switch (this.fix) {
                case 'v0.7.2': // #1263: every goroutine inserts into the one shared map; two at once is `fatal error: concurrent map writes`.
                  await processed.set(replicatedItem, true);
                  break;
                case 'v0.7.3': // #1264 (8d498bb9): write only this goroutine's own slot.
                case 'merge-before-wait':
                  processedRaw.set(i, replicatedItem);
                  break;
                case 'mutex-some-goroutines':
                case 'mutex-all':
                  if (this.fix === 'mutex-some-goroutines' && i > 0) {
                    await processed.set(replicatedItem, true);
                    break;
                  }
                  await mu.lock();
                  try {
                    await processed.set(replicatedItem, true);
                  } finally {
                    mu.unlock();
                  }
                  break;
                case 'shared-slice':
                  processedList.append(replicatedItem);
                  break;
                case 'channel':
                  await results.send(replicatedItem);
                  break;
              }
            } finally {
              wg.done();
            }
          });
        }
        if (this.fix === 'merge-before-wait') for (const p of processedRaw) if (p !== '') await processed.set(p, true);
        await wg.wait();
        errorsChan.close();
        for await (const err of errorsChan) syncErr = errorsJoin(syncErr, err);
        if (this.fix === 'v0.7.3') {
          // v0.7.3 (#1264): the calling goroutine merges the slots of those that succeeded, one at a time.
          for (const p of processedRaw) if (p !== '') await processed.set(p, true);
        } else if (this.fix === 'shared-slice') {
          for (const p of processedList) await processed.set(p, true);
        } else if (this.fix === 'channel') {
          results.close();
          for await (const p of results) await processed.set(p, true);
        }
      }

      for (const [rawIndex, item] of (spec.rawItems ?? []).entries()) {
        const template = typeof item === 'string' ? item : JSON.stringify(item);
        const tmplString = executeTemplate(template, '{{ ', ' }}', { 'tenant.name': tntName, namespace: nsName });
        let obj: KubeObject;
        try {
          obj = decodeManifest(tmplString);
        } catch (err) {
          log.error({ rawIndex, err }, 'unable to deserialize rawItem');
          syncErr = errorsJoin(syncErr, err);
          continue;
        }
        obj.metadata.namespace = nsName;
        try {
          await this.createOrUpdate(ctx, obj, objLabels, objAnnotations);
        } catch (err) {
          if (err instanceof FatalError) throw err;
          // A partial sync: reported to the caller, fixed by a later reconciliation.
          log.info({ rawIndex, err }, 'unable to sync rawItem');
          syncErr = errorsJoin(syncErr, err);
          continue;
        }
        log.info({ rawIndex }, 'resource has been replicated');
        await processed.set(objectReferenceString({ kind: obj.kind ?? '', namespace: nsName, apiVersion: obj.apiVersion ?? '', name: obj.metadata.name ?? '' }), true);
      }
    }

    return [[...processed].map(([k]) => k).sort(), syncErr]; // processed.List() is sorted
  }

  /**
   * controllerutil.CreateOrUpdate with Capsule's mutate function: GET the replica; the desired state is the
   * given object (a copy of the source: every field, its own metadata included) with the labels and
   * annotations merged over its own, keeping the live object's uid and resourceVersion (none on create).
   * CREATE when missing, UPDATE when it differs from what was read (it nearly always does: the source's
   * creationTimestamp and managedFields are copied too, as upstream copies them), nothing otherwise.
   */
  async createOrUpdate(ctx: Context, obj: KubeObject, labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>): Promise<OperationResult> {
    const desired = deepCopy(obj);
    const name = desired.metadata.name ?? '';
    const ref = await call(ctx, (signal) => this.mapper.refFor(desired.apiVersion ?? '', desired.kind ?? '', desired.metadata.namespace, { signal }));
    let actual: KubeObject | undefined;
    try {
      actual = await call(ctx, (signal) => this.client.get(ref, name, { signal }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const mutate = (live: KubeObject | undefined): KubeObject => {
      const uid = live?.metadata.uid;
      const rv = live?.metadata.resourceVersion;
      const next = deepCopy(desired); // actual.SetUnstructuredContent(desired.Object)
      next.metadata.labels = { ...(obj.metadata.labels ?? {}), ...labels };
      next.metadata.annotations = { ...(obj.metadata.annotations ?? {}), ...annotations };
      // SetResourceVersion / SetUID remove the field when the value is empty.
      if (rv) next.metadata.resourceVersion = rv;
      else delete next.metadata.resourceVersion;
      if (uid) next.metadata.uid = uid;
      else delete next.metadata.uid;
      return next;
    };
    if (!actual) {
      await call(ctx, (signal) => this.client.create(ref, mutate(undefined), { signal }));
      return 'created';
    }
    const next = mutate(actual);
    if (jsonEqual(actual, next)) return 'unchanged'; // equality.Semantic.DeepEqual(existing, obj)
    await call(ctx, (signal) => this.client.update(ref, next, { signal }));
    return 'updated';
  }

  private async listNamespaces(ctx: Context, tenantLabel: string, tntName: string, keep: (ns: KubeObject) => boolean): Promise<KubeObject[]> {
    if (this.opts.namespaces) return this.opts.namespaces.list(undefined).filter(keep);
    const list = await call(ctx, (signal) => this.client.list({ group: '', version: 'v1', plural: 'namespaces' }, { labelSelector: `${tenantLabel}=${tntName}`, signal }));
    return list.items.filter(keep).sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  }

  /** The unstructured List of item.apiVersion/item.kind in one namespace (a live request). */
  private async listSources(ctx: Context, apiVersion: string, kind: string, namespace: string, selector: LabelSelector): Promise<KubeObject[]> {
    const ref = await call(ctx, (signal) => this.mapper.refFor(apiVersion, kind, namespace, { signal }));
    const list = await call(ctx, (signal) => this.client.list(ref, { labelSelector: selector.toString(), signal }));
    // UnstructuredList decoding: items without apiVersion and kind take them from the list.
    const listKind = typeof list.kind === 'string' && list.kind.endsWith('List') ? list.kind.slice(0, -'List'.length) : kind;
    const listApiVersion = list.apiVersion ?? apiVersion;
    return list.items.map((item) => (item.kind || item.apiVersion ? item : { ...item, apiVersion: listApiVersion, kind: listKind }));
  }
}
