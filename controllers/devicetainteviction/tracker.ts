// The ResourceSlice tracker (k8s.io/dynamic-resource-allocation/resourceslice/tracker/tracker.go, 1.33):
// a view of the ResourceSlices with the taints of matching DeviceTaintRules appended to their devices.
// The eviction controller listens to it instead of the slice informer, so it does not care whether a taint
// came from the driver or from a rule.
//
// Kept from upstream: syncSlice (re-derive one patched slice from the informer's slice and every rule),
// events for every slice event (sendEvent) and, for rule changes, only when some device's taints changed;
// a rule change syncs the slices matching the old and the new selector; AddEventHandler replays every
// patched slice as an add before it returns; events are delivered in order, synchronously.
// Not modelled: deviceClassName and CEL `selectors` in a rule's deviceSelector need the DeviceClass
// informer and a CEL evaluator; such rules are skipped (logged once per rule), i.e. treated as matching
// nothing. Not used by the 1.33 controller either way: the tracker's own Events for CEL runtime errors.
import type { Logger } from '../../apiserver/machinery/log.ts';
import { deepFreeze } from '../../apiserver/machinery/json.ts';
import { DeletedFinalStateUnknown, type HandlerRegistration, type Informer } from '../../clients/kube/informer.ts';
import { deviceTaints, type DeviceTaint, type DeviceTaintRule, type ResourceSlice } from './resourceapi.ts';

export interface SliceEventHandler {
  onAdd(slice: ResourceSlice): void;
  onUpdate(oldSlice: ResourceSlice, newSlice: ResourceSlice): void;
  onDelete(slice: ResourceSlice): void;
}

function taintsEqual(a: DeviceTaint, b: DeviceTaint): boolean {
  return a.key === b.key && a.effect === b.effect && (a.value ?? '') === (b.value ?? '') && (a.timeAdded ?? '') === (b.timeAdded ?? '');
}

function unwrap<T>(o: T | DeletedFinalStateUnknown<T>): T {
  return o instanceof DeletedFinalStateUnknown ? o.obj : o;
}

export class Tracker {
  private readonly patched = new Map<string, ResourceSlice>();
  private readonly handlers: SliceEventHandler[] = [];
  private readonly registrations: HandlerRegistration[] = [];
  private readonly unsupportedLogged = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private emitting = false;

  constructor(
    private readonly slices: Informer<ResourceSlice>,
    private readonly rules: Informer<DeviceTaintRule>,
    private readonly log: Logger,
  ) {}

  /** StartTracker/initInformers: the handlers on the slice and rule informers. */
  start(): void {
    this.registrations.push(
      this.slices.addEventHandler({
        onAdd: (s) => this.syncSlice(s.metadata.name ?? '', true),
        onUpdate: (_o, s) => this.syncSlice(s.metadata.name ?? '', true),
        onDelete: (s) => this.syncSlice(unwrap(s).metadata.name ?? '', true),
      }),
      this.rules.addEventHandler({
        onAdd: (r) => this.syncRules(r),
        onUpdate: (o, r) => this.syncRules(o, r),
        onDelete: (r) => this.syncRules(unwrap(r)),
      }),
    );
  }

  /** Stop: no more events from the informers. */
  stop(): void {
    for (const r of this.registrations.splice(0)) r.remove();
  }

  hasSynced(): boolean {
    return this.registrations.length > 0 && this.registrations.every((r) => r.hasSynced());
  }

  /** ListPatchedResourceSlices. */
  list(): ResourceSlice[] {
    return [...this.patched.keys()].sort().map((k) => this.patched.get(k) as ResourceSlice);
  }

  /** AddEventHandler: every patched slice is delivered as an add before this returns. */
  addEventHandler(handler: SliceEventHandler): { remove(): void } {
    this.handlers.push(handler);
    for (const slice of this.list()) this.queue.push(() => handler.onAdd(slice));
    this.emitEvents();
    return {
      remove: () => {
        const i = this.handlers.indexOf(handler);
        if (i >= 0) this.handlers.splice(i, 1);
      },
    };
  }

  private syncRules(...rules: DeviceTaintRule[]): void {
    const names = new Set<string>();
    for (const rule of rules) for (const n of this.sliceNamesForPatch(rule)) names.add(n);
    for (const n of [...names].sort()) this.syncSlice(n, false);
  }

  /** The slices a rule's driver/pool/device selector can match (the index lookup upstream). */
  private sliceNamesForPatch(rule: DeviceTaintRule): string[] {
    const sel = rule.spec?.deviceSelector ?? {};
    return this.slices
      .lister()
      .list()
      .filter((s) => (sel.driver === undefined || sel.driver === s.spec.driver) && (sel.pool === undefined || sel.pool === s.spec.pool.name))
      .filter((s) => sel.device === undefined || (s.spec.devices ?? []).some((d) => d.name === sel.device))
      .map((s) => s.metadata.name ?? '');
  }

  /** syncSlice: re-derives the patched slice of that name and tells the handlers if needed. */
  private syncSlice(name: string, sendEvent: boolean): void {
    const slice = this.slices.lister().get(name);
    const old = this.patched.get(name);
    if (!slice) {
      if (old) {
        this.patched.delete(name);
        this.pushEvent(old, undefined);
      }
      this.emitEvents();
      return;
    }
    const next = this.applyPatches(slice, this.rules.lister().list());
    if (!sendEvent && old) {
      const oldDevices = old.spec.devices ?? [];
      const newDevices = next.spec.devices ?? [];
      for (let i = 0; i < newDevices.length && !sendEvent; i++) {
        const a = oldDevices[i];
        const b = newDevices[i];
        if (!a || !b) {
          sendEvent = true;
          break;
        }
        const ta = deviceTaints(a);
        const tb = deviceTaints(b);
        sendEvent = ta.length !== tb.length || ta.some((t, j) => !taintsEqual(t, tb[j] as DeviceTaint));
      }
    }
    this.patched.set(name, next);
    if (sendEvent) this.pushEvent(old, next);
    this.emitEvents();
  }

  /** applyPatches: the slice itself when no rule matches, else a frozen copy with the rules' taints appended. */
  private applyPatches(slice: ResourceSlice, rules: DeviceTaintRule[]): ResourceSlice {
    let patched: ResourceSlice | undefined;
    for (const rule of rules) {
      const sel = rule.spec?.deviceSelector;
      if (sel?.driver !== undefined && sel.driver !== slice.spec.driver) continue;
      if (sel?.pool !== undefined && sel.pool !== slice.spec.pool.name) continue;
      if (sel?.deviceClassName !== undefined || (sel?.selectors?.length ?? 0) > 0) {
        const rn = rule.metadata.name ?? '';
        if (!this.unsupportedLogged.has(rn)) {
          this.unsupportedLogged.add(rn);
          this.log.warn({ deviceTaintRule: rn }, 'DeviceTaintRule with deviceClassName or CEL selectors is not modelled, skipping it');
        }
        continue;
      }
      const devices = slice.spec.devices ?? [];
      for (let i = 0; i < devices.length; i++) {
        const device = devices[i] as (typeof devices)[number];
        if (sel?.device !== undefined && sel.device !== device.name) continue;
        const taint: DeviceTaint = { key: rule.spec.taint.key, value: rule.spec.taint.value, effect: rule.spec.taint.effect, timeAdded: rule.spec.taint.timeAdded };
        patched ??= structuredClone(slice) as ResourceSlice;
        const d = (patched.spec.devices ?? [])[i];
        if (!d) continue;
        d.basic ??= {};
        d.basic.taints = [...(d.basic.taints ?? []), taint];
      }
    }
    return patched ? deepFreeze(patched) : slice;
  }

  private pushEvent(oldSlice: ResourceSlice | undefined, newSlice: ResourceSlice | undefined): void {
    for (const h of this.handlers) {
      if (!oldSlice && newSlice) this.queue.push(() => h.onAdd(newSlice));
      else if (oldSlice && !newSlice) this.queue.push(() => h.onDelete(oldSlice));
      else if (oldSlice && newSlice) this.queue.push(() => h.onUpdate(oldSlice, newSlice));
    }
  }

  /** emitEvents: delivers queued events in FIFO order; a handler that throws (a panic) propagates. */
  private emitEvents(): void {
    if (this.emitting) return; // the outer call keeps draining
    this.emitting = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) next();
    } finally {
      this.emitting = false;
    }
  }
}
