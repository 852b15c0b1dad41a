import { QueryBus } from '@nestjs/cqrs';
import { FindUserByEmail, GetUser, GetUsersByIds, PasswordHasher, type UserView } from '@user-engine/account';
import type { LightMyRequestResponse } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
// Internal, but meant for this: it resolves once the background work (mails, resend lookups) is done.
import { Background } from '../libs/account/src/background';
import { GOOD_PASSWORD, mailboxCount, mailboxToken, post, signIn, signUp, uniqueEmail } from './support/account';
import { eventually, type SuiteContext, useTestApp } from './support/test-app';

/**
 * Sign-up, email verification, resending the link, and the account queries other modules use.
 * Every refused request is checked for what it must not have done (rows, events, mails).
 */

const UA = 'registration-e2e/1.0 (jest)';
const VERIFY_KIND = 'account.verify-email';
const ALREADY_KIND = 'account.already-registered';
const COMPLETE_KIND = 'account.complete-sign-up';
const TOKEN_IN_TEXT = /token=([A-Za-z0-9_-]{20,})/;
const STATUS_SENT = { status: 'verification_sent' };

interface FieldError {
  path: string;
  message: string;
  rule: string;
}
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  errors?: FieldError[];
}

interface UserRow {
  id: string;
  email: string | null;
  email_verified_at: Date | null;
  status: string;
  display_name: string | null;
  password_hash: string | null;
  created_at: Date;
  updated_at: Date;
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
  request_id: string | null;
  data: Record<string, unknown>;
}

interface MailRow {
  kind: string;
  subject: string;
  text: string;
  html: string | null;
}

function expectProblem(res: LightMyRequestResponse, status: number, code: string): Problem {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Problem>();
  expect(body).toMatchObject({ status, code, type: `urn:user-engine:problem:${code.toLowerCase()}` });
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

/** Database and HTTP helpers bound to one suite's app and database. */
// The account's own events: reactions to them (a new user's trial) publish theirs asynchronously.
const ACCOUNT_EVENTS = `kernel.outbox WHERE aggregate_type <> 'subscription'`;

function helpers(ctx: SuiteContext) {
  const send = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    ctx.t.inject({ method: 'POST', url, payload: payload as object, headers: { 'user-agent': UA, ...headers } });
  const sendRaw = (url: string, payload: string) =>
    ctx.t.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', 'user-agent': UA } });

  const userByEmail = async (email: string): Promise<UserRow | undefined> =>
    (await ctx.db.query<UserRow>(`SELECT * FROM account.users WHERE email = lower($1)`, [email.trim()]))[0];
  const userById = async (id: string): Promise<UserRow | undefined> =>
    (await ctx.db.query<UserRow>(`SELECT * FROM account.users WHERE id = $1`, [id]))[0];
  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params))[0].n);

  /** Waits until the background work (mails, resend lookups) started so far has finished. */
  const settle = () => ctx.t.get(Background).idle();

  /** Everything a refused request must leave untouched (after earlier requests' mails have landed). */
  const snapshot = async () => {
    await settle();
    return {
      users: await count('account.users'),
      tokens: await count('account.email_tokens'),
      events: await count(ACCOUNT_EVENTS),
      mails: await count('kernel.dev_mailbox'),
      registered: await count(`kernel.audit_log WHERE action = 'account.registered'`),
    };
  };

  const mails = (email: string, kind?: string) =>
    ctx.db.query<MailRow>(
      `SELECT kind, subject, text, html FROM kernel.dev_mailbox WHERE recipient = lower($1) AND ($2::text IS NULL OR kind = $2) ORDER BY id`,
      [email.trim(), kind ?? null],
    );

  const events = (type: string, aggregateId: string) =>
    ctx.db.query<{ aggregate_type: string; aggregate_id: string; payload: Record<string, unknown> }>(
      `SELECT aggregate_type, aggregate_id, payload FROM kernel.outbox WHERE type = $1 AND aggregate_id = $2 ORDER BY id`,
      [type, aggregateId],
    );

  const auditByRequest = (requestId: string) =>
    // The account's own entries: the trial a reaction starts carries the request id along.
    ctx.db.query<AuditRow>(
      `SELECT * FROM kernel.audit_log WHERE request_id = $1 AND resource_type IS DISTINCT FROM 'subscription' ORDER BY id`,
      [requestId],
    );

  /** Registers `email` and returns the user id and the token of its first verification mail. */
  const registerPending = async (email: string, password = GOOD_PASSWORD) => {
    const res = await send('/v1/users', { email, password });
    expect(res.statusCode).toBe(202);
    const token = await mailboxToken(ctx.db, email, VERIFY_KIND);
    const user = await userByEmail(email);
    return { id: user!.id, token };
  };

  return { send, sendRaw, userByEmail, userById, count, snapshot, mails, events, auditByRequest, settle, registerPending };
}

describe('account registration', () => {
  const ctx = useTestApp();
  const h = helpers(ctx);

  describe('POST /v1/users — a new address', () => {
    it('202 verification_sent; stores a pending user with a normalised email and a bcrypt hash; one user.created; a verify mail; an audit row', async () => {
      const email = uniqueEmail('New.Person');
      const typed = email.toUpperCase();
      const password = 'a fresh and unusual passphrase 31';
      const before = await h.snapshot();

      const res = await h.send('/v1/users', { email: typed, password, display_name: 'Ada Lovelace' });
      expect(res.statusCode).toBe(202);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual(STATUS_SENT);

      // One row, email trimmed and lower-cased, the password only as a bcrypt hash.
      expect(await h.count('account.users')).toBe(before.users + 1);
      const user = (await h.userByEmail(email))!;
      expect(user).toBeDefined();
      expect(user.email).toBe(email.toLowerCase());
      expect(user.status).toBe('pending_verification');
      expect(user.email_verified_at).toBeNull();
      expect(user.display_name).toBe('Ada Lovelace');
      expect(user.password_hash).toMatch(/^\$2[aby]\$04\$[./A-Za-z0-9]{53}$/);
      expect(user.password_hash).not.toContain(password);
      expect(await ctx.t.get(PasswordHasher).verify(password, user.password_hash!)).toBe(true);
      expect(await ctx.t.get(PasswordHasher).verify(`${password} `, user.password_hash!)).toBe(false);

      // Exactly one user.created, for this user, with the documented payload.
      const created = await h.events('user.created', user.id);
      expect(created).toHaveLength(1);
      expect(created[0].aggregate_type).toBe('user');
      expect(created[0].aggregate_id).toBe(user.id);
      expect(created[0].payload).toEqual({
        user_id: user.id,
        email: email.toLowerCase(),
        display_name: 'Ada Lovelace',
        status: 'pending_verification',
        created_at: expect.any(String),
      });
      expect(new Date(created[0].payload.created_at as string).toISOString()).toBe(created[0].payload.created_at);
      expect(await h.count(ACCOUNT_EVENTS)).toBe(before.events + 1);

      // A verification link, and only one token, stored as its SHA-256.
      const token = await mailboxToken(ctx.db, email, VERIFY_KIND);
      const [mail] = await h.mails(email, VERIFY_KIND);
      expect(mail.text).toContain(`/verify-email?token=${token}`);
      expect(mail.html).toContain(`/verify-email?token=${token}`);
      expect(await h.count(`account.email_tokens WHERE user_id = $1 AND purpose = 'verify_email' AND used_at IS NULL`, [user.id])).toBe(1);

      // The audit row: who, from where, with which request — and no secret.
      const audit = await h.auditByRequest(res.headers['x-request-id'] as string);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: 'account.registered',
        outcome: 'success',
        actor_type: 'user',
        actor_id: user.id,
        resource_type: 'user',
        resource_id: user.id,
        ip: '127.0.0.1',
        user_agent: UA,
      });
      const allAudit = JSON.stringify(await ctx.db.query(`SELECT * FROM kernel.audit_log`));
      expect(allAudit).not.toContain(password);
      expect(allAudit).not.toContain(token);
      expect(allAudit).not.toContain(user.password_hash);

      // Neither the event nor the logs carry the password.
      expect(JSON.stringify(created)).not.toContain(password);
      expect(JSON.stringify(ctx.t.logs)).not.toContain(password);
    });

    it('without display_name stores null (and null in the event)', async () => {
      const email = uniqueEmail('noname');
      const res = await h.send('/v1/users', { email, password: GOOD_PASSWORD });
      expect(res.statusCode).toBe(202);
      const user = (await h.userByEmail(email))!;
      expect(user.display_name).toBeNull();
      const [event] = await h.events('user.created', user.id);
      expect(event.payload).toMatchObject({ user_id: user.id, display_name: null, status: 'pending_verification' });
    });

    it('a display_name of exactly 100 characters is accepted and stored as sent', async () => {
      const email = uniqueEmail('name100');
      const name = 'N'.repeat(99) + 'é';
      const res = await h.send('/v1/users', { email, password: GOOD_PASSWORD, display_name: name });
      expect(res.statusCode).toBe(202);
      expect((await h.userByEmail(email))!.display_name).toBe(name);
    });

    it('an address typed with surrounding spaces is stored trimmed (and resend finds it the same way)', async () => {
      // normaliseEmail() trims ("stored and looked up trimmed"): a pasted " ada@example.com " is the same address.
      const email = uniqueEmail('Padded');
      const res = await h.send('/v1/users', { email: `  ${email.toUpperCase()}  `, password: GOOD_PASSWORD });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual(STATUS_SENT);
      const user = (await h.userByEmail(email))!;
      expect(user.email).toBe(email.toLowerCase());
      expect(await h.count(`account.users WHERE email LIKE '% %'`)).toBe(0);
      await mailboxToken(ctx.db, email, VERIFY_KIND);

      expect((await h.send('/v1/users/resend-verification', { email: ` ${email} ` })).statusCode).toBe(202);
      await mailboxToken(ctx.db, email, VERIFY_KIND, 1);
    });
  });

  describe('POST /v1/users — an address that is already registered', () => {
    it('active account: same status, body and headers as a new sign-up; no new row or event; the owner gets a notice without a token', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const stored = (await h.userById(owner.userId))!;
      expect(stored.status).toBe('active');
      const before = await h.snapshot();
      const createdBefore = await h.count(`kernel.outbox WHERE type = 'user.created'`);

      const fresh = await h.send('/v1/users', { email: uniqueEmail('fresh'), password: GOOD_PASSWORD });
      const again = await h.send('/v1/users', { email: owner.email.toUpperCase(), password: 'some other passphrase 77' });

      // Indistinguishable to the caller.
      expect(again.statusCode).toBe(202);
      expect(again.statusCode).toBe(fresh.statusCode);
      expect(again.body).toBe(fresh.body);
      expect(again.json()).toEqual(STATUS_SENT);
      const comparable = (r: LightMyRequestResponse) => {
        const { date: _date, 'x-request-id': requestId, ...rest } = r.headers;
        expect(requestId).toEqual(expect.any(String));
        return rest;
      };
      expect(comparable(again)).toEqual(comparable(fresh));
      expect(again.headers['content-length']).toBe(fresh.headers['content-length']);
      expect(again.headers['x-request-id']).not.toBe(fresh.headers['x-request-id']);

      // Only the fresh address made a user and a user.created event.
      expect(await h.count('account.users')).toBe(before.users + 1);
      expect(await h.count(`kernel.outbox WHERE type = 'user.created'`)).toBe(createdBefore + 1);
      expect(await h.events('user.created', owner.userId)).toHaveLength(1);
      // The existing account is untouched: same password, same status.
      const after = (await h.userById(owner.userId))!;
      expect(after.password_hash).toBe(stored.password_hash);
      expect(after.status).toBe('active');
      expect(after.email_verified_at).toEqual(stored.email_verified_at);

      // The owner learns about it, without a link that does anything.
      const notices = await eventually(async () => {
        const rows = await h.mails(owner.email, ALREADY_KIND);
        return rows.length ? rows : undefined;
      });
      await h.settle();
      expect(await h.mails(owner.email, ALREADY_KIND)).toHaveLength(1);
      expect(notices[0].text).not.toMatch(TOKEN_IN_TEXT);
      expect(notices[0].html ?? '').not.toMatch(TOKEN_IN_TEXT);
      expect(notices[0].text).not.toContain('token');
      // No second verification mail, no new token.
      expect(await mailboxCount(ctx.db, owner.email, VERIFY_KIND)).toBe(1);
      expect(
        await h.count(`account.email_tokens WHERE user_id = $1 AND purpose = 'verify_email' AND used_at IS NULL`, [owner.userId]),
      ).toBe(0);

      // Audited as a failed duplicate sign-up, not as a registration.
      const audit = await h.auditByRequest(again.headers['x-request-id'] as string);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: 'account.registration.duplicate',
        outcome: 'failure',
        resource_id: owner.userId,
        ip: '127.0.0.1',
        user_agent: UA,
      });
      expect(JSON.stringify(audit)).not.toContain('some other passphrase 77');

      // The original password still signs in; the one of the second attempt does not.
      expect((await post(ctx.t, '/v1/auth/login', { email: owner.email, password: owner.password })).statusCode).toBe(200);
      expectProblem(
        await post(ctx.t, '/v1/auth/login', { email: owner.email, password: 'some other passphrase 77' }),
        401,
        'AUTH.INVALID_CREDENTIALS',
      );
    });

    it('pending account: same answer; the owner gets a link that sets their own password (pre-hijacking defence)', async () => {
      // Someone (maybe an attacker) signed up with the address and never verified it.
      const email = uniqueEmail('Pending');
      const first = await h.send('/v1/users', { email, password: GOOD_PASSWORD, display_name: 'First' });
      expect(first.statusCode).toBe(202);
      await mailboxToken(ctx.db, email, VERIFY_KIND);
      const user = (await h.userByEmail(email))!;
      const users = await h.count('account.users');

      const ownersPassword = 'another passphrase 55';
      const second = await h.send('/v1/users', { email: email.toUpperCase(), password: ownersPassword, display_name: 'Second' });
      expect(second.statusCode).toBe(first.statusCode);
      expect(second.body).toBe(first.body);
      const completeToken = await mailboxToken(ctx.db, email, COMPLETE_KIND);
      await h.settle();
      expect(await mailboxCount(ctx.db, email, VERIFY_KIND)).toBe(1);
      expect(await mailboxCount(ctx.db, email, ALREADY_KIND)).toBe(0);

      // No new row, no new event, nothing about the account changed yet.
      expect(await h.count('account.users')).toBe(users);
      expect(await h.events('user.created', user.id)).toHaveLength(1);
      const after = (await h.userById(user.id))!;
      expect(after.display_name).toBe('First');
      expect(after.password_hash).toBe(user.password_hash);
      expect(after.status).toBe('pending_verification');

      // The link sets the owner's password and verifies the address; the first password is void.
      const done = await h.send('/v1/auth/password-reset/confirm', { token: completeToken, new_password: ownersPassword });
      expect(done.statusCode).toBe(204);
      expect((await h.userById(user.id))!.status).toBe('active');
      expect((await post(ctx.t, '/v1/auth/login', { email, password: ownersPassword })).statusCode).toBe(200);
      expectProblem(await post(ctx.t, '/v1/auth/login', { email, password: GOOD_PASSWORD }), 401, 'AUTH.INVALID_CREDENTIALS');
    });
  });

  describe('POST /v1/users — concurrency', () => {
    it('simultaneous sign-ups of one new address: all 202 alike, one user, one user.created', async () => {
      const email = uniqueEmail('race');
      const variants = [email, email.toUpperCase(), email, email.toUpperCase(), email];
      const responses = await Promise.all(variants.map((e) => h.send('/v1/users', { email: e, password: GOOD_PASSWORD })));
      for (const r of responses) {
        expect(r.statusCode).toBe(202);
        expect(r.body).toBe(responses[0].body);
      }
      expect(await h.count(`account.users WHERE email = $1`, [email.toLowerCase()])).toBe(1);
      const user = (await h.userByEmail(email))!;
      expect(await h.events('user.created', user.id)).toHaveLength(1);
      expect(await h.count(`kernel.audit_log WHERE action = 'account.registered' AND resource_id = $1`, [user.id])).toBe(1);
      // One verification link for the sign-up that created it; every duplicate mailed a finish-sign-up link.
      await eventually(async () => (await mailboxCount(ctx.db, email, COMPLETE_KIND)) === variants.length - 1);
      await h.settle();
      expect(await mailboxCount(ctx.db, email, VERIFY_KIND)).toBe(1);
    });

    it('two duplicate sign-ups of a pending account issuing links at once still leave only one live link', async () => {
      // Deterministic interleaving: the audit table is share-locked, so both requests stop at their
      // audit insert, just before issuing; once released, each issues its link unless issuing is
      // serialised per user.
      const email = uniqueEmail('issuerace');
      const { id } = await h.registerPending(email);
      const locker = new Client({ connectionString: ctx.db.url });
      await locker.connect();
      let responses: LightMyRequestResponse[];
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE kernel.audit_log IN SHARE MODE');
        const pending = [1, 2].map(() => h.send('/v1/users', { email, password: GOOD_PASSWORD }));
        // Polled from another connection: inside a transaction pg_stat_activity is a frozen snapshot.
        await eventually(
          async () =>
            (await h.count(`pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`, [
              (locker as unknown as { processID: number }).processID,
            ])) === 2,
          10_000,
          'both requests waiting on a lock',
        );
        await locker.query('COMMIT');
        responses = await Promise.all(pending);
      } finally {
        await locker.end();
      }
      for (const r of responses) expect(r.statusCode).toBe(202);
      await eventually(async () => (await mailboxCount(ctx.db, email, COMPLETE_KIND)) === 2);
      await h.settle();
      // "Only the newest link works": exactly one unused finish-sign-up (reset) token may remain.
      expect(await h.count(`account.email_tokens WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`, [id])).toBe(1);
    });

    it('the same token presented twice at once verifies once', async () => {
      const { id, token } = await h.registerPending(uniqueEmail('tokenrace'));
      const responses = await Promise.all([1, 2, 3].map(() => h.send('/v1/users/verify-email', { token })));
      expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400, 400]);
      for (const r of responses.filter((x) => x.statusCode === 400)) expectProblem(r, 400, 'ACCOUNT.TOKEN_INVALID');
      expect(await h.events('user.email_verified', id)).toHaveLength(1);
      expect(await h.count(`kernel.audit_log WHERE action = 'account.email_verified' AND resource_id = $1`, [id])).toBe(1);
    });
  });

  describe('POST /v1/users — password policy', () => {
    async function expectRefused(email: string, password: unknown, code: string, message?: string) {
      const before = await h.snapshot();
      const res = await h.send('/v1/users', { email, password });
      const body = expectProblem(res, 400, code);
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0]).toMatchObject({ path: 'password', rule: code });
      if (message) expect(body.errors![0].message).toBe(message);
      expect(await h.userByEmail(email)).toBeUndefined();
      expect(await h.snapshot()).toEqual(before);
      if (typeof password === 'string' && password.trim()) expect(JSON.stringify(body)).not.toContain(password);
    }

    it('7 characters → ACCOUNT.PASSWORD_TOO_SHORT; 8 are accepted', async () => {
      await expectRefused(uniqueEmail('short'), 'Zq8#Lm2', 'ACCOUNT.PASSWORD_TOO_SHORT', 'password must be at least 8 characters');
      const email = uniqueEmail('eight');
      expect((await h.send('/v1/users', { email, password: 'Zq8#Lm2!' })).statusCode).toBe(202);
      expect((await h.userByEmail(email))!.status).toBe('pending_verification');
    });

    it('the empty password → ACCOUNT.PASSWORD_TOO_SHORT', async () => {
      await expectRefused(uniqueEmail('empty'), '', 'ACCOUNT.PASSWORD_TOO_SHORT');
    });

    it('length counts characters, not UTF-16 units: 7 emoji are too short, 8 are enough', async () => {
      await expectRefused(uniqueEmail('emoji7'), '🔑'.repeat(7), 'ACCOUNT.PASSWORD_TOO_SHORT');
      const email = uniqueEmail('emoji8');
      expect((await h.send('/v1/users', { email, password: '🔑'.repeat(8) })).statusCode).toBe(202);
      expect(await h.userByEmail(email)).toBeDefined();
    });

    it('257 characters → ACCOUNT.PASSWORD_TOO_LONG; 64 and 256 are accepted (and every character counts)', async () => {
      await expectRefused(
        uniqueEmail('long'),
        'x7'.repeat(128) + 'y',
        'ACCOUNT.PASSWORD_TOO_LONG',
        'password must be at most 256 characters',
      );

      for (const length of [64, 256]) {
        const email = uniqueEmail(`len${length}`);
        const password = randomBytes(length).toString('base64url').slice(0, length);
        expect(password).toHaveLength(length);
        const res = await h.send('/v1/users', { email, password });
        expect(res.statusCode).toBe(202);
        const user = (await h.userByEmail(email))!;
        const hasher = ctx.t.get(PasswordHasher);
        expect(await hasher.verify(password, user.password_hash!)).toBe(true);
        // Beyond bcrypt's 72 bytes too: changing the last character changes the result.
        const altered = password.slice(0, -1) + (password.endsWith('A') ? 'B' : 'A');
        expect(await hasher.verify(altered, user.password_hash!)).toBe(false);
      }
    });

    it('common passwords → ACCOUNT.PASSWORD_TOO_COMMON, compared case-insensitively', async () => {
      for (const password of ['password123', 'qwertyuiop', 'PassWord123', 'QWERTYUIOP']) {
        await expectRefused(uniqueEmail('common'), password, 'ACCOUNT.PASSWORD_TOO_COMMON', 'password is too common or too easy to guess');
      }
    });

    it('the email local part or the whole email as password → ACCOUNT.PASSWORD_TOO_COMMON; a longer variant is accepted', async () => {
      const email = uniqueEmail('localpart');
      const local = email.split('@')[0];
      expect(local.length).toBeGreaterThanOrEqual(8);
      await expectRefused(email, local, 'ACCOUNT.PASSWORD_TOO_COMMON');
      await expectRefused(email, local.toUpperCase(), 'ACCOUNT.PASSWORD_TOO_COMMON');
      await expectRefused(email, email, 'ACCOUNT.PASSWORD_TOO_COMMON');
      // The rule compares against the normalised email even when it was typed in capitals.
      const res = await h.send('/v1/users', { email: email.toUpperCase(), password: local });
      expectProblem(res, 400, 'ACCOUNT.PASSWORD_TOO_COMMON');
      expect(await h.userByEmail(email)).toBeUndefined();

      expect((await h.send('/v1/users', { email, password: `${local} and more` })).statusCode).toBe(202);
      expect(await h.userByEmail(email)).toBeDefined();
    });

    it('a password is used exactly as typed: surrounding spaces are kept, the trimmed version does not sign in', async () => {
      const email = uniqueEmail('spaces');
      const password = '  spaced out passphrase 19  ';
      const { id, token } = await h.registerPending(email, password);
      const hasher = ctx.t.get(PasswordHasher);
      const hash = (await h.userById(id))!.password_hash!;
      expect(await hasher.verify(password, hash)).toBe(true);
      expect(await hasher.verify(password.trim(), hash)).toBe(false);
      expect((await h.send('/v1/users/verify-email', { token })).statusCode).toBe(200);

      expectProblem(await post(ctx.t, '/v1/auth/login', { email, password: password.trim() }), 401, 'AUTH.INVALID_CREDENTIALS');
      const ok = await signIn(ctx.t, email, password);
      expect(ok.userId).toBe(id);
    });

    it('spaces count toward the length: 7 characters with spaces are too short, 8 are enough', async () => {
      await expectRefused(uniqueEmail('trimshort'), '  xyz  ', 'ACCOUNT.PASSWORD_TOO_SHORT');
      const email = uniqueEmail('trimok');
      expect((await h.send('/v1/users', { email, password: '  wxyz  ' })).statusCode).toBe(202);
      expect(await ctx.t.get(PasswordHasher).verify('  wxyz  ', (await h.userByEmail(email))!.password_hash!)).toBe(true);
    });
  });

  describe('POST /v1/users — malformed input', () => {
    async function expectInvalid(payload: unknown, expected: Partial<FieldError>[], code = 'KERNEL.VALIDATION_FAILED') {
      const before = await h.snapshot();
      const res = typeof payload === 'string' ? await h.sendRaw('/v1/users', payload) : await h.send('/v1/users', payload);
      const body = expectProblem(res, 400, code);
      for (const e of expected) expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining(e)]));
      await h.settle();
      expect(await h.snapshot()).toEqual(before);
      return body;
    }

    it('an invalid email → 400 on email', async () => {
      const body = await expectInvalid({ email: 'not-an-email', password: GOOD_PASSWORD }, [{ path: 'email', rule: 'isEmail' }]);
      expect(body.errors!.every((e) => e.path === 'email')).toBe(true);
      await expectInvalid({ email: 'ada@localhost', password: GOOD_PASSWORD }, [{ path: 'email', rule: 'isEmail' }]);
      await expectInvalid({ email: 'ada@127.0.0.1', password: GOOD_PASSWORD }, [{ path: 'email', rule: 'isEmail' }]);
    });

    it('a missing email → 400 on email', async () => {
      const body = await expectInvalid({ password: GOOD_PASSWORD }, [
        { path: 'email', rule: 'isString' },
        { path: 'email', rule: 'isEmail' },
      ]);
      expect(body.errors!.every((e) => e.path === 'email')).toBe(true);
    });

    it('an email of 255 characters → 400 maxLength; 254 are accepted', async () => {
      const domain = (n: number) => `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(n)}.com`;
      const local = 'l'.repeat(64);
      const tooLong = `${local}@${domain(58)}`;
      expect(tooLong).toHaveLength(255);
      const body = await expectInvalid({ email: tooLong, password: GOOD_PASSWORD }, [{ path: 'email', rule: 'maxLength' }]);
      expect(body.errors!.every((e) => e.path === 'email')).toBe(true);

      const longest = `${local}@${domain(57)}`;
      expect(longest).toHaveLength(254);
      expect((await h.send('/v1/users', { email: longest, password: GOOD_PASSWORD })).statusCode).toBe(202);
      expect(await h.userByEmail(longest)).toBeDefined();
    });

    it('a non-string email or password, or a missing password → 400 on that field', async () => {
      await expectInvalid({ email: 42, password: GOOD_PASSWORD }, [{ path: 'email', rule: 'isString' }]);
      await expectInvalid({ email: [uniqueEmail()], password: GOOD_PASSWORD }, [{ path: 'email', rule: 'isString' }]);
      let body = await expectInvalid({ email: uniqueEmail('numpw'), password: 12345678901 }, [{ path: 'password', rule: 'isString' }]);
      expect(body.errors!.every((e) => e.path === 'password')).toBe(true);
      body = await expectInvalid({ email: uniqueEmail('objpw'), password: { value: GOOD_PASSWORD } }, [
        { path: 'password', rule: 'isString' },
      ]);
      expect(body.errors!.every((e) => e.path === 'password')).toBe(true);
      await expectInvalid({ email: uniqueEmail('nullpw'), password: null }, [{ path: 'password', rule: 'isString' }]);
      body = await expectInvalid({ email: uniqueEmail('nopw') }, [{ path: 'password', rule: 'isString' }]);
      expect(body.errors!.every((e) => e.path === 'password')).toBe(true);
    });

    it('a password beyond the 1024-character input bound → 400 maxLength before any hashing', async () => {
      await expectInvalid({ email: uniqueEmail('hugepw'), password: 'p'.repeat(1025) }, [{ path: 'password', rule: 'maxLength' }]);
    });

    it('an unknown field → 400 whitelistValidation, naming it', async () => {
      const body = await expectInvalid({ email: uniqueEmail('unknown'), password: GOOD_PASSWORD, role: 'admin' }, [
        { path: 'role', rule: 'whitelistValidation', message: 'role is not a known field' },
      ]);
      expect(body.errors).toHaveLength(1);
      await expectInvalid({ email: uniqueEmail('unknown2'), password: GOOD_PASSWORD, status: 'active' }, [
        { path: 'status', rule: 'whitelistValidation' },
      ]);
    });

    it('invalid JSON → 400 KERNEL.MALFORMED_JSON', async () => {
      await expectInvalid(`{"email": "${uniqueEmail('json')}", "password": `, [], 'KERNEL.MALFORMED_JSON');
    });

    it('an empty body → 400 on email and password', async () => {
      const before = await h.snapshot();
      const res = await ctx.t.inject({ method: 'POST', url: '/v1/users' });
      const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
      expect(new Set(body.errors!.map((e) => e.path))).toEqual(new Set(['email', 'password']));
      expect(await h.snapshot()).toEqual(before);
    });

    it('display_name empty, over 100 characters (code points) or not a string → 400 on display_name', async () => {
      // 100 symbols each followed by a variation selector are 200 code points.
      for (const display_name of ['', 'n'.repeat(101), '\u2764\uFE0F'.repeat(100)]) {
        const body = await expectInvalid({ email: uniqueEmail('dn'), password: GOOD_PASSWORD, display_name }, [
          { path: 'display_name', rule: 'charLength' },
        ]);
        expect(body.errors!.map((e) => e.path)).toEqual(['display_name']);
      }
      await expectInvalid({ email: uniqueEmail('dn'), password: GOOD_PASSWORD, display_name: 7 }, [
        { path: 'display_name', rule: 'isString' },
      ]);
    });

    it('a malformed request with a weak password reports validation first and stores nothing', async () => {
      await expectInvalid({ email: 'nope', password: 'short' }, [{ path: 'email', rule: 'isEmail' }]);
    });
  });

  describe('POST /v1/users/verify-email', () => {
    it('a valid token → 200 verified; the user is active with email_verified_at; user.email_verified; audit', async () => {
      const email = uniqueEmail('verify');
      const { id, token } = await h.registerPending(email);
      const before = await h.count(`kernel.outbox WHERE type = 'user.email_verified'`);

      const res = await h.send('/v1/users/verify-email', { token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'verified' });

      const user = (await h.userById(id))!;
      expect(user.status).toBe('active');
      expect(user.email_verified_at).toBeInstanceOf(Date);
      expect(await h.count(`kernel.outbox WHERE type = 'user.email_verified'`)).toBe(before + 1);
      const [event] = await h.events('user.email_verified', id);
      expect(event.aggregate_type).toBe('user');
      expect(event.payload).toEqual({ user_id: id, email: email.toLowerCase(), verified_at: user.email_verified_at!.toISOString() });
      // The token is spent.
      expect(await h.count(`account.email_tokens WHERE user_id = $1 AND used_at IS NULL`, [id])).toBe(0);

      const audit = await h.auditByRequest(res.headers['x-request-id'] as string);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: 'account.email_verified',
        outcome: 'success',
        actor_type: 'user',
        actor_id: id,
        resource_id: id,
        ip: '127.0.0.1',
        user_agent: UA,
      });
      expect(JSON.stringify(audit)).not.toContain(token);
    });

    it('only the SHA-256 of the token is stored, never the token', async () => {
      const email = uniqueEmail('hashonly');
      const { id, token } = await h.registerPending(email);
      const rows = await ctx.db.query<{ token_hash: Buffer; purpose: string; email: string }>(
        `SELECT token_hash, purpose, email FROM account.email_tokens WHERE user_id = $1`,
        [id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].purpose).toBe('verify_email');
      expect(rows[0].email).toBe(email.toLowerCase());
      expect(rows[0].token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
      const everything = JSON.stringify(await ctx.db.query(`SELECT t.*, encode(token_hash, 'escape') AS raw FROM account.email_tokens t`));
      expect(everything).not.toContain(token);
      expect(await h.count(`account.email_tokens WHERE token_hash = convert_to($1, 'UTF8')`, [token])).toBe(0);
      expect(await h.count(`account.email_tokens WHERE token_hash = $1`, [createHash('sha256').update(token).digest()])).toBe(1);
    });

    it('a reused token → 400 ACCOUNT.TOKEN_INVALID; nothing changes; the failure is audited', async () => {
      const { id, token } = await h.registerPending(uniqueEmail('reuse'));
      expect((await h.send('/v1/users/verify-email', { token })).statusCode).toBe(200);
      const verified = (await h.userById(id))!;
      const events = await h.count(ACCOUNT_EVENTS);

      const res = await h.send('/v1/users/verify-email', { token });
      const body = expectProblem(res, 400, 'ACCOUNT.TOKEN_INVALID');
      expect(body.detail).toBe('The link is invalid, expired or already used. Request a new one.');
      const after = (await h.userById(id))!;
      expect(after.status).toBe('active');
      expect(after.email_verified_at).toEqual(verified.email_verified_at);
      expect(after.updated_at).toEqual(verified.updated_at);
      expect(await h.count(ACCOUNT_EVENTS)).toBe(events);
      expect(await h.events('user.email_verified', id)).toHaveLength(1);

      const audit = await h.auditByRequest(res.headers['x-request-id'] as string);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'account.email_verification', outcome: 'failure', ip: '127.0.0.1', user_agent: UA });
      expect(JSON.stringify(audit)).not.toContain(token);
    });

    it('an unknown token → 400 ACCOUNT.TOKEN_INVALID, audited as an anonymous failure', async () => {
      const token = randomBytes(32).toString('base64url');
      const events = await h.count(ACCOUNT_EVENTS);
      const res = await h.send('/v1/users/verify-email', { token });
      expectProblem(res, 400, 'ACCOUNT.TOKEN_INVALID');
      expect(await h.count(ACCOUNT_EVENTS)).toBe(events);
      const audit = await h.auditByRequest(res.headers['x-request-id'] as string);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: 'account.email_verification',
        outcome: 'failure',
        actor_type: 'anonymous',
        actor_id: null,
        resource_id: null,
        ip: '127.0.0.1',
        user_agent: UA,
      });
      expect(JSON.stringify(audit)).not.toContain(token);
    });

    it('an expired token → 400 ACCOUNT.TOKEN_INVALID; the account stays pending; audited', async () => {
      const { id, token } = await h.registerPending(uniqueEmail('expired'));
      await ctx.db.query(`UPDATE account.email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [id]);
      const events = await h.count(ACCOUNT_EVENTS);

      const res = await h.send('/v1/users/verify-email', { token });
      expectProblem(res, 400, 'ACCOUNT.TOKEN_INVALID');
      const user = (await h.userById(id))!;
      expect(user.status).toBe('pending_verification');
      expect(user.email_verified_at).toBeNull();
      expect(await h.count(ACCOUNT_EVENTS)).toBe(events);
      expect(await h.events('user.email_verified', id)).toHaveLength(0);
      // Not consumed either: it simply does not work any more.
      expect(await h.count(`account.email_tokens WHERE user_id = $1 AND used_at IS NULL`, [id])).toBe(1);
      const audit = await h.auditByRequest(res.headers['x-request-id'] as string);
      expect(audit.map((a) => [a.action, a.outcome])).toEqual([['account.email_verification', 'failure']]);

      // Still valid a moment before expiry: the same token, its expiry moved forward, verifies.
      await ctx.db.query(`UPDATE account.email_tokens SET expires_at = now() + interval '1 minute' WHERE user_id = $1`, [id]);
      expect((await h.send('/v1/users/verify-email', { token })).statusCode).toBe(200);
      expect((await h.userById(id))!.status).toBe('active');
    });

    it('a password-reset token is not a verification token', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      expect((await post(ctx.t, '/v1/auth/password-reset', { email: owner.email })).statusCode).toBe(202);
      const resetToken = await mailboxToken(ctx.db, owner.email, 'account.password-reset');
      const res = await h.send('/v1/users/verify-email', { token: resetToken });
      expectProblem(res, 400, 'ACCOUNT.TOKEN_INVALID');
      // ...and it was not consumed by the attempt.
      expect(
        await h.count(`account.email_tokens WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`, [owner.userId]),
      ).toBe(1);
    });

    it('malformed input → 400; the token stays usable and nothing is audited', async () => {
      const { id, token } = await h.registerPending(uniqueEmail('verifybad'));
      const failures = () => h.count(`kernel.audit_log WHERE action LIKE 'account.email_verif%'`);
      const before = await failures();
      const cases: [unknown, Partial<FieldError>[]][] = [
        [{}, [{ path: 'token', rule: 'isString' }]],
        [{ token: 12345 }, [{ path: 'token', rule: 'isString' }]],
        [{ token: [token] }, [{ path: 'token', rule: 'isString' }]],
        [{ token: '' }, [{ path: 'token', rule: 'isLength' }]],
        [{ token: 'x'.repeat(513) }, [{ path: 'token', rule: 'isLength' }]],
        [{ token, extra: true }, [{ path: 'extra', rule: 'whitelistValidation' }]],
      ];
      for (const [payload, expected] of cases) {
        const body = expectProblem(await h.send('/v1/users/verify-email', payload), 400, 'KERNEL.VALIDATION_FAILED');
        for (const e of expected) expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining(e)]));
      }
      expectProblem(await h.sendRaw('/v1/users/verify-email', `{"token": "${token}"`), 400, 'KERNEL.MALFORMED_JSON');

      expect(await failures()).toBe(before);
      expect((await h.userById(id))!.status).toBe('pending_verification');
      expect((await h.send('/v1/users/verify-email', { token })).statusCode).toBe(200);
    });
  });

  describe('POST /v1/users/resend-verification', () => {
    const resend = (payload: unknown) => h.send('/v1/users/resend-verification', payload);

    it('an unknown address → 202 verification_sent, and no mail', async () => {
      const email = uniqueEmail('nobody');
      const res = await resend({ email });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual(STATUS_SENT);
      await h.settle();
      expect(await mailboxCount(ctx.db, email)).toBe(0);
      expect(await h.userByEmail(email)).toBeUndefined();
    });

    it('a pending account → 202 and a new link (found case-insensitively); the older link stops working', async () => {
      const email = uniqueEmail('Resend');
      const { id, token: oldToken } = await h.registerPending(email);

      const res = await resend({ email: email.toUpperCase() });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual(STATUS_SENT);
      const newToken = await mailboxToken(ctx.db, email, VERIFY_KIND, 1);
      expect(newToken).not.toBe(oldToken);
      await h.settle();
      expect(await mailboxCount(ctx.db, email, VERIFY_KIND)).toBe(2);
      expect(await h.count(`account.email_tokens WHERE user_id = $1 AND used_at IS NULL`, [id])).toBe(1);

      const audit = await eventually(async () => {
        const rows = await ctx.db.query<AuditRow>(
          `SELECT * FROM kernel.audit_log WHERE action = 'account.verification_resent' AND resource_id = $1`,
          [id],
        );
        return rows.length ? rows : undefined;
      });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ outcome: 'success', actor_id: id, ip: '127.0.0.1', user_agent: UA });
      expect(JSON.stringify(audit)).not.toContain(newToken);

      expectProblem(await h.send('/v1/users/verify-email', { token: oldToken }), 400, 'ACCOUNT.TOKEN_INVALID');
      expect((await h.send('/v1/users/verify-email', { token: newToken })).statusCode).toBe(200);
      expect((await h.userById(id))!.status).toBe('active');
    });

    it('an active account → 202 and no mail', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const mailsBefore = await mailboxCount(ctx.db, owner.email);
      const res = await resend({ email: owner.email });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual(STATUS_SENT);
      await h.settle();
      expect(await mailboxCount(ctx.db, owner.email)).toBe(mailsBefore);
      expect(await h.count(`account.email_tokens WHERE user_id = $1 AND used_at IS NULL`, [owner.userId])).toBe(0);
    });

    it('unknown, pending and active addresses get the same status, body and headers', async () => {
      const pending = uniqueEmail('samepending');
      await h.registerPending(pending);
      const active = await signUp(ctx.t, ctx.db);
      const responses = [
        await resend({ email: uniqueEmail('sameunknown') }),
        await resend({ email: pending }),
        await resend({ email: active.email }),
      ];
      const comparable = (r: LightMyRequestResponse) => {
        const { date: _date, 'x-request-id': _id, ...rest } = r.headers;
        return { status: r.statusCode, body: r.body, headers: rest };
      };
      expect(comparable(responses[1])).toEqual(comparable(responses[0]));
      expect(comparable(responses[2])).toEqual(comparable(responses[0]));
      await h.settle();
    });

    it('malformed input → 400 and no mail', async () => {
      const email = uniqueEmail('resendbad');
      await h.registerPending(email);
      const cases: [unknown, Partial<FieldError>[]][] = [
        [{}, [{ path: 'email', rule: 'isString' }]],
        [{ email: 'not-an-email' }, [{ path: 'email', rule: 'isEmail' }]],
        [{ email: 17 }, [{ path: 'email', rule: 'isString' }]],
        [{ email: `${'l'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(58)}.com` }, [{ path: 'email', rule: 'maxLength' }]],
        [{ email, extra: 1 }, [{ path: 'extra', rule: 'whitelistValidation' }]],
      ];
      for (const [payload, expected] of cases) {
        const body = expectProblem(await resend(payload), 400, 'KERNEL.VALIDATION_FAILED');
        for (const e of expected) expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining(e)]));
      }
      expectProblem(await h.sendRaw('/v1/users/resend-verification', `{"email": "${email}"`), 400, 'KERNEL.MALFORMED_JSON');
      await h.settle();
      expect(await mailboxCount(ctx.db, email, VERIFY_KIND)).toBe(1);
    });
  });

  describe('exported queries (QueryBus)', () => {
    const VIEW_KEYS = ['created_at', 'display_name', 'email', 'email_verified', 'id', 'status'];
    const NOWHERE = '0190a4d6-0000-7000-8000-00000000dead';

    it('GetUser: the view of an existing user, without credentials; undefined for an unknown id', async () => {
      const email = uniqueEmail('query');
      await h.send('/v1/users', { email, password: GOOD_PASSWORD, display_name: 'Query Me' });
      const row = (await h.userByEmail(email))!;
      const bus = ctx.t.get(QueryBus);

      const view = await bus.execute<GetUser, UserView | undefined>(new GetUser(row.id));
      expect(view).toEqual({
        id: row.id,
        email: email.toLowerCase(),
        email_verified: false,
        status: 'pending_verification',
        display_name: 'Query Me',
        created_at: row.created_at.toISOString(),
      });
      expect(Object.keys(view!).sort()).toEqual(VIEW_KEYS);
      expect(view).not.toHaveProperty('password_hash');
      expect(JSON.stringify(view)).not.toContain(row.password_hash!);

      expect(await bus.execute(new GetUser(NOWHERE))).toBeUndefined();
    });

    it('GetUser reflects verification', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const view = await ctx.t.get(QueryBus).execute<GetUser, UserView | undefined>(new GetUser(owner.userId));
      expect(view).toMatchObject({ id: owner.userId, email_verified: true, status: 'active' });
    });

    it('FindUserByEmail: case-insensitive and trimmed; undefined for an unknown address', async () => {
      const email = `mixed.${process.pid}.${Date.now()}@example.com`;
      await h.send('/v1/users', { email, password: GOOD_PASSWORD });
      const row = (await h.userByEmail(email))!;
      const bus = ctx.t.get(QueryBus);
      const mixed = email.replace('mixed', 'MiXeD').replace('example.com', 'Example.com');
      expect(mixed).not.toBe(email);

      for (const query of [email, mixed, `  ${mixed}  `, email.toUpperCase()]) {
        const view = await bus.execute<FindUserByEmail, UserView | undefined>(new FindUserByEmail(query));
        expect(view).toMatchObject({ id: row.id, email, status: 'pending_verification' });
        expect(view).not.toHaveProperty('password_hash');
        expect(Object.keys(view!).sort()).toEqual(VIEW_KEYS);
      }
      expect(await bus.execute(new FindUserByEmail(uniqueEmail('absent')))).toBeUndefined();
      expect(await bus.execute(new FindUserByEmail(''))).toBeUndefined();
    });

    it('GetUsersByIds: only the ids that exist, once each, ordered by id, without credentials', async () => {
      const a = uniqueEmail('batch-a');
      const b = uniqueEmail('batch-b');
      await h.send('/v1/users', { email: a, password: GOOD_PASSWORD });
      await h.send('/v1/users', { email: b, password: GOOD_PASSWORD });
      const ids = [(await h.userByEmail(a))!.id, (await h.userByEmail(b))!.id];
      const bus = ctx.t.get(QueryBus);

      const views = await bus.execute<GetUsersByIds, UserView[]>(new GetUsersByIds([ids[1], NOWHERE, ids[0], ids[1]]));
      expect(views.map((v) => v.id)).toEqual([...ids].sort());
      expect(views.map((v) => v.email).sort()).toEqual([a, b].map((e) => e.toLowerCase()).sort());
      for (const v of views) {
        expect(Object.keys(v).sort()).toEqual(VIEW_KEYS);
        expect(v).not.toHaveProperty('password_hash');
      }

      expect(await bus.execute(new GetUsersByIds([NOWHERE]))).toEqual([]);
      expect(await bus.execute(new GetUsersByIds([]))).toEqual([]);
    });

    it('GetUsersByIds refuses more than 1000 ids; 1000 are fine', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => `0190a4d6-0000-7000-8000-${i.toString(16).padStart(12, '0')}`);
      expect(() => new GetUsersByIds(many)).toThrow(RangeError);
      expect(await ctx.t.get(QueryBus).execute(new GetUsersByIds(many.slice(0, 1000)))).toEqual([]);
    });
  });
});

describe('account registration with ACCOUNT_PASSWORD_MIN_LENGTH=12', () => {
  const ctx = useTestApp({ env: { ACCOUNT_PASSWORD_MIN_LENGTH: '12' } });
  const h = helpers(ctx);

  it('refuses 11 characters with ACCOUNT.PASSWORD_TOO_SHORT and accepts 12', async () => {
    const refusedEmail = uniqueEmail('min12');
    const before = await h.snapshot();
    const res = await h.send('/v1/users', { email: refusedEmail, password: 'Zq8#Lm2!vB4' });
    const body = expectProblem(res, 400, 'ACCOUNT.PASSWORD_TOO_SHORT');
    expect(body.errors).toEqual([
      { path: 'password', message: 'password must be at least 12 characters', rule: 'ACCOUNT.PASSWORD_TOO_SHORT' },
    ]);
    expect(await h.userByEmail(refusedEmail)).toBeUndefined();
    expect(await h.snapshot()).toEqual(before);

    const email = uniqueEmail('min12ok');
    const ok = await h.send('/v1/users', { email, password: 'Zq8#Lm2!vB4x' });
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toEqual(STATUS_SENT);
    expect((await h.userByEmail(email))!.status).toBe('pending_verification');
    await mailboxToken(ctx.db, email, VERIFY_KIND);
  });
});
