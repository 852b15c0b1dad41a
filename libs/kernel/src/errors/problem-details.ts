import { DomainError, ErrorKind, FieldError } from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const STATUS: Record<ErrorKind, { status: number; title: string }> = {
  invalid: { status: 400, title: 'Bad Request' },
  unauthenticated: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not Found' },
  conflict: { status: 409, title: 'Conflict' },
  gone: { status: 410, title: 'Gone' },
  payload_too_large: { status: 413, title: 'Content Too Large' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type' },
  unprocessable: { status: 422, title: 'Unprocessable Content' },
  rate_limited: { status: 429, title: 'Too Many Requests' },
  unavailable: { status: 503, title: 'Service Unavailable' },
  internal: { status: 500, title: 'Internal Server Error' },
};

export function statusOf(kind: ErrorKind): number {
  return STATUS[kind].status;
}

/** Problem types are URNs: stable identifiers that need no hosted page. */
export function problemType(code: string): string {
  return `urn:user-engine:problem:${code.toLowerCase()}`;
}

export function toProblem(error: DomainError, requestId?: string, instance?: string): ProblemDocument {
  const { status, title } = STATUS[error.kind];
  return {
    // Extensions first: they add members, and can never overwrite the standard ones (a `status` of 'paid').
    ...(error.extensions ?? {}),
    type: problemType(error.code),
    title,
    status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { request_id: requestId } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}
