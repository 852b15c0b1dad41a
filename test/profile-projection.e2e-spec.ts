import type { InternalProfileProjectionV1 } from '@user-engine/contracts';
import { del, signUp, type SignedIn } from './support/account';
import {
  call,
  createApiKey,
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

// The internal profile projection (GET /internal/v1/users/{id}/profile, scope profiles:read) over
// real HTTP: each application sees exactly the profile fields its catalog declares and its own
// attributes (defaults included), globally or in a tenant; every way a caller is refused; malformed
// input; a re-publish reflected in the next projection; the route in the internal OpenAPI document.

const UNKNOWN_ID = '0190a000-0000-7000-8000-00000000abcd';

/** crm reads names and locale, and has two global and two tenant attributes (one of each without default). */
const CRM_CATALOG = {
  permissions: [],
  profile_fields: ['locale', 'display_name', 'title'],
  attributes: [
    { key: 'region', type: 'string', scope: 'global', constraints: { enum: ['emea', 'apac', 'amer'] }, default: 'emea' },
    { key: 'vip', type: 'boolean', scope: 'global' },
    { key: 'seat_role', type: 'string', scope: 'tenant', default: 'member' },
    { key: 'quota', type: 'integer', scope: 'tenant', constraints: { minimum: 0 } },
  ],
};

/** billing reads other fields and has attributes of its own. */
const BILLING_CATALOG = {
  permissions: [],
  profile_fields: ['first_name', 'last_name', 'timezone'],
  attributes: [
    { key: 'currency', type: 'string', scope: 'global', default: 'EUR' },
    { key: 'credit', type: 'number', scope: 'global' },
    { key: 'plan_tier', type: 'string', scope: 'tenant', constraints: { enum: ['free', 'pro'] }, default: 'free' },
    { key: 'seats', type: 'integer', scope: 'tenant', constraints: { minimum: 1 } },
    // Named like crm's (global) one: attributes are per application, never merged.
    { key: 'region', type: 'string', scope: 'tenant', default: 'eu-west' },
  ],
};

interface Operation {
  security: unknown[];
  parameters: { in: string; name: string; required: boolean; schema: Record<string, unknown> }[];
  responses: Record<string, { description: string; content: Record<string, { schema: unknown }> }>;
}

function expectInvalid(res: HttpResponse, path: string, rule?: string): ProblemBody {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect(body.errors).toEqual([expect.objectContaining({ path, ...(rule ? { rule } : {}) })]);
  return body;
}

describe('internal profile projection', () => {
  // Key failures are counted per address; this suite makes some on purpose.
  const ctx = useTestApp({ env: { ACCESS_API_KEY_FAILURE_LIMIT: '100000' } });
  let l: Listening;
  let operator: SignedIn;
  let owner: SignedIn;
  let ownerB: SignedIn;
  /** Member of tenantA with a global profile, a layer in tenantA and attribute values for both applications. */
  let ada: SignedIn;
  /** Member of tenantA who never wrote a profile. */
  let bob: SignedIn;
  let outsider: SignedIn;
  let tenantA: string;
  let tenantB: string;
  let deletedTenant: string;
  let crm: RegisteredApplication;
  let billing: RegisteredApplication;
  let unpublished: RegisteredApplication;
  let blank: RegisteredApplication;
  let crmKey: IssuedKey;
  let billingKey: IssuedKey;
  let unpublishedKey: IssuedKey;
  let blankKey: IssuedKey;
  let crmUsersOnly: IssuedKey;
  let crmBoundA: IssuedKey;
  let crmBoundB: IssuedKey;

  const publish = async (app: RegisteredApplication, catalog: unknown) => {
    const res = await put(ctx.t, `/v1/applications/${app.id}/catalog`, catalog, operator.accessToken);
    if (res.statusCode !== 201) throw new Error(`publish ${app.key}: ${res.statusCode} ${res.body}`);
  };

  const projection = (userId: string, key: IssuedKey | undefined, query = '') =>
    internal(l, 'GET', `/internal/v1/users/${userId}/profile${query}`, { key: key?.secret });

  const ok = (res: HttpResponse): InternalProfileProjectionV1 => {
    expect({ status: res.statusCode, type: res.headers['content-type'] }).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/) as unknown as string,
    });
    return res.json<InternalProfileProjectionV1>();
  };

  const auditOf = (res: HttpResponse) =>
    ctx.db.query<{ action: string; actor_id: string | null; resource_id: string | null; data: Record<string, unknown> }>(
      `SELECT action, actor_id, resource_id, data FROM kernel.audit_log WHERE request_id = $1 ORDER BY occurred_at, id`,
      [res.headers['x-request-id']],
    );

  /** Waits for the sign-up reaction to create the user's global profile (writes must not race it). */
  const profileCreated = (user: SignedIn) =>
    eventually(
      async () => (await ctx.db.query(`SELECT 1 FROM profile.profiles WHERE user_id = $1`, [user.userId])).length === 1,
      15_000,
      `the profile of ${user.email}`,
    );

  beforeAll(async () => {
    const { t, db } = ctx;
    operator = await signUp(t, db);
    await makeOperator(db, operator);
    owner = await signUp(t, db);
    tenantA = await createTenant(t, owner, 'Acme');
    ada = await addMember(t, db, tenantA, owner, ['viewer']);
    bob = await addMember(t, db, tenantA, owner, ['editor']);
    ownerB = await signUp(t, db);
    tenantB = await createTenant(t, ownerB, 'Beta');
    outsider = await signUp(t, db);
    deletedTenant = await createTenant(t, owner, 'Gone');
    const gone = await del(t, `/v1/tenants/${deletedTenant}`, owner.accessToken);
    if (gone.statusCode !== 204) throw new Error(`delete tenant: ${gone.statusCode} ${gone.body}`);

    crm = await registerApplication(t, operator, 'crm');
    billing = await registerApplication(t, operator, 'billing');
    unpublished = await registerApplication(t, operator, 'wiki');
    blank = await registerApplication(t, operator, 'chat');
    await publish(crm, CRM_CATALOG);
    await publish(billing, BILLING_CATALOG);
    await publish(blank, { permissions: [] });

    const read = { scopes: ['profiles:read'] };
    crmKey = await createApiKey(t, operator, crm.id, { name: 'crm', ...read });
    billingKey = await createApiKey(t, operator, billing.id, { name: 'billing', ...read });
    unpublishedKey = await createApiKey(t, operator, unpublished.id, { name: 'wiki', ...read });
    blankKey = await createApiKey(t, operator, blank.id, { name: 'chat', ...read });
    crmUsersOnly = await createApiKey(t, operator, crm.id, { name: 'crm users', scopes: ['users:read', 'members:read'] });
    crmBoundA = await createApiKey(t, operator, crm.id, { name: 'crm acme', tenant_id: tenantA, ...read });
    crmBoundB = await createApiKey(t, operator, crm.id, { name: 'crm beta', tenant_id: tenantB, ...read });

    // The catalogs reloaded at commit: this process validates against them at once.
    await Promise.all([ada, bob, outsider].map(profileCreated));
    const global = await patch(
      t,
      '/v1/profile',
      {
        display_name: 'Ada',
        first_name: 'Ada',
        last_name: 'Lovelace',
        locale: 'en-gb',
        timezone: 'Europe/London',
        bio: 'Analyst',
        attributes: { crm: { region: 'apac' }, billing: { credit: 12.5 } },
      },
      ada.accessToken,
    );
    if (global.statusCode !== 200) throw new Error(`global profile: ${global.statusCode} ${global.body}`);
    const layer = await patch(
      t,
      `/v1/tenants/${tenantA}/profile`,
      { display_name: 'Ada L.', title: 'Head of Sales', attributes: { crm: { seat_role: 'admin' }, billing: { seats: 3 } } },
      ada.accessToken,
    );
    if (layer.statusCode !== 200) throw new Error(`tenant layer: ${layer.statusCode} ${layer.body}`);

    l = await listen(t);
  });

  // ------------------------------------------------------------------------------------------
  // What each application sees.

  describe('each application sees its own part', () => {
    it('crm without tenant_id: its fields from the global profile, its global attributes (with defaults), tenant null', async () => {
      const body = ok(await projection(ada.userId, crmKey));
      expect(body).toEqual({
        user_id: ada.userId,
        tenant_id: null,
        application: 'crm',
        // title lives only in tenant layers; vip has no value and no default; tenant attributes do not exist here.
        fields: { display_name: 'Ada', title: null, locale: 'en-GB' },
        attributes: { region: 'apac' },
      });
      // Fields in the order profiles show them, whatever order the catalog listed them in.
      expect(Object.keys(body.fields)).toEqual(['display_name', 'title', 'locale']);
    });

    it('crm with tenant_id: the layer overrides fields, tenant attributes join (defaults for unwritten ones)', async () => {
      expect(ok(await projection(ada.userId, crmKey, `?tenant_id=${tenantA}`))).toEqual({
        user_id: ada.userId,
        tenant_id: tenantA,
        application: 'crm',
        fields: { display_name: 'Ada L.', title: 'Head of Sales', locale: 'en-GB' },
        attributes: { region: 'apac', seat_role: 'admin' },
      });
    });

    it("billing sees only billing: other fields, its own attributes and defaults, never crm's (even one of the same name)", async () => {
      expect(ok(await projection(ada.userId, billingKey))).toEqual({
        user_id: ada.userId,
        tenant_id: null,
        application: 'billing',
        fields: { first_name: 'Ada', last_name: 'Lovelace', timezone: 'Europe/London' },
        attributes: { currency: 'EUR', credit: 12.5 },
      });
      expect(ok(await projection(ada.userId, billingKey, `?tenant_id=${tenantA}`))).toEqual({
        user_id: ada.userId,
        tenant_id: tenantA,
        application: 'billing',
        fields: { first_name: 'Ada', last_name: 'Lovelace', timezone: 'Europe/London' },
        attributes: { currency: 'EUR', credit: 12.5, plan_tier: 'free', seats: 3, region: 'eu-west' },
      });
    });

    it('a user who wrote nothing: null fields and only defaults, globally and in the tenant', async () => {
      // Sign-up took no display name: the profile the reaction created is empty.
      expect(await ctx.db.query(`SELECT display_name, attributes FROM profile.profiles WHERE user_id = $1`, [bob.userId])).toEqual([
        { display_name: null, attributes: {} },
      ]);
      expect(ok(await projection(bob.userId, crmKey))).toEqual({
        user_id: bob.userId,
        tenant_id: null,
        application: 'crm',
        fields: { display_name: null, title: null, locale: null },
        attributes: { region: 'emea' },
      });
      expect(ok(await projection(bob.userId, crmKey, `?tenant_id=${tenantA}`))).toEqual({
        user_id: bob.userId,
        tenant_id: tenantA,
        application: 'crm',
        fields: { display_name: null, title: null, locale: null },
        attributes: { region: 'emea', seat_role: 'member' },
      });
      expect(ok(await projection(bob.userId, billingKey, `?tenant_id=${tenantA}`)).attributes).toEqual({
        currency: 'EUR',
        plan_tier: 'free',
        region: 'eu-west',
      });
    });

    it('an application without a catalog, or whose catalog declares nothing, sees no fields and no attributes', async () => {
      for (const [app, key] of [
        [unpublished, unpublishedKey],
        [blank, blankKey],
      ] as const) {
        for (const tenant of [null, tenantA]) {
          const res = await projection(ada.userId, key, tenant ? `?tenant_id=${tenant}` : '');
          expect({ app: app.key, body: ok(res) }).toEqual({
            app: app.key,
            body: { user_id: ada.userId, tenant_id: tenant, application: app.key, fields: {}, attributes: {} },
          });
        }
      }
    });

    it('ids in any case answer the lowercase ids', async () => {
      const body = ok(await projection(ada.userId.toUpperCase(), crmKey, `?tenant_id=${tenantA.toUpperCase()}`));
      expect([body.user_id, body.tenant_id]).toEqual([ada.userId, tenantA]);
    });

    it('a suspended member is still projected in the tenant', async () => {
      const carol = await addMember(ctx.t, ctx.db, tenantA, owner, ['viewer']);
      const susp = await patch(ctx.t, `/v1/tenants/${tenantA}/members/${carol.userId}`, { status: 'suspended' }, owner.accessToken);
      expect(susp.statusCode).toBe(200);
      expect(ok(await projection(carol.userId, crmKey, `?tenant_id=${tenantA}`))).toMatchObject({
        tenant_id: tenantA,
        attributes: { region: 'emea', seat_role: 'member' },
      });
    });

    it('a removed member is no longer projected in the tenant (and their layer goes)', async () => {
      const dave = await addMember(ctx.t, ctx.db, tenantA, owner, ['viewer']);
      const layer = await patch(
        ctx.t,
        `/v1/tenants/${tenantA}/profile`,
        { title: 'Temp', attributes: { crm: { quota: 5 } } },
        dave.accessToken,
      );
      expect(layer.statusCode).toBe(200);
      expect(ok(await projection(dave.userId, crmKey, `?tenant_id=${tenantA}`))).toMatchObject({
        fields: { title: 'Temp' },
        attributes: { region: 'emea', seat_role: 'member', quota: 5 },
      });
      expect((await del(ctx.t, `/v1/tenants/${tenantA}/members/${dave.userId}`, owner.accessToken)).statusCode).toBe(204);
      expectProblem(await projection(dave.userId, crmKey, `?tenant_id=${tenantA}`), 404, 'TENANCY.MEMBER_NOT_FOUND');
      // Globally they are still a user.
      expect(ok(await projection(dave.userId, crmKey)).tenant_id).toBeNull();
      await eventually(
        async () => (await ctx.db.query(`SELECT 1 FROM profile.tenant_layers WHERE user_id = $1`, [dave.userId])).length === 0,
        15_000,
        "the removed member's layer to go",
      );
    });

    it('a user whose profile is not there yet reads as empty: null fields and defaults', async () => {
      const fresh = await addMember(ctx.t, ctx.db, tenantA, owner, ['viewer']);
      await profileCreated(fresh);
      // As if the sign-up reaction had not run yet.
      await ctx.db.query(`DELETE FROM profile.profiles WHERE user_id = $1`, [fresh.userId]);
      expect(ok(await projection(fresh.userId, billingKey, `?tenant_id=${tenantA}`))).toEqual({
        user_id: fresh.userId,
        tenant_id: tenantA,
        application: 'billing',
        fields: { first_name: null, last_name: null, timezone: null },
        attributes: { currency: 'EUR', plan_tier: 'free', region: 'eu-west' },
      });
    });

    it('reading is not audited', async () => {
      const res = await projection(ada.userId, crmKey, `?tenant_id=${tenantA}`);
      ok(res);
      expect(await auditOf(res)).toEqual([]);
    });
  });

  // ------------------------------------------------------------------------------------------
  // Tenant-bound keys.

  describe('a tenant-bound key', () => {
    it('without tenant_id defaults to its tenant', async () => {
      expect(ok(await projection(ada.userId, crmBoundA))).toEqual({
        user_id: ada.userId,
        tenant_id: tenantA,
        application: 'crm',
        fields: { display_name: 'Ada L.', title: 'Head of Sales', locale: 'en-GB' },
        attributes: { region: 'apac', seat_role: 'admin' },
      });
    });

    it('naming its own tenant (in any case) answers the same', async () => {
      expect(ok(await projection(ada.userId, crmBoundA, `?tenant_id=${tenantA.toUpperCase()}`))).toEqual(
        ok(await projection(ada.userId, crmBoundA)),
      );
    });

    it('naming another tenant (or an unknown one) is 403 AUTHZ.API_KEY_TENANT, audited as authz.denied', async () => {
      const res = await projection(ada.userId, crmBoundB, `?tenant_id=${tenantA}`);
      expect(expectProblem(res, 403, 'AUTHZ.API_KEY_TENANT').reason).toBe('key_tenant_mismatch');
      expect(await auditOf(res)).toEqual([
        {
          action: 'authz.denied',
          actor_id: crm.id,
          resource_id: crmBoundB.id,
          data: { tenant_id: tenantA, reason: 'key_tenant_mismatch', path: `/internal/v1/users/${ada.userId}/profile` },
        },
      ]);
      expectProblem(await projection(ada.userId, crmBoundA, `?tenant_id=${UNKNOWN_ID}`), 403, 'AUTHZ.API_KEY_TENANT');
      expectProblem(await projection(ownerB.userId, crmBoundA, `?tenant_id=${tenantB}`), 403, 'AUTHZ.API_KEY_TENANT');
    });

    it("sees only its tenant's members: anyone else is 404 TENANCY.MEMBER_NOT_FOUND", async () => {
      expectProblem(await projection(outsider.userId, crmBoundA), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await projection(ada.userId, crmBoundB), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expect(ok(await projection(ownerB.userId, crmBoundB)).tenant_id).toBe(tenantB);
    });

    it('of a tenant since deleted: 404 TENANCY.NOT_FOUND', async () => {
      const doomed = await createTenant(ctx.t, owner, 'Doomed');
      const bound = await createApiKey(ctx.t, operator, crm.id, { name: 'crm doomed', tenant_id: doomed, scopes: ['profiles:read'] });
      expect(ok(await projection(owner.userId, bound)).tenant_id).toBe(doomed);
      expect((await del(ctx.t, `/v1/tenants/${doomed}`, owner.accessToken)).statusCode).toBe(204);
      // The key is revoked only when the tenant is erased (after the retention); until then it finds no tenant.
      expectProblem(await projection(owner.userId, bound), 404, 'TENANCY.NOT_FOUND');
    });
  });

  // ------------------------------------------------------------------------------------------
  // Refusals.

  describe('refuses', () => {
    it('a key without profiles:read: 403 AUTHZ.API_KEY_SCOPE, audited', async () => {
      const res = await projection(ada.userId, crmUsersOnly);
      expect(expectProblem(res, 403, 'AUTHZ.API_KEY_SCOPE')).toMatchObject({ reason: 'missing_scope', scope: 'profiles:read' });
      expect(await auditOf(res)).toEqual([
        {
          action: 'authz.denied',
          actor_id: crm.id,
          resource_id: crmUsersOnly.id,
          data: { scope: 'profiles:read', reason: 'missing_scope', path: `/internal/v1/users/${ada.userId}/profile` },
        },
      ]);
    });

    it('no key: 401 AUTH.API_KEY_REQUIRED with a challenge', async () => {
      const res = await projection(ada.userId, undefined);
      expectProblem(res, 401, 'AUTH.API_KEY_REQUIRED');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="user-engine-internal"');
    });

    it("a user's access token on the internal port: 401 AUTH.API_KEY_REQUIRED", async () => {
      const res = await internal(l, 'GET', `/internal/v1/users/${ada.userId}/profile`, { authorization: `Bearer ${ada.accessToken}` });
      expectProblem(res, 401, 'AUTH.API_KEY_REQUIRED');
      const operatorRes = await internal(l, 'GET', `/internal/v1/users/${ada.userId}/profile`, {
        authorization: `Bearer ${operator.accessToken}`,
      });
      expectProblem(operatorRes, 401, 'AUTH.API_KEY_REQUIRED');
    });

    it('the route on the public port: 404 KERNEL.ROUTE_NOT_FOUND, even with a good key', async () => {
      const res = await call(l.publicUrl, {
        url: `/internal/v1/users/${ada.userId}/profile`,
        headers: { authorization: `Bearer ${crmKey.secret}` },
      });
      expectProblem(res, 404, 'KERNEL.ROUTE_NOT_FOUND');
    });

    it('a user not a member of the tenant: 404 TENANCY.MEMBER_NOT_FOUND', async () => {
      expectProblem(await projection(ada.userId, crmKey, `?tenant_id=${tenantB}`), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await projection(outsider.userId, billingKey, `?tenant_id=${tenantA}`), 404, 'TENANCY.MEMBER_NOT_FOUND');
    });

    it('an unknown user: 404 ACCOUNT.USER_NOT_FOUND, with or without a tenant', async () => {
      expectProblem(await projection(UNKNOWN_ID, crmKey), 404, 'ACCOUNT.USER_NOT_FOUND');
      expectProblem(await projection(UNKNOWN_ID, crmKey, `?tenant_id=${tenantA}`), 404, 'ACCOUNT.USER_NOT_FOUND');
      expectProblem(await projection(UNKNOWN_ID, crmBoundA), 404, 'ACCOUNT.USER_NOT_FOUND');
    });

    it('a deleted user: 404 ACCOUNT.USER_NOT_FOUND', async () => {
      const leaver = await addMember(ctx.t, ctx.db, tenantA, owner, ['viewer']);
      expect(ok(await projection(leaver.userId, crmKey)).user_id).toBe(leaver.userId);
      expect((await del(ctx.t, '/v1/me', leaver.accessToken)).statusCode).toBe(204);
      expectProblem(await projection(leaver.userId, crmKey), 404, 'ACCOUNT.USER_NOT_FOUND');
      expectProblem(await projection(leaver.userId, crmKey, `?tenant_id=${tenantA}`), 404, 'ACCOUNT.USER_NOT_FOUND');
    });

    it('an unknown or deleted tenant: 404 TENANCY.NOT_FOUND', async () => {
      expectProblem(await projection(ada.userId, crmKey, `?tenant_id=${UNKNOWN_ID}`), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await projection(owner.userId, crmKey, `?tenant_id=${deletedTenant}`), 404, 'TENANCY.NOT_FOUND');
    });

    it('a malformed id or tenant_id: 400 KERNEL.VALIDATION_FAILED', async () => {
      expectInvalid(await projection('not-a-uuid', crmKey), 'id', 'isUuid');
      expectInvalid(await projection(ada.userId, crmKey, '?tenant_id=not-a-uuid'), 'tenant_id');
      expectInvalid(await projection(ada.userId, crmKey, '?tenant_id='), 'tenant_id');
      expectInvalid(await projection(ada.userId, crmKey, `?tenant_id=${tenantA}&tenant_id=${tenantB}`), 'tenant_id');
      // A bound key's malformed tenant_id is a validation error too, not a silent default to its tenant.
      expectInvalid(await projection(ada.userId, crmBoundA, '?tenant_id=nope'), 'tenant_id');
    });

    it('an unknown query member: 400 KERNEL.VALIDATION_FAILED', async () => {
      expectInvalid(await projection(ada.userId, crmKey, '?application=billing'), 'application');
      expectInvalid(await projection(ada.userId, crmKey, `?tenant_id=${tenantA}&fields=bio`), 'fields');
    });
  });

  // ------------------------------------------------------------------------------------------
  // Catalog changes.

  describe('a re-published catalog', () => {
    it('that drops a profile field and an attribute is reflected in the next projection', async () => {
      const support = await registerApplication(ctx.t, operator, 'support');
      const key = await createApiKey(ctx.t, operator, support.id, { name: 'support', scopes: ['profiles:read'] });
      await publish(support, {
        permissions: [],
        profile_fields: ['display_name', 'bio', 'title'],
        attributes: [
          { key: 'tier', type: 'string', scope: 'global' },
          { key: 'agent', type: 'boolean', scope: 'tenant', default: false },
        ],
      });
      const write = await patch(ctx.t, '/v1/profile', { attributes: { support: { tier: 'gold' } } }, ada.accessToken);
      expect(write.statusCode).toBe(200);
      const layer = await patch(ctx.t, `/v1/tenants/${tenantA}/profile`, { attributes: { support: { agent: true } } }, ada.accessToken);
      expect(layer.statusCode).toBe(200);
      expect(ok(await projection(ada.userId, key, `?tenant_id=${tenantA}`))).toEqual({
        user_id: ada.userId,
        tenant_id: tenantA,
        application: 'support',
        fields: { display_name: 'Ada L.', title: 'Head of Sales', bio: 'Analyst' },
        attributes: { tier: 'gold', agent: true },
      });

      await publish(support, {
        permissions: [],
        profile_fields: ['display_name', 'bio'],
        attributes: [{ key: 'agent', type: 'boolean', scope: 'tenant', default: false }],
      });
      expect(ok(await projection(ada.userId, key, `?tenant_id=${tenantA}`))).toEqual({
        user_id: ada.userId,
        tenant_id: tenantA,
        application: 'support',
        fields: { display_name: 'Ada L.', bio: 'Analyst' },
        attributes: { agent: true },
      });
      expect(ok(await projection(ada.userId, key))).toEqual({
        user_id: ada.userId,
        tenant_id: null,
        application: 'support',
        fields: { display_name: 'Ada', bio: 'Analyst' },
        attributes: {},
      });
      // The other applications' projections did not move.
      expect(ok(await projection(ada.userId, crmKey)).attributes).toEqual({ region: 'apac' });
    });
  });

  // ------------------------------------------------------------------------------------------
  // The internal OpenAPI document.

  describe('the internal OpenAPI document', () => {
    it('describes the projection: path and query parameters, the API-key security, the response and its problems', async () => {
      const res = await call(l.internalUrl, { url: '/internal/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json<{
        paths: Record<string, Record<string, Operation>>;
        components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
      }>();
      const op = doc.paths['/internal/v1/users/{id}/profile']?.get;
      expect(Object.keys(doc.paths['/internal/v1/users/{id}/profile'] ?? {})).toEqual(['get']);
      expect(op.security).toEqual([{ api_key: [] }]);
      expect(op.parameters.map((p) => [p.in, p.name, p.required])).toEqual([
        ['path', 'id', true],
        ['query', 'tenant_id', false],
      ]);
      expect(op.parameters[1].schema).toEqual({ type: 'string', format: 'uuid' });
      expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ProfileProjectionResponse' });
      expect(Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, r.description]))).toEqual({
        '200': expect.any(String) as unknown as string,
        '400': expect.stringContaining('KERNEL.VALIDATION_FAILED') as unknown as string,
        '401': 'AUTH.API_KEY_REQUIRED, AUTH.API_KEY_INVALID, AUTH.API_KEY_REVOKED, AUTH.API_KEY_EXPIRED',
        '403': 'AUTH.APPLICATION_DISABLED, AUTHZ.API_KEY_SCOPE, AUTHZ.API_KEY_TENANT',
        '404': 'ACCOUNT.USER_NOT_FOUND, TENANCY.NOT_FOUND, TENANCY.MEMBER_NOT_FOUND',
        '429': 'AUTH.API_KEY_THROTTLED',
      });
      const schema = doc.components.schemas.ProfileProjectionResponse;
      expect(Object.keys(schema.properties).sort()).toEqual(['application', 'attributes', 'fields', 'tenant_id', 'user_id']);
      expect([...(schema.required ?? [])].sort()).toEqual(['application', 'attributes', 'fields', 'tenant_id', 'user_id']);
    });
  });
});
