import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountAudit } from '../../account-audit';
import { AuthErrors } from '../../account.errors';
import { UsersRepository } from '../../persistence/users.repository';
import { TokenPair, TokenPairs } from '../../tokens/token-pairs';
import { StartSession } from './start-session.command';

@CommandHandler(StartSession)
export class StartSessionHandler implements ICommandHandler<StartSession, TokenPair> {
  constructor(
    private readonly pairs: TokenPairs,
    private readonly audit: AccountAudit,
    private readonly users: UsersRepository,
  ) {}

  async execute(c: StartSession): Promise<TokenPair> {
    // Locked: a reset or suspension cannot commit between this check and the session's insert.
    const user = await this.users.findById(c.userId, { lock: true });
    const revokedSince = user?.sessions_revoked_before && user.sessions_revoked_before >= c.authenticatedAt;
    if (user?.status !== 'active' || revokedSince) throw AuthErrors.invalidCredentials();
    const pair = await this.pairs.startSession(c.userId, c.amr, c.client, c.tenant);
    await this.audit.record('auth.login.succeeded', 'success', {
      userId: c.userId,
      client: c.client,
      data: { session_id: pair.session_id, amr: c.amr, ...(c.tenant ? { tenant_id: c.tenant.tid } : {}) },
    });
    return pair;
  }
}
