// serviceaccount-default: the ServiceAccounts controller's own invariants under exploration (kubernetes
// pkg/controller/serviceaccount/serviceaccounts_controller.go syncNamespace). Namespaces are created, one is
// deleted while the controller may still be making its account (`brief`), one is deleted once it has it
// (`hold`), both kept Terminating by a spec finalizer; a user deletes `default` in `team-a` and labels
// `team-b` (a second sync of a namespace that has its account). Whatever the order of requests and watch
// events: no ServiceAccount is ever made in a terminating namespace, the controller never fails on the
// AlreadyExists of a stale cache or on the refusal of a terminating namespace, and at quiescence every
// active namespace has `default` and the terminating ones have none.
import type { HistoryEntry } from '../../apiserver/interleave/types.ts';
import type { KubeObject } from '../../apiserver/machinery/object.ts';
import { newServiceAccountsManager, type ServiceAccountsMutant } from '../../controllers/serviceaccount/serviceaccount.ts';
import { lastSeq, notes, violation } from '../engine/checkers.ts';
import type { Violation } from '../engine/report.ts';
import type { ScenarioCase } from '../engine/types.ts';
import { reconcileErrorNotes } from '../cases/clusterapisupport.ts';
import { latest, objectLog, recordObjects, seqOfRevision, startControllers } from './support.ts';

const horizonMs = 60_000;
const controller = 'serviceaccount-controller';
const namespaces = { group: '', version: 'v1', plural: 'namespaces' };
const sas = (namespace: string) => ({ group: '', version: 'v1', plural: 'serviceaccounts', namespace });
/** A finalizer no one removes: a deleted namespace stays Terminating (after its content is deleted). */
const holdFinalizer = 'racelab.io/hold';
const active = ['team-a', 'team-b'];
const terminating = ['hold', 'brief'];

const namespace = (name: string, hold: boolean): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...(hold ? { spec: { finalizers: ['kubernetes', holdFinalizer] } } : {}) });

/** The history seq of the create that wrote ServiceAccount `namespace`/`name` at revision `rev`. */
function createSeq(history: readonly HistoryEntry[], namespace: string, name: string, rev: number): number[] {
  const resp = history.find((e) => e.type === 'response' && e.verb === 'create' && e.resource === 'serviceaccounts' && e.namespace === namespace && e.name === name && e.objectRv === String(rev));
  return resp ? [resp.seq] : seqOfRevision(history, rev);
}

/** Whether the create answered at `seq` was let through before its namespace's deletion was committed. */
function admittedBeforeTerminating(history: readonly HistoryEntry[], seq: number | undefined): boolean {
  const resp = history.find((e) => e.seq === seq);
  if (resp?.type !== 'response' || resp.resource !== 'serviceaccounts') return false;
  const req = history.find((e) => e.seq === resp.request);
  const deleted = history.find((e) => e.type === 'response' && e.verb === 'delete' && e.resource === 'namespaces' && e.name === resp.namespace && e.code < 300);
  // The delete's reply carries the revision that marked the namespace Terminating.
  return req?.type === 'request' && deleted?.type === 'response' && req.rvBefore < Number(deleted.objectRv);
}

export const serviceAccountDefault: ScenarioCase = {
  name: 'serviceaccount-default',
  kind: 'property',
  title: 'Every active namespace has its default ServiceAccount; none is made in a terminating one',
  upstream: { issue: 'kubernetes/kubernetes pkg/controller/serviceaccount/serviceaccounts_controller.go', fix: '', url: 'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/serviceaccount/serviceaccounts_controller.go' },
  description:
    'The ServiceAccounts controller alone. Namespaces team-a and team-b stay active; `brief` is deleted right after it is created (the controller may still be making its account, and the create is refused: 403 NamespaceTerminating), `hold` once it has its account; a spec finalizer keeps both Terminating. ' +
    'A user then deletes `default` in team-a and labels team-b. ' +
    'Invariants: no ServiceAccount is ever created in a terminating namespace, the controller never reports an AlreadyExists or a NamespaceTerminating refusal as a failure, and at quiescence team-a and team-b have `default` and the terminating namespaces have no account.',
  horizonMs,
  faultTolerant: [controller],
  async run({ world, mutant }) {
    const log = await recordObjects(world);
    const mgr = newServiceAccountsManager({ kc: world.kc(controller), clock: world.clock, logger: reconcileErrorNotes(world, controller), ...(mutant ? { mutant: mutant as ServiceAccountsMutant } : {}) });
    await startControllers(world, horizonMs, [mgr]);
    const setup = world.client('setup');
    world.note('setup', 'step', 'create namespaces team-a, team-b, hold and brief; delete brief at once');
    for (const name of active) await setup.create(namespaces, namespace(name, false));
    await setup.create(namespaces, namespace('hold', true));
    await setup.create(namespaces, namespace('brief', true));
    await setup.delete(namespaces, 'brief');
    const has = (ns: string): boolean => latest(log, 'ServiceAccount', ns, 'default') !== undefined;
    if (await world.runUntil(() => [...active, 'hold'].every(has), horizonMs)) world.note('setup', 'step', 'team-a, team-b and hold have default');
    world.note('setup', 'step', 'delete namespace hold, ServiceAccount team-a/default; label team-b');
    await setup.delete(namespaces, 'hold');
    await setup.delete(sas('team-a'), 'default');
    await setup.patch(namespaces, 'team-b', { metadata: { labels: { team: 'b' } } });
  },
  mutants: [
    { name: 'no-recreate-on-delete', kind: 'mutant', description: 'a deleted ServiceAccount does not sync its namespace again (no serviceAccountDeleted handler)' },
    { name: 'create-without-checking-cache', kind: 'mutant', description: 'syncNamespace creates the accounts without asking the lister and reports the AlreadyExists that follows as a failure' },
    { name: 'forbidden-is-error', kind: 'mutant', description: 'the create refused because the namespace is terminating is reported as a failure and retried' },
  ],
  knownLimitations: [
    {
      name: 'create-admitted-before-terminating',
      description:
        "The NamespaceLifecycle admission check and the write are not one step: a create admitted while the namespace was still Active is written even when the namespace's deletion commits in between (upstream's admission reads its namespace informer, which can lag further); the namespace controller then deletes the account with the rest of the namespace's content.",
      upstream: 'kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go',
      matches: (v, history) => v.invariant === 'none-in-terminating-namespace' && admittedBeforeTerminating(history, v.seqs[0]),
    },
  ],
  invariants: [
    {
      name: 'none-in-terminating-namespace',
      kind: 'safety',
      check({ world, history }) {
        const out: Violation[] = [];
        const deleting = new Set<string>();
        for (const it of objectLog(world).all()) {
          const o = it.object;
          if (o?.kind === 'Namespace') {
            if (o.metadata.deletionTimestamp && it.type !== 'DELETED') deleting.add(o.metadata.name ?? '');
            else deleting.delete(o.metadata.name ?? '');
          } else if (o?.kind === 'ServiceAccount' && it.type === 'ADDED' && deleting.has(o.metadata.namespace ?? '')) {
            out.push(violation('none-in-terminating-namespace', `ServiceAccount ${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''} was created in a terminating namespace`, createSeq(history, o.metadata.namespace ?? '', o.metadata.name ?? '', it.revision)));
          }
        }
        return out;
      },
    },
    {
      name: 'no-already-exists-or-terminating-errors',
      kind: 'safety',
      check({ history }) {
        // Injected faults (500, 429) are failures the controller retries; these two it must absorb.
        const bad = notes(history, 'error', controller).filter((n) => /already exists|being terminated/.test(n.text));
        return bad.slice(0, 1).map((n) => violation('no-already-exists-or-terminating-errors', `${controller} failed: ${n.text}`, [n.seq]));
      },
    },
    {
      name: 'default-in-every-active-namespace',
      kind: 'liveness',
      check({ world, history }) {
        const log = objectLog(world);
        const missing = active.filter((ns) => latest(log, 'ServiceAccount', ns, 'default') === undefined);
        const left = terminating.filter((ns) => latest(log, 'ServiceAccount', ns, 'default') !== undefined);
        const out: Violation[] = [];
        if (missing.length > 0) out.push(violation('default-in-every-active-namespace', `no default ServiceAccount at quiescence in ${missing.join(', ')}`, lastSeq(history)));
        if (left.length > 0) out.push(violation('default-in-every-active-namespace', `a default ServiceAccount remains in terminating ${left.join(', ')}`, lastSeq(history)));
        return out;
      },
    },
  ],
};
