import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { SessionsRepository } from '../../persistence/sessions.repository';
import { SessionRevocation } from '../../tokens/session-revocation';
import { RevokeSession } from './revoke-session.command';

@CommandHandler(RevokeSession)
export class RevokeSessionHandler implements ICommandHandler<RevokeSession, void> {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revocation: SessionRevocation,
    private readonly audit: AccountAudit,
  ) {}

  async execute(c: RevokeSession): Promise<void> {
    // Someone else's session is as unknown as a session that never existed.
    const session = await this.sessions.findOfUser(c.sessionId, c.userId);
    if (!session) throw AccountErrors.sessionNotFound();
    if (await this.revocation.revokeOne(session.id, c.reason)) {
      await this.audit.record(c.reason === 'logout' ? 'auth.logout' : 'auth.session.revoked', 'success', {
        userId: c.userId,
        client: c.client,
        data: { session_id: session.id },
      });
    }
  }
}
