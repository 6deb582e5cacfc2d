// Condition helpers, after cluster-api v1.9 util/conditions (v1beta1 status.conditions: getter.go,
// setter.go) and util/conditions/v1beta2 (metav1.Condition in status.v1beta2.conditions: getter.go,
// setter.go). Timestamps come from the injected Clock, truncated to seconds as upstream does.
import { rfc3339Seconds } from '../../apiserver/machinery/clock.ts';
import { readyCondition, type Condition, type ConditionSeverity, type MetaCondition } from './api.ts';

type WithConditions = { status?: { conditions?: Condition[]; v1beta2?: { conditions?: MetaCondition[]; [k: string]: unknown }; [k: string]: unknown } };

// --- v1beta1 ---

export function getCondition(obj: WithConditions, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

export function isTrue(obj: WithConditions, type: string): boolean {
  return getCondition(obj, type)?.status === 'True';
}

export function isFalse(obj: WithConditions, type: string): boolean {
  return getCondition(obj, type)?.status === 'False';
}

/** setter.go hasSameState: everything but lastTransitionTime. */
function hasSameState(a: Condition, b: Condition): boolean {
  return a.type === b.type && a.status === b.status && (a.severity ?? '') === (b.severity ?? '') && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '');
}

/** setter.go lexicographicLess: Ready first, then by type. */
function conditionOrder(a: Condition, b: Condition): number {
  const ra = a.type === readyCondition;
  const rb = b.type === readyCondition;
  if (ra !== rb) return ra ? -1 : 1;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

/** setter.go Set: lastTransitionTime changes only when the state does. */
export function setCondition(obj: WithConditions, c: Condition, nowMs: number): void {
  obj.status ??= {};
  const list = obj.status.conditions ?? [];
  const i = list.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? list[i] : undefined;
  const next: Condition = { ...c, lastTransitionTime: old && hasSameState(old, c) ? old.lastTransitionTime : rfc3339Seconds(nowMs) };
  if (i >= 0) list[i] = next;
  else list.push(next);
  list.sort(conditionOrder);
  obj.status.conditions = list;
}

export function markTrue(obj: WithConditions, type: string, nowMs: number): void {
  setCondition(obj, { type, status: 'True' }, nowMs);
}

export function markFalse(obj: WithConditions, type: string, reason: string, severity: ConditionSeverity, message: string, nowMs: number): void {
  setCondition(obj, { type, status: 'False', severity, reason, message }, nowMs);
}

// --- v1beta2 (metav1.Condition) ---

export function getV1Beta2Condition(obj: WithConditions, type: string): MetaCondition | undefined {
  return obj.status?.v1beta2?.conditions?.find((c) => c.type === type);
}

/** v1beta2 getter.go HasSameState. */
export function v1beta2HasSameState(a: MetaCondition, b: MetaCondition): boolean {
  return a.type === b.type && a.status === b.status && (a.observedGeneration ?? 0) === (b.observedGeneration ?? 0) && a.reason === b.reason && (a.message ?? '') === (b.message ?? '');
}

/** v1beta2 setter.go Set: lastTransitionTime kept unless the status changes. */
export function setV1Beta2Condition(obj: WithConditions, c: MetaCondition, nowMs: number): void {
  obj.status ??= {};
  obj.status.v1beta2 ??= {};
  const list = obj.status.v1beta2.conditions ?? [];
  const i = list.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : rfc3339Seconds(nowMs);
  const next: MetaCondition = { ...c, lastTransitionTime };
  if (i >= 0) list[i] = next;
  else list.push(next);
  obj.status.v1beta2.conditions = list;
}
