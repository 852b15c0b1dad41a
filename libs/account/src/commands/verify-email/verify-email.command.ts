import type { ClientInfo, OwnsTransactions } from '@user-engine/kernel';

export class VerifyEmail implements OwnsTransactions {
  /** Refusals are audited after its transaction (and ID tokens verified before one): no second connection. */
  readonly ownTransactions = true;

  constructor(
    readonly token: string,
    readonly client: ClientInfo,
  ) {}
}
