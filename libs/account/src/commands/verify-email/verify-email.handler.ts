import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserEmailVerified } from '@user-engine/contracts';
import { OutboxPublisher } from '@user-engine/kernel';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { transitionUser } from '../../domain/user-status';
import { EmailTokensRepository } from '../../persistence/email-tokens.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { VerifyEmail } from './verify-email.command';

@CommandHandler(VerifyEmail)
export class VerifyEmailHandler implements ICommandHandler<VerifyEmail, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly outbox: OutboxPublisher,
    private readonly audit: AccountAudit,
  ) {}

  async execute(c: VerifyEmail): Promise<void> {
    const live = await this.tokens.findLive(c.token, 'verify_email');
    const user = live && (await this.users.findById(live.user_id, { lock: true }));
    // The link proves control of the address it was sent to, and only while the account still has it.
    if (!live || !user || user.email !== live.email) {
      await this.audit.record('account.email_verification', 'failure', { userId: user?.id, client: c.client, separate: true });
      throw AccountErrors.tokenInvalid();
    }
    await this.tokens.markUsed(c.token);
    const status = user.status === 'pending_verification' ? transitionUser(user.status, 'verify_email', false) : user.status;
    const verifiedAt = await this.users.markEmailVerified(user.id, status);
    await this.outbox.publish(UserEmailVerified, {
      aggregate: { type: 'user', id: user.id },
      actor: { type: 'user', id: user.id },
      payload: { user_id: user.id, email: live.email, verified_at: verifiedAt.toISOString() },
    });
    await this.audit.record('account.email_verified', 'success', { userId: user.id, client: c.client });
  }
}
