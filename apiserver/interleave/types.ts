// What the HTTP layer tells the interleaving layer, and what it may do in return: hold or fail a request
// before it is served, learn its outcome, and hold back watch deliveries to an actor.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface RequestInfo {
  /** Who sent it: the bearer token, else the User-Agent. */
  actor: string;
  verb: Verb;
  method: string;
  group: string;
  version: string;
  /** The plural, e.g. `clusters`. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  query: URLSearchParams;
  /** The decoded request body (JSON or YAML), or undefined when there is none or it does not parse. */
  body(): unknown;
}

export interface RequestOutcome {
  code: number;
  reason?: string;
  /** The resourceVersion of the object written or read, when the reply carries one. */
  resourceVersion?: string;
  /** The name the server gave the object (generateName). */
  name?: string;
}

/** One item of a watch stream, as the interleaving layer sees it. */
export interface DeliveryItem {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly revision: number;
  readonly object?: { kind?: string; apiVersion?: string; metadata: { name?: string; namespace?: string; resourceVersion?: string } };
}

export interface WatchInfo {
  actor: string;
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  query: URLSearchParams;
}

export interface Interleaver {
  /**
   * Called before a request is served. It may wait (hold the request) or throw a StatusError (fail it).
   * The returned function is called once with the outcome.
   */
  beginRequest(info: RequestInfo): Promise<(outcome: RequestOutcome) => void>;
  /**
   * Hands watch items to the wire: `write` sends some items and returns false when the stream needs to
   * drain. The interleaver may hold items back (in order) until a condition holds.
   */
  deliver(watch: WatchInfo, items: readonly DeliveryItem[], write: (items: readonly DeliveryItem[]) => boolean): Promise<boolean> | boolean;
  /** Called when a watch stream ends. */
  watchClosed?(watch: WatchInfo): void;
}
