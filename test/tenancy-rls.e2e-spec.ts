import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { APP_ROLE, PLATFORM_ROLE, uuidv7 } from '@user-engine/kernel';
import { post, signUp, uniqueEmail, type SignedIn } from './support/account';
import { addMember, createTenant, makeOperator, uniqueSlug } from './support/tenancy';
import { useTestApp } from './support/test-app';

/**
 * Row-level security of the tenancy and access modules' tables, as the real application role: a
 * transaction scoped to tenant A neither sees nor writes tenant B's rows, whatever the SQL says;
 * without a tenant it sees nothing; the explicit platform scope sees everything.
 */

const PLATFORM_CHAIN = '00000000-0000-0000-0000-000000000000';

interface TableSpec {
  table: string;
  /** A row of `tenant` that the table's constraints accept (apart from RLS). */
  insert: (tenant: string) => [string, unknown[]];
  /** A harmless change of every row of the tenant in `$1`. */
  update: string;
  /** Whether the application role may update and delete at all (the audit log is append-only). */
  mutable: boolean;
}

const user = () => uuidv7();
const TABLES: TableSpec[] = [
  {
    table: 'tenancy.tenants',
    insert: (tenant) => [
      `INSERT INTO tenancy.tenants (tenant_id, name, slug, status, created_by) VALUES ($1, 'Sneaky', $2, 'active', $3)`,
      [tenant, uniqueSlug('sneaky'), user()],
    ],
    update: `UPDATE tenancy.tenants SET name = 'Hijacked' WHERE tenant_id = $1`,
    mutable: true,
  },
  {
    table: 'tenancy.memberships',
    insert: (tenant) => [
      `INSERT INTO tenancy.memberships (tenant_id, user_id, email, status, roles) VALUES ($1, $2, $3, 'active', '{owner}')`,
      [tenant, user(), uniqueEmail('sneaky')],
    ],
    update: `UPDATE tenancy.memberships SET roles = '{owner}' WHERE tenant_id = $1`,
    mutable: true,
  },
  {
    table: 'tenancy.invitations',
    insert: (tenant) => [
      `INSERT INTO tenancy.invitations (tenant_id, id, email, roles, token_hash, status, invited_by, expires_at)
       VALUES ($1, $2, $3, '{owner}', $4, 'pending', $5, now() + interval '1 day')`,
      [tenant, uuidv7(), uniqueEmail('sneaky'), randomBytes(32), user()],
    ],
    update: `UPDATE tenancy.invitations SET roles = '{owner}' WHERE tenant_id = $1`,
    mutable: true,
  },
  {
    table: 'access.roles',
    insert: (tenant) => [
      `INSERT INTO access.roles (tenant_id, key, name, permissions, inherits) VALUES ($1, $2, 'Sneaky', '{tenants:delete}', '{}')`,
      [tenant, `sneaky-${randomBytes(4).toString('hex')}`],
    ],
    update: `UPDATE access.roles SET permissions = '{tenants:delete}' WHERE tenant_id = $1`,
    mutable: true,
  },
  {
    table: 'kernel.audit_log',
    insert: (tenant) => [
      `INSERT INTO kernel.audit_log (chain_id, id, tenant_id, occurred_at, actor_type, action, outcome)
       VALUES ($1, $2, $1, now(), 'system', 'sneaky.entry', 'success')`,
      [tenant, uuidv7()],
    ],
    update: `UPDATE kernel.audit_log SET action = 'rewritten' WHERE tenant_id = $1`,
    mutable: false,
  },
];

describe('row-level security of tenancy and access tables, as the application role', () => {
  const ctx = useTestApp();
  let app: Client;
  let ownerA: SignedIn;
  let ownerB: SignedIn;
  let A: string;
  let B: string;

  beforeAll(async () => {
    const { t, db } = ctx;
    [ownerA, ownerB] = await Promise.all([signUp(t, db), signUp(t, db)]);
    A = await createTenant(t, ownerA, 'Tenant A');
    B = await createTenant(t, ownerB, 'Tenant B');
    // Every table gets rows of both tenants through the API: members, open and accepted
    // invitations, custom roles (the same key in both), and the audit entries all of that wrote.
    for (const [tenant, owner] of [
      [A, ownerA],
      [B, ownerB],
    ] as const) {
      await addMember(t, db, tenant, owner, ['editor']);
      const invited = await post(
        t,
        `/v1/tenants/${tenant}/invitations`,
        { email: uniqueEmail('pending'), roles: ['viewer'] },
        owner.accessToken,
      );
      expect(invited.statusCode).toBe(201);
      const role = await post(
        t,
        `/v1/tenants/${tenant}/roles`,
        { key: 'auditor', name: 'Auditor', permissions: ['audit:read'] },
        owner.accessToken,
      );
      expect(role.statusCode).toBe(201);
    }
    await makeOperator(db, ownerA);

    app = new Client({ connectionString: ctx.db.appRoleUrl });
    app.on('error', () => undefined); // the suite's database is dropped (WITH FORCE) at the end
    await app.connect();
  });
  afterAll(() => app?.end());

  /** Runs `work` in one transaction of the app role, scoped to `tenant` (none when null); rolled back unless `commit`. */
  async function inTenant<T>(tenant: string | null, work: () => Promise<T>, commit = false): Promise<T> {
    await app.query('BEGIN');
    try {
      if (tenant) await app.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
      const result = await work();
      await app.query(commit ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (err) {
      await app.query('ROLLBACK');
      throw err;
    }
  }

  /** The rows of `tenant` in `table`, read as the superuser (RLS does not apply), in a stable order. */
  async function rowsOf(table: string, tenant: string): Promise<string[]> {
    const rows = await ctx.db.query<{ r: unknown }>(`SELECT to_jsonb(x) AS r FROM ${table} x WHERE tenant_id = $1`, [tenant]);
    return rows.map((row) => JSON.stringify(row.r)).sort();
  }

  const errorCode = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (err: { code?: string }) => err.code,
    );

  it('the session is the application role: no superuser, no BYPASSRLS, and the scope is empty until set', async () => {
    const { rows } = await app.query(
      `SELECT current_user AS who, r.rolsuper, r.rolbypassrls, kernel.current_tenant_id() AS tenant FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows).toEqual([{ who: APP_ROLE, rolsuper: false, rolbypassrls: false, tenant: null }]);
  });

  it('every table has row-level security enabled AND forced, and is owned by neither application role', async () => {
    const { rows } = await app.query(
      `SELECT c.oid::regclass::text AS t, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, c.relowner::regrole::text AS owner
         FROM pg_class c WHERE c.oid = ANY($1::regclass[]) ORDER BY 1`,
      [TABLES.map((s) => s.table)],
    );
    expect(rows).toHaveLength(TABLES.length);
    for (const r of rows) {
      expect({ t: r.t, enabled: r.enabled, forced: r.forced }).toEqual({ t: r.t, enabled: true, forced: true });
      expect([APP_ROLE, PLATFORM_ROLE]).not.toContain(r.owner);
    }
    // The tenant policy is the one the kernel installs: tenant_id = the transaction's tenant.
    const policies = await ctx.db.query<{ tbl: string; roles: string[]; qual: string; with_check: string }>(
      `SELECT schemaname || '.' || tablename AS tbl, roles::text[] AS roles, qual, with_check
         FROM pg_policies WHERE policyname = 'tenant_isolation' AND schemaname || '.' || tablename = ANY($1) ORDER BY 1`,
      [TABLES.map((s) => s.table)],
    );
    expect(policies.map((p) => p.tbl).sort()).toEqual(TABLES.map((s) => s.table).sort());
    for (const p of policies) {
      expect(p.roles).toEqual([APP_ROLE]);
      expect(p.qual).toBe('(tenant_id = kernel.current_tenant_id())');
      expect(p.with_check).toBe('(tenant_id = kernel.current_tenant_id())');
    }
  });

  describe.each(TABLES.map((s) => [s.table, s] as const))('%s', (table, spec) => {
    it('a transaction for tenant A sees exactly A’s rows (allowed)', async () => {
      const rows = await inTenant(A, async () => (await app.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`)).rows);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBe((await rowsOf(table, A)).length);
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([A]));
    });

    it('a transaction for tenant A sees none of B’s rows, even asking for them by tenant_id (denied)', async () => {
      expect((await rowsOf(table, B)).length).toBeGreaterThan(0);
      const rows = await inTenant(A, async () => (await app.query(`SELECT * FROM ${table} WHERE tenant_id = $1`, [B])).rows);
      expect(rows).toEqual([]);
      const count = await inTenant(
        A,
        async () => (await app.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id <> $1`, [A])).rows,
      );
      expect(count).toEqual([{ n: 0 }]);
    });

    it('with no tenant set — or an empty one — nothing is visible', async () => {
      expect((await app.query(`SELECT * FROM ${table}`)).rows).toEqual([]);
      expect(await inTenant(null, async () => (await app.query(`SELECT * FROM ${table}`)).rows)).toEqual([]);
      const emptied = await inTenant(A, async () => {
        await app.query(`SELECT set_config('app.tenant_id', '', true)`);
        return (await app.query(`SELECT * FROM ${table}`)).rows;
      });
      expect(emptied).toEqual([]);
      // The scope was transaction-local: after A's transaction the connection sees nothing again.
      await inTenant(A, () => app.query('SELECT 1'), true);
      expect((await app.query(`SELECT * FROM ${table}`)).rows).toEqual([]);
    });

    it('inserting a row of A inside A’s scope works (allowed; rolled back)', async () => {
      const fresh = table === 'tenancy.tenants' ? uuidv7() : A; // a tenant row's id is its tenant
      const [sql, params] = spec.insert(fresh);
      const inserted = await inTenant(fresh, () => app.query(sql, params));
      expect(inserted.rowCount).toBe(1);
    });

    it('inserting a row of B (or of any other tenant) inside A’s scope is refused with 42501, and nothing is written', async () => {
      const before = await rowsOf(table, B);
      for (const other of [B, uuidv7()]) {
        const [sql, params] = spec.insert(other);
        expect(await errorCode(inTenant(A, () => app.query(sql, params), true))).toBe('42501');
      }
      expect(await rowsOf(table, B)).toEqual(before);
    });

    it('inserting without a tenant set is refused with 42501', async () => {
      const [sql, params] = spec.insert(A);
      expect(await errorCode(inTenant(null, () => app.query(sql, params), true))).toBe('42501');
      expect(await errorCode(app.query(sql, params))).toBe('42501');
    });

    if (spec.mutable) {
      it('UPDATE and DELETE of B’s rows from A’s scope affect 0 rows; B’s data is unchanged', async () => {
        const before = await rowsOf(table, B);
        const updated = await inTenant(A, () => app.query(spec.update, [B]), true);
        const deleted = await inTenant(A, () => app.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [B]), true);
        const everything = await inTenant(A, () => app.query(`DELETE FROM ${table} WHERE tenant_id <> $1`, [A]), true);
        expect([updated.rowCount, deleted.rowCount, everything.rowCount]).toEqual([0, 0, 0]);
        expect(await rowsOf(table, B)).toEqual(before);
      });

      it('UPDATE of A’s own rows works in A’s scope (allowed; rolled back), and without a tenant touches nothing', async () => {
        const ownRows = (await rowsOf(table, A)).length;
        const updated = await inTenant(A, () => app.query(spec.update, [A]));
        expect(updated.rowCount).toBe(ownRows);
        const unscoped = await inTenant(null, () => app.query(spec.update, [A]));
        expect(unscoped.rowCount).toBe(0);
      });

      it('moving one of A’s rows to B is refused with 42501', async () => {
        const before = await rowsOf(table, B);
        const move = `UPDATE ${table} SET tenant_id = $2 WHERE tenant_id = $1`;
        expect(await errorCode(inTenant(A, () => app.query(move, [A, B]), true))).toBe('42501');
        expect(await rowsOf(table, B)).toEqual(before);
      });
    } else {
      it('UPDATE and DELETE are refused outright (42501), for B’s rows and A’s own: the trail is append-only', async () => {
        const before = [await rowsOf(table, A), await rowsOf(table, B)];
        for (const tenant of [A, B]) {
          expect(await errorCode(inTenant(A, () => app.query(spec.update, [tenant]), true))).toBe('42501');
          expect(await errorCode(inTenant(A, () => app.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenant]), true))).toBe('42501');
        }
        expect([await rowsOf(table, A), await rowsOf(table, B)]).toEqual(before);
      });

      it('the platform chain is neither readable nor forgeable into a tenant chain from a tenant scope', async () => {
        const [{ n }] = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel.audit_log WHERE tenant_id IS NULL`);
        expect(n).toBeGreaterThan(0);
        const seen = await inTenant(A, async () => (await app.query(`SELECT * FROM kernel.audit_log WHERE tenant_id IS NULL`)).rows);
        expect(seen).toEqual([]);
        // An entry claiming B's tenant in the platform chain (or the reverse) breaks the chain rule or RLS.
        const forged = `INSERT INTO kernel.audit_log (chain_id, id, tenant_id, occurred_at, actor_type, action, outcome)
                        VALUES ($1, $2, $3, now(), 'system', 'sneaky.entry', 'success')`;
        expect(await errorCode(inTenant(A, () => app.query(forged, [PLATFORM_CHAIN, uuidv7(), B]), true))).toBe('42501');
        expect(await errorCode(inTenant(A, () => app.query(forged, [B, uuidv7(), null]), true))).toBe('42501');
      });
    }

    it('the explicit platform scope (SET LOCAL ROLE user_engine_platform) sees both tenants’ rows', async () => {
      const rows = await inTenant(A, async () => {
        await app.query(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
        return (await app.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table} WHERE tenant_id = ANY($1::uuid[])`, [[A, B]])).rows;
      });
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([A, B]));
      expect(rows.length).toBe((await rowsOf(table, A)).length + (await rowsOf(table, B)).length);
      // The role switch ended with the transaction.
      expect((await app.query('SELECT current_user AS u')).rows).toEqual([{ u: APP_ROLE }]);
    });
  });

  describe('access.platform_roles (not tenant-scoped)', () => {
    it('the application role reads it — authorization needs it in every scope', async () => {
      const unscoped = (await app.query(`SELECT user_id, role FROM access.platform_roles`)).rows;
      expect(unscoped).toEqual([{ user_id: ownerA.userId, role: 'platform-operator' }]);
      const scoped = await inTenant(B, async () => (await app.query(`SELECT user_id FROM access.platform_roles`)).rows);
      expect(scoped).toEqual([{ user_id: ownerA.userId }]);
    });

    it('the application role cannot write it (permission denied), in any scope', async () => {
      const grant = `INSERT INTO access.platform_roles (user_id, role) VALUES ($1, 'platform-operator')`;
      expect(await errorCode(app.query(grant, [ownerB.userId]))).toBe('42501');
      expect(await errorCode(inTenant(A, () => app.query(grant, [ownerB.userId]), true))).toBe('42501');
      expect(await errorCode(app.query(`UPDATE access.platform_roles SET granted_by = user_id`))).toBe('42501');
      expect(await errorCode(app.query(`DELETE FROM access.platform_roles WHERE user_id = $1`, [ownerA.userId]))).toBe('42501');
      expect(await ctx.db.query(`SELECT user_id FROM access.platform_roles ORDER BY user_id`)).toEqual([{ user_id: ownerA.userId }]);
    });

    it('the explicit platform scope may grant and revoke (rolled back here)', async () => {
      const granted = await inTenant(null, async () => {
        await app.query(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
        const ins = await app.query(`INSERT INTO access.platform_roles (user_id, role) VALUES ($1, 'platform-operator')`, [ownerB.userId]);
        const delA = await app.query(`DELETE FROM access.platform_roles WHERE user_id = $1`, [ownerA.userId]);
        return [ins.rowCount, delA.rowCount];
      });
      expect(granted).toEqual([1, 1]);
      expect(await ctx.db.query(`SELECT user_id FROM access.platform_roles`)).toEqual([{ user_id: ownerA.userId }]);
    });
  });
});
