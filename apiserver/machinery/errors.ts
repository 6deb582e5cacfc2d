// Kubernetes Status errors with the exact upstream shapes and texts (apimachinery pkg/api/errors/errors.go,
// pkg/util/validation/field/errors.go). Every failure the server reports is one of these.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A group and a resource (plural), e.g. {group: 'cluster.x-k8s.io', resource: 'clusters'}. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A group and a kind, e.g. {group: 'cluster.x-k8s.io', kind: 'Cluster'}. */
export interface GroupKind {
  group: string;
  kind: string;
}

export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'unknown error');
    this.name = 'StatusError';
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isStatusError(e: unknown, reason?: string): e is StatusError {
  return e instanceof StatusError && (reason === undefined || e.status.reason === reason);
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  // Key order as the real server writes it.
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
  return new StatusError(status);
}

/** `pods` or `clusters.cluster.x-k8s.io`: schema.GroupResource.String(). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** `Pod` or `Cluster.cluster.x-k8s.io`: schema.GroupKind.String(). */
export function qualifiedKind(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

function grDetails(gr: GroupResource, name: string): StatusDetails {
  return gr.group ? { name, group: gr.group, kind: gr.resource } : { name, kind: gr.resource };
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, grDetails(gr, name));
}

/** The 404 for a path the server does not serve at all. */
export function pathNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, grDetails(gr, name));
}

/** errors.go NewGenerateNameConflict. */
export function generateNameConflict(gr: GroupResource, name: string, retryAfterSeconds: number): StatusError {
  return failure(
    409,
    'AlreadyExists',
    `${qualifiedResource(gr)} "${name}" already exists, the server was not able to generate a unique name for the object`,
    { ...grDetails(gr, name), retryAfterSeconds },
  );
}

export const optimisticLockErrorMsg =
  'the object has been modified; please apply your changes to the latest version and try again';

export function conflict(gr: GroupResource, name: string, why: string): StatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, grDetails(gr, name));
}

export function badRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

export function forbidden(gr: GroupResource, name: string, why: string, causes?: StatusCause[]): StatusError {
  const details = grDetails(gr, name);
  if (causes) details.causes = causes;
  return failure(403, 'Forbidden', `${qualifiedResource(gr)} "${name}" is forbidden: ${why}`, details);
}

/**
 * A method the path does not serve: go-restful finds no route, and kube-apiserver answers with
 * NewGenericServerResponse(405), whose message is fixed and whose details are empty.
 */
export function methodNotAllowedOnPath(): StatusError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

export function expired(message: string): StatusError {
  return failure(410, 'Expired', message);
}

export function requestEntityTooLarge(message: string): StatusError {
  return failure(413, 'RequestEntityTooLarge', message);
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): StatusError {
  void contentType;
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/** filters/maxinflight.go tooManyRequests: the server's in-flight limit is reached. */
export function tooManyRequests(retryAfterSeconds: number): StatusError {
  return failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
}

/** authentication/request/... : an unauthenticated request, as the real server answers it. */
export function unauthorized(): StatusError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function internalError(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

export function timeout(message: string, retryAfterSeconds: number, causes?: StatusCause[]): StatusError {
  return failure(504, 'Timeout', message, { ...(causes ? { causes } : {}), retryAfterSeconds });
}


// --- field errors (apimachinery pkg/util/validation/field/errors.go) ---

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueNotFound'
  | 'FieldValueTooLong';

const fieldErrorText: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueForbidden: 'Forbidden',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotFound: 'Not found',
  FieldValueTooLong: 'Too long',
};

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** Shown for Invalid, NotSupported, Duplicate and NotFound; pass a GoValue for Go's %#v forms. */
  badValue?: unknown;
  detail?: string;
}

/** A value that prints as given, for Go %#v renderings such as `0x0` or `[]string{"a"}`. */
export class GoValue {
  constructor(readonly text: string) {}
}

export function goStringSlice(values: readonly string[]): GoValue {
  return new GoValue(`[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`);
}

function renderValue(v: unknown): string {
  if (v instanceof GoValue) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '<nil>';
  return JSON.stringify(v);
}

/** field.Error.ErrorBody(): the message without the field path. */
export function fieldErrorBody(e: FieldError): string {
  let s = fieldErrorText[e.type];
  const showsValue = e.type !== 'FieldValueRequired' && e.type !== 'FieldValueForbidden' && e.type !== 'FieldValueTooLong';
  if (showsValue && 'badValue' in e) s += `: ${renderValue(e.badValue)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** errors.go NewInvalid: 422 with causes; details.kind is the Kind. */
export function invalid(gk: GroupKind, name: string, errs: readonly FieldError[]): StatusError {
  const causes = errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
  const list = errs.map(fieldErrorString);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const details: StatusDetails = gk.group ? { name, group: gk.group, kind: gk.kind, causes } : { name, kind: gk.kind, causes };
  return failure(422, 'Invalid', `${qualifiedKind(gk)} "${name}" is invalid: ${summary}`, details);
}

export function successStatus(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } as Status;
}
