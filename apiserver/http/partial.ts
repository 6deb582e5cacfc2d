// Metadata-only replies (Accept ...;as=PartialObjectMetadata(List);g=meta.k8s.io;v=v1), which client-go's
// metadata client and controller-runtime's metadata informers ask for (apiserver handlers/response.go
// transformObject, asPartialObjectMetadata and asPartialObjectMetadataList).
import type { KubeObject } from '../machinery/object.ts';
import type { WatchEncoder } from './watch.ts';

export const partialApiVersion = 'meta.k8s.io/v1';

export function partialContentType(kind: 'PartialObjectMetadata' | 'PartialObjectMetadataList'): string {
  return `application/json;as=${kind};g=meta.k8s.io;v=v1`;
}

export function partialOf(obj: KubeObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: partialApiVersion, metadata: obj.metadata };
}

export function partialList(items: readonly KubeObject[], meta: { resourceVersion: string; continue?: string; remainingItemCount?: number }): object {
  return { kind: 'PartialObjectMetadataList', apiVersion: partialApiVersion, metadata: meta, items: items.map(partialOf) };
}

/** Watch events carry PartialObjectMetadata objects; bookmarks too. */
export const partialWatchEncoder: WatchEncoder = (item) => {
  const object = item.type === 'BOOKMARK' || item.object === undefined ? { kind: 'PartialObjectMetadata', apiVersion: partialApiVersion, metadata: { resourceVersion: String(item.revision) } } : partialOf(item.object);
  return `${JSON.stringify({ type: item.type, object })}\n`;
};
