import { Injectable } from '@nestjs/common';
import { SessionsRepository } from '../persistence/sessions.repository';
import { UsersRepository } from '../persistence/users.repository';
import { RevocationList } from './revocation-list';

/** Ends sessions so that their refresh tokens die and their access tokens are refused at once. */
@Injectable()
export class SessionRevocation {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly revocations: RevocationList,
  ) {}

  async revokeOne(sessionId: string, reason: string): Promise<boolean> {
    const revoked = await this.sessions.revoke(sessionId, reason);
    if (revoked) await this.revocations.sessionsRevoked([sessionId]);
    return revoked;
  }

  /**
   * Every session of the user but `except`. Without `except`, access tokens issued before now are
   * refused as well (the user's "revoked before" instant), whatever session they belong to.
   */
  async revokeAll(userId: string, reason: string, except?: string): Promise<number> {
    const ids = await this.sessions.revokeAllOfUser(userId, reason, except);
    await this.revocations.sessionsRevoked(ids);
    if (!except) await this.revocations.tokensRevokedBefore(userId, await this.users.revokeTokensIssuedBeforeNow(userId));
    return ids.length;
  }
}
