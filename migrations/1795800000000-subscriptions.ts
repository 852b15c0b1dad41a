import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The subscription module:
 * - `plans`: the platform's catalog (not tenant-scoped), archived rather than deleted;
 * - `subscriptions`: one current subscription per subject (a partial unique index), a user's or a
 *   tenant's. A tenant's rows carry its id in `tenant_id`; a user's have none. Row-level security
 *   confines tenant rows to the transaction's tenant and leaves users' rows (global data, like their
 *   profile) visible — a query that forgets its tenant sees no tenant's subscription;
 * - `trials`: one row per subject that ever had a trial — one trial per subject, ever;
 * - `charges`: the ledger (integer minor units), never deleted;
 * - `membership_plans`: plan overrides of single members, tenant-scoped like memberships.
 * The limits repeat the application's rules, so no path can store what the API refuses.
 */
export class Subscriptions1795800000000 implements MigrationInterface {
  name = 'Subscriptions1795800000000';

  async up(q: QueryRunner): Promise<void> {
    const current = `status IN ('trialing', 'active', 'past_due')`;
    await q.query(`CREATE SCHEMA subscription`);
    await q.query(`GRANT USAGE ON SCHEMA subscription TO user_engine_app`);
    await q.query(`
      CREATE TABLE subscription.plans (
        key          text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9-]{0,39}$'),
        name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        description  text CHECK (char_length(description) BETWEEN 1 AND 1000),
        price        bigint NOT NULL CHECK (price BETWEEN 0 AND 10000000000),
        currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        interval     text NOT NULL CHECK (interval IN ('month', 'year')),
        trial_days   integer NOT NULL CHECK (trial_days BETWEEN 0 AND 365),
        seats        integer CHECK (seats BETWEEN 1 AND 1000000),
        features     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(features) = 'object'),
        status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )
    `);
    await q.query(`
      CREATE TABLE subscription.subscriptions (
        id                   uuid PRIMARY KEY,
        subject_type         text NOT NULL CHECK (subject_type IN ('user', 'tenant')),
        subject_id           uuid NOT NULL,
        tenant_id            uuid,
        plan_key             text NOT NULL REFERENCES subscription.plans (key),
        status               text NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'canceled', 'expired')),
        anchor_day           integer NOT NULL CHECK (anchor_day BETWEEN 1 AND 31),
        trial_ends_at        timestamptz,
        current_period_start timestamptz NOT NULL,
        current_period_end   timestamptz NOT NULL,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        scheduled_plan_key   text REFERENCES subscription.plans (key),
        past_due_since       timestamptz,
        canceled_at          timestamptz,
        ended_at             timestamptz,
        created_at           timestamptz NOT NULL,
        updated_at           timestamptz NOT NULL,
        CHECK (current_period_end > current_period_start),
        CHECK (CASE subject_type WHEN 'tenant' THEN tenant_id = subject_id ELSE tenant_id IS NULL END),
        CHECK (status <> 'trialing' OR trial_ends_at IS NOT NULL),
        CHECK ((status = 'past_due') = (past_due_since IS NOT NULL)),
        CHECK ((status IN ('canceled', 'expired')) = (ended_at IS NOT NULL))
      )
    `);
    await q.query(
      `CREATE UNIQUE INDEX subscriptions_current_idx ON subscription.subscriptions (subject_type, subject_id) WHERE ${current}`,
    );
    await q.query(`CREATE INDEX subscriptions_subject_idx ON subscription.subscriptions (subject_type, subject_id, id)`);
    await q.query(`CREATE INDEX subscriptions_tenant_idx ON subscription.subscriptions (tenant_id) WHERE tenant_id IS NOT NULL`);
    // What the clock looks for: trials and periods that end, and past-due ones.
    await q.query(`CREATE INDEX subscriptions_trial_end_idx ON subscription.subscriptions (trial_ends_at) WHERE status = 'trialing'`);
    await q.query(`CREATE INDEX subscriptions_period_end_idx ON subscription.subscriptions (current_period_end) WHERE ${current}`);
    await q.query(`
      CREATE TABLE subscription.trials (
        subject_type    text NOT NULL CHECK (subject_type IN ('user', 'tenant')),
        subject_id      uuid NOT NULL,
        tenant_id       uuid,
        subscription_id uuid NOT NULL,
        plan_key        text NOT NULL,
        started_at      timestamptz NOT NULL,
        ends_at         timestamptz NOT NULL,
        PRIMARY KEY (subject_type, subject_id),
        CHECK (CASE subject_type WHEN 'tenant' THEN tenant_id = subject_id ELSE tenant_id IS NULL END)
      )
    `);
    await q.query(`
      CREATE TABLE subscription.charges (
        id              uuid PRIMARY KEY,
        subscription_id uuid NOT NULL REFERENCES subscription.subscriptions (id),
        tenant_id       uuid,
        kind            text NOT NULL CHECK (kind IN ('initial', 'proration', 'renewal')),
        plan_key        text NOT NULL,
        amount          bigint NOT NULL CHECK (amount > 0),
        currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
        provider        text NOT NULL,
        reference       text CHECK (char_length(reference) BETWEEN 1 AND 200),
        details         jsonb NOT NULL DEFAULT '{}',
        period_start    timestamptz NOT NULL,
        period_end      timestamptz NOT NULL,
        created_at      timestamptz NOT NULL,
        settled_at      timestamptz
      )
    `);
    await q.query(`CREATE INDEX charges_subscription_idx ON subscription.charges (subscription_id, id)`);
    await q.query(`CREATE INDEX charges_open_idx ON subscription.charges (subscription_id, created_at) WHERE status <> 'paid'`);
    await q.query(`
      CREATE TABLE subscription.membership_plans (
        tenant_id  uuid NOT NULL,
        user_id    uuid NOT NULL,
        plan_key   text NOT NULL REFERENCES subscription.plans (key),
        set_by     uuid,
        set_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      )
    `);
    await q.query(`CREATE INDEX membership_plans_user_idx ON subscription.membership_plans (user_id)`);
    await q.query(`SELECT kernel.enable_tenant_rls('subscription.membership_plans')`);
    for (const table of ['subscriptions', 'trials', 'charges']) {
      await q.query(`ALTER TABLE subscription.${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE subscription.${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY subject_isolation ON subscription.${table} TO user_engine_app
          USING (tenant_id IS NULL OR tenant_id = kernel.current_tenant_id())
          WITH CHECK (tenant_id IS NULL OR tenant_id = kernel.current_tenant_id())`);
      await q.query(`CREATE POLICY platform_scope ON subscription.${table} TO user_engine_platform USING (true) WITH CHECK (true)`);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE ON subscription.plans, subscription.subscriptions, subscription.trials TO user_engine_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON subscription.charges TO user_engine_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON subscription.membership_plans TO user_engine_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA subscription CASCADE`);
  }
}
