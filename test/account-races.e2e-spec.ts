import { CommandBus } from '@nestjs/cqrs';
import { StartSession } from '../libs/account/src/commands/start-session/start-session.command';
import { del, post, signIn, signUp } from './support/account';
import { startTestApp, useTestApp } from './support/test-app';

const client = { ip: '127.0.0.1', userAgent: null };

describe('account races', () => {
  // A pool of two: a use case that held one connection while waiting for another would hang here.
  const ctx = useTestApp({ env: { DATABASE_POOL_SIZE: '2' } });

  it('a login whose password check predates a revocation (reset, suspension) gets no session', async () => {
    const u = await signUp(ctx.t, ctx.db);
    const checkedAt = new Date(Date.now() - 5_000);
    await ctx.db.query(`UPDATE account.users SET sessions_revoked_before = now() WHERE id = $1`, [u.userId]);
    const sessions = async () =>
      Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM account.sessions WHERE user_id = $1`, [u.userId]))[0].n);
    const before = await sessions();
    await expect(ctx.t.get(CommandBus).execute(new StartSession(u.userId, ['pwd'], client, checkedAt))).rejects.toMatchObject({
      code: 'AUTH.INVALID_CREDENTIALS',
    });
    expect(await sessions()).toBe(before);
    // Allowed: a check made after the revocation opens a session.
    await ctx.t.get(CommandBus).execute(new StartSession(u.userId, ['pwd'], client, new Date(Date.now() + 1000)));
    expect(await sessions()).toBe(before + 1);
  });

  it('a suspended user gets no session even with a fresh check', async () => {
    const u = await signUp(ctx.t, ctx.db);
    await ctx.db.query(`UPDATE account.users SET status = 'suspended' WHERE id = $1`, [u.userId]);
    await expect(ctx.t.get(CommandBus).execute(new StartSession(u.userId, ['pwd'], client, new Date()))).rejects.toMatchObject({
      code: 'AUTH.INVALID_CREDENTIALS',
    });
  });

  it('more concurrent bad verification tokens than pool connections: every one is answered 400 (no pool deadlock)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(ctx.t, '/v1/users/verify-email', { token: `bogus-${i}` })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(12).fill(400));
    for (const r of responses) expect(r.json()).toMatchObject({ code: 'ACCOUNT.TOKEN_INVALID' });
    const [{ n }] = await ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM kernel.audit_log WHERE action = 'account.email_verification'`,
    );
    expect(Number(n)).toBe(12);
  });

  it('erasing the account needs a recent sign-in: an old session → 403 and nothing changes; a fresh one → 204', async () => {
    const u = await signUp(ctx.t, ctx.db);
    await ctx.db.query(`UPDATE account.sessions SET created_at = now() - interval '1 hour' WHERE id = $1`, [u.sessionId]);
    const refused = await del(ctx.t, '/v1/me', u.accessToken);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'AUTH.REAUTHENTICATION_REQUIRED' });
    expect((await ctx.db.query<{ status: string }>(`SELECT status FROM account.users WHERE id = $1`, [u.userId]))[0].status).toBe('active');
    const again = await signIn(ctx.t, u.email, u.password);
    expect((await del(ctx.t, '/v1/me', again.accessToken)).statusCode).toBe(204);
    expect((await ctx.db.query<{ status: string }>(`SELECT status FROM account.users WHERE id = $1`, [u.userId]))[0].status).toBe(
      'deleted',
    );
  });

  it('ACCOUNT_PASSWORD_PEPPER is required outside development (and at least 32 characters); given, the app starts', async () => {
    await expect(startTestApp(ctx.db, { env: { ACCOUNT_PASSWORD_PEPPER: undefined } })).rejects.toThrow(
      /ACCOUNT_PASSWORD_PEPPER is required when NODE_ENV=test/,
    );
    await expect(startTestApp(ctx.db, { env: { ACCOUNT_PASSWORD_PEPPER: 'short' } })).rejects.toThrow(
      /ACCOUNT_PASSWORD_PEPPER must be at least 32 characters/,
    );
    const started = await startTestApp(ctx.db, { env: { ACCOUNT_PASSWORD_PEPPER: 'another-pepper-that-is-long-enough-0123456789' } });
    await started.close();
  });

  it('logins succeeding and failing at once from one address never fail the server (the shared IP counter comes and goes)', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => signUp(ctx.t, ctx.db)));
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all([
        ...users.map((u) => post(ctx.t, '/v1/auth/login', { email: u.email, password: u.password })),
        ...users.slice(0, 3).map((u) => post(ctx.t, '/v1/auth/login', { email: u.email, password: 'not the password at all' })),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 401, 401, 401]);
    }
  });
});
