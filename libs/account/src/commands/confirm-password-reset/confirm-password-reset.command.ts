import type { ClientInfo, OwnsTransactions } from '@user-engine/kernel';

export class ConfirmPasswordReset implements OwnsTransactions {
  /** bcrypt runs outside any transaction; the handler opens short ones around its reads and writes. */
  readonly ownTransactions = true;

  constructor(
    readonly token: string,
    readonly newPassword: string,
    readonly client: ClientInfo,
  ) {}
}
