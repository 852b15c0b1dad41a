import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';
import { toDomainError } from './to-domain-error';

const logger = new Logger('Errors');

/** Renders any error as RFC 9457 problem+json. Shared by the Nest filter and Fastify's own handlers. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown, bodyLimit?: number): FastifyReply {
  const path = request.url.split('?')[0];
  const error = toDomainError(err, { method: request.method, url: path, bodyLimit });
  const problem = toProblem(error, String(request.id), path);
  if (problem.status >= 500) {
    logger.error({ msg: 'request failed', err: serializeError(err), code: error.code });
  }
  if (error.headers) reply.headers(error.headers);
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

function serializeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const cause = err instanceof DomainError && err.cause instanceof Error ? serializeError(err.cause) : undefined;
    return { type: err.name, message: err.message, stack: err.stack, ...(cause ? { cause } : {}) };
  }
  return { value: String(err) };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly bodyLimit?: number) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    if (reply.sent) return;
    sendProblem(http.getRequest<FastifyRequest>(), reply, exception, this.bodyLimit);
  }
}
