import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { createValidationPipe } from '@user-engine/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthErrors } from '../account.errors';
import { LoginDto } from '../http/account.dto';
import type { UserView } from '../queries/user.view';
import { AccountPassport } from './passport';

const pipe = createValidationPipe();

/**
 * Runs the passport-local strategy. Guards run before pipes, so the body is validated here first:
 * malformed input gets the same 400 (with field errors) as on every other route.
 */
@Injectable()
export class LocalAuthGuard implements CanActivate {
  constructor(private readonly passport: AccountPassport) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: UserView; authenticatedAt?: Date }>();
    await pipe.transform(request.body, { type: 'body', metatype: LoginDto });
    request.authenticatedAt = new Date();
    request.user = await this.passport.authenticate<UserView>(
      'local',
      request,
      http.getResponse<FastifyReply>(),
      AuthErrors.invalidCredentials,
    );
    return true;
  }
}
