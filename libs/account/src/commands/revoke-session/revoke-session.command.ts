import type { ClientInfo } from '@user-engine/kernel';

/** Ends one of the user's sessions (logout, or revoking a device from the session list). */
export class RevokeSession {
  constructor(
    readonly userId: string,
    readonly sessionId: string,
    readonly reason: 'logout' | 'revoked_by_user',
    readonly client: ClientInfo,
  ) {}
}
