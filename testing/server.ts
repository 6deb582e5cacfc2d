// Test support: a real API server on 127.0.0.1, an ephemeral port, closed when the test ends.
import type { TestContext } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer, type ApiServerConfig } from '../apiserver/apiserver.ts';
import { kubeConfigFor } from '../clients/kube/config.ts';

export interface TestServer extends ApiServer {
  kc(actor?: string): k8s.KubeConfig;
  core(actor?: string): k8s.CoreV1Api;
  custom(actor?: string): k8s.CustomObjectsApi;
  /** fetch against the server, with a path. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

type Hookable = Pick<TestContext, 'after'> | { after(fn: () => Promise<void> | void): void };

export async function testServer(t: Hookable, cfg: ApiServerConfig = {}): Promise<TestServer> {
  const server = await startApiServer({ port: 0, host: '127.0.0.1', ...cfg });
  t.after(() => server.close());
  const kc = (actor = 'test'): k8s.KubeConfig => kubeConfigFor(server.url, actor);
  return {
    ...server,
    kc,
    core: (actor) => kc(actor).makeApiClient(k8s.CoreV1Api),
    custom: (actor) => kc(actor).makeApiClient(k8s.CustomObjectsApi),
    fetch: (path, init) => fetch(server.url + path, init),
  };
}

/** The Status body of a client-node ApiException. */
export function statusOf(e: unknown): { code: number; reason?: string; message?: string; details?: Record<string, unknown> } {
  const err = e as { code?: number; body?: string };
  if (typeof err.code !== 'number' || typeof err.body !== 'string') throw e;
  return JSON.parse(err.body) as { code: number; reason?: string; message?: string };
}

export const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const strategicPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
export const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
