import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC, type Principal } from '@user-engine/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthErrors } from '../account.errors';
import { AccountPassport } from './passport';

/**
 * The global guard: every route needs a valid bearer access token (the passport `bearer` strategy)
 * unless it is marked `@Public()`. Authentication is denied by default.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly passport: AccountPassport,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: Principal }>();
    request.user = await this.passport.authenticate<Principal>(
      'bearer',
      request,
      http.getResponse<FastifyReply>(),
      AuthErrors.unauthenticated,
    );
    return true;
  }
}
