import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { SigningKeys } from '@user-engine/account';
import { ConfigValidationError } from '@user-engine/kernel';
import { del, get, post, signIn, signUp, type SignedIn } from './support/account';
import { runTs, type RunningChild } from './support/child-process';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { eventually, startTestApp, TEST_ENV, useTestApp, type TestApp } from './support/test-app';

/**
 * Access tokens, their signing keys and the well-known endpoints, seen from the outside: a sibling
 * service verifying tokens offline from the JWKS, an attacker forging tokens, an operator rotating
 * keys, and several API processes sharing one database (key rotation and session revocation travel
 * over LISTEN/NOTIFY).
 */

const ISSUER = 'https://id.example.test';
const AUDIENCE = 'user-engine';
const TTL_SECONDS = 600;

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

interface Problem {
  status: number;
  code: string;
  type: string;
  title: string;
  detail: string;
  request_id: string;
}

const WWW_AUTHENTICATE: Record<string, string> = {
  'AUTH.UNAUTHENTICATED': 'Bearer realm="user-engine"',
  'AUTH.TOKEN_INVALID': 'Bearer realm="user-engine", error="invalid_token"',
  'AUTH.TOKEN_EXPIRED': 'Bearer realm="user-engine", error="invalid_token", error_description="expired"',
  'AUTH.TOKEN_REVOKED': 'Bearer realm="user-engine", error="invalid_token", error_description="revoked"',
};

/** What the assertions need of a response, from `inject` or from `fetch` (another process). */
interface Res {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json<T = unknown>(): T;
}

/** A 401 problem+json with `code` and the matching RFC 6750 challenge. */
function expectRefused(res: Res, code: string): Problem {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 401 });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Problem>();
  expect(body).toMatchObject({ status: 401, code, type: `urn:user-engine:problem:${code.toLowerCase()}` });
  expect(body.request_id).toBe(res.headers['x-request-id']);
  const challenge = String(res.headers['www-authenticate']);
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toBe(WWW_AUTHENTICATE[code]);
  return body;
}

function expectProblem(res: Res, status: number, code: string): Problem {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Problem>();
  expect(body).toMatchObject({ status, code });
  return body;
}

/** GET /v1/me with a raw Authorization header (or none). */
function me(t: TestApp, authorization?: string, url = '/v1/me'): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });
}

/** A client of an API instance: in this process (inject) or in another one (HTTP). */
type Api = TestApp | Remote;

class Remote {
  constructor(readonly base: string) {}

  async request(method: string, url: string, token?: string, payload?: unknown): Promise<Res> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${this.base}${url}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
    const body = await r.text();
    return {
      statusCode: r.status,
      headers: Object.fromEntries(r.headers.entries()),
      body,
      json: <T>() => JSON.parse(body) as T,
    };
  }
}

function call(api: Api, method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: unknown): Promise<Res> {
  if (api instanceof Remote) return api.request(method, url, token, payload);
  if (method === 'GET') return get(api, url, token);
  if (method === 'DELETE') return del(api, url, token);
  return post(api, url, payload, token);
}

async function expectAccepted(api: Api, token: string, userId: string): Promise<void> {
  const res = await call(api, 'GET', '/v1/me', token);
  expect({ status: res.statusCode, body: res.body }).toEqual({ status: 200, body: expect.stringContaining(`"id":"${userId}"`) });
  expect(res.json()).toMatchObject({ id: userId });
}

interface Jwks {
  keys: JWK[];
}

async function fetchJwks(t: TestApp): Promise<Jwks> {
  const res = await get(t, '/.well-known/jwks.json');
  expect(res.statusCode).toBe(200);
  return res.json<Jwks>();
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: JWK;
  private_key: Buffer;
  created_at: Date;
  retired_at: Date | null;
}

async function keyRows(db: TestDatabase): Promise<KeyRow[]> {
  return db.query<KeyRow>(`SELECT kid, alg, public_jwk, private_key, created_at, retired_at FROM account.signing_keys ORDER BY created_at`);
}

/**
 * The at-rest encryption of signing keys, replicated from its documentation: AES-256-GCM under
 * HKDF-SHA256(KEYS_ENCRYPTION_KEY, salt "user-engine", info "account.signing-keys/v1"), stored as
 * iv (12 bytes) ‖ tag (16 bytes) ‖ ciphertext, with the kid as additional authenticated data.
 */
function decryptPrivateKey(secret: string, kid: string, data: Buffer): KeyObject {
  const key = Buffer.from(hkdfSync('sha256', secret, 'user-engine', 'account.signing-keys/v1', 32));
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
  decipher.setAAD(Buffer.from(kid));
  decipher.setAuthTag(data.subarray(12, 28));
  const der = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** The server's current signing key, recovered from the database with the test KEYS_ENCRYPTION_KEY. */
async function serverKey(db: TestDatabase): Promise<{ kid: string; privateKey: KeyObject }> {
  const rows = (await keyRows(db)).filter((r) => r.retired_at === null);
  expect(rows).toHaveLength(1);
  return { kid: rows[0].kid, privateKey: decryptPrivateKey(TEST_ENV.KEYS_ENCRYPTION_KEY, rows[0].kid, rows[0].private_key) };
}

/** Claims as the server would issue them; `overrides` set or (with undefined) remove claims. */
function claimsFor(user: SignedIn, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: user.userId,
    sid: user.sessionId,
    jti: randomUUID(),
    iat: now,
    exp: now + TTL_SECONDS,
    amr: ['pwd'],
    acr: 'aal1',
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims as JWTPayload;
}

/** Signs `claims` as EdDSA, typ at+jwt; `header` adds or (with undefined) removes header parameters. */
function sign(key: KeyObject | Uint8Array, claims: JWTPayload, header: Record<string, unknown>): Promise<string> {
  const protectedHeader: Record<string, unknown> = { alg: 'EdDSA', typ: 'at+jwt', ...header };
  for (const [k, v] of Object.entries(protectedHeader)) if (v === undefined) delete protectedHeader[k];
  return new SignJWT(claims).setProtectedHeader(protectedHeader as never).sign(key);
}

async function sessionRow(db: TestDatabase, id: string): Promise<{ revoked_at: Date | null; revoked_reason: string | null }> {
  const [row] = await db.query<{ revoked_at: Date | null; revoked_reason: string | null }>(
    `SELECT revoked_at, revoked_reason FROM account.sessions WHERE id = $1`,
    [id],
  );
  return row;
}

/** The operator CLI (`user-engine keys …`) against `db`, as a child process. */
const cli = (db: TestDatabase, args: string[]) =>
  runTs(
    'apps/cli/src/main.ts',
    {
      DATABASE_URL: db.url,
      KEYS_ENCRYPTION_KEY: TEST_ENV.KEYS_ENCRYPTION_KEY,
      ACCOUNT_PASSWORD_PEPPER: TEST_ENV.ACCOUNT_PASSWORD_PEPPER,
      NODE_ENV: 'test',
    },
    args,
  );

// A second API process for the revocation suite, started first so that its start-up overlaps the
// suites before it.
const remote = {} as { db: TestDatabase; child: RunningChild };

beforeAll(async () => {
  remote.db = await createTestDatabase();
  remote.child = runTs('test/support/account-tokens-serve-child.ts', {
    ...TEST_ENV,
    DATABASE_URL: remote.db.url,
    PUBLIC_URL: ISSUER,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
});

afterAll(async () => {
  if (remote.child) {
    remote.child.child.kill('SIGTERM');
    await remote.child.exited;
  }
  await remote.db?.drop();
});

// ---------------------------------------------------------------------------------------------------
// 1. What a sibling service sees
// ---------------------------------------------------------------------------------------------------

describe('well-known endpoints and offline verification (a sibling service’s view)', () => {
  const ctx = useTestApp({ env: { PUBLIC_URL: ISSUER } });

  it('GET /.well-known/jwks.json publishes the one current Ed25519 public key, cacheable, without any private member', async () => {
    const res = await get(ctx.t, '/.well-known/jwks.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(String(res.headers['cache-control'])).toMatch(/max-age=\d+/);
    const { keys } = res.json<Jwks>();
    const rows = await keyRows(ctx.db);
    expect(rows).toHaveLength(1);
    expect(rows[0].retired_at).toBeNull();
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toEqual({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: rows[0].kid, x: expect.any(String) });
    expect(key).not.toHaveProperty('d');
    expect(Buffer.from(key.x!, 'base64url')).toHaveLength(32);
    // The published key is the public half of the stored (encrypted) private key.
    const privateKey = decryptPrivateKey(TEST_ENV.KEYS_ENCRYPTION_KEY, rows[0].kid, rows[0].private_key);
    expect(createPublicKey(privateKey).export({ format: 'jwk' })).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: key.x });
    expect(JSON.stringify(res.json())).not.toMatch(/"d"\s*:/);
  });

  it('the well-known endpoints are public: a bad Authorization header does not lock sibling services out', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: { authorization: 'Bearer garbage' } });
    expect(res.statusCode).toBe(200);
    expect(res.json<Jwks>().keys).toHaveLength(1);
  });

  it('GET /.well-known/openid-configuration names the issuer (PUBLIC_URL) and the JWKS under it', async () => {
    const res = await get(ctx.t, '/.well-known/openid-configuration');
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['cache-control'])).toMatch(/max-age=\d+/);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      token_endpoint: `${ISSUER}/v1/auth/login`,
      id_token_signing_alg_values_supported: ['EdDSA'],
      access_token_signing_alg_values_supported: ['EdDSA'],
    });
    expect(body.claims_supported).toEqual(expect.arrayContaining(['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp', 'amr', 'acr']));
  });

  it('a login’s access token verifies with jose from the JWKS alone, with the documented claims', async () => {
    const user = await signUp(ctx.t, ctx.db);
    const jwks = await fetchJwks(ctx.t);
    const { payload, protectedHeader } = await jwtVerify(user.accessToken, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.keys[0].kid });
    expect(payload).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: user.userId,
      sid: user.sessionId,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      iat: expect.any(Number),
      exp: expect.any(Number),
      amr: ['pwd'],
      acr: 'aal1',
    });
    expect(payload.exp! - payload.iat!).toBe(TTL_SECONDS);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(120);
    // The session the token names is the session the login opened.
    const [session] = await ctx.db.query<{ user_id: string; amr: string[]; revoked_at: Date | null }>(
      `SELECT user_id, amr, revoked_at FROM account.sessions WHERE id = $1`,
      [payload.sid],
    );
    expect(session).toEqual({ user_id: user.userId, amr: ['pwd'], revoked_at: null });
    // Each token has its own id.
    const again = await signIn(ctx.t, user.email, user.password);
    expect(decodeJwt(again.accessToken).jti).not.toBe(payload.jti);
  });

  it('a verifier pinning another issuer or audience refuses the token (the claims really are pinned)', async () => {
    const user = await signUp(ctx.t, ctx.db);
    const jwks = createLocalJWKSet(await fetchJwks(ctx.t));
    const options = { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: ['EdDSA'] };
    await expect(jwtVerify(user.accessToken, jwks, options)).resolves.toBeDefined();
    await expect(jwtVerify(user.accessToken, jwks, { ...options, issuer: 'https://other.example.test' })).rejects.toThrow(/iss/);
    await expect(jwtVerify(user.accessToken, jwks, { ...options, audience: 'billing' })).rejects.toThrow(/aud/);
    await expect(jwtVerify(user.accessToken, jwks, { ...options, typ: 'JWT' })).rejects.toThrow(/typ/);
  });

  // Last in this suite: see the passport note at the end of the file.
  it('ACCOUNT_TOKEN_AUDIENCE and a PUBLIC_URL with a trailing slash shape issuer and audience; tokens for another audience are refused', async () => {
    const user = await signUp(ctx.t, ctx.db);
    await expectAccepted(ctx.t, user.accessToken, user.userId);
    const other = await startTestApp(ctx.db, { env: { PUBLIC_URL: 'https://orders.example.test/', ACCOUNT_TOKEN_AUDIENCE: 'orders-api' } });
    try {
      const config = (await get(other, '/.well-known/openid-configuration')).json<{ issuer: string; jwks_uri: string }>();
      expect(config.issuer).toBe('https://orders.example.test');
      expect(config.jwks_uri).toBe('https://orders.example.test/.well-known/jwks.json');

      const theirs = await signIn(other, user.email, user.password);
      const jwks = createLocalJWKSet(await fetchJwks(other));
      const { payload } = await jwtVerify(theirs.accessToken, jwks, {
        issuer: 'https://orders.example.test',
        audience: 'orders-api',
        typ: 'at+jwt',
        algorithms: ['EdDSA'],
      });
      expect(payload).toMatchObject({ aud: 'orders-api', iss: 'https://orders.example.test', sub: user.userId });
      await expect(jwtVerify(theirs.accessToken, jwks, { issuer: ISSUER, audience: AUDIENCE })).rejects.toThrow();
      await expectAccepted(other, theirs.accessToken, user.userId);
      // Same database, same keys, good signature: the audience and issuer alone refuse the first instance's token.
      const refused = expectRefused(await get(other, '/v1/me', user.accessToken), 'AUTH.TOKEN_INVALID');
      expect(refused.detail).toBe('The access token is invalid (ERR_JWT_CLAIM_VALIDATION_FAILED).');
    } finally {
      await other.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Forged and invalid tokens
// ---------------------------------------------------------------------------------------------------

describe('forged and invalid bearer tokens are refused', () => {
  const ctx = useTestApp({ env: { PUBLIC_URL: ISSUER } });
  let user: SignedIn;
  let kid: string;
  let real: KeyObject;
  let publicJwk: JWK;

  beforeAll(async () => {
    user = await signUp(ctx.t, ctx.db);
    ({ kid, privateKey: real } = await serverKey(ctx.db));
    publicJwk = (await fetchJwks(ctx.t)).keys[0];
    expect(publicJwk.kid).toBe(kid);
    expect(decodeProtectedHeader(user.accessToken).kid).toBe(kid);
  });

  it('the genuine token is accepted (the allowed case)', async () => {
    await expectAccepted(ctx.t, user.accessToken, user.userId);
  });

  it('a control token forged with the REAL key and correct claims is accepted (the forging helper is right)', async () => {
    const token = await sign(real, claimsFor(user), { kid });
    await expectAccepted(ctx.t, token, user.userId);
  });

  it('a token signed by an Ed25519 key the server does not know is refused, under a real kid and under a random one', async () => {
    const { privateKey: stranger } = generateKeyPairSync('ed25519');
    const sameKid = await sign(stranger, claimsFor(user), { kid });
    expectRefused(await get(ctx.t, '/v1/me', sameKid), 'AUTH.TOKEN_INVALID');
    const randomKid = await sign(stranger, claimsFor(user), { kid: randomUUID() });
    const body = expectRefused(await get(ctx.t, '/v1/me', randomKid), 'AUTH.TOKEN_INVALID');
    expect(body.detail).toBe('The access token is invalid (unknown signing key).');
    const noKid = await sign(real, claimsFor(user), {});
    expectRefused(await get(ctx.t, '/v1/me', noKid), 'AUTH.TOKEN_INVALID');
  });

  it('a genuine token whose payload was altered (another user) is refused', async () => {
    const victim = await signUp(ctx.t, ctx.db);
    const [header, , signature] = user.accessToken.split('.');
    const altered = { ...decodeJwt(user.accessToken), sub: victim.userId };
    expectRefused(await get(ctx.t, '/v1/me', `${header}.${b64url(altered)}.${signature}`), 'AUTH.TOKEN_INVALID');
    // Nor does a signature move between tokens.
    const [vHeader, vPayload] = victim.accessToken.split('.');
    expectRefused(await get(ctx.t, '/v1/me', `${vHeader}.${vPayload}.${signature}`), 'AUTH.TOKEN_INVALID');
  });

  it('alg "none" (an unsigned token with a real kid and real claims) is refused', async () => {
    const [, payload] = user.accessToken.split('.');
    const unsigned = `${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${payload}.`;
    expectRefused(await get(ctx.t, '/v1/me', unsigned), 'AUTH.TOKEN_INVALID');
    // Also without the trailing dot and with "None".
    expectRefused(await get(ctx.t, '/v1/me', `${b64url({ alg: 'None', typ: 'at+jwt', kid })}.${payload}`), 'AUTH.TOKEN_INVALID');
  });

  it('HS256 keyed with the server’s public key (raw x bytes, or the JWK JSON) is refused: no algorithm confusion', async () => {
    const secrets = [
      new Uint8Array(Buffer.from(publicJwk.x!, 'base64url')),
      new TextEncoder().encode(JSON.stringify(publicJwk)),
      new TextEncoder().encode(publicJwk.x!),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT(claimsFor(user)).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(secret);
      expectRefused(await get(ctx.t, '/v1/me', token), 'AUTH.TOKEN_INVALID');
    }
  });

  it('an expired token (exp 5 minutes ago) → AUTH.TOKEN_EXPIRED; 30 s past exp is within the 60 s clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign(real, claimsFor(user, { iat: now - 900, exp: now - 300 }), { kid });
    expectRefused(await get(ctx.t, '/v1/me', expired), 'AUTH.TOKEN_EXPIRED');
    const justExpired = await sign(real, claimsFor(user, { iat: now - 630, exp: now - 30 }), { kid });
    await expectAccepted(ctx.t, justExpired, user.userId);
  });

  it('a token issued 10 minutes in the future (or not valid before then) is refused; 30 s ahead is tolerated skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = await sign(real, claimsFor(user, { iat: now + 600, exp: now + 1200 }), { kid });
    expectRefused(await get(ctx.t, '/v1/me', future), 'AUTH.TOKEN_INVALID');
    const notBefore = await sign(real, claimsFor(user, { nbf: now + 600 }), { kid });
    expectRefused(await get(ctx.t, '/v1/me', notBefore), 'AUTH.TOKEN_INVALID');
    const skewed = await sign(real, claimsFor(user, { iat: now + 30, exp: now + 630 }), { kid });
    await expectAccepted(ctx.t, skewed, user.userId);
  });

  it.each([
    ['another audience', { aud: 'billing' }, {}],
    ['an audience list without ours', { aud: ['billing', 'orders'] }, {}],
    ['another issuer', { iss: 'https://evil.example.test' }, {}],
    ['no issuer', { iss: undefined }, {}],
    ['no audience', { aud: undefined }, {}],
    ['typ JWT instead of at+jwt', {}, { typ: 'JWT' }],
    ['no typ', {}, { typ: undefined }],
    ['no sid', { sid: undefined }, {}],
    ['no sub', { sub: undefined }, {}],
    ['no jti', { jti: undefined }, {}],
    ['no exp', { exp: undefined }, {}],
    ['no amr', { amr: undefined }, {}],
    ['a numeric sid', { sid: 42 }, {}],
  ] as [string, Record<string, unknown>, Record<string, unknown>][])(
    'signed with the real key but %s → 401 AUTH.TOKEN_INVALID',
    async (_label, claims, header) => {
      const token = await sign(real, claimsFor(user, claims), { kid, ...header });
      expectRefused(await get(ctx.t, '/v1/me', token), 'AUTH.TOKEN_INVALID');
    },
  );

  it('no Authorization header → 401 AUTH.UNAUTHENTICATED', async () => {
    const body = expectRefused(await me(ctx.t), 'AUTH.UNAUTHENTICATED');
    expect(body.detail).toBe('This route needs a bearer access token.');
  });

  it('Basic credentials, an empty Bearer, or a Bearer with garbage → 401 AUTH.TOKEN_INVALID', async () => {
    expectRefused(await me(ctx.t, `Basic ${Buffer.from(`${user.email}:${user.password}`).toString('base64')}`), 'AUTH.TOKEN_INVALID');
    expectRefused(await me(ctx.t, 'Bearer'), 'AUTH.TOKEN_INVALID');
    expectRefused(await me(ctx.t, 'Bearer not-a-jwt'), 'AUTH.TOKEN_INVALID');
    expectRefused(await me(ctx.t, 'Bearer a.b.c'), 'AUTH.TOKEN_INVALID');
    expectRefused(await me(ctx.t, 'Bearer {"alg":"none"}'), 'AUTH.TOKEN_INVALID');
    expectRefused(await me(ctx.t, `Bearer ${user.accessToken} extra`), 'AUTH.TOKEN_INVALID');
    expectRefused(await me(ctx.t, `Token ${user.accessToken}`), 'AUTH.TOKEN_INVALID');
  });

  it('the auth scheme is case-insensitive (RFC 7235): "bearer <token>" is accepted', async () => {
    const res = await me(ctx.t, `bearer ${user.accessToken}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: user.userId });
  });

  it('a token in the query string (?access_token=) is not accepted, and does not reach the logs', async () => {
    const res = await me(ctx.t, undefined, `/v1/me?access_token=${user.accessToken}`);
    expectRefused(res, 'AUTH.UNAUTHENTICATED');
    const [, , signature] = user.accessToken.split('.');
    expect(JSON.stringify(ctx.t.logs)).not.toContain(signature);
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Key rotation (in process and through the CLI)
// ---------------------------------------------------------------------------------------------------

describe('signing-key rotation', () => {
  const ctx = useTestApp({ env: { PUBLIC_URL: ISSUER } });

  it('rotate(): both keys published, tokens of the old key still verify, new logins use the new kid, the old key is retired', async () => {
    const user = await signUp(ctx.t, ctx.db);
    const [before] = await keyRows(ctx.db);
    expect(decodeProtectedHeader(user.accessToken).kid).toBe(before.kid);

    const kid = await ctx.t.get(SigningKeys).rotate();
    expect(kid).not.toBe(before.kid);

    const rows = await keyRows(ctx.db);
    expect(rows.map((r) => r.kid)).toEqual([before.kid, kid]);
    expect(rows[0].retired_at).toBeInstanceOf(Date);
    expect(rows[1].retired_at).toBeNull();

    const jwks = await fetchJwks(ctx.t);
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid, before.kid]); // newest first
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');

    // Issued before the rotation: still good, for the API and for offline verifiers.
    await expectAccepted(ctx.t, user.accessToken, user.userId);
    await jwtVerify(user.accessToken, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] });

    const fresh = await signIn(ctx.t, user.email, user.password);
    expect(decodeProtectedHeader(fresh.accessToken).kid).toBe(kid);
    await expectAccepted(ctx.t, fresh.accessToken, user.userId);
    await jwtVerify(fresh.accessToken, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] });
  });

  it('`cli keys rotate` adds a key that the running app picks up over NOTIFY; `cli keys list` prints the published kids', async () => {
    const user = await signUp(ctx.t, ctx.db);
    const beforeKids = (await keyRows(ctx.db)).map((r) => r.kid);

    const rotate = cli(ctx.db, ['keys', 'rotate']);
    const { code } = await rotate.exited;
    expect({ code, stderr: rotate.stderr() }).toMatchObject({ code: 0 });
    const printed = /new signing key (\S+);/.exec(rotate.stdout());
    expect(printed).not.toBeNull();
    const kid = printed![1];

    const rows = await keyRows(ctx.db);
    expect(rows).toHaveLength(beforeKids.length + 1);
    expect(rows.filter((r) => r.retired_at === null).map((r) => r.kid)).toEqual([kid]);
    expect(beforeKids).not.toContain(kid);
    expect(() => decryptPrivateKey(TEST_ENV.KEYS_ENCRYPTION_KEY, kid, rows.find((r) => r.kid === kid)!.private_key)).not.toThrow();

    // The app did not rotate itself: it heard about the new key.
    await eventually(async () => (await fetchJwks(ctx.t)).keys.some((k) => k.kid === kid), 10_000, 'the CLI key in the JWKS');
    const fresh = await eventually(
      async () => {
        const s = await signIn(ctx.t, user.email, user.password);
        return decodeProtectedHeader(s.accessToken).kid === kid ? s : undefined;
      },
      10_000,
      'a login signed with the CLI key',
    );
    await expectAccepted(ctx.t, fresh.accessToken, user.userId);
    await expectAccepted(ctx.t, user.accessToken, user.userId); // signed with a previous key

    const list = cli(ctx.db, ['keys', 'list']);
    expect((await list.exited).code).toBe(0);
    const lines = list.stdout().trim().split('\n');
    expect(lines).toHaveLength(rows.length);
    expect(lines[0]).toMatch(new RegExp(`^${kid}  EdDSA  created \\S+  current$`));
    for (const r of rows) expect(list.stdout()).toContain(r.kid);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\S+  EdDSA  created \S+  retired \d{4}-\d\d-\d\dT\S+$/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Private keys at rest
// ---------------------------------------------------------------------------------------------------

describe('private keys are encrypted at rest', () => {
  const ctx = useTestApp({ env: { PUBLIC_URL: ISSUER } });

  it('the private_key column is not a plaintext PKCS#8 key, and only the right KEYS_ENCRYPTION_KEY and kid open it', async () => {
    const [row] = await keyRows(ctx.db);
    expect(Buffer.isBuffer(row.private_key)).toBe(true);
    // iv (12) ‖ tag (16) ‖ the 48-byte PKCS#8 DER of an Ed25519 key, encrypted.
    expect(row.private_key).toHaveLength(12 + 16 + 48);
    expect(() => createPrivateKey({ key: row.private_key, format: 'der', type: 'pkcs8' })).toThrow();
    for (let offset = 0; offset <= 28; offset++) {
      expect(() => createPrivateKey({ key: row.private_key.subarray(offset), format: 'der', type: 'pkcs8' })).toThrow();
    }
    const key = decryptPrivateKey(TEST_ENV.KEYS_ENCRYPTION_KEY, row.kid, row.private_key);
    expect(key.asymmetricKeyType).toBe('ed25519');
    const der = key.export({ format: 'der', type: 'pkcs8' });
    expect(row.private_key.includes(der.subarray(16))).toBe(false); // the 32-byte seed appears nowhere
    expect(() => decryptPrivateKey('another-keys-encryption-key-0123456789abcdef', row.kid, row.private_key)).toThrow();
    expect(() => decryptPrivateKey(TEST_ENV.KEYS_ENCRYPTION_KEY, randomUUID(), row.private_key)).toThrow();
  });

  it('an app with a DIFFERENT KEYS_ENCRYPTION_KEY cannot use the stored key: it warns, creates a new current key and issues valid tokens', async () => {
    const user = await signUp(ctx.t, ctx.db);
    const [old] = await keyRows(ctx.db);
    const otherSecret = 'a-different-keys-encryption-key-0123456789abcdef';
    const other = await startTestApp(ctx.db, { env: { PUBLIC_URL: ISSUER, KEYS_ENCRYPTION_KEY: otherSecret } });
    try {
      expect(other.logs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/cannot be decrypted with KEYS_ENCRYPTION_KEY/) }),
        ]),
      );
      const rows = await keyRows(ctx.db);
      expect(rows).toHaveLength(2);
      expect(rows[0].kid).toBe(old.kid);
      expect(rows[0].retired_at).toBeInstanceOf(Date);
      expect(rows[1].retired_at).toBeNull();
      // The new key is encrypted under the new secret, not the old one.
      expect(() => decryptPrivateKey(otherSecret, rows[1].kid, rows[1].private_key)).not.toThrow();
      expect(() => decryptPrivateKey(TEST_ENV.KEYS_ENCRYPTION_KEY, rows[1].kid, rows[1].private_key)).toThrow();

      const signedIn = await signIn(other, user.email, user.password);
      expect(decodeProtectedHeader(signedIn.accessToken).kid).toBe(rows[1].kid);
      const jwks = await fetchJwks(other);
      expect(jwks.keys.map((k) => k.kid)).toEqual([rows[1].kid, old.kid]);
      await jwtVerify(signedIn.accessToken, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'at+jwt',
        algorithms: ['EdDSA'],
      });
      await expectAccepted(other, signedIn.accessToken, user.userId);
      // Public halves need no decryption: tokens signed with the old key still verify there.
      await expectAccepted(other, user.accessToken, user.userId);
    } finally {
      await other.close();
    }
  });

  describe('KEYS_ENCRYPTION_KEY is checked at start-up', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it.each(['test', 'production'])('NODE_ENV=%s without KEYS_ENCRYPTION_KEY does not start, naming the variable', async (nodeEnv) => {
      // (production also needs a real mail server)
      const started = startTestApp(db, { env: { NODE_ENV: nodeEnv, KEYS_ENCRYPTION_KEY: undefined, SMTP_URL: 'smtp://127.0.0.1:2525' } });
      await expect(started).rejects.toBeInstanceOf(ConfigValidationError);
      await expect(started).rejects.toThrow(new RegExp(`KEYS_ENCRYPTION_KEY is required when NODE_ENV=${nodeEnv}`));
      expect(await keyRows(db)).toHaveLength(0);
    });

    it('a 10-character key is refused (31 too); 32 characters are enough', async () => {
      for (const secret of ['0123456789', 'x'.repeat(31)]) {
        const started = startTestApp(db, { env: { KEYS_ENCRYPTION_KEY: secret } });
        await expect(started).rejects.toBeInstanceOf(ConfigValidationError);
        await expect(started).rejects.toThrow(`KEYS_ENCRYPTION_KEY must be at least 32 characters, got ${secret.length}`);
      }
      expect(await keyRows(db)).toHaveLength(0);
      const ok = await startTestApp(db, { env: { KEYS_ENCRYPTION_KEY: 'y'.repeat(32) } });
      try {
        const rows = await keyRows(db);
        expect(rows).toHaveLength(1);
        expect(() => decryptPrivateKey('y'.repeat(32), rows[0].kid, rows[0].private_key)).not.toThrow();
        expect((await fetchJwks(ok)).keys.map((k) => k.kid)).toEqual([rows[0].kid]);
      } finally {
        await ok.close();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. Automatic rotation
// ---------------------------------------------------------------------------------------------------

describe('automatic rotation (ACCOUNT_KEY_ROTATION_INTERVAL)', () => {
  const ctx = useTestApp({ env: { PUBLIC_URL: ISSUER, ACCOUNT_KEY_ROTATION_INTERVAL: '2s' } });

  it('replaces the signing key on its own once it is older than the interval; the old one stays published', async () => {
    const [first] = await keyRows(ctx.db);
    const user = await signUp(ctx.t, ctx.db);
    const rows = await eventually(
      async () => {
        const r = await keyRows(ctx.db);
        return r.length >= 2 ? r : undefined;
      },
      10_000,
      'an automatic rotation',
    );
    expect(rows[0].kid).toBe(first.kid);
    expect(rows[0].retired_at).toBeInstanceOf(Date);
    expect(rows.filter((r) => r.retired_at === null)).toHaveLength(1);
    const jwks = await fetchJwks(ctx.t);
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([first.kid]));
    expect(jwks.keys.length).toBeGreaterThanOrEqual(2);
    // Tokens of the first key still work; a new login is signed with the current key.
    await expectAccepted(ctx.t, user.accessToken, user.userId);
    const fresh = await signIn(ctx.t, user.email, user.password);
    expect(decodeProtectedHeader(fresh.accessToken).kid).not.toBe(first.kid);
    await expectAccepted(ctx.t, fresh.accessToken, user.userId);
  });
});

// ---------------------------------------------------------------------------------------------------
// 6. Revocation across processes
// ---------------------------------------------------------------------------------------------------

describe('revocation is effective at once, everywhere, without a database read per request', () => {
  // A is this process's app; B is a second API process (a real process boundary) on the same database.
  let db: TestDatabase;
  let a: TestApp;
  let b: Remote;

  beforeAll(async () => {
    db = remote.db;
    a = await startTestApp(db, { env: { PUBLIC_URL: ISSUER } });
    const [, port] = await remote.child.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    b = new Remote(`http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await a?.close();
  });

  it('B verifies tokens A issued (same keys, same issuer)', async () => {
    const user = await signUp(a, db);
    await expectAccepted(b, user.accessToken, user.userId);
    expect((await b.request('GET', '/.well-known/jwks.json')).json()).toEqual(await fetchJwks(a));
  });

  it('logout on A (204) ends the session: A refuses the token at once, B as soon as the NOTIFY arrives', async () => {
    const user = await signUp(a, db);
    const other = await signIn(a, user.email, user.password);
    await expectAccepted(b, user.accessToken, user.userId);

    const out = await post(a, '/v1/auth/logout', undefined, user.accessToken);
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    expect(await sessionRow(db, user.sessionId)).toEqual({ revoked_at: expect.any(Date), revoked_reason: 'logout' });
    expect(await sessionRow(db, other.sessionId)).toEqual({ revoked_at: null, revoked_reason: null });

    expectRefused(await get(a, '/v1/me', user.accessToken), 'AUTH.TOKEN_REVOKED');
    await eventually(
      async () => (await b.request('GET', '/v1/me', user.accessToken)).statusCode === 401,
      10_000,
      'B to hear of the logout',
    );
    expectRefused(await b.request('GET', '/v1/me', user.accessToken), 'AUTH.TOKEN_REVOKED');
    // Only that session ended.
    await expectAccepted(b, other.accessToken, user.userId);
    await expectAccepted(a, other.accessToken, user.userId);
    // Its refresh token died with it.
    expect((await b.request('POST', '/v1/auth/refresh', undefined, { refresh_token: user.refreshToken })).json()).toMatchObject({
      code: 'AUTH.REFRESH_INVALID',
    });
    // Logging out twice: the token no longer authenticates.
    expectRefused(await b.request('POST', '/v1/auth/logout', user.accessToken), 'AUTH.TOKEN_REVOKED');

    const audit = await db.query<{ action: string; outcome: string; actor_id: string; data: Record<string, unknown> }>(
      `SELECT action, outcome, actor_id, data FROM kernel.audit_log WHERE action = 'auth.logout' AND actor_id = $1`,
      [user.userId],
    );
    expect(audit).toEqual([{ action: 'auth.logout', outcome: 'success', actor_id: user.userId, data: { session_id: user.sessionId } }]);
  });

  it('DELETE /v1/me/sessions/{sid} on A ends that session on B; the caller’s own session lives on', async () => {
    const user = await signUp(a, db);
    const second = await signIn(a, user.email, user.password);
    await expectAccepted(b, user.accessToken, user.userId);
    await expectAccepted(b, second.accessToken, user.userId);

    const res = await del(a, `/v1/me/sessions/${user.sessionId}`, second.accessToken);
    expect(res.statusCode).toBe(204);
    expect(await sessionRow(db, user.sessionId)).toEqual({ revoked_at: expect.any(Date), revoked_reason: 'revoked_by_user' });
    expect(await sessionRow(db, second.sessionId)).toEqual({ revoked_at: null, revoked_reason: null });

    expectRefused(await get(a, '/v1/me', user.accessToken), 'AUTH.TOKEN_REVOKED');
    await eventually(
      async () => (await b.request('GET', '/v1/me', user.accessToken)).statusCode === 401,
      10_000,
      'B to hear of the revocation',
    );
    expectRefused(await b.request('GET', '/v1/me', user.accessToken), 'AUTH.TOKEN_REVOKED');
    await expectAccepted(b, second.accessToken, user.userId);
    await expectAccepted(a, second.accessToken, user.userId);
  });

  it('the check is in memory: a revocation written to the database without its NOTIFY goes unseen until announced', async () => {
    const user = await signUp(a, db);
    await db.query(`UPDATE account.sessions SET revoked_at = now(), revoked_reason = 'test' WHERE id = $1`, [user.sessionId]);
    // Requests keep being served from memory: no per-request session lookup.
    await expectAccepted(a, user.accessToken, user.userId);
    await expectAccepted(b, user.accessToken, user.userId);
    await db.query(`SELECT pg_notify('account_revocations', $1)`, [JSON.stringify({ s: user.sessionId })]);
    for (const api of [a, b]) {
      await eventually(async () => (await call(api, 'GET', '/v1/me', user.accessToken)).statusCode === 401, 10_000, 'the NOTIFY');
      expectRefused(await call(api, 'GET', '/v1/me', user.accessToken), 'AUTH.TOKEN_REVOKED');
    }
  });

  it('DELETE /v1/me/sessions/{sid}: a non-UUID id → 400, an unknown or another user’s session → 404; nothing is revoked', async () => {
    const user = await signUp(a, db);
    const stranger = await signUp(a, db);
    const count = async () =>
      Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM account.sessions WHERE revoked_at IS NOT NULL`))[0].n);
    const before = await count();

    const bad = expectProblem(await del(a, '/v1/me/sessions/not-a-uuid', user.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
    expect(bad.type).toBe('urn:user-engine:problem:kernel.validation_failed');
    expectProblem(await del(a, `/v1/me/sessions/${randomUUID()}`, user.accessToken), 404, 'ACCOUNT.SESSION_NOT_FOUND');
    expectProblem(await del(a, `/v1/me/sessions/${stranger.sessionId}`, user.accessToken), 404, 'ACCOUNT.SESSION_NOT_FOUND');
    expectRefused(await del(a, `/v1/me/sessions/${stranger.sessionId}`), 'AUTH.UNAUTHENTICATED');

    expect(await count()).toBe(before);
    await expectAccepted(b, stranger.accessToken, stranger.userId);
    await expectAccepted(a, user.accessToken, user.userId);
  });

  it('POST /v1/auth/logout without a token → 401 AUTH.UNAUTHENTICATED, with a malformed body → 400; nothing is revoked', async () => {
    const user = await signUp(a, db);
    expectRefused(await post(a, '/v1/auth/logout', undefined), 'AUTH.UNAUTHENTICATED');
    const malformed = await a.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      payload: '{"not json',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
    });
    expectProblem(malformed, 400, 'KERNEL.MALFORMED_JSON');
    expect(await sessionRow(db, user.sessionId)).toEqual({ revoked_at: null, revoked_reason: null });
    await expectAccepted(a, user.accessToken, user.userId);
    await expectAccepted(b, user.accessToken, user.userId);
  });

  // Last: a second app in this process takes over passport's strategies (see the note below).
  it('an instance started after the logout refuses the token from its first request (the list is loaded at start)', async () => {
    const user = await signUp(a, db);
    expect((await post(a, '/v1/auth/logout', undefined, user.accessToken)).statusCode).toBe(204);
    const c = await startTestApp(db, { env: { PUBLIC_URL: ISSUER } });
    try {
      expectRefused(await get(c, '/v1/me', user.accessToken), 'AUTH.TOKEN_REVOKED');
      const again = await signIn(c, user.email, user.password);
      await expectAccepted(c, again.accessToken, user.userId);
    } finally {
      await c.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 7. Two applications in one process
// ---------------------------------------------------------------------------------------------------

/*
 * @nestjs/passport registers every strategy in passport's process-wide registry under its name
 * ('bearer', 'local'), so the app constructed last authenticates the requests of every app in the
 * process. The suites above therefore put a second in-process app last, and test what crosses
 * processes against a real second process. This test states the isolation a Nest application
 * should have (the test harness starts several apps in one process).
 */
describe('two applications in one process keep their own authentication', () => {
  const ctx = useTestApp({ env: { PUBLIC_URL: ISSUER } });

  it('starting (and closing) another app does not change how the first authenticates', async () => {
    const user = await signUp(ctx.t, ctx.db);
    await expectAccepted(ctx.t, user.accessToken, user.userId);
    const other = await startTestApp(ctx.db, { env: { PUBLIC_URL: ISSUER, ACCOUNT_TOKEN_AUDIENCE: 'orders-api' } });
    try {
      // The first app still verifies with its own audience…
      await expectAccepted(ctx.t, user.accessToken, user.userId);
    } finally {
      await other.close();
    }
    // …and still signs in with its own (open) database pool.
    const res = await post(ctx.t, '/v1/auth/login', { email: user.email, password: user.password });
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
  });
});
