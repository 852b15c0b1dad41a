import type { ClientInfo, OwnsTransactions } from '@user-engine/kernel';

/** Sign-in with a linked external identity: the provider's ID token instead of a password. */
export class AuthenticateIdentity implements OwnsTransactions {
  /** Refusals are audited after its transaction (and ID tokens verified before one): no second connection. */
  readonly ownTransactions = true;

  constructor(
    readonly provider: string,
    readonly idToken: string,
    readonly client: ClientInfo,
  ) {}
}
