// Event filters for a controller's watches, after controller-runtime pkg/predicate/predicate.go. A
// predicate sees an event before it is mapped to a request; an absent method lets the event through.
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';

export interface Predicate<T extends KubeObject = KubeObject> {
  create?(obj: T): boolean;
  update?(oldObj: T, newObj: T): boolean;
  /** Also called for deletions noticed only by a relist, with the last state known. */
  delete?(obj: T): boolean;
}

/** predicate.NewPredicateFuncs: one filter applied to every event (the new object of an update). */
export function newPredicateFuncs<T extends KubeObject = KubeObject>(filter: (obj: T) => boolean): Predicate<T> {
  return { create: filter, update: (_old, obj) => filter(obj), delete: filter };
}

/** predicate.GenerationChangedPredicate: updates only when metadata.generation changed (spec changes). */
export const generationChanged: Predicate = {
  update: (oldObj, newObj) => oldObj.metadata.generation !== newObj.metadata.generation,
};

/** predicate.ResourceVersionChangedPredicate: drops resync updates. */
export const resourceVersionChanged: Predicate = {
  update: (oldObj, newObj) => oldObj.metadata.resourceVersion !== newObj.metadata.resourceVersion,
};

/** predicate.LabelChangedPredicate. */
export const labelChanged: Predicate = {
  update: (oldObj, newObj) => !jsonEqual(oldObj.metadata.labels ?? {}, newObj.metadata.labels ?? {}),
};

/** predicate.AnnotationChangedPredicate. */
export const annotationChanged: Predicate = {
  update: (oldObj, newObj) => !jsonEqual(oldObj.metadata.annotations ?? {}, newObj.metadata.annotations ?? {}),
};

type Event = 'create' | 'update' | 'delete';

function check<T extends KubeObject>(p: Predicate<T>, ev: Event, a: T, b: T | undefined): boolean {
  if (ev === 'create') return p.create ? p.create(a) : true;
  if (ev === 'delete') return p.delete ? p.delete(a) : true;
  return p.update ? p.update(a, b as T) : true;
}

/** predicate.And: every predicate lets the event through. */
export function and<T extends KubeObject = KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.every((p) => check(p, 'create', o, undefined)),
    update: (a, b) => ps.every((p) => check(p, 'update', a, b)),
    delete: (o) => ps.every((p) => check(p, 'delete', o, undefined)),
  };
}

/** predicate.Or: some predicate lets the event through. */
export function or<T extends KubeObject = KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.some((p) => check(p, 'create', o, undefined)),
    update: (a, b) => ps.some((p) => check(p, 'update', a, b)),
    delete: (o) => ps.some((p) => check(p, 'delete', o, undefined)),
  };
}

/** predicate.Not. */
export function not<T extends KubeObject = KubeObject>(p: Predicate<T>): Predicate<T> {
  return {
    create: (o) => !check(p, 'create', o, undefined),
    update: (a, b) => !check(p, 'update', a, b),
    delete: (o) => !check(p, 'delete', o, undefined),
  };
}

/** Whether every predicate lets the event through. */
export function passes<T extends KubeObject>(ps: readonly Predicate<T>[], ev: Event, a: T, b?: T): boolean {
  return ps.every((p) => check(p, ev, a, b));
}
