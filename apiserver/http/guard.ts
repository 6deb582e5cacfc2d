// Who may talk to the server at all: the Host header (against DNS rebinding), the Origin header (browsers;
// upstream's --cors-allowed-origins), the bearer token (--token), and the media type of request bodies (a
// text/plain POST needs no CORS preflight, so it must never be decoded). Each refusal is a Status.
import type { NextFunction, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { forbidden, unauthorized, type StatusError } from '../machinery/errors.ts';
import { actorFromUserAgent } from './actor.ts';
import { checkMediaType } from './body.ts';
import { sendStatus } from './respond.ts';

export interface AccessOptions {
  /** The bearer token every request must carry (racelab serve --token); none: no authentication. */
  token?: string;
  /** Regular expressions an Origin header must match (--cors-allowed-origins); none: every Origin is refused. */
  corsAllowedOrigins?: readonly string[];
  /** Host names accepted besides loopback ones and the bound host (--allowed-hosts); `*` accepts any. */
  allowedHosts?: readonly string[];
  /** The address the server binds (--host). */
  bindHost?: string;
}

/** Paths anyone may read without a token, as system:public-info-viewer may upstream. */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/** The host part of a Host header, lower-cased, without brackets or port. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (isIP(hostname) === 4) return hostname.startsWith('127.');
  return hostname === '::1';
}

function tokenMatches(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

const deny = (res: Response, err: StatusError): void => sendStatus(res, err.status);

export function accessGuard(opts: AccessOptions) {
  const origins = (opts.corsAllowedOrigins ?? []).map((o) => new RegExp(o));
  const hosts = new Set((opts.allowedHosts ?? []).map((h) => h.toLowerCase()));
  if (opts.bindHost) hosts.add(hostnameOf(opts.bindHost.includes(':') && !opts.bindHost.startsWith('[') ? `[${opts.bindHost}]` : opts.bindHost));
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.headers.host;
    if (host !== undefined && !hosts.has('*')) {
      const name = hostnameOf(host);
      if (!isLoopback(name) && !hosts.has(name)) {
        deny(res, forbidden({ group: '', resource: '' }, '', `host ${JSON.stringify(name)} is not allowed; start the server with --allowed-hosts to accept it`));
        return;
      }
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      // filters/cors.go WithCORS: the allowed origin is echoed with the methods and headers kubectl proxy allows.
      if (!origins.some((re) => re.test(origin))) {
        deny(res, forbidden({ group: '', resource: '' }, '', `origin ${JSON.stringify(origin)} is not allowed; start the server with --cors-allowed-origins to accept it`));
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS, PUT, DELETE, PATCH');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, X-Requested-With, If-Modified-Since');
      res.setHeader('Access-Control-Expose-Headers', 'Date');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    if (opts.token !== undefined) {
      const auth = req.headers.authorization;
      const bearer = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
      if (bearer === undefined ? !publicPaths.has(req.path) : !tokenMatches(bearer, opts.token)) {
        deny(res, unauthorized());
        return;
      }
      // The token is a secret shared by every client: the User-Agent names the actor instead.
      actorFromUserAgent(req);
    }
    try {
      checkMediaType(req.headers['content-type'], Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined);
    } catch (e) {
      deny(res, e as StatusError);
      return;
    }
    next();
  };
}
