// A child process of the fan-out benchmark: opens N watch streams and records, for every line, the
// absolute time it arrived. Lines arrive in revision order, so line k of each stream is write k.
import { Agent, request } from 'undici';

interface Start {
  url: string;
  rv: string;
  watchers: number;
  total: number;
}

const now = (): number => performance.timeOrigin + performance.now();

process.once('message', async (msg: Start) => {
  const dispatcher = new Agent({ connections: msg.watchers + 1, bodyTimeout: 0, headersTimeout: 0 });
  const arrivals: number[][] = [];
  let opened = 0;
  const streams = Array.from({ length: msg.watchers }, async (_, w) => {
    const times: number[] = [];
    arrivals[w] = times;
    const res = await request(`${msg.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${msg.rv}`, { dispatcher });
    if (++opened === msg.watchers) process.send?.({ ready: true });
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const t = now();
      let i = -1;
      while ((i = chunk.indexOf(10, i + 1)) >= 0) times.push(t);
      if (times.length >= msg.total) break;
    }
    res.body.destroy();
  });
  await Promise.all(streams);
  process.send?.({ arrivals }, () => process.exit(0));
});
