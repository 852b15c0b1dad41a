import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { clientInfoOf } from '@user-engine/kernel';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import { AuthenticatePassword } from '../commands/authenticate-password/authenticate-password.command';
import type { UserView } from '../queries/user.view';

/** passport-local: email + password → the user (or an AUTH.* error from the command). */
@Injectable()
export class LocalStrategy extends Strategy {
  constructor(commands: CommandBus) {
    super(
      { usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: false },
      (request, email, password, done) => {
        commands
          .execute<AuthenticatePassword, UserView>(
            new AuthenticatePassword(email, password, clientInfoOf(request as unknown as FastifyRequest)),
          )
          .then(
            (user) => done(null, user),
            (err: unknown) => done(err),
          );
      },
    );
  }
}
