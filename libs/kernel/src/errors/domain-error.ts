/**
 * What went wrong, in domain terms. The one exception filter maps a kind to an HTTP status; modules
 * never throw HTTP exceptions themselves.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface FieldError {
  /** Dotted path into the request body (`address.lines[0]`), or a query/path parameter name. */
  path: string;
  message: string;
  /** Stable machine-readable reason, e.g. `isEmail`, `whitelistValidation`. */
  rule?: string;
}

export interface DomainErrorOptions {
  errors?: FieldError[];
  /** Extra members of the problem document (snake_case). */
  extensions?: Record<string, unknown>;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly errors?: FieldError[];
  readonly extensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly kind: ErrorKind,
    /** Stable code: `MODULE.REASON`, e.g. `ACCOUNT.EMAIL_TAKEN`. */
    readonly code: string,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.errors = options.errors;
    this.extensions = options.extensions;
    this.headers = options.headers;
  }
}

export const KernelErrors = {
  validation: (errors: FieldError[]) => new DomainError('invalid', 'KERNEL.VALIDATION_FAILED', 'The request is invalid.', { errors }),
  malformedJson: () => new DomainError('invalid', 'KERNEL.MALFORMED_JSON', 'The request body is not valid JSON.'),
  badRequest: (message: string) => new DomainError('invalid', 'KERNEL.BAD_REQUEST', message),
  invalidCharacter: () =>
    new DomainError(
      'invalid',
      'KERNEL.INVALID_CHARACTER',
      'The request contains a character that cannot be stored (NUL or an invalid code point).',
    ),
  routeNotFound: (method: string, url: string) => new DomainError('not_found', 'KERNEL.ROUTE_NOT_FOUND', `No route ${method} ${url}.`),
  bodyTooLarge: (limit: number) =>
    new DomainError('payload_too_large', 'KERNEL.BODY_TOO_LARGE', `The request body exceeds ${limit} bytes.`),
  unsupportedMediaType: (type: string | undefined) =>
    new DomainError(
      'unsupported_media_type',
      'KERNEL.UNSUPPORTED_MEDIA_TYPE',
      `Content type ${type ? `"${type}"` : '(none)'} is not supported; send application/json.`,
    ),
  internal: () => new DomainError('internal', 'KERNEL.INTERNAL', 'An unexpected error occurred.'),
};
