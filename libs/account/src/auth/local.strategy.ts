import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { PassportStrategy } from '@nestjs/passport';
import { clientInfoOf } from '@user-engine/kernel';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import { AuthenticatePassword } from '../commands/authenticate-password/authenticate-password.command';
import type { UserView } from '../queries/user.view';

/** passport-local: email + password → the user (or an AUTH.* error from the command). */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly commands: CommandBus) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: false });
  }

  validate(request: FastifyRequest, email: string, password: string): Promise<UserView> {
    return this.commands.execute(new AuthenticatePassword(email, password, clientInfoOf(request)));
  }
}
