import { Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { Mailer, MailMessage } from './mailer';

/** Delivers through an SMTP server (nodemailer; add ?pool=true to SMTP_URL to keep connections open). */
export class SmtpMailer extends Mailer {
  private readonly logger = new Logger('Mailer');
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    super();
    this.transport = createTransport(url);
  }

  async send(message: MailMessage): Promise<void> {
    const info = (await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: { 'X-User-Engine-Kind': message.kind },
    })) as { messageId?: string };
    // The recipient and the kind only: the body may hold a one-time link.
    this.logger.log({ msg: 'mail sent', kind: message.kind, to: message.to, message_id: info.messageId });
  }

  close(): void {
    this.transport.close();
  }
}
