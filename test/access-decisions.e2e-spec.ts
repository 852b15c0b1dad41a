import type { LightMyRequestResponse } from 'fastify';
import { del, get, post, signIn, signUp, uniqueEmail, type SignedIn } from './support/account';
import { addMember, createTenant, makeOperator, patch, put, tenantToken } from './support/tenancy';
import { eventually, startTestApp, useTestApp, type TestApp } from './support/test-app';
import { expectProblem } from './support/problems';
import { waitForSubscription } from './support/subscription';

// The decision point: POST T/authz/check, tenant-scoped tokens (tid, scp), audited denials, cache
// invalidation across processes, and platform operators.

const VIEWER = ['members:read', 'roles:read', 'tenants:read'];
const EDITOR = ['members:invite', 'members:read', 'roles:read', 'tenants:read'];
const ADMIN = [
  'audit:read',
  'members:invite',
  'members:manage',
  'members:read',
  'profile:read',
  'roles:assign',
  'roles:manage',
  'roles:read',
  'subscription:manage',
  'subscription:read',
  'tenants:manage',
  'tenants:read',
];
const PLATFORM_CHAIN = '00000000-0000-0000-0000-000000000000';
const NOBODY = '0190a4d6-0000-7000-8000-0000000000ff';

interface Problem {
  status: number;
  code: string;
  request_id: string;
  errors?: { path: string; message: string; rule: string }[];
  [extension: string]: unknown;
}

function expectInvalid(res: LightMyRequestResponse, ...paths: string[]): Problem {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect(body.errors).toEqual(expect.arrayContaining(paths.map((path) => expect.objectContaining({ path }))));
  return body;
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('access: the decision point', () => {
  const ctx = useTestApp();
  let operator: SignedIn; // the first platform operator, never revoked
  let owner: SignedIn;
  let admin: SignedIn;
  let editor: SignedIn;
  let viewer: SignedIn;
  let outsider: SignedIn;
  let tenant: string;
  let T: string;

  const check = (body: unknown, token: string, url = `${T}/authz/check`) => post(ctx.t, url, body, token);
  const decision = async (body: unknown, token: string, url?: string) => {
    const res = await check(body, token, url);
    expect(res.statusCode).toBe(200);
    return res.json<{ allowed: boolean; reason: string }>();
  };
  const deniedRows = (requestId: string) =>
    ctx.db.query<{
      chain_id: string;
      tenant_id: string | null;
      actor_type: string;
      actor_id: string;
      outcome: string;
      resource_type: string | null;
      resource_id: string | null;
      data: Record<string, unknown>;
    }>(
      `SELECT chain_id, tenant_id, actor_type, actor_id, outcome, resource_type, resource_id, data
         FROM kernel.audit_log WHERE action = 'authz.denied' AND request_id = $1`,
      [requestId],
    );
  const setStatus = (tenantId: string, user: SignedIn, status: 'active' | 'suspended', by = owner) =>
    patch(ctx.t, `/v1/tenants/${tenantId}/members/${user.userId}`, { status }, by.accessToken);
  const setRoles = (tenantId: string, user: SignedIn, roles: string[], by = owner) =>
    put(ctx.t, `/v1/tenants/${tenantId}/members/${user.userId}/roles`, { roles }, by.accessToken);

  beforeAll(async () => {
    // Operators are made before their first request: platform roles written behind the
    // application's back (as `cli bootstrap-admin` does) are not in any cache yet.
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    owner = await signUp(ctx.t, ctx.db);
    tenant = await createTenant(ctx.t, owner, 'Decisions');
    await waitForSubscription(ctx.db, tenant); // its trial's plan is in tenant tokens
    T = `/v1/tenants/${tenant}`;
    admin = await addMember(ctx.t, ctx.db, tenant, owner, ['admin']);
    editor = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
    viewer = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
    outsider = await signUp(ctx.t, ctx.db);
  });

  describe('POST T/authz/check', () => {
    it('for yourself: allowed with the role that grants it, denied with missing_permission', async () => {
      expect(await decision({ permission: 'members:read' }, viewer.accessToken)).toEqual({ allowed: true, reason: 'role:viewer' });
      expect(await decision({ permission: 'members:invite' }, viewer.accessToken)).toEqual({
        allowed: false,
        reason: 'missing_permission',
      });
      expect(await decision({ permission: 'members:invite' }, editor.accessToken)).toEqual({ allowed: true, reason: 'role:editor' });
      expect(await decision({ permission: 'members:manage' }, editor.accessToken)).toEqual({
        allowed: false,
        reason: 'missing_permission',
      });
      expect(await decision({ permission: 'audit:read' }, admin.accessToken)).toEqual({ allowed: true, reason: 'role:admin' });
      expect(await decision({ permission: 'tenants:delete' }, admin.accessToken)).toEqual({ allowed: false, reason: 'missing_permission' });
      expect(await decision({ permission: 'tenants:delete' }, owner.accessToken)).toEqual({ allowed: true, reason: 'role:owner' });
      // Naming yourself is the same as naming nobody, and needs no members:read.
      expect(await decision({ permission: 'members:read', user_id: viewer.userId.toUpperCase() }, viewer.accessToken)).toEqual({
        allowed: true,
        reason: 'role:viewer',
      });
    });

    it('a custom role is named as the reason', async () => {
      const created = await post(
        ctx.t,
        `${T}/roles`,
        { key: 'trail-reader', name: 'Trail reader', permissions: ['tenants:read', 'audit:read'] },
        owner.accessToken,
      );
      expect(created.statusCode).toBe(201);
      const reader = await addMember(ctx.t, ctx.db, tenant, owner, ['trail-reader']);
      expect(await decision({ permission: 'audit:read' }, reader.accessToken)).toEqual({ allowed: true, reason: 'role:trail-reader' });
      expect(await decision({ permission: 'members:read' }, reader.accessToken)).toEqual({ allowed: false, reason: 'missing_permission' });
      // Without members:read they may not ask about anyone else (403), only about themselves.
      const p = expectProblem(await check({ permission: 'audit:read', user_id: owner.userId }, reader.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect(p).toMatchObject({ reason: 'missing_permission', permission: 'members:read' });
    });

    it('any active member may ask about themselves, even one whose only role lacks tenants:read', async () => {
      const role = await post(
        ctx.t,
        `${T}/roles`,
        { key: 'audit-only', name: 'Audit only', permissions: ['audit:read'] },
        owner.accessToken,
      );
      expect(role.statusCode).toBe(201);
      const member = await addMember(ctx.t, ctx.db, tenant, owner, ['audit-only']);
      expect((await get(ctx.t, `${T}/audit`, member.accessToken)).statusCode).toBe(200);
      expect(await decision({ permission: 'audit:read' }, member.accessToken)).toEqual({ allowed: true, reason: 'role:audit-only' });
      expect(await decision({ permission: 'tenants:read' }, member.accessToken)).toEqual({ allowed: false, reason: 'missing_permission' });
    });

    it('for another user with members:read (a viewer has it): their decision, not yours', async () => {
      expect(await decision({ permission: 'members:manage', user_id: admin.userId }, viewer.accessToken)).toEqual({
        allowed: true,
        reason: 'role:admin',
      });
      expect(await decision({ permission: 'members:manage', user_id: editor.userId }, viewer.accessToken)).toEqual({
        allowed: false,
        reason: 'missing_permission',
      });
      expect(await decision({ permission: 'tenants:read', user_id: outsider.userId }, viewer.accessToken)).toEqual({
        allowed: false,
        reason: 'not_a_member',
      });
      expect(await decision({ permission: 'tenants:read', user_id: NOBODY }, viewer.accessToken)).toEqual({
        allowed: false,
        reason: 'not_a_member',
      });
      const suspended = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
      expect((await setStatus(tenant, suspended, 'suspended')).statusCode).toBe(200);
      expect(await decision({ permission: 'tenants:read', user_id: suspended.userId }, viewer.accessToken)).toEqual({
        allowed: false,
        reason: 'membership_suspended',
      });
      // An operator who is not a member passes everywhere.
      expect(await decision({ permission: 'tenants:delete', user_id: operator.userId }, viewer.accessToken)).toEqual({
        allowed: true,
        reason: 'platform_operator',
      });
    });

    it('unknown permissions and platform permissions are refused, not errors', async () => {
      expect(await decision({ permission: 'widgets:read' }, owner.accessToken)).toEqual({ allowed: false, reason: 'unknown_permission' });
      expect(await decision({ permission: 'widgets:read', user_id: admin.userId }, viewer.accessToken)).toEqual({
        allowed: false,
        reason: 'unknown_permission',
      });
      expect(await decision({ permission: 'platform:users.read' }, owner.accessToken)).toEqual({
        allowed: false,
        reason: 'not_platform_operator',
      });
    });

    it('owner protection: a non-owner acting on an owner is refused (owner_protected); on others, or as owner, allowed', async () => {
      const onOwner = { permission: 'members:manage', resource: { type: 'user', id: owner.userId } };
      expect(await decision(onOwner, admin.accessToken)).toEqual({ allowed: false, reason: 'owner_protected' });
      expect(await decision({ ...onOwner, user_id: admin.userId }, viewer.accessToken)).toEqual({
        allowed: false,
        reason: 'owner_protected',
      });
      expect(await decision({ permission: 'members:manage', resource: { type: 'user', id: viewer.userId } }, admin.accessToken)).toEqual({
        allowed: true,
        reason: 'role:admin',
      });
      expect(await decision({ permission: 'members:manage', resource: { type: 'user', id: admin.userId } }, admin.accessToken)).toEqual({
        allowed: true,
        reason: 'role:admin',
      });
      const coOwner = await addMember(ctx.t, ctx.db, tenant, owner, ['owner']);
      expect(await decision(onOwner, coOwner.accessToken)).toEqual({ allowed: true, reason: 'role:owner' });
      // The permission is still needed first.
      expect(await decision({ permission: 'members:manage', resource: { type: 'user', id: viewer.userId } }, editor.accessToken)).toEqual({
        allowed: false,
        reason: 'missing_permission',
      });
    });

    it('bad bodies → 400 KERNEL.VALIDATION_FAILED', async () => {
      expectInvalid(await check({}, viewer.accessToken), 'permission');
      expectInvalid(await check({ permission: 'nocolon' }, viewer.accessToken), 'permission');
      expectInvalid(await check({ permission: 42 }, viewer.accessToken), 'permission');
      expectInvalid(await check({ permission: 'members:read', user_id: 'someone' }, viewer.accessToken), 'user_id');
      expectInvalid(
        await check({ permission: 'members:read', resource: { type: 'group', id: owner.userId } }, viewer.accessToken),
        'resource.type',
      );
      expectInvalid(await check({ permission: 'members:read', resource: { type: 'user', id: 'x' } }, viewer.accessToken), 'resource.id');
      expectInvalid(await check({ permission: 'members:read', tenant_id: tenant }, viewer.accessToken), 'tenant_id');
    });

    it('non-members and suspended members → 404 TENANCY.NOT_FOUND; anonymous → 401; operators are not members but pass', async () => {
      expectProblem(await check({ permission: 'tenants:read' }, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(
        await check({ permission: 'tenants:read' }, outsider.accessToken, `/v1/tenants/${NOBODY}/authz/check`),
        404,
        'TENANCY.NOT_FOUND',
      );
      expectProblem(await post(ctx.t, `${T}/authz/check`, { permission: 'tenants:read' }), 401, 'AUTH.UNAUTHENTICATED');
      const gone = await addMember(ctx.t, ctx.db, tenant, owner);
      expect(await decision({ permission: 'tenants:read' }, gone.accessToken)).toEqual({ allowed: true, reason: 'role:viewer' });
      expect((await setStatus(tenant, gone, 'suspended')).statusCode).toBe(200);
      expectProblem(await check({ permission: 'tenants:read' }, gone.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect(await decision({ permission: 'tenants:delete' }, operator.accessToken)).toEqual({
        allowed: true,
        reason: 'platform_operator',
      });
    });
  });

  describe('tenant-scoped tokens', () => {
    it('POST /v1/auth/token: tid, roles, scp (effective permissions), plan (the tenant’s trial), in the same session', async () => {
      const res = await post(ctx.t, '/v1/auth/token', { tenant_id: tenant.toUpperCase() }, editor.accessToken);
      expect(res.statusCode).toBe(200);
      const body = res.json<{ access_token: string; expires_in: number }>();
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: expect.any(Number),
        tenant_id: tenant,
        roles: ['editor'],
        scope: EDITOR,
      });
      expect(body.expires_in).toBeGreaterThan(0);
      const plain = claimsOf(editor.accessToken);
      const claims = claimsOf(body.access_token);
      expect(claims).toMatchObject({ sub: editor.userId, sid: plain.sid, tid: tenant, roles: ['editor'], scp: EDITOR, plan: 'pro' });
      expect(plain.tid).toBeUndefined();
      expect(claims.exp as number).toBe((claims.iat as number) + body.expires_in);
      // It works on its own tenant, as far as its permissions go.
      expect((await get(ctx.t, T, body.access_token)).statusCode).toBe(200);
      expect((await get(ctx.t, `${T}/invitations`, body.access_token)).statusCode).toBe(200);
      expect(await decision({ permission: 'members:invite' }, body.access_token)).toEqual({ allowed: true, reason: 'role:editor' });
      expectProblem(await get(ctx.t, `${T}/audit`, body.access_token), 403, 'AUTHZ.FORBIDDEN');
    });

    it('login with tenant_id issues the tenant token in one step; a tenant you are not in → 404', async () => {
      const res = await post(ctx.t, '/v1/auth/login', { email: admin.email, password: admin.password, tenant_id: tenant });
      expect(res.statusCode).toBe(200);
      expect(claimsOf(res.json<{ access_token: string }>().access_token)).toMatchObject({ tid: tenant, roles: ['admin'], scp: ADMIN });
      const refused = await post(ctx.t, '/v1/auth/login', { email: outsider.email, password: outsider.password, tenant_id: tenant });
      expectProblem(refused, 404, 'TENANCY.NOT_FOUND');
    });

    it('refused: non-member, unknown tenant, suspended member → 404; bad body → 400; anonymous → 401', async () => {
      expectProblem(await post(ctx.t, '/v1/auth/token', { tenant_id: tenant }, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(ctx.t, '/v1/auth/token', { tenant_id: NOBODY }, owner.accessToken), 404, 'TENANCY.NOT_FOUND');
      const suspended = await addMember(ctx.t, ctx.db, tenant, owner);
      expect((await setStatus(tenant, suspended, 'suspended')).statusCode).toBe(200);
      expectProblem(await post(ctx.t, '/v1/auth/token', { tenant_id: tenant }, suspended.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectInvalid(await post(ctx.t, '/v1/auth/token', {}, owner.accessToken), 'tenant_id');
      expectInvalid(await post(ctx.t, '/v1/auth/token', { tenant_id: 'acme' }, owner.accessToken), 'tenant_id');
      expectProblem(await post(ctx.t, '/v1/auth/token', { tenant_id: tenant }), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('a token for tenant A in tenant B: 403 AUTHZ.TENANT_MISMATCH when a member of B, 404 when not', async () => {
      const other = await createTenant(ctx.t, owner, 'Other');
      const third = await createTenant(ctx.t, outsider, 'Third');
      const tokenA = await tenantToken(ctx.t, owner, tenant);
      expect((await get(ctx.t, T, tokenA)).statusCode).toBe(200);
      const p = expectProblem(await get(ctx.t, `/v1/tenants/${other}`, tokenA), 403, 'AUTHZ.TENANT_MISMATCH');
      expect(p.reason).toBe('token_tenant_mismatch');
      expectProblem(
        await post(ctx.t, `/v1/tenants/${other}/authz/check`, { permission: 'tenants:read' }, tokenA),
        403,
        'AUTHZ.TENANT_MISMATCH',
      );
      expectProblem(await get(ctx.t, `/v1/tenants/${third}`, tokenA), 404, 'TENANCY.NOT_FOUND');
      // The account-wide token reaches both of the owner's tenants.
      expect((await get(ctx.t, `/v1/tenants/${other}`, owner.accessToken)).statusCode).toBe(200);
      expect((await get(ctx.t, T, owner.accessToken)).statusCode).toBe(200);
    });

    it("an operator's tenant token passes in a tenant the operator is not a member of", async () => {
      const own = await createTenant(ctx.t, operator, 'Operations');
      const token = await tenantToken(ctx.t, operator, own);
      expect(claimsOf(token)).toMatchObject({ tid: own, roles: ['owner'] });
      expect((await get(ctx.t, T, token)).statusCode).toBe(200);
      expect((await get(ctx.t, `${T}/audit`, token)).statusCode).toBe(200);
      expect(await decision({ permission: 'tenants:delete' }, token)).toEqual({ allowed: true, reason: 'platform_operator' });
    });

    it('scope: a permission gained after issue is denied to the old token (token_scope), a new token has it', async () => {
      const member = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
      const oldToken = await tenantToken(ctx.t, member, tenant);
      expect(claimsOf(oldToken).scp).toEqual(VIEWER);
      expect((await setRoles(tenant, member, ['admin'])).statusCode).toBe(200);
      const p = expectProblem(await get(ctx.t, `${T}/audit`, oldToken), 403, 'AUTHZ.FORBIDDEN');
      expect(p).toMatchObject({ reason: 'token_scope', permission: 'audit:read' });
      expect(await decision({ permission: 'audit:read' }, oldToken)).toEqual({ allowed: false, reason: 'token_scope' });
      // What it had still works; the account-wide token follows the roles.
      expect((await get(ctx.t, `${T}/members`, oldToken)).statusCode).toBe(200);
      expect((await get(ctx.t, `${T}/audit`, member.accessToken)).statusCode).toBe(200);
      const newToken = await tenantToken(ctx.t, member, tenant);
      expect(claimsOf(newToken).scp).toEqual(ADMIN);
      expect((await get(ctx.t, `${T}/audit`, newToken)).statusCode).toBe(200);

      // Demotion applies at once, even to the admin token.
      expect((await setRoles(tenant, member, ['viewer'])).statusCode).toBe(200);
      const q = expectProblem(await get(ctx.t, `${T}/audit`, newToken), 403, 'AUTHZ.FORBIDDEN');
      expect(q).toMatchObject({ reason: 'missing_permission', permission: 'audit:read' });
      expect(await decision({ permission: 'audit:read' }, newToken)).toEqual({ allowed: false, reason: 'missing_permission' });
      expect((await get(ctx.t, T, newToken)).statusCode).toBe(200);
    });

    it('a suspended membership stops the token on the next request; reactivation restores it', async () => {
      const member = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
      const token = await tenantToken(ctx.t, member, tenant);
      expect((await get(ctx.t, T, token)).statusCode).toBe(200);
      expect((await setStatus(tenant, member, 'suspended')).statusCode).toBe(200);
      expectProblem(await get(ctx.t, T, token), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(ctx.t, T, member.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect((await setStatus(tenant, member, 'active')).statusCode).toBe(200);
      expect((await get(ctx.t, T, token)).statusCode).toBe(200);
    });

    it('a suspended tenant stops tokens (403 TENANCY.TENANT_SUSPENDED) and issuing them; reactivation restores', async () => {
      const tOwner = await signUp(ctx.t, ctx.db);
      const susp = await createTenant(ctx.t, tOwner, 'Soon suspended');
      const S = `/v1/tenants/${susp}`;
      const token = await tenantToken(ctx.t, tOwner, susp);
      expect((await get(ctx.t, S, token)).statusCode).toBe(200);
      const suspended = await post(ctx.t, `/v1/admin/tenants/${susp}/suspend`, { reason: 'unpaid' }, operator.accessToken);
      expect(suspended.statusCode).toBe(200);
      expect(suspended.json()).toMatchObject({ id: susp, status: 'suspended' });
      expectProblem(await get(ctx.t, S, token), 403, 'TENANCY.TENANT_SUSPENDED');
      expectProblem(await get(ctx.t, `${S}/members`, tOwner.accessToken), 403, 'TENANCY.TENANT_SUSPENDED');
      expectProblem(await post(ctx.t, '/v1/auth/token', { tenant_id: susp }, tOwner.accessToken), 403, 'TENANCY.TENANT_SUSPENDED');
      // Operators still act in it.
      expect((await get(ctx.t, S, operator.accessToken)).statusCode).toBe(200);
      expect((await post(ctx.t, `/v1/admin/tenants/${susp}/reactivate`, {}, operator.accessToken)).statusCode).toBe(200);
      expect((await get(ctx.t, S, token)).statusCode).toBe(200);
    });

    it('a removed member: the token stops on the next request, and no new one is issued', async () => {
      const member = await addMember(ctx.t, ctx.db, tenant, owner, ['admin']);
      const token = await tenantToken(ctx.t, member, tenant);
      expect((await get(ctx.t, `${T}/members`, token)).statusCode).toBe(200);
      expect((await del(ctx.t, `${T}/members/${member.userId}`, owner.accessToken)).statusCode).toBe(204);
      expectProblem(await get(ctx.t, `${T}/members`, token), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(ctx.t, '/v1/auth/token', { tenant_id: tenant }, member.accessToken), 404, 'TENANCY.NOT_FOUND');
    });
  });

  describe('denials are audited', () => {
    it('a member’s denial: authz.denied in the tenant chain with permission and reason', async () => {
      const p = expectProblem(await get(ctx.t, `${T}/audit`, viewer.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect(await deniedRows(p.request_id)).toEqual([
        {
          chain_id: tenant,
          tenant_id: tenant,
          actor_type: 'user',
          actor_id: viewer.userId,
          outcome: 'denied',
          resource_type: 'tenant',
          resource_id: tenant,
          data: { permission: 'audit:read', reason: 'missing_permission' },
        },
      ]);
      // Admins see it in the tenant's trail.
      const trail = await get(ctx.t, `${T}/audit?action=authz.denied&actor_id=${viewer.userId}`, admin.accessToken);
      expect(trail.statusCode).toBe(200);
      expect(trail.json<{ items: { action: string; outcome: string }[] }>().items[0]).toMatchObject({
        action: 'authz.denied',
        outcome: 'denied',
      });
    });

    it('owner protection and token mismatches are audited with their reasons (tenant chain)', async () => {
      const p = expectProblem(
        await patch(ctx.t, `${T}/members/${owner.userId}`, { status: 'suspended' }, admin.accessToken),
        403,
        'AUTHZ.FORBIDDEN',
      );
      expect(p.reason).toBe('owner_protected');
      expect(await deniedRows(p.request_id)).toEqual([
        expect.objectContaining({
          tenant_id: tenant,
          actor_id: admin.userId,
          resource_type: 'user',
          resource_id: owner.userId,
          data: { permission: 'members:manage', reason: 'owner_protected' },
        }),
      ]);
      const other = await createTenant(ctx.t, owner, 'Mismatch');
      const q = expectProblem(
        await get(ctx.t, `/v1/tenants/${other}`, await tenantToken(ctx.t, owner, tenant)),
        403,
        'AUTHZ.TENANT_MISMATCH',
      );
      expect(await deniedRows(q.request_id)).toEqual([
        expect.objectContaining({ tenant_id: other, data: { permission: 'tenants:read', reason: 'token_tenant_mismatch' } }),
      ]);
    });

    it('a suspended member’s denial stays in the tenant chain (membership_suspended)', async () => {
      const member = await addMember(ctx.t, ctx.db, tenant, owner);
      expect((await setStatus(tenant, member, 'suspended')).statusCode).toBe(200);
      const p = expectProblem(await get(ctx.t, `${T}/members`, member.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect(await deniedRows(p.request_id)).toEqual([
        expect.objectContaining({
          chain_id: tenant,
          tenant_id: tenant,
          actor_id: member.userId,
          data: { permission: 'members:read', reason: 'membership_suspended' },
        }),
      ]);
    });

    it('a non-member’s denial: the platform chain (tenant_id NULL) with data.tenant_id', async () => {
      const p = expectProblem(await get(ctx.t, `${T}/members`, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect(await deniedRows(p.request_id)).toEqual([
        {
          chain_id: PLATFORM_CHAIN,
          tenant_id: null,
          actor_type: 'user',
          actor_id: outsider.userId,
          outcome: 'denied',
          resource_type: 'tenant',
          resource_id: tenant,
          data: { permission: 'members:read', reason: 'not_a_member', tenant_id: tenant },
        },
      ]);
      const q = expectProblem(await get(ctx.t, `/v1/tenants/${NOBODY}`, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect(await deniedRows(q.request_id)).toEqual([
        expect.objectContaining({
          tenant_id: null,
          data: { permission: 'tenants:read', reason: 'tenant_not_found', tenant_id: NOBODY },
        }),
      ]);
      // Not in the tenant's own trail.
      const trail = await get(ctx.t, `${T}/audit?action=authz.denied&actor_id=${outsider.userId}`, owner.accessToken);
      expect(trail.json<{ items: unknown[] }>().items).toEqual([]);
    });

    it('platform routes: a non-operator’s denial in the platform chain (not_platform_operator)', async () => {
      const p = expectProblem(await get(ctx.t, '/v1/admin/users', owner.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect(p).toMatchObject({ reason: 'not_platform_operator', permission: 'platform:users.read' });
      expect(await deniedRows(p.request_id)).toEqual([
        expect.objectContaining({
          chain_id: PLATFORM_CHAIN,
          tenant_id: null,
          actor_id: owner.userId,
          outcome: 'denied',
          data: { permission: 'platform:users.read', reason: 'not_platform_operator', tenant_id: null },
        }),
      ]);
    });

    it('allowed requests write no denial', async () => {
      const res = await get(ctx.t, `${T}/audit`, admin.accessToken);
      expect(res.statusCode).toBe(200);
      expect(await deniedRows(res.headers['x-request-id'] as string)).toEqual([]);
      const [{ n }] = await ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM kernel.audit_log WHERE action = 'authz.denied' AND actor_id = $1`,
        [admin.userId],
      );
      const before = n;
      expect((await get(ctx.t, `${T}/members`, admin.accessToken)).statusCode).toBe(200);
      const [{ n: after }] = await ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM kernel.audit_log WHERE action = 'authz.denied' AND actor_id = $1`,
        [admin.userId],
      );
      expect(after).toBe(before);
    });
  });

  describe('across processes (a second application on the same database)', () => {
    let t2: TestApp;
    beforeAll(async () => {
      t2 = await startTestApp(ctx.db);
    });
    afterAll(async () => {
      await t2?.close();
    });

    /** Waits until `probe` on app 2 gives `status`; the wait must stay under 5 s. */
    async function app2Reaches(status: number, probe: () => Promise<LightMyRequestResponse>, label: string): Promise<void> {
      const started = Date.now();
      await eventually(async () => (await probe()).statusCode === status, 5_000, label);
      expect(Date.now() - started).toBeLessThan(5_000);
    }

    it('app 2 really caches decisions: a change written behind both apps’ backs (no signal) is not seen', async () => {
      // Without this, the tests below could pass on an app that never caches.
      const member = await addMember(ctx.t, ctx.db, tenant, owner);
      expect((await get(t2, T, member.accessToken)).statusCode).toBe(200);
      await ctx.db.query(`UPDATE tenancy.memberships SET status = 'suspended' WHERE tenant_id = $1 AND user_id = $2`, [
        tenant,
        member.userId,
      ]);
      try {
        await new Promise((r) => setTimeout(r, 300));
        expect((await get(t2, T, member.accessToken)).statusCode).toBe(200);
      } finally {
        await ctx.db.query(`UPDATE tenancy.memberships SET status = 'active' WHERE tenant_id = $1 AND user_id = $2`, [
          tenant,
          member.userId,
        ]);
      }
    });

    it('a member suspended on app 1 is refused on app 2 within seconds', async () => {
      const member = await addMember(ctx.t, ctx.db, tenant, owner);
      expect((await get(t2, T, member.accessToken)).statusCode).toBe(200); // app 2's cache is warm
      expect((await get(t2, T, member.accessToken)).statusCode).toBe(200);
      expect((await setStatus(tenant, member, 'suspended')).statusCode).toBe(200);
      expect((await get(ctx.t, T, member.accessToken)).statusCode).toBe(404); // app 1: at once
      await app2Reaches(404, () => get(t2, T, member.accessToken), 'app 2 refuses the suspended member');
      expectProblem(await get(t2, T, member.accessToken), 404, 'TENANCY.NOT_FOUND');
    });

    it('a demotion on app 1 applies on app 2; a promotion on app 1 too', async () => {
      const member = await addMember(ctx.t, ctx.db, tenant, owner, ['admin']);
      expect((await get(t2, `${T}/audit`, member.accessToken)).statusCode).toBe(200);
      expect((await setRoles(tenant, member, ['viewer'])).statusCode).toBe(200);
      await app2Reaches(403, () => get(t2, `${T}/audit`, member.accessToken), 'app 2 refuses the demoted member');
      // The reverse: app 2 has the refusal cached; a grant on app 1 lifts it.
      expect((await get(t2, `${T}/audit`, member.accessToken)).statusCode).toBe(403);
      expect((await setRoles(tenant, member, ['admin'])).statusCode).toBe(200);
      await app2Reaches(200, () => get(t2, `${T}/audit`, member.accessToken), 'app 2 allows the promoted member');
    });

    it('a permission removed from (and added to) a custom role on app 1 applies on app 2', async () => {
      const role = await post(
        ctx.t,
        `${T}/roles`,
        { key: 'xp-auditor', name: 'Cross-process auditor', permissions: ['tenants:read', 'audit:read'] },
        owner.accessToken,
      );
      expect(role.statusCode).toBe(201);
      const member = await addMember(ctx.t, ctx.db, tenant, owner, ['xp-auditor']);
      expect((await get(t2, `${T}/audit`, member.accessToken)).statusCode).toBe(200);
      expect((await patch(ctx.t, `${T}/roles/xp-auditor`, { permissions: ['tenants:read'] }, owner.accessToken)).statusCode).toBe(200);
      await app2Reaches(403, () => get(t2, `${T}/audit`, member.accessToken), 'app 2 applies the removed permission');
      expect(
        (await patch(ctx.t, `${T}/roles/xp-auditor`, { permissions: ['tenants:read', 'audit:read'] }, owner.accessToken)).statusCode,
      ).toBe(200);
      await app2Reaches(200, () => get(t2, `${T}/audit`, member.accessToken), 'app 2 applies the added permission');
    });

    it('a tenant suspended on app 1 is refused on app 2', async () => {
      const tOwner = await signUp(ctx.t, ctx.db);
      const susp = await createTenant(ctx.t, tOwner, 'Cross suspended');
      expect((await get(t2, `/v1/tenants/${susp}`, tOwner.accessToken)).statusCode).toBe(200);
      expect((await post(ctx.t, `/v1/admin/tenants/${susp}/suspend`, {}, operator.accessToken)).statusCode).toBe(200);
      await app2Reaches(403, () => get(t2, `/v1/tenants/${susp}`, tOwner.accessToken), 'app 2 refuses the suspended tenant');
    });

    it('an operator granted on app 1 passes on app 2; revoked on app 1, refused on app 2', async () => {
      const candidate = await signUp(ctx.t, ctx.db);
      expect((await get(t2, T, candidate.accessToken)).statusCode).toBe(404); // app 2 caches "no platform role"
      expect((await post(ctx.t, '/v1/admin/operators', { user_id: candidate.userId }, operator.accessToken)).statusCode).toBe(201);
      await app2Reaches(200, () => get(t2, T, candidate.accessToken), 'app 2 lets the new operator in');
      expect((await del(ctx.t, `/v1/admin/operators/${candidate.userId}`, operator.accessToken)).statusCode).toBe(204);
      await app2Reaches(404, () => get(t2, T, candidate.accessToken), 'app 2 stops the revoked operator');
    });
  });

  describe('platform operators', () => {
    it('non-operators get 403 on platform routes (tenant owners included), anonymous 401; nothing changes', async () => {
      const target = await signUp(ctx.t, ctx.db);
      for (const who of [owner, outsider]) {
        for (const res of [
          await get(ctx.t, '/v1/admin/users', who.accessToken),
          await get(ctx.t, `/v1/admin/users?query=${encodeURIComponent(target.email)}`, who.accessToken),
          await post(ctx.t, `/v1/admin/users/${target.userId}/suspend`, {}, who.accessToken),
          await post(ctx.t, `/v1/admin/users/${target.userId}/reactivate`, {}, who.accessToken),
          await get(ctx.t, '/v1/admin/operators', who.accessToken),
          await post(ctx.t, '/v1/admin/operators', { user_id: who.userId }, who.accessToken),
          await del(ctx.t, `/v1/admin/operators/${operator.userId}`, who.accessToken),
          await get(ctx.t, '/v1/admin/tenants', who.accessToken),
        ]) {
          expect(expectProblem(res, 403, 'AUTHZ.FORBIDDEN').reason).toBe('not_platform_operator');
        }
      }
      expectProblem(await get(ctx.t, '/v1/admin/users'), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await get(ctx.t, '/v1/admin/operators'), 401, 'AUTH.UNAUTHENTICATED');
      const ops = await ctx.db.query<{ user_id: string }>(`SELECT user_id FROM access.platform_roles WHERE user_id IN ($1, $2)`, [
        owner.userId,
        outsider.userId,
      ]);
      expect(ops).toEqual([]);
      expect((await get(ctx.t, '/v1/me', target.accessToken)).statusCode).toBe(200);
    });

    it('an operator searches users by email prefix and by id', async () => {
      const stem = `finder${Date.now()}`;
      const a = await signUp(ctx.t, ctx.db, { email: `${stem}.a@example.com` });
      const b = await signUp(ctx.t, ctx.db, { email: `${stem}.b@example.com` });
      const byPrefix = await get(ctx.t, `/v1/admin/users?query=${stem.toUpperCase()}`, operator.accessToken);
      expect(byPrefix.statusCode).toBe(200);
      expect(byPrefix.json()).toEqual({
        items: [
          {
            id: a.userId,
            email: a.email,
            email_verified: true,
            status: 'active',
            display_name: null,
            created_at: expect.any(String),
          },
          expect.objectContaining({ id: b.userId, email: b.email }),
        ],
        next_cursor: null,
      });
      const paged = await get(ctx.t, `/v1/admin/users?query=${stem}&limit=1`, operator.accessToken);
      expect(paged.json<{ items: { id: string }[] }>().items.map((u) => u.id)).toEqual([a.userId]);
      const cursor = paged.json<{ next_cursor: string }>().next_cursor;
      expect(cursor).toEqual(expect.any(String));
      const page2 = await get(ctx.t, `/v1/admin/users?query=${stem}&limit=1&cursor=${encodeURIComponent(cursor)}`, operator.accessToken);
      expect(page2.json<{ items: { id: string }[] }>().items.map((u) => u.id)).toEqual([b.userId]);
      const byId = await get(ctx.t, `/v1/admin/users?query=${b.userId}`, operator.accessToken);
      expect(byId.json<{ items: { id: string }[] }>().items.map((u) => u.id)).toEqual([b.userId]);
      expect((await get(ctx.t, `/v1/admin/users?query=${stem}.zzz`, operator.accessToken)).json()).toEqual({
        items: [],
        next_cursor: null,
      });
      // LIKE metacharacters are literal.
      expect((await get(ctx.t, `/v1/admin/users?query=${encodeURIComponent('%')}`, operator.accessToken)).json()).toEqual({
        items: [],
        next_cursor: null,
      });
      expectInvalid(await get(ctx.t, `/v1/admin/users?query=${'q'.repeat(255)}`, operator.accessToken), 'query');
      expectInvalid(await get(ctx.t, `/v1/admin/users?limit=0`, operator.accessToken), 'limit');
    });

    it('suspends a user (tokens 401, login 403 AUTH.ACCOUNT_SUSPENDED) and reactivates them', async () => {
      const victim = await signUp(ctx.t, ctx.db);
      expect((await get(ctx.t, '/v1/me', victim.accessToken)).statusCode).toBe(200);
      expectInvalid(await post(ctx.t, `/v1/admin/users/${victim.userId}/suspend`, { reason: '' }, operator.accessToken), 'reason');
      expectInvalid(await post(ctx.t, `/v1/admin/users/not-a-uuid/suspend`, {}, operator.accessToken));
      expect((await get(ctx.t, '/v1/me', victim.accessToken)).statusCode).toBe(200); // the refusals changed nothing

      const res = await post(ctx.t, `/v1/admin/users/${victim.userId}/suspend`, { reason: 'abuse' }, operator.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: victim.userId, email: victim.email, status: 'suspended' });
      expect((await get(ctx.t, '/v1/me', victim.accessToken)).statusCode).toBe(401);
      expect((await post(ctx.t, '/v1/auth/refresh', { refresh_token: victim.refreshToken })).statusCode).toBe(401);
      expectProblem(await post(ctx.t, '/v1/auth/login', { email: victim.email, password: victim.password }), 403, 'AUTH.ACCOUNT_SUSPENDED');
      expectProblem(
        await post(ctx.t, `/v1/admin/users/${victim.userId}/suspend`, {}, operator.accessToken),
        409,
        'ACCOUNT.INVALID_TRANSITION',
      );
      const [audit] = await ctx.db.query<{ actor_id: string; data: Record<string, unknown> }>(
        `SELECT actor_id, data FROM kernel.audit_log WHERE action = 'account.status.suspend' AND resource_id = $1`,
        [victim.userId],
      );
      expect(audit).toMatchObject({ actor_id: operator.userId, data: { reason: 'abuse', to: 'suspended' } });

      const back = await post(ctx.t, `/v1/admin/users/${victim.userId}/reactivate`, {}, operator.accessToken);
      expect(back.statusCode).toBe(200);
      expect(back.json()).toMatchObject({ id: victim.userId, status: 'active' });
      const again = await signIn(ctx.t, victim.email, victim.password);
      expect((await get(ctx.t, '/v1/me', again.accessToken)).statusCode).toBe(200);
      // The tokens of before the suspension stay dead.
      expect((await get(ctx.t, '/v1/me', victim.accessToken)).statusCode).toBe(401);
      expectProblem(
        await post(ctx.t, `/v1/admin/users/${victim.userId}/reactivate`, {}, operator.accessToken),
        409,
        'ACCOUNT.INVALID_TRANSITION',
      );
      expectProblem(await post(ctx.t, `/v1/admin/users/${NOBODY}/suspend`, {}, operator.accessToken), 404, 'ACCOUNT.USER_NOT_FOUND');
      expectProblem(await post(ctx.t, `/v1/admin/users/${NOBODY}/reactivate`, {}, operator.accessToken), 404, 'ACCOUNT.USER_NOT_FOUND');
    });

    it('the OpenAPI document lists the problem codes these routes really return', async () => {
      const doc = (await get(ctx.t, '/openapi.json')).json<{
        paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
      }>();
      const documented = (method: string, path: string, status: number) =>
        doc.paths[path]?.[method]?.responses[String(status)]?.description ?? '';
      const observed: [string, string, number, string][] = [
        ['post', '/v1/admin/users/{id}/suspend', 409, 'ACCOUNT.INVALID_TRANSITION'],
        ['post', '/v1/admin/users/{id}/reactivate', 409, 'ACCOUNT.INVALID_TRANSITION'],
        ['post', '/v1/admin/users/{id}/suspend', 404, 'ACCOUNT.USER_NOT_FOUND'],
        ['post', '/v1/admin/users/{id}/suspend', 403, 'AUTHZ.FORBIDDEN'],
        ['post', '/v1/admin/operators', 409, 'ACCESS.ALREADY_OPERATOR'],
        ['post', '/v1/admin/operators', 404, 'ACCOUNT.USER_NOT_FOUND'],
        ['delete', '/v1/admin/operators/{user_id}', 409, 'ACCESS.LAST_OPERATOR'],
        ['delete', '/v1/admin/operators/{user_id}', 404, 'ACCESS.NOT_OPERATOR'],
        ['post', '/v1/auth/token', 403, 'TENANCY.TENANT_SUSPENDED'],
        ['post', '/v1/auth/token', 404, 'TENANCY.NOT_FOUND'],
        ['post', '/v1/tenants/{tenant_id}/authz/check', 403, 'AUTHZ.FORBIDDEN'],
        ['post', '/v1/tenants/{tenant_id}/authz/check', 403, 'AUTHZ.TENANT_MISMATCH'],
        ['post', '/v1/tenants/{tenant_id}/authz/check', 404, 'TENANCY.NOT_FOUND'],
      ];
      const missing = observed.filter(([m, p, s, code]) => !documented(m, p, s).split(', ').includes(code));
      expect(missing).toEqual([]);
    });

    it('grants, lists and revokes operators; twice → 409; unknown user → 404; bad body → 400', async () => {
      const second = await signUp(ctx.t, ctx.db);
      expectProblem(await get(ctx.t, '/v1/admin/operators', second.accessToken), 403, 'AUTHZ.FORBIDDEN');
      const granted = await post(ctx.t, '/v1/admin/operators', { user_id: second.userId.toUpperCase() }, operator.accessToken);
      expect(granted.statusCode).toBe(201);
      expect(granted.json<{ items: unknown[] }>().items).toEqual(
        expect.arrayContaining([
          { user_id: operator.userId, granted_by: null, granted_at: expect.any(String) },
          { user_id: second.userId, granted_by: operator.userId, granted_at: expect.any(String) },
        ]),
      );
      // At once: the new operator may use platform routes.
      const list = await get(ctx.t, '/v1/admin/operators', second.accessToken);
      expect(list.statusCode).toBe(200);
      expect(list.json()).toEqual(granted.json());
      expectProblem(
        await post(ctx.t, '/v1/admin/operators', { user_id: second.userId }, operator.accessToken),
        409,
        'ACCESS.ALREADY_OPERATOR',
      );
      expectProblem(await post(ctx.t, '/v1/admin/operators', { user_id: NOBODY }, operator.accessToken), 404, 'ACCOUNT.USER_NOT_FOUND');
      expectInvalid(await post(ctx.t, '/v1/admin/operators', {}, operator.accessToken), 'user_id');
      expectInvalid(await post(ctx.t, '/v1/admin/operators', { user_id: 'me' }, operator.accessToken), 'user_id');
      const rows = await ctx.db.query(`SELECT user_id FROM access.platform_roles WHERE user_id = $1`, [NOBODY]);
      expect(rows).toEqual([]);
      const [grantAudit] = await ctx.db.query(
        `SELECT tenant_id, actor_id, outcome, data FROM kernel.audit_log WHERE action = 'platform_role.granted' AND resource_id = $1`,
        [second.userId],
      );
      expect(grantAudit).toEqual({ tenant_id: null, actor_id: operator.userId, outcome: 'success', data: { role: 'platform-operator' } });

      expect((await del(ctx.t, `/v1/admin/operators/${second.userId}`, operator.accessToken)).statusCode).toBe(204);
      expectProblem(await get(ctx.t, '/v1/admin/operators', second.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect((await get(ctx.t, '/v1/admin/operators', operator.accessToken)).json<{ items: { user_id: string }[] }>().items).not.toEqual(
        expect.arrayContaining([expect.objectContaining({ user_id: second.userId })]),
      );
      expectProblem(await del(ctx.t, `/v1/admin/operators/${second.userId}`, operator.accessToken), 404, 'ACCESS.NOT_OPERATOR');
      expectProblem(await del(ctx.t, `/v1/admin/operators/${NOBODY}`, operator.accessToken), 404, 'ACCESS.NOT_OPERATOR');
      const revokeAudit = await ctx.db.query(
        `SELECT tenant_id, actor_id FROM kernel.audit_log WHERE action = 'platform_role.revoked' AND resource_id = $1`,
        [second.userId],
      );
      expect(revokeAudit).toEqual([{ tenant_id: null, actor_id: operator.userId }]);
    });

    it('an operator passes every tenant route of a tenant they are not in; a revoked operator stops at once', async () => {
      const tOwner = await signUp(ctx.t, ctx.db);
      const opTenant = await createTenant(ctx.t, tOwner, 'Operated');
      const O = `/v1/tenants/${opTenant}`;
      const member = await addMember(ctx.t, ctx.db, opTenant, tOwner, ['viewer']);
      const helper = await signUp(ctx.t, ctx.db);
      expect((await post(ctx.t, '/v1/admin/operators', { user_id: helper.userId }, operator.accessToken)).statusCode).toBe(201);
      for (const op of [operator, helper]) {
        const tok = op.accessToken;
        const roleKey = `op-${op === operator ? 'one' : 'two'}`;
        const results: [string, number][] = [];
        const run = async (label: string, res: Promise<LightMyRequestResponse>) => results.push([label, (await res).statusCode]);
        await run('GET T', get(ctx.t, O, tok));
        await run('PATCH T', patch(ctx.t, O, { name: `Operated by ${roleKey}` }, tok));
        await run('GET diagnostics', get(ctx.t, `${O}/diagnostics`, tok));
        await run('GET members', get(ctx.t, `${O}/members`, tok));
        await run('GET member', get(ctx.t, `${O}/members/${member.userId}`, tok));
        await run('PATCH member', patch(ctx.t, `${O}/members/${member.userId}`, { status: 'active' }, tok));
        await run('PUT member roles', put(ctx.t, `${O}/members/${member.userId}/roles`, { roles: ['editor'] }, tok));
        await run('POST invitation', post(ctx.t, `${O}/invitations`, { email: uniqueEmail('opinv') }, tok));
        await run('GET invitations', get(ctx.t, `${O}/invitations`, tok));
        await run('GET roles', get(ctx.t, `${O}/roles`, tok));
        await run('POST role', post(ctx.t, `${O}/roles`, { key: roleKey, name: 'Op', permissions: ['tenants:delete'] }, tok));
        await run('GET role', get(ctx.t, `${O}/roles/${roleKey}`, tok));
        await run('PATCH role', patch(ctx.t, `${O}/roles/${roleKey}`, { name: 'Op 2' }, tok));
        await run('DELETE role', del(ctx.t, `${O}/roles/${roleKey}`, tok));
        await run('GET audit', get(ctx.t, `${O}/audit`, tok));
        await run('GET audit export', get(ctx.t, `${O}/audit/export?format=ndjson`, tok));
        await run('POST authz check', post(ctx.t, `${O}/authz/check`, { permission: 'tenants:delete' }, tok));
        expect(results).toEqual([
          ['GET T', 200],
          ['PATCH T', 200],
          ['GET diagnostics', 200],
          ['GET members', 200],
          ['GET member', 200],
          ['PATCH member', 200],
          ['PUT member roles', 200],
          ['POST invitation', 201],
          ['GET invitations', 200],
          ['GET roles', 200],
          ['POST role', 201],
          ['GET role', 200],
          ['PATCH role', 200],
          ['DELETE role', 204],
          ['GET audit', 200],
          ['GET audit export', 200],
          ['POST authz check', 200],
        ]);
        expect(await decision({ permission: 'tenants:delete' }, tok, `${O}/authz/check`)).toEqual({
          allowed: true,
          reason: 'platform_operator',
        });
      }
      // Operators are not members: they do not show in the tenant.
      const members = (await get(ctx.t, `${O}/members`, tOwner.accessToken)).json<{ items: { user_id: string }[] }>().items;
      expect(members.map((m) => m.user_id).sort()).toEqual([tOwner.userId, member.userId].sort());

      // Revoked: the helper stops passing on their very next request.
      expect((await del(ctx.t, `/v1/admin/operators/${helper.userId}`, operator.accessToken)).statusCode).toBe(204);
      expectProblem(await get(ctx.t, O, helper.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(ctx.t, `${O}/authz/check`, { permission: 'tenants:read' }, helper.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(ctx.t, '/v1/admin/users', helper.accessToken), 403, 'AUTHZ.FORBIDDEN');

      // Deleting a tenant is an operator's right too.
      expect((await del(ctx.t, O, operator.accessToken)).statusCode).toBe(204);
      expectProblem(await get(ctx.t, O, tOwner.accessToken), 404, 'TENANCY.NOT_FOUND');
    });

    it('the last operator cannot be revoked (409 ACCESS.LAST_OPERATOR)', async () => {
      const extra = await signUp(ctx.t, ctx.db);
      expect((await post(ctx.t, '/v1/admin/operators', { user_id: extra.userId }, operator.accessToken)).statusCode).toBe(201);
      // Revoke everyone but the first operator, then the first operator tries to leave.
      const listed = (await get(ctx.t, '/v1/admin/operators', operator.accessToken)).json<{ items: { user_id: string }[] }>().items;
      for (const { user_id } of listed.filter((o) => o.user_id !== operator.userId)) {
        expect((await del(ctx.t, `/v1/admin/operators/${user_id}`, operator.accessToken)).statusCode).toBe(204);
      }
      expectProblem(await del(ctx.t, `/v1/admin/operators/${operator.userId}`, operator.accessToken), 409, 'ACCESS.LAST_OPERATOR');
      expect((await get(ctx.t, '/v1/admin/operators', operator.accessToken)).json<{ items: { user_id: string }[] }>().items).toEqual([
        expect.objectContaining({ user_id: operator.userId }),
      ]);
      // Still an operator.
      expect((await get(ctx.t, '/v1/admin/users', operator.accessToken)).statusCode).toBe(200);
      // With a second operator, the first may leave.
      expect((await post(ctx.t, '/v1/admin/operators', { user_id: extra.userId }, operator.accessToken)).statusCode).toBe(201);
      expect((await del(ctx.t, `/v1/admin/operators/${operator.userId}`, operator.accessToken)).statusCode).toBe(204);
      expectProblem(await get(ctx.t, '/v1/admin/users', operator.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expectProblem(await del(ctx.t, `/v1/admin/operators/${extra.userId}`, extra.accessToken), 409, 'ACCESS.LAST_OPERATOR');
    });
  });
});
