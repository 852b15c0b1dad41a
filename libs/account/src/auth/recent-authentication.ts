import { Inject, Injectable } from '@nestjs/common';
import { accountConfig, type AccountConfig } from '../account.config';
import { AuthErrors } from '../account.errors';
import { SessionsRepository } from '../persistence/sessions.repository';

/**
 * Sensitive changes (linking a sign-in method, erasing the account) need proof that the user signed
 * in recently, not just a valid access token: a stolen token, or one refreshed for weeks, is not
 * enough (ASVS 3.7.1).
 */
@Injectable()
export class RecentAuthentication {
  constructor(
    private readonly sessions: SessionsRepository,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  async assert(userId: string, sessionId: string): Promise<void> {
    const session = await this.sessions.findOfUser(sessionId, userId);
    if (!session || session.created_at.getTime() < Date.now() - this.config.reauthMaxAge) throw AuthErrors.reauthenticationRequired();
  }
}
