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
  /** Ends the stream cleanly, as a dropped connection: the client re-watches from its last resourceVersion. */
  close?: () => void;
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

// --- the recorded history ---

interface EntryBase {
  /** Position in the one total order of everything the server saw. */
  seq: number;
  /** The server Clock's time (simulated in scenarios), ms since the epoch. */
  atMs: number;
  /** Real milliseconds since the history started: a timing field, ignored when comparing runs. */
  realMs: number;
}

/** A request arrived (after any hold was released). */
export interface RequestEntry extends EntryBase {
  type: 'request';
  actor: string;
  verb: Verb;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** A short, stable summary of the body (e.g. the fields a patch sets). */
  body?: string;
  /** The storage revision when the request was let through. */
  rvBefore: number;
  /** Set when a rule held this request: the rule's name, and whether it was released by its bound. */
  held?: { rule: string; heldAtSeq: number; timedOut: boolean };
}

/** The reply to a request. */
export interface ResponseEntry extends EntryBase {
  type: 'response';
  /** The seq of its RequestEntry. */
  request: number;
  actor: string;
  verb: Verb;
  resource: string;
  namespace?: string;
  name?: string;
  code: number;
  reason?: string;
  /** The storage revision after the request was served. */
  rvAfter: number;
  /** The resourceVersion of the object in the reply, if any. */
  objectRv?: string;
  /** Set when a rule failed this request instead of serving it. */
  injected?: { rule: string };
}

/** A watch event written to an actor's stream. */
export interface DeliveryEntry extends EntryBase {
  type: 'delivery';
  actor: string;
  resource: string;
  eventType: DeliveryItem['type'];
  namespace?: string;
  name?: string;
  revision: number;
  /** Set when a rule delayed it. */
  delayed?: { rule: string };
}

/** Something a scenario or component noted (a crash, a restart, an assertion, a step). */
export interface NoteEntry extends EntryBase {
  type: 'note';
  actor: string;
  text: string;
  /** e.g. 'step', 'crash', 'restart', 'panic', 'assert', 'hold', 'release', 'timeout'. */
  tag: string;
}

/** A controller worker began or ended one Reconcile (controllers/runtime/controller.ts reconcileHandler). */
export interface ReconcileEntry extends EntryBase {
  type: 'reconcile';
  /** The controller's process, as its requests name it. */
  actor: string;
  controller: string;
  /** The worker (goroutine) of the controller, from 0. */
  worker: number;
  /** The request reconciled: `namespace/name`, or `name` for a cluster-scoped kind. */
  key: string;
  phase: 'start' | 'end';
  /** On an end: the seq of its start. */
  start?: number;
  /** On an end: returned without requeue (ok), asked to be requeued (requeue), or threw (error). */
  result?: 'ok' | 'requeue' | 'error';
  /** On an end that asked for a requeue after a delay: the delay. */
  requeueAfterMs?: number;
}

export type HistoryEntry = RequestEntry | ResponseEntry | DeliveryEntry | NoteEntry | ReconcileEntry;
