// The registry: one ResourceStore per served kind, looked up by group, version and plural.
import { builtinKinds, type KindInfo } from '../api/kinds.ts';
import { rfc3339Seconds, type Clock } from '../machinery/clock.ts';
import type { KubeObject } from '../machinery/object.ts';
import { StatusError } from '../machinery/errors.ts';
import type { Random } from '../machinery/random.ts';
import type { Storage } from '../storage/interface.ts';
import { quietLogger, type Logger } from '../machinery/log.ts';
import { CrdController } from './crd.ts';
import { ChangeFeed } from './feed.ts';
import { GarbageCollector } from './gc.ts';
import { NamespaceLifecycle } from './namespacelifecycle.ts';
import { ResourceStore } from './store.ts';
import { strategyFor } from './strategy.ts';

export interface RegistryDeps {
  storage: Storage;
  clock: Clock;
  random: Random;
  logger?: Logger;
}

/** Namespaces that exist from the start, as in a new cluster. */
export const initialNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class Registry {
  private readonly stores = new Map<string, ResourceStore>();
  readonly namespaces: ResourceStore;
  private readonly feed: ChangeFeed;
  readonly gc: GarbageCollector;
  readonly namespaceLifecycle: NamespaceLifecycle;
  readonly crds: ResourceStore;
  private readonly crdController: CrdController;

  constructor(readonly deps: RegistryDeps) {
    for (const info of builtinKinds) this.addKind(info);
    const ns = this.lookup('', 'v1', 'namespaces');
    if (!ns) throw new Error('the kind table has no namespaces');
    this.namespaces = ns;
    const logger = deps.logger ?? quietLogger();
    this.feed = new ChangeFeed(deps.storage);
    this.gc = new GarbageCollector(this, logger.child({ component: 'garbage-collector' }));
    this.namespaceLifecycle = new NamespaceLifecycle(this, deps.clock, logger.child({ component: 'namespace-controller' }));
    const crds = this.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (!crds) throw new Error('the kind table has no customresourcedefinitions');
    this.crds = crds;
    this.crdController = new CrdController(this, logger.child({ component: 'crd-controller' }));
  }

  /** True when the server's own controllers have nothing queued or running. */
  idle(): boolean {
    return this.gc.idle() && this.namespaceLifecycle.idle() && this.crdController.idle();
  }

  /** Resolves once the server's own controllers have seen every change and have nothing left to do. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const revision = await this.deps.storage.revision();
      await this.feed.caughtUp(revision);
      await this.gc.whenIdle();
      await this.namespaceLifecycle.whenIdle();
      await this.crdController.whenIdle();
      if (this.idle() && (await this.deps.storage.revision()) === revision) return;
    }
  }

  stop(): void {
    this.feed.stop();
  }

  private static id(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  addKind(info: KindInfo): ResourceStore {
    const now = (): string => rfc3339Seconds(this.deps.clock.now());
    const store = new ResourceStore(strategyFor(info, now), {
      ...this.deps,
      namespaces: { get: (name) => this.deps.storage.get(this.namespaceKey(name)) },
    });
    this.stores.set(Registry.id(info.group, info.version, info.plural), store);
    return store;
  }

  /** Stops serving a kind; a built-in kind that a CRD had replaced is served again as built in. */
  removeKind(info: Pick<KindInfo, 'group' | 'version' | 'plural'>): void {
    const builtin = builtinKinds.find((k) => k.group === info.group && k.version === info.version && k.plural === info.plural);
    if (builtin) {
      this.addKind(builtin);
      return;
    }
    this.stores.delete(Registry.id(info.group, info.version, info.plural));
  }

  private namespaceKey(name: string): string {
    return `/core/namespaces/${name}`;
  }

  lookup(group: string, version: string, plural: string): ResourceStore | undefined {
    return this.stores.get(Registry.id(group, version, plural));
  }

  byKind(group: string, kind: string): ResourceStore | undefined {
    for (const s of this.stores.values()) if (s.info.group === group && s.info.kind === kind) return s;
    return undefined;
  }

  all(): ResourceStore[] {
    return [...this.stores.values()];
  }

  kinds(): KindInfo[] {
    return this.all().map((s) => s.info);
  }

  /** Starts the server's own controllers and creates the initial namespaces. */
  async bootstrap(): Promise<void> {
    this.feed.start(await this.deps.storage.revision());
    await this.gc.start(this.feed);
    await this.namespaceLifecycle.start(this.feed);
    await this.crdController.start(this.feed);
    for (const name of initialNamespaces) {
      if (await this.deps.storage.get(this.namespaceKey(name))) continue;
      const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      try {
        await this.namespaces.create(undefined, ns);
      } catch (e) {
        // Another API server over the same store created it first.
        if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
      }
    }
  }
}
