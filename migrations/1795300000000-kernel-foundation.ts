import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The kernel: application roles, the tenant row-level-security helper every module uses, the
 * outbox/inbox, the hash-chained audit log and idempotency keys.
 */
export class KernelFoundation1795300000000 implements MigrationInterface {
  name = 'KernelFoundation1795300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        -- Roles are cluster-wide: create them once, tolerating a concurrent creator.
        BEGIN
          CREATE ROLE user_engine_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
        BEGIN
          CREATE ROLE user_engine_platform NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
      END $$;
    `);
    // The platform role can do what the app role can; the connecting user may switch to both.
    await q.query(`GRANT user_engine_app TO user_engine_platform`);
    await q.query(`DO $$ BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT user_engine_app, user_engine_platform TO %I', current_user);
      END IF;
    END $$`);
    await q.query(`GRANT SELECT ON public.user_engine_migrations TO user_engine_app`);

    await q.query(`CREATE SCHEMA kernel`);
    await q.query(`GRANT USAGE ON SCHEMA kernel TO user_engine_app`);

    // --- Tenant isolation -------------------------------------------------------------------
    await q.query(`
      CREATE FUNCTION kernel.current_tenant_id() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$
    `);
    // Every tenant-scoped table calls this in its migration. The app role sees only the tenant set
    // for the transaction (none when unset); the platform role sees everything.
    await q.query(`
      CREATE FUNCTION kernel.enable_tenant_rls(tbl regclass) RETURNS void
      LANGUAGE plpgsql
      AS $$
      BEGIN
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
        EXECUTE format('CREATE POLICY tenant_isolation ON %s TO user_engine_app
                          USING (tenant_id = kernel.current_tenant_id())
                          WITH CHECK (tenant_id = kernel.current_tenant_id())', tbl);
        EXECUTE format('CREATE POLICY platform_scope ON %s TO user_engine_platform USING (true) WITH CHECK (true)', tbl);
      END $$
    `);

    // --- Outbox / inbox ----------------------------------------------------------------------
    await q.query(`
      CREATE TABLE kernel.outbox (
        id              uuid PRIMARY KEY,
        type            text NOT NULL,
        version         integer NOT NULL,
        tenant_id       uuid,
        aggregate_type  text NOT NULL,
        aggregate_id    text NOT NULL,
        actor           jsonb,
        request_id      text,
        occurred_at     timestamptz NOT NULL,
        payload         jsonb NOT NULL,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'skipped')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_by      text,
        claimed_until   timestamptz,
        last_error      text,
        delivered_at    timestamptz,
        dead_at         timestamptz
      )
    `);
    await q.query(`CREATE INDEX outbox_pending_idx ON kernel.outbox (id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX outbox_pending_aggregate_idx ON kernel.outbox (aggregate_type, aggregate_id, id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX outbox_dead_idx ON kernel.outbox (dead_at) WHERE status = 'dead'`);
    await q.query(`CREATE INDEX outbox_delivered_idx ON kernel.outbox (delivered_at) WHERE status = 'delivered'`);
    await q.query(`
      CREATE FUNCTION kernel.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('kernel_outbox', '');
        RETURN NULL;
      END $$
    `);
    await q.query(`CREATE TRIGGER outbox_notify AFTER INSERT ON kernel.outbox FOR EACH STATEMENT EXECUTE FUNCTION kernel.outbox_notify()`);
    // Any transaction may add events; only platform-scoped work (dispatcher, operators) reads them,
    // since events carry tenants' data.
    await q.query(`GRANT INSERT ON kernel.outbox TO user_engine_app`);
    await q.query(`GRANT SELECT, UPDATE, DELETE ON kernel.outbox TO user_engine_platform`);
    // Which handler consumes which event type, announced by every running dispatcher: an event is
    // delivered when every handler a live instance announced has its inbox record.
    await q.query(`
      CREATE TABLE kernel.event_subscriptions (
        handler    text NOT NULL,
        event_type text NOT NULL,
        seen_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (handler, event_type)
      )
    `);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON kernel.event_subscriptions TO user_engine_platform`);

    await q.query(`
      CREATE TABLE kernel.inbox (
        handler      text NOT NULL,
        event_id     uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (handler, event_id)
      )
    `);
    await q.query(`GRANT SELECT, INSERT, DELETE ON kernel.inbox TO user_engine_app`);

    // --- Audit log ---------------------------------------------------------------------------
    // Entries are appended inside business transactions without touching a chain head, so appends
    // never wait on each other; a sealer later links each chain (one per tenant, plus the platform
    // chain) by sequence number and SHA-256 hash. The only change a row ever accepts is that seal.
    await q.query(`
      CREATE TABLE kernel.audit_log (
        chain_id      uuid NOT NULL,
        id            uuid NOT NULL,
        tenant_id     uuid,
        occurred_at   timestamptz NOT NULL,
        actor_type    text NOT NULL,
        actor_id      text,
        action        text NOT NULL,
        outcome       text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        resource_type text,
        resource_id   text,
        request_id    text,
        ip            text,
        user_agent    text,
        data          jsonb NOT NULL DEFAULT '{}'::jsonb,
        seq           bigint,
        prev_hash     bytea,
        hash          bytea,
        sealed_at     timestamptz,
        PRIMARY KEY (chain_id, id),
        CHECK (chain_id = coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid))
      )
    `);
    await q.query(`CREATE UNIQUE INDEX audit_log_seq_idx ON kernel.audit_log (chain_id, seq) WHERE seq IS NOT NULL`);
    await q.query(`CREATE INDEX audit_log_unsealed_idx ON kernel.audit_log (chain_id, id) WHERE seq IS NULL`);
    await q.query(`CREATE INDEX audit_log_tenant_time_idx ON kernel.audit_log (tenant_id, occurred_at, id)`);
    await q.query(`SELECT kernel.enable_tenant_rls('kernel.audit_log')`);
    await q.query(`
      CREATE FUNCTION kernel.audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
          RAISE EXCEPTION 'kernel.audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL
           OR (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash' - 'sealed_at')
              IS DISTINCT FROM (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash' - 'sealed_at') THEN
          RAISE EXCEPTION 'kernel.audit_log is append-only: entries cannot be changed' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$
    `);
    await q.query(
      `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON kernel.audit_log FOR EACH ROW EXECUTE FUNCTION kernel.audit_log_guard()`,
    );
    await q.query(
      `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON kernel.audit_log FOR EACH STATEMENT EXECUTE FUNCTION kernel.audit_log_guard()`,
    );
    await q.query(`GRANT SELECT, INSERT ON kernel.audit_log TO user_engine_app`);
    await q.query(`GRANT UPDATE (seq, prev_hash, hash, sealed_at) ON kernel.audit_log TO user_engine_platform`);

    // The canonical text of an entry: fixed member order, UTC timestamps with microseconds.
    await q.query(`
      CREATE FUNCTION kernel.audit_hash(prev bytea, a kernel.audit_log) RETURNS bytea
      LANGUAGE sql STABLE
      AS $$
        SELECT sha256(coalesce(prev, '\\x'::bytea) || convert_to(jsonb_build_array(
          a.id, a.chain_id, a.tenant_id,
          to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          a.actor_type, a.actor_id, a.action, a.outcome, a.resource_type, a.resource_id,
          a.request_id, a.ip, a.user_agent, a.data)::text, 'UTF8'))
      $$
    `);
    await q.query(`
      CREATE TABLE kernel.audit_chains (
        chain_id  uuid PRIMARY KEY,
        last_seq  bigint NOT NULL DEFAULT 0,
        last_hash bytea,
        sealed_at timestamptz
      )
    `);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON kernel.audit_chains TO user_engine_platform`);
    // Seals up to p_limit pending entries of one chain. The chain head row lock serialises sealers of
    // that chain only; appends never take it.
    await q.query(`
      CREATE FUNCTION kernel.seal_audit_chain(p_chain uuid, p_limit integer) RETURNS integer
      LANGUAGE plpgsql
      AS $$
      DECLARE
        head kernel.audit_chains;
        entry kernel.audit_log;
        h bytea;
        s bigint;
        n integer := 0;
      BEGIN
        INSERT INTO kernel.audit_chains (chain_id) VALUES (p_chain) ON CONFLICT DO NOTHING;
        SELECT * INTO head FROM kernel.audit_chains WHERE chain_id = p_chain FOR UPDATE;
        s := head.last_seq;
        h := head.last_hash;
        FOR entry IN
          SELECT * FROM kernel.audit_log WHERE chain_id = p_chain AND seq IS NULL ORDER BY id LIMIT p_limit
        LOOP
          s := s + 1;
          UPDATE kernel.audit_log
             SET seq = s, prev_hash = h, hash = kernel.audit_hash(h, entry), sealed_at = now()
           WHERE chain_id = entry.chain_id AND id = entry.id
          RETURNING hash INTO h;
          n := n + 1;
        END LOOP;
        IF n > 0 THEN
          UPDATE kernel.audit_chains SET last_seq = s, last_hash = h, sealed_at = now() WHERE chain_id = p_chain;
        END IF;
        RETURN n;
      END $$
    `);

    // --- Idempotency keys --------------------------------------------------------------------
    await q.query(`
      CREATE TABLE kernel.idempotency_keys (
        scope           text NOT NULL,
        key             text NOT NULL,
        request_hash    text NOT NULL,
        status          text NOT NULL CHECK (status IN ('processing', 'completed')),
        response_status integer,
        response_body   jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        expires_at      timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )
    `);
    await q.query(`CREATE INDEX idempotency_keys_expiry_idx ON kernel.idempotency_keys (expires_at)`);
    // Stored responses belong to their callers: only the kernel's platform-scoped code touches them.
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON kernel.idempotency_keys TO user_engine_platform`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA kernel CASCADE`);
    await q.query(`REVOKE SELECT ON public.user_engine_migrations FROM user_engine_app`);
    // The roles are cluster-wide and may serve other databases of the cluster: they are kept.
  }
}
