// `--storage etcd=URL`: the etcd store behind this server's own watch cache, as kube-apiserver runs it.
import type { Clock } from '../../machinery/clock.ts';
import type { Logger } from '../../machinery/log.ts';
import { Cacher } from '../cacher.ts';
import { EtcdStore } from './store.ts';

export interface EtcdStorageOptions {
  url: string;
  /** Key prefix in etcd (kube-apiserver's --etcd-prefix); default /registry. */
  root?: string;
  /** Events in the watch cache's window, and revisions snapshot lists may reach back. */
  historyLimit?: number;
  freshnessTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Connects to etcd and resolves once this server's watch cache holds the current state. */
export async function openEtcdStorage(opts: EtcdStorageOptions): Promise<Cacher> {
  const store = new EtcdStore({ url: opts.url, root: opts.root, historyLimit: opts.historyLimit });
  try {
    return await Cacher.start(store, {
      historyLimit: opts.historyLimit,
      freshnessTimeoutMs: opts.freshnessTimeoutMs,
      clock: opts.clock,
      logger: opts.logger,
    });
  } catch (e) {
    await store.close();
    throw e;
  }
}
