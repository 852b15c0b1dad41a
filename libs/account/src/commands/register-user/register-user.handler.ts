import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserCreated } from '@user-engine/contracts';
import { OutboxPublisher, Scopes, UnitOfWork, uuidv7 } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../../account.config';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { PasswordHasher } from '../../domain/password/password-hasher';
import { PasswordPolicy } from '../../domain/password/password-policy';
import { normaliseEmail } from '../../domain/secure-token';
import { AccountMails } from '../../mail/account-mails';
import { EmailTokensRepository } from '../../persistence/email-tokens.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { RegisterUser } from './register-user.command';

/**
 * Sign-up. Whether the address is new or taken, the caller gets the same answer after the same work
 * (a bcrypt hash either way); only the mail differs: a verification link for a new account, a
 * "someone tried to sign up with your address" notice for an existing one.
 */
@CommandHandler(RegisterUser)
export class RegisterUserHandler implements ICommandHandler<RegisterUser, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly outbox: OutboxPublisher,
    private readonly mails: AccountMails,
    private readonly audit: AccountAudit,
    private readonly uow: UnitOfWork,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  async execute(c: RegisterUser): Promise<void> {
    const email = normaliseEmail(c.email);
    const problem = this.policy.check(c.password, { email });
    if (problem) throw AccountErrors.password(problem, 'password');
    const passwordHash = await this.hasher.hash(c.password);
    await this.uow.run(Scopes.global, () => this.store(c, email, passwordHash));
  }

  private async store(c: RegisterUser, email: string, passwordHash: string): Promise<void> {
    const id = uuidv7();
    const inserted = await this.users.insertIfEmailFree({
      id,
      email,
      status: 'pending_verification',
      display_name: c.displayName,
      password_hash: passwordHash,
    });
    if (inserted) {
      const token = await this.tokens.issue(id, email, 'verify_email', this.config.verificationTokenTtl);
      await this.outbox.publish(UserCreated, {
        aggregate: { type: 'user', id },
        actor: { type: 'user', id },
        payload: {
          user_id: id,
          email,
          display_name: c.displayName,
          status: 'pending_verification' as const,
          created_at: new Date().toISOString(),
        },
      });
      await this.audit.record('account.registered', 'success', { userId: id, client: c.client });
      await this.mails.verifyEmail(email, token);
      return;
    }
    const existing = await this.users.findByEmail(email);
    if (!existing) return; // deleted concurrently: nothing to tell anyone
    await this.audit.record('account.registration.duplicate', 'failure', { userId: existing.id, client: c.client });
    if (existing.status === 'pending_verification') {
      // Someone signed up with this address and never proved it — perhaps an attacker planting an
      // account for the real owner to verify (pre-account hijacking). The owner gets a link that
      // sets *their* password and verifies the address; the first password never becomes usable
      // through this path.
      const token = await this.tokens.issue(existing.id, email, 'password_reset', this.config.resetTokenTtl);
      await this.mails.completeSignUp(email, token);
    } else {
      await this.mails.alreadyRegistered(email);
    }
  }
}
