import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The profile module:
 * - `profiles`: one global profile per user (not tenant-scoped), with the values of the
 *   applications' global-scope attributes (`{application_key: {attribute: value}}`);
 * - `tenant_layers`: a user's overrides inside one tenant, with the tenant-scope attribute values.
 *   Tenant-scoped: `tenant_id` leads the key and FORCE row-level security confines it to the
 *   transaction's tenant.
 * The length limits repeat the application's rules, so no path can store what the API refuses.
 */
export class Profiles1795700000000 implements MigrationInterface {
  name = 'Profiles1795700000000';

  async up(q: QueryRunner): Promise<void> {
    const fields = (title: boolean) => `
        display_name text CHECK (char_length(display_name) BETWEEN 1 AND 100),
        first_name   text CHECK (char_length(first_name) BETWEEN 1 AND 100),
        last_name    text CHECK (char_length(last_name) BETWEEN 1 AND 100),
        ${title ? 'title        text CHECK (char_length(title) BETWEEN 1 AND 100),' : ''}
        bio          text CHECK (char_length(bio) BETWEEN 1 AND 500),
        picture_url  text CHECK (char_length(picture_url) BETWEEN 1 AND 2048 AND picture_url LIKE 'https://%'),
        locale       text CHECK (char_length(locale) BETWEEN 2 AND 35),
        timezone     text CHECK (char_length(timezone) BETWEEN 1 AND 64),
        attributes   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()`;
    await q.query(`CREATE SCHEMA profile`);
    await q.query(`GRANT USAGE ON SCHEMA profile TO user_engine_app`);
    await q.query(`
      CREATE TABLE profile.profiles (
        user_id      uuid PRIMARY KEY,
        ${fields(false)}
      )
    `);
    await q.query(`
      CREATE TABLE profile.tenant_layers (
        tenant_id    uuid NOT NULL,
        user_id      uuid NOT NULL,
        ${fields(true)},
        PRIMARY KEY (tenant_id, user_id)
      )
    `);
    // Erasing a user's layers in every tenant looks them up by user.
    await q.query(`CREATE INDEX tenant_layers_user_idx ON profile.tenant_layers (user_id)`);
    await q.query(`SELECT kernel.enable_tenant_rls('profile.tenant_layers')`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON profile.profiles, profile.tenant_layers TO user_engine_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA profile CASCADE`);
  }
}
