import { Client } from 'pg';
import { AuditLog, PLATFORM_CHAIN, Scopes, UnitOfWork } from '@user-engine/kernel';
import { useTestApp } from './support/test-app';

const A = '0190a4d6-eeee-7000-8000-00000000000a';
const B = '0190a4d6-eeee-7000-8000-00000000000b';

describe('audit log', () => {
  const ctx = useTestApp({ env: { OUTBOX_DISPATCHER_ENABLED: 'false' } });
  let audit: AuditLog;
  beforeAll(() => {
    audit = ctx.t.get(AuditLog);
  });

  const entry = (tenantId: string | null, action: string) =>
    audit.append({
      tenantId,
      actor: { type: 'user', id: 'u1' },
      action,
      outcome: 'success',
      resource: { type: 'thing', id: action },
      data: { n: action },
    });

  async function tamper(sql: string, params: unknown[] = []) {
    // A superuser with triggers disabled: the attacker the hash chain exists for.
    await ctx.db.query(`SET session_replication_role = replica; ${sql}`.replace(/\$(\d)/g, (_, d) => `'${params[Number(d) - 1]}'`));
  }

  it('chains each tenant’s entries, and the platform’s, with hashes the verifier accepts', async () => {
    await ctx.t.get(UnitOfWork).run(Scopes.tenant(A), async () => {
      await entry(A, 'a.1');
      await entry(A, 'a.2');
    });
    await entry(A, 'a.3');
    await entry(null, 'p.1');
    await entry(B, 'b.1');
    expect(await audit.sealPending()).toBe(5);
    const rows = await ctx.db.query<{ chain_id: string; seq: string; action: string }>(
      `SELECT chain_id, seq, action FROM kernel.audit_log ORDER BY chain_id, seq`,
    );
    expect(rows.filter((r) => r.chain_id === A).map((r) => [r.seq, r.action])).toEqual([
      ['1', 'a.1'],
      ['2', 'a.2'],
      ['3', 'a.3'],
    ]);
    expect(rows.filter((r) => r.chain_id === PLATFORM_CHAIN).map((r) => r.action)).toEqual(['p.1']);
    expect(await audit.verify(A)).toEqual({ chainId: A, intact: true, sealed: 3, unsealed: 0 });
    expect(await audit.verify(null)).toEqual({ chainId: PLATFORM_CHAIN, intact: true, sealed: 1, unsealed: 0 });
    // appending more extends the chain from its head
    await entry(A, 'a.4');
    expect(await audit.verify(A)).toMatchObject({ intact: true, sealed: 3, unsealed: 1 });
    await audit.sealPending();
    expect(await audit.verify(A)).toMatchObject({ intact: true, sealed: 4, unsealed: 0 });
  });

  it('an entry commits with the transaction that records it, whatever its scope; a separate one survives a failure', async () => {
    const uow = ctx.t.get(UnitOfWork);
    await uow.run(Scopes.global, () => entry(null, 'global.platform-entry'));
    await uow.run(Scopes.tenant(B), () => entry(null, 'tenant.platform-entry'));
    await uow.run(Scopes.tenant(B), () => entry(A, 'b-scope.a-entry'));
    await expect(
      uow.run(Scopes.global, async () => {
        await entry(null, 'rolled.back');
        await audit.append(
          { tenantId: null, actor: { type: 'anonymous' }, action: 'auth.login.failed', outcome: 'failure' },
          { separate: true },
        );
        throw new Error('the operation fails');
      }),
    ).rejects.toThrow('the operation fails');
    const actions = (await ctx.db.query<{ action: string }>(`SELECT action FROM kernel.audit_log ORDER BY id`)).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['global.platform-entry', 'tenant.platform-entry', 'b-scope.a-entry', 'auth.login.failed']),
    );
    expect(actions).not.toContain('rolled.back');
    await audit.sealPending();
    expect(await audit.verify(null)).toMatchObject({ intact: true });
    expect(await audit.verify(A)).toMatchObject({ intact: true });
  });

  it('a tenant scope reads only its own entries', async () => {
    const actions = await ctx.t.get(UnitOfWork).run(Scopes.tenant(B), (m) => m.query(`SELECT action FROM kernel.audit_log`));
    expect(actions).toEqual([{ action: 'b.1' }]);
    expect(JSON.stringify(actions)).not.toContain('platform-entry');
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE — as the app role and as the owner', async () => {
    const app = new Client({ connectionString: ctx.db.appRoleUrl });
    await app.connect();
    try {
      await app.query(`SET ROLE user_engine_platform`);
      await expect(app.query(`UPDATE kernel.audit_log SET action = 'x'`)).rejects.toMatchObject({ code: '42501' });
      await expect(app.query(`DELETE FROM kernel.audit_log`)).rejects.toMatchObject({ code: '42501' });
      await expect(app.query(`UPDATE kernel.audit_log SET seq = 99 WHERE seq = 1`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await app.end();
    }
    await expect(ctx.db.query(`UPDATE kernel.audit_log SET data = '{}'`)).rejects.toMatchObject({ code: '42501' });
    await expect(ctx.db.query(`DELETE FROM kernel.audit_log`)).rejects.toMatchObject({ code: '42501' });
    await expect(ctx.db.query(`TRUNCATE kernel.audit_log`)).rejects.toMatchObject({ code: '42501' });
    expect(await audit.verify(A)).toMatchObject({ intact: true });
  });

  it('detects a changed entry at its link', async () => {
    await tamper(`UPDATE kernel.audit_log SET data = '{"n":"forged"}' WHERE chain_id = $1 AND seq = 2`, [A]);
    const [{ id }] = await ctx.db.query<{ id: string }>(`SELECT id FROM kernel.audit_log WHERE chain_id = $1 AND seq = 2`, [A]);
    expect(await audit.verify(A)).toEqual({
      chainId: A,
      intact: false,
      sealed: 1,
      unsealed: 0,
      brokenAt: { seq: 2, id, reason: 'hash_mismatch' },
    });
  });

  it('detects a removed entry, and a cut tail', async () => {
    const C = '0190a4d6-eeee-7000-8000-00000000000c';
    for (const a of ['c.1', 'c.2', 'c.3', 'c.4']) await entry(C, a);
    await audit.sealPending();
    await tamper(`DELETE FROM kernel.audit_log WHERE chain_id = $1 AND seq = 4`, [C]);
    expect((await audit.verify(C)).brokenAt).toEqual({ seq: 4, id: null, reason: 'missing_entry' });
    await tamper(`DELETE FROM kernel.audit_log WHERE chain_id = $1 AND seq = 2`, [C]);
    expect((await audit.verify(C)).brokenAt).toEqual({ seq: 2, id: null, reason: 'missing_entry' });
  });

  it('appends to one chain do not wait for each other (no chain-head lock on append)', async () => {
    const one = new Client({ connectionString: ctx.db.appRoleUrl });
    const two = new Client({ connectionString: ctx.db.appRoleUrl });
    await Promise.all([one.connect(), two.connect()]);
    const insert = `INSERT INTO kernel.audit_log (chain_id, id, tenant_id, occurred_at, actor_type, action, outcome)
                    VALUES ($1, gen_random_uuid(), NULL, now(), 'system', 'concurrent', 'success')`;
    try {
      await one.query(`BEGIN; SET LOCAL ROLE user_engine_platform`);
      await one.query(insert, [PLATFORM_CHAIN]);
      // While the first transaction is open, the second appends and commits; a lock would block it.
      await two.query(`SET statement_timeout = '2s'; BEGIN; SET LOCAL ROLE user_engine_platform`);
      await two.query(insert, [PLATFORM_CHAIN]);
      await two.query('COMMIT');
      await one.query('COMMIT');
    } finally {
      await Promise.all([one.end(), two.end()]);
    }
    await audit.sealPending();
    const [{ n }] = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel.audit_log WHERE tenant_id IS NULL`);
    expect(await audit.verify(null)).toMatchObject({ intact: true, sealed: n, unsealed: 0 });
  });
});
