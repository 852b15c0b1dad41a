import { ConfigType } from '@nestjs/config';
import { defineConfig } from './define-config';
import { env } from './env';

export const mailConfig = defineConfig('mail', {
  smtpUrl: env.optionalUrl('SMTP_URL', {
    protocols: ['smtp', 'smtps'],
    secret: true,
    description: 'SMTP server for outgoing mail (smtp://user:pass@host:587). Unset: the development mailbox (not allowed in production).',
  }),
  from: env.string('MAIL_FROM', {
    default: 'User Engine <no-reply@localhost>',
    description: 'Sender of outgoing mail.',
  }),
});
export type MailConfig = ConfigType<typeof mailConfig>;
