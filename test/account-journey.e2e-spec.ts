import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { get, GOOD_PASSWORD, post, smtpToken, uniqueEmail } from './support/account';
import { startSmtp, type TestSmtp } from './support/smtp';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { eventually, startTestApp, type TestApp } from './support/test-app';

/**
 * The whole path a user walks, with mail delivered through a real SMTP server:
 * register → verify → login → me → refresh → reuse (family revoked) → login → reset → old sessions
 * dead → login with the new password.
 */
describe('account journey', () => {
  let smtp: TestSmtp;
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtp();
    db = await createTestDatabase();
    t = await startTestApp(db, { env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://id.example.test' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await smtp?.close();
  });

  it('register → verify → login → me → refresh → reuse → login → reset → login with the new password', async () => {
    const email = uniqueEmail('journey');
    const registered = await post(t, '/v1/users', { email: email.toUpperCase(), password: GOOD_PASSWORD, display_name: 'Ada' });
    expect(registered.statusCode).toBe(202);
    expect(registered.json()).toEqual({ status: 'verification_sent' });

    // Not verified yet: the right password says so, and only the right password.
    const early = await post(t, '/v1/auth/login', { email, password: GOOD_PASSWORD });
    expect(early.statusCode).toBe(403);
    expect(early.json()).toMatchObject({ code: 'AUTH.EMAIL_NOT_VERIFIED' });

    const verifyToken = await smtpToken(smtp, email, 'account.verify-email');
    const verified = await post(t, '/v1/users/verify-email', { token: verifyToken });
    expect(verified.statusCode).toBe(200);
    // Single use.
    expect((await post(t, '/v1/users/verify-email', { token: verifyToken })).json()).toMatchObject({ code: 'ACCOUNT.TOKEN_INVALID' });

    const login = await post(t, '/v1/auth/login', { email, password: GOOD_PASSWORD });
    expect(login.statusCode).toBe(200);
    const first = login.json<{
      access_token: string;
      refresh_token: string;
      token_type: string;
      expires_in: number;
      user: Record<string, unknown>;
    }>();
    expect(first).toMatchObject({
      token_type: 'Bearer',
      expires_in: 600,
      user: { email, email_verified: true, status: 'active', display_name: 'Ada' },
    });

    // A sibling service verifies the token offline, from the JWKS alone.
    const jwks = (await get(t, '/.well-known/jwks.json')).json<{ keys: object[] }>();
    const { payload, protectedHeader } = await jwtVerify(first.access_token, createLocalJWKSet(jwks as never), {
      issuer: 'https://id.example.test',
      audience: 'user-engine',
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: first.user.id, amr: ['pwd'], acr: 'aal1' });
    expect(typeof payload.sid).toBe('string');
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(decodeProtectedHeader(first.access_token).kid).toBeDefined();

    const me = await get(t, '/v1/me', first.access_token);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: first.user.id, email });

    const refreshed = await post(t, '/v1/auth/refresh', { refresh_token: first.refresh_token });
    expect(refreshed.statusCode).toBe(200);
    const second = refreshed.json<{ access_token: string; refresh_token: string }>();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await get(t, '/v1/me', second.access_token)).statusCode).toBe(200);

    // RT1 again: a copy exists somewhere. The whole session dies — RT2 and its access token too.
    const reused = await post(t, '/v1/auth/refresh', { refresh_token: first.refresh_token });
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toMatchObject({ code: 'AUTH.REFRESH_REUSED' });
    expect((await post(t, '/v1/auth/refresh', { refresh_token: second.refresh_token })).json()).toMatchObject({
      code: 'AUTH.REFRESH_INVALID',
    });
    expect((await get(t, '/v1/me', second.access_token)).json()).toMatchObject({ code: 'AUTH.TOKEN_REVOKED' });

    const again = (await post(t, '/v1/auth/login', { email, password: GOOD_PASSWORD })).json<{
      access_token: string;
      refresh_token: string;
    }>();
    expect((await get(t, '/v1/me', again.access_token)).statusCode).toBe(200);

    const reset = await post(t, '/v1/auth/password-reset', { email });
    expect(reset.statusCode).toBe(202);
    const resetToken = await smtpToken(smtp, email, 'account.password-reset');
    const newPassword = 'an entirely new passphrase 7';
    const confirmed = await post(t, '/v1/auth/password-reset/confirm', { token: resetToken, new_password: newPassword });
    expect(confirmed.statusCode).toBe(204);
    await eventually(
      async () => smtp.received.find((m) => m.raw.includes('X-User-Engine-Kind: account.password-changed')),
      10_000,
      'notice',
    );

    // Every old session is dead: access and refresh tokens alike.
    expect((await get(t, '/v1/me', again.access_token)).json()).toMatchObject({ code: 'AUTH.TOKEN_REVOKED' });
    expect((await post(t, '/v1/auth/refresh', { refresh_token: again.refresh_token })).statusCode).toBe(401);
    expect((await post(t, '/v1/auth/login', { email, password: GOOD_PASSWORD })).json()).toMatchObject({
      code: 'AUTH.INVALID_CREDENTIALS',
    });

    const fresh = await post(t, '/v1/auth/login', { email, password: newPassword });
    expect(fresh.statusCode).toBe(200);
    expect((await get(t, '/v1/me', fresh.json<{ access_token: string }>().access_token)).statusCode).toBe(200);
  });
});
