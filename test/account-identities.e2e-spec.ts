import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigValidationError } from '@user-engine/kernel';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { Background } from '../libs/account/src/background';
import { del, get, mailboxCount, post, signUp, type SignedIn } from './support/account';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { eventually, startTestApp, type TestApp } from './support/test-app';

/**
 * External identities: linking an OpenID Connect ID token to an account, listing, unlinking, and
 * signing in with it. The suite runs its own tiny identity provider (a JWKS over HTTP) so every
 * verification path — signature, algorithm, issuer, audience, expiry — runs for real.
 */

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

const ACME = { key: 'acme', issuer: 'https://idp.acme.test', audience: 'user-engine-client' };
const GLOBEX = { key: 'globex', issuer: 'https://login.globex.test', audience: 'ue-globex' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

interface Identity {
  id: string;
  provider: string;
  subject: string;
  email: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** Error log lines of the running application, for the message of an unexpected 500. */
let appErrors: () => unknown[] = () => [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- problem bodies are inspected freely
function expectProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, any> {
  if (res.statusCode === 500 && status !== 500) {
    throw new Error(`unexpected 500 ${res.body}; application errors: ${JSON.stringify(appErrors().slice(-5))}`);
  }
  expect({ status: res.statusCode, code: res.json<{ code?: string }>().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  const body = res.json<Record<string, any>>();
  expect(body).toMatchObject({ status, code, type: `urn:user-engine:problem:${code.toLowerCase()}` });
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

describe('external identities (OIDC ID tokens)', () => {
  let idp: Server;
  let jwksUrl: string;
  let closedPort: number; // nothing listens there: an unreachable provider
  let signing: KeyPair; // published in the JWKS under kid "acme-1"
  let stranger: KeyPair; // never published
  let db: TestDatabase;
  let t: TestApp;

  const now = () => Math.floor(Date.now() / 1000);

  /** An ID token; every claim and the signing key can be overridden. */
  async function idToken(
    sub: string,
    options: {
      provider?: typeof ACME;
      claims?: Record<string, unknown>;
      key?: KeyPair['privateKey'] | Uint8Array;
      alg?: string;
      kid?: string;
    } = {},
  ): Promise<string> {
    const p = options.provider ?? ACME;
    const iat = now();
    return new SignJWT({ iss: p.issuer, aud: p.audience, sub, iat, exp: iat + 300, ...options.claims })
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'acme-1', typ: 'JWT' })
      .sign(options.key ?? signing.privateKey);
  }

  /** An unsecured JWT (`alg: none`), which must never be accepted. */
  function unsecured(sub: string): string {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const iat = now();
    return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: ACME.issuer, aud: ACME.audience, sub, iat, exp: iat + 300 })}.`;
  }

  const link = (user: SignedIn, provider: string, token: string) =>
    post(t, '/v1/me/identities', { provider, id_token: token }, user.accessToken);
  const loginExternal = (provider: string, token: string) => post(t, '/v1/auth/login/external', { provider, id_token: token });
  const subject = () => `sub-${randomUUID()}`;

  async function identitiesOf(userId: string): Promise<{ id: string; provider: string; subject: string }[]> {
    return db.query(`SELECT id, provider, subject FROM account.identities WHERE user_id = $1 ORDER BY id`, [userId]);
  }
  async function identityCount(): Promise<number> {
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.identities`);
    return n;
  }
  async function linked(user: SignedIn, sub: string, provider = ACME): Promise<Identity> {
    const res = await link(user, provider.key, await idToken(sub, { provider }));
    expect(res.statusCode).toBe(201);
    return res.json<Identity>();
  }
  async function sessionCount(userId: string): Promise<number> {
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.sessions WHERE user_id = $1`, [userId]);
    return n;
  }

  beforeAll(async () => {
    signing = await generateKeyPair('RS256');
    stranger = await generateKeyPair('RS256');
    const published: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'acme-1', alg: 'RS256', use: 'sig' };
    idp = createServer((req, res) => {
      if (req.url === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [published] }));
      } else if (req.url === '/broken-jwks') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('the provider is having a bad day');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    db = await createTestDatabase();
    t = await startTestApp(db, {
      env: {
        ACCOUNT_OIDC_PROVIDERS: JSON.stringify([
          { ...ACME, jwks_url: jwksUrl },
          { ...GLOBEX, jwks_url: jwksUrl },
          { key: 'down', issuer: 'https://down.test', audience: 'x', jwks_url: `http://127.0.0.1:${closedPort}/jwks` },
          { key: 'broken', issuer: 'https://broken.test', audience: 'x', jwks_url: jwksUrl.replace('/jwks', '/broken-jwks') },
        ]),
      },
    });
  });
  beforeAll(() => {
    appErrors = () => t?.logs.filter((l) => Number(l.level) >= 50) ?? [];
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    idp?.closeAllConnections();
    await new Promise((resolve) => (idp ? idp.close(resolve) : resolve(undefined)));
  });

  describe('POST /v1/me/identities (link)', () => {
    it('a valid ID token → 201 with the identity, a row in account.identities and an audit entry', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const res = await link(user, 'acme', await idToken(sub, { claims: { email: 'Ada.L@Acme.Test', email_verified: true } }));
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json<Identity>();
      expect(body).toEqual({
        id: expect.stringMatching(UUID),
        provider: 'acme',
        subject: sub,
        email: 'ada.l@acme.test',
        created_at: expect.stringMatching(ISO),
        last_used_at: null,
      });
      expect(
        await db.query(`SELECT id, user_id, provider, subject, email, last_used_at FROM account.identities WHERE subject = $1`, [sub]),
      ).toEqual([{ id: body.id, user_id: user.userId, provider: 'acme', subject: sub, email: 'ada.l@acme.test', last_used_at: null }]);
      expect(
        await db.query(
          `SELECT outcome, actor_type, actor_id, resource_type, resource_id, ip, data FROM kernel.audit_log
            WHERE action = 'account.identity.linked' AND actor_id = $1`,
          [user.userId],
        ),
      ).toEqual([
        {
          outcome: 'success',
          actor_type: 'user',
          actor_id: user.userId,
          resource_type: 'user',
          resource_id: user.userId,
          ip: '127.0.0.1',
          data: { provider: 'acme', identity_id: body.id },
        },
      ]);
    });

    it('the owner is told by mail of a new sign-in method (and not when it was linked already)', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      expect((await link(user, 'acme', await idToken(sub))).statusCode).toBe(201);
      await eventually(async () => (await mailboxCount(db, user.email, 'account.identity-linked')) === 1, 10_000, 'notice');
      expect((await link(user, 'acme', await idToken(sub))).statusCode).toBe(200);
      await t.get(Background).idle();
      expect(await mailboxCount(db, user.email, 'account.identity-linked')).toBe(1);
    });

    it('linking needs a recent sign-in: a session older than ACCOUNT_REAUTH_MAX_AGE → 403, nothing linked', async () => {
      const user = await signUp(t, db);
      await db.query(`UPDATE account.sessions SET created_at = now() - interval '1 hour' WHERE id = $1`, [user.sessionId]);
      const res = await link(user, 'acme', await idToken(subject()));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'AUTH.REAUTHENTICATION_REQUIRED' });
      expect(await db.query(`SELECT id FROM account.identities WHERE user_id = $1`, [user.userId])).toEqual([]);
    });

    it('an email the provider has not verified is not stored (email: null)', async () => {
      const user = await signUp(t, db);
      const unverified = await link(user, 'acme', await idToken(subject(), { claims: { email: 'eve@acme.test', email_verified: false } }));
      expect(unverified.statusCode).toBe(201);
      expect(unverified.json<Identity>().email).toBeNull();
      const unstated = await link(user, 'acme', await idToken(subject(), { claims: { email: 'eve2@acme.test' } }));
      expect(unstated.statusCode).toBe(201);
      expect(unstated.json<Identity>().email).toBeNull();
      expect(await db.query(`SELECT email FROM account.identities WHERE user_id = $1`, [user.userId])).toEqual([
        { email: null },
        { email: null },
      ]);
    });

    it('linking the same identity again (a fresh token) → 200 with the same id, no second row', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const first = await linked(user, sub);
      const again = await link(user, 'acme', await idToken(sub));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first);
      expect(await identitiesOf(user.userId)).toEqual([{ id: first.id, provider: 'acme', subject: sub }]);
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM kernel.audit_log WHERE action = 'account.identity.linked' AND actor_id = $1`,
        [user.userId],
      );
      expect(n).toBe(1);
    });

    it('the same subject at another provider is another identity (201)', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const a = await linked(user, sub, ACME);
      const g = await linked(user, sub, GLOBEX);
      expect(g.id).not.toBe(a.id);
      expect((await identitiesOf(user.userId)).map((i) => i.provider)).toEqual(['acme', 'globex']);
    });

    it('an identity linked to another user → 409 ACCOUNT.IDENTITY_TAKEN; the row stays with its owner', async () => {
      const owner = await signUp(t, db);
      const thief = await signUp(t, db);
      const sub = subject();
      const original = await linked(owner, sub);
      const res = await link(thief, 'acme', await idToken(sub));
      expectProblem(res, 409, 'ACCOUNT.IDENTITY_TAKEN');
      expect(await db.query(`SELECT id, user_id FROM account.identities WHERE provider = 'acme' AND subject = $1`, [sub])).toEqual([
        { id: original.id, user_id: owner.userId },
      ]);
      expect(await identitiesOf(thief.userId)).toEqual([]);
      expect(
        await db.query(`SELECT outcome, data FROM kernel.audit_log WHERE action = 'account.identity.link_refused' AND actor_id = $1`, [
          thief.userId,
        ]),
      ).toEqual([{ outcome: 'denied', data: { provider: 'acme', reason: 'linked_to_another_account' } }]);
    });

    it('an unknown provider → 400 ACCOUNT.UNKNOWN_PROVIDER, nothing linked', async () => {
      const user = await signUp(t, db);
      const body = expectProblem(await link(user, 'initech', await idToken(subject())), 400, 'ACCOUNT.UNKNOWN_PROVIDER');
      expect(body.errors).toEqual([{ path: 'provider', message: 'provider is not configured', rule: 'ACCOUNT.UNKNOWN_PROVIDER' }]);
      expect(await identitiesOf(user.userId)).toEqual([]);
    });
  });

  describe('ID tokens that must be refused (400 ACCOUNT.ID_TOKEN_INVALID on link and on login)', () => {
    let victim: SignedIn; // owns `victimSub`: a forged token for it must not sign anyone in
    let victimSub: string;
    let attacker: SignedIn;

    beforeAll(async () => {
      victim = await signUp(t, db);
      attacker = await signUp(t, db);
      victimSub = subject();
      await linked(victim, victimSub);
    });

    const cases: [string, (sub: string) => Promise<string>, RegExp][] = [
      ['wrong audience', (sub) => idToken(sub, { claims: { aud: 'some-other-client' } }), /"aud" claim/],
      ['wrong issuer', (sub) => idToken(sub, { claims: { iss: 'https://evil.test' } }), /"iss" claim/],
      ['expired (beyond the clock tolerance)', (sub) => idToken(sub, { claims: { iat: now() - 600, exp: now() - 120 } }), /expired/],
      ['signed by a key not in the JWKS (unknown kid)', (sub) => idToken(sub, { key: stranger.privateKey, kid: 'acme-2' }), /signed/],
      ['signed by another key under the published kid', (sub) => idToken(sub, { key: stranger.privateKey }), /signed/],
      ['alg: none (unsecured)', async (sub) => unsecured(sub), /signed/],
      ['HS256 (a shared-secret MAC)', (sub) => idToken(sub, { alg: 'HS256', key: new TextEncoder().encode('x'.repeat(32)) }), /signed/],
      ['another provider’s token (globex token presented as acme)', (sub) => idToken(sub, { provider: GLOBEX }), /"iss" claim|"aud" claim/],
      ['not a JWT at all', async () => 'definitely-not-a-jwt', /signed/],
    ];

    it.each(cases)('%s', async (_name, make, reason) => {
      const before = await identityCount();

      const fresh = subject();
      const linkBody = expectProblem(await link(attacker, 'acme', await make(fresh)), 400, 'ACCOUNT.ID_TOKEN_INVALID');
      expect(linkBody.errors).toEqual([{ path: 'id_token', message: expect.stringMatching(reason), rule: 'ACCOUNT.ID_TOKEN_INVALID' }]);
      // The victim's own subject: a forgery that passed would be a takeover (409) or a sign-in (200).
      expectProblem(await link(attacker, 'acme', await make(victimSub)), 400, 'ACCOUNT.ID_TOKEN_INVALID');
      expectProblem(await loginExternal('acme', await make(victimSub)), 400, 'ACCOUNT.ID_TOKEN_INVALID');

      expect(await identitiesOf(attacker.userId)).toEqual([]);
      expect(await identityCount()).toBe(before);
      expect(await sessionCount(victim.userId)).toBe(1); // only the sign-up's password login
    });

    it('a token missing its sub claim → 400', async () => {
      const iat = now();
      const token = await new SignJWT({ iss: ACME.issuer, aud: ACME.audience, iat, exp: iat + 300 })
        .setProtectedHeader({ alg: 'RS256', kid: 'acme-1' })
        .sign(signing.privateKey);
      const body = expectProblem(await link(attacker, 'acme', token), 400, 'ACCOUNT.ID_TOKEN_INVALID');
      expect(body.errors[0].message).toMatch(/"sub" claim/);
      expect(await identitiesOf(attacker.userId)).toEqual([]);
    });

    it('a provider whose JWKS cannot be fetched → 503 ACCOUNT.IDENTITY_PROVIDER_UNAVAILABLE, nothing linked', async () => {
      // Not the client's mistake: the token was never judged, so it is not called invalid.
      expectProblem(await link(attacker, 'broken', await idToken(subject())), 503, 'ACCOUNT.IDENTITY_PROVIDER_UNAVAILABLE');
      expect(await identitiesOf(attacker.userId)).toEqual([]);
    });

    it('a provider whose JWKS host is unreachable → 503 ACCOUNT.IDENTITY_PROVIDER_UNAVAILABLE, nothing linked', async () => {
      // Connection refused is the same situation as the timeout and the non-200 answer: the
      // provider's keys are unavailable; the token itself was never judged.
      expectProblem(await link(attacker, 'down', await idToken(subject())), 503, 'ACCOUNT.IDENTITY_PROVIDER_UNAVAILABLE');
      expect(await identitiesOf(attacker.userId)).toEqual([]);
    });

    it('the same claims, validly signed, are accepted (the allowed counterpart)', async () => {
      const res = await link(attacker, 'acme', await idToken(subject(), { claims: { iat: now() - 600, exp: now() + 60 } }));
      expect(res.statusCode).toBe(201);
      expect(await identitiesOf(attacker.userId)).toHaveLength(1);
    });
  });

  describe('GET /v1/me/identities', () => {
    it('lists only the caller’s identities, oldest first', async () => {
      const alice = await signUp(t, db);
      const bob = await signUp(t, db);
      const nobody = await signUp(t, db);
      const a1 = await linked(alice, subject());
      const b1 = await linked(bob, subject());
      const a2 = await linked(alice, subject(), GLOBEX);

      const mine = await get(t, '/v1/me/identities', alice.accessToken);
      expect(mine.statusCode).toBe(200);
      expect(mine.json()).toEqual({ items: [a1, a2] });
      expect((await get(t, '/v1/me/identities', bob.accessToken)).json()).toEqual({ items: [b1] });
      expect((await get(t, '/v1/me/identities', nobody.accessToken)).json()).toEqual({ items: [] });
    });
  });

  describe('POST /v1/auth/login/external', () => {
    it('a linked identity → 200 token pair with amr ["fed"]; last_used_at is set', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const identity = await linked(user, sub);
      const res = await loginExternal('acme', await idToken(sub));
      expect(res.statusCode).toBe(200);
      const body = res.json<{ access_token: string; refresh_token: string; session_id: string; user: { id: string } }>();
      expect(body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 600,
        session_id: expect.stringMatching(UUID),
        refresh_token: expect.any(String),
        user: { id: user.userId, email: user.email, status: 'active' },
      });
      const claims = decodeJwt(body.access_token);
      expect(claims).toMatchObject({ sub: user.userId, sid: body.session_id, amr: ['fed'] });
      expect(await db.query(`SELECT amr, user_id FROM account.sessions WHERE id = $1`, [body.session_id])).toEqual([
        { amr: ['fed'], user_id: user.userId },
      ]);
      const [row] = await db.query<{ last_used_at: Date | null }>(`SELECT last_used_at FROM account.identities WHERE id = $1`, [
        identity.id,
      ]);
      expect(row.last_used_at).toBeInstanceOf(Date);
      const listed = (await get(t, '/v1/me/identities', body.access_token)).json<{ items: Identity[] }>();
      expect(listed.items).toEqual([{ ...identity, last_used_at: row.last_used_at!.toISOString() }]);
      expect(
        await db.query(`SELECT data FROM kernel.audit_log WHERE action = 'auth.login.succeeded' AND data->>'session_id' = $1`, [
          body.session_id,
        ]),
      ).toEqual([{ data: { session_id: body.session_id, amr: ['fed'] } }]);
    });

    it('an identity linked to nobody → 401 AUTH.INVALID_CREDENTIALS, no session, an audit entry', async () => {
      const [{ n: before }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.sessions`);
      const res = await loginExternal('acme', await idToken(subject()));
      expectProblem(res, 401, 'AUTH.INVALID_CREDENTIALS');
      const [{ n: after }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.sessions`);
      expect(after).toBe(before);
      const rows = await db.query<{ outcome: string; data: unknown; request_id: string }>(
        `SELECT outcome, data, request_id FROM kernel.audit_log WHERE action = 'auth.login.failed' AND request_id = $1`,
        [res.headers['x-request-id']],
      );
      expect(rows).toEqual([
        { outcome: 'failure', data: { reason: 'identity_not_linked', provider: 'acme' }, request_id: res.headers['x-request-id'] },
      ]);
    });

    it('an unknown provider → 400 ACCOUNT.UNKNOWN_PROVIDER', async () => {
      expectProblem(await loginExternal('initech', await idToken(subject())), 400, 'ACCOUNT.UNKNOWN_PROVIDER');
    });

    it('a suspended account → 403 AUTH.ACCOUNT_SUSPENDED, no session, last_used_at untouched', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const identity = await linked(user, sub);
      await db.query(`UPDATE account.users SET status = 'suspended' WHERE id = $1`, [user.userId]);
      expectProblem(await loginExternal('acme', await idToken(sub)), 403, 'AUTH.ACCOUNT_SUSPENDED');
      expect(await sessionCount(user.userId)).toBe(1);
      expect(await db.query(`SELECT last_used_at FROM account.identities WHERE id = $1`, [identity.id])).toEqual([{ last_used_at: null }]);
    });
  });

  describe('DELETE /v1/me/identities/:id (unlink)', () => {
    it('unlinks → 204; the row is gone, the audit says so, and the identity no longer signs in', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const identity = await linked(user, sub);
      expect((await loginExternal('acme', await idToken(sub))).statusCode).toBe(200);

      const res = await del(t, `/v1/me/identities/${identity.id}`, user.accessToken);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await identitiesOf(user.userId)).toEqual([]);
      expect((await get(t, '/v1/me/identities', user.accessToken)).json()).toEqual({ items: [] });
      expect(
        await db.query(
          `SELECT outcome, actor_id, data FROM kernel.audit_log WHERE action = 'account.identity.unlinked' AND actor_id = $1`,
          [user.userId],
        ),
      ).toEqual([{ outcome: 'success', actor_id: user.userId, data: { identity_id: identity.id } }]);
      expectProblem(await loginExternal('acme', await idToken(sub)), 401, 'AUTH.INVALID_CREDENTIALS');
      // Gone means gone: a second unlink finds nothing.
      expectProblem(await del(t, `/v1/me/identities/${identity.id}`, user.accessToken), 404, 'ACCOUNT.IDENTITY_NOT_FOUND');
      // And the subject is free again: the same user (or anyone) may link it anew.
      expect((await link(user, 'acme', await idToken(sub))).statusCode).toBe(201);
    });

    it('another user’s identity (or an unknown id) → 404 ACCOUNT.IDENTITY_NOT_FOUND; the row stays', async () => {
      const owner = await signUp(t, db);
      const other = await signUp(t, db);
      const identity = await linked(owner, subject());
      expectProblem(await del(t, `/v1/me/identities/${identity.id}`, other.accessToken), 404, 'ACCOUNT.IDENTITY_NOT_FOUND');
      expectProblem(await del(t, `/v1/me/identities/${randomUUID()}`, other.accessToken), 404, 'ACCOUNT.IDENTITY_NOT_FOUND');
      expect(await identitiesOf(owner.userId)).toEqual([{ id: identity.id, provider: 'acme', subject: identity.subject }]);
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM kernel.audit_log WHERE action = 'account.identity.unlinked' AND actor_id = $1`,
        [other.userId],
      );
      expect(n).toBe(0);
    });

    it('the last way to sign in (no password, one identity) → 409 ACCOUNT.LAST_SIGN_IN_METHOD; the row stays', async () => {
      const user = await signUp(t, db);
      const identity = await linked(user, subject());
      await db.query(`UPDATE account.users SET password_hash = NULL WHERE id = $1`, [user.userId]);
      expectProblem(await del(t, `/v1/me/identities/${identity.id}`, user.accessToken), 409, 'ACCOUNT.LAST_SIGN_IN_METHOD');
      expect(await identitiesOf(user.userId)).toEqual([{ id: identity.id, provider: 'acme', subject: identity.subject }]);
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM kernel.audit_log WHERE action = 'account.identity.unlinked' AND actor_id = $1`,
        [user.userId],
      );
      expect(n).toBe(0);
    });

    it('a passwordless user with two identities may unlink one (204), then not the other (409)', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const first = await linked(user, sub, ACME);
      const second = await linked(user, sub, GLOBEX);
      await db.query(`UPDATE account.users SET password_hash = NULL WHERE id = $1`, [user.userId]);
      expect((await del(t, `/v1/me/identities/${first.id}`, user.accessToken)).statusCode).toBe(204);
      expect(await identitiesOf(user.userId)).toEqual([{ id: second.id, provider: 'globex', subject: sub }]);
      expectProblem(await del(t, `/v1/me/identities/${second.id}`, user.accessToken), 409, 'ACCOUNT.LAST_SIGN_IN_METHOD');
      expect(await identitiesOf(user.userId)).toEqual([{ id: second.id, provider: 'globex', subject: sub }]);
      // The remaining identity still signs the passwordless user in.
      const login = await loginExternal('globex', await idToken(sub, { provider: GLOBEX }));
      expect(login.statusCode).toBe(200);
      expect(login.json<{ user: { id: string } }>().user.id).toBe(user.userId);
    });

    it('two concurrent unlinks by a passwordless user with two identities: one 204, one 409, one identity left', async () => {
      const user = await signUp(t, db);
      const sub = subject();
      const first = await linked(user, sub, ACME);
      const second = await linked(user, sub, GLOBEX);
      await db.query(`UPDATE account.users SET password_hash = NULL WHERE id = $1`, [user.userId]);
      const results = await Promise.all([
        del(t, `/v1/me/identities/${first.id}`, user.accessToken),
        del(t, `/v1/me/identities/${second.id}`, user.accessToken),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([204, 409]);
      expect(await identitiesOf(user.userId)).toHaveLength(1);
    });

    it('a user with a password may unlink the only identity (204)', async () => {
      const user = await signUp(t, db);
      const identity = await linked(user, subject());
      expect((await del(t, `/v1/me/identities/${identity.id}`, user.accessToken)).statusCode).toBe(204);
      expect(await identitiesOf(user.userId)).toEqual([]);
    });
  });

  describe('malformed input', () => {
    let user: SignedIn;
    let token: string;
    beforeAll(async () => {
      user = await signUp(t, db);
      token = await idToken(subject());
    });

    const raw = (url: string, payload: string, auth?: string) =>
      t.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      });

    const bodies = (): [string, string, string, string[]][] => [
      [
        'an unknown field',
        JSON.stringify({ provider: 'acme', id_token: token, user_id: randomUUID() }),
        'KERNEL.VALIDATION_FAILED',
        ['user_id:whitelistValidation'],
      ],
      ['a wrong type (provider)', JSON.stringify({ provider: 5, id_token: token }), 'KERNEL.VALIDATION_FAILED', ['provider:isString']],
      [
        'a wrong type (id_token)',
        JSON.stringify({ provider: 'acme', id_token: { jwt: token } }),
        'KERNEL.VALIDATION_FAILED',
        ['id_token:isString'],
      ],
      ['a missing id_token', JSON.stringify({ provider: 'acme' }), 'KERNEL.VALIDATION_FAILED', ['id_token:isString']],
      ['a missing provider', JSON.stringify({ id_token: token }), 'KERNEL.VALIDATION_FAILED', ['provider:isString']],
      ['an empty provider', JSON.stringify({ provider: '', id_token: token }), 'KERNEL.VALIDATION_FAILED', ['provider:isLength']],
      [
        'a provider over 32 characters',
        JSON.stringify({ provider: 'a'.repeat(33), id_token: token }),
        'KERNEL.VALIDATION_FAILED',
        ['provider:isLength'],
      ],
      [
        'an id_token over 8192 characters',
        JSON.stringify({ provider: 'acme', id_token: 'a'.repeat(8193) }),
        'KERNEL.VALIDATION_FAILED',
        ['id_token:isLength'],
      ],
      ['invalid JSON', '{"provider": "acme", "id_token": ', 'KERNEL.MALFORMED_JSON', []],
    ];

    it.each(bodies().map(([name], i) => [name, i] as const))('link: %s → 400, nothing linked', async (_name, i) => {
      const [, payload, code, rules] = bodies()[i];
      const body = expectProblem(await raw('/v1/me/identities', payload, user.accessToken), 400, code);
      for (const rule of rules) {
        const [path, r] = rule.split(':');
        expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path, rule: r })]));
      }
      expect(await identitiesOf(user.userId)).toEqual([]);
    });

    it.each(bodies().map(([name], i) => [name, i] as const))('login/external: %s → 400, no session', async (_name, i) => {
      const [, payload, code] = bodies()[i];
      const [{ n: before }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.sessions`);
      expectProblem(await raw('/v1/auth/login/external', payload), 400, code);
      const [{ n: after }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.sessions`);
      expect(after).toBe(before);
    });

    it('a non-UUID identity id → 400 KERNEL.VALIDATION_FAILED; the identity stays', async () => {
      const owner = await signUp(t, db);
      const identity = await linked(owner, subject());
      for (const id of ['not-a-uuid', '123', `${identity.id}x`]) {
        expectProblem(await del(t, `/v1/me/identities/${id}`, owner.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      }
      expect(await identitiesOf(owner.userId)).toHaveLength(1);
    });
  });

  describe('authentication', () => {
    it('without a bearer token every /v1/me/identities route → 401 AUTH.UNAUTHENTICATED, nothing changes', async () => {
      const owner = await signUp(t, db);
      const identity = await linked(owner, subject());
      const before = await identityCount();
      for (const res of [
        await get(t, '/v1/me/identities'),
        await post(t, '/v1/me/identities', { provider: 'acme', id_token: await idToken(subject()) }),
        await del(t, `/v1/me/identities/${identity.id}`),
      ]) {
        expectProblem(res, 401, 'AUTH.UNAUTHENTICATED');
        expect(res.headers['www-authenticate']).toBe('Bearer realm="user-engine"');
      }
      expect(await identityCount()).toBe(before);
      expect(await identitiesOf(owner.userId)).toHaveLength(1);
    });

    it('an ID token is not a bearer token: presenting one → 401 AUTH.TOKEN_INVALID', async () => {
      const res = await get(t, '/v1/me/identities', await idToken(subject()));
      expectProblem(res, 401, 'AUTH.TOKEN_INVALID');
    });
  });

  describe('ACCOUNT_OIDC_PROVIDERS validation at start-up', () => {
    let spare: TestDatabase;
    beforeAll(async () => {
      spare = await createTestDatabase();
    });
    afterAll(async () => {
      await spare?.drop();
    });

    const good = () => ({ ...ACME, jwks_url: jwksUrl });
    const invalid: [string, () => string, RegExp][] = [
      ['invalid JSON', () => '[{"key": "acme",', /invalid JSON/],
      ['not an array', () => JSON.stringify(good()), /JSON array/],
      ['a missing field (audience)', () => JSON.stringify([{ key: 'acme', issuer: ACME.issuer, jwks_url: jwksUrl }]), /"audience"/],
      ['an empty field (issuer)', () => JSON.stringify([{ ...good(), issuer: '' }]), /"issuer"/],
      ['a key with invalid characters', () => JSON.stringify([{ ...good(), key: 'Acme SSO' }]), /key must be/],
      ['a duplicate key', () => JSON.stringify([good(), good()]), /duplicate key/],
      ['a non-http(s) jwks_url', () => JSON.stringify([{ ...good(), jwks_url: 'file:///etc/jwks.json' }]), /jwks_url/],
    ];

    it.each(invalid)('%s → ConfigValidationError naming ACCOUNT_OIDC_PROVIDERS', async (_name, value, message) => {
      const err = await startTestApp(spare, { env: { ACCOUNT_OIDC_PROVIDERS: value() } }).then(
        async (app) => {
          await app.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigValidationError);
      const problems = (err as ConfigValidationError).problems;
      expect(problems).toEqual([{ variable: 'ACCOUNT_OIDC_PROVIDERS', message: expect.stringMatching(message) }]);
      expect((err as Error).message).toContain('ACCOUNT_OIDC_PROVIDERS');
    });
  });
});
