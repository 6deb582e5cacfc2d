// The Capsule soak for `npm run bench`: the fixed GlobalTenantResource controller replicates `sources`
// Secrets into `namespaces` tenant namespaces (spread over `tenants` tenants) on an in-process API server,
// under a Supervisor; reports how long it took to converge (every replica present with its labels and
// status.processedItems listing exactly them) and how often the process restarted (must be 0).
import { startApiServer } from '../apiserver/apiserver.ts';
import { RealClock, type Clock } from '../apiserver/machinery/clock.ts';
import type { Logger } from '../apiserver/machinery/log.ts';
import { SeededRandom } from '../apiserver/machinery/random.ts';
import { actorKubeConfig } from '../clients/kube/actor.ts';
import { KubeClient, type ResourceRef } from '../clients/kube/client.ts';
import { Informer } from '../clients/kube/informer.ts';
import { Supervisor } from '../controllers/runtime/supervisor.ts';
import { capsuleControllerProcess } from '../controllers/capsule/globaltenantresource.ts';
import { globalTenantResourceResource, objectReferenceString, resourcesLabel, tenantLabel, tenantResource, type GlobalTenantResource } from '../controllers/capsule/types.ts';

export interface SoakOptions {
  /** Source objects matched by the GlobalTenantResource. Default 20. */
  sources?: number;
  /** Tenant namespaces. Default 50. */
  namespaces?: number;
  /** Tenants the namespaces are spread over. Default 5. */
  tenants?: number;
  /** Give up after this long (ms on the clock). Default 60 s. */
  timeoutMs?: number;
  /** false runs the buggy v0.7.2 controller instead (it may crash on the natural timing). Default true. */
  fixed?: boolean;
  logger?: Logger;
}

export interface SoakResult {
  convergeMs: number;
  restarts: number;
  replicas: number;
}

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const secretsRef: ResourceRef = { group: '', version: 'v1', plural: 'secrets' };
const tntRef: ResourceRef = { group: tenantResource.group, version: tenantResource.version, plural: tenantResource.plural };
const gtrRef: ResourceRef = { group: globalTenantResourceResource.group, version: globalTenantResourceResource.version, plural: globalTenantResourceResource.plural };

export async function soak(opts: SoakOptions = {}): Promise<SoakResult> {
  const sources = opts.sources ?? 20;
  const namespaces = opts.namespaces ?? 50;
  const tenants = Math.max(1, Math.min(opts.tenants ?? 5, namespaces));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // Real time: a benchmark measures it. The controller's timers (the 60 s resync) never fall due here.
  const clock: Clock = new RealClock();
  const server = await startApiServer({ port: 0, host: '127.0.0.1', clock, random: new SeededRandom(1), logger: opts.logger });
  const client = new KubeClient(actorKubeConfig(server.url, 'soak'));
  let sup: Supervisor | undefined;
  let informer: Informer<GlobalTenantResource> | undefined;
  const stopInformer = new AbortController();
  try {
    const tenantOf = (i: number): string => `tenant-${i % tenants}`;
    const want = new Set<string>();
    await client.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'soak-source' } });
    for (let t = 0; t < tenants; t++) {
      await client.create(tntRef, { apiVersion: 'capsule.clastix.io/v1beta2', kind: 'Tenant', metadata: { name: `tenant-${t}`, labels: { soak: 'yes' } }, spec: { owners: [{ kind: 'User', name: `owner-${t}` }] } });
    }
    for (let n = 0; n < namespaces; n++) {
      const name = `soak-${n}`;
      await client.create(nsRef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [tenantLabel]: tenantOf(n) } } });
      for (let s = 0; s < sources; s++) want.add(objectReferenceString({ kind: 'Secret', apiVersion: 'v1', namespace: name, name: `source-${s}` }));
    }
    for (let s = 0; s < sources; s++) {
      await client.create(
        { ...secretsRef, namespace: 'soak-source' },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: `source-${s}`, labels: { replicate: 'yes' } }, type: 'Opaque', data: { value: Buffer.from(`value-${s}`).toString('base64') } },
      );
    }

    // Converged when the status lists exactly the wanted replicas (checked against the cluster below).
    let resolveConverged!: () => void;
    const converged = new Promise<void>((resolve) => (resolveConverged = resolve));
    const check = (gtr: GlobalTenantResource): void => {
      const items = gtr.status?.processedItems ?? [];
      if (items.length === want.size && items.every((i) => want.has(objectReferenceString(i)))) resolveConverged();
    };
    informer = new Informer<GlobalTenantResource>({ resource: globalTenantResourceResource, kc: actorKubeConfig(server.url, 'soak'), clock, logger: opts.logger });
    informer.addEventHandler({ onAdd: check, onUpdate: (_old, gtr) => check(gtr) });
    const informerDone = informer.run(stopInformer.signal);
    await informer.waitForSync(stopInformer.signal);

    const spec = capsuleControllerProcess({ kc: actorKubeConfig(server.url, 'capsule'), clock, fixed: opts.fixed ?? true, logger: opts.logger });
    sup = new Supervisor({ spec, clock, logger: opts.logger });
    const t0 = clock.now();
    sup.start();
    await client.create(gtrRef, {
      apiVersion: 'capsule.clastix.io/v1beta2',
      kind: 'GlobalTenantResource',
      metadata: { name: 'soak' },
      spec: {
        tenantSelector: { matchLabels: { soak: 'yes' } },
        resyncPeriod: '60s',
        resources: [{ namespacedItems: [{ apiVersion: 'v1', kind: 'Secret', namespace: 'soak-source', selector: { matchLabels: { replicate: 'yes' } } }] }],
      },
    });
    const timeout = clock.sleep(timeoutMs, stopInformer.signal).then(() => Promise.reject(new Error(`soak: not converged after ${timeoutMs} ms (restarts: ${sup?.restartCount})`)));
    timeout.catch(() => undefined); // settled by the abort below when the soak converged first
    await Promise.race([converged, timeout]);
    const convergeMs = clock.now() - t0;

    const replicas = (await client.list(secretsRef, { labelSelector: resourcesLabel })).items;
    const have = new Set(replicas.map((r) => objectReferenceString({ kind: 'Secret', apiVersion: 'v1', namespace: r.metadata.namespace ?? '', name: r.metadata.name ?? '' })));
    if (have.size !== want.size || ![...want].every((k) => have.has(k))) {
      throw new Error(`soak: status lists ${want.size} replicas but the cluster holds ${have.size} matching ones`);
    }
    const restarts = sup.restartCount;
    stopInformer.abort();
    await informerDone;
    return { convergeMs, restarts, replicas: have.size };
  } finally {
    stopInformer.abort();
    await sup?.stop();
    await server.close();
  }
}
