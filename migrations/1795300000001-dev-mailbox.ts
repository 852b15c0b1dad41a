import { MigrationInterface, QueryRunner } from 'typeorm';

/** The development mailbox: outgoing mail kept in the database when no SMTP server is configured. */
export class DevMailbox1795300000001 implements MigrationInterface {
  name = 'DevMailbox1795300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE kernel.dev_mailbox (
        id         uuid PRIMARY KEY,
        recipient  text NOT NULL,
        subject    text NOT NULL,
        text       text NOT NULL,
        html       text,
        kind       text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    await q.query(`CREATE INDEX dev_mailbox_recipient_idx ON kernel.dev_mailbox (recipient, id)`);
    // Messages to every user of every tenant: platform scope only.
    await q.query(`GRANT SELECT, INSERT, DELETE ON kernel.dev_mailbox TO user_engine_platform`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE kernel.dev_mailbox`);
  }
}
