import { createHash, randomBytes } from 'node:crypto';
import { ConfigValidationError } from '@user-engine/kernel';
import type { LightMyRequestResponse } from 'fastify';
import { GOOD_PASSWORD, signUp, uniqueEmail, type SignedIn } from './support/account';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Brute-force protection of password checks (libs/account/src/auth/login-throttle.ts):
 * - per (account, IP): a progressive delay after ACCOUNT_LOGIN_FREE_ATTEMPTS failures (1 s, 2 s, …);
 * - per account, across IPs: a hard ceiling of ACCOUNT_LOGIN_MAX_FAILURES per window, which ends
 *   with the window;
 * - per IP, across accounts: ACCOUNT_LOGIN_IP_MAX_FAILURES per window.
 * A refused attempt is 429 AUTH.TOO_MANY_ATTEMPTS with Retry-After, checks no password and is not
 * counted. Each configuration runs on its own application and database.
 */

const LOCAL_IP = '127.0.0.1'; // light-my-request's socket address
const WINDOW_S = 3600;

/** The suite's applications: an unexpected 500 is reported with their error logs. */
const apps = {
  all: new Set<TestApp>(),
  track(app: TestApp): TestApp {
    this.all.add(app);
    return app;
  },
  errors(): string {
    const lines = [...this.all].flatMap((a) => a.logs.filter((l) => Number(l.level) >= 50));
    return JSON.stringify(lines.slice(-5));
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- problem bodies are inspected freely
function expectProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, any> {
  if (res.statusCode === 500 && status !== 500) throw new Error(`unexpected 500 ${res.body}; application errors: ${apps.errors()}`);
  expect({ status: res.statusCode, code: res.json<{ code?: string }>().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  const body = res.json<Record<string, any>>();
  expect(body).toMatchObject({ status, code, type: `urn:user-engine:problem:${code.toLowerCase()}` });
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

/** A 429 with an integer Retry-After equal to the body's retry_after; returns the seconds. */
function expectThrottled(res: LightMyRequestResponse): number {
  const body = expectProblem(res, 429, 'AUTH.TOO_MANY_ATTEMPTS');
  const header = res.headers['retry-after'];
  expect(header).toMatch(/^[1-9]\d*$/);
  expect(body.retry_after).toBe(Number(header));
  return Number(header);
}

function expectInvalidCredentials(res: LightMyRequestResponse): void {
  expectProblem(res, 401, 'AUTH.INVALID_CREDENTIALS');
  expect(res.headers['retry-after']).toBeUndefined();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const wrong = () => `wrong-${randomBytes(6).toString('hex')}`;

/** The limiter's key of an email (the table holds a hash, never the address). */
function accountKey(email: string): string {
  return createHash('sha256').update(email.trim().normalize('NFC').toLowerCase()).digest('base64url').slice(0, 32);
}

interface ThrottleRow {
  key: string;
  failures: number;
  /** Whether a block was set (it may have run out since: the 429s show it is in force). */
  blocked: boolean;
}

/** Every password used in the suite: none may ever appear in the audit log. */
const passwordsUsed = new Set<string>([GOOD_PASSWORD]);

function login(t: TestApp, email: string, password: string, ip?: string): Promise<LightMyRequestResponse> {
  passwordsUsed.add(password);
  return t.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    headers: ip ? { 'x-forwarded-for': ip } : {},
  });
}

/** The limiter rows of an email (account and account+IP keys) and of the given IPs. */
async function throttleRows(db: TestDatabase, email: string | null, ips: string[] = []): Promise<ThrottleRow[]> {
  const h = email ? accountKey(email) : '-';
  return db.query<ThrottleRow>(
    `SELECT key, failures, blocked_until IS NOT NULL AS blocked FROM account.login_throttle
      WHERE key = $1 OR key LIKE $2 OR key = ANY($3::text[]) ORDER BY key`,
    [`a:${h}`, `ai:${h}:%`, ips.map((ip) => `i:${ip}`)],
  );
}

/** Seconds between the failure that set a block and the block's end (exact: both come from the database). */
async function blockSeconds(db: TestDatabase, key: string): Promise<number> {
  const [row] = await db.query<{ s: number }>(
    `SELECT round(extract(epoch FROM blocked_until - updated_at)::numeric, 1)::float AS s FROM account.login_throttle WHERE key = $1`,
    [key],
  );
  return row?.s;
}

async function auditRows(
  db: TestDatabase,
  action: string,
  where: { resourceId?: string; ip?: string } = {},
): Promise<{ outcome: string; actor_type: string; ip: string | null; resource_id: string | null; data: Record<string, unknown> }[]> {
  return db.query(
    `SELECT outcome, actor_type, ip, resource_id, data FROM kernel.audit_log
      WHERE action = $1 AND ($2::text IS NULL OR resource_id = $2) AND ($3::text IS NULL OR ip = $3)
      ORDER BY occurred_at, id`,
    [action, where.resourceId ?? null, where.ip ?? null],
  );
}

/** `work`'s result, or 'stuck' when it has not settled within `ms` (a liveness bound, not a speed test). */
async function settleWithin<T>(work: Promise<T>, ms: number): Promise<T | 'stuck'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'stuck'>((resolve) => {
    timer = setTimeout(() => resolve('stuck'), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const count = (responses: LightMyRequestResponse[], status: number) => responses.filter((r) => r.statusCode === status).length;

async function startFailure(db: TestDatabase, env: Record<string, string>): Promise<unknown> {
  return startTestApp(db, { env }).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (e: unknown) => e,
  );
}

describe('login brute-force protection', () => {
  describe('defaults (5 free attempts, 1 h window, 100 per account), no TRUST_PROXY', () => {
    let db: TestDatabase;
    let t: TestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      // The allowed boundaries, stated explicitly: the largest ceiling and the shortest window.
      t = apps.track(await startTestApp(db, { env: { ACCOUNT_LOGIN_MAX_FAILURES: '100', ACCOUNT_LOGIN_WINDOW: '1h' } }));
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('5 wrong passwords → 401 each; the 6th failure starts a 1 s delay; even the right password is refused; after the delay it works and clears the account counters', async () => {
      const user = await signUp(t, db);
      const h = accountKey(user.email);
      const password = wrong();
      for (let i = 1; i <= 5; i++) expectInvalidCredentials(await login(t, user.email, password));
      // Free attempts: counted, nothing blocked.
      expect(await throttleRows(db, user.email)).toEqual([
        { key: `a:${h}`, failures: 5, blocked: false },
        { key: `ai:${h}:${LOCAL_IP}`, failures: 5, blocked: false },
      ]);

      expectInvalidCredentials(await login(t, user.email, password)); // the 6th is still checked …
      expect(await blockSeconds(db, `ai:${h}:${LOCAL_IP}`)).toBe(1); // … and starts a 1 s delay

      const refused = await login(t, user.email, password);
      const retryAfter = expectThrottled(refused);
      expect(retryAfter).toBe(1);
      // The right password is refused too: a blocked attempt checks no password.
      expectThrottled(await login(t, user.email, GOOD_PASSWORD));
      // Refused attempts are not counted.
      expect(await throttleRows(db, user.email)).toEqual([
        { key: `a:${h}`, failures: 6, blocked: false },
        { key: `ai:${h}:${LOCAL_IP}`, failures: 6, blocked: true },
      ]);

      await sleep(retryAfter * 1000 + 200);
      const ok = await login(t, user.email, GOOD_PASSWORD);
      expect(ok.statusCode).toBe(200);
      expect(ok.json<{ user: { id: string } }>().user.id).toBe(user.userId);
      // The account's counters are gone; the IP's stays (a success does not launder an IP).
      expect(await throttleRows(db, user.email)).toEqual([]);
      const [ipRow] = await throttleRows(db, null, [LOCAL_IP]);
      expect(ipRow).toMatchObject({ key: `i:${LOCAL_IP}` });
      expect(ipRow.failures).toBeGreaterThanOrEqual(6);

      // A fresh start: the next failure is the first again.
      expectInvalidCredentials(await login(t, user.email, wrong()));
      expect(await throttleRows(db, user.email)).toEqual([
        { key: `a:${h}`, failures: 1, blocked: false },
        { key: `ai:${h}:${LOCAL_IP}`, failures: 1, blocked: false },
      ]);
    });

    it('the delay doubles with each further failure (1 s, then 2 s)', async () => {
      const user = await signUp(t, db);
      const key = `ai:${accountKey(user.email)}:${LOCAL_IP}`;
      for (let i = 1; i <= 6; i++) expectInvalidCredentials(await login(t, user.email, wrong()));
      expect(await blockSeconds(db, key)).toBe(1);
      const first = expectThrottled(await login(t, user.email, wrong()));
      await sleep(first * 1000 + 200);
      expectInvalidCredentials(await login(t, user.email, wrong())); // the 7th failure …
      expect(await blockSeconds(db, key)).toBe(2); // … doubles the delay
      const second = expectThrottled(await login(t, user.email, GOOD_PASSWORD));
      expect(second).toBeGreaterThanOrEqual(1);
      expect(second).toBeLessThanOrEqual(2);
      expect(await throttleRows(db, user.email)).toEqual([
        { key: `a:${accountKey(user.email)}`, failures: 7, blocked: false },
        { key, failures: 7, blocked: true },
      ]);
    });

    it('unknown emails are throttled exactly like known ones (the 429 comes at the same attempt)', async () => {
      const known = await signUp(t, db);
      const unknown = uniqueEmail('nobody');
      const sequence = async (email: string) => {
        const out: LightMyRequestResponse[] = [];
        for (let i = 1; i <= 7; i++) out.push(await login(t, email, wrong()));
        return out;
      };
      const knownSeq = await sequence(known.email);
      const unknownSeq = await sequence(unknown);
      expect(knownSeq.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 401, 429]);
      expect(unknownSeq.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 401, 429]);
      // The same bodies (apart from the request id), the 401s and the 429s alike.
      const stable = (r: LightMyRequestResponse) => {
        const { request_id: _r, ...rest } = r.json<Record<string, unknown>>();
        return rest;
      };
      expect(unknownSeq.map(stable)).toEqual(knownSeq.map(stable));
      // Counters exist for the unknown address too, under a hash: no address is stored.
      expect(await throttleRows(db, unknown)).toEqual([
        { key: `a:${accountKey(unknown)}`, failures: 6, blocked: false },
        { key: `ai:${accountKey(unknown)}:${LOCAL_IP}`, failures: 6, blocked: true },
      ]);
      const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.login_throttle WHERE key LIKE '%@%'`);
      expect(n).toBe(0);
      const failed = await auditRows(db, 'auth.login.failed', { ip: LOCAL_IP });
      expect(failed.filter((r) => r.resource_id === known.userId).map((r) => r.data)).toEqual(
        Array.from({ length: 6 }, () => ({ reason: 'wrong_password' })),
      );
      // An unknown address has no user id to name; its failures say so.
      expect(failed.filter((r) => r.resource_id === null && r.data.reason === 'unknown_email').length).toBeGreaterThanOrEqual(6);
    });

    it('the email is normalised before counting: changing its case does not buy more attempts', async () => {
      const user = await signUp(t, db);
      const variants = [user.email, user.email.toUpperCase(), user.email.replace(/^./, (c) => c.toUpperCase())];
      for (let i = 0; i < 6; i++) expectInvalidCredentials(await login(t, variants[i % 3], wrong()));
      expectThrottled(await login(t, user.email.toUpperCase(), GOOD_PASSWORD));
      expect(await throttleRows(db, user.email)).toEqual([
        { key: `a:${accountKey(user.email)}`, failures: 6, blocked: false },
        { key: `ai:${accountKey(user.email)}:${LOCAL_IP}`, failures: 6, blocked: true },
      ]);
    });

    it('without TRUST_PROXY X-Forwarded-For is ignored: changing it does not escape the block', async () => {
      const user = await signUp(t, db);
      for (let i = 1; i <= 6; i++) expectInvalidCredentials(await login(t, user.email, wrong(), `203.0.113.${i}`));
      expectThrottled(await login(t, user.email, GOOD_PASSWORD, '198.51.100.77'));
      expectThrottled(await login(t, user.email, GOOD_PASSWORD));
      // Everything was counted against the socket address.
      expect(await throttleRows(db, user.email)).toEqual([
        { key: `a:${accountKey(user.email)}`, failures: 6, blocked: false },
        { key: `ai:${accountKey(user.email)}:${LOCAL_IP}`, failures: 6, blocked: true },
      ]);
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM account.login_throttle WHERE key LIKE '%203.0.113.%' OR key LIKE '%198.51.100.%'`,
      );
      expect(n).toBe(0);
      const failed = await auditRows(db, 'auth.login.failed', { resourceId: user.userId });
      expect(failed.map((r) => r.ip)).toEqual(Array(6).fill(LOCAL_IP));
    });

    it('failures, lock-outs and refusals are audited with the IP', async () => {
      const user = await signUp(t, db);
      for (let i = 1; i <= 6; i++) expectInvalidCredentials(await login(t, user.email, wrong()));
      const refused = await login(t, user.email, GOOD_PASSWORD);
      expectThrottled(refused);

      const failed = await auditRows(db, 'auth.login.failed', { resourceId: user.userId });
      expect(failed).toEqual(
        Array(6).fill({
          outcome: 'failure',
          actor_type: 'anonymous',
          ip: LOCAL_IP,
          resource_id: user.userId,
          data: { reason: 'wrong_password' },
        }),
      );
      expect(await auditRows(db, 'auth.lockout', { resourceId: user.userId })).toEqual([
        { outcome: 'denied', actor_type: 'anonymous', ip: LOCAL_IP, resource_id: user.userId, data: { seconds: 1 } },
      ]);
      const [throttled] = await db.query<{ outcome: string; ip: string; data: Record<string, unknown> }>(
        `SELECT outcome, ip, data FROM kernel.audit_log WHERE action = 'auth.login.throttled' AND request_id = $1`,
        [refused.headers['x-request-id']],
      );
      expect(throttled).toEqual({ outcome: 'denied', ip: LOCAL_IP, data: { limit: 'account_ip', retry_after_s: 1 } });
      // A successful login is not a failure: the sign-up's login left no auth.login.failed.
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM kernel.audit_log WHERE action = 'auth.login.succeeded' AND resource_id = $1`,
        [user.userId],
      );
      expect(n).toBe(1);
    });

    describe('malformed login bodies → 400 and are not counted', () => {
      let user: SignedIn;
      beforeAll(async () => {
        user = await signUp(t, db);
      });
      const raw = (payload: string) =>
        t.inject({ method: 'POST', url: '/v1/auth/login', payload, headers: { 'content-type': 'application/json' } });

      it.each([
        ['an unknown field', () => JSON.stringify({ email: user.email, password: 'x', remember: true }), 'KERNEL.VALIDATION_FAILED'],
        ['a wrong type', () => JSON.stringify({ email: user.email, password: 12345678 }), 'KERNEL.VALIDATION_FAILED'],
        ['a missing password', () => JSON.stringify({ email: user.email }), 'KERNEL.VALIDATION_FAILED'],
        ['an empty password', () => JSON.stringify({ email: user.email, password: '' }), 'KERNEL.VALIDATION_FAILED'],
        ['not an email', () => JSON.stringify({ email: 'not-an-email', password: 'x' }), 'KERNEL.VALIDATION_FAILED'],
        ['invalid JSON', () => `{"email": "${user.email}", "password": `, 'KERNEL.MALFORMED_JSON'],
      ])('%s', async (_name, payload, code) => {
        for (let i = 0; i < 7; i++) expectProblem(await raw(payload()), 400, code);
        expect(await throttleRows(db, user.email)).toEqual([]);
        expect(await auditRows(db, 'auth.login.failed', { resourceId: user.userId })).toEqual([]);
      });
    });

    describe('POST /v1/me/password: the current-password check is throttled too', () => {
      const change = (user: SignedIn, current: string, next: string) => {
        passwordsUsed.add(current).add(next);
        return t.inject({
          method: 'POST',
          url: '/v1/me/password',
          payload: { current_password: current, new_password: next },
          headers: { authorization: `Bearer ${user.accessToken}` },
        });
      };
      const NEW_PASSWORD = 'a different passphrase for the throttle 9';

      it('5 wrong → 400 each, the 6th starts the delay, then 429 even with the right password; afterwards the change works', async () => {
        const user = await signUp(t, db);
        const [{ password_hash: hashBefore }] = await db.query<{ password_hash: string }>(
          `SELECT password_hash FROM account.users WHERE id = $1`,
          [user.userId],
        );
        for (let i = 1; i <= 6; i++) expectProblem(await change(user, wrong(), NEW_PASSWORD), 400, 'ACCOUNT.CURRENT_PASSWORD_INVALID');
        const retryAfter = expectThrottled(await change(user, wrong(), NEW_PASSWORD));
        expectThrottled(await change(user, GOOD_PASSWORD, NEW_PASSWORD));
        // The login from the same IP shares the counters.
        expectThrottled(await login(t, user.email, GOOD_PASSWORD));
        expect(await db.query(`SELECT password_hash FROM account.users WHERE id = $1`, [user.userId])).toEqual([
          { password_hash: hashBefore },
        ]);
        expect(await throttleRows(db, user.email)).toEqual([
          { key: `a:${accountKey(user.email)}`, failures: 6, blocked: false },
          { key: `ai:${accountKey(user.email)}:${LOCAL_IP}`, failures: 6, blocked: true },
        ]);

        await sleep(retryAfter * 1000 + 200);
        expect((await change(user, GOOD_PASSWORD, NEW_PASSWORD)).statusCode).toBe(204);
        expect((await login(t, user.email, NEW_PASSWORD)).statusCode).toBe(200);
      });

      it('malformed bodies → 400 and are not counted', async () => {
        const user = await signUp(t, db);
        const raw = (payload: string) =>
          t.inject({
            method: 'POST',
            url: '/v1/me/password',
            payload,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
          });
        for (const [payload, code] of [
          [JSON.stringify({ current_password: 'x', new_password: NEW_PASSWORD, admin: true }), 'KERNEL.VALIDATION_FAILED'],
          [JSON.stringify({ current_password: 5, new_password: NEW_PASSWORD }), 'KERNEL.VALIDATION_FAILED'],
          [JSON.stringify({ new_password: NEW_PASSWORD }), 'KERNEL.VALIDATION_FAILED'],
          ['{"current_password": ', 'KERNEL.MALFORMED_JSON'],
        ]) {
          for (let i = 0; i < 7; i++) expectProblem(await raw(payload), 400, code);
        }
        expect(await throttleRows(db, user.email)).toEqual([]);
      });
    });

    it('no password (wrong or right, old or new) appears in any audit row', async () => {
      expect(passwordsUsed.size).toBeGreaterThan(20);
      for (const password of passwordsUsed) {
        const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel.audit_log a WHERE strpos(a::text, $1) > 0`, [
          password,
        ]);
        expect({ password, n }).toEqual({ password, n: 0 });
      }
      // The audit log did record the attempts that used them.
      const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel.audit_log WHERE action = 'auth.login.failed'`);
      expect(n).toBeGreaterThan(20);
    });
  });

  describe('TRUST_PROXY=true: the victim is not locked out by an attacker elsewhere', () => {
    let db: TestDatabase;
    let t: TestApp;
    const ATTACKER = '203.0.113.66';
    const VICTIM = '198.51.100.10';

    beforeAll(async () => {
      db = await createTestDatabase();
      // A pool large enough for the parallel test below (each login holds up to two connections).
      t = apps.track(await startTestApp(db, { env: { TRUST_PROXY: 'true', DATABASE_POOL_SIZE: '40' } }));
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('an attacker from IP A hammering the victim’s email blocks only A; the victim from IP B signs in', async () => {
      const victim = await signUp(t, db);
      const h = accountKey(victim.email);
      for (let i = 1; i <= 6; i++) expectInvalidCredentials(await login(t, victim.email, wrong(), ATTACKER));
      expectThrottled(await login(t, victim.email, wrong(), ATTACKER)); // denied: A is slowed down
      expectThrottled(await login(t, victim.email, GOOD_PASSWORD, ATTACKER)); // even a right guess

      const ok = await login(t, victim.email, GOOD_PASSWORD, VICTIM); // allowed: B is unaffected
      expect(ok.statusCode).toBe(200);
      const sessionId = ok.json<{ session_id: string }>().session_id;
      expect(await db.query(`SELECT ip FROM account.sessions WHERE id = $1`, [sessionId])).toEqual([{ ip: VICTIM }]);

      // The victim's success does not lift the attacker's block.
      expectThrottled(await login(t, victim.email, GOOD_PASSWORD, ATTACKER));
      expect(await throttleRows(db, victim.email, [ATTACKER, VICTIM])).toEqual([
        { key: `ai:${h}:${ATTACKER}`, failures: 6, blocked: true },
        { key: `i:${ATTACKER}`, failures: 6, blocked: false },
      ]);

      // The audit names the forwarded address.
      expect((await auditRows(db, 'auth.login.failed', { resourceId: victim.userId })).map((r) => r.ip)).toEqual(Array(6).fill(ATTACKER));
      expect((await auditRows(db, 'auth.lockout', { resourceId: victim.userId })).map((r) => r.ip)).toEqual([ATTACKER]);
      const throttled = await auditRows(db, 'auth.login.throttled', { ip: ATTACKER });
      expect(throttled).toHaveLength(3);
      expect(throttled.every((r) => r.data.limit === 'account_ip')).toBe(true);
      expect(await auditRows(db, 'auth.login.throttled', { ip: VICTIM })).toEqual([]);
    });

    it('parallel attempts from one IP cannot skip the progressive delay: at most 5 + 1 passwords are checked', async () => {
      const target = await signUp(t, db);
      const ip = '203.0.113.99';
      const responses = await Promise.all(Array.from({ length: 12 }, () => login(t, target.email, wrong(), ip)));
      // Sequentially the 7th attempt is refused; arriving together must not change that.
      expect(count(responses, 401) + count(responses, 429)).toBe(12);
      expect(count(responses, 401)).toBeLessThanOrEqual(6);
      const [row] = await db.query<{ failures: number }>(`SELECT failures FROM account.login_throttle WHERE key = $1`, [
        `ai:${accountKey(target.email)}:${ip}`,
      ]);
      expect(row.failures).toBeLessThanOrEqual(6);
    });
  });

  describe('the per-account ceiling and the per-IP limit (TRUST_PROXY=true, 3 and 3)', () => {
    let db: TestDatabase;
    let t: TestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      t = apps.track(
        await startTestApp(db, {
          env: { TRUST_PROXY: 'true', ACCOUNT_LOGIN_MAX_FAILURES: '3', ACCOUNT_LOGIN_IP_MAX_FAILURES: '3', DATABASE_POOL_SIZE: '40' },
        }),
      );
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('3 failures from 3 IPs block the account from every IP until the window ends, never longer', async () => {
      const user = await signUp(t, db);
      const bystander = await signUp(t, db);
      const h = accountKey(user.email);
      expectInvalidCredentials(await login(t, user.email, wrong(), '192.0.2.1'));
      expectInvalidCredentials(await login(t, user.email, wrong(), '192.0.2.2'));
      // The third failure is still checked (401) — and reaches the ceiling.
      expectInvalidCredentials(await login(t, user.email, wrong(), '192.0.2.3'));

      // The ceiling is reached: every IP is refused, the right password too (denied).
      for (const ip of ['192.0.2.1', '192.0.2.4', '198.51.100.200']) {
        const retryAfter = expectThrottled(await login(t, user.email, GOOD_PASSWORD, ip));
        expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
        expect(retryAfter).toBeGreaterThan(WINDOW_S - 60);
      }
      const [row] = await db.query<{ failures: number; within_window: boolean; ends_with_window: boolean }>(
        `SELECT failures,
                blocked_until <= window_started_at + interval '1 hour' AS within_window,
                blocked_until > window_started_at + interval '59 minutes' AS ends_with_window
           FROM account.login_throttle WHERE key = $1`,
        [`a:${h}`],
      );
      expect(row).toEqual({ failures: 3, within_window: true, ends_with_window: true });
      expect(await auditRows(db, 'auth.lockout', { resourceId: user.userId })).toEqual([
        { outcome: 'denied', actor_type: 'anonymous', ip: '192.0.2.3', resource_id: user.userId, data: { seconds: expect.any(Number) } },
      ]);
      const [lockout] = await auditRows(db, 'auth.lockout', { resourceId: user.userId });
      expect(lockout.data.seconds).toBeLessThanOrEqual(WINDOW_S);
      const throttled = await auditRows(db, 'auth.login.throttled', { ip: '192.0.2.4' });
      expect(throttled.map((r) => r.data.limit)).toEqual(['account']);

      // Other accounts are untouched, from the same IPs.
      expect((await login(t, bystander.email, GOOD_PASSWORD, '192.0.2.4')).statusCode).toBe(200);
    });

    it('parallel attempts from many IPs cannot exceed the per-account ceiling (3 password checks at most)', async () => {
      const user = await signUp(t, db);
      const responses = await Promise.all(Array.from({ length: 12 }, (_x, i) => login(t, user.email, wrong(), `192.0.2.${100 + i}`)));
      expect(count(responses, 401) + count(responses, 429)).toBe(12);
      expect(count(responses, 401)).toBeLessThanOrEqual(3);
      const [row] = await db.query<{ failures: number }>(`SELECT failures FROM account.login_throttle WHERE key = $1`, [
        `a:${accountKey(user.email)}`,
      ]);
      expect(row.failures).toBeLessThanOrEqual(3);
    });

    it('below the ceiling (2 failures from 2 IPs) the right password from a third IP signs in', async () => {
      const user = await signUp(t, db);
      expectInvalidCredentials(await login(t, user.email, wrong(), '192.0.2.11'));
      expectInvalidCredentials(await login(t, user.email, wrong(), '192.0.2.12'));
      expect((await login(t, user.email, GOOD_PASSWORD, '192.0.2.13')).statusCode).toBe(200);
      // The success cleared the account counter; the per-IP pairs of the other IPs remain.
      expect((await throttleRows(db, user.email)).map((r) => r.key)).toEqual([
        `ai:${accountKey(user.email)}:192.0.2.11`,
        `ai:${accountKey(user.email)}:192.0.2.12`,
      ]);
    });

    it('3 failures against 3 emails from one IP block a 4th email from that IP; another IP is fine', async () => {
      const target = await signUp(t, db);
      const stuffer = '203.0.113.200';
      for (const email of [uniqueEmail('stuffed'), uniqueEmail('stuffed'), (await signUp(t, db)).email]) {
        expectInvalidCredentials(await login(t, email, wrong(), stuffer));
      }
      const retryAfter = expectThrottled(await login(t, target.email, GOOD_PASSWORD, stuffer)); // denied
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
      expect((await login(t, target.email, GOOD_PASSWORD, '198.51.100.31')).statusCode).toBe(200); // allowed
      expect(await throttleRows(db, null, [stuffer])).toEqual([{ key: `i:${stuffer}`, failures: 3, blocked: true }]);
      // The target account itself was never counted against.
      expect(await throttleRows(db, target.email)).toEqual([]);
      expect((await auditRows(db, 'auth.login.throttled', { ip: stuffer })).map((r) => r.data.limit)).toEqual(['ip']);
    });
  });

  describe('concurrent logins and the connection pool (DATABASE_POOL_SIZE=2)', () => {
    let db: TestDatabase;
    let t: TestApp;
    beforeAll(async () => {
      db = await createTestDatabase();
      t = apps.track(await startTestApp(db, { env: { DATABASE_POOL_SIZE: '2' } }));
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('more concurrent logins than pool connections all get an answer (they queue; nothing deadlocks)', async () => {
      const user = await signUp(t, db);
      const all = Promise.all([
        ...Array.from({ length: 7 }, (_x, i) => login(t, i % 2 ? uniqueEmail('absent') : user.email, wrong())),
        login(t, user.email, GOOD_PASSWORD),
      ]);
      const outcome = await settleWithin(all, 8000);
      if (outcome === 'stuck') {
        // Every connection is held by a login's transaction while its limiter waits for another
        // one: free the pool (so the application can close) and report the deadlock.
        const states = await db.query<{ state: string }>(
          `SELECT state FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name = 'user-engine' AND query NOT LIKE 'LISTEN%'
            ORDER BY state`,
          [db.name],
        );
        await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db.name]);
        await all.catch(() => undefined);
        throw new Error(`the logins never completed (pool deadlock); connections: ${JSON.stringify(states.map((s) => s.state))}`);
      }
      expect(outcome.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 401, 401, 200]);
    });
  });

  describe('start-up validation of the limits', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('ACCOUNT_LOGIN_MAX_FAILURES=101 → ConfigValidationError', async () => {
      const err = await startFailure(db, { ACCOUNT_LOGIN_MAX_FAILURES: '101' });
      expect(err).toBeInstanceOf(ConfigValidationError);
      expect((err as ConfigValidationError).problems.map((p) => p.variable)).toEqual(['ACCOUNT_LOGIN_MAX_FAILURES']);
    });

    it('ACCOUNT_LOGIN_WINDOW=30m → ConfigValidationError (the window is at least 1 h)', async () => {
      const err = await startFailure(db, { ACCOUNT_LOGIN_WINDOW: '30m' });
      expect(err).toBeInstanceOf(ConfigValidationError);
      expect((err as ConfigValidationError).problems).toEqual([{ variable: 'ACCOUNT_LOGIN_WINDOW', message: 'must be at least 1h' }]);
    });
  });
});
