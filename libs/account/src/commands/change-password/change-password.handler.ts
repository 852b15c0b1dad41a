import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Scopes, UnitOfWork } from '@user-engine/kernel';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { LoginThrottle } from '../../auth/login-throttle';
import { PasswordHasher } from '../../domain/password/password-hasher';
import { PasswordPolicy } from '../../domain/password/password-policy';
import { AccountMails } from '../../mail/account-mails';
import { UsersRepository } from '../../persistence/users.repository';
import { SessionRevocation } from '../../tokens/session-revocation';
import { ChangePassword } from './change-password.command';

/** Needs the current password (throttled like a login: a stolen token must not become a guessing oracle). */
@CommandHandler(ChangePassword)
export class ChangePasswordHandler implements ICommandHandler<ChangePassword, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly throttle: LoginThrottle,
    private readonly revocation: SessionRevocation,
    private readonly mails: AccountMails,
    private readonly audit: AccountAudit,
    private readonly uow: UnitOfWork,
  ) {}

  async execute(c: ChangePassword): Promise<void> {
    const user = await this.uow.run(Scopes.global, () => this.users.findById(c.userId));
    if (!user?.email || user.status === 'deleted') throw AccountErrors.userNotFound();
    const subject = { email: user.email, ip: c.client.ip };
    await this.throttle.begin(subject, c.client);
    const ok = user.password_hash
      ? await this.hasher.verify(c.currentPassword, user.password_hash)
      : await this.hasher.verifyNothing(c.currentPassword);
    if (!ok) {
      await this.audit.record('account.password_change', 'failure', { userId: user.id, client: c.client });
      throw AccountErrors.currentPasswordInvalid();
    }
    await this.throttle.succeeded(subject);
    const problem = this.policy.check(c.newPassword, { email: user.email });
    if (problem) throw AccountErrors.password(problem, 'new_password');
    const newHash = await this.hasher.hash(c.newPassword);
    await this.uow.run(Scopes.global, async () => {
      // The password checked above must still be the current one (no concurrent change or reset).
      const locked = await this.users.findById(user.id, { lock: true });
      if (!locked?.email || locked.password_hash !== user.password_hash) throw AccountErrors.currentPasswordInvalid();
      await this.users.setPasswordHash(user.id, newHash);
      const revoked = await this.revocation.revokeAll(user.id, 'password_changed', c.sessionId);
      await this.audit.record('account.password_changed', 'success', {
        userId: user.id,
        client: c.client,
        data: { sessions_revoked: revoked },
      });
      await this.mails.passwordChanged(locked.email, 'change');
    });
  }
}
