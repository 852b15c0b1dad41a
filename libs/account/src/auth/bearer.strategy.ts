import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Principal } from '@user-engine/kernel';
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
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly tokens: AccessTokens) {
    super();
  }

  validate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (!header) throw AuthErrors.unauthenticated();
    const match = BEARER.exec(header);
    if (!match) throw AuthErrors.tokenInvalid('the Authorization header is not "Bearer <token>"');
    return this.tokens.verify(match[1]);
  }
}
