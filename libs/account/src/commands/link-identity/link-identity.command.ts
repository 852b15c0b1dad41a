import type { ClientInfo, OwnsTransactions } from '@user-engine/kernel';

/** Links an external identity to the user who presents its provider's ID token. */
export class LinkIdentity implements OwnsTransactions {
  /** Refusals are audited after its transaction (and ID tokens verified before one): no second connection. */
  readonly ownTransactions = true;

  constructor(
    readonly userId: string,
    /** The caller's session: it must have signed in recently. */
    readonly sessionId: string,
    readonly provider: string,
    readonly idToken: string,
    readonly client: ClientInfo,
  ) {}
}
