/** Kubernetes `Status` errors, shaped as the real API server sends them. */

/** One entry of `Status.details.causes`. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** Details of a failure: which object, and (for 422) which fields. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

/** The `Status` body of a failed request. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown by request handlers; the server turns it into a `Status` response. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The wire body. */
  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** What a resource looks like in error messages: `configmaps`, `jobs.batch`, `leases.coordination.k8s.io`. */
export interface ResourceRef {
  plural: string;
  group: string;
}

function qualified(r: ResourceRef): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

function details(r: ResourceRef, name: string, extra?: Partial<StatusDetails>): StatusDetails {
  const d: StatusDetails = { name, kind: r.plural, ...extra };
  if (r.group) d.group = r.group;
  return d;
}

/** 404 `configmaps "x" not found`. */
export function notFound(r: ResourceRef, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, details(r, name));
}

/** 409 `configmaps "x" already exists`. */
export function alreadyExists(r: ResourceRef, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualified(r)} "${name}" already exists`,
    details(r, name),
  );
}

/** 409 optimistic-concurrency conflict. */
export function conflict(r: ResourceRef, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(r, name),
  );
}

/** 422 with field causes; `kind` is the object kind (`ConfigMap`). */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): ApiError {
  const what = group ? `${kind}.${group}` : kind;
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const message =
    list.length === 1
      ? `${what} "${name}" is invalid: ${list[0]}`
      : `${what} "${name}" is invalid: [${list.join(', ')}]`;
  const d: StatusDetails = { name, kind, causes };
  if (group) d.group = group;
  return new ApiError(422, 'Invalid', message, d);
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 410 Gone, as sent in a watch `ERROR` event for a compacted resourceVersion. */
export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}
