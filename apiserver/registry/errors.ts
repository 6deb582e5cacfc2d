// The one place where storage errors become API Status errors.
import type { KindInfo } from '../api/kinds.ts';
import { conflict, expired, internalError, notFound, alreadyExists, optimisticLockErrorMsg, StatusError } from '../machinery/errors.ts';
import { StorageError } from '../storage/interface.ts';

export function toStatusError(e: unknown, info: KindInfo, name: string): StatusError {
  if (e instanceof StatusError) return e;
  if (!(e instanceof StorageError)) return internalError(e instanceof Error ? e.message : String(e));
  const gr = { group: info.group, resource: info.plural };
  switch (e.code) {
    case 'KeyNotFound':
      return notFound(gr, name);
    case 'KeyExists':
      return alreadyExists(gr, name);
    case 'PreconditionFailed':
      return conflict(gr, name, optimisticLockErrorMsg);
    case 'Expired':
      return expired(e.message);
    default:
      return internalError(e.message);
  }
}
