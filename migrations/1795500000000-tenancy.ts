import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tenancy module: tenants, memberships (the tenant-scoped account state, with the member's role
 * bindings) and invitations. Every table is tenant-scoped: `tenant_id` leads every key and FORCE
 * row-level security limits the application role to the transaction's tenant. The tenant row
 * itself belongs to its own tenant (`tenant_id` is its id).
 */
export class Tenancy1795500000000 implements MigrationInterface {
  name = 'Tenancy1795500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA tenancy`);
    await q.query(`GRANT USAGE ON SCHEMA tenancy TO user_engine_app`);
    await q.query(`
      CREATE TABLE tenancy.tenants (
        tenant_id    uuid PRIMARY KEY,
        name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        slug         text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        status       text NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
        created_by   uuid NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        suspended_at timestamptz,
        deleted_at   timestamptz,
        erase_after  timestamptz,
        CHECK ((status = 'deleted') = (deleted_at IS NOT NULL AND erase_after IS NOT NULL))
      )
    `);
    // A slug stays taken until the tenant is erased, so links to a deleted tenant never reach a new one.
    await q.query(`CREATE UNIQUE INDEX tenants_slug_key ON tenancy.tenants (slug)`);
    await q.query(`CREATE INDEX tenants_erase_idx ON tenancy.tenants (erase_after) WHERE status = 'deleted'`);

    await q.query(`
      CREATE TABLE tenancy.memberships (
        tenant_id  uuid NOT NULL REFERENCES tenancy.tenants (tenant_id) ON DELETE CASCADE,
        user_id    uuid NOT NULL,
        -- The member's verified address when they joined, lower-cased: listing and prefix search
        -- stay inside this schema (modules never join each other's tables).
        email      text NOT NULL CHECK (email = lower(email)),
        status     text NOT NULL CHECK (status IN ('active', 'suspended')),
        roles      text[] NOT NULL CHECK (cardinality(roles) BETWEEN 1 AND 32),
        invited_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      )
    `);
    // Members are listed by email (keyset on email, user_id), and searched by email prefix.
    await q.query(`CREATE INDEX memberships_email_idx ON tenancy.memberships (tenant_id, email COLLATE "C", user_id)`);
    await q.query(`CREATE INDEX memberships_user_idx ON tenancy.memberships (user_id)`);

    await q.query(`
      CREATE TABLE tenancy.invitations (
        tenant_id    uuid NOT NULL REFERENCES tenancy.tenants (tenant_id) ON DELETE CASCADE,
        id           uuid NOT NULL,
        email        text NOT NULL CHECK (email = lower(email)),
        roles        text[] NOT NULL CHECK (cardinality(roles) BETWEEN 1 AND 32),
        token_hash   bytea NOT NULL,
        status       text NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
        invited_by   uuid NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        expires_at   timestamptz NOT NULL,
        sent_count   integer NOT NULL DEFAULT 1,
        last_sent_at timestamptz NOT NULL DEFAULT now(),
        accepted_at  timestamptz,
        accepted_by  uuid,
        revoked_at   timestamptz,
        PRIMARY KEY (tenant_id, id)
      )
    `);
    await q.query(`CREATE UNIQUE INDEX invitations_token_key ON tenancy.invitations (token_hash)`);
    // One open invitation per address and tenant.
    await q.query(`CREATE UNIQUE INDEX invitations_pending_email_key ON tenancy.invitations (tenant_id, email) WHERE status = 'pending'`);

    for (const table of ['tenancy.tenants', 'tenancy.memberships', 'tenancy.invitations']) {
      await q.query(`SELECT kernel.enable_tenant_rls('${table}')`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO user_engine_app`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA tenancy CASCADE`);
  }
}
