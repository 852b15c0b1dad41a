import type { ClientInfo } from '@user-engine/kernel';

/** Links an external identity to the user who presents its provider's ID token. */
export class LinkIdentity {
  constructor(
    readonly userId: string,
    readonly provider: string,
    readonly idToken: string,
    readonly client: ClientInfo,
  ) {}
}
