// `racelab serve --storage etcd=URL` as a process: SIGTERM during a write load loses no acknowledged write,
// and a second server over the same etcd and prefix serves them all. Skips only without an etcd binary.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { etcdSkip, startEtcd, type TestEtcd } from '../testing/etcd.ts';
import { eventually } from '../testing/eventually.ts';
import { startRacelabProcess, type RacelabServer } from './testing/kubectl.ts';

const skip = etcdSkip();
const ready = /listening on (http:\/\/\S+)/;

describe('racelab serve on etcd', { skip }, () => {
  let etcd: TestEtcd | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(() => etcd?.stop());

  const serve = (prefix: string): Promise<RacelabServer> =>
    startRacelabProcess(['serve', '--port', '0', '--storage', `etcd=${(etcd as TestEtcd).url}`, '--etcd-prefix', prefix], ready);

  it('keeps every acknowledged write when the server is stopped with SIGTERM during a write load', async (t) => {
    const first = await serve('/registry-restart');
    t.after(() => first.stop());
    const acknowledged: string[] = [];
    const refused: number[] = [];
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; ; i++) {
        const name = `w${w}-${i}`;
        let status: number;
        try {
          const res = await fetch(`${first.url}/api/v1/namespaces/default/configmaps`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { w: String(w), i: String(i) } }),
          });
          status = res.status;
          await res.arrayBuffer();
        } catch {
          return; // the server is gone: this write was not acknowledged
        }
        if (status !== 201) {
          refused.push(status);
          return;
        }
        acknowledged.push(name);
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await eventually(() => acknowledged.length >= 40, 'forty acknowledged writes');
    process.kill(first.pid, 'SIGTERM');
    assert.equal(await first.exitCode(), 0, first.log());
    await Promise.all(writers);

    const second = await serve('/registry-restart');
    t.after(() => second.stop());
    const res = await fetch(`${second.url}/api/v1/namespaces/default/configmaps`);
    const names = new Set(((await res.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name));
    const lost = acknowledged.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `${acknowledged.length} acknowledged, ${names.size} present`);
    assert.ok(refused.every((s) => s >= 500), `only failures of the stopping server: ${refused.join(',')}`);
  });

  it('refuses a storage spec it cannot use, with a clear message', async () => {
    await assert.rejects(startRacelabProcess(['serve', '--port', '0', '--storage', 'etcd=localhost:2379'], ready), /--storage etcd=URL needs http:\/\/HOST:PORT URLs, got "localhost:2379"/);
  });
});
