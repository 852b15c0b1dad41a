import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Applications' credentials and catalogs (access module), platform resources like the applications:
 * - `api_keys`: only a SHA-256 of the secret and a short display prefix are stored. The application
 *   role reads them (every internal request authenticates) and may only touch `last_used_at`.
 * - `catalog_versions`: every published catalog, append-only; `catalog_permissions` and
 *   `catalog_attributes` hold the current version, which authorization and profiles read.
 */
export class ApiKeysAndCatalogs1795600000001 implements MigrationInterface {
  name = 'ApiKeysAndCatalogs1795600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access.api_keys (
        id             uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES access.applications (id),
        name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        prefix         text NOT NULL,
        secret_hash    bytea NOT NULL,
        scopes         text[] NOT NULL CHECK (cardinality(scopes) > 0),
        tenant_id      uuid,
        expires_at     timestamptz,
        created_by     uuid,
        created_at     timestamptz NOT NULL DEFAULT now(),
        last_used_at   timestamptz,
        revoked_at     timestamptz,
        revoked_by     uuid
      )
    `);
    await q.query(`CREATE UNIQUE INDEX api_keys_secret_hash_key ON access.api_keys (secret_hash)`);
    await q.query(`CREATE INDEX api_keys_application_idx ON access.api_keys (application_id, id)`);
    await q.query(`GRANT SELECT, UPDATE (last_used_at) ON access.api_keys TO user_engine_app`);
    await q.query(`GRANT INSERT, UPDATE ON access.api_keys TO user_engine_platform`);

    await q.query(`ALTER TABLE access.applications ADD COLUMN catalog_version integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE access.catalog_versions (
        application_id uuid NOT NULL REFERENCES access.applications (id),
        version        integer NOT NULL CHECK (version > 0),
        permissions    jsonb NOT NULL,
        attributes     jsonb NOT NULL,
        published_by   uuid,
        published_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (application_id, version)
      )
    `);
    await q.query(`
      CREATE TABLE access.catalog_permissions (
        key            text PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES access.applications (id),
        description    text NOT NULL,
        default_role   text NOT NULL CHECK (default_role IN ('viewer', 'editor', 'admin', 'owner')),
        deprecated     boolean NOT NULL DEFAULT false
      )
    `);
    await q.query(`CREATE INDEX catalog_permissions_application_idx ON access.catalog_permissions (application_id)`);
    await q.query(`
      CREATE TABLE access.catalog_attributes (
        application_id uuid NOT NULL REFERENCES access.applications (id),
        key            text NOT NULL,
        type           text NOT NULL CHECK (type IN ('string', 'integer', 'number', 'boolean')),
        scope          text NOT NULL CHECK (scope IN ('global', 'tenant')),
        description    text,
        constraints    jsonb NOT NULL DEFAULT '{}',
        default_value  jsonb,
        PRIMARY KEY (application_id, key)
      )
    `);
    await q.query(`GRANT SELECT ON access.catalog_versions, access.catalog_permissions, access.catalog_attributes TO user_engine_app`);
    await q.query(`GRANT INSERT ON access.catalog_versions TO user_engine_platform`);
    await q.query(`GRANT INSERT, UPDATE, DELETE ON access.catalog_permissions, access.catalog_attributes TO user_engine_platform`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access.catalog_attributes, access.catalog_permissions, access.catalog_versions, access.api_keys`);
    await q.query(`ALTER TABLE access.applications DROP COLUMN catalog_version`);
  }
}
