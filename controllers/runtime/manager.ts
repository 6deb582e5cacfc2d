// The manager of one controller process, after controller-runtime pkg/manager: it owns the actor's
// client, one shared informer per kind and selector, the event broadcaster, and the controllers. start(ctx)
// runs, in goroutines of the calling process: the event sender, every informer (and waits until each has
// synced), then every controller and added runnable. It returns when ctx is cancelled and everything has
// stopped: the controllers' in-flight reconciles returned, every informer's request ended and its timers
// were cancelled, and the queued events had their last attempt.
//
// If the process dies instead (a panic or fatal error ends its GoRuntime and cancels its root context),
// goroutines do not run any more, but what holds a request or a timer lets go of it on the context's abort
// signal (informers abort their watch, work queues and the broadcaster cancel their timers), as an OS
// closes the sockets of a dead process.
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { ActorKubeConfig } from '../../clients/kube/actor.ts';
import { KubeClient } from '../../clients/kube/client.ts';
import { Informer, type InformerOptions, type InformerResource } from '../../clients/kube/informer.ts';
import { currentGoroutine, go, park, WaitGroup, withCancel, type Context } from './concurrency.ts';
import { Controller, type ControllerOptions, type InformerSource } from './controller.ts';
import { reconcileSinkOf, type ReconcileObserver, type ReconcileStart } from './reconcileobserver.ts';
import { EventBroadcaster, type EventBroadcasterOptions, type EventRecorder } from './recorder.ts';

/** Something the manager runs after the informers synced; start resolves when ctx is cancelled and it has stopped. */
export interface Runnable {
  start(ctx: Context): Promise<void>;
  idle?(): boolean;
}

export type InformerDefaults = Pick<
  InformerOptions,
  'watchTimeoutSeconds' | 'allowWatchBookmarks' | 'watchIdleTimeoutMs' | 'backoffInitialMs' | 'backoffMaxMs' | 'resyncPeriodMs' | 'pageSize'
>;

export interface ManagerOptions {
  /** The actor's KubeConfig (an ActorKubeConfig, so that requests carry its User-Agent). */
  kc: k8s.KubeConfig;
  clock: Clock;
  /** Names the process in logs and is the events' reportingInstance. */
  name?: string;
  logger?: Logger;
  informerDefaults?: InformerDefaults;
  events?: Pick<EventBroadcasterOptions, 'flushDelayMs' | 'maxTriesPerEvent' | 'retrySleepMs' | 'maxQueuedEvents'>;
  /** Told of every reconcile of the controllers; default: the sink its KubeConfig was registered with (observeReconciles: a scenario world's). */
  reconcileObserver?: ReconcileObserver;
}

export type NewControllerOptions = Omit<ControllerOptions, 'clock' | 'informers' | 'logger' | 'observer'>;

export class Manager implements InformerSource {
  readonly client: KubeClient;
  readonly clock: Clock;
  readonly name: string;
  readonly broadcaster: EventBroadcaster;
  private readonly opts: ManagerOptions;
  private readonly log: Logger;
  private readonly informers = new Map<string, Informer>();
  private readonly controllers: Controller[] = [];
  private readonly runnables: Runnable[] = [];
  private phase: 'new' | 'syncing' | 'running' | 'stopping' | 'stopped' = 'new';
  private readyWaiters: ((ok: boolean) => void)[] = [];

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.name = opts.name ?? 'manager';
    const actor = opts.kc instanceof ActorKubeConfig ? opts.kc.actor : undefined;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'manager', manager: this.name, actor });
    this.client = new KubeClient(opts.kc);
    this.broadcaster = new EventBroadcaster({ client: this.client, clock: opts.clock, logger: opts.logger, ...opts.events });
  }

  /** The shared informer for a kind (and selectors); made on first use. Must be asked for before start(). */
  informerFor<T extends KubeObject = KubeObject>(resource: InformerResource, sel: { labelSelector?: string; fieldSelector?: string } = {}): Informer<T> {
    const key = [resource.group, resource.version, resource.plural, resource.namespace ?? '', sel.labelSelector ?? '', sel.fieldSelector ?? ''].join('|');
    let inf = this.informers.get(key);
    if (!inf) {
      if (this.phase !== 'new') throw new Error(`manager ${this.name}: informers must be made before start`);
      inf = new Informer<KubeObject>({
        ...this.opts.informerDefaults,
        resource,
        kc: this.opts.kc,
        clock: this.clock,
        client: this.client,
        logger: this.opts.logger,
        labelSelector: sel.labelSelector,
        fieldSelector: sel.fieldSelector,
      });
      this.informers.set(key, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** A controller run by this manager; set up its watches (for/owns/watches) before start(). */
  newController(opts: NewControllerOptions): Controller {
    if (this.phase !== 'new') throw new Error(`manager ${this.name}: controllers must be added before start`);
    const kc = this.opts.kc;
    const sink = reconcileSinkOf(kc);
    const actor = kc instanceof ActorKubeConfig ? kc.actor : this.name;
    const observer = this.opts.reconcileObserver ?? (sink ? (s: ReconcileStart) => sink(actor, s) : undefined);
    const c = new Controller({ ...opts, clock: this.clock, informers: this, logger: this.opts.logger, ...(observer ? { observer } : {}) });
    this.controllers.push(c);
    return c;
  }

  add(r: Runnable): void {
    if (this.phase !== 'new') throw new Error(`manager ${this.name}: runnables must be added before start`);
    this.runnables.push(r);
  }

  /** An event recorder whose events the manager's broadcaster writes (source.component = component). */
  eventRecorderFor(component: string): EventRecorder {
    return this.broadcaster.newRecorder({ component, host: this.name });
  }

  controllerList(): readonly Controller[] {
    return this.controllers;
  }

  informerList(): Informer[] {
    return [...this.informers.values()];
  }

  /** True once every informer has synced and the controllers were started. */
  started(): boolean {
    return this.phase === 'running';
  }

  /** Resolves true when started() becomes true, false if the manager stops first. */
  whenStarted(): Promise<boolean> {
    if (this.phase === 'running') return Promise.resolve(true);
    if (this.phase === 'stopping' || this.phase === 'stopped') return Promise.resolve(false);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Quiescence: informers, controllers, runnables and the event sender all idle, no client request in flight. */
  idle(): boolean {
    if (!this.client.idle()) return false;
    for (const i of this.informers.values()) if (!i.idle()) return false;
    for (const c of this.controllers) if (!c.idle()) return false;
    for (const r of this.runnables) if (r.idle && !r.idle()) return false;
    return this.broadcaster.idle();
  }

  /** Runs everything until ctx is cancelled; resolves once all of it has stopped. */
  async start(ctx: Context): Promise<void> {
    if (this.phase !== 'new') throw new Error(`manager ${this.name} was already started`);
    this.phase = 'syncing';
    const informers = new WaitGroup();
    const runners = new WaitGroup();
    const events = new WaitGroup();
    // The sender outlives the controllers (their last events get written) but not the process.
    const { ctx: eventsCtx, cancel: stopEvents } = withCancel(currentGoroutine().runtime.ctx);
    events.add(1);
    go(`${this.name}/event-broadcaster`, async () => {
      try {
        await this.broadcaster.start(eventsCtx);
      } finally {
        events.done();
      }
    });
    for (const inf of this.informers.values()) {
      informers.add(1);
      const r = inf.resource;
      go(`${this.name}/informer ${r.plural}${r.group ? `.${r.group}` : ''}`, async () => {
        try {
          await inf.run(ctx.done); // a handler that throws ends the goroutine: a panic
        } finally {
          informers.done();
        }
      });
    }
    const synced = await park(Promise.all([...this.informers.values()].map((i) => i.waitForSync(ctx.done))));
    if (synced.every(Boolean) && !ctx.done.aborted) {
      this.phase = 'running';
      this.log.debug({ informers: this.informers.size, controllers: this.controllers.length }, 'caches synced, starting controllers');
      for (const w of this.readyWaiters.splice(0)) w(true);
      for (const c of this.controllers) this.launch(runners, `${this.name}/controller ${c.name}`, () => c.start(ctx));
      for (const [i, r] of this.runnables.entries()) this.launch(runners, `${this.name}/runnable-${i}`, () => r.start(ctx));
    }
    if (!ctx.done.aborted) await park(new Promise<void>((resolve) => ctx.done.addEventListener('abort', () => resolve(), { once: true })));
    this.phase = 'stopping';
    for (const w of this.readyWaiters.splice(0)) w(false);
    await runners.wait(); // in-flight reconciles return
    stopEvents();
    await informers.wait(); // watch requests ended, timers cancelled
    await events.wait(); // last attempt for queued events
    this.phase = 'stopped';
    this.log.debug('stopped');
  }

  private launch(wg: WaitGroup, name: string, fn: () => Promise<void>): void {
    wg.add(1);
    go(name, async () => {
      try {
        await fn();
      } finally {
        wg.done();
      }
    });
  }
}
