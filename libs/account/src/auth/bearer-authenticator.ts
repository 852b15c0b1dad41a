import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccessGate, type Authenticator, type Principal } from '@user-engine/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthErrors } from '../account.errors';
import { AccountPassport } from './passport';

/**
 * Plugs bearer access tokens (the passport `bearer` strategy) into the kernel's one guard: every
 * route that is not `@Public()` is authenticated here before it is authorized.
 */
@Injectable()
export class BearerAuthenticator implements Authenticator, OnModuleInit {
  constructor(
    private readonly passport: AccountPassport,
    private readonly gate: AccessGate,
  ) {}

  onModuleInit(): void {
    this.gate.useAuthenticator(this);
  }

  authenticate(request: FastifyRequest): Promise<Principal> {
    // The bearer strategy never touches the reply.
    return this.passport.authenticate<Principal>('bearer', request, undefined as unknown as FastifyReply, AuthErrors.unauthenticated);
  }
}
