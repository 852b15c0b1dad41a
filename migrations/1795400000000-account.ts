import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account module: global identities (users are not tenant-scoped — a user belongs to many
 * tenants through memberships), their credentials, sessions, tokens, signing keys and login
 * throttling. No row here is tenant data, so these tables have no RLS; the application role reads
 * and writes them directly.
 */
export class Account1795400000000 implements MigrationInterface {
  name = 'Account1795400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA account`);
    await q.query(`GRANT USAGE ON SCHEMA account TO user_engine_app`);
    await q.query(`
      CREATE TABLE account.users (
        id                       uuid PRIMARY KEY,
        email                    text,
        email_verified_at        timestamptz,
        status                   text NOT NULL
                                 CHECK (status IN ('pending_verification', 'active', 'suspended', 'deactivated', 'deleted')),
        display_name             text,
        password_hash            text,
        -- Access tokens issued before this instant are refused (password reset, suspension, deletion).
        sessions_revoked_before  timestamptz,
        created_at               timestamptz NOT NULL DEFAULT now(),
        updated_at               timestamptz NOT NULL DEFAULT now(),
        deleted_at               timestamptz,
        CONSTRAINT users_email_normalised CHECK (email = lower(email)),
        -- A deleted account is a tombstone: nothing personal and no credential survives.
        CONSTRAINT users_tombstone_scrubbed CHECK (
          status <> 'deleted' OR (email IS NULL AND display_name IS NULL AND password_hash IS NULL AND deleted_at IS NOT NULL))
      )
    `);
    // Emails are stored lower-cased, so a plain unique index is case-insensitive uniqueness.
    await q.query(`CREATE UNIQUE INDEX users_email_key ON account.users (email)`);

    await q.query(`
      CREATE TABLE account.email_tokens (
        token_hash  bytea PRIMARY KEY,
        user_id     uuid NOT NULL REFERENCES account.users (id) ON DELETE CASCADE,
        purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
        -- The address the token was mailed to: it proves control of that address only.
        email       text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz
      )
    `);
    await q.query(`CREATE INDEX email_tokens_user_idx ON account.email_tokens (user_id, purpose)`);

    await q.query(`
      CREATE TABLE account.sessions (
        id                   uuid PRIMARY KEY,
        user_id              uuid NOT NULL REFERENCES account.users (id) ON DELETE CASCADE,
        amr                  text[] NOT NULL,
        ip                   text,
        user_agent           text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        last_used_at         timestamptz NOT NULL DEFAULT now(),
        idle_expires_at      timestamptz NOT NULL,
        absolute_expires_at  timestamptz NOT NULL,
        revoked_at           timestamptz,
        revoked_reason       text
      )
    `);
    await q.query(`CREATE INDEX sessions_user_idx ON account.sessions (user_id, id DESC)`);
    await q.query(`CREATE INDEX sessions_revoked_idx ON account.sessions (revoked_at) WHERE revoked_at IS NOT NULL`);

    // Every refresh token ever issued for a session; a rotated one presented again betrays a theft.
    await q.query(`
      CREATE TABLE account.refresh_tokens (
        token_hash  bytea PRIMARY KEY,
        session_id  uuid NOT NULL REFERENCES account.sessions (id) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        rotated_at  timestamptz
      )
    `);
    await q.query(`CREATE INDEX refresh_tokens_session_idx ON account.refresh_tokens (session_id)`);

    await q.query(`
      CREATE TABLE account.signing_keys (
        kid          text PRIMARY KEY,
        alg          text NOT NULL,
        public_jwk   jsonb NOT NULL,
        -- AES-256-GCM (iv ‖ tag ‖ ciphertext) of the PKCS#8 private key, under KEYS_ENCRYPTION_KEY.
        private_key  bytea NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        -- When the key stopped signing; it stays published until tokens it signed have expired.
        retired_at   timestamptz
      )
    `);

    await q.query(`
      CREATE TABLE account.identities (
        id            uuid PRIMARY KEY,
        user_id       uuid NOT NULL REFERENCES account.users (id) ON DELETE CASCADE,
        provider      text NOT NULL,
        subject       text NOT NULL,
        email         text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        CONSTRAINT identities_provider_subject_key UNIQUE (provider, subject)
      )
    `);
    await q.query(`CREATE INDEX identities_user_idx ON account.identities (user_id)`);

    await q.query(`
      CREATE TABLE account.login_throttle (
        key                text PRIMARY KEY,
        failures           integer NOT NULL,
        window_started_at  timestamptz NOT NULL,
        blocked_until      timestamptz,
        updated_at         timestamptz NOT NULL DEFAULT now()
      )
    `);

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA account TO user_engine_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA account CASCADE`);
  }
}
