import { HttpException } from '@nestjs/common';
import { DomainError, ErrorKind, KernelErrors } from './domain-error';

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'unavailable',
};

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/**
 * Every error, whatever threw it (our code, Nest, Fastify's body parser), becomes a DomainError.
 * Anything unrecognised is an internal error: the client sees a generic problem, the log the cause.
 */
export function toDomainError(err: unknown, context: { method?: string; url?: string; bodyLimit?: number } = {}): DomainError {
  if (err instanceof DomainError) return err;
  // Nest wraps Fastify's own 4xx errors (body parsing) in an HttpException; look at the original.
  const fromFastify = fastifyError(err instanceof HttpException && err.cause ? err.cause : err, context);
  if (fromFastify) return fromFastify;

  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404 && context.method && context.url) return KernelErrors.routeNotFound(context.method, context.url);
    const kind = KIND_BY_STATUS[status];
    if (kind) return new DomainError(kind, `HTTP.${status}`, err.message, { cause: err });
    return KernelErrors.internal();
  }

  // Text PostgreSQL cannot store (a NUL that slipped past the parser, a lone surrogate) is the
  // client's input, not a server fault.
  const sqlState = (err as { driverError?: { code?: string } } | undefined)?.driverError?.code;
  if (sqlState === '22021' || sqlState === '22P05') return KernelErrors.invalidCharacter();

  const fe = err as FastifyLikeError | undefined;
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const kind = KIND_BY_STATUS[fe.statusCode] ?? 'invalid';
    return new DomainError(kind, `HTTP.${fe.statusCode}`, 'The request could not be processed.', { cause: err });
  }
  return KernelErrors.internal();
}

function fastifyError(err: unknown, context: { bodyLimit?: number }): DomainError | undefined {
  const fe = err as FastifyLikeError | undefined;
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return KernelErrors.malformedJson();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return KernelErrors.bodyTooLarge(context.bodyLimit ?? 0);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? KernelErrors.unsupportedMediaType(undefined)
        : KernelErrors.badRequest('The Content-Length header does not match the body.');
    default:
      break;
  }
  // Fastify body parsing errors from JSON.parse carry a 400 status and a SyntaxError message.
  if (err instanceof SyntaxError && fe?.statusCode === 400) return KernelErrors.malformedJson();
  return undefined;
}
