/**
 * Seeds the `list-members` data set: 100,000 users and one tenant ("bench-10k") with 10,000
 * members, among them `owner`. Idempotent: what exists is reused. Runs as the database's owner
 * (bulk SQL, not the API: a benchmark's fixture, not what it measures).
 *
 *   node -r ./test/support/ts-register.js bench/seed-members.ts <database-url> <owner-email>
 */
import { Client } from 'pg';

export const SEED_USERS = 100_000;
export const SEED_MEMBERS = 10_000;
export const SEED_SLUG = 'bench-10k';

export async function seedMembers(databaseUrl: string, owner: { id: string; email: string }): Promise<{ tenantId: string }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const [{ n }] = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM account.users WHERE email LIKE 'seed.%@bench.example.com'`))
      .rows;
    if (Number(n) < SEED_USERS) {
      // Time-ordered ids (uuidv7 layout: 48-bit ms timestamp, version 7, variant 10).
      await db.query(
        `INSERT INTO account.users (id, email, email_verified_at, status, display_name, password_hash)
         SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
                 || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid,
                'seed.' || lpad(i::text, 6, '0') || '@bench.example.com', now(), 'active', 'Seed ' || i, NULL
           FROM generate_series($1::int, $2::int) AS i
         ON CONFLICT (email) DO NOTHING`,
        [Number(n) + 1, SEED_USERS],
      );
    }
    let tenant = (await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM tenancy.tenants WHERE slug = $1`, [SEED_SLUG])).rows[0];
    if (!tenant) {
      tenant = (
        await db.query<{ tenant_id: string }>(
          `INSERT INTO tenancy.tenants (tenant_id, name, slug, status, created_by)
           VALUES (gen_random_uuid(), 'Bench 10k', $1, 'active', $2) RETURNING tenant_id`,
          [SEED_SLUG, owner.id],
        )
      ).rows[0];
    }
    await db.query(
      `INSERT INTO tenancy.memberships (tenant_id, user_id, email, status, roles)
       VALUES ($1, $2, $3, 'active', ARRAY['owner']) ON CONFLICT DO NOTHING`,
      [tenant.tenant_id, owner.id, owner.email],
    );
    // Every tenth seeded user joins, with a mix of roles and a few suspended.
    await db.query(
      `INSERT INTO tenancy.memberships (tenant_id, user_id, email, status, roles)
       SELECT $1, u.id, u.email,
              CASE WHEN row_number() OVER () % 50 = 0 THEN 'suspended' ELSE 'active' END,
              CASE WHEN row_number() OVER () % 20 = 0 THEN ARRAY['admin'] WHEN row_number() OVER () % 5 = 0 THEN ARRAY['editor'] ELSE ARRAY['viewer'] END
         FROM account.users u
        WHERE u.email LIKE 'seed.%0@bench.example.com'
          AND NOT EXISTS (SELECT 1 FROM tenancy.memberships m WHERE m.tenant_id = $1 AND m.user_id = u.id)
        ORDER BY u.email
        LIMIT greatest(0, $2 - (SELECT count(*) FROM tenancy.memberships WHERE tenant_id = $1))`,
      [tenant.tenant_id, SEED_MEMBERS],
    );
    await db.query(`ANALYZE account.users`);
    await db.query(`ANALYZE tenancy.memberships`);
    return { tenantId: tenant.tenant_id };
  } finally {
    await db.end();
  }
}

if (require.main === module) {
  const [url, email] = process.argv.slice(2);
  if (!url || !email) {
    console.error('usage: seed-members <database-url> <owner-email>');
    process.exit(2);
  }
  void (async () => {
    const db = new Client({ connectionString: url });
    await db.connect();
    const owner = (await db.query<{ id: string; email: string }>(`SELECT id, email FROM account.users WHERE email = lower($1)`, [email]))
      .rows[0];
    await db.end();
    if (!owner) throw new Error(`no user ${email}`);
    const { tenantId } = await seedMembers(url, owner);
    console.log(`tenant ${tenantId}: ${SEED_MEMBERS} members among ${SEED_USERS} seeded users`);
  })().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
