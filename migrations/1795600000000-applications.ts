import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registered applications (sibling services) of the access module: platform resources, not tenant
 * data. Every process reads them (API keys will point at them); only the platform scope writes.
 */
export class Applications1795600000000 implements MigrationInterface {
  name = 'Applications1795600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access.applications (
        id          uuid PRIMARY KEY,
        key         text NOT NULL CHECK (key ~ '^[a-z][a-z0-9-]{1,31}$'),
        name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        description text CHECK (char_length(description) <= 1000),
        status      text NOT NULL CHECK (status IN ('active', 'disabled')),
        created_by  uuid,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
      )
    `);
    // The key namespaces an application's permissions (`billing:invoices.read`): never reused.
    await q.query(`CREATE UNIQUE INDEX applications_key_key ON access.applications (key)`);
    await q.query(`GRANT SELECT ON access.applications TO user_engine_app`);
    await q.query(`GRANT INSERT, UPDATE ON access.applications TO user_engine_platform`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access.applications`);
  }
}
