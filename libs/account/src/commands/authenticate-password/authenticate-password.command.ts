import type { ClientInfo } from '@user-engine/kernel';

/** Checks an email and password (the passport-local strategy's verification); returns the user. */
export class AuthenticatePassword {
  constructor(
    readonly email: string,
    readonly password: string,
    readonly client: ClientInfo,
  ) {}
}
