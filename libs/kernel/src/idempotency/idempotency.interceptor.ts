import type { Principal } from '../auth/principal';
import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  NestInterceptor,
  RequestMethod,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { kernelConfig, type KernelConfig } from '../config/kernel.config';
import { queryRows } from '../database/query-rows';
import { Scopes, UnitOfWork } from '../database/unit-of-work';
import { DomainError } from '../errors/domain-error';

const IDEMPOTENT = Symbol('kernel.idempotent');
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * Marks a creating POST as accepting an `Idempotency-Key` header. The interceptor is bound to these
 * routes only, so the others do not pay for it.
 */
export const Idempotent = () => applyDecorators(SetMetadata(IDEMPOTENT, true), UseInterceptors(IdempotencyInterceptor));

interface StoredKey {
  request_hash: string;
  status: 'processing' | 'completed';
  response_status: number | null;
  response_body: unknown;
  expired: boolean;
}

/**
 * Never put @Idempotent() on a route whose response carries a secret shown once (API keys, tokens):
 * the stored response would keep it.
 *
 * Same key + same request → the stored response (with `Idempotent-Replayed: true`); same key +
 * different request → 422; same key while the first is still running → 409. Only successful
 * responses are stored: a failed request may be retried with the same key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly uow: UnitOfWork,
    @Inject(kernelConfig.KEY) private readonly config: KernelConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) return next.handle();
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new DomainError('invalid', 'KERNEL.IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1–255 visible ASCII characters.', {
        errors: [{ path: 'Idempotency-Key', message: 'must be 1–255 visible ASCII characters', rule: 'header' }],
      });
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // Keys never cross callers: the authenticated principal, or for anonymous calls the client IP.
    const principal = (request as FastifyRequest & { user?: Principal }).user?.userId ?? `anonymous@${request.ip}`;
    const route = request.routeOptions?.url ?? request.url;
    const scope = `${principal}:${request.method} ${route}`;
    const hash = createHash('sha256')
      .update(request.url)
      .update('\0')
      .update(JSON.stringify(request.body ?? null))
      .digest('hex');
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === RequestMethod[RequestMethod.POST] ? HttpStatus.CREATED : HttpStatus.OK);

    return from(this.handle(scope, key, hash, status, reply, next));
  }

  private async handle(scope: string, key: string, hash: string, status: number, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    const claimed = await this.claim(scope, key, hash);
    if (claimed !== true) {
      if (claimed.request_hash !== hash) {
        throw new DomainError('unprocessable', 'KERNEL.IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request.');
      }
      if (claimed.status === 'processing') {
        throw new DomainError(
          'conflict',
          'KERNEL.IDEMPOTENCY_IN_PROGRESS',
          'A request with this Idempotency-Key is still being processed.',
          {
            headers: { 'Retry-After': '1' },
          },
        );
      }
      reply.header('idempotent-replayed', 'true');
      reply.status(claimed.response_status ?? status);
      return claimed.response_body;
    }
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (err) {
      await this.uow.run(Scopes.platform, (m) =>
        m.query(`DELETE FROM kernel.idempotency_keys WHERE scope = $1 AND key = $2`, [scope, key]),
      );
      throw err;
    }
    await this.uow.run(Scopes.platform, (m) =>
      m.query(
        `UPDATE kernel.idempotency_keys SET status = 'completed', response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2`,
        [scope, key, status, JSON.stringify(body ?? null)],
      ),
    );
    return body;
  }

  /** true when this request now owns the key; otherwise the stored state. */
  private claim(scope: string, key: string, hash: string): Promise<true | StoredKey> {
    return this.uow.run(Scopes.platform, async (m) => {
      // An expired key is forgotten first, so it can be claimed again; so is one stuck in
      // `processing` for minutes (its process died before recording the response).
      await m.query(
        `DELETE FROM kernel.idempotency_keys
          WHERE scope = $1 AND key = $2 AND (expires_at < now() OR (status = 'processing' AND created_at < now() - interval '2 minutes'))`,
        [scope, key],
      );
      const inserted = await queryRows(
        m,
        `INSERT INTO kernel.idempotency_keys (scope, key, request_hash, status, expires_at)
         VALUES ($1, $2, $3, 'processing', now() + make_interval(secs => $4::double precision / 1000))
         ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
        [scope, key, hash, this.config.idempotencyTtl],
      );
      if (inserted.length) return true;
      const [row] = await queryRows<StoredKey>(
        m,
        `SELECT request_hash, status, response_status, response_body, expires_at < now() AS expired
           FROM kernel.idempotency_keys WHERE scope = $1 AND key = $2`,
        [scope, key],
      );
      return row;
    });
  }
}
