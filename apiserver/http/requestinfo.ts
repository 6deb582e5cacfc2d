// A request as the interleaving layer sees it: actor, verb, resource, name and a lazily decoded body.
import type { Request } from 'express';
import type { RequestInfo, Verb } from '../interleave/types.ts';
import { actorOf } from './actor.ts';
import { parseJsonBody, parseYamlText } from './body.ts';
import type { ResourcePath } from './paths.ts';
import { isTrue } from './query.ts';

function verbOf(method: string, p: ResourcePath, query: URLSearchParams): Verb {
  switch (method) {
    case 'GET':
      return p.name !== undefined ? 'get' : isTrue(query.get('watch')) ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    default:
      return p.name !== undefined ? 'delete' : 'deletecollection';
  }
}

export function requestInfo(req: Request, p: ResourcePath): RequestInfo {
  const query = new URL(req.originalUrl, 'http://x').searchParams;
  const method = req.method.toUpperCase();
  let decoded: { value: unknown } | undefined;
  return {
    actor: actorOf(req),
    verb: verbOf(method, p, query),
    method,
    group: p.group,
    version: p.version,
    resource: p.plural,
    subresource: p.subresource,
    namespace: p.namespace,
    name: p.name,
    query,
    body: () => {
      if (!decoded) {
        const buf = Buffer.isBuffer(req.body) ? req.body : undefined;
        const raw = buf ? buf.toString('utf8') : '';
        let value: unknown;
        if (raw.trim() !== '') {
          // JSON first, parsed once for the handler too; then YAML; a body the handler refuses reads as none.
          try {
            value = buf && /^\s*[[{]/.test(raw) ? parseJsonBody(buf) : parseYamlText(raw);
          } catch {
            try {
              value = parseYamlText(raw);
            } catch {
              value = undefined;
            }
          }
        }
        decoded = { value };
      }
      return decoded.value;
    },
  };
}
