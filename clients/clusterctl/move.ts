// `clusterctl move`: moves the Cluster API objects of a namespace from one management cluster (API server)
// to another, after cluster-api cmd/clusterctl/client/cluster/mover.go and objectgraph.go at v1.9.4
// (buggy) and v1.9.5 (fixed). The two variants differ only in deleteSourceObject
// (kubernetes-sigs/cluster-api #11812 → #11814, backport #11821):
//  - fixed: false (v1.9.0–v1.9.4): merge-patch `finalizers: []`, then DELETE. Between the two, a controller
//    that re-adds its finalizer early in every reconcile (the Cluster controller's EnsureFinalizer, #11286)
//    can put it back; the DELETE then only sets deletionTimestamp and the source object stays, Terminating
//    and paused, for good, while move reports success;
//  - fixed: true (v1.9.5, v1.10.0): DELETE first (deletionTimestamp set: no finalizer can be added any
//    more, the server answers 422), then `finalizers: []`, which deletes the object.
//
// move() in upstream's order: discover the object graph (getObjectGraph: discovery types, Discovery, soft
// ownership, tenants, checkProvisioningCompleted), pause the Clusters (spec.paused=true), wait while any
// object carries the block-move annotation, create the objects on the target group by group in owner
// order (rebuilding ownerReferences with the target's new UIDs), delete them from the source group by group
// in reverse order, then unpause the Clusters on the target. Every step on an object is wrapped in
// retryWithExponentialBackoff on the injected Clock; errors are returned, never swallowed.
//
// Our server has no CRDs for the Cluster API kinds: they are built-in rows of its kind table (category
// "cluster-api"), which stand here for the CRDs clusterctl installs with the clusterctl.cluster.x-k8s.io
// label. CustomResourceDefinitions carrying that label are discovered as upstream does. Not reproduced: the
// provider inventory (checkTargetProviders, provider namespaces' Secrets), ClusterClass and
// ClusterResourceSet handling beyond their move-hierarchy flag, mutators, dry-run, toDirectory/fromDirectory,
// patchTopologyManagedFields. As upstream, status is not copied: the create on the target drops it (the
// kinds have a status subresource) and the controllers there rebuild it once the Clusters are unpaused.
import type * as k8s from '@kubernetes/client-node';
import { builtinKinds } from '../../apiserver/api/kinds.ts';
import { RealClock, type Clock } from '../../apiserver/machinery/clock.ts';
import type { Status } from '../../apiserver/machinery/errors.ts';
import { deepCopy } from '../../apiserver/machinery/json.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { isObject, type KubeObject } from '../../apiserver/machinery/object.ts';
import type { Random } from '../../apiserver/machinery/random.ts';
import { ActorKubeConfig } from '../kube/actor.ts';
import { isAlreadyExists, isNotFound, KubeClient, type ResourceRef } from '../kube/client.ts';

// --- labels and annotations (cmd/clusterctl/api/v1alpha3) ---
export const clusterctlLabel = 'clusterctl.cluster.x-k8s.io';
export const clusterctlMoveLabel = 'clusterctl.cluster.x-k8s.io/move';
export const clusterctlMoveHierarchyLabel = 'clusterctl.cluster.x-k8s.io/move-hierarchy';
export const blockMoveAnnotation = 'clusterctl.cluster.x-k8s.io/block-move';
export const deleteForMoveAnnotation = 'clusterctl.cluster.x-k8s.io/delete-for-move';
/** api/v1beta1 PausedAnnotation (ClusterClasses are paused with it). */
export const pausedAnnotation = 'cluster.x-k8s.io/paused';

const clusterGroup = 'cluster.x-k8s.io';
const addonsGroup = 'addons.cluster.x-k8s.io';

/** wait.Backoff. */
export interface Backoff {
  durationMs: number;
  factor: number;
  steps: number;
  jitter: number;
}

/** client.go newWriteBackoff: about 40 s over 10 tries. */
export const writeBackoff: Readonly<Backoff> = { durationMs: 500, factor: 1.5, steps: 10, jitter: 0.4 };
/** client.go newReadBackoff: about 15 s over 9 tries. */
export const readBackoff: Readonly<Backoff> = { durationMs: 250, factor: 1.5, steps: 9, jitter: 0.1 };
/** mover.go move: waitForMoveUnblockedBackoff, about 2 min. */
export const waitForMoveUnblockedBackoff: Readonly<Backoff> = { durationMs: 5000, factor: 1.5, steps: 10, jitter: 0.1 };

/** mover.go removeFinalizersPatch (a JSON merge patch). */
export const removeFinalizersPatch = { metadata: { finalizers: [] } };
/** mover.go addDeleteForMoveAnnotationPatch (a JSON patch: it replaces the whole annotations map). */
export const addDeleteForMoveAnnotationPatch = [{ op: 'add', path: '/metadata/annotations', value: { [deleteForMoveAnnotation]: '' } }];

export interface MoveOptions {
  /** The source management cluster. */
  from: k8s.KubeConfig;
  /** The target management cluster. */
  to: k8s.KubeConfig;
  /** The namespace to move; '' moves every namespace. */
  namespace: string;
  /** kubernetes-sigs/cluster-api #11814: true deletes before removing finalizers (v1.9.5+), false the other way round (v1.9.0–v1.9.4). */
  fixed: boolean;
  /** With fixed: another deleteSourceObject in place of #11814's (a broken one or a different correct one); see DeleteSourceVariant. */
  variant?: DeleteSourceVariant;
  /** The actor (bearer token and User-Agent) on both servers. Default 'clusterctl'; null: the KubeConfigs' own credentials. */
  actor?: string | null;
  /** Backoff sleeps between retries. Default: real time. */
  clock?: Clock;
  /** Backoff jitter (wait.Jitter); none without it. */
  random?: Random;
  logger?: Logger;
  /** Aborts the move (the request in flight and any backoff). */
  signal?: AbortSignal;
}

/**
 * Other ways deleteSourceObject could order its DELETE and finalizer removal than #11814's, selected with
 * `fixed: true` (issue 13's mutants and equivalent fixes of clusterctl-move-finalizer):
 *  - 'delete-without-waiting' (broken): the DELETE is sent and the finalizers removed without waiting for
 *    the DELETE's reply; the server may apply the removal first, which reopens #11812's window;
 *  - 'remove-finalizers-twice' (broken): v1.9.4's order with the removal sent twice before the DELETE;
 *    a finalizer re-added after the second one still survives the DELETE;
 *  - 'skip-cluster-delete' (broken): Clusters only get their finalizers removed, never a DELETE;
 *  - 'delete-only' (broken): DELETE without removing finalizers, so nothing force-deletes the object;
 *  - 'await-deletion-timestamp' (correct): DELETE, then GET until the object shows its deletionTimestamp
 *    (or is gone), then remove the finalizers;
 *  - 'remove-again-after-delete' (correct): v1.9.4's order, then, when the DELETE's reply shows the object
 *    still there (a finalizer came back in between), `finalizers: []` once more: with the deletionTimestamp
 *    set no finalizer can come back, so that removal deletes it.
 * (A DELETE with the removal's resourceVersion as a precondition, retried on conflict, is correct but not
 * live: a controller that re-adds its finalizer after every removal starves it until the backoff gives up.)
 */
export const deleteSourceVariants = [
  'delete-without-waiting',
  'remove-finalizers-twice',
  'skip-cluster-delete',
  'delete-only',
  'await-deletion-timestamp',
  'remove-again-after-delete',
] as const;
export type DeleteSourceVariant = (typeof deleteSourceVariants)[number];
export const isDeleteSourceVariant = (v: string): v is DeleteSourceVariant => (deleteSourceVariants as readonly string[]).includes(v);

export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
}

export interface MovedObject extends ObjectIdentity {
  /** The UID the object got on the target. */
  newUID?: string;
}

/** What a move did, in order. */
export interface MoveReport {
  fixed: boolean;
  namespace: string;
  /** The Clusters moved (`namespace/name`). */
  clusters: string[];
  /** The move sequence: groups in creation order (each group's owners are in earlier groups). */
  groups: MovedObject[][];
  /** Objects deleted from the source (reverse group order), skipped ones (global, shouldNotDelete) left out. */
  deleted: ObjectIdentity[];
  /** One line per API call that changed something, e.g. `source: PATCH Cluster default/c1 {"spec":{"paused":true}}`. */
  steps: string[];
  /** Retried failures, as `<step>: <error>`. */
  retries: string[];
}

/** A move that failed; report says how far it got. */
export class MoveError extends Error {
  override readonly name = 'MoveError';
  constructor(
    message: string,
    readonly report: MoveReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// --- the object graph (objectgraph.go) ---

interface OwnerAttributes {
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

interface DiscoveryType {
  apiVersion: string;
  kind: string;
  resource: ResourceRef;
  namespaced: boolean;
  forceMove: boolean;
  forceMoveHierarchy: boolean;
}

/** objectgraph.go node. */
class Node {
  readonly owners = new Map<Node, OwnerAttributes>();
  readonly softOwners = new Set<Node>();
  readonly tenant = new Set<Node>();
  forceMove = false;
  forceMoveHierarchy = false;
  isGlobal = false;
  isGlobalHierarchy = false;
  shouldNotDelete = false;
  virtual: boolean;
  blockingMove = false;
  newUID: string | undefined;
  type: DiscoveryType | undefined;
  /** Cluster: spec.topology.class / classNamespace. */
  topologyClass: { name: string; namespace: string } | undefined;

  constructor(
    readonly identity: ObjectIdentity,
    virtual: boolean,
  ) {
    this.virtual = virtual;
  }

  groupKind(): string {
    const i = this.identity.apiVersion.indexOf('/');
    const group = i < 0 ? '' : this.identity.apiVersion.slice(0, i);
    return `${this.identity.kind}.${group}`;
  }

  isOwnedBy(other: Node): boolean {
    return this.owners.has(other);
  }

  isSoftOwnedBy(other: Node): boolean {
    return this.softOwners.has(other);
  }

  str(): string {
    return `${this.identity.kind} ${this.identity.namespace ? `${this.identity.namespace}/` : ''}${this.identity.name}`;
  }
}

/** util/secret ParseSecretName: `<cluster>-<purpose>`, split at the last dash (so the multi-dash purpose never matches, as upstream). */
function parseSecretClusterName(name: string): string | undefined {
  const i = name.lastIndexOf('-');
  if (i < 0) return undefined;
  const purpose = name.slice(i + 1);
  return ['kubeconfig', 'ca', 'etcd', 'sa', 'proxy', 'apiserver-etcd-client'].includes(purpose) ? name.slice(0, i) : undefined;
}

/** `cluster.x-k8s.io/v1beta1, Kind=Cluster`: schema.GroupVersionKind.String(). */
function gvkString(apiVersion: string, kind: string): string {
  return `${apiVersion}, Kind=${kind}`;
}

class ObjectGraph {
  readonly uidToNode = new Map<string, Node>();
  types = new Map<string, DiscoveryType>();

  constructor(private readonly mover: Mover) {}

  /** getDiscoveryTypes: the clusterctl CRDs (here: the built-in Cluster API kinds and labelled CRDs), Secrets and ConfigMaps. */
  async getDiscoveryTypes(): Promise<void> {
    const add = (t: Omit<DiscoveryType, 'forceMove' | 'forceMoveHierarchy'>, labels: Record<string, string> = {}): void => {
      const group = t.resource.group;
      // Cluster, ClusterClass and ClusterResourceSet are always move-hierarchy (and so move).
      let forceMoveHierarchy =
        (group === clusterGroup && (t.kind === 'Cluster' || t.kind === 'ClusterClass')) || (group === addonsGroup && t.kind === 'ClusterResourceSet');
      if (Object.hasOwn(labels, clusterctlMoveHierarchyLabel)) forceMoveHierarchy = true;
      const forceMove = forceMoveHierarchy || Object.hasOwn(labels, clusterctlMoveLabel);
      this.types.set(`${t.apiVersion}|${t.kind}`, { ...t, forceMove, forceMoveHierarchy });
    };
    for (const k of builtinKinds.filter((k) => k.categories.includes('cluster-api'))) {
      const apiVersion = k.group ? `${k.group}/${k.version}` : k.version;
      add({ apiVersion, kind: k.kind, resource: { group: k.group, version: k.version, plural: k.plural }, namespaced: k.namespaced });
    }
    const crds = await this.mover.retry(readBackoff, 'list CustomResourceDefinitions', () =>
      this.mover.source.list({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' }, { labelSelector: clusterctlLabel, signal: this.mover.signal }),
    );
    for (const crd of crds.items) {
      const spec = crd.spec as { group: string; names: { kind: string; plural: string }; scope: string; versions: { name: string; storage: boolean }[] };
      for (const v of spec.versions ?? []) {
        if (!v.storage) continue;
        add(
          { apiVersion: `${spec.group}/${v.name}`, kind: spec.names.kind, resource: { group: spec.group, version: v.name, plural: spec.names.plural }, namespaced: spec.scope !== 'Cluster' },
          crd.metadata.labels,
        );
      }
    }
    add({ apiVersion: 'v1', kind: 'Secret', resource: { group: '', version: 'v1', plural: 'secrets' }, namespaced: true });
    add({ apiVersion: 'v1', kind: 'ConfigMap', resource: { group: '', version: 'v1', plural: 'configmaps' }, namespaced: true });
  }

  /** Discovery: every object of every type in the namespace; ownerReferences become edges. */
  async discovery(namespace: string): Promise<void> {
    for (const t of this.types.values()) {
      const ref: ResourceRef = { ...t.resource, namespace: t.namespaced && namespace !== '' ? namespace : undefined };
      const list = await this.mover.retry(readBackoff, `list ${t.kind}`, async () => {
        try {
          return (await this.mover.source.list(ref, { signal: this.mover.signal })).items;
        } catch (e) {
          if (isNotFound(e)) return [];
          throw e;
        }
      });
      for (const obj of list) this.addObj({ ...obj, apiVersion: obj.apiVersion ?? t.apiVersion, kind: obj.kind ?? t.kind });
    }
    this.setSoftOwnership();
    this.setTenants();
    this.setShouldNotDelete(namespace);
  }

  /** addObj: the object's node (an earlier virtual one is marked observed), and its owners (virtual until seen). */
  addObj(obj: KubeObject): Node {
    const uid = obj.metadata.uid ?? '';
    let node = this.uidToNode.get(uid);
    if (node) node.virtual = false;
    else {
      node = new Node({ apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', name: obj.metadata.name ?? '', namespace: obj.metadata.namespace, uid }, false);
      this.uidToNode.set(uid, node);
    }
    this.objMetaToNode(obj, node);
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let owner = this.uidToNode.get(ref.uid);
      if (!owner) {
        owner = new Node({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid }, true);
        this.uidToNode.set(ref.uid, owner);
      }
      node.owners.set(owner, { controller: ref.controller, blockOwnerDeletion: ref.blockOwnerDeletion });
    }
    return node;
  }

  private objMetaToNode(obj: KubeObject, n: Node): void {
    n.identity.namespace = obj.metadata.namespace;
    const labels = obj.metadata.labels ?? {};
    if (Object.hasOwn(labels, clusterctlMoveLabel)) n.forceMove = true;
    if (Object.hasOwn(labels, clusterctlMoveHierarchyLabel)) n.forceMoveHierarchy = true;
    const t = this.types.get(`${n.identity.apiVersion}|${n.identity.kind}`);
    if (t) {
      n.type = t;
      if (t.forceMove) n.forceMove = true;
      if (t.forceMoveHierarchy) n.forceMoveHierarchy = true;
      if (!t.namespaced) n.isGlobal = true;
    }
    n.blockingMove = obj.metadata.annotations !== undefined && Object.hasOwn(obj.metadata.annotations, blockMoveAnnotation);
    // captureAdditionalInformation: the ClusterClass a Cluster uses.
    const topology = isObject(obj.spec) ? obj.spec.topology : undefined;
    if (n.groupKind() === `Cluster.${clusterGroup}` && isObject(topology) && typeof topology.class === 'string') {
      n.topologyClass = { name: topology.class, namespace: typeof topology.classNamespace === 'string' && topology.classNamespace ? topology.classNamespace : (obj.metadata.namespace ?? '') };
    }
  }

  nodes(): Node[] {
    return [...this.uidToNode.values()];
  }

  ofKind(groupKind: string): Node[] {
    return this.nodes().filter((n) => n.groupKind() === groupKind);
  }

  getClusters(): Node[] {
    return this.ofKind(`Cluster.${clusterGroup}`);
  }

  getClusterClasses(): Node[] {
    return this.ofKind(`ClusterClass.${clusterGroup}`);
  }

  getMachines(): Node[] {
    return this.ofKind(`Machine.${clusterGroup}`);
  }

  /** getMoveNodes: nodes with a tenant (a Cluster, ClusterClass, ... above them) or marked for move. */
  getMoveNodes(): Node[] {
    return this.nodes().filter((n) => n.tenant.size > 0 || n.forceMove);
  }

  /** setSoftOwnership: `<cluster>-<purpose>` Secrets without owners belong to their Cluster; Clusters to their ClusterClass. */
  private setSoftOwnership(): void {
    const clusters = this.getClusters();
    for (const secret of this.ofKind('Secret.')) {
      if (secret.owners.size > 0) continue;
      const clusterName = parseSecretClusterName(secret.identity.name);
      if (clusterName === undefined) continue;
      for (const c of clusters) if (c.identity.name === clusterName && c.identity.namespace === secret.identity.namespace) secret.softOwners.add(c);
    }
    for (const cc of this.getClusterClasses()) {
      for (const c of clusters) {
        if (c.topologyClass && c.topologyClass.name === cc.identity.name && c.topologyClass.namespace === cc.identity.namespace) c.softOwners.add(cc);
      }
    }
  }

  /** setTenants: everything below a move-hierarchy node, through owner and soft-owner edges. */
  private setTenants(): void {
    for (const n of this.nodes()) if (n.forceMoveHierarchy) this.setTenantHierarchy(n, n, n.isGlobal, new Set());
  }

  private setTenantHierarchy(node: Node, tenant: Node, isGlobalHierarchy: boolean, seen: Set<Node>): void {
    if (seen.has(node)) return; // an ownerReference cycle would recurse for ever upstream
    seen.add(node);
    node.tenant.add(tenant);
    node.isGlobalHierarchy = node.isGlobalHierarchy || isGlobalHierarchy;
    for (const other of this.nodes()) if (other.isOwnedBy(node) || other.isSoftOwnedBy(node)) this.setTenantHierarchy(other, tenant, isGlobalHierarchy, seen);
  }

  /**
   * setShouldNotDelete: ClusterClasses (and their templates) outside the namespace being moved stay. From
   * v1.9.5's cross-namespace ClusterClass support (7398fb6e5b), a change apart from #11814, kept in both
   * variants; it only concerns ClusterClasses, which this server does not serve.
   */
  private setShouldNotDelete(namespace: string): void {
    if (namespace === '') return;
    for (const cc of this.getClusterClasses()) if (cc.identity.namespace !== namespace) this.setShouldNotDeleteHierarchy(cc, new Set());
  }

  private setShouldNotDeleteHierarchy(node: Node, seen: Set<Node>): void {
    if (seen.has(node)) return;
    seen.add(node);
    node.shouldNotDelete = true;
    for (const other of this.nodes()) if (other.isOwnedBy(node)) this.setShouldNotDeleteHierarchy(other, seen);
  }
}

/** A stable order inside a move group (upstream iterates a Go map). */
function nodeOrder(a: Node, b: Node): number {
  const ka = `${a.identity.kind}|${a.identity.namespace ?? ''}|${a.identity.name}`;
  const kb = `${b.identity.kind}|${b.identity.namespace ?? ''}|${b.identity.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** getMoveSequence: groups such that each node comes after all its owners and soft owners. */
function getMoveSequence(graph: ObjectGraph): Node[][] {
  const groups: Node[][] = [];
  const placed = new Set<Node>();
  const moveNodes = graph.getMoveNodes().sort(nodeOrder);
  for (;;) {
    const group = moveNodes.filter((n) => !placed.has(n) && [...n.owners.keys(), ...n.softOwners].every((o) => placed.has(o)));
    if (group.length === 0) break;
    groups.push(group);
    for (const n of group) placed.add(n);
  }
  return groups;
}

// --- the mover (mover.go) ---

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function wrap(e: unknown, msg: string): Error {
  return new Error(`${msg}: ${errorText(e)}`, { cause: e });
}

/** kerrors.NewAggregate. */
function aggregate(errs: Error[]): Error | undefined {
  if (errs.length === 0) return undefined;
  if (errs.length === 1) return errs[0];
  return new Error(`[${errs.map((e) => e.message).join(', ')}]`, { cause: errs[0] });
}

/** A KubeConfig for the actor on kc's server (the server names actors by bearer token). */
function asActor(kc: k8s.KubeConfig, actor: string | null | undefined): k8s.KubeConfig {
  if (actor === null) return kc;
  const name = actor ?? 'clusterctl';
  if (kc instanceof ActorKubeConfig && kc.actor === name) return kc;
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('clusterctl move: the KubeConfig has no current cluster');
  return ActorKubeConfig.forServer(server, name);
}

class Mover {
  readonly source: KubeClient;
  readonly target: KubeClient;
  readonly signal: AbortSignal | undefined;
  readonly report: MoveReport;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: MoveOptions) {
    this.source = new KubeClient(asActor(opts.from, opts.actor));
    this.target = new KubeClient(asActor(opts.to, opts.actor));
    this.signal = opts.signal;
    this.clock = opts.clock ?? new RealClock();
    this.log = (opts.logger ?? quietLogger()).child({ component: 'clusterctl-move', fixed: opts.fixed, namespace: opts.namespace });
    this.report = { fixed: opts.fixed, namespace: opts.namespace, clusters: [], groups: [], deleted: [], steps: [], retries: [] };
  }

  private step(side: 'source' | 'target', text: string): void {
    this.report.steps.push(`${side}: ${text}`);
    this.log.debug({ side }, text);
  }

  /** client.go retryWithExponentialBackoff: up to backoff.steps tries, sleeping on the Clock between them. */
  async retry<T>(backoff: Readonly<Backoff>, what: string, op: () => Promise<T>): Promise<T> {
    let duration = backoff.durationMs;
    for (let i = 1; ; i++) {
      try {
        return await op();
      } catch (e) {
        if (this.signal?.aborted) throw e;
        if (i >= backoff.steps) throw wrap(e, `action failed after ${i} attempts`);
        this.report.retries.push(`${what}: ${errorText(e)}`);
        this.log.debug({ err: errorText(e), attempt: i }, `Retrying with backoff: ${what}`);
      }
      // wait.Backoff.Step: the current duration (jittered), then the next one grows by the factor.
      const jittered = backoff.jitter > 0 && this.opts.random ? duration + this.opts.random.float() * backoff.jitter * duration : duration;
      duration *= backoff.factor;
      await this.clock.sleep(jittered, this.signal);
    }
  }

  async move(): Promise<MoveReport> {
    const graph = await this.getObjectGraph(this.opts.namespace);
    const clusters = graph.getClusters().sort(nodeOrder);
    this.report.clusters = clusters.map((c) => `${c.identity.namespace}/${c.identity.name}`);
    this.log.info({ clusters: clusters.length }, 'Moving Cluster API objects');

    // Sets the pause field on the Cluster object in the source management cluster, so the controllers stop reconciling it.
    await this.setClusterPause(this.source, 'source', clusters, true);
    await this.setClusterClassPause(this.source, 'source', graph.getClusterClasses().sort(nodeOrder), true);

    // Waiting for all resources to be ready to move.
    await this.waitReadyForMove(graph.getMoveNodes().sort(nodeOrder));

    // The move sequence: owners before the objects they own.
    const sequence = getMoveSequence(graph);
    this.report.groups = sequence.map((g) => g.map((n) => ({ ...n.identity })));

    // Create all objects group by group, ensuring all the ownerReferences are re-created.
    for (const [i, group] of sequence.entries()) {
      await this.createGroup(group);
      this.report.groups[i] = group.map((n) => ({ ...n.identity, newUID: n.newUID }));
    }

    // Delete all objects group by group in reverse order.
    for (let i = sequence.length - 1; i >= 0; i--) await this.deleteGroup(sequence[i] ?? []);

    // Resume the ClusterClasses, then the Clusters, in the target management cluster.
    await this.setClusterClassPause(this.target, 'target', graph.getClusterClasses().sort(nodeOrder), false);
    await this.setClusterPause(this.target, 'target', clusters, false);
    return this.report;
  }

  /** getObjectGraph. */
  private async getObjectGraph(namespace: string): Promise<ObjectGraph> {
    const graph = new ObjectGraph(this);
    await graph.getDiscoveryTypes();
    await graph.discovery(namespace);
    await this.checkProvisioningCompleted(graph);
    // checkVirtualNode: owners never observed are not moved.
    for (const n of graph.nodes()) if (n.virtual) this.log.debug({ kind: n.identity.kind, name: n.identity.name }, "Object won't be moved because it's not included in GVK considered for move");
    return graph;
  }

  private typeOf(n: Node): DiscoveryType {
    if (!n.type) throw new Error(`no resource known for ${n.str()}`);
    return n.type;
  }

  private refOf(n: Node, namespace = n.identity.namespace): ResourceRef {
    const t = this.typeOf(n);
    return { ...t.resource, namespace: t.namespaced ? namespace : undefined };
  }

  /** checkProvisioningCompleted: infrastructure ready and control plane initialized (and ready) on every Cluster, a nodeRef on every Machine. */
  private async checkProvisioningCompleted(graph: ObjectGraph): Promise<void> {
    const errs: Error[] = [];
    for (const c of graph.getClusters().sort(nodeOrder)) {
      const obj = await this.retry(readBackoff, `read ${c.str()}`, () => this.source.get(this.refOf(c), c.identity.name, { signal: this.signal }).catch((e: unknown) => Promise.reject(wrap(e, `error reading Cluster ${c.identity.namespace}/${c.identity.name}`))));
      const status = isObject(obj.status) ? obj.status : {};
      const spec = isObject(obj.spec) ? obj.spec : {};
      const where = `"${gvkString(c.identity.apiVersion, c.identity.kind)}" ${c.identity.namespace}/${c.identity.name}`;
      if (status.infrastructureReady !== true) {
        errs.push(new Error(`cannot start the move operation while ${where} is still provisioning the infrastructure`));
        continue;
      }
      const conditions = Array.isArray(status.conditions) ? (status.conditions as { type?: string; status?: string }[]) : [];
      if (!conditions.some((x) => x.type === 'ControlPlaneInitialized' && x.status === 'True')) {
        errs.push(new Error(`cannot start the move operation while the control plane for ${where} is not yet initialized`));
        continue;
      }
      if (spec.controlPlaneRef && status.controlPlaneReady !== true) {
        errs.push(new Error(`cannot start the move operation while the control plane for ${where} is not yet ready`));
      }
    }
    for (const m of graph.getMachines().sort(nodeOrder)) {
      const obj = await this.retry(readBackoff, `read ${m.str()}`, () => this.source.get(this.refOf(m), m.identity.name, { signal: this.signal }).catch((e: unknown) => Promise.reject(wrap(e, `error reading Machine ${m.identity.namespace}/${m.identity.name}`))));
      if (!(isObject(obj.status) && obj.status.nodeRef)) {
        errs.push(new Error(`cannot start the move operation while "${gvkString(m.identity.apiVersion, m.identity.kind)}" ${m.identity.namespace}/${m.identity.name} is still provisioning the node`));
      }
    }
    const err = aggregate(errs);
    if (err) throw wrap(err, 'failed to check for provisioned infrastructure');
  }

  /** setClusterPause: `{"spec":{"paused":true}}` on the source; `{"spec":{"paused":null}}` (dropping the field) on the target. */
  private async setClusterPause(client: KubeClient, side: 'source' | 'target', clusters: Node[], value: boolean): Promise<void> {
    const patch = { spec: { paused: value ? true : null } };
    for (const c of clusters) {
      await this.retry(writeBackoff, `pause ${c.str()}`, async () => {
        const ref = this.refOf(c);
        try {
          await client.get(ref, c.identity.name, { signal: this.signal });
        } catch (e) {
          throw wrap(e, `error reading Cluster ${c.identity.namespace}/${c.identity.name}`);
        }
        try {
          await client.patch(ref, c.identity.name, patch, 'merge', { signal: this.signal });
        } catch (e) {
          throw wrap(e, `error patching Cluster ${c.identity.namespace}/${c.identity.name}`);
        }
        this.step(side, `PATCH ${c.str()} ${JSON.stringify(patch)}`);
      }).catch((e: unknown) => Promise.reject(wrap(e, `error setting Cluster.Spec.Paused=${value}`)));
    }
  }

  /** setClusterClassPause: the paused annotation on ClusterClasses (set on the source, removed on the target). */
  private async setClusterClassPause(client: KubeClient, side: 'source' | 'target', classes: Node[], pause: boolean): Promise<void> {
    for (const cc of classes) {
      const patch = { metadata: { annotations: { [pausedAnnotation]: pause ? '' : null } } };
      await this.retry(writeBackoff, `pause ${cc.str()}`, async () => {
        await client.patch(this.refOf(cc), cc.identity.name, patch, 'merge', { signal: this.signal });
        this.step(side, `PATCH ${cc.str()} ${JSON.stringify(patch)}`);
      }).catch((e: unknown) => Promise.reject(wrap(e, `error ${pause ? 'pausing' : 'resuming'} ClusterClasses`)));
    }
  }

  /** waitReadyForMove: back off while an object carries the block-move annotation. */
  private async waitReadyForMove(nodes: Node[]): Promise<void> {
    for (const n of nodes) {
      if (!n.blockingMove) continue;
      await this.retry(waitForMoveUnblockedBackoff, `wait for ${n.str()}`, async () => {
        const obj = await this.source.get(this.refOf(n), n.identity.name, { signal: this.signal }).catch((e: unknown) => Promise.reject(wrap(e, `error getting ${n.str()}`)));
        if (obj.metadata.annotations && Object.hasOwn(obj.metadata.annotations, blockMoveAnnotation)) {
          throw new Error(`resource is not ready to move: ${gvkString(n.identity.apiVersion, n.identity.kind)}/${n.identity.namespace ?? ''}/${n.identity.name}`);
        }
      }).catch((e: unknown) => Promise.reject(wrap(e, 'error waiting for resources to be ready to move')));
    }
  }

  /** createGroup: every node of the group, each retried; the errors aggregated. */
  private async createGroup(group: Node[]): Promise<void> {
    const existingNamespaces = new Set<string>();
    const errs: Error[] = [];
    for (const n of group) {
      try {
        await this.retry(writeBackoff, `create ${n.str()}`, () => this.createTargetObject(n, existingNamespaces));
      } catch (e) {
        errs.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    const err = aggregate(errs);
    if (err) throw err;
  }

  /** createTargetObject: GET from the source, drop resourceVersion and ownerReferences, rebuild the owner chain, create (or update). */
  private async createTargetObject(n: Node, existingNamespaces: Set<string>): Promise<void> {
    const id = n.identity;
    let obj: KubeObject;
    try {
      obj = deepCopy(await this.source.get(this.refOf(n), id.name, { signal: this.signal }));
    } catch (e) {
      throw wrap(e, `error reading "${gvkString(id.apiVersion, id.kind)}" ${id.namespace ?? ''}/${id.name}`);
    }
    // New objects cannot have a specified resource version. Clear it out.
    delete obj.metadata.resourceVersion;
    // Removes current OwnerReferences, then rebuilds the owner chain with the target's UIDs.
    delete obj.metadata.ownerReferences;
    this.buildOwnerChain(obj, n);
    // kubernetes/kubernetes#32220: a name and a generateName make the server time out instead of AlreadyExists.
    if (obj.metadata.name && obj.metadata.generateName) delete obj.metadata.generateName;

    if (!n.isGlobal && id.namespace && !existingNamespaces.has(id.namespace)) {
      await this.ensureNamespace(id.namespace);
      existingNamespaces.add(id.namespace);
    }
    const ref = this.refOf(n, obj.metadata.namespace);
    let created: KubeObject;
    try {
      created = await this.target.create(ref, obj, { signal: this.signal });
      this.step('target', `POST ${n.str()}`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw wrap(e, `error creating "${gvkString(id.apiVersion, id.kind)}" ${id.namespace ?? ''}/${id.name}`);
      if (n.isGlobal || n.isGlobalHierarchy) {
        // Global objects (and what hangs below them) are created when missing, never updated.
        this.log.debug({ object: n.str() }, 'Object already exists, skipping upgrade because it is global/it is owned by a global object');
        const existing = await this.target.get(ref, id.name, { signal: this.signal });
        n.newUID = existing.metadata.uid;
        return;
      }
      // Nb. This should not happen, but it is supported to make move more resilient to unexpected interrupt/restarts of the move process.
      let existing: KubeObject;
      try {
        existing = await this.target.get(ref, id.name, { signal: this.signal });
      } catch (ge) {
        throw wrap(ge, `error reading resource for "${gvkString(id.apiVersion, id.kind)}" ${id.namespace ?? ''}/${id.name}`);
      }
      obj.metadata.uid = existing.metadata.uid;
      obj.metadata.resourceVersion = existing.metadata.resourceVersion;
      try {
        created = await this.target.update(ref, obj, { signal: this.signal });
        this.step('target', `PUT ${n.str()} (already existed)`);
      } catch (ue) {
        throw wrap(ue, `error updating "${gvkString(id.apiVersion, id.kind)}" ${id.namespace ?? ''}/${id.name}`);
      }
    }
    // Stores the new UID assigned to the newly created object.
    n.newUID = created.metadata.uid;
  }

  /** buildOwnerChain: ownerReferences to the owners' new UIDs, with their controller and blockOwnerDeletion attributes. */
  private buildOwnerChain(obj: KubeObject, n: Node): void {
    if (n.owners.size === 0) return;
    obj.metadata.ownerReferences = [...n.owners].map(([owner, attrs]) => ({
      apiVersion: owner.identity.apiVersion,
      kind: owner.identity.kind,
      name: owner.identity.name,
      uid: owner.newUID ?? '',
      ...(attrs.controller !== undefined ? { controller: attrs.controller } : {}),
      ...(attrs.blockOwnerDeletion !== undefined ? { blockOwnerDeletion: attrs.blockOwnerDeletion } : {}),
    }));
  }

  /** ensureNamespace: create the namespace on the target if it is missing. */
  private async ensureNamespace(namespace: string): Promise<void> {
    const ref: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
    try {
      await this.target.get(ref, namespace, { signal: this.signal });
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      await this.target.create(ref, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { signal: this.signal });
      this.step('target', `POST Namespace ${namespace}`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /** deleteGroup: every node of the group, each retried; the errors aggregated. */
  private async deleteGroup(group: Node[]): Promise<void> {
    const errs: Error[] = [];
    for (const n of group) {
      try {
        await this.retry(writeBackoff, `delete ${n.str()}`, () => this.deleteSourceObject(n));
      } catch (e) {
        errs.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    const err = aggregate(errs);
    if (err) throw err;
  }

  /**
   * deleteSourceObject: GET (gone: done), the delete-for-move annotation, then DELETE and finalizer removal
   * in the order of the variant, so that the object is deleted at once (force delete).
   */
  private async deleteSourceObject(n: Node): Promise<void> {
    // Don't delete cluster-wide nodes or nodes that are below a hierarchy that starts with a global object.
    if (n.isGlobal || n.isGlobalHierarchy || n.shouldNotDelete) return;
    const id = n.identity;
    const ref = this.refOf(n);
    const what = `"${gvkString(id.apiVersion, id.kind)}" ${id.namespace ?? ''}/${id.name}`;
    try {
      await this.source.get(ref, id.name, { signal: this.signal });
    } catch (e) {
      if (isNotFound(e)) {
        // If the object is already deleted, move on.
        this.recordDeleted(n);
        return;
      }
      throw wrap(e, `error reading ${what}`);
    }
    // controller-runtime's Patch decodes the response into sourceObj: the finalizers checked below are
    // the ones this annotation patch returned.
    let sourceObj: KubeObject;
    try {
      sourceObj = await this.source.patch(ref, id.name, addDeleteForMoveAnnotationPatch, 'json', { signal: this.signal });
      this.step('source', `PATCH ${n.str()} ${JSON.stringify(addDeleteForMoveAnnotationPatch)}`);
    } catch (e) {
      throw wrap(e, `error adding delete-for-move annotation from ${what}`);
    }
    const hadFinalizers = (sourceObj.metadata.finalizers ?? []).length > 0;
    if (!this.opts.fixed) {
      // Buggy (before #11814, v1.9.0–v1.9.4): finalizers removed first, then DELETE. In between, a
      // controller's EnsureFinalizer (#11286) may re-add its finalizer with a merge patch the server
      // accepts; the DELETE then only sets deletionTimestamp, and nobody removes that finalizer.
      if (hadFinalizers) await this.removeFinalizers(n, ref, what);
      await this.deleteObject(n, ref, what);
    } else if (this.opts.variant === undefined) {
      // Fixed (kubernetes-sigs/cluster-api #11814, v1.9.5 / v1.10.0): DELETE first. The object gets its
      // deletionTimestamp, after which no controller can add a finalizer any more (422); removing the
      // finalizers then deletes it.
      await this.deleteObject(n, ref, what);
      if (hadFinalizers) await this.removeFinalizers(n, ref, what);
    } else {
      await this.deleteSourceObjectVariant(this.opts.variant, n, ref, what, hadFinalizers);
    }
        this.recordDeleted(n);
  }

  /** The DeleteSourceVariant steps after the delete-for-move annotation. */
  private async deleteSourceObjectVariant(variant: DeleteSourceVariant, n: Node, ref: ResourceRef, what: string, hadFinalizers: boolean): Promise<void> {
    switch (variant) {
      case 'delete-without-waiting': {
        const deleting = this.deleteObject(n, ref, what);
        const removing = hadFinalizers ? this.removeFinalizers(n, ref, what) : Promise.resolve(undefined);
        await Promise.all([deleting, removing]);
        return;
      }
      case 'remove-finalizers-twice':
        if (hadFinalizers) {
          await this.removeFinalizers(n, ref, what);
          await this.removeFinalizers(n, ref, what);
        }
        await this.deleteObject(n, ref, what);
        return;
      case 'skip-cluster-delete':
        if (hadFinalizers) await this.removeFinalizers(n, ref, what);
        if (n.identity.kind !== 'Cluster') await this.deleteObject(n, ref, what);
        return;
      case 'delete-only':
        await this.deleteObject(n, ref, what);
        return;
      case 'await-deletion-timestamp':
        await this.deleteObject(n, ref, what);
        if (!hadFinalizers) return;
        {
          // Gone already (no finalizer left): nothing to remove.
          const gone = await this.retry(readBackoff, `wait for ${n.str()} to be deleting`, async () => {
            let obj: KubeObject;
            try {
              obj = await this.source.get(ref, n.identity.name, { signal: this.signal });
            } catch (e) {
              if (isNotFound(e)) return true;
              throw e;
            }
            if (!obj.metadata.deletionTimestamp) throw new Error(`${what} has no deletionTimestamp yet`);
            return false;
          });
          if (!gone) await this.removeFinalizers(n, ref, what);
        }
        return;
      case 'remove-again-after-delete': {
        if (hadFinalizers) await this.removeFinalizers(n, ref, what);
        const left = await this.deleteObject(n, ref, what);
        if (left?.metadata.deletionTimestamp && (left.metadata.finalizers ?? []).length > 0) await this.removeFinalizers(n, ref, what);
        return;
      }
    }
  }

  private async removeFinalizers(n: Node, ref: ResourceRef, what: string): Promise<KubeObject> {
    try {
      const patched = await this.source.patch(ref, n.identity.name, removeFinalizersPatch, 'merge', { signal: this.signal });
      this.step('source', `PATCH ${n.str()} ${JSON.stringify(removeFinalizersPatch)}`);
      return patched;
    } catch (e) {
      throw wrap(e, `error removing finalizers from ${what}`);
    }
  }

  /** DELETE; the object when the reply shows it still there (Terminating), undefined when it is gone. */
  private async deleteObject(n: Node, ref: ResourceRef, what: string): Promise<KubeObject | undefined> {
    let res: KubeObject | Status;
    try {
      res = await this.source.delete(ref, n.identity.name, { signal: this.signal });
      this.step('source', `DELETE ${n.str()}`);
    } catch (e) {
      throw wrap(e, `error deleting ${what}`);
    }
    return res.kind === 'Status' ? undefined : (res as KubeObject);
  }

  private recordDeleted(n: Node): void {
    if (!this.report.deleted.some((d) => d.uid === n.identity.uid)) this.report.deleted.push({ ...n.identity });
  }
}

/**
 * `clusterctl move --namespace NS`: moves the Cluster API objects of `namespace` from `from` to `to`.
 * Resolves with what it did; rejects with a MoveError (its report says how far it got) on the first step
 * that failed after its retries.
 */
export async function move(opts: MoveOptions): Promise<MoveReport> {
  const mover = new Mover(opts);
  try {
    return await mover.move();
  } catch (e) {
    throw new MoveError(errorText(e), mover.report, { cause: e });
  }
}
