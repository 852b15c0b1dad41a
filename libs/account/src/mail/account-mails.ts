import { Inject, Injectable } from '@nestjs/common';
import { httpConfig, type HttpConfig, Mailer, type MailMessage, renderMail as render, UnitOfWork } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../account.config';
import { Background } from '../background';

const minutes = (ms: number) => (ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} hours` : `${Math.round(ms / 60_000)} minutes`);

/**
 * The account module's mails (text and HTML). They are sent after the transaction that made their
 * token commits and without the request waiting: a slow SMTP server must neither delay a response
 * nor reveal by its timing which branch (new or existing account) a request took.
 */
@Injectable()
export class AccountMails {
  private readonly base: string;

  constructor(
    private readonly mailer: Mailer,
    private readonly background: Background,
    private readonly uow: UnitOfWork,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
    @Inject(httpConfig.KEY) http: HttpConfig,
  ) {
    this.base = (config.linkBaseUrl ?? http.publicUrl).replace(/\/+$/, '');
  }

  /** After the current transaction commits (never for one that rolls back), without waiting for SMTP. */
  private send(message: MailMessage): Promise<void> {
    return this.uow.afterCommit(() => this.background.run(`mail ${message.kind}`, () => this.mailer.send(message)));
  }

  verifyEmail(to: string, token: string): Promise<void> {
    return this.send(
      render(to, {
        kind: 'account.verify-email',
        subject: 'Confirm your email address',
        lines: [
          'Welcome! Please confirm that this is your email address.',
          `The link is valid for ${minutes(this.config.verificationTokenTtl)}. If you did not sign up, ignore this mail.`,
        ],
        action: { label: 'Confirm email address', url: `${this.base}/verify-email?token=${token}` },
      }),
    );
  }

  alreadyRegistered(to: string): Promise<void> {
    return this.send(
      render(to, {
        kind: 'account.already-registered',
        subject: 'Someone tried to sign up with your address',
        lines: [
          'Someone tried to create an account with this email address, which already has one.',
          'If it was you, sign in instead, or reset your password if you forgot it. If not, you can ignore this mail: nothing changed.',
        ],
        action: { label: 'Reset your password', url: `${this.base}/reset-password` },
      }),
    );
  }

  completeSignUp(to: string, token: string): Promise<void> {
    return this.send(
      render(to, {
        kind: 'account.complete-sign-up',
        subject: 'Finish signing up',
        lines: [
          'Someone — probably you — signed up with this address, which already has an unconfirmed account.',
          `To finish, choose your password with this link (valid for ${minutes(this.config.resetTokenTtl)}); it also confirms your address. If it was not you, ignore this mail.`,
        ],
        action: { label: 'Choose your password', url: `${this.base}/reset-password?token=${token}` },
      }),
    );
  }

  passwordReset(to: string, token: string): Promise<void> {
    return this.send(
      render(to, {
        kind: 'account.password-reset',
        subject: 'Reset your password',
        lines: [
          'We received a request to reset the password of your account.',
          `The link is valid for ${minutes(this.config.resetTokenTtl)} and can be used once. If you did not ask for it, ignore this mail.`,
        ],
        action: { label: 'Choose a new password', url: `${this.base}/reset-password?token=${token}` },
      }),
    );
  }

  passwordChanged(to: string, how: 'reset' | 'change'): Promise<void> {
    return this.send(
      render(to, {
        kind: 'account.password-changed',
        subject: 'Your password was changed',
        lines: [
          how === 'reset'
            ? 'The password of your account was just reset, and every session was signed out.'
            : 'The password of your account was just changed, and your other sessions were signed out.',
          'If this was not you, reset your password now and contact support.',
        ],
        action: { label: 'Reset your password', url: `${this.base}/reset-password` },
      }),
    );
  }

  identityLinked(to: string, provider: string): Promise<void> {
    return this.send(
      render(to, {
        kind: 'account.identity-linked',
        subject: 'A sign-in method was added to your account',
        lines: [
          `An account at "${provider}" can now sign in to your account.`,
          'If this was not you, remove it from your linked identities and reset your password.',
        ],
      }),
    );
  }

  accountDeleted(to: string): Promise<void> {
    return this.send(
      render(to, {
        kind: 'account.deleted',
        subject: 'Your account was deleted',
        lines: ['Your account and its personal data have been deleted. This cannot be undone.'],
      }),
    );
  }
}
