import type { ClientInfo, OwnsTransactions } from '@user-engine/kernel';

export class ChangePassword implements OwnsTransactions {
  /** bcrypt runs outside any transaction; the handler opens short ones around its reads and writes. */
  readonly ownTransactions = true;

  constructor(
    readonly userId: string,
    /** The session making the change stays signed in; every other one ends. */
    readonly sessionId: string,
    readonly currentPassword: string,
    readonly newPassword: string,
    readonly client: ClientInfo,
  ) {}
}
