import type { ClientInfo } from '@user-engine/kernel';

/** Sign-in with a linked external identity: the provider's ID token instead of a password. */
export class AuthenticateIdentity {
  constructor(
    readonly provider: string,
    readonly idToken: string,
    readonly client: ClientInfo,
  ) {}
}
