import { GOOD_PASSWORD, mailboxCount, uniqueEmail } from './support/account';
import { useTestApp } from './support/test-app';

/** Requests that send mail are limited per address and per client, alike for every address. */
describe('mail-sending request limits', () => {
  const ctx = useTestApp({ env: { ACCOUNT_MAIL_MAX_PER_ADDRESS: '2', ACCOUNT_MAIL_MAX_PER_IP: '5', TRUST_PROXY: 'true' } });
  let ipCounter = 0;
  const freshIp = () => `198.51.100.${++ipCounter}`;

  const send = (url: string, payload: object, ip: string) =>
    ctx.t.inject({ method: 'POST', url, payload, headers: { 'x-forwarded-for': ip } });

  function expectLimited(res: Awaited<ReturnType<typeof send>>) {
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ code: 'ACCOUNT.TOO_MANY_REQUESTS', status: 429 });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(3600);
  }

  it('per address: the third sign-up for one address is refused (allowed: the first two)', async () => {
    const email = uniqueEmail('limited');
    expect((await send('/v1/users', { email, password: GOOD_PASSWORD }, freshIp())).statusCode).toBe(202);
    expect((await send('/v1/users', { email, password: GOOD_PASSWORD }, freshIp())).statusCode).toBe(202);
    expectLimited(await send('/v1/users', { email: email.toUpperCase(), password: GOOD_PASSWORD }, freshIp()));
    const [{ n }] = await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM account.users WHERE email = $1`, [email]);
    expect(Number(n)).toBe(1);
  });

  it('resend and reset requests for an unknown address are limited exactly like a known one (no existence leak)', async () => {
    const known = uniqueEmail('known');
    await send('/v1/users', { email: known, password: GOOD_PASSWORD }, freshIp()); // 1 for the known address
    const unknown = uniqueEmail('unknown');
    await send('/v1/users/resend-verification', { email: unknown }, freshIp()); // 1 for the unknown one
    for (const email of [known, unknown]) {
      expect((await send('/v1/auth/password-reset', { email }, freshIp())).statusCode).toBe(202);
      expectLimited(await send('/v1/auth/password-reset', { email }, freshIp()));
      expectLimited(await send('/v1/users/resend-verification', { email }, freshIp()));
    }
  });

  it("a victim's reset link cannot be replaced over and over: refused requests issue no token", async () => {
    const email = uniqueEmail('victim');
    await send('/v1/users', { email, password: GOOD_PASSWORD }, freshIp());
    await send('/v1/auth/password-reset', { email }, freshIp());
    for (let i = 0; i < 3; i++) expectLimited(await send('/v1/auth/password-reset', { email }, freshIp()));
    const [{ n }] = await ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM account.email_tokens t JOIN account.users u ON u.id = t.user_id WHERE u.email = $1 AND t.purpose = 'password_reset'`,
      [email],
    );
    expect(Number(n)).toBeLessThanOrEqual(1);
  });

  it('per client IP: the sixth request from one IP is refused; another IP is not (IPv6 counted by /64)', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++)
      expect((await send('/v1/users/resend-verification', { email: uniqueEmail('spray') }, ip)).statusCode).toBe(202);
    expectLimited(await send('/v1/users/resend-verification', { email: uniqueEmail('spray') }, ip));
    expect((await send('/v1/users/resend-verification', { email: uniqueEmail('spray') }, freshIp())).statusCode).toBe(202);

    for (let i = 0; i < 5; i++) {
      const res = await send('/v1/users/resend-verification', { email: uniqueEmail('v6') }, `2001:db8:7:7::${i + 1}`);
      expect(res.statusCode).toBe(202);
    }
    expectLimited(await send('/v1/users/resend-verification', { email: uniqueEmail('v6') }, '2001:db8:7:7:ffff::99'));
    expect((await send('/v1/users/resend-verification', { email: uniqueEmail('v6') }, '2001:db8:7:8::1')).statusCode).toBe(202);
  });

  it('malformed requests are refused before they are counted', async () => {
    const email = uniqueEmail('malformed');
    for (let i = 0; i < 4; i++) expect((await send('/v1/users', { email, password: 42 }, freshIp())).statusCode).toBe(400);
    expect((await send('/v1/users', { email, password: GOOD_PASSWORD }, freshIp())).statusCode).toBe(202);
    expect(await mailboxCount(ctx.db, email)).toBeLessThanOrEqual(1);
  });
});
