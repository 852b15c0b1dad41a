import { CommandBus } from '@nestjs/cqrs';
import { ChangeUserStatus, DeleteAccount } from '@user-engine/account';
import { DomainError } from '@user-engine/kernel';
import type { LightMyRequestResponse } from 'fastify';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
// Test-only: waits for the work the module does after a response (lookups, mails), so "no mail was sent" can be asserted.
import { Background } from '../libs/account/src/background';
import { del, get, GOOD_PASSWORD, mailboxCount, mailboxToken, post, signIn, signUp, uniqueEmail, type SignedIn } from './support/account';
import { eventually, startTestApp, type TestApp, useTestApp } from './support/test-app';

/**
 * Refresh tokens and sessions, logout, password reset and change, GET/DELETE /v1/me, login
 * refusals and the account lifecycle (ChangeUserStatus / DeleteAccount through the command bus).
 */

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const NEW_PASSWORD = 'a brand new passphrase 2024';
const SYSTEM = { type: 'system' as const, id: null };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- problem bodies are inspected freely
type Json = Record<string, any>;

interface SessionRow {
  id: string;
  user_id: string;
  amr: string[];
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  last_used_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

interface UserRow {
  id: string;
  email: string | null;
  email_verified_at: Date | null;
  status: string;
  display_name: string | null;
  password_hash: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

interface AuditRow {
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: Json;
}

function expectProblem(res: LightMyRequestResponse, status: number, code: string): Json {
  expect({ status: res.statusCode, code: (res.json() as Json).code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Json>();
  expect(body).toMatchObject({ status, code, type: `urn:user-engine:problem:${code.toLowerCase()}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

function expectNoContent(res: LightMyRequestResponse): void {
  expect({ status: res.statusCode, body: res.body }).toEqual({ status: 204, body: '' });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest();

describe('account sessions, passwords and lifecycle', () => {
  const ctx = useTestApp();

  // ---- helpers over ctx -------------------------------------------------------------------------

  const execute = <R = unknown>(command: object) => ctx.t.get(CommandBus).execute(command as never) as Promise<R>;
  /** Everything the module started in the background (mails, reset lookups) has finished. */
  const settle = () => ctx.t.get(Background).idle();

  function raw(method: 'POST' | 'DELETE', url: string, payload: string, token?: string) {
    return ctx.t.inject({
      method,
      url,
      payload,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  }

  function login(email: string, password: string, userAgent?: string, t: TestApp = ctx.t) {
    return t.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password },
      headers: userAgent ? { 'user-agent': userAgent } : {},
    });
  }

  /** Another session of the same user (another device). */
  async function newSession(user: SignedIn, userAgent?: string): Promise<SignedIn> {
    const res = await login(user.email, user.password, userAgent);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ access_token: string; refresh_token: string; session_id: string; user: { id: string } }>();
    return { ...user, accessToken: body.access_token, refreshToken: body.refresh_token, sessionId: body.session_id };
  }

  const refresh = (refreshToken: unknown, t: TestApp = ctx.t) => post(t, '/v1/auth/refresh', { refresh_token: refreshToken });

  async function sessionRow(id: string): Promise<SessionRow | undefined> {
    const [row] = await ctx.db.query<SessionRow>(`SELECT * FROM account.sessions WHERE id = $1`, [id]);
    return row;
  }

  async function userRow(id: string): Promise<UserRow | undefined> {
    const [row] = await ctx.db.query<UserRow>(`SELECT * FROM account.users WHERE id = $1`, [id]);
    return row;
  }

  async function userByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await ctx.db.query<UserRow>(`SELECT * FROM account.users WHERE email = lower($1)`, [email]);
    return row;
  }

  const auditRows = (action: string, userId: string) =>
    ctx.db.query<AuditRow>(
      `SELECT action, outcome, actor_type, actor_id, resource_type, resource_id, ip, user_agent, data
         FROM kernel.audit_log WHERE action = $1 AND resource_id = $2 ORDER BY id`,
      [action, userId],
    );

  const outboxRows = (type: string, userId: string) =>
    ctx.db.query<{ type: string; aggregate_type: string; aggregate_id: string; actor: Json | null; payload: Json }>(
      `SELECT type, aggregate_type, aggregate_id, actor, payload FROM kernel.outbox WHERE type = $1 AND aggregate_id = $2 ORDER BY id`,
      [type, userId],
    );

  const refreshTokenRows = (sessionId: string) =>
    ctx.db.query<{ token_hash: Buffer; rotated_at: Date | null }>(
      `SELECT token_hash, rotated_at FROM account.refresh_tokens WHERE session_id = $1 ORDER BY created_at, token_hash`,
      [sessionId],
    );

  async function countOf(sql: string, params: unknown[] = []): Promise<number> {
    const [{ n }] = await ctx.db.query<{ n: string }>(sql, params);
    return Number(n);
  }

  async function expectTokenWorks(accessToken: string, userId: string): Promise<void> {
    const res = await get(ctx.t, '/v1/me', accessToken);
    expect({ status: res.statusCode, id: res.json<Json>().id }).toEqual({ status: 200, id: userId });
  }

  async function expectTokenRevoked(accessToken: string): Promise<void> {
    expectProblem(await get(ctx.t, '/v1/me', accessToken), 401, 'AUTH.TOKEN_REVOKED');
  }

  async function expectRefreshInvalid(refreshToken: string): Promise<void> {
    expectProblem(await refresh(refreshToken), 401, 'AUTH.REFRESH_INVALID');
  }

  /** Registers without verifying: the account stays pending_verification. */
  async function registerPending(email = uniqueEmail('pending'), password = GOOD_PASSWORD): Promise<UserRow> {
    const res = await post(ctx.t, '/v1/users', { email, password });
    expect(res.statusCode).toBe(202);
    const user = await userByEmail(email);
    expect(user?.status).toBe('pending_verification');
    return user!;
  }

  // ---- 1. refresh ------------------------------------------------------------------------------

  describe('POST /v1/auth/refresh', () => {
    it('rotates: a new pair for the same session, the new access token works, the old refresh token is spent', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const res = await refresh(u.refreshToken);
      expect(res.statusCode).toBe(200);
      const pair = res.json<Json>();
      expect(Object.keys(pair).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'session_id', 'token_type']);
      expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: 600, session_id: u.sessionId });
      expect(pair.refresh_token).not.toBe(u.refreshToken);
      expect(pair.access_token).not.toBe(u.accessToken);
      await expectTokenWorks(pair.access_token, u.userId);

      const rows = await refreshTokenRows(u.sessionId);
      expect(rows).toHaveLength(2);
      expect(rows.find((r) => r.token_hash.equals(sha256(u.refreshToken)))?.rotated_at).toBeInstanceOf(Date);
      expect(rows.find((r) => r.token_hash.equals(sha256(pair.refresh_token)))?.rotated_at).toBeNull();

      // The old token again is a reuse.
      expectProblem(await refresh(u.refreshToken), 401, 'AUTH.REFRESH_REUSED');
    });

    it('reuse of RT1 kills the whole session: RT2 is invalid, its access tokens are refused, the row says why, audited', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u); // another device of the same user: untouched by the reuse
      const second = (await refresh(u.refreshToken)).json<{ access_token: string; refresh_token: string }>();
      await expectTokenWorks(second.access_token, u.userId);

      const reused = expectProblem(await refresh(u.refreshToken), 401, 'AUTH.REFRESH_REUSED');
      expect(reused.detail).toMatch(/revoked/);

      await expectRefreshInvalid(second.refresh_token);
      await expectTokenRevoked(second.access_token);
      await expectTokenRevoked(u.accessToken);

      const row = await sessionRow(u.sessionId);
      expect(row?.revoked_at).toBeInstanceOf(Date);
      expect(row?.revoked_reason).toBe('refresh_token_reused');

      expect(await auditRows('auth.refresh.reused', u.userId)).toEqual([
        {
          action: 'auth.refresh.reused',
          outcome: 'denied',
          actor_type: 'user',
          actor_id: u.userId,
          resource_type: 'user',
          resource_id: u.userId,
          ip: '127.0.0.1',
          user_agent: 'lightMyRequest',
          data: { session_id: u.sessionId },
        },
      ]);

      // The user's other session is not affected.
      await expectTokenWorks(other.accessToken, u.userId);
      expect((await sessionRow(other.sessionId))?.revoked_at).toBeNull();
      expect((await refresh(other.refreshToken)).statusCode).toBe(200);
    });

    it('an unknown refresh token → 401 AUTH.REFRESH_INVALID, and nothing is revoked or audited', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const revokedBefore = await countOf(`SELECT count(*) AS n FROM account.sessions WHERE revoked_at IS NOT NULL`);
      const reusedBefore = await countOf(`SELECT count(*) AS n FROM kernel.audit_log WHERE action = 'auth.refresh.reused'`);
      // Well formed (43 base64url characters) but never issued, and a tampered copy of a real one.
      expectProblem(await refresh('A'.repeat(43)), 401, 'AUTH.REFRESH_INVALID');
      expectProblem(await refresh(u.refreshToken.slice(0, -1) + (u.refreshToken.endsWith('A') ? 'B' : 'A')), 401, 'AUTH.REFRESH_INVALID');
      expect(await countOf(`SELECT count(*) AS n FROM account.sessions WHERE revoked_at IS NOT NULL`)).toBe(revokedBefore);
      expect(await countOf(`SELECT count(*) AS n FROM kernel.audit_log WHERE action = 'auth.refresh.reused'`)).toBe(reusedBefore);
      // The real token still rotates.
      expect((await refresh(u.refreshToken)).statusCode).toBe(200);
    });

    it('stores only the SHA-256 of refresh tokens, never the token', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const next = (await refresh(u.refreshToken)).json<{ refresh_token: string }>().refresh_token;
      const rows = await refreshTokenRows(u.sessionId);
      expect(rows.map((r) => r.token_hash.length)).toEqual([32, 32]);
      expect(rows.map((r) => r.token_hash.toString('hex')).sort()).toEqual(
        [sha256(u.refreshToken).toString('hex'), sha256(next).toString('hex')].sort(),
      );
      for (const token of [u.refreshToken, next]) {
        expect(
          await countOf(
            `SELECT count(*) AS n FROM account.refresh_tokens t
              WHERE t::text LIKE '%' || $1 || '%' OR encode(t.token_hash, 'escape') LIKE '%' || $1 || '%'
                 OR encode(t.token_hash, 'base64') LIKE '%' || $1 || '%'`,
            [token],
          ),
        ).toBe(0);
        expect(await countOf(`SELECT count(*) AS n FROM account.sessions s WHERE s::text LIKE '%' || $1 || '%'`, [token])).toBe(0);
      }
    });

    it('idle expiry (allowed vs denied): idle_expires_at in the future refreshes, in the past → 401', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u);
      await ctx.db.query(`UPDATE account.sessions SET idle_expires_at = now() + interval '1 minute' WHERE id = $1`, [u.sessionId]);
      await ctx.db.query(`UPDATE account.sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, [other.sessionId]);
      expect((await refresh(u.refreshToken)).statusCode).toBe(200);
      expectProblem(await refresh(other.refreshToken), 401, 'AUTH.REFRESH_INVALID');
    });

    it('absolute expiry: absolute_expires_at in the past → 401 AUTH.REFRESH_INVALID', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u);
      await ctx.db.query(`UPDATE account.sessions SET absolute_expires_at = now() - interval '1 second' WHERE id = $1`, [u.sessionId]);
      expectProblem(await refresh(u.refreshToken), 401, 'AUTH.REFRESH_INVALID');
      // The untouched session of the same user still refreshes.
      expect((await refresh(other.refreshToken)).statusCode).toBe(200);
    });

    it('a refresh moves idle_expires_at forward, but never past absolute_expires_at', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await ctx.db.query(
        `UPDATE account.sessions SET idle_expires_at = now() + interval '1 minute', last_used_at = now() - interval '1 hour' WHERE id = $1`,
        [u.sessionId],
      );
      const before = (await sessionRow(u.sessionId))!;
      const first = await refresh(u.refreshToken);
      expect(first.statusCode).toBe(200);
      const after = (await sessionRow(u.sessionId))!;
      expect(after.idle_expires_at.getTime()).toBeGreaterThan(before.idle_expires_at.getTime());
      // now() + 14 days, i.e. well beyond the minute it had left.
      expect(after.idle_expires_at.getTime() - after.last_used_at.getTime()).toBe(14 * 86_400_000);
      expect(after.last_used_at.getTime()).toBeGreaterThan(before.last_used_at.getTime());
      expect(after.absolute_expires_at).toEqual(before.absolute_expires_at);

      // The absolute end is nearer than the idle window: the idle expiry stops there.
      await ctx.db.query(`UPDATE account.sessions SET absolute_expires_at = now() + interval '1 hour' WHERE id = $1`, [u.sessionId]);
      const second = await refresh(first.json<{ refresh_token: string }>().refresh_token);
      expect(second.statusCode).toBe(200);
      const capped = (await sessionRow(u.sessionId))!;
      expect(capped.idle_expires_at).toEqual(capped.absolute_expires_at);
      const listed = (await get(ctx.t, '/v1/me/sessions', second.json<{ access_token: string }>().access_token)).json<{ items: Json[] }>();
      expect(listed.items.find((s) => s.id === u.sessionId)?.expires_at).toBe(capped.absolute_expires_at.toISOString());
    });

    it('a refresh token of an ended session stays merely invalid when presented again: no false reuse alarm', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const idle = await newSession(u);
      expectNoContent(await post(ctx.t, '/v1/auth/logout', undefined, u.accessToken));
      await ctx.db.query(`UPDATE account.sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, [idle.sessionId]);
      for (const s of [u, idle]) {
        await expectRefreshInvalid(s.refreshToken);
        // A client retrying with the only token it ever got is not a second party holding a copy.
        await expectRefreshInvalid(s.refreshToken);
      }
      expect(await auditRows('auth.refresh.reused', u.userId)).toEqual([]);
      expect((await sessionRow(u.sessionId))?.revoked_reason).toBe('logout');
      expect(await sessionRow(idle.sessionId)).toMatchObject({ revoked_at: null, revoked_reason: null });
    });

    it('malformed bodies → 400, and the refresh token is not consumed', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const missing = expectProblem(await post(ctx.t, '/v1/auth/refresh', {}), 400, 'KERNEL.VALIDATION_FAILED');
      expect(missing.errors.map((e: Json) => e.path)).toContain('refresh_token');
      const wrongType = expectProblem(await refresh(12345), 400, 'KERNEL.VALIDATION_FAILED');
      expect(wrongType.errors.map((e: Json) => `${e.path}:${e.rule}`)).toContain('refresh_token:isString');
      expectProblem(await refresh(''), 400, 'KERNEL.VALIDATION_FAILED');
      const unknown = expectProblem(
        await post(ctx.t, '/v1/auth/refresh', { refresh_token: u.refreshToken, session_id: u.sessionId }),
        400,
        'KERNEL.VALIDATION_FAILED',
      );
      expect(unknown.errors).toEqual([{ path: 'session_id', message: 'session_id is not a known field', rule: 'whitelistValidation' }]);
      expectProblem(await raw('POST', '/v1/auth/refresh', `{"refresh_token": "${u.refreshToken}"`), 400, 'KERNEL.MALFORMED_JSON');

      const rows = await refreshTokenRows(u.sessionId);
      expect(rows).toHaveLength(1);
      expect(rows[0].rotated_at).toBeNull();
      expect((await sessionRow(u.sessionId))?.revoked_at).toBeNull();
      expect((await refresh(u.refreshToken)).statusCode).toBe(200);
    });
  });

  // ---- 2. sessions and logout --------------------------------------------------------------------

  describe('GET /v1/me/sessions', () => {
    it('lists the active sessions with device, agent, ip, amr and times; current only for the caller', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const fx = await newSession(u, FIREFOX_LINUX);
      const stranger = await signUp(ctx.t, ctx.db);

      const res = await get(ctx.t, '/v1/me/sessions', fx.accessToken);
      expect(res.statusCode).toBe(200);
      const { items } = res.json<{ items: Json[] }>();
      // Newest first; another user's session is not there.
      expect(items.map((s) => s.id)).toEqual([fx.sessionId, u.sessionId]);
      expect(items.map((s) => s.id)).not.toContain(stranger.sessionId);

      const row = (await sessionRow(fx.sessionId))!;
      expect(items[0]).toEqual({
        id: fx.sessionId,
        current: true,
        device: 'Firefox on Linux',
        user_agent: FIREFOX_LINUX,
        ip: '127.0.0.1',
        amr: ['pwd'],
        created_at: row.created_at.toISOString(),
        last_used_at: row.last_used_at.toISOString(),
        expires_at: row.idle_expires_at.toISOString(),
      });
      expect(Object.keys(items[1]).sort()).toEqual(
        ['amr', 'created_at', 'current', 'device', 'expires_at', 'id', 'ip', 'last_used_at', 'user_agent'].sort(),
      );
      expect(items[1]).toMatchObject({ id: u.sessionId, current: false, user_agent: 'lightMyRequest', ip: '127.0.0.1', amr: ['pwd'] });

      // From the other session, the flags swap.
      const mine = (await get(ctx.t, '/v1/me/sessions', u.accessToken)).json<{ items: Json[] }>().items;
      expect(mine.map((s) => [s.id, s.current])).toEqual([
        [fx.sessionId, false],
        [u.sessionId, true],
      ]);
    });

    it('revoked sessions are not listed', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const b = await newSession(u);
      const c = await newSession(u);
      expectNoContent(await post(ctx.t, '/v1/auth/logout', undefined, b.accessToken));
      const { items } = (await get(ctx.t, '/v1/me/sessions', c.accessToken)).json<{ items: Json[] }>();
      expect(items.map((s) => s.id)).toEqual([c.sessionId, u.sessionId]);
    });

    it('without a token → 401 AUTH.UNAUTHENTICATED', async () => {
      const res = expectProblem(await get(ctx.t, '/v1/me/sessions'), 401, 'AUTH.UNAUTHENTICATED');
      expect(res.detail).toMatch(/bearer/i);
    });
  });

  describe('DELETE /v1/me/sessions/{id}', () => {
    it('revokes one session: 204, its access tokens refused at once, its refresh token invalid, audited', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const phone = await newSession(u, FIREFOX_LINUX);
      await expectTokenWorks(phone.accessToken, u.userId);

      expectNoContent(await del(ctx.t, `/v1/me/sessions/${phone.sessionId}`, u.accessToken));
      await expectTokenRevoked(phone.accessToken);
      await expectRefreshInvalid(phone.refreshToken);
      const row = await sessionRow(phone.sessionId);
      expect(row?.revoked_at).toBeInstanceOf(Date);
      expect(row?.revoked_reason).toBe('revoked_by_user');

      // The caller's own session lives on.
      await expectTokenWorks(u.accessToken, u.userId);
      expect((await sessionRow(u.sessionId))?.revoked_at).toBeNull();

      expect(await auditRows('auth.session.revoked', u.userId)).toEqual([
        {
          action: 'auth.session.revoked',
          outcome: 'success',
          actor_type: 'user',
          actor_id: u.userId,
          resource_type: 'user',
          resource_id: u.userId,
          ip: '127.0.0.1',
          user_agent: 'lightMyRequest',
          data: { session_id: phone.sessionId },
        },
      ]);
    });

    it('the caller may revoke its own current session', async () => {
      const u = await signUp(ctx.t, ctx.db);
      expectNoContent(await del(ctx.t, `/v1/me/sessions/${u.sessionId}`, u.accessToken));
      await expectTokenRevoked(u.accessToken);
      await expectRefreshInvalid(u.refreshToken);
    });

    it("another user's session → 404 ACCOUNT.SESSION_NOT_FOUND, and that session stays alive", async () => {
      const attacker = await signUp(ctx.t, ctx.db);
      const victim = await signUp(ctx.t, ctx.db);
      expectProblem(await del(ctx.t, `/v1/me/sessions/${victim.sessionId}`, attacker.accessToken), 404, 'ACCOUNT.SESSION_NOT_FOUND');
      // Indistinguishable from a session that never existed.
      expectProblem(
        await del(ctx.t, `/v1/me/sessions/01900000-0000-7000-8000-000000000000`, attacker.accessToken),
        404,
        'ACCOUNT.SESSION_NOT_FOUND',
      );
      const row = await sessionRow(victim.sessionId);
      expect(row?.revoked_at).toBeNull();
      expect(row?.revoked_reason).toBeNull();
      await expectTokenWorks(victim.accessToken, victim.userId);
      expect((await refresh(victim.refreshToken)).statusCode).toBe(200);
      expect(await auditRows('auth.session.revoked', attacker.userId)).toEqual([]);
    });

    it('a non-UUID id → 400 KERNEL.VALIDATION_FAILED; no token → 401', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const body = expectProblem(await del(ctx.t, '/v1/me/sessions/not-a-uuid', u.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      expect(body.errors).toEqual([{ path: 'id', message: 'id must be a UUID', rule: 'isUuid' }]);
      expectProblem(await del(ctx.t, `/v1/me/sessions/${u.sessionId}`), 401, 'AUTH.UNAUTHENTICATED');
      expect((await sessionRow(u.sessionId))?.revoked_at).toBeNull();
      await expectTokenWorks(u.accessToken, u.userId);
    });
  });

  describe('POST /v1/auth/logout', () => {
    it('ends the session of the presented token: 204, token refused afterwards, refresh token invalid, audited', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u);
      expectNoContent(await post(ctx.t, '/v1/auth/logout', undefined, u.accessToken));
      await expectTokenRevoked(u.accessToken);
      await expectRefreshInvalid(u.refreshToken);
      expect((await sessionRow(u.sessionId))?.revoked_reason).toBe('logout');
      // Logging out again with the dead token is refused.
      expectProblem(await post(ctx.t, '/v1/auth/logout', undefined, u.accessToken), 401, 'AUTH.TOKEN_REVOKED');

      // Only that session: the other device is still signed in.
      await expectTokenWorks(other.accessToken, u.userId);
      expect((await sessionRow(other.sessionId))?.revoked_at).toBeNull();

      const audit = await auditRows('auth.logout', u.userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ outcome: 'success', actor_type: 'user', actor_id: u.userId, data: { session_id: u.sessionId } });
    });

    it('without a token → 401 AUTH.UNAUTHENTICATED; with a garbage token → 401 AUTH.TOKEN_INVALID', async () => {
      const res = expectProblem(await post(ctx.t, '/v1/auth/logout', undefined), 401, 'AUTH.UNAUTHENTICATED');
      expect(res.detail).toMatch(/bearer/i);
      expect(res).not.toHaveProperty('errors');
      expectProblem(await post(ctx.t, '/v1/auth/logout', undefined, 'not.a.jwt'), 401, 'AUTH.TOKEN_INVALID');
    });
  });

  // ---- 3. password reset --------------------------------------------------------------------------

  describe('password reset', () => {
    it('always answers 202 with the same body; only a known account gets the mail', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const unknown = uniqueEmail('nobody');
      const a = await post(ctx.t, '/v1/auth/password-reset', { email: unknown });
      const b = await post(ctx.t, '/v1/auth/password-reset', { email: u.email.toUpperCase() });
      expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
      expect(a.json()).toEqual({ status: 'reset_requested' });
      expect(b.json()).toEqual(a.json());
      expect(b.headers['content-type']).toBe(a.headers['content-type']);

      await eventually(async () => (await mailboxCount(ctx.db, u.email, 'account.password-reset')) === 1, 10_000, 'reset mail');
      await settle();
      expect(await mailboxCount(ctx.db, unknown)).toBe(0);
      expect(await mailboxCount(ctx.db, u.email, 'account.password-reset')).toBe(1);
      expect(await auditRows('account.password_reset.requested', u.userId)).toHaveLength(1);
    });

    it('a rejected new password (common) → 400 ACCOUNT.PASSWORD_TOO_COMMON on new_password, and the link still works', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const hashBefore = (await userRow(u.userId))!.password_hash;
      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      const token = await mailboxToken(ctx.db, u.email, 'account.password-reset');

      const body = expectProblem(
        await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: 'password' }),
        400,
        'ACCOUNT.PASSWORD_TOO_COMMON',
      );
      expect(body.errors[0]).toMatchObject({ path: 'new_password', rule: 'ACCOUNT.PASSWORD_TOO_COMMON' });
      const short = expectProblem(
        await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: 'abc123' }),
        400,
        'ACCOUNT.PASSWORD_TOO_SHORT',
      );
      expect(short.errors[0]).toMatchObject({ path: 'new_password', rule: 'ACCOUNT.PASSWORD_TOO_SHORT' });

      // Nothing happened: same hash, sessions alive, token unused.
      expect((await userRow(u.userId))!.password_hash).toBe(hashBefore);
      await expectTokenWorks(u.accessToken, u.userId);
      expect(
        await countOf(
          `SELECT count(*) AS n FROM account.email_tokens WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`,
          [u.userId],
        ),
      ).toBe(1);

      expectNoContent(await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: NEW_PASSWORD }));
    });

    it('success: 204, every session revoked, notice mail, audited; the link is single use', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u, FIREFOX_LINUX);
      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      const token = await mailboxToken(ctx.db, u.email, 'account.password-reset');

      expectNoContent(await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: NEW_PASSWORD }));

      for (const s of [u, other]) {
        await expectTokenRevoked(s.accessToken);
        await expectRefreshInvalid(s.refreshToken);
        expect((await sessionRow(s.sessionId))?.revoked_reason).toBe('password_reset');
      }
      await eventually(async () => (await mailboxCount(ctx.db, u.email, 'account.password-changed')) === 1, 10_000, 'notice mail');
      const audit = await auditRows('account.password_reset', u.userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ outcome: 'success', actor_type: 'user', actor_id: u.userId, data: { sessions_revoked: 2 } });

      // Single use.
      expectProblem(
        await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: 'yet another passphrase 99' }),
        400,
        'ACCOUNT.TOKEN_INVALID',
      );
      // The new password signs in, the old one does not.
      expectProblem(await login(u.email, GOOD_PASSWORD), 401, 'AUTH.INVALID_CREDENTIALS');
      const fresh = await signIn(ctx.t, u.email, NEW_PASSWORD);
      await expectTokenWorks(fresh.accessToken, u.userId);
    });

    it('an expired link → 400 ACCOUNT.TOKEN_INVALID and the password is unchanged', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const hashBefore = (await userRow(u.userId))!.password_hash;
      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      const token = await mailboxToken(ctx.db, u.email, 'account.password-reset');
      await ctx.db.query(
        `UPDATE account.email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'password_reset'`,
        [u.userId],
      );
      expectProblem(
        await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: NEW_PASSWORD }),
        400,
        'ACCOUNT.TOKEN_INVALID',
      );
      expect((await userRow(u.userId))!.password_hash).toBe(hashBefore);
      await expectTokenWorks(u.accessToken, u.userId);
      // An unknown token fares no better.
      expectProblem(
        await post(ctx.t, '/v1/auth/password-reset/confirm', { token: 'B'.repeat(43), new_password: NEW_PASSWORD }),
        400,
        'ACCOUNT.TOKEN_INVALID',
      );
    });

    it('after two requests only the newest link works', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      const first = await mailboxToken(ctx.db, u.email, 'account.password-reset');
      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      const second = await mailboxToken(ctx.db, u.email, 'account.password-reset', 1);
      expect(second).not.toBe(first);

      expectProblem(
        await post(ctx.t, '/v1/auth/password-reset/confirm', { token: first, new_password: NEW_PASSWORD }),
        400,
        'ACCOUNT.TOKEN_INVALID',
      );
      expectNoContent(await post(ctx.t, '/v1/auth/password-reset/confirm', { token: second, new_password: NEW_PASSWORD }));
      expect((await login(u.email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('two concurrent reset requests still leave a single live link', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const liveTokens = () =>
        countOf(`SELECT count(*) AS n FROM account.email_tokens WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`, [
          u.userId,
        ]);
      // Both requests' transactions are held just before they commit (their audit insert waits for this
      // lock), so they overlap for certain instead of by chance.
      const blocker = new Client({ connectionString: ctx.db.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE kernel.audit_log IN SHARE MODE');
        const [a, b] = await Promise.all([
          post(ctx.t, '/v1/auth/password-reset', { email: u.email }),
          post(ctx.t, '/v1/auth/password-reset', { email: u.email }),
        ]);
        expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
        // Both are waiting on a lock (whichever one: the audit table, or a serialisation a fix adds).
        await eventually(
          async () =>
            (await countOf(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) >=
            2,
          10_000,
          'both reset requests waiting',
        );
        await blocker.query('COMMIT');
      } finally {
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
      }
      await settle();
      expect(await liveTokens()).toBe(1);
    });

    it('a reset of a pending (unverified) account verifies it', async () => {
      const email = uniqueEmail('pending-reset');
      const pending = await registerPending(email);
      await post(ctx.t, '/v1/auth/password-reset', { email });
      const token = await mailboxToken(ctx.db, email, 'account.password-reset');
      expectNoContent(await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: NEW_PASSWORD }));

      const row = (await userRow(pending.id))!;
      expect(row.status).toBe('active');
      expect(row.email_verified_at).toBeInstanceOf(Date);
      const events = await outboxRows('user.email_verified', pending.id);
      expect(events.map((e) => e.payload)).toEqual([{ user_id: pending.id, email, verified_at: row.email_verified_at!.toISOString() }]);
      const res = await login(email, NEW_PASSWORD);
      expect(res.statusCode).toBe(200);
      expect(res.json<Json>().user).toMatchObject({ id: pending.id, status: 'active', email_verified: true });
    });

    it('a suspended account gets no reset mail (same 202), an active one does', async () => {
      const suspended = await signUp(ctx.t, ctx.db);
      const active = await signUp(ctx.t, ctx.db);
      await execute(new ChangeUserStatus(suspended.userId, 'suspend', SYSTEM, 'test'));

      const a = await post(ctx.t, '/v1/auth/password-reset', { email: suspended.email });
      const b = await post(ctx.t, '/v1/auth/password-reset', { email: active.email });
      expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
      expect(a.json()).toEqual(b.json());
      await eventually(async () => (await mailboxCount(ctx.db, active.email, 'account.password-reset')) === 1, 10_000, 'reset mail');
      await settle();
      expect(await mailboxCount(ctx.db, suspended.email, 'account.password-reset')).toBe(0);
      expect(
        await countOf(`SELECT count(*) AS n FROM account.email_tokens WHERE user_id = $1 AND purpose = 'password_reset'`, [
          suspended.userId,
        ]),
      ).toBe(0);
    });

    it('a link issued before a suspension no longer works once suspended', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      const token = await mailboxToken(ctx.db, u.email, 'account.password-reset');
      await execute(new ChangeUserStatus(u.userId, 'suspend', SYSTEM));
      const hashBefore = (await userRow(u.userId))!.password_hash;
      expectProblem(
        await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: NEW_PASSWORD }),
        400,
        'ACCOUNT.TOKEN_INVALID',
      );
      expect((await userRow(u.userId))!.password_hash).toBe(hashBefore);
    });

    it('malformed request and confirm bodies → 400, no mail, no change, the link stays usable', async () => {
      const u = await signUp(ctx.t, ctx.db);
      for (const payload of [{}, { email: 'not-an-email' }, { email: 42 }, { email: u.email, tenant: 'x' }]) {
        expectProblem(await post(ctx.t, '/v1/auth/password-reset', payload), 400, 'KERNEL.VALIDATION_FAILED');
      }
      expectProblem(await raw('POST', '/v1/auth/password-reset', `{"email": "${u.email}"`), 400, 'KERNEL.MALFORMED_JSON');
      await settle();
      expect(await mailboxCount(ctx.db, u.email, 'account.password-reset')).toBe(0);

      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      const token = await mailboxToken(ctx.db, u.email, 'account.password-reset');
      const hashBefore = (await userRow(u.userId))!.password_hash;
      const bad: [object, string][] = [
        [{ new_password: NEW_PASSWORD }, 'token'],
        [{ token }, 'new_password'],
        [{ token, new_password: 12345678901 }, 'new_password'],
        [{ token: 42, new_password: NEW_PASSWORD }, 'token'],
        [{ token, new_password: NEW_PASSWORD, email: u.email }, 'email'],
      ];
      for (const [payload, path] of bad) {
        const body = expectProblem(await post(ctx.t, '/v1/auth/password-reset/confirm', payload), 400, 'KERNEL.VALIDATION_FAILED');
        expect(body.errors.map((e: Json) => e.path)).toContain(path);
      }
      expectProblem(
        await raw('POST', '/v1/auth/password-reset/confirm', `{"token": "${token}", "new_password": "${NEW_PASSWORD}"`),
        400,
        'KERNEL.MALFORMED_JSON',
      );
      expect((await userRow(u.userId))!.password_hash).toBe(hashBefore);
      await expectTokenWorks(u.accessToken, u.userId);
      expectNoContent(await post(ctx.t, '/v1/auth/password-reset/confirm', { token, new_password: NEW_PASSWORD }));
    });
  });

  // ---- 4. password change ----------------------------------------------------------------------------

  describe('POST /v1/me/password', () => {
    const change = (token: string | undefined, payload: unknown) => post(ctx.t, '/v1/me/password', payload, token);

    it('a wrong current password → 400 ACCOUNT.CURRENT_PASSWORD_INVALID on current_password; nothing changes', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u);
      const hashBefore = (await userRow(u.userId))!.password_hash;
      const body = expectProblem(
        await change(u.accessToken, { current_password: 'not my password at all', new_password: NEW_PASSWORD }),
        400,
        'ACCOUNT.CURRENT_PASSWORD_INVALID',
      );
      expect(body.errors).toEqual([
        { path: 'current_password', message: 'current_password is not correct', rule: 'ACCOUNT.CURRENT_PASSWORD_INVALID' },
      ]);
      expect((await userRow(u.userId))!.password_hash).toBe(hashBefore);
      await expectTokenWorks(other.accessToken, u.userId);
      expect((await login(u.email, GOOD_PASSWORD)).statusCode).toBe(200);
      expectProblem(await login(u.email, NEW_PASSWORD), 401, 'AUTH.INVALID_CREDENTIALS');
      expect(await auditRows('account.password_change', u.userId)).toEqual([expect.objectContaining({ outcome: 'failure' })]);
    });

    it('a policy violation of the new password → 400 (too short, too common); nothing changes', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const hashBefore = (await userRow(u.userId))!.password_hash;
      const short = expectProblem(
        await change(u.accessToken, { current_password: GOOD_PASSWORD, new_password: 'short1' }),
        400,
        'ACCOUNT.PASSWORD_TOO_SHORT',
      );
      expect(short.errors[0]).toMatchObject({ path: 'new_password', rule: 'ACCOUNT.PASSWORD_TOO_SHORT' });
      const common = expectProblem(
        await change(u.accessToken, { current_password: GOOD_PASSWORD, new_password: 'password' }),
        400,
        'ACCOUNT.PASSWORD_TOO_COMMON',
      );
      expect(common.errors[0]).toMatchObject({ path: 'new_password' });
      expect((await userRow(u.userId))!.password_hash).toBe(hashBefore);
    });

    it('success: 204, this session lives on, the other sessions are revoked, new password works, notice mail', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u, FIREFOX_LINUX);
      const third = await newSession(u);
      expectNoContent(await change(u.accessToken, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD }));

      // The calling session still works, for its access token and its refresh token.
      await expectTokenWorks(u.accessToken, u.userId);
      expect((await sessionRow(u.sessionId))?.revoked_at).toBeNull();
      const rotated = await refresh(u.refreshToken);
      expect(rotated.statusCode).toBe(200);
      await expectTokenWorks(rotated.json<{ access_token: string }>().access_token, u.userId);

      for (const s of [other, third]) {
        await expectTokenRevoked(s.accessToken);
        await expectRefreshInvalid(s.refreshToken);
        expect((await sessionRow(s.sessionId))?.revoked_reason).toBe('password_changed');
      }

      expectProblem(await login(u.email, GOOD_PASSWORD), 401, 'AUTH.INVALID_CREDENTIALS');
      expect((await login(u.email, NEW_PASSWORD)).statusCode).toBe(200);
      await eventually(async () => (await mailboxCount(ctx.db, u.email, 'account.password-changed')) === 1, 10_000, 'notice mail');
      const audit = await auditRows('account.password_changed', u.userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ outcome: 'success', actor_id: u.userId, data: { sessions_revoked: 2 } });
    });

    it('unauthenticated → 401 AUTH.UNAUTHENTICATED', async () => {
      expectProblem(await change(undefined, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD }), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('malformed bodies → 400 and the password is unchanged', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const hashBefore = (await userRow(u.userId))!.password_hash;
      const bad: [unknown, string][] = [
        [{ new_password: NEW_PASSWORD }, 'current_password'],
        [{ current_password: GOOD_PASSWORD }, 'new_password'],
        [{ current_password: GOOD_PASSWORD, new_password: 123456789 }, 'new_password'],
        [{ current_password: '', new_password: NEW_PASSWORD }, 'current_password'],
        [{ current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD, user_id: u.userId }, 'user_id'],
      ];
      for (const [payload, path] of bad) {
        const body = expectProblem(await change(u.accessToken, payload), 400, 'KERNEL.VALIDATION_FAILED');
        expect(body.errors.map((e: Json) => e.path)).toContain(path);
      }
      expectProblem(
        await raw('POST', '/v1/me/password', `{"current_password": "${GOOD_PASSWORD}", "new_password": `, u.accessToken),
        400,
        'KERNEL.MALFORMED_JSON',
      );
      expect((await userRow(u.userId))!.password_hash).toBe(hashBefore);
      expect(await mailboxCount(ctx.db, u.email, 'account.password-changed')).toBe(0);
    });
  });

  // ---- 5. login ---------------------------------------------------------------------------------------

  describe('POST /v1/auth/login', () => {
    const strip = (body: Json) => {
      const { request_id: _r, instance: _i, ...rest } = body;
      return rest;
    };

    it('unknown email and wrong password fail identically (401 AUTH.INVALID_CREDENTIALS)', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const unknown = await login(uniqueEmail('ghost'), GOOD_PASSWORD);
      const wrong = await login(u.email, 'not the right password');
      const a = expectProblem(unknown, 401, 'AUTH.INVALID_CREDENTIALS');
      const b = expectProblem(wrong, 401, 'AUTH.INVALID_CREDENTIALS');
      expect(strip(b)).toEqual(strip(a));
      expect(wrong.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);
      // The allowed case.
      expect((await login(u.email, GOOD_PASSWORD)).statusCode).toBe(200);
    });

    it('an unverified account: the right password → 403 AUTH.EMAIL_NOT_VERIFIED, a wrong one → 401', async () => {
      const email = uniqueEmail('unverified');
      const pending = await registerPending(email);
      expectProblem(await login(email, GOOD_PASSWORD), 403, 'AUTH.EMAIL_NOT_VERIFIED');
      expectProblem(await login(email, 'not the right password'), 401, 'AUTH.INVALID_CREDENTIALS');
      expect(await countOf(`SELECT count(*) AS n FROM account.sessions WHERE user_id = $1`, [pending.id])).toBe(0);
    });

    it('suspended → 403 AUTH.ACCOUNT_SUSPENDED and deactivated → 403 AUTH.ACCOUNT_DEACTIVATED, only with the right password', async () => {
      const s = await signUp(ctx.t, ctx.db);
      const d = await signUp(ctx.t, ctx.db);
      await execute(new ChangeUserStatus(s.userId, 'suspend', SYSTEM));
      await execute(new ChangeUserStatus(d.userId, 'deactivate', SYSTEM));
      expectProblem(await login(s.email, GOOD_PASSWORD), 403, 'AUTH.ACCOUNT_SUSPENDED');
      expectProblem(await login(s.email, 'not the right password'), 401, 'AUTH.INVALID_CREDENTIALS');
      expectProblem(await login(d.email, GOOD_PASSWORD), 403, 'AUTH.ACCOUNT_DEACTIVATED');
      expectProblem(await login(d.email, 'not the right password'), 401, 'AUTH.INVALID_CREDENTIALS');
      expect(
        await countOf(`SELECT count(*) AS n FROM account.sessions WHERE user_id = ANY($1) AND revoked_at IS NULL`, [[s.userId, d.userId]]),
      ).toBe(0);
    });

    it('malformed input → 400, nothing checked or recorded', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const sessions = () => countOf(`SELECT count(*) AS n FROM account.sessions WHERE user_id = $1`, [u.userId]);
      const failures = () => countOf(`SELECT count(*) AS n FROM kernel.audit_log WHERE action = 'auth.login.failed'`);
      const throttle = () => countOf(`SELECT count(*) AS n FROM account.login_throttle`);
      const before = [await sessions(), await failures(), await throttle()];

      const cases: [unknown, string, string][] = [
        [{ email: u.email }, 'password', 'isString'],
        [{ email: u.email, password: GOOD_PASSWORD, tenant: 'acme' }, 'tenant', 'whitelistValidation'],
        [{ email: 'not-an-email', password: GOOD_PASSWORD }, 'email', 'isEmail'],
        [{ email: u.email, password: 12345678 }, 'password', 'isString'],
        [{ password: GOOD_PASSWORD }, 'email', 'isString'],
        [{ email: u.email, password: '' }, 'password', 'minLength'],
      ];
      for (const [payload, path, rule] of cases) {
        const body = expectProblem(await post(ctx.t, '/v1/auth/login', payload), 400, 'KERNEL.VALIDATION_FAILED');
        expect(body.errors.map((e: Json) => `${e.path}:${e.rule}`)).toContain(`${path}:${rule}`);
      }
      expectProblem(await raw('POST', '/v1/auth/login', `{"email": "${u.email}", "password": `), 400, 'KERNEL.MALFORMED_JSON');

      expect([await sessions(), await failures(), await throttle()]).toEqual(before);
    });
  });

  // ---- 6. lifecycle -----------------------------------------------------------------------------------

  describe('ChangeUserStatus', () => {
    it('suspend: status suspended, every session revoked and its tokens refused at once, event and audit', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u, FIREFOX_LINUX);
      const actor = { type: 'user' as const, id: '01900000-0000-7000-8000-0000000000ad' };

      await expect(execute(new ChangeUserStatus(u.userId, 'suspend', actor, 'chargeback'))).resolves.toBe('suspended');
      expect((await userRow(u.userId))!.status).toBe('suspended');
      for (const s of [u, other]) {
        await expectTokenRevoked(s.accessToken);
        await expectRefreshInvalid(s.refreshToken);
        expect((await sessionRow(s.sessionId))?.revoked_reason).toBe('account_suspended');
      }

      const events = await outboxRows('user.status_changed', u.userId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ aggregate_type: 'user', aggregate_id: u.userId, actor });
      expect(events[0].payload).toEqual({
        user_id: u.userId,
        from: 'active',
        to: 'suspended',
        reason: 'chargeback',
        changed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const audit = await auditRows('account.status.suspend', u.userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        outcome: 'success',
        actor_type: 'user',
        actor_id: actor.id,
        data: { from: 'active', to: 'suspended', reason: 'chargeback', sessions_revoked: 2 },
      });
    });

    it('reactivate: active again and login works', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await execute(new ChangeUserStatus(u.userId, 'suspend', SYSTEM));
      expectProblem(await login(u.email, GOOD_PASSWORD), 403, 'AUTH.ACCOUNT_SUSPENDED');

      await expect(execute(new ChangeUserStatus(u.userId, 'reactivate', SYSTEM))).resolves.toBe('active');
      expect((await userRow(u.userId))!.status).toBe('active');
      const back = await signIn(ctx.t, u.email, GOOD_PASSWORD);
      await expectTokenWorks(back.accessToken, u.userId);
      expect((await refresh(back.refreshToken)).statusCode).toBe(200);
      // The sessions from before the suspension stay dead.
      await expectTokenRevoked(u.accessToken);

      const events = await outboxRows('user.status_changed', u.userId);
      expect(events.map((e) => [e.payload.from, e.payload.to])).toEqual([
        ['active', 'suspended'],
        ['suspended', 'active'],
      ]);
      expect(await auditRows('account.status.reactivate', u.userId)).toEqual([
        expect.objectContaining({ outcome: 'success', actor_type: 'system', data: expect.objectContaining({ sessions_revoked: 0 }) }),
      ]);
    });

    it('reactivating a never-verified account returns it to pending_verification', async () => {
      const pending = await registerPending();
      await execute(new ChangeUserStatus(pending.id, 'suspend', SYSTEM));
      await expect(execute(new ChangeUserStatus(pending.id, 'reactivate', SYSTEM))).resolves.toBe('pending_verification');
      expect((await userRow(pending.id))!.status).toBe('pending_verification');
    });

    it('deactivate: status deactivated and sessions revoked', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await expect(execute(new ChangeUserStatus(u.userId, 'deactivate', SYSTEM))).resolves.toBe('deactivated');
      expect((await userRow(u.userId))!.status).toBe('deactivated');
      await expectTokenRevoked(u.accessToken);
      await expectRefreshInvalid(u.refreshToken);
      expect((await sessionRow(u.sessionId))?.revoked_reason).toBe('account_deactivated');
      expect((await outboxRows('user.status_changed', u.userId)).map((e) => e.payload.to)).toEqual(['deactivated']);
    });

    it('an invalid transition (reactivate an active user) → ACCOUNT.INVALID_TRANSITION, nothing changes', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const before = (await userRow(u.userId))!;
      const error = await execute(new ChangeUserStatus(u.userId, 'reactivate', SYSTEM)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'ACCOUNT.INVALID_TRANSITION', kind: 'conflict' });

      expect(await userRow(u.userId)).toEqual(before);
      expect(await outboxRows('user.status_changed', u.userId)).toEqual([]);
      expect(await auditRows('account.status.reactivate', u.userId)).toEqual([]);
      await expectTokenWorks(u.accessToken, u.userId);
      expect((await sessionRow(u.sessionId))?.revoked_at).toBeNull();

      // Suspending a suspended account is refused too; an unknown user is not found.
      await execute(new ChangeUserStatus(u.userId, 'suspend', SYSTEM));
      await expect(execute(new ChangeUserStatus(u.userId, 'suspend', SYSTEM))).rejects.toMatchObject({
        code: 'ACCOUNT.INVALID_TRANSITION',
      });
      expect(await outboxRows('user.status_changed', u.userId)).toHaveLength(1);
      await expect(execute(new ChangeUserStatus('01900000-0000-7000-8000-00000000beef', 'suspend', SYSTEM))).rejects.toMatchObject({
        code: 'ACCOUNT.USER_NOT_FOUND',
      });
    });
  });

  // ---- 7. /v1/me -------------------------------------------------------------------------------------

  describe('GET /v1/me', () => {
    it('returns the signed-in user, no credential', async () => {
      const email = uniqueEmail('me');
      expect((await post(ctx.t, '/v1/users', { email, password: GOOD_PASSWORD, display_name: 'Ada Lovelace' })).statusCode).toBe(202);
      const token = await mailboxToken(ctx.db, email, 'account.verify-email');
      expect((await post(ctx.t, '/v1/users/verify-email', { token })).statusCode).toBe(200);
      const u = await signIn(ctx.t, email, GOOD_PASSWORD);
      const row = (await userRow(u.userId))!;

      const res = await get(ctx.t, '/v1/me', u.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        id: u.userId,
        email,
        email_verified: true,
        status: 'active',
        display_name: 'Ada Lovelace',
        created_at: row.created_at.toISOString(),
        memberships: [],
      });
      expect(res.body).not.toMatch(/password|\$2b\$/);
    });

    it('without a token → 401 AUTH.UNAUTHENTICATED; a forged one → 401 AUTH.TOKEN_INVALID', async () => {
      const none = expectProblem(await get(ctx.t, '/v1/me'), 401, 'AUTH.UNAUTHENTICATED');
      expect(none.detail).toMatch(/bearer/i);
      const u = await signUp(ctx.t, ctx.db);
      const [h, p] = u.accessToken.split('.');
      expectProblem(await get(ctx.t, '/v1/me', `${h}.${p}.${'A'.repeat(86)}`), 401, 'AUTH.TOKEN_INVALID');
    });
  });

  describe('DELETE /v1/me', () => {
    it('erases the account: tombstone kept, credentials and sessions gone, tokens refused, event, audit and mail', async () => {
      const u = await signUp(ctx.t, ctx.db);
      const other = await newSession(u, FIREFOX_LINUX);
      expect((await refresh(other.refreshToken)).statusCode).toBe(200); // a rotated refresh token as well
      await ctx.db.query(
        `INSERT INTO account.identities (id, user_id, provider, subject, email) VALUES (gen_random_uuid(), $1, 'acme-sso', $2, $3)`,
        [u.userId, `sub-${u.userId}`, u.email],
      );
      await post(ctx.t, '/v1/auth/password-reset', { email: u.email });
      await mailboxToken(ctx.db, u.email, 'account.password-reset'); // a live reset token exists
      const sessionIds = [u.sessionId, other.sessionId];
      expect(await countOf(`SELECT count(*) AS n FROM account.refresh_tokens WHERE session_id = ANY($1)`, [sessionIds])).toBe(3);
      expect(await countOf(`SELECT count(*) AS n FROM account.email_tokens WHERE user_id = $1`, [u.userId])).toBe(2);

      expectNoContent(await del(ctx.t, '/v1/me', u.accessToken));

      const row = (await userRow(u.userId))!;
      expect(row).toMatchObject({
        id: u.userId,
        status: 'deleted',
        email: null,
        display_name: null,
        password_hash: null,
        email_verified_at: null,
      });
      expect(row.deleted_at).toBeInstanceOf(Date);
      expect(await countOf(`SELECT count(*) AS n FROM account.sessions WHERE user_id = $1`, [u.userId])).toBe(0);
      expect(await countOf(`SELECT count(*) AS n FROM account.refresh_tokens WHERE session_id = ANY($1)`, [sessionIds])).toBe(0);
      expect(await countOf(`SELECT count(*) AS n FROM account.identities WHERE user_id = $1`, [u.userId])).toBe(0);
      expect(await countOf(`SELECT count(*) AS n FROM account.email_tokens WHERE user_id = $1`, [u.userId])).toBe(0);

      await expectTokenRevoked(u.accessToken);
      await expectTokenRevoked(other.accessToken);
      expectProblem(await refresh(u.refreshToken), 401, 'AUTH.REFRESH_INVALID');
      expectProblem(await login(u.email, GOOD_PASSWORD), 401, 'AUTH.INVALID_CREDENTIALS');

      const events = await outboxRows('user.deleted', u.userId);
      expect(events).toHaveLength(1);
      expect(events[0].payload).toEqual({ user_id: u.userId, deleted_at: row.deleted_at!.toISOString() });
      expect(events[0].actor).toEqual({ type: 'user', id: u.userId });
      const audit = await auditRows('account.deleted', u.userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ outcome: 'success', actor_type: 'user', actor_id: u.userId, ip: '127.0.0.1' });
      expect(JSON.stringify(audit[0].data)).not.toContain(u.email);
      await eventually(async () => (await mailboxCount(ctx.db, u.email, 'account.deleted')) === 1, 10_000, 'deletion mail');

      // The address is free again: a new account, with a new id.
      expect((await post(ctx.t, '/v1/users', { email: u.email, password: GOOD_PASSWORD })).statusCode).toBe(202);
      const reborn = (await userByEmail(u.email))!;
      expect(reborn.id).not.toBe(u.userId);
      expect(reborn.status).toBe('pending_verification');
      expect((await userRow(u.userId))!.status).toBe('deleted');
    });

    it('deleting twice (DeleteAccount) → ACCOUNT.INVALID_TRANSITION, the tombstone unchanged', async () => {
      const u = await signUp(ctx.t, ctx.db);
      expectNoContent(await del(ctx.t, '/v1/me', u.accessToken));
      const tombstone = (await userRow(u.userId))!;
      await expect(execute(new DeleteAccount(u.userId, SYSTEM, undefined))).rejects.toMatchObject({
        name: 'DomainError',
        code: 'ACCOUNT.INVALID_TRANSITION',
      });
      expect(await userRow(u.userId)).toEqual(tombstone);
      expect(await outboxRows('user.deleted', u.userId)).toHaveLength(1);
      expect(await auditRows('account.deleted', u.userId)).toHaveLength(1);
      // The deleted user's old token cannot delete (or read) anything either.
      expectProblem(await del(ctx.t, '/v1/me', u.accessToken), 401, 'AUTH.TOKEN_REVOKED');
    });

    it('DeleteAccount also erases a suspended account (the allowed command path)', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await execute(new ChangeUserStatus(u.userId, 'suspend', SYSTEM));
      await execute(new DeleteAccount(u.userId, SYSTEM, undefined));
      expect(await userRow(u.userId)).toMatchObject({ status: 'deleted', email: null, password_hash: null });
      const audit = await auditRows('account.deleted', u.userId);
      expect(audit).toEqual([expect.objectContaining({ actor_type: 'system', actor_id: null })]);
      expect((await outboxRows('user.deleted', u.userId))[0].actor).toEqual({ type: 'system', id: null });
    });

    it('unauthenticated → 401 AUTH.UNAUTHENTICATED', async () => {
      expectProblem(await del(ctx.t, '/v1/me'), 401, 'AUTH.UNAUTHENTICATED');
    });
  });
});

/**
 * Settings that need an application of their own. Passport strategies are registered process-wide:
 * a second application in this process takes over the first one's `local` and `bearer` strategies
 * (and once closed leaves the first answering 500), so applications run here one at a time.
 */
describe('session and password settings (one application at a time)', () => {
  const ctx = useTestApp({ app: false });

  const sessionRow = async (id: string) => (await ctx.db.query<SessionRow>(`SELECT * FROM account.sessions WHERE id = $1`, [id]))[0];
  const passwordHash = async (userId: string) =>
    (await ctx.db.query<{ password_hash: string }>(`SELECT password_hash FROM account.users WHERE id = $1`, [userId]))[0].password_hash;
  const login = (t: TestApp, email: string, password: string) => post(t, '/v1/auth/login', { email, password });

  it('idle expiry: with ACCOUNT_SESSION_IDLE_TTL=1s a session unused for 1.5 s cannot be refreshed', async () => {
    const idle = await startTestApp(ctx.db, { env: { ACCOUNT_SESSION_IDLE_TTL: '1s' } });
    try {
      const u = await signUp(idle, ctx.db);
      const other = await signIn(idle, u.email, u.password);
      const row = (await sessionRow(u.sessionId))!;
      expect(row.idle_expires_at.getTime() - row.created_at.getTime()).toBe(1000);
      expect(row.absolute_expires_at.getTime() - row.created_at.getTime()).toBe(30 * 86_400_000);
      // The allowed case, deterministically: a session whose idle window is still open refreshes.
      await ctx.db.query(`UPDATE account.sessions SET idle_expires_at = now() + interval '1 minute' WHERE id = $1`, [other.sessionId]);

      await sleep(1500);
      expectProblem(await post(idle, '/v1/auth/refresh', { refresh_token: u.refreshToken }), 401, 'AUTH.REFRESH_INVALID');
      const rotated = await post(idle, '/v1/auth/refresh', { refresh_token: other.refreshToken });
      expect(rotated.statusCode).toBe(200);
      // The refresh opened a new idle window of 1 s from now.
      const touched = (await sessionRow(other.sessionId))!;
      expect(touched.idle_expires_at.getTime() - touched.last_used_at.getTime()).toBe(1000);

      // An idle-expired session is no longer listed (its access token is still valid until it expires).
      const list = await get(idle, '/v1/me/sessions', rotated.json<{ access_token: string }>().access_token);
      expect(list.statusCode).toBe(200);
      expect(list.json<{ items: Json[] }>().items.map((s) => s.id)).not.toContain(u.sessionId);
    } finally {
      await idle.close();
    }
  });

  it('rehashes on login when the bcrypt cost changed (and only with the right password)', async () => {
    const cost4 = await startTestApp(ctx.db); // ACCOUNT_BCRYPT_COST=4 (TEST_ENV)
    let u: SignedIn;
    try {
      u = await signUp(cost4, ctx.db);
    } finally {
      await cost4.close();
    }
    const original = await passwordHash(u.userId);
    expect(original).toMatch(/^\$2b\$04\$/);

    const cost5 = await startTestApp(ctx.db, { env: { ACCOUNT_BCRYPT_COST: '5' } });
    try {
      expectProblem(await login(cost5, u.email, 'not the right password'), 401, 'AUTH.INVALID_CREDENTIALS');
      expect(await passwordHash(u.userId)).toBe(original);

      expect((await login(cost5, u.email, GOOD_PASSWORD)).statusCode).toBe(200);
      const rehashed = await passwordHash(u.userId);
      expect(rehashed).toMatch(/^\$2b\$05\$/);

      // At the configured cost already: left alone, and it verifies the same password.
      expect((await login(cost5, u.email, GOOD_PASSWORD)).statusCode).toBe(200);
      expect(await passwordHash(u.userId)).toBe(rehashed);
    } finally {
      await cost5.close();
    }
  });
});
