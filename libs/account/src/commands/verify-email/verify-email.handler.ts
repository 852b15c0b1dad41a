import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserEmailVerified } from '@user-engine/contracts';
import { OutboxPublisher, Scopes, UnitOfWork } from '@user-engine/kernel';
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
    private readonly uow: UnitOfWork,
  ) {}

  async execute(c: VerifyEmail): Promise<void> {
    const verified = await this.uow.run(Scopes.global, async () => {
      // The user row is locked before the token row, in the order issuing a link takes them.
      const peek = await this.tokens.findLive(c.token, 'verify_email', { lock: false });
      const user = peek && (await this.users.findById(peek.user_id, { lock: true }));
      const live = user && (await this.tokens.findLive(c.token, 'verify_email', { lock: true }));
      // The link proves control of the address it was sent to, and only while the account still has it.
      if (!live || !user || user.email !== live.email) return { ok: false as const, userId: user?.id };
      await this.tokens.markUsed(c.token);
      const status = user.status === 'pending_verification' ? transitionUser(user.status, 'verify_email', false) : user.status;
      const verifiedAt = await this.users.markEmailVerified(user.id, status);
      await this.outbox.publish(UserEmailVerified, {
        aggregate: { type: 'user', id: user.id },
        actor: { type: 'user', id: user.id },
        payload: { user_id: user.id, email: live.email, verified_at: verifiedAt.toISOString() },
      });
      await this.audit.record('account.email_verified', 'success', { userId: user.id, client: c.client });
      return { ok: true as const };
    });
    if (!verified.ok) {
      await this.audit.record('account.email_verification', 'failure', { userId: verified.userId, client: c.client });
      throw AccountErrors.tokenInvalid();
    }
  }
}
