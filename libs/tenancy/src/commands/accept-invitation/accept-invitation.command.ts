import type { ClientInfo, OwnsTransactions, Principal } from '@user-engine/kernel';

/**
 * A signed-in user accepts an invitation with its token. The invitation's tenant is unknown until
 * the token is looked up, so the handler opens its own (platform, then tenant) transactions.
 */
export class AcceptInvitation implements OwnsTransactions {
  readonly ownTransactions = true;

  constructor(
    readonly token: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
