import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserDeleted } from '@user-engine/contracts';
import { OutboxPublisher } from '@user-engine/kernel';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { RecentAuthentication } from '../../auth/recent-authentication';
import { transitionUser } from '../../domain/user-status';
import { AccountMails } from '../../mail/account-mails';
import { EmailTokensRepository } from '../../persistence/email-tokens.repository';
import { IdentitiesRepository } from '../../persistence/identities.repository';
import { SessionsRepository } from '../../persistence/sessions.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { SessionRevocation } from '../../tokens/session-revocation';
import { DeleteAccount } from './delete-account.command';

@CommandHandler(DeleteAccount)
export class DeleteAccountHandler implements ICommandHandler<DeleteAccount, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly identities: IdentitiesRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly revocation: SessionRevocation,
    private readonly outbox: OutboxPublisher,
    private readonly mails: AccountMails,
    private readonly audit: AccountAudit,
    private readonly recent: RecentAuthentication,
  ) {}

  async execute(c: DeleteAccount): Promise<void> {
    if (c.sessionId) await this.recent.assert(c.userId, c.sessionId);
    const user = await this.users.findById(c.userId, { lock: true });
    if (!user) throw AccountErrors.userNotFound();
    transitionUser(user.status, 'delete', user.email_verified_at !== null);
    const email = user.email;
    // Access tokens die at once (revocation list), then the rows go.
    await this.revocation.revokeAll(user.id, 'account_deleted');
    await this.sessions.deleteAllOfUser(user.id);
    await this.identities.deleteAllOfUser(user.id);
    await this.tokens.deleteAllOfUser(user.id);
    const deletedAt = await this.users.scrub(user.id);
    await this.outbox.publish(UserDeleted, {
      aggregate: { type: 'user', id: user.id },
      actor: c.actor.type === 'anonymous' ? null : { type: c.actor.type, id: c.actor.id ?? null },
      payload: { user_id: user.id, deleted_at: deletedAt.toISOString() },
    });
    await this.audit.record('account.deleted', 'success', { userId: user.id, client: c.client, actor: c.actor });
    if (email) await this.mails.accountDeleted(email);
  }
}
