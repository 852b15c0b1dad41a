import type { ClientInfo } from '@user-engine/kernel';
import { Scopes, type Scope } from '@user-engine/kernel';

/**
 * A trusted sibling service (an API key with `identities:link`) links an external identity to a
 * user: it vouches for the provider's subject itself, so no ID token is presented. Idempotent for
 * the same user; refused when the identity belongs to someone else.
 */
export class LinkTrustedIdentity {
  readonly scope: Scope = Scopes.global;

  constructor(
    readonly userId: string,
    readonly provider: string,
    readonly subject: string,
    readonly by: { applicationId: string; keyId: string },
    readonly client: ClientInfo,
  ) {}
}
