import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserEmailVerified } from '@user-engine/contracts';
import { OutboxPublisher } from '@user-engine/kernel';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { PasswordHasher } from '../../domain/password/password-hasher';
import { PasswordPolicy } from '../../domain/password/password-policy';
import { transitionUser } from '../../domain/user-status';
import { AccountMails } from '../../mail/account-mails';
import { EmailTokensRepository } from '../../persistence/email-tokens.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { SessionRevocation } from '../../tokens/session-revocation';
import { ConfirmPasswordReset } from './confirm-password-reset.command';

/**
 * Sets the new password, signs every session out and tells the owner by mail. A rejected password
 * leaves the link usable. Following the link proves control of the address, so an account still
 * waiting for verification becomes verified.
 */
@CommandHandler(ConfirmPasswordReset)
export class ConfirmPasswordResetHandler implements ICommandHandler<ConfirmPasswordReset, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly revocation: SessionRevocation,
    private readonly outbox: OutboxPublisher,
    private readonly mails: AccountMails,
    private readonly audit: AccountAudit,
  ) {}

  async execute(c: ConfirmPasswordReset): Promise<void> {
    const live = await this.tokens.findLive(c.token, 'password_reset');
    const user = live && (await this.users.findById(live.user_id, { lock: true }));
    if (!live || !user?.email || user.email !== live.email || (user.status !== 'active' && user.status !== 'pending_verification')) {
      await this.audit.record('account.password_reset', 'failure', { userId: user?.id, client: c.client, separate: true });
      throw AccountErrors.tokenInvalid();
    }
    const problem = this.policy.check(c.newPassword, { email: user.email });
    if (problem) throw AccountErrors.password(problem, 'new_password');
    await this.tokens.markUsed(c.token);
    await this.users.setPasswordHash(user.id, await this.hasher.hash(c.newPassword));
    if (user.status === 'pending_verification') {
      const verifiedAt = await this.users.markEmailVerified(user.id, transitionUser(user.status, 'verify_email', false));
      await this.outbox.publish(UserEmailVerified, {
        aggregate: { type: 'user', id: user.id },
        actor: { type: 'user', id: user.id },
        payload: { user_id: user.id, email: user.email, verified_at: verifiedAt.toISOString() },
      });
    }
    const revoked = await this.revocation.revokeAll(user.id, 'password_reset');
    await this.audit.record('account.password_reset', 'success', {
      userId: user.id,
      client: c.client,
      data: { sessions_revoked: revoked },
    });
    await this.mails.passwordChanged(user.email, 'reset');
  }
}
