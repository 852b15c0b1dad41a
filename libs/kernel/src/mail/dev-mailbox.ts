import { Logger } from '@nestjs/common';
import { queryRows } from '../database/query-rows';
import { Scopes, UnitOfWork } from '../database/unit-of-work';
import { uuidv7 } from '../ids/uuid';
import { Mailer, MailMessage } from './mailer';

export interface StoredMail extends MailMessage {
  id: string;
  created_at: Date;
}

/**
 * Development mail: messages are stored in `kernel.dev_mailbox`, readable with `cli mailbox`, and
 * printed to the log with their text (links included) — which is why production refuses it.
 */
export class DevMailbox extends Mailer {
  private readonly logger = new Logger('DevMailbox');

  constructor(private readonly uow: UnitOfWork) {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    await this.uow.runSeparately(Scopes.platform, (m) =>
      m.query(`INSERT INTO kernel.dev_mailbox (id, recipient, subject, text, html, kind) VALUES ($1, $2, $3, $4, $5, $6)`, [
        uuidv7(),
        message.to.toLowerCase(),
        message.subject,
        message.text,
        message.html ?? null,
        message.kind,
      ]),
    );
    this.logger.log(`mail to ${message.to} (${message.kind}): ${message.subject}\n${message.text}`);
  }

  /** Newest first; `to` filters by recipient. */
  list(options: { to?: string; limit?: number } = {}): Promise<StoredMail[]> {
    return this.uow.run(Scopes.platform, (m) =>
      queryRows<StoredMail>(
        m,
        `SELECT id, recipient AS "to", subject, text, html, kind, created_at FROM kernel.dev_mailbox
          WHERE ($1::text IS NULL OR recipient = lower($1)) ORDER BY id DESC LIMIT $2`,
        [options.to ?? null, options.limit ?? 20],
      ),
    );
  }
}
