import fc from 'fast-check';
import { Client } from 'pg';
import { APP_ROLE, PLATFORM_ROLE, Scopes, UnitOfWork, uuidv7 } from '@user-engine/kernel';
import { NoteEntity } from './support/probe/probe.module';
import { useTestApp } from './support/test-app';

const A = '0190a4d6-aaaa-7000-8000-00000000000a';
const B = '0190a4d6-bbbb-7000-8000-00000000000b';

describe('tenant isolation by row-level security, as the application role', () => {
  const ctx = useTestApp({ probe: true, app: false });
  let app: Client;

  beforeAll(async () => {
    await ctx.db.query(`INSERT INTO probe.notes (tenant_id, id, text) VALUES ($1, $2, 'a1'), ($1, $3, 'a2'), ($4, $5, 'b1')`, [
      A,
      uuidv7(),
      uuidv7(),
      B,
      uuidv7(),
    ]);
    app = new Client({ connectionString: ctx.db.appRoleUrl });
    app.on('error', () => undefined); // the suite's database is dropped (WITH FORCE) at the end
    await app.connect();
  });
  afterAll(() => app?.end());

  async function inTenant<T>(tenant: string | null, work: () => Promise<T>): Promise<T> {
    await app.query('BEGIN');
    try {
      if (tenant) await app.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
      const result = await work();
      await app.query('COMMIT');
      return result;
    } catch (err) {
      await app.query('ROLLBACK');
      throw err;
    }
  }

  it('the session really is the application role, which owns nothing and cannot bypass RLS', async () => {
    const { rows } = await app.query(
      `SELECT current_user AS who, r.rolsuper, r.rolbypassrls, (SELECT relowner::regrole::text FROM pg_class WHERE oid = 'probe.notes'::regclass) AS owner,
              (SELECT relforcerowsecurity FROM pg_class WHERE oid = 'probe.notes'::regclass) AS forced
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows[0]).toEqual({
      who: APP_ROLE,
      rolsuper: false,
      rolbypassrls: false,
      owner: expect.not.stringMatching(APP_ROLE),
      forced: true,
    });
  });

  it('a transaction for tenant A sees exactly A’s rows (allowed)', async () => {
    const rows = await inTenant(A, async () => (await app.query(`SELECT text FROM probe.notes ORDER BY text`)).rows);
    expect(rows).toEqual([{ text: 'a1' }, { text: 'a2' }]);
  });

  it('a transaction for tenant A sees none of B’s rows, by any predicate (denied)', async () => {
    const rows = await inTenant(A, async () => (await app.query(`SELECT text FROM probe.notes WHERE tenant_id = $1`, [B])).rows);
    expect(rows).toEqual([]);
  });

  it('inserting a B row inside A’s scope is refused by the database', async () => {
    await expect(
      inTenant(A, () => app.query(`INSERT INTO probe.notes (tenant_id, id, text) VALUES ($1, $2, 'sneaky')`, [B, uuidv7()])),
    ).rejects.toMatchObject({
      code: '42501',
    });
    const [{ n }] = await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM probe.notes WHERE text = 'sneaky'`);
    expect(n).toBe('0');
  });

  it('updating or deleting B’s rows from A’s scope touches nothing; moving an A row to B is refused', async () => {
    const updated = await inTenant(A, () => app.query(`UPDATE probe.notes SET text = 'x' WHERE tenant_id = $1`, [B]));
    const deleted = await inTenant(A, () => app.query(`DELETE FROM probe.notes WHERE tenant_id = $1`, [B]));
    expect([updated.rowCount, deleted.rowCount]).toEqual([0, 0]);
    await expect(inTenant(A, () => app.query(`UPDATE probe.notes SET tenant_id = $1 WHERE text = 'a1'`, [B]))).rejects.toMatchObject({
      code: '42501',
    });
    expect(await ctx.db.query(`SELECT text FROM probe.notes WHERE tenant_id = $1`, [B])).toEqual([{ text: 'b1' }]);
  });

  it('a query with no tenant set sees nothing — also right after a tenant transaction on the same connection', async () => {
    await inTenant(A, () => app.query('SELECT 1'));
    expect((await app.query(`SELECT * FROM probe.notes`)).rows).toEqual([]);
    expect(await inTenant(null, async () => (await app.query(`SELECT * FROM probe.notes`)).rows)).toEqual([]);
  });

  it('an unset tenant cannot write either', async () => {
    await expect(app.query(`INSERT INTO probe.notes (tenant_id, id, text) VALUES ($1, $2, 'orphan')`, [A, uuidv7()])).rejects.toMatchObject(
      { code: '42501' },
    );
  });

  it('kernel tables holding several tenants’ data are closed to the app role; the platform scope reads them', async () => {
    for (const table of ['kernel.outbox', 'kernel.idempotency_keys', 'kernel.audit_chains', 'kernel.event_subscriptions']) {
      await expect(app.query(`SELECT * FROM ${table} LIMIT 1`)).rejects.toMatchObject({ code: '42501' });
    }
    await app.query('BEGIN');
    await app.query(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
    await expect(app.query(`SELECT count(*) FROM kernel.outbox`)).resolves.toBeDefined();
    await app.query('COMMIT');
  });

  it('the explicit platform scope sees every tenant', async () => {
    await app.query('BEGIN');
    await app.query(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
    const { rows } = await app.query(`SELECT text FROM probe.notes ORDER BY text`);
    await app.query('COMMIT');
    expect(rows.map((r) => r.text)).toEqual(['a1', 'a2', 'b1']);
    // and the role switch ended with the transaction
    expect((await app.query('SELECT current_user AS u')).rows[0].u).toBe(APP_ROLE);
  });
});

describe('tenant isolation through the kernel unit of work', () => {
  const ctx = useTestApp({ probe: true, env: { OUTBOX_DISPATCHER_ENABLED: 'false' } });
  let uow: UnitOfWork;
  beforeAll(() => {
    uow = ctx.t.get(UnitOfWork);
  });

  const list = (scope: Parameters<UnitOfWork['run']>[0]) =>
    uow.run(scope, (m) => m.getRepository(NoteEntity).find({ order: { text: 'ASC' } }));
  const insert = (scope: Parameters<UnitOfWork['run']>[0], tenant: string, text: string) =>
    uow.run(scope, (m) => m.getRepository(NoteEntity).insert({ tenant_id: tenant, id: uuidv7(), text }));

  it('scopes rows by tenant, refuses cross-tenant writes, shows nothing globally and everything on the platform', async () => {
    await insert(Scopes.tenant(A), A, 'ua');
    await insert(Scopes.tenant(B), B, 'ub');
    await expect(insert(Scopes.tenant(A), B, 'cross')).rejects.toMatchObject({ driverError: { code: '42501' } });
    expect((await list(Scopes.tenant(A))).map((n) => n.text)).toEqual(['ua']);
    expect((await list(Scopes.tenant(B))).map((n) => n.text)).toEqual(['ub']);
    expect(await list(Scopes.global)).toEqual([]);
    expect((await list(Scopes.platform)).map((n) => n.text)).toEqual(['ua', 'ub']);
  });

  it('a request on /…/tenants/{tenant_id}/… runs its queries in that tenant, resolved by the kernel', async () => {
    await insert(Scopes.tenant(A), A, 'mine');
    const res = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${A.toUpperCase()}/notes-of-request-tenant` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tenant: A, scope: { kind: 'tenant', tenantId: A }, texts: expect.arrayContaining(['mine']) });
    expect(res.json().texts).not.toContain('ub');
    const other = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${B}/notes-of-request-tenant` });
    expect(other.json().texts).not.toContain('mine');
    const bad = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/nope/notes-of-request-tenant` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'KERNEL.VALIDATION_FAILED', errors: [{ path: 'tenant_id', rule: 'isUuid' }] });
  });

  it('an inner unit of work that fails rolls back to its savepoint; the outer one goes on', async () => {
    const texts = await uow.run(Scopes.tenant(A), async (m) => {
      await m.getRepository(NoteEntity).insert({ tenant_id: A, id: uuidv7(), text: 'outer' });
      await uow
        .run(Scopes.tenant(A), async (inner) => {
          await inner.getRepository(NoteEntity).insert({ tenant_id: A, id: uuidv7(), text: 'inner' });
          await inner.query('SELECT 1/0');
        })
        .catch(() => undefined);
      return (await m.getRepository(NoteEntity).find()).map((n) => n.text);
    });
    expect(texts).toContain('outer');
    expect(texts).not.toContain('inner');
  });

  it('refuses a nested unit of work that would change the scope, and an invalid tenant id', async () => {
    await expect(uow.run(Scopes.tenant(A), () => uow.run(Scopes.tenant(B), async () => 1))).rejects.toThrow(/Nested unit of work/);
    await expect(uow.run(Scopes.tenant(A), () => uow.run(Scopes.platform, async () => 1))).rejects.toThrow(/Nested unit of work/);
    await expect(uow.run(Scopes.tenant('not-a-uuid'), async () => 1)).rejects.toThrow(/Invalid tenant id/);
    expect(await uow.run(Scopes.tenant(A), () => uow.run(Scopes.tenant(A), async () => 'joined'))).toBe('joined');
  });

  it('property: whatever the sequence of writes and reads, a tenant scope only ever sees its own rows', async () => {
    const tenants = [uuidv7(), uuidv7(), uuidv7()];
    const op = fc.record({ scope: fc.integer({ min: 0, max: 2 }), target: fc.integer({ min: 0, max: 2 }), read: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          const scope = Scopes.tenant(tenants[o.scope]);
          if (o.read) {
            const rows = await list(scope);
            if (rows.some((r) => r.tenant_id !== tenants[o.scope])) return false;
          } else {
            const attempt = insert(scope, tenants[o.target], 'p');
            if (o.scope === o.target) await attempt;
            else if (
              !(await attempt.then(
                () => false,
                () => true,
              ))
            )
              return false;
          }
        }
        const all = await list(Scopes.platform);
        const counts = await Promise.all(tenants.map(async (tn) => (await list(Scopes.tenant(tn))).length));
        return counts.reduce((a, b) => a + b, 0) === all.filter((r) => tenants.includes(r.tenant_id)).length;
      }),
      { numRuns: 25 },
    );
  });
});
