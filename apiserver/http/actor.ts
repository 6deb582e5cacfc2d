// Who sent a request: the bearer token names the actor (client-node and racelab's clients send one);
// kubectl over http sends none, so its User-Agent stands in.
import type { Request } from 'express';

export function actorOf(req: Request): string {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return req.headers['user-agent'] ?? 'anonymous';
}
