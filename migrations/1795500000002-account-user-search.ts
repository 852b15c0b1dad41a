import { MigrationInterface, QueryRunner } from 'typeorm';

/** Platform operators search users by email prefix: a byte-order index serves `LIKE 'prefix%'`. */
export class AccountUserSearch1795500000002 implements MigrationInterface {
  name = 'AccountUserSearch1795500000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX users_email_prefix_idx ON account.users (email COLLATE "C", id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX account.users_email_prefix_idx`);
  }
}
