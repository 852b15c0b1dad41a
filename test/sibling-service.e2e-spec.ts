import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { signUp, type SignedIn } from './support/account';
import {
  call,
  createApiKey,
  internal,
  type IssuedKey,
  listen,
  type Listening,
  registerApplication,
  type RegisteredApplication,
} from './support/internal';
import { expectProblem } from './support/problems';
import { addMember, createTenant, makeOperator, put, tenantToken } from './support/tenancy';
import { eventually, useTestApp } from './support/test-app';

/*
 * Written as a sibling service (an "orders" service) would use User Engine: it receives a user's
 * access token, verifies it offline (JWKS and issuer from the well-known documents, audience and
 * type pinned), and asks the internal decision point with its own API key. Whatever it asks, it
 * must get the very answer the user gets from the public check — for the modules' permissions and
 * for the permissions its own application published.
 */

interface Decision {
  allowed: boolean;
  reason: string;
}

const AUDIENCE = 'user-engine';

/** The orders service's side: offline token verification and its API key. */
class OrdersService {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  fetchedIssuer?: string;

  constructor(
    private readonly l: Listening,
    private readonly key: () => IssuedKey,
  ) {
    this.jwks = createRemoteJWKSet(new URL(`${l.publicUrl}/.well-known/jwks.json`));
  }

  /** The issuer the deployment announces (read once, as a service would at start). */
  async issuer(): Promise<string> {
    if (!this.fetchedIssuer) {
      const res = await call(this.l.publicUrl, { url: '/.well-known/openid-configuration' });
      expect(res.statusCode).toBe(200);
      this.fetchedIssuer = res.json<{ issuer: string }>().issuer;
    }
    return this.fetchedIssuer;
  }

  /** Who the bearer of `token` is, without calling User Engine for it. */
  async verify(token: string): Promise<JWTPayload & { sub: string; tid?: string; scp?: string[] }> {
    const { payload } = await jwtVerify(token, this.jwks, {
      issuer: await this.issuer(),
      audience: AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
    });
    return payload as JWTPayload & { sub: string };
  }

  /** Verifies the user's token, then asks the internal decision point about its subject. */
  async decide(token: string, tenantId: string, permission: string, resource?: { type: 'user'; id: string }): Promise<Decision> {
    const { sub } = await this.verify(token);
    const res = await internal(this.l, 'POST', '/internal/v1/authz/check', {
      key: this.key().secret,
      payload: { user_id: sub, tenant_id: tenantId, permission, ...(resource ? { resource } : {}) },
    });
    expect({ status: res.statusCode, body: res.body }).toEqual({ status: 200, body: expect.any(String) });
    return res.json<Decision>();
  }
}

describe('a sibling service verifies tokens offline and asks the decision point with its API key', () => {
  const ctx = useTestApp();
  let l: Listening;
  let operator: SignedIn;
  let owner: SignedIn;
  let admin: SignedIn;
  let viewer: SignedIn;
  let clerk: SignedIn;
  let outsider: SignedIn;
  let tenantId: string;
  let otherTenantId: string;
  let orders: RegisteredApplication;
  let key: IssuedKey;
  let service: OrdersService;

  /** The user's own public check, over the public port. */
  async function publicCheck(
    who: SignedIn,
    permission: string,
    resource?: { type: 'user'; id: string },
    token = who.accessToken,
  ): Promise<Decision> {
    const res = await call(l.publicUrl, {
      method: 'POST',
      url: `/v1/tenants/${tenantId}/authz/check`,
      headers: { authorization: `Bearer ${token}` },
      payload: { permission, ...(resource ? { resource } : {}) },
    });
    expect({ status: res.statusCode, body: res.body }).toEqual({ status: 200, body: expect.any(String) });
    return res.json<Decision>();
  }

  /** Both answers, asserted equal to each other and to `expected`. */
  async function bothSay(who: SignedIn, permission: string, expected: Decision, resource?: { type: 'user'; id: string }) {
    const viaService = await service.decide(who.accessToken, tenantId, permission, resource);
    const viaUser = await publicCheck(who, permission, resource);
    expect({ permission, viaService, viaUser }).toEqual({ permission, viaService: expected, viaUser: expected });
  }

  const publishCatalog = async (permissions: object[], status: number) => {
    const res = await put(ctx.t, `/v1/applications/${orders.id}/catalog`, { permissions }, operator.accessToken);
    expect({ status: res.statusCode, body: res.body }).toEqual({ status, body: expect.any(String) });
  };

  beforeAll(async () => {
    l = await listen(ctx.t);
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    orders = await registerApplication(ctx.t, operator, 'orders');
    await publishCatalog(
      [
        { key: 'orders:read', description: 'See orders', default_role: 'viewer' },
        { key: 'orders:refund', description: 'Refund orders', default_role: 'admin' },
        { key: 'orders:export', description: 'Export every order' }, // owner, by default
      ],
      201,
    );

    owner = await signUp(ctx.t, ctx.db);
    tenantId = await createTenant(ctx.t, owner, 'Shop');
    const role = await ctx.t.inject({
      method: 'POST',
      url: `/v1/tenants/${tenantId}/roles`,
      headers: { authorization: `Bearer ${owner.accessToken}` },
      payload: { key: 'refunds-clerk', name: 'Refunds clerk', permissions: ['orders:refund'], inherits: ['viewer'] },
    });
    expect({ status: role.statusCode, body: role.body }).toEqual({ status: 201, body: expect.any(String) });
    admin = await addMember(ctx.t, ctx.db, tenantId, owner, ['admin']);
    viewer = await addMember(ctx.t, ctx.db, tenantId, owner, ['viewer']);
    clerk = await addMember(ctx.t, ctx.db, tenantId, owner, ['refunds-clerk']);
    outsider = await signUp(ctx.t, ctx.db);
    otherTenantId = await createTenant(ctx.t, outsider, 'Elsewhere');

    // The least a decision-asking service needs: authz:check, bound to the one tenant it serves.
    key = await createApiKey(ctx.t, operator, orders.id, { scopes: ['authz:check'], tenant_id: tenantId, name: 'orders service' });
    service = new OrdersService(l, () => key);
  });

  it('verifies a user access token offline: JWKS and issuer from the well-known documents, audience and typ pinned', async () => {
    const claims = await service.verify(viewer.accessToken);
    expect(claims).toMatchObject({ sub: viewer.userId, aud: AUDIENCE, iss: await service.issuer(), sid: viewer.sessionId });
    expect(claims.tid).toBeUndefined();
    const discovery = (await call(l.publicUrl, { url: '/.well-known/openid-configuration' })).json<Record<string, unknown>>();
    expect(discovery).toMatchObject({ issuer: service.fetchedIssuer, access_token_signing_alg_values_supported: ['EdDSA'] });
    const jwks = (await call(l.publicUrl, { url: '/.well-known/jwks.json' })).json<{ keys: { kid: string }[] }>();
    expect(jwks.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(viewer.accessToken).kid);

    // Anything else is refused before the service asks anyone anything.
    const [header, payload, signature] = viewer.accessToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: owner.userId })).toString('base64url');
    await expect(service.verify(`${header}.${forged}.${signature}`)).rejects.toThrow(/signature/);
    await expect(service.verify(`${header}.${payload}.${signature.slice(0, -4)}AAAA`)).rejects.toThrow(/signature/);
    await expect(
      jwtVerify(viewer.accessToken, createRemoteJWKSet(new URL(`${l.publicUrl}/.well-known/jwks.json`)), {
        issuer: await service.issuer(),
        audience: 'billing-api',
        typ: 'at+jwt',
      }),
    ).rejects.toThrow(/aud/);
    await expect(
      jwtVerify(viewer.accessToken, createRemoteJWKSet(new URL(`${l.publicUrl}/.well-known/jwks.json`)), {
        issuer: await service.issuer(),
        audience: AUDIENCE,
        typ: 'JWT',
      }),
    ).rejects.toThrow(/typ/);
  });

  it('a tenant token carries the tenant and the catalog permissions its holder has, verifiable the same way', async () => {
    const token = await tenantToken(ctx.t, viewer, tenantId);
    const claims = await service.verify(token);
    expect(claims).toMatchObject({ sub: viewer.userId, tid: tenantId, roles: ['viewer'] });
    expect(claims.scp).toEqual(expect.arrayContaining(['orders:read', 'members:read']));
    expect(claims.scp).not.toContain('orders:refund');
    expect(claims.scp).not.toContain('orders:export');
    const clerkClaims = await service.verify(await tenantToken(ctx.t, clerk, tenantId));
    expect(clerkClaims.scp).toEqual(expect.arrayContaining(['orders:read', 'orders:refund']));
    expect(clerkClaims.scp).not.toContain('orders:export');
  });

  it('gets the same answer as the public check: the modules’ permissions and its own catalog’s, allowed and denied', async () => {
    const cases: [SignedIn, string, Decision][] = [
      [owner, 'orders:read', { allowed: true, reason: 'role:owner' }],
      [owner, 'orders:refund', { allowed: true, reason: 'role:owner' }],
      [owner, 'orders:export', { allowed: true, reason: 'role:owner' }],
      [owner, 'tenants:delete', { allowed: true, reason: 'role:owner' }],
      [admin, 'orders:read', { allowed: true, reason: 'role:admin' }],
      [admin, 'orders:refund', { allowed: true, reason: 'role:admin' }],
      [admin, 'orders:export', { allowed: false, reason: 'missing_permission' }],
      [admin, 'members:manage', { allowed: true, reason: 'role:admin' }],
      [admin, 'tenants:delete', { allowed: false, reason: 'missing_permission' }],
      [viewer, 'orders:read', { allowed: true, reason: 'role:viewer' }],
      [viewer, 'orders:refund', { allowed: false, reason: 'missing_permission' }],
      [viewer, 'orders:export', { allowed: false, reason: 'missing_permission' }],
      [viewer, 'members:read', { allowed: true, reason: 'role:viewer' }],
      [viewer, 'members:invite', { allowed: false, reason: 'missing_permission' }],
      [clerk, 'orders:refund', { allowed: true, reason: 'role:refunds-clerk' }],
      [clerk, 'orders:read', { allowed: true, reason: 'role:refunds-clerk' }],
      [clerk, 'orders:export', { allowed: false, reason: 'missing_permission' }],
      [clerk, 'members:invite', { allowed: false, reason: 'missing_permission' }],
      [viewer, 'orders:cancel', { allowed: false, reason: 'unknown_permission' }],
      [viewer, 'billing:read', { allowed: false, reason: 'unknown_permission' }],
    ];
    for (const [who, permission, expected] of cases) await bothSay(who, permission, expected);
  });

  it('agrees on actions targeting another member (owner protection, exceeding permissions)', async () => {
    await bothSay(admin, 'members:manage', { allowed: false, reason: 'owner_protected' }, { type: 'user', id: owner.userId });
    await bothSay(admin, 'members:manage', { allowed: true, reason: 'role:admin' }, { type: 'user', id: viewer.userId });
    await bothSay(owner, 'members:manage', { allowed: true, reason: 'role:owner' }, { type: 'user', id: admin.userId });
    await bothSay(viewer, 'members:manage', { allowed: false, reason: 'missing_permission' }, { type: 'user', id: clerk.userId });
  });

  it('follows role changes and a new catalog version exactly as the public check does', async () => {
    await bothSay(viewer, 'orders:refund', { allowed: false, reason: 'missing_permission' });
    const promoted = await put(ctx.t, `/v1/tenants/${tenantId}/members/${viewer.userId}/roles`, { roles: ['admin'] }, owner.accessToken);
    expect({ status: promoted.statusCode, body: promoted.body }).toEqual({ status: 200, body: expect.any(String) });
    // The same token (not tenant-scoped) now carries more: both read the roles live.
    await eventually(async () => (await service.decide(viewer.accessToken, tenantId, 'orders:refund')).allowed, 10_000, 'the promotion');
    await bothSay(viewer, 'orders:refund', { allowed: true, reason: 'role:admin' });

    // Version 2 adds orders:cancel from editor up: granted at once to the roles that hold it.
    await publishCatalog(
      [
        { key: 'orders:read', description: 'See orders', default_role: 'viewer' },
        { key: 'orders:refund', description: 'Refund orders', default_role: 'admin' },
        { key: 'orders:export', description: 'Export every order' },
        { key: 'orders:cancel', description: 'Cancel orders', default_role: 'editor' },
      ],
      201,
    );
    await bothSay(viewer, 'orders:cancel', { allowed: true, reason: 'role:admin' });
    await bothSay(admin, 'orders:cancel', { allowed: true, reason: 'role:admin' });
    await bothSay(clerk, 'orders:cancel', { allowed: false, reason: 'missing_permission' });

    const demoted = await put(ctx.t, `/v1/tenants/${tenantId}/members/${viewer.userId}/roles`, { roles: ['viewer'] }, owner.accessToken);
    expect(demoted.statusCode).toBe(200);
    await eventually(async () => !(await service.decide(viewer.accessToken, tenantId, 'orders:cancel')).allowed, 10_000, 'the demotion');
    await bothSay(viewer, 'orders:cancel', { allowed: false, reason: 'missing_permission' });
    await bothSay(viewer, 'orders:read', { allowed: true, reason: 'role:viewer' });
  });

  it('a tenant-scoped token limits the public check to what it was issued with; the service asks about the user', async () => {
    // Issued before version 3 adds orders:archive to viewers: the token does not carry it.
    const token = await tenantToken(ctx.t, viewer, tenantId);
    await publishCatalog(
      [
        { key: 'orders:read', description: 'See orders', default_role: 'viewer' },
        { key: 'orders:refund', description: 'Refund orders', default_role: 'admin' },
        { key: 'orders:export', description: 'Export every order' },
        { key: 'orders:cancel', description: 'Cancel orders', default_role: 'editor' },
        { key: 'orders:archive', description: 'Archive orders', default_role: 'viewer' },
      ],
      201,
    );
    expect((await service.verify(token)).scp).not.toContain('orders:archive');
    expect(await publicCheck(viewer, 'orders:archive', undefined, token)).toEqual({ allowed: false, reason: 'token_scope' });
    // The user's own unscoped token and the service (which asks about the user, not a token) agree.
    await bothSay(viewer, 'orders:archive', { allowed: true, reason: 'role:viewer' });
    expect(await service.decide(token, tenantId, 'orders:archive')).toEqual({ allowed: true, reason: 'role:viewer' });
  });

  it('asks only about its own tenant, never about platform permissions, and learns nothing about strangers', async () => {
    // A user of another tenant: the public check refuses them as a non-member; the service hears "not a member".
    expect(await service.decide(outsider.accessToken, tenantId, 'orders:read')).toEqual({ allowed: false, reason: 'not_a_member' });
    const strangerCheck = await call(l.publicUrl, {
      method: 'POST',
      url: `/v1/tenants/${tenantId}/authz/check`,
      headers: { authorization: `Bearer ${outsider.accessToken}` },
      payload: { permission: 'orders:read' },
    });
    expectProblem(strangerCheck, 404, 'TENANCY.NOT_FOUND');

    // The key is bound to the shop: another tenant is refused (and audited), whoever is asked about.
    const elsewhere = await internal(l, 'POST', '/internal/v1/authz/check', {
      key: key.secret,
      payload: { user_id: outsider.userId, tenant_id: otherTenantId, permission: 'orders:read' },
    });
    expectProblem(elsewhere, 403, 'AUTHZ.API_KEY_TENANT');
    const [denied] = await ctx.db.query<{ actor_type: string; actor_id: string; data: Record<string, unknown> }>(
      `SELECT actor_type, actor_id, data FROM kernel.audit_log WHERE action = 'authz.denied' AND resource_id = $1 ORDER BY id DESC LIMIT 1`,
      [key.id],
    );
    expect(denied).toMatchObject({ actor_type: 'service', actor_id: orders.id, data: { tenant_id: otherTenantId } });

    // Who administers the platform is not the service's business (the user may ask about themselves).
    const platform = await service.verify(operator.accessToken).then(({ sub }) =>
      internal(l, 'POST', '/internal/v1/authz/check', {
        key: key.secret,
        payload: { user_id: sub, tenant_id: tenantId, permission: 'platform:users.read' },
      }),
    );
    const problem = expectProblem(platform, 400, 'KERNEL.VALIDATION_FAILED');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'permission', rule: 'tenantPermission' })]);

    // The key holds authz:check only: reading members is refused.
    const members = await internal(l, 'GET', `/internal/v1/tenants/${tenantId}/members`, { key: key.secret });
    expectProblem(members, 403, 'AUTHZ.API_KEY_SCOPE');
  });

  it('a suspended member is refused by both, the service hearing why (the member only that the tenant is not theirs)', async () => {
    const suspended = await ctx.t.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenantId}/members/${clerk.userId}`,
      headers: { authorization: `Bearer ${owner.accessToken}` },
      payload: { status: 'suspended' },
    });
    expect({ status: suspended.statusCode, body: suspended.body }).toEqual({ status: 200, body: expect.any(String) });
    await eventually(async () => !(await service.decide(clerk.accessToken, tenantId, 'orders:refund')).allowed, 10_000, 'the suspension');
    expect(await service.decide(clerk.accessToken, tenantId, 'orders:refund')).toEqual({
      allowed: false,
      reason: 'membership_suspended',
    });
    const res = await call(l.publicUrl, {
      method: 'POST',
      url: `/v1/tenants/${tenantId}/authz/check`,
      headers: { authorization: `Bearer ${clerk.accessToken}` },
      payload: { permission: 'orders:refund' },
    });
    expectProblem(res, 404, 'TENANCY.NOT_FOUND');
  });
});
