import { Injectable, OnApplicationShutdown, type Provider } from '@nestjs/common';
import { ConfigValidationError } from '../config/define-config';
import { kernelConfig, type KernelConfig } from '../config/kernel.config';
import { mailConfig, type MailConfig } from '../config/mail.config';
import { UnitOfWork } from '../database/unit-of-work';
import { DevMailbox } from './dev-mailbox';
import { Mailer } from './mailer';
import { SmtpMailer } from './smtp-mailer';

const mailerProvider: Provider = {
  provide: Mailer,
  inject: [mailConfig.KEY, kernelConfig.KEY, UnitOfWork],
  useFactory: (mail: MailConfig, kernel: KernelConfig, uow: UnitOfWork): Mailer => {
    if (mail.smtpUrl) return new SmtpMailer(mail.smtpUrl, mail.from);
    if (kernel.nodeEnv === 'production') {
      // The development mailbox logs one-time links: never in production.
      throw new ConfigValidationError([
        { variable: 'SMTP_URL', message: 'is required when NODE_ENV=production (an smtp:// or smtps:// URL)' },
      ]);
    }
    return new DevMailbox(uow);
  },
};

/** Closes the SMTP connection pool at shutdown. */
@Injectable()
export class MailerLifecycle implements OnApplicationShutdown {
  constructor(private readonly mailer: Mailer) {}

  onApplicationShutdown(): void {
    if (this.mailer instanceof SmtpMailer) this.mailer.close();
  }
}

export const mailProviders: Provider[] = [mailerProvider, MailerLifecycle];
