import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AuthErrors } from '../account.errors';
import { AccessTokens } from '../tokens/access-tokens';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Bearer access tokens from the Authorization header only (RFC 6750 §2.1) — never from the query
 * string, where they would end up in logs.
 */
@Injectable()
export class BearerStrategy extends Strategy {
  constructor(tokens: AccessTokens) {
    super((request, done) => {
      const header = (request as unknown as FastifyRequest).headers.authorization;
      if (!header) return done(AuthErrors.unauthenticated());
      const match = BEARER.exec(header);
      if (!match) return done(AuthErrors.tokenInvalid('the Authorization header is not "Bearer <token>"'));
      tokens.verify(match[1]).then(
        (principal) => done(null, principal),
        (err: unknown) => done(err),
      );
    });
  }
}
