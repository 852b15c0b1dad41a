import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { createValidationPipe } from '@user-engine/kernel';
import type { FastifyRequest } from 'fastify';
import { AuthErrors } from '../account.errors';
import { LoginDto } from '../http/account.dto';

const pipe = createValidationPipe();

/**
 * Runs the passport-local strategy. Guards run before pipes, so the body is validated here first:
 * malformed input gets the same 400 (with field errors) as on every other route.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    await pipe.transform(request.body, { type: 'body', metatype: LoginDto });
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    if (!user) throw AuthErrors.invalidCredentials();
    return user;
  }
}
