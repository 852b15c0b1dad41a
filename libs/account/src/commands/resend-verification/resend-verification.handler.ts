import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { accountConfig, type AccountConfig } from '../../account.config';
import { AccountAudit } from '../../account-audit';
import { normaliseEmail } from '../../domain/secure-token';
import { AccountMails } from '../../mail/account-mails';
import { EmailTokensRepository } from '../../persistence/email-tokens.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { ResendVerification } from './resend-verification.command';

/** A new verification link, for an account still waiting for one; nothing otherwise. */
@CommandHandler(ResendVerification)
export class ResendVerificationHandler implements ICommandHandler<ResendVerification, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly mails: AccountMails,
    private readonly audit: AccountAudit,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  async execute(c: ResendVerification): Promise<void> {
    const email = normaliseEmail(c.email);
    const user = await this.users.findByEmail(email);
    if (!user || user.status !== 'pending_verification' || !user.email) return;
    const token = await this.tokens.issue(user.id, user.email, 'verify_email', this.config.verificationTokenTtl);
    await this.audit.record('account.verification_resent', 'success', { userId: user.id, client: c.client });
    await this.mails.verifyEmail(user.email, token);
  }
}
