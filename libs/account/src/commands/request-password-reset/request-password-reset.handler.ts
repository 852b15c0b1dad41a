import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { accountConfig, type AccountConfig } from '../../account.config';
import { AccountAudit } from '../../account-audit';
import { normaliseEmail } from '../../domain/secure-token';
import { AccountMails } from '../../mail/account-mails';
import { EmailTokensRepository } from '../../persistence/email-tokens.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { RequestPasswordReset } from './request-password-reset.command';

/** Mails a reset link when an account that may sign in (or is about to) has this address. */
@CommandHandler(RequestPasswordReset)
export class RequestPasswordResetHandler implements ICommandHandler<RequestPasswordReset, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly mails: AccountMails,
    private readonly audit: AccountAudit,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  async execute(c: RequestPasswordReset): Promise<void> {
    const user = await this.users.findByEmail(normaliseEmail(c.email));
    if (!user?.email || (user.status !== 'active' && user.status !== 'pending_verification')) return;
    const token = await this.tokens.issue(user.id, user.email, 'password_reset', this.config.resetTokenTtl);
    await this.audit.record('account.password_reset.requested', 'success', { userId: user.id, client: c.client });
    await this.mails.passwordReset(user.email, token);
  }
}
