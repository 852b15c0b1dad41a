import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access module: tenants' custom roles (tenant-scoped, RLS) and platform roles. Built-in roles
 * live in code; platform roles are readable by the application role (every authorization needs
 * them) but granted and revoked only in the platform scope.
 */
export class Access1795500000001 implements MigrationInterface {
  name = 'Access1795500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA access`);
    await q.query(`GRANT USAGE ON SCHEMA access TO user_engine_app`);
    await q.query(`
      CREATE TABLE access.roles (
        tenant_id   uuid NOT NULL,
        key         text NOT NULL CHECK (key ~ '^[a-z][a-z0-9-]{1,47}$' AND key NOT IN ('owner', 'admin', 'editor', 'viewer')),
        name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        description text CHECK (char_length(description) <= 500),
        permissions text[] NOT NULL,
        inherits    text[] NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
      )
    `);
    await q.query(`SELECT kernel.enable_tenant_rls('access.roles')`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON access.roles TO user_engine_app`);

    await q.query(`
      CREATE TABLE access.platform_roles (
        user_id    uuid NOT NULL,
        role       text NOT NULL CHECK (role IN ('platform-operator')),
        granted_by uuid,
        granted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, role)
      )
    `);
    await q.query(`GRANT SELECT ON access.platform_roles TO user_engine_app`);
    await q.query(`GRANT INSERT, DELETE ON access.platform_roles TO user_engine_platform`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA access CASCADE`);
  }
}
