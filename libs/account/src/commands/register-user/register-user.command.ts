import type { ClientInfo, OwnsTransactions } from '@user-engine/kernel';

export class RegisterUser implements OwnsTransactions {
  /** bcrypt runs outside any transaction; the handler opens short ones around its reads and writes. */
  readonly ownTransactions = true;

  constructor(
    readonly email: string,
    readonly password: string,
    readonly displayName: string | null,
    readonly client: ClientInfo,
  ) {}
}
