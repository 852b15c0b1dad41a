import { get, signUp } from './support/account';
import { runTs } from './support/child-process';
import { eventually, TEST_ENV, useTestApp } from './support/test-app';

/** `user-engine bootstrap-admin --email …` against the suite's database, as a child process. */
async function bootstrapAdmin(url: string, email: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = runTs(
    'apps/cli/src/main.ts',
    {
      DATABASE_URL: url,
      KEYS_ENCRYPTION_KEY: TEST_ENV.KEYS_ENCRYPTION_KEY,
      ACCOUNT_PASSWORD_PEPPER: TEST_ENV.ACCOUNT_PASSWORD_PEPPER,
      NODE_ENV: 'test',
    },
    ['bootstrap-admin', '--email', email],
  );
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe('cli bootstrap-admin: the first platform operator', () => {
  const ctx = useTestApp();

  it('refuses an address without an active account, then makes the first operator, then refuses a second bootstrap', async () => {
    const unknown = await bootstrapAdmin(ctx.db.url, 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no active, verified account');
    expect(await ctx.db.query(`SELECT * FROM access.platform_roles`)).toEqual([]);

    const first = await signUp(ctx.t, ctx.db);
    // Not an operator yet: platform routes are refused.
    expect((await get(ctx.t, '/v1/admin/users', first.accessToken)).statusCode).toBe(403);

    const ok = await bootstrapAdmin(ctx.db.url, first.email.toUpperCase());
    expect({ code: ok.code, stderr: ok.stderr }).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('is now a platform operator');
    expect(await ctx.db.query(`SELECT user_id, role, granted_by FROM access.platform_roles`)).toEqual([
      { user_id: first.userId, role: 'platform-operator', granted_by: null },
    ]);
    const [audit] = await ctx.db.query<{ actor_id: string; resource_id: string }>(
      `SELECT actor_id, resource_id FROM kernel.audit_log WHERE action = 'platform_role.granted'`,
    );
    expect(audit).toEqual({ actor_id: 'cli:bootstrap-admin', resource_id: first.userId });
    // The running app hears about it (NOTIFY) without a restart.
    await eventually(async () => (await get(ctx.t, '/v1/admin/users', first.accessToken)).statusCode === 200, 5_000, 'the grant heard');

    const second = await signUp(ctx.t, ctx.db);
    const refused = await bootstrapAdmin(ctx.db.url, second.email);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('A platform operator exists already');
    expect(await ctx.db.query(`SELECT user_id FROM access.platform_roles`)).toEqual([{ user_id: first.userId }]);

    // An operator whose account is suspended cannot act: the bootstrap recovers the platform.
    await ctx.db.query(`UPDATE account.users SET status = 'suspended' WHERE id = $1`, [first.userId]);
    const recovered = await bootstrapAdmin(ctx.db.url, second.email);
    expect({ code: recovered.code, stderr: recovered.stderr }).toMatchObject({ code: 0 });
    expect(
      (await ctx.db.query<{ user_id: string }>(`SELECT user_id FROM access.platform_roles ORDER BY granted_at`)).map((r) => r.user_id),
    ).toEqual([first.userId, second.userId]);
  });
});
