// Test support: a TCP round-robin balancer on 127.0.0.1 port 0, standing in for the compose ha profile's
// haproxy (deploy/ha/haproxy.cfg, balance roundrobin in mode tcp): each new connection goes to the next
// backend, so a client's reconnect lands on the other API server.
import { connect, createServer, type Socket } from 'node:net';

export interface RoundRobin {
  url: string;
  /** Connections sent to each backend, in backend order. */
  connections: number[];
  close(): Promise<void>;
}

export async function roundRobin(backends: readonly string[]): Promise<RoundRobin> {
  const targets = backends.map((b) => new URL(b));
  const connections = targets.map(() => 0);
  const sockets = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    const i = next++ % targets.length;
    connections[i] = (connections[i] ?? 0) + 1;
    const target = targets[i] as URL;
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
