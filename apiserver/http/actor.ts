// Who sent a request: the bearer token names the actor (client-node and racelab's clients send one);
// kubectl over http sends none, so its User-Agent stands in. When the server requires a token, the token
// is a shared secret and never an actor's name: racelab's clients then go by their User-Agent (racelab-X).
import type { Request } from 'express';

const fromUserAgent = new WeakSet<Request>();

/** Marks a request whose bearer token must not name its actor (it authenticated with the server's token). */
export function actorFromUserAgent(req: Request): void {
  fromUserAgent.add(req);
}

export function actorOf(req: Request): string {
  const ua = req.headers['user-agent'];
  if (fromUserAgent.has(req)) return ua?.startsWith('racelab-') ? ua.slice('racelab-'.length) : (ua ?? 'anonymous');
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return ua ?? 'anonymous';
}
