// Helpers of pkg/controller/deployment/util/deployment_util.go and pkg/controller/controller_utils.go
// (ComputeHash), under their upstream names.
import { jsonEqual } from '../../apiserver/machinery/json.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import type { ResourceRef } from '../../clients/kube/client.ts';
import type { InformerResource } from '../../clients/kube/informer.ts';
import type { ReplicaSet } from '../replicaset/replicaset.ts';

export const RevisionAnnotation = 'deployment.kubernetes.io/revision';
export const DesiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const MaxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
export const DefaultDeploymentUniqueLabelKey = 'pod-template-hash';
/** Annotations a Deployment does not copy to its ReplicaSets (annotationsToSkip). */
const annotationsToSkip = new Set(['kubectl.kubernetes.io/last-applied-configuration', RevisionAnnotation, 'deployment.kubernetes.io/revision-history', DesiredReplicasAnnotation, MaxReplicasAnnotation, 'deprecated.deployment.rollback.to']);

export interface IntOrString {
  value: number | string | undefined;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: ReplicaSet['spec']['selector'];
    template: ReplicaSet['spec']['template'];
    strategy?: { type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    collisionCount?: number;
    conditions?: DeploymentCondition[];
  };
}

export interface DeploymentCondition {
  type: 'Available' | 'Progressing' | 'ReplicaFailure';
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export const deploymentsResource: InformerResource = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' };
export const deploymentsIn = (namespace: string): ResourceRef => ({ group: 'apps', version: 'v1', plural: 'deployments', namespace });

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const pct = Number(v.replace(/%$/, ''));
  if (!Number.isFinite(pct)) return 0;
  return roundUp ? Math.ceil((pct * total) / 100) : Math.floor((pct * total) / 100);
}

/** ResolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 makes maxUnavailable 1. */
export function ResolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const surge = scaledValue(ru.maxSurge ?? '25%', replicas, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** MaxUnavailable: at most the replicas. */
export function MaxUnavailable(d: Deployment): number {
  if (d.spec.strategy?.type === 'Recreate' || (d.spec.replicas ?? 1) === 0) return 0;
  return Math.min(ResolveFenceposts(d).unavailable, d.spec.replicas ?? 1);
}

export function MaxSurge(d: Deployment): number {
  if (d.spec.strategy?.type === 'Recreate') return 0;
  return ResolveFenceposts(d).surge;
}

/** Revision: the revision annotation as a number (0 when absent or bad). */
export function Revision(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[RevisionAnnotation] ?? '0');
  return Number.isInteger(n) ? n : 0;
}

/** EqualIgnoreHash: the templates are equal once the pod-template-hash label is dropped from both. */
export function EqualIgnoreHash(a: ReplicaSet['spec']['template'], b: ReplicaSet['spec']['template']): boolean {
  const strip = (t: ReplicaSet['spec']['template']): unknown => {
    const labels = { ...(t.metadata?.labels ?? {}) };
    delete labels[DefaultDeploymentUniqueLabelKey];
    const metadata: Record<string, unknown> = { ...(t.metadata ?? {}), labels };
    if (Object.keys(labels).length === 0) delete metadata.labels;
    return { ...t, metadata };
  };
  return jsonEqual(strip(a), strip(b));
}

/** rand.SafeEncodeString's alphabet: no vowels, no look-alike characters. */
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * controller.ComputeHash: FNV-32a of the template (here its canonical JSON, where upstream hashes a spew
 * dump, so the values differ from a real cluster's) and the collision count, as SafeEncodeString renders it.
 */
export function ComputeHash(template: ReplicaSet['spec']['template'], collisionCount: number | undefined): string {
  let h = 0x811c9dc5;
  const feed = (s: string): void => {
    for (const byte of Buffer.from(s, 'utf8')) {
      h ^= byte;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  feed(canonicalJson(template));
  if (collisionCount !== undefined) feed(String(collisionCount));
  return [...String(h >>> 0)].map((c) => alphanums[c.charCodeAt(0) % alphanums.length]).join('');
}

/** The Deployment's annotations a ReplicaSet gets (copyDeploymentAnnotationsToReplicaSet). */
export function annotationsForReplicaSet(d: Deployment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!annotationsToSkip.has(k)) out[k] = v;
  return out;
}

/** GetReplicaCountForReplicaSets / GetActualReplicaCountForReplicaSets and friends. */
export const sum = (rss: readonly ReplicaSet[], f: (rs: ReplicaSet) => number | undefined): number => rss.reduce((n, rs) => n + (f(rs) ?? 0), 0);
