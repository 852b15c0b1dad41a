import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from '@user-engine/kernel';
import { AuthErrors } from '../account.errors';

/**
 * The global guard: every route needs a valid bearer access token unless it is marked `@Public()`.
 * Authentication is denied by default.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('bearer') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    if (!user) throw AuthErrors.unauthenticated();
    return user;
  }
}
