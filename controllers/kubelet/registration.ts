// The kubelet's DRA plugin RegistrationHandler as in Kubernetes 1.33
// (pkg/kubelet/cm/dra/plugin/registration.go and plugins_store.go). It keeps the store of registered DRA
// plugin instances and wipes the node's ResourceSlices when nobody publishes them any more:
//  - at start: every slice of the node, at once (no driver has registered yet after a kubelet start);
//  - when the last instance of a driver deregisters: that driver's slices on the node, after wipingDelay
//    (defaultWipingDelay = 30 s in pkg/kubelet/cm/dra/manager.go), unless an instance of the driver
//    registers again before (RegisterPlugin cancels the pending wipe).
// wipeResourceSlices: getNode (NotFound → retry), then DeleteCollection on
// /apis/resource.k8s.io/v1beta1/resourceslices with fieldSelector spec.nodeName=<node>[,spec.driver=<driver>],
// retried with wait.ExponentialBackoffWithContext (1 s, factor 2, jitter 0.2, cap 5 min, 100 steps) until it
// succeeds or the context is cancelled.
//
// The documented race (kubernetes#131056 → #131065), side by side:
//  - fixed: true (#131065): backgroundCtx derives from the caller's context; every background wipe is
//    tracked by a WaitGroup; Stop() cancels the context ("Stop was called": a pending wipe aborts while
//    waiting, the backoff loop stops) and waits for all of them, so no request follows Stop().
//  - fixed: false (before #131065): the handler's background context is context.TODO(), nothing tracks
//    the wipe goroutines and there is no Stop: Stop() here returns at once and does nothing, so a pending
//    wipe outlives its owner and sends its DeleteCollection after the owning scope ended ("Fail in
//    goroutine after ... has completed"). Whether wg/Stop were entirely absent before #131065 is not
//    confirmed upstream; this is the simplest behaviour consistent with the invariant (races.md §6).
//
// With fixed: true, `stopFix` names what Stop does: upstream's cancel-and-wait, or one of the broken and
// equivalent Stops the scenario dra-registration-wipe runs in its place (see StopFix).
//
// Concurrency. Goroutines are the runtime's (go(), WaitGroup, Context). The handler's mutex-protected
// sections (pendingWipes) are synchronous here, which excludes interleaving on Node as the mutex does.
// All waiting is on the injected Clock.
import * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { fieldSelectorFor } from '../../apiserver/machinery/fields.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { Random } from '../../apiserver/machinery/random.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { ApiError, isNotFound, KubeClient, reasonOf, statusFromException } from '../../clients/kube/client.ts';
import { background, go, park, WaitGroup, withCancel, type Context } from '../runtime/concurrency.ts';
import { ResourceSliceSelectorDriver, ResourceSliceSelectorNodeName } from '../devicetainteviction/resourceapi.ts';

/** pkg/kubelet/cm/dra/manager.go defaultWipingDelay. */
export const defaultWipingDelayMs = 30_000;
/** registration.go defaultClientCallTimeout: half of the kubelet's retry period. */
export const defaultClientCallTimeoutMs = 45_000;
/** drapbv1beta1.DRAPluginService and drapbv1alpha4.NodeService, most recent first. */
export const DRAPluginServiceV1beta1 = 'v1beta1.DRAPlugin';
export const NodeServiceV1alpha4 = 'v1alpha4.Node';

/** wipeResourceSlices' wait.Backoff. */
export const wipeBackoff = { durationMs: 1_000, factor: 2, jitter: 0.2, capMs: 300_000, steps: 100 } as const;

export const resourceSlicesPath = '/apis/resource.k8s.io/v1beta1/resourceslices';

/**
 * The field selector of a wipe: the node, and the driver unless all drivers. Upstream builds it with
 * fields.Set.String(), which sorts the keys (`spec.driver=…,spec.nodeName=…`); here the node comes first,
 * as the scenario contract (races.md §6) writes it. Both select the same slices.
 */
export function wipeFieldSelector(nodeName: string, driver: string): string {
  const parts = [fieldSelectorFor(ResourceSliceSelectorNodeName, nodeName)];
  if (driver !== '') parts.push(fieldSelectorFor(ResourceSliceSelectorDriver, driver));
  return parts.join(',');
}

/** One registered instance of a DRA plugin (plugin.go Plugin, without the gRPC connection). */
export interface Plugin {
  name: string;
  endpoint: string;
  chosenService: string;
  clientCallTimeoutMs: number;
  backgroundCtx: Context;
  cancel: (cause?: unknown) => void;
}

/** plugins_store.go Store: plugin name → instances in the order they were added. */
export class Store {
  private readonly store = new Map<string, Plugin[]>();

  /** The most recent instance of a plugin. */
  get(pluginName: string): Plugin | undefined {
    const instances = this.store.get(pluginName) ?? [];
    return instances[instances.length - 1];
  }

  /** One plugin instance cannot hijack the endpoint of another instance. */
  add(p: Plugin): void {
    const instances = this.store.get(p.name) ?? [];
    if (instances.some((old) => old.endpoint === p.endpoint)) throw new Error(`endpoint ${p.endpoint} already registered for plugin ${p.name}`);
    this.store.set(p.name, [...instances, p]);
  }

  /** Removes one endpoint; returns the instance if found and whether it was the last of its name. */
  remove(pluginName: string, endpoint: string): { plugin: Plugin; last: boolean } | undefined {
    const instances = this.store.get(pluginName) ?? [];
    const i = instances.findIndex((p) => p.endpoint === endpoint);
    const plugin = instances[i];
    if (!plugin) return undefined;
    const last = instances.length === 1;
    if (last) this.store.delete(pluginName);
    else this.store.set(pluginName, instances.filter((_, j) => j !== i));
    plugin.cancel(new Error('plugin got removed'));
    return { plugin, last };
  }

  /** Registered plugin names, sorted. */
  names(): string[] {
    return [...this.store.keys()].sort();
  }

  /** How many instances of a plugin are registered. */
  instances(pluginName: string): number {
    return this.store.get(pluginName)?.length ?? 0;
  }
}

/**
 * What a fixed Stop does:
 *  - 'cancel-and-wait' (kubernetes#131065): cancels the background context, waits for every goroutine;
 *  - 'cancel-only' (broken): cancels and returns, the woken goroutines still to finish;
 *  - 'wait-only' (broken): waits for every goroutine without cancelling, so a pending wipe runs to its end;
 *  - 'per-wipe' (equivalent): each background wipe has a context of its own; Stop cancels them one by one
 *    and awaits each one's end (no shared cancel, no WaitGroup).
 */
export type StopFix = 'cancel-and-wait' | 'cancel-only' | 'wait-only' | 'per-wipe';
export const stopFixes: readonly StopFix[] = ['cancel-and-wait', 'cancel-only', 'wait-only', 'per-wipe'];

export interface RegistrationHandlerOptions {
  /** false: no effective Stop (before kubernetes#131065); true: Stop cancels and waits (#131065). */
  fixed: boolean;
  /** With fixed: upstream's Stop or a broken/equivalent one in its place (default 'cancel-and-wait'). */
  stopFix?: StopFix;
  clock: Clock;
  /** The node this kubelet runs on. */
  nodeName: string;
  /** The cluster; omit for a stand-alone kubelet (no kubeClient: wipes return at once). */
  kc?: k8s.KubeConfig;
  /** The identity requests are sent as (bearer token and User-Agent); default `kubelet-<nodeName>`. */
  actor?: string;
  /** Delay before a deregistered driver's slices are wiped. Default 30 s. */
  wipingDelayMs?: number;
  /** The plugin store; default a new one. */
  draPlugins?: Store;
  /** Reads the Node (kubelet's getNode); default: GET /api/v1/nodes/<nodeName>. NotFound makes the wipe retry. */
  getNode?: () => Promise<KubeObject>;
  /** Backoff jitter source (wait.Jitter); without one the backoff has no jitter. */
  random?: Random;
  logger?: Logger;
}

export interface RegistrationHandlerStats {
  /** DeleteCollection requests sent (answered or not). */
  deleteCollections: number;
  /** Successful DeleteCollection requests. */
  wipes: number;
  /** Wipes aborted by their context (a re-registration, a second deregistration, Stop). */
  aborted: number;
}

/** A record of one DeleteCollection attempt, for tests and scenarios. */
export interface WipeAttempt {
  atMs: number;
  fieldSelector: string;
  /** undefined while in flight; 'ok' or the error's reason once answered. */
  outcome?: string;
}

export class RegistrationHandler {
  readonly stats: RegistrationHandlerStats = { deleteCollections: 0, wipes: 0, aborted: 0 };
  readonly attempts: WipeAttempt[] = [];
  readonly draPlugins: Store;
  /** backgroundCtx: used for all future activities of the handler. */
  private readonly backgroundCtx: Context;
  private readonly cancel: ((cause?: unknown) => void) | undefined;
  private readonly fixed: boolean;
  private readonly stopFix: StopFix;
  /** 'per-wipe': every running background wipe, with its own cancel and its end. Not upstream. */
  private readonly running = new Set<{ cancel: (cause?: unknown) => void; done: Promise<void> }>();
  private live = 0;
  private readonly clock: Clock;
  private readonly nodeName: string;
  private readonly wipingDelayMs: number;
  private readonly kubeClient: KubeClient | undefined;
  private readonly resourceApi: k8s.ResourceV1beta1Api | undefined;
  private readonly getNode: () => Promise<KubeObject>;
  private readonly random: Random | undefined;
  private readonly log: Logger;
  /** #131065: every background wipe; undefined before (nothing tracked them). */
  private readonly wg: WaitGroup | undefined;
  /** Plugin name → the cancel function of its pending wipe (compared by identity, as Go compares the pointers). */
  private readonly pendingWipes = new Map<string, (cause?: unknown) => void>();
  private busy = 0;
  private stopped = false;

  /** newRegistrationHandler: also starts the start-up wipe of all of this node's slices. */
  constructor(ctx: Context, opts: RegistrationHandlerOptions) {
    this.fixed = opts.fixed;
    this.stopFix = opts.stopFix ?? 'cancel-and-wait';
    this.clock = opts.clock;
    this.nodeName = opts.nodeName;
    this.wipingDelayMs = opts.wipingDelayMs ?? defaultWipingDelayMs;
    this.draPlugins = opts.draPlugins ?? new Store();
    this.random = opts.random;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'DRA registration handler', node: opts.nodeName });
    if (opts.kc) {
      const kc = ActorKubeConfig.from(opts.kc, opts.actor ?? `kubelet-${opts.nodeName}`);
      this.kubeClient = new KubeClient(kc);
      this.resourceApi = kc.makeApiClient(k8s.ResourceV1beta1Api);
    }
    const client = this.kubeClient;
    this.getNode =
      opts.getNode ??
      (() => {
        if (!client) return Promise.reject(new Error('no kubeClient'));
        return client.get({ group: '', version: 'v1', plural: 'nodes' }, this.nodeName, { signal: this.backgroundCtx.done });
      });
    if (this.fixed) {
      // #131065: the context comes from the caller, and Stop can cancel it and wait.
      const { ctx: bg, cancel } = withCancel(ctx);
      this.backgroundCtx = bg;
      this.cancel = cancel;
      this.wg = new WaitGroup();
    } else {
      // Before #131065: NewRegistrationHandler used context.TODO(); nothing cancels it, nothing waits.
      this.backgroundCtx = withCancel(background()).ctx;
      this.cancel = undefined;
      this.wg = undefined;
    }

    // When kubelet starts up, no DRA driver has registered yet. None of the drivers are usable until they
    // come back, which might not happen at all, so better not advertise any local resources. In the background.
    const startup = this.stopFix === 'per-wipe' ? withCancel(this.backgroundCtx) : { ctx: this.backgroundCtx, cancel: undefined };
    this.spawn('dra-registration/startup-wipe', () => this.wipeResourceSlices(startup.ctx, 0, ''), startup.cancel);
  }

  /** Quiescence: no wipe is running, other than waiting on the Clock (delay or backoff). */
  idle(): boolean {
    return this.busy === 0;
  }

  /** Background goroutines started and not yet ended (for leak checks). */
  goroutines(): number {
    return this.live;
  }

  /** Plugin names with a pending (not yet finished) wipe, sorted. */
  pendingWipeNames(): string[] {
    return [...this.pendingWipes.keys()].sort();
  }

  /**
   * Stop: cancels remaining background activities and waits until all goroutines have stopped (#131065).
   * Buggy mode (before #131065): there is no Stop; this returns at once and nothing stops.
   */
  async Stop(): Promise<void> {
    if (!this.fixed || !this.cancel || !this.wg) {
      this.log.debug('Stop: no-op, the handler has no Stop before kubernetes#131065');
      return;
    }
    this.stopped = true;
    switch (this.stopFix) {
      case 'cancel-and-wait':
        this.cancel(new Error('Stop was called'));
        await this.wg.wait();
        return;
      case 'cancel-only':
        this.cancel(new Error('Stop was called'));
        return;
      case 'wait-only':
        await this.wg.wait();
        return;
      case 'per-wipe': {
        const running = [...this.running];
        for (const r of running) r.cancel(new Error('Stop was called'));
        await park(Promise.all(running.map((r) => r.done)));
        return;
      }
    }
  }

  /** Whether Stop() was called and took effect (fixed mode only). */
  isStopped(): boolean {
    return this.stopped;
  }

  /** RegisterPlugin: validates the services, stores the instance, cancels a pending wipe for the name. Throws on error. */
  RegisterPlugin(pluginName: string, endpoint: string, supportedServices: readonly string[], pluginClientTimeoutMs?: number): void {
    const log = this.log.child({ pluginName, endpoint });
    log.debug('Register new DRA plugin');
    let chosenService: string;
    try {
      chosenService = this.validateSupportedServices(pluginName, supportedServices);
    } catch (e) {
      throw new Error(`version check of plugin ${pluginName} failed: ${(e as Error).message}`, { cause: e });
    }
    const { ctx, cancel } = withCancel(this.backgroundCtx);
    const plugin: Plugin = {
      name: pluginName,
      endpoint,
      chosenService,
      clientCallTimeoutMs: pluginClientTimeoutMs ?? defaultClientCallTimeoutMs,
      backgroundCtx: ctx,
      cancel,
    };
    try {
      this.draPlugins.add(plugin);
    } catch (e) {
      cancel(e);
      throw e;
    }
    // Now cancel any pending ResourceSlice wiping for this plugin. Only needs to be done once.
    const pending = this.pendingWipes.get(pluginName);
    if (pending) {
      pending(new Error('new plugin instance registered'));
      this.pendingWipes.delete(pluginName);
    }
  }

  /** ValidatePlugin: called by the plugin watcher when a registration socket appears. Throws on error. */
  ValidatePlugin(pluginName: string, _endpoint: string, supportedServices: readonly string[]): void {
    try {
      this.validateSupportedServices(pluginName, supportedServices);
    } catch (e) {
      throw new Error(`invalid versions of plugin ${pluginName}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** DeRegisterPlugin: removes the instance; the last one of its name starts a delayed wipe of its slices. */
  DeRegisterPlugin(pluginName: string, endpoint: string): void {
    const removed = this.draPlugins.remove(pluginName, endpoint);
    if (!removed) {
      this.log.debug({ pluginName, endpoint }, 'Deregister DRA plugin not necessary, was already removed');
      return;
    }
    this.log.debug({ pluginName, endpoint, lastInstance: removed.last }, 'Deregister DRA plugin');
    if (!removed.last) return;

    // The wipe runs in the handler's context (the plugin's own is cancelled) and may be cancelled if the
    // plugin comes back quickly enough (RegisterPlugin).
    const { ctx, cancel } = withCancel(this.backgroundCtx);
    const earlier = this.pendingWipes.get(pluginName);
    if (earlier) earlier(new Error('plugin deregistered a second time'));
    this.pendingWipes.set(pluginName, cancel);
    this.spawn(
      `dra-registration/driver-cleanup ${pluginName}`,
      async () => {
        try {
          await this.wipeResourceSlices(ctx, this.wipingDelayMs, pluginName);
        } finally {
          // Cancel our own context, but remove it from the map only if it is still the current entry.
          cancel(new Error('wiping done'));
          if (this.pendingWipes.get(pluginName) === cancel) this.pendingWipes.delete(pluginName);
        }
      },
      cancel,
    );
  }

  /** validateSupportedServices: the most recent gRPC service the plugin offers; alpha if it names none known. */
  private validateSupportedServices(_pluginName: string, supportedServices: readonly string[]): string {
    if (supportedServices.length === 0) throw new Error('empty list of supported gRPC services (aka supported versions)');
    for (const service of [DRAPluginServiceV1beta1, NodeServiceV1alpha4]) if (supportedServices.includes(service)) return service;
    // Plugins of that time did not advertise gRPC services.
    return NodeServiceV1alpha4;
  }

  /** A background goroutine: tracked by the WaitGroup with #131065, untracked before. */
  private spawn(name: string, fn: () => Promise<void>, cancel?: (cause?: unknown) => void): void {
    this.wg?.add(1);
    this.busy++;
    this.live++;
    let ended: () => void = () => undefined;
    const entry = { cancel: cancel ?? (() => undefined), done: new Promise<void>((resolve) => (ended = resolve)) };
    if (this.fixed && this.stopFix === 'per-wipe') this.running.add(entry);
    go(name, async () => {
      try {
        await fn();
      } finally {
        this.busy--;
        this.live--;
        this.running.delete(entry);
        ended();
        this.wg?.done();
      }
    });
  }

  /**
   * Sleeps on the Clock, not counted as busy meanwhile; rejects with the cause if ctx is cancelled first.
   * Busy again from the instant the timer fires or the context is cancelled, not a microtask later.
   */
  private wait(ms: number, ctx: Context): Promise<void> {
    if (ctx.done.aborted) return Promise.reject(ctx.done.reason);
    this.busy--;
    return park(
      new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          timer.cancel();
          this.busy++;
          reject(ctx.done.reason);
        };
        const timer = this.clock.setTimer(ms, () => {
          ctx.done.removeEventListener('abort', onAbort);
          this.busy++;
          resolve();
        });
        ctx.done.addEventListener('abort', onAbort, { once: true });
      }),
    );
  }

  /**
   * wipeResourceSlices: deletes the node's ResourceSlices, optionally only one driver's. Waits `delayMs`
   * first unless 0; cancelling ctx aborts the wait and (through the backoff loop) the wipe.
   */
  async wipeResourceSlices(ctx: Context, delayMs: number, driver: string): Promise<void> {
    if (!this.kubeClient || !this.resourceApi) return;
    const log = this.log.child({ pluginName: driver || undefined });
    if (delayMs !== 0) {
      // Give the driver time to bounce back (a DaemonSet update: the replacement pod is about to start).
      log.debug({ delayMs }, 'Starting to wait before wiping ResourceSlices');
      try {
        await this.wait(delayMs, ctx);
        log.debug({ delayMs }, 'Starting to wipe ResourceSlices after waiting');
      } catch {
        log.debug({ reason: String(ctx.cause()) }, 'Aborting wiping of ResourceSlices');
      }
    }
    // wait.ExponentialBackoffWithContext: the context is checked before every try and during every wait.
    let durationMs: number = wipeBackoff.durationMs;
    let steps: number = wipeBackoff.steps;
    while (steps > 0) {
      if (ctx.err()) {
        this.stats.aborted++;
        return;
      }
      if (await this.tryWipe(ctx, driver, log)) return;
      if (steps === 1) break;
      // Backoff.Step.
      steps--;
      let waitMs = durationMs;
      durationMs = durationMs * wipeBackoff.factor;
      if (durationMs > wipeBackoff.capMs) {
        durationMs = wipeBackoff.capMs;
        steps = 0;
      }
      if (this.random) waitMs = waitMs + this.random.float() * wipeBackoff.jitter * waitMs;
      try {
        await this.wait(waitMs, ctx);
      } catch {
        this.stats.aborted++;
        return;
      }
    }
    log.error({ driver }, 'Giving up wiping ResourceSlices');
  }

  /** One try of the backoff loop's condition: true when done. */
  private async tryWipe(ctx: Context, driver: string, log: Logger): Promise<boolean> {
    let node: KubeObject;
    try {
      node = await park(this.getNode());
    } catch (e) {
      if (isNotFound(e)) return false;
      log.error({ err: String(e) }, 'Unexpected error checking for node');
      return false;
    }
    const fieldSelector = wipeFieldSelector(node.metadata.name ?? this.nodeName, driver);
    const attempt: WipeAttempt = { atMs: this.clock.now(), fieldSelector };
    this.attempts.push(attempt);
    this.stats.deleteCollections++;
    try {
      await park(this.deleteCollection(fieldSelector, ctx.done));
      attempt.outcome = 'ok';
      this.stats.wipes++;
      log.debug({ fieldSelector }, 'Deleted ResourceSlices');
      return true;
    } catch (e) {
      attempt.outcome = reasonOf(e) ?? String(e);
      // Unauthorized can happen while the kubelet is still figuring out its credentials; any error: retry.
      log.debug({ fieldSelector, err: String(e) }, 'Deleting ResourceSlice failed, retrying');
      return false;
    }
  }

  /** DELETE /apis/resource.k8s.io/v1beta1/resourceslices?fieldSelector=…; failures become ApiError. */
  private async deleteCollection(fieldSelector: string, signal: AbortSignal): Promise<void> {
    const api = this.resourceApi;
    if (!api) return;
    const middleware: k8s.ObservableMiddleware = {
      pre: (rc) => {
        rc.setSignal(signal);
        return new k8s.Observable(Promise.resolve(rc));
      },
      post: (rsp) => new k8s.Observable(Promise.resolve(rsp)),
    };
    try {
      await api.deleteCollectionResourceSlice({ fieldSelector }, { middleware: [middleware], middlewareMergeStrategy: 'append' });
    } catch (e) {
      const status = statusFromException(e);
      if (status) throw new ApiError(status, 'DELETECOLLECTION', resourceSlicesPath);
      throw e;
    }
  }
}

/** NewRegistrationHandler with the caller's context (newRegistrationHandler upstream). */
export function newRegistrationHandler(ctx: Context, opts: RegistrationHandlerOptions): RegistrationHandler {
  return new RegistrationHandler(ctx, opts);
}
