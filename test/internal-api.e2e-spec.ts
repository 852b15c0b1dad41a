import { del, get, post, signUp, type SignedIn } from './support/account';
import {
  call,
  createApiKey,
  INTERNAL_DOCUMENT_PATHS,
  type HttpResponse,
  internal,
  type IssuedKey,
  listen,
  type Listening,
  registerApplication,
  type RegisteredApplication,
} from './support/internal';
import { expectProblem, type ProblemBody } from './support/problems';
import { addMember, createTenant, makeOperator, patch, put } from './support/tenancy';
import { eventually, useTestApp } from './support/test-app';

// The internal API (/internal/v1 on the internal listener, API keys only), over real HTTP: every
// route with a good key, every way a key can fail, malformed input, what a tenant-bound key may
// see, linking identities, and which port serves what.

function expectInvalid(res: HttpResponse, ...paths: string[]): ProblemBody {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect(body.errors).toEqual(expect.arrayContaining(paths.map((path) => expect.objectContaining({ path }))));
  return body;
}

const UNKNOWN_ID = '0190a000-0000-7000-8000-000000000000';
/** Looks like a key (`ue_<env>_<43 base62>`), is none. */
const UNKNOWN_KEY = `ue_live_${'Z'.repeat(43)}`;

interface InternalUser {
  id: string;
  email: string | null;
  email_verified: boolean;
  status: string;
  display_name: string | null;
  created_at: string;
}

interface InternalMember {
  tenant_id: string;
  user_id: string;
  email: string;
  status: 'active' | 'suspended';
  roles: string[];
  permissions: string[];
  joined_at: string;
}

interface AuditRow {
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  data: Record<string, unknown>;
}

describe('internal API', () => {
  // Key failures are counted per address; this suite makes many on purpose (throttling has its own suite).
  const ctx = useTestApp({ env: { ACCESS_API_KEY_FAILURE_LIMIT: '100000' } });
  let l: Listening;
  let operator: SignedIn;
  let owner: SignedIn;
  let admin: SignedIn;
  let viewer: SignedIn;
  let suspended: SignedIn;
  let ownerB: SignedIn;
  let outsider: SignedIn;
  let tenantA: string;
  let tenantB: string;
  let deletedTenant: string;
  let app: RegisteredApplication;
  let full: IssuedKey;
  let readOnly: IssuedKey;
  let linkOnly: IssuedKey;
  let boundA: IssuedKey;
  let boundB: IssuedKey;
  let revoked: IssuedKey;
  let expired: IssuedKey;
  let disabled: IssuedKey;
  let disabledApp: RegisteredApplication;

  beforeAll(async () => {
    const { t, db } = ctx;
    operator = await signUp(t, db);
    await makeOperator(db, operator);
    owner = await signUp(t, db);
    tenantA = await createTenant(t, owner, 'Acme');
    admin = await addMember(t, db, tenantA, owner, ['admin']);
    viewer = await addMember(t, db, tenantA, owner, ['viewer']);
    suspended = await addMember(t, db, tenantA, owner, ['editor']);
    const susp = await patch(t, `/v1/tenants/${tenantA}/members/${suspended.userId}`, { status: 'suspended' }, owner.accessToken);
    if (susp.statusCode !== 200) throw new Error(`suspend: ${susp.statusCode} ${susp.body}`);
    ownerB = await signUp(t, db);
    tenantB = await createTenant(t, ownerB, 'Beta');
    outsider = await signUp(t, db);
    deletedTenant = await createTenant(t, owner, 'Gone');
    const gone = await del(t, `/v1/tenants/${deletedTenant}`, owner.accessToken);
    if (gone.statusCode !== 204) throw new Error(`delete tenant: ${gone.statusCode} ${gone.body}`);

    app = await registerApplication(t, operator, 'crm');
    full = await createApiKey(t, operator, app.id, { name: 'full' });
    readOnly = await createApiKey(t, operator, app.id, { name: 'read only', scopes: ['users:read', 'members:read', 'authz:check'] });
    linkOnly = await createApiKey(t, operator, app.id, { name: 'link only', scopes: ['identities:link'] });
    boundA = await createApiKey(t, operator, app.id, { name: 'acme', tenant_id: tenantA });
    boundB = await createApiKey(t, operator, app.id, { name: 'beta', tenant_id: tenantB });
    revoked = await createApiKey(t, operator, app.id, { name: 'revoked' });
    const revoke = await del(t, `/v1/applications/${app.id}/api-keys/${revoked.id}`, operator.accessToken);
    if (revoke.statusCode !== 204) throw new Error(`revoke: ${revoke.statusCode} ${revoke.body}`);
    // Expired before its first use (credentials are cached per process once used).
    expired = await createApiKey(t, operator, app.id, { name: 'expired' });
    await db.query(`UPDATE access.api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]);
    disabledApp = await registerApplication(t, operator, 'legacy');
    disabled = await createApiKey(t, operator, disabledApp.id, { name: 'of a disabled application' });
    const off = await post(t, `/v1/applications/${disabledApp.id}/disable`, {}, operator.accessToken);
    if (off.statusCode !== 200) throw new Error(`disable: ${off.statusCode} ${off.body}`);

    l = await listen(t);
  });

  /** The audit entries written while answering the request with this id. */
  const auditOf = (res: HttpResponse) =>
    ctx.db.query<AuditRow>(
      `SELECT action, outcome, actor_type, actor_id, resource_type, resource_id, data
         FROM kernel.audit_log WHERE request_id = $1 ORDER BY occurred_at, id`,
      [res.headers['x-request-id']],
    );

  const userRow = async (id: string): Promise<InternalUser> => {
    const [row] = await ctx.db.query<{ email: string; created_at: Date; display_name: string | null }>(
      `SELECT email, created_at, display_name FROM account.users WHERE id = $1`,
      [id],
    );
    return {
      id,
      email: row.email,
      email_verified: true,
      status: 'active',
      display_name: row.display_name,
      created_at: row.created_at.toISOString(),
    };
  };

  const identities = (userId: string) =>
    ctx.db.query<{ provider: string; subject: string }>(
      `SELECT provider, subject FROM account.identities WHERE user_id = $1 ORDER BY provider, subject`,
      [userId],
    );

  // ------------------------------------------------------------------------------------------
  // Every route × every way a key can fail.

  interface Endpoint {
    name: string;
    scope: string;
    /** Whether the route names a tenant (path or body) a bound key must match. */
    tenant: boolean;
    request(): { method: string; url: string; payload?: unknown };
  }

  const ENDPOINTS: Endpoint[] = [
    {
      name: 'GET /users/{id}',
      scope: 'users:read',
      tenant: false,
      request: () => ({ method: 'GET', url: `/internal/v1/users/${viewer.userId}` }),
    },
    {
      name: 'GET /users?email=',
      scope: 'users:read',
      tenant: false,
      request: () => ({ method: 'GET', url: `/internal/v1/users?email=${encodeURIComponent(viewer.email)}` }),
    },
    {
      name: 'POST /users/batch',
      scope: 'users:read',
      tenant: false,
      request: () => ({ method: 'POST', url: '/internal/v1/users/batch', payload: { ids: [viewer.userId] } }),
    },
    {
      name: 'GET /tenants/{tenant_id}/members',
      scope: 'members:read',
      tenant: true,
      request: () => ({ method: 'GET', url: `/internal/v1/tenants/${tenantA}/members` }),
    },
    {
      name: 'GET /tenants/{tenant_id}/members/{user_id}',
      scope: 'members:read',
      tenant: true,
      request: () => ({ method: 'GET', url: `/internal/v1/tenants/${tenantA}/members/${viewer.userId}` }),
    },
    {
      name: 'POST /authz/check',
      scope: 'authz:check',
      tenant: true,
      request: () => ({
        method: 'POST',
        url: '/internal/v1/authz/check',
        payload: { user_id: viewer.userId, tenant_id: tenantA, permission: 'members:read' },
      }),
    },
    {
      name: 'POST /users/{id}/identities',
      scope: 'identities:link',
      tenant: false,
      request: () => ({
        method: 'POST',
        url: `/internal/v1/users/${outsider.userId}/identities`,
        payload: { provider: 'matrix-sso', subject: 'never-linked' },
      }),
    },
  ];

  describe.each(ENDPOINTS)('$name refuses a bad caller', (endpoint) => {
    const send = (options: { key?: string; authorization?: string }) => {
      const { method, url, payload } = endpoint.request();
      return internal(l, method, url, { ...options, payload });
    };
    const path = () => endpoint.request().url.split('?', 1)[0];

    afterAll(async () => {
      // None of the refusals linked anything.
      expect(await identities(outsider.userId)).toEqual([]);
    });

    it('no Authorization: 401 AUTH.API_KEY_REQUIRED with a challenge, audited as missing', async () => {
      const res = await send({});
      expectProblem(res, 401, 'AUTH.API_KEY_REQUIRED');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="user-engine-internal"');
      expect(await auditOf(res)).toEqual([
        {
          action: 'api_key.rejected',
          outcome: 'failure',
          actor_type: 'anonymous',
          actor_id: null,
          resource_type: null,
          resource_id: null,
          data: { reason: 'missing', prefix: null, path: path() },
        },
      ]);
    });

    it("a user's access token (even an operator's): 401 AUTH.API_KEY_REQUIRED, audited as user_token without the token", async () => {
      const res = await send({ authorization: `Bearer ${operator.accessToken}` });
      expectProblem(res, 401, 'AUTH.API_KEY_REQUIRED');
      const audit = await auditOf(res);
      expect(audit).toEqual([
        expect.objectContaining({
          action: 'api_key.rejected',
          actor_type: 'anonymous',
          data: { reason: 'user_token', prefix: null, path: path() },
        }),
      ]);
      expect(JSON.stringify(audit)).not.toContain(operator.accessToken.split('.')[2]);
    });

    it('a Basic credential or garbage: 401 AUTH.API_KEY_INVALID / REQUIRED, audited', async () => {
      const garbage = await send({ key: 'not-an-api-key' });
      expectProblem(garbage, 401, 'AUTH.API_KEY_INVALID');
      expect(garbage.headers['www-authenticate']).toBe('Bearer realm="user-engine-internal", error="invalid_token"');
      expect((await auditOf(garbage)).map((a) => a.data)).toEqual([{ reason: 'malformed', prefix: null, path: path() }]);
      // A key in another scheme is not presented as a bearer key.
      const basic = await send({ authorization: `Basic ${Buffer.from(`x:${full.secret}`).toString('base64')}` });
      expectProblem(basic, 401, 'AUTH.API_KEY_REQUIRED');
    });

    it('a well-formed unknown key: 401 AUTH.API_KEY_INVALID, audited with its prefix only', async () => {
      const res = await send({ key: UNKNOWN_KEY });
      expectProblem(res, 401, 'AUTH.API_KEY_INVALID');
      const audit = await auditOf(res);
      expect(audit.map((a) => [a.action, a.actor_type, a.resource_id, a.data])).toEqual([
        ['api_key.rejected', 'anonymous', null, { reason: 'unknown', prefix: 'ue_live_ZZZZZZZZ', path: path() }],
      ]);
      expect(JSON.stringify(audit)).not.toContain(UNKNOWN_KEY);
    });

    it('a revoked key: 401 AUTH.API_KEY_REVOKED, audited against the key and its application', async () => {
      const res = await send({ key: revoked.secret });
      expectProblem(res, 401, 'AUTH.API_KEY_REVOKED');
      const audit = await auditOf(res);
      expect(audit).toEqual([
        {
          action: 'api_key.rejected',
          outcome: 'failure',
          actor_type: 'service',
          actor_id: app.id,
          resource_type: 'api_key',
          resource_id: revoked.id,
          data: { reason: 'revoked', prefix: revoked.prefix, path: path() },
        },
      ]);
      expect(JSON.stringify(audit)).not.toContain(revoked.secret);
    });

    it('an expired key: 401 AUTH.API_KEY_EXPIRED', async () => {
      const res = await send({ key: expired.secret });
      expectProblem(res, 401, 'AUTH.API_KEY_EXPIRED');
      expect((await auditOf(res)).map((a) => [a.resource_id, a.data.reason, a.data.prefix])).toEqual([
        [expired.id, 'expired', expired.prefix],
      ]);
    });

    it('a key of a disabled application: 403 AUTH.APPLICATION_DISABLED', async () => {
      const res = await send({ key: disabled.secret });
      expect(expectProblem(res, 403, 'AUTH.APPLICATION_DISABLED').reason).toBe('application_disabled');
      expect((await auditOf(res)).map((a) => [a.actor_id, a.resource_id, a.data.reason])).toEqual([
        [disabledApp.id, disabled.id, 'application_disabled'],
      ]);
    });

    it('a key without the scope: 403 AUTHZ.API_KEY_SCOPE, audited as authz.denied by the service', async () => {
      const lacking = endpoint.scope === 'identities:link' ? readOnly : linkOnly;
      expect(lacking.scopes).not.toContain(endpoint.scope);
      const res = await send({ key: lacking.secret });
      expect(expectProblem(res, 403, 'AUTHZ.API_KEY_SCOPE')).toMatchObject({ reason: 'missing_scope', scope: endpoint.scope });
      expect(await auditOf(res)).toEqual([
        {
          action: 'authz.denied',
          outcome: 'denied',
          actor_type: 'service',
          actor_id: app.id,
          resource_type: 'api_key',
          resource_id: lacking.id,
          data: { scope: endpoint.scope, reason: 'missing_scope', path: path() },
        },
      ]);
    });

    if (endpoint.tenant) {
      it('a key bound to another tenant: 403 AUTHZ.API_KEY_TENANT, audited as authz.denied', async () => {
        const res = await send({ key: boundB.secret });
        expect(expectProblem(res, 403, 'AUTHZ.API_KEY_TENANT').reason).toBe('key_tenant_mismatch');
        expect(await auditOf(res)).toEqual([
          {
            action: 'authz.denied',
            outcome: 'denied',
            actor_type: 'service',
            actor_id: app.id,
            resource_type: 'api_key',
            resource_id: boundB.id,
            data: { tenant_id: tenantA, reason: 'key_tenant_mismatch', path: path() },
          },
        ]);
      });
    }

    it('the same request on the public port is an unknown route (404), whatever the key', async () => {
      const { method, url, payload } = endpoint.request();
      const injected = await ctx.t.inject({
        method: method as 'GET' | 'POST',
        url,
        payload: payload as object | undefined,
        headers: { authorization: `Bearer ${full.secret}` },
      });
      expectProblem(injected, 404, 'KERNEL.ROUTE_NOT_FOUND');
      const real = await call(l.publicUrl, { method, url, payload, headers: { authorization: `Bearer ${full.secret}` } });
      expectProblem(real, 404, 'KERNEL.ROUTE_NOT_FOUND');
      expect(await auditOf(real)).toEqual([]);
    });
  });

  // ------------------------------------------------------------------------------------------
  // Users.

  describe('GET /internal/v1/users/{id}', () => {
    it('answers the InternalUserV1 of any user to a platform-wide key', async () => {
      for (const user of [viewer, outsider, ownerB]) {
        const res = await internal(l, 'GET', `/internal/v1/users/${user.userId}`, { key: full.secret });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.json()).toEqual(await userRow(user.userId));
      }
      // Upper-case ids are the same user.
      const upper = await internal(l, 'GET', `/internal/v1/users/${viewer.userId.toUpperCase()}`, { key: readOnly.secret });
      expect(upper.statusCode).toBe(200);
      expect(upper.json<InternalUser>().id).toBe(viewer.userId);
    });

    it('an unknown user is 404 ACCOUNT.USER_NOT_FOUND; a malformed id is 400', async () => {
      expectProblem(await internal(l, 'GET', `/internal/v1/users/${UNKNOWN_ID}`, { key: full.secret }), 404, 'ACCOUNT.USER_NOT_FOUND');
      expectInvalid(await internal(l, 'GET', '/internal/v1/users/not-a-uuid', { key: full.secret }), 'id');
    });

    it("a tenant-bound key sees its tenant's members (suspended ones too) and nobody else", async () => {
      for (const user of [owner, admin, viewer, suspended]) {
        const res = await internal(l, 'GET', `/internal/v1/users/${user.userId}`, { key: boundA.secret });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(await userRow(user.userId));
      }
      for (const user of [outsider, ownerB, operator]) {
        expectProblem(await internal(l, 'GET', `/internal/v1/users/${user.userId}`, { key: boundA.secret }), 404, 'ACCOUNT.USER_NOT_FOUND');
      }
      // The other tenant's key sees the other way round.
      expect((await internal(l, 'GET', `/internal/v1/users/${ownerB.userId}`, { key: boundB.secret })).statusCode).toBe(200);
      expectProblem(await internal(l, 'GET', `/internal/v1/users/${viewer.userId}`, { key: boundB.secret }), 404, 'ACCOUNT.USER_NOT_FOUND');
    });
  });

  describe('GET /internal/v1/users?email=', () => {
    const byEmail = (email: string, key: string) => internal(l, 'GET', `/internal/v1/users?email=${encodeURIComponent(email)}`, { key });

    it('finds zero or one user, case-insensitively', async () => {
      const found = await byEmail(viewer.email.toUpperCase(), full.secret);
      expect(found.statusCode).toBe(200);
      expect(found.json()).toEqual({ items: [await userRow(viewer.userId)] });
      const none = await byEmail('nobody@example.com', full.secret);
      expect(none.statusCode).toBe(200);
      expect(none.json()).toEqual({ items: [] });
    });

    it('a missing, empty or invalid email is 400 KERNEL.VALIDATION_FAILED', async () => {
      expectInvalid(await internal(l, 'GET', '/internal/v1/users', { key: full.secret }), 'email');
      expectInvalid(await byEmail('', full.secret), 'email');
      expectInvalid(await byEmail('not-an-email', full.secret), 'email');
      expectInvalid(await byEmail(`${'a'.repeat(250)}@example.com`, full.secret), 'email');
    });

    it("a tenant-bound key finds its tenant's members only", async () => {
      expect((await byEmail(admin.email, boundA.secret)).json()).toEqual({ items: [await userRow(admin.userId)] });
      const other = await byEmail(outsider.email, boundA.secret);
      expect(other.statusCode).toBe(200);
      expect(other.json()).toEqual({ items: [] });
      expect((await byEmail(ownerB.email, boundA.secret)).json()).toEqual({ items: [] });
    });
  });

  describe('POST /internal/v1/users/batch', () => {
    const batch = (payload: unknown, key: string) => internal(l, 'POST', '/internal/v1/users/batch', { key, payload });

    it('answers the users in the order asked, each once, and the ids with no user', async () => {
      const res = await batch(
        { ids: [outsider.userId, UNKNOWN_ID, viewer.userId.toUpperCase(), outsider.userId, viewer.userId] },
        full.secret,
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        items: [await userRow(outsider.userId), await userRow(viewer.userId)],
        missing: [UNKNOWN_ID],
      });
    });

    it('accepts 100 ids, refuses an empty list, 101 ids, non-uuids, extra members and a non-JSON body', async () => {
      const hundred = Array.from({ length: 100 }, (_, i) => `0190a000-0000-7000-8000-${i.toString().padStart(12, '0')}`);
      const ok = await batch({ ids: hundred }, full.secret);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ items: [], missing: hundred });
      expectInvalid(await batch({ ids: [] }, full.secret), 'ids');
      expectInvalid(await batch({ ids: [...hundred, UNKNOWN_ID.replace('0000-7', '0001-7')] }, full.secret), 'ids');
      expect(expectInvalid(await batch({ ids: [viewer.userId, 'nope'] }, full.secret)).errors![0].path).toMatch(/^ids/);
      expectInvalid(await batch({}, full.secret), 'ids');
      expectInvalid(await batch({ ids: viewer.userId }, full.secret), 'ids');
      expectInvalid(await batch({ ids: [viewer.userId], extra: true }, full.secret), 'extra');
      expectProblem(await batch('{"ids":', full.secret), 400, 'KERNEL.MALFORMED_JSON');
      expectProblem(
        await internal(l, 'POST', '/internal/v1/users/batch', {
          key: full.secret,
          payload: 'ids=1',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
        'KERNEL.UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it("a tenant-bound key gets only its tenant's members; the others are missing", async () => {
      const res = await batch({ ids: [admin.userId, outsider.userId, ownerB.userId, suspended.userId] }, boundA.secret);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        items: [await userRow(admin.userId), await userRow(suspended.userId)],
        missing: [outsider.userId, ownerB.userId],
      });
    });
  });

  // ------------------------------------------------------------------------------------------
  // Members.

  describe('GET /internal/v1/tenants/{tenant_id}/members', () => {
    const members = (tenantId: string, query: string, key: string) =>
      internal(l, 'GET', `/internal/v1/tenants/${tenantId}/members${query}`, { key });

    it('lists members with roles and effective permissions (none while suspended)', async () => {
      const res = await members(tenantA, '', full.secret);
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: InternalMember[]; next_cursor: string | null }>();
      expect(page.next_cursor).toBeNull();
      const byUser = new Map(page.items.map((m) => [m.user_id, m]));
      expect([...byUser.keys()].sort()).toEqual([owner, admin, viewer, suspended].map((u) => u.userId).sort());
      for (const m of page.items) {
        expect(m).toEqual({
          tenant_id: tenantA,
          user_id: expect.any(String),
          email: expect.any(String),
          status: expect.any(String),
          roles: expect.any(Array),
          permissions: expect.any(Array),
          joined_at: expect.any(String),
        });
        expect(new Date(m.joined_at).toISOString()).toBe(m.joined_at);
      }
      expect(byUser.get(owner.userId)).toMatchObject({ email: owner.email, status: 'active', roles: ['owner'] });
      expect(byUser.get(owner.userId)!.permissions).toEqual(expect.arrayContaining(['tenants:delete', 'members:manage']));
      expect(byUser.get(admin.userId)).toMatchObject({ email: admin.email, status: 'active', roles: ['admin'] });
      expect(byUser.get(admin.userId)!.permissions).not.toContain('tenants:delete');
      expect(byUser.get(viewer.userId)).toMatchObject({
        status: 'active',
        roles: ['viewer'],
        permissions: ['members:read', 'roles:read', 'tenants:read'],
      });
      expect(byUser.get(suspended.userId)).toMatchObject({ status: 'suspended', roles: ['editor'], permissions: [] });
      for (const m of page.items) expect([...m.permissions].sort()).toEqual(m.permissions);
    });

    it("each member's permissions are exactly what the decision point allows", async () => {
      const catalog = (await get(ctx.t, '/v1/permissions', viewer.accessToken)).json<{ items: { key: string; scope: string }[] }>();
      const tenantPermissions = catalog.items.filter((p) => p.scope === 'tenant').map((p) => p.key);
      const page = (await members(tenantA, '', full.secret)).json<{ items: InternalMember[] }>();
      for (const m of page.items) {
        for (const permission of tenantPermissions) {
          const decision = await internal(l, 'POST', '/internal/v1/authz/check', {
            key: full.secret,
            payload: { user_id: m.user_id, tenant_id: tenantA, permission },
          });
          expect({ user: m.user_id, permission, allowed: decision.json<{ allowed: boolean }>().allowed }).toEqual({
            user: m.user_id,
            permission,
            allowed: m.permissions.includes(permission),
          });
        }
      }
    });

    it('filters by status, role and email prefix, and pages with a cursor', async () => {
      const ids = async (query: string) =>
        (await members(tenantA, query, full.secret)).json<{ items: InternalMember[] }>().items.map((m) => m.user_id);
      expect(await ids('?status=suspended')).toEqual([suspended.userId]);
      expect((await ids('?status=active')).sort()).toEqual([owner, admin, viewer].map((u) => u.userId).sort());
      expect(await ids('?role=admin')).toEqual([admin.userId]);
      expect(await ids(`?email=${encodeURIComponent(viewer.email.slice(0, -12).toUpperCase())}`)).toEqual([viewer.userId]);
      expect(await ids('?email=nobody')).toEqual([]);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await members(tenantA, `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, full.secret);
        expect(res.statusCode).toBe(200);
        const page = res.json<{ items: InternalMember[]; next_cursor: string | null }>();
        expect(page.items).toHaveLength(1);
        seen.push(page.items[0].user_id);
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(4);
      expect([...seen].sort()).toEqual([owner, admin, viewer, suspended].map((u) => u.userId).sort());
    });

    it('malformed input is 400; an unknown or deleted tenant is 404 TENANCY.NOT_FOUND', async () => {
      expectInvalid(await members(tenantA, '?status=deleted', full.secret), 'status');
      expectInvalid(await members(tenantA, '?limit=0', full.secret), 'limit');
      expectInvalid(await members(tenantA, '?email=', full.secret), 'email');
      expectInvalid(await members(tenantA, `?role=${'r'.repeat(49)}`, full.secret), 'role');
      expectInvalid(await members('not-a-uuid', '', full.secret), 'tenant_id');
      expectProblem(await members(UNKNOWN_ID, '', full.secret), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await members(deletedTenant, '', full.secret), 404, 'TENANCY.NOT_FOUND');
    });

    it('a key bound to the tenant lists it; the other tenant is refused', async () => {
      const res = await members(tenantA, '?role=viewer', boundA.secret);
      expect(res.statusCode).toBe(200);
      expect(res.json<{ items: InternalMember[] }>().items.map((m) => m.user_id)).toEqual([viewer.userId]);
      expectProblem(await members(tenantB, '', boundA.secret), 403, 'AUTHZ.API_KEY_TENANT');
      expectProblem(await members(UNKNOWN_ID, '', boundA.secret), 403, 'AUTHZ.API_KEY_TENANT');
      const b = await members(tenantB, '', boundB.secret);
      expect(b.json<{ items: InternalMember[] }>().items.map((m) => [m.user_id, m.roles])).toEqual([[ownerB.userId, ['owner']]]);
    });
  });

  describe('GET /internal/v1/tenants/{tenant_id}/members/{user_id}', () => {
    const member = (tenantId: string, userId: string, key: string) =>
      internal(l, 'GET', `/internal/v1/tenants/${tenantId}/members/${userId}`, { key });

    it('answers one InternalMemberV1, the same as in the list', async () => {
      const list = (await internal(l, 'GET', `/internal/v1/tenants/${tenantA}/members`, { key: full.secret })).json<{
        items: InternalMember[];
      }>();
      for (const user of [owner, admin, viewer, suspended]) {
        const res = await member(tenantA, user.userId, boundA.secret);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(list.items.find((m) => m.user_id === user.userId));
      }
      expect((await member(tenantA, suspended.userId, full.secret)).json()).toMatchObject({ status: 'suspended', permissions: [] });
      const upper = await member(tenantA.toUpperCase(), viewer.userId.toUpperCase(), full.secret);
      expect(upper.statusCode).toBe(200);
      expect(upper.json()).toMatchObject({ tenant_id: tenantA, user_id: viewer.userId });
    });

    it('404 for a non-member, an unknown or deleted tenant; 400 for malformed ids', async () => {
      expectProblem(await member(tenantA, outsider.userId, full.secret), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await member(tenantA, UNKNOWN_ID, full.secret), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await member(tenantA, ownerB.userId, boundA.secret), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await member(UNKNOWN_ID, viewer.userId, full.secret), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await member(deletedTenant, owner.userId, full.secret), 404, 'TENANCY.NOT_FOUND');
      expectInvalid(await member(tenantA, 'not-a-uuid', full.secret), 'user_id');
      expectInvalid(await member('not-a-uuid', viewer.userId, full.secret), 'tenant_id');
    });

    it('a key bound to another tenant is refused even for a member of both', async () => {
      expectProblem(await member(tenantB, ownerB.userId, boundA.secret), 403, 'AUTHZ.API_KEY_TENANT');
    });
  });

  // ------------------------------------------------------------------------------------------
  // The decision point.

  describe('POST /internal/v1/authz/check', () => {
    const check = (payload: unknown, key = full.secret) => internal(l, 'POST', '/internal/v1/authz/check', { key, payload });

    it('answers {allowed, reason} exactly as the public check answers the user', async () => {
      const cases: [SignedIn, string, { type: 'user'; id: string }?][] = [
        [owner, 'tenants:delete'],
        [admin, 'members:invite'],
        [admin, 'tenants:delete'],
        [viewer, 'members:read'],
        [viewer, 'members:invite'],
        [admin, 'members:manage', { type: 'user', id: owner.userId }],
        [admin, 'members:manage', { type: 'user', id: viewer.userId }],
        [viewer, 'nothing:here'],
      ];
      const answers: unknown[] = [];
      for (const [user, permission, resource] of cases) {
        const internalRes = await check({ user_id: user.userId, tenant_id: tenantA, permission, ...(resource ? { resource } : {}) });
        expect(internalRes.statusCode).toBe(200);
        const publicRes = await post(
          ctx.t,
          `/v1/tenants/${tenantA}/authz/check`,
          { permission, ...(resource ? { resource } : {}) },
          user.accessToken,
        );
        expect(publicRes.statusCode).toBe(200);
        expect(internalRes.json()).toEqual(publicRes.json());
        answers.push(internalRes.json());
      }
      expect(answers).toEqual([
        { allowed: true, reason: 'role:owner' },
        { allowed: true, reason: 'role:admin' },
        { allowed: false, reason: 'missing_permission' },
        { allowed: true, reason: 'role:viewer' },
        { allowed: false, reason: 'missing_permission' },
        { allowed: false, reason: 'owner_protected' },
        { allowed: true, reason: 'role:admin' },
        { allowed: false, reason: 'unknown_permission' },
      ]);
    });

    it('refuses suspended members, non-members and unknown tenants without an error', async () => {
      const decisions = [
        await check({ user_id: suspended.userId, tenant_id: tenantA, permission: 'members:read' }),
        await check({ user_id: outsider.userId, tenant_id: tenantA, permission: 'members:read' }),
        await check({ user_id: UNKNOWN_ID, tenant_id: tenantA, permission: 'members:read' }),
        await check({ user_id: owner.userId, tenant_id: UNKNOWN_ID, permission: 'members:read' }),
        await check({ user_id: owner.userId, tenant_id: deletedTenant, permission: 'members:read' }),
      ];
      expect(decisions.map((d) => [d.statusCode, d.json()])).toEqual([
        [200, { allowed: false, reason: 'membership_suspended' }],
        [200, { allowed: false, reason: 'not_a_member' }],
        [200, { allowed: false, reason: 'not_a_member' }],
        [200, { allowed: false, reason: 'tenant_not_found' }],
        [200, { allowed: false, reason: 'tenant_not_found' }],
      ]);
    });

    it("decides an application's catalog permission like a built-in one", async () => {
      const published = await put(
        ctx.t,
        `/v1/applications/${app.id}/catalog`,
        { permissions: [{ key: 'crm:deals.read', description: 'Read deals', default_role: 'editor' }] },
        operator.accessToken,
      );
      expect(published.statusCode).toBe(201);
      // Every process reloads the catalog; this one has it before the request returns or soon after.
      const decide = (user: SignedIn) => check({ user_id: user.userId, tenant_id: tenantA, permission: 'crm:deals.read' });
      await eventually(async () => (await decide(admin)).json<{ allowed: boolean }>().allowed, 5000, 'catalog permission');
      expect((await decide(admin)).json()).toEqual({ allowed: true, reason: 'role:admin' });
      expect((await decide(viewer)).json()).toEqual({ allowed: false, reason: 'missing_permission' });
      const listed = await internal(l, 'GET', `/internal/v1/tenants/${tenantA}/members/${admin.userId}`, { key: full.secret });
      expect(listed.json<InternalMember>().permissions).toContain('crm:deals.read');
      const viewerView = await internal(l, 'GET', `/internal/v1/tenants/${tenantA}/members/${viewer.userId}`, { key: full.secret });
      expect(viewerView.json<InternalMember>().permissions).not.toContain('crm:deals.read');
    });

    it('platform permissions and malformed bodies are 400', async () => {
      const platform = expectInvalid(
        await check({ user_id: operator.userId, tenant_id: tenantA, permission: 'platform:users.read' }),
        'permission',
      );
      expect(platform.errors).toEqual([expect.objectContaining({ path: 'permission', rule: 'tenantPermission' })]);
      const base = { user_id: viewer.userId, tenant_id: tenantA, permission: 'members:read' };
      for (const [payload, path] of [
        [{ tenant_id: tenantA, permission: 'members:read' }, 'user_id'],
        [{ ...base, user_id: 'nope' }, 'user_id'],
        [{ user_id: viewer.userId, permission: 'members:read' }, 'tenant_id'],
        [{ ...base, tenant_id: 'nope' }, 'tenant_id'],
        [{ user_id: viewer.userId, tenant_id: tenantA }, 'permission'],
        [{ ...base, permission: 'Members Read' }, 'permission'],
        [{ ...base, permission: 42 }, 'permission'],
        [{ ...base, resource: 'user' }, 'resource'],
        [{ ...base, resource: { type: 'tenant', id: viewer.userId } }, 'resource.type'],
        [{ ...base, resource: { type: 'user', id: 'nope' } }, 'resource.id'],
        [{ ...base, extra: 1 }, 'extra'],
      ] as [object, string][]) {
        expectInvalid(await check(payload), path);
      }
      expectProblem(await check('not json'), 400, 'KERNEL.MALFORMED_JSON');
    });

    it('a tenant-bound key asks about its own tenant only (the tenant in the body)', async () => {
      const own = await check({ user_id: viewer.userId, tenant_id: tenantA.toUpperCase(), permission: 'members:read' }, boundA.secret);
      expect(own.statusCode).toBe(200);
      expect(own.json()).toEqual({ allowed: true, reason: 'role:viewer' });
      expectProblem(
        await check({ user_id: ownerB.userId, tenant_id: tenantB, permission: 'members:read' }, boundA.secret),
        403,
        'AUTHZ.API_KEY_TENANT',
      );
      expectProblem(
        await check({ user_id: owner.userId, tenant_id: UNKNOWN_ID, permission: 'members:read' }, boundA.secret),
        403,
        'AUTHZ.API_KEY_TENANT',
      );
    });
  });

  // ------------------------------------------------------------------------------------------
  // Linking identities.

  describe('POST /internal/v1/users/{id}/identities', () => {
    const link = (userId: string, payload: unknown, key = full.secret) =>
      internal(l, 'POST', `/internal/v1/users/${userId}/identities`, { key, payload });

    it('links a provider subject: 201, the row, the audit entry by the service, a mail to the user; again is 200', async () => {
      const res = await link(admin.userId, { provider: 'acme-sso', subject: '248289761001' });
      expect(res.statusCode).toBe(201);
      const linked = res.json<{ id: string; linked_at: string }>();
      expect(linked).toEqual({
        id: expect.any(String),
        user_id: admin.userId,
        provider: 'acme-sso',
        subject: '248289761001',
        linked_at: expect.any(String),
      });
      const [row] = await ctx.db.query<{ id: string; user_id: string; email: string | null; created_at: Date }>(
        `SELECT id, user_id, email, created_at FROM account.identities WHERE provider = 'acme-sso' AND subject = '248289761001'`,
      );
      expect(row).toEqual({ id: linked.id, user_id: admin.userId, email: null, created_at: new Date(linked.linked_at) });

      const audit = await auditOf(res);
      expect(audit).toEqual([
        expect.objectContaining({
          action: 'account.identity.linked',
          outcome: 'success',
          actor_type: 'service',
          actor_id: app.id,
          data: expect.objectContaining({ provider: 'acme-sso', identity_id: linked.id, api_key_id: full.id }),
        }),
      ]);
      expect(JSON.stringify(audit)).not.toContain(full.secret);
      await eventually(
        async () =>
          (
            await ctx.db.query(`SELECT 1 FROM kernel.dev_mailbox WHERE recipient = lower($1) AND kind = 'account.identity-linked'`, [
              admin.email,
            ])
          ).length === 1,
        10_000,
        'identity-linked mail',
      );

      const again = await link(admin.userId.toUpperCase(), { provider: 'acme-sso', subject: '248289761001' });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(linked);
      expect(await auditOf(again)).toEqual([]);
      expect(await identities(admin.userId)).toEqual([{ provider: 'acme-sso', subject: '248289761001' }]);
    });

    it('a subject linked to another user is 409 ACCOUNT.IDENTITY_TAKEN and changes nothing', async () => {
      const res = await link(viewer.userId, { provider: 'acme-sso', subject: '248289761001' });
      expectProblem(res, 409, 'ACCOUNT.IDENTITY_TAKEN');
      expect(await identities(viewer.userId)).toEqual([]);
      expect((await auditOf(res)).map((a) => [a.action, a.outcome, a.actor_type, a.actor_id])).toEqual([
        ['account.identity.link_refused', 'denied', 'service', app.id],
      ]);
      // The same subject at another provider is another identity.
      expect((await link(viewer.userId, { provider: 'other-sso', subject: '248289761001' })).statusCode).toBe(201);
    });

    it('an unknown user is 404 ACCOUNT.USER_NOT_FOUND; malformed input is 400 and links nothing', async () => {
      expectProblem(await link(UNKNOWN_ID, { provider: 'acme-sso', subject: 'x' }), 404, 'ACCOUNT.USER_NOT_FOUND');
      expectInvalid(await link('not-a-uuid', { provider: 'acme-sso', subject: 'x' }), 'id');
      for (const [payload, path] of [
        [{ subject: 'x' }, 'provider'],
        [{ provider: 'Acme', subject: 'x' }, 'provider'],
        [{ provider: '1acme', subject: 'x' }, 'provider'],
        [{ provider: 'acme sso', subject: 'x' }, 'provider'],
        [{ provider: `a${'b'.repeat(64)}`, subject: 'x' }, 'provider'],
        [{ provider: 'acme-sso' }, 'subject'],
        [{ provider: 'acme-sso', subject: '' }, 'subject'],
        [{ provider: 'acme-sso', subject: 's'.repeat(256) }, 'subject'],
        [{ provider: 'acme-sso', subject: 'a\nb' }, 'subject'],
        [{ provider: 'acme-sso', subject: 7 }, 'subject'],
        [{ provider: 'acme-sso', subject: 'x', user_id: viewer.userId }, 'user_id'],
      ] as [object, string][]) {
        expectInvalid(await link(outsider.userId, payload), path);
      }
      expect(await identities(outsider.userId)).toEqual([]);
      // The longest allowed provider and subject are fine.
      const longest = await link(outsider.userId, { provider: `a${'b'.repeat(63)}`, subject: 's'.repeat(255) });
      expect(longest.statusCode).toBe(201);
      await ctx.db.query(`DELETE FROM account.identities WHERE user_id = $1`, [outsider.userId]);
    });

    it('identities:link is for platform-wide keys only: a tenant-bound key cannot be given it', async () => {
      const res = await post(
        ctx.t,
        `/v1/applications/${app.id}/api-keys`,
        { name: 'bound linker', scopes: ['identities:link'], tenant_id: tenantA },
        operator.accessToken,
      );
      const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
      expect(body.errors).toEqual([expect.objectContaining({ path: 'scopes', rule: 'ACCESS.PLATFORM_SCOPE' })]);
      // And a bound key (which lacks it) is refused the route.
      expectProblem(await link(viewer.userId, { provider: 'acme-sso', subject: 'bound' }, boundA.secret), 403, 'AUTHZ.API_KEY_SCOPE');
    });
  });

  // ------------------------------------------------------------------------------------------
  // Surfaces.

  describe('which port serves what', () => {
    it('the internal port serves no public route, whatever the token', async () => {
      for (const [method, url] of [
        ['GET', '/v1/users/me'],
        ['GET', '/v1/permissions'],
        ['POST', '/v1/auth/login'],
        ['GET', '/.well-known/jwks.json'],
        ['GET', '/.well-known/openid-configuration'],
        ['GET', '/openapi.json'],
        ['GET', '/docs'],
        ['GET', `/v1/tenants/${tenantA}/members`],
      ]) {
        const res = await call(l.internalUrl, { method, url, headers: { authorization: `Bearer ${owner.accessToken}` } });
        expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
        expectProblem(res, 404, 'KERNEL.ROUTE_NOT_FOUND');
      }
      // While the same requests work on the public port.
      expect(
        (await call(l.publicUrl, { url: '/v1/permissions', headers: { authorization: `Bearer ${owner.accessToken}` } })).statusCode,
      ).toBe(200);
      expect((await call(l.publicUrl, { url: '/.well-known/jwks.json' })).statusCode).toBe(200);
    });

    it('unknown routes are problem documents on both ports; a hidden route reads like an unknown one', async () => {
      for (const [base, url] of [
        [l.internalUrl, '/internal/v1/nope'],
        [l.internalUrl, '/nope'],
        [l.internalUrl, '/v1/me/nope'],
        [l.publicUrl, '/internal/v1/nope'],
        [l.publicUrl, '/nope'],
      ]) {
        const res = await call(base, { url, headers: { authorization: `Bearer ${full.secret}` } });
        expect({ url, status: res.statusCode, type: res.headers['content-type'] }).toEqual({
          url,
          status: 404,
          type: expect.stringMatching(/^application\/problem\+json/),
        });
        expectProblem(res, 404, 'KERNEL.ROUTE_NOT_FOUND');
      }
      const strip = (r: HttpResponse) => {
        const { request_id: _id, detail: _detail, instance: _instance, ...rest } = r.json<ProblemBody>();
        return { ...rest, detail: r.json<ProblemBody>().detail.replace(/ \/\S+\.$/, ' <path>.') };
      };
      const hidden = await call(l.publicUrl, { url: `/internal/v1/users/${viewer.userId}` });
      const unknown = await call(l.publicUrl, { url: `/internal/v9/users/${viewer.userId}` });
      expect(strip(hidden)).toEqual(strip(unknown));
      // Percent-escapes reach the same routes and are refused the same way.
      const escaped = await call(l.publicUrl, {
        url: `/%69nternal/v1/users/${viewer.userId}`,
        headers: { authorization: `Bearer ${full.secret}` },
      });
      expectProblem(escaped, 404, 'KERNEL.ROUTE_NOT_FOUND');
      const escapedPublic = await call(l.internalUrl, { url: '/%761/me', headers: { authorization: `Bearer ${owner.accessToken}` } });
      expectProblem(escapedPublic, 404, 'KERNEL.ROUTE_NOT_FOUND');
      const hiddenInternal = await call(l.internalUrl, { url: '/v1/me', headers: { authorization: `Bearer ${owner.accessToken}` } });
      const unknownInternal = await call(l.internalUrl, { url: '/v9/me', headers: { authorization: `Bearer ${owner.accessToken}` } });
      expect(strip(hiddenInternal)).toEqual(strip(unknownInternal));
    });

    it('health and metrics are on both ports', async () => {
      for (const base of [l.publicUrl, l.internalUrl]) {
        for (const url of ['/health/live', '/health/ready', '/metrics']) {
          const res = await call(base, { url });
          expect({ base: base === l.publicUrl ? 'public' : 'internal', url, status: res.statusCode }).toEqual({
            base: base === l.publicUrl ? 'public' : 'internal',
            url,
            status: 200,
          });
        }
      }
      expect((await call(l.internalUrl, { url: '/metrics' })).body).toMatch(/http_request_duration_seconds/);
    });

    it('each port serves its own OpenAPI document', async () => {
      const internalDoc = await call(l.internalUrl, { url: '/internal/openapi.json' });
      expect(internalDoc.statusCode).toBe(200);
      const doc = internalDoc.json<{ paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } }>();
      expect(Object.keys(doc.paths).sort()).toEqual([...INTERNAL_DOCUMENT_PATHS].sort());
      expect(Object.keys(doc.components.securitySchemes)).toEqual(['api_key']);
      expectProblem(await call(l.publicUrl, { url: '/internal/openapi.json' }), 404, 'KERNEL.ROUTE_NOT_FOUND');
      expectProblem(await ctx.t.inject({ method: 'GET', url: '/internal/openapi.json' }), 404, 'KERNEL.ROUTE_NOT_FOUND');

      const publicDoc = await call(l.publicUrl, { url: '/openapi.json' });
      expect(publicDoc.statusCode).toBe(200);
      const paths = Object.keys(publicDoc.json<{ paths: Record<string, unknown> }>().paths);
      expect(paths.filter((p) => p.startsWith('/internal'))).toEqual([]);
      expect(paths).toContain('/v1/applications/{id}/api-keys');
    });
  });
});
