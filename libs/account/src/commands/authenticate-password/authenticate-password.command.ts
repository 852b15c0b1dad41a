import type { ClientInfo, OwnsTransactions } from '@user-engine/kernel';

/** Checks an email and password (the passport-local strategy's verification); returns the user. */
export class AuthenticatePassword implements OwnsTransactions {
  /** bcrypt runs outside any transaction; the handler opens short ones around its reads and writes. */
  readonly ownTransactions = true;

  constructor(
    readonly email: string,
    readonly password: string,
    readonly client: ClientInfo,
  ) {}
}
