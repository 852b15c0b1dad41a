/** An outgoing message, already rendered (text and, optionally, HTML). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** What the mail is for (`account.verify-email`): a tag for the mailbox and the logs. */
  kind: string;
}

/**
 * The port every module sends mail through. SMTP when SMTP_URL is set; otherwise the development
 * mailbox, so a newcomer can finish sign-up locally.
 */
export abstract class Mailer {
  abstract send(message: MailMessage): Promise<void>;
}
