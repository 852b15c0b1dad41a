import type { ClientInfo } from '@user-engine/kernel';
import type { TenantClaims } from '../../account-extensions';

/** Opens a session for an authenticated user and issues its first token pair. */
export class StartSession {
  constructor(
    readonly userId: string,
    /** How the user authenticated (`pwd`, `fed`). */
    readonly amr: readonly string[],
    readonly client: ClientInfo,
    /**
     * When the credentials were checked. A revocation of the user's sessions committed since (a
     * reset, a suspension) voids that check: no session may outlive it.
     */
    readonly authenticatedAt: Date,
    /** When signing in to a tenant: the claims of its first access token (checked by the caller). */
    readonly tenant?: TenantClaims,
  ) {}
}
