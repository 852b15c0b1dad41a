import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserEmailVerified } from '@user-engine/contracts';
import { OutboxPublisher, Scopes, UnitOfWork } from '@user-engine/kernel';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { PasswordHasher } from '../../domain/password/password-hasher';
import { PasswordPolicy } from '../../domain/password/password-policy';
import { transitionUser } from '../../domain/user-status';
import { AccountMails } from '../../mail/account-mails';
import { EmailTokensRepository } from '../../persistence/email-tokens.repository';
import type { UserEntity } from '../../persistence/user.entity';
import { UsersRepository } from '../../persistence/users.repository';
import { SessionRevocation } from '../../tokens/session-revocation';
import { ConfirmPasswordReset } from './confirm-password-reset.command';

/**
 * Sets the new password, signs every session out and tells the owner by mail. A rejected password
 * leaves the link usable. Following the link proves control of the address, so an account still
 * waiting for verification becomes verified. The token is checked before the (slow) hash and
 * consumed after it, under a lock, so it is used exactly once.
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
    private readonly uow: UnitOfWork,
  ) {}

  /** The account the live token belongs to, when it may still reset its password. */
  private async holder(token: string, lock: boolean): Promise<UserEntity | undefined> {
    // User row first, then the token row: the order issuing a link locks them in.
    const peek = await this.tokens.findLive(token, 'password_reset', { lock: false });
    const user = peek && (await this.users.findById(peek.user_id, { lock }));
    const live = user && (lock ? await this.tokens.findLive(token, 'password_reset', { lock: true }) : peek);
    const usable = live && user?.email && user.email === live.email && (user.status === 'active' || user.status === 'pending_verification');
    return usable ? user : undefined;
  }

  async execute(c: ConfirmPasswordReset): Promise<void> {
    const user = await this.uow.run(Scopes.global, () => this.holder(c.token, false));
    if (!user?.email) return this.refuse(c);
    const problem = this.policy.check(c.newPassword, { email: user.email });
    if (problem) throw AccountErrors.password(problem, 'new_password');
    const newHash = await this.hasher.hash(c.newPassword);
    const done = await this.uow.run(Scopes.global, async () => {
      const locked = await this.holder(c.token, true);
      if (!locked?.email) return false; // used or revoked meanwhile
      await this.tokens.markUsed(c.token);
      await this.users.setPasswordHash(locked.id, newHash);
      if (locked.status === 'pending_verification') {
        const verifiedAt = await this.users.markEmailVerified(locked.id, transitionUser(locked.status, 'verify_email', false));
        await this.outbox.publish(UserEmailVerified, {
          aggregate: { type: 'user', id: locked.id },
          actor: { type: 'user', id: locked.id },
          payload: { user_id: locked.id, email: locked.email, verified_at: verifiedAt.toISOString() },
        });
      }
      const revoked = await this.revocation.revokeAll(locked.id, 'password_reset');
      await this.audit.record('account.password_reset', 'success', {
        userId: locked.id,
        client: c.client,
        data: { sessions_revoked: revoked },
      });
      await this.mails.passwordChanged(locked.email, 'reset');
      return true;
    });
    if (!done) return this.refuse(c);
  }

  private async refuse(c: ConfirmPasswordReset): Promise<never> {
    await this.audit.record('account.password_reset', 'failure', { client: c.client });
    throw AccountErrors.tokenInvalid();
  }
}
