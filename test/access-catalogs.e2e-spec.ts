import type { LightMyRequestResponse } from 'fastify';
import { get, post, signUp, type SignedIn } from './support/account';
import { registerApplication, type RegisteredApplication } from './support/internal';
import { expectProblem, type ProblemBody } from './support/problems';
import { addMember, createTenant, makeOperator, patch, put } from './support/tenancy';
import { eventually, startTestApp, type TestApp, useTestApp } from './support/test-app';

// Applications' catalogs: publishing versions (201 new, 200 unchanged), validation, the deprecation
// and in-use rules, incompatible attribute changes, the event and the audit entry, built-in roles
// holding catalog permissions from their default_role up, custom roles using them, /v1/permissions,
// reserved and taken application keys, and a second process seeing a publish.

interface CatalogBody {
  application_id: string;
  application_key: string;
  version: number;
  permissions: { key: string; description: string; default_role: string; deprecated: boolean }[];
  attributes: {
    key: string;
    type: string;
    scope: string;
    description: string | null;
    constraints: Record<string, unknown>;
    default: unknown;
  }[];
  profile_fields: string[];
  published_by: string | null;
  published_at: string;
}

const UNKNOWN_ID = '0190a4d6-aaaa-7000-8000-00000000000a';

/** The first catalog of `billing`: one permission per default role, plus two the later versions drop. */
const V1 = {
  permissions: [
    { key: 'billing:invoices.read', description: 'Read invoices', default_role: 'viewer' },
    { key: 'billing:invoices.write', description: 'Write invoices', default_role: 'editor' },
    { key: 'billing:refunds.issue', description: 'Issue refunds', default_role: 'admin' },
    { key: 'billing:settings.manage', description: 'Manage billing settings' },
    { key: 'billing:reports.export', description: 'Export reports' },
    { key: 'billing:legacy.sync', description: 'Legacy sync' },
  ],
  attributes: [
    {
      key: 'plan_tier',
      type: 'string',
      scope: 'tenant',
      description: 'Plan',
      constraints: { enum: ['free', 'pro'] },
      default: 'free',
    },
    { key: 'seats', type: 'integer', scope: 'global', constraints: { minimum: 1 } },
  ],
  profile_fields: ['timezone', 'display_name'],
};
/** How V1's profile fields are stored and answered: in the order profiles show them. */
const V1_PROFILE_FIELDS = ['display_name', 'timezone'];

const V1_PERMISSIONS = [
  { key: 'billing:invoices.read', description: 'Read invoices', default_role: 'viewer', deprecated: false },
  { key: 'billing:invoices.write', description: 'Write invoices', default_role: 'editor', deprecated: false },
  { key: 'billing:legacy.sync', description: 'Legacy sync', default_role: 'owner', deprecated: false },
  { key: 'billing:refunds.issue', description: 'Issue refunds', default_role: 'admin', deprecated: false },
  { key: 'billing:reports.export', description: 'Export reports', default_role: 'owner', deprecated: false },
  { key: 'billing:settings.manage', description: 'Manage billing settings', default_role: 'owner', deprecated: false },
];
const V1_ATTRIBUTES = [
  { key: 'plan_tier', type: 'string', scope: 'tenant', description: 'Plan', constraints: { enum: ['free', 'pro'] }, default: 'free' },
  { key: 'seats', type: 'integer', scope: 'global', description: null, constraints: { minimum: 1 }, default: null },
];

describe('access: applications publish catalogs', () => {
  const ctx = useTestApp();
  let operator: SignedIn;
  let owner: SignedIn;
  let admin: SignedIn;
  let editor: SignedIn;
  let viewer: SignedIn;
  let member: SignedIn;
  let tenant: string;
  let billing: RegisteredApplication;

  const catalogUrl = (id: string) => `/v1/applications/${id}/catalog`;
  const publish = (payload: unknown, who: SignedIn | undefined = operator, app = billing): Promise<LightMyRequestResponse> =>
    put(ctx.t, catalogUrl(app.id), payload, who?.accessToken);
  const decision = async (who: SignedIn, permission: string, t: TestApp = ctx.t) => {
    const res = await post(t, `/v1/tenants/${tenant}/authz/check`, { permission }, who.accessToken);
    expect(res.statusCode).toBe(200);
    return res.json<{ allowed: boolean; reason: string }>();
  };
  const listed = async (who: SignedIn, t: TestApp = ctx.t) => {
    const res = await get(t, '/v1/permissions', who.accessToken);
    expect(res.statusCode).toBe(200);
    return res.json<{ items: { key: string; source: string }[] }>().items;
  };

  /** What the database holds for an application's catalogs (versions, current rows, events, audit). */
  async function state(app = billing) {
    const [{ catalog_version }] = await ctx.db.query<{ catalog_version: number }>(
      `SELECT catalog_version FROM access.applications WHERE id = $1`,
      [app.id],
    );
    const versions = await ctx.db.query<{ version: number }>(
      `SELECT version FROM access.catalog_versions WHERE application_id = $1 ORDER BY version`,
      [app.id],
    );
    const permissions = await ctx.db.query<{ key: string; default_role: string; deprecated: boolean }>(
      `SELECT key, default_role, deprecated FROM access.catalog_permissions WHERE application_id = $1 ORDER BY key`,
      [app.id],
    );
    const attributes = await ctx.db.query<{ key: string }>(
      `SELECT key, type, scope, description, constraints, default_value FROM access.catalog_attributes WHERE application_id = $1 ORDER BY key`,
      [app.id],
    );
    const [{ events }] = await ctx.db.query<{ events: number }>(
      `SELECT count(*)::int AS events FROM kernel.outbox WHERE type = 'application.catalog_published' AND aggregate_id = $1`,
      [app.id],
    );
    const [{ audits }] = await ctx.db.query<{ audits: number }>(
      `SELECT count(*)::int AS audits FROM kernel.audit_log WHERE action = 'application.catalog_published' AND resource_id = $1`,
      [app.id],
    );
    return { catalog_version, versions: versions.map((v) => v.version), permissions, attributes, events, audits };
  }

  /** Runs `refused` and asserts the application's catalogs did not change. */
  async function unchanged(refused: () => Promise<unknown>, app = billing): Promise<void> {
    const before = await state(app);
    await refused();
    expect(await state(app)).toEqual(before);
  }

  /** The newest catalog event of the application. */
  async function lastEvent(app = billing) {
    const [row] = await ctx.db.query<{
      version: number;
      tenant_id: string | null;
      aggregate_type: string;
      payload: Record<string, unknown>;
    }>(
      `SELECT version, tenant_id, aggregate_type, payload FROM kernel.outbox
        WHERE type = 'application.catalog_published' AND aggregate_id = $1 ORDER BY (payload->>'version')::int DESC LIMIT 1`,
      [app.id],
    );
    return row;
  }

  function expectInvalid(res: LightMyRequestResponse, path: string, rule: string): ProblemBody {
    const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path, rule })]));
    return body;
  }

  beforeAll(async () => {
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    owner = await signUp(ctx.t, ctx.db);
    tenant = await createTenant(ctx.t, owner);
    admin = await addMember(ctx.t, ctx.db, tenant, owner, ['admin']);
    editor = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
    viewer = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
    member = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
    billing = await registerApplication(ctx.t, operator, 'billing');
  });

  describe('application keys', () => {
    it.each([
      'members',
      'roles',
      'tenants',
      'audit',
      'platform',
      'account',
      'profile',
      'tenancy',
      'access',
      'subscription',
      'integration',
      'internal',
      'user-engine',
    ])('the reserved key %s is 409 ACCESS.APPLICATION_KEY_TAKEN (rule reserved) and registers nothing', async (key) => {
      const res = await post(ctx.t, '/v1/applications', { key, name: 'Shadow' }, operator.accessToken);
      const body = expectProblem(res, 409, 'ACCESS.APPLICATION_KEY_TAKEN');
      expect(body.errors).toEqual([{ path: 'key', message: expect.any(String), rule: 'ACCESS.APPLICATION_KEY_RESERVED' }]);
      expect(await ctx.db.query(`SELECT key FROM access.applications WHERE key = $1`, [key])).toEqual([]);
    });

    it('a taken key is 409 ACCESS.APPLICATION_KEY_TAKEN (rule taken); a key like a reserved one is fine', async () => {
      const res = await post(ctx.t, '/v1/applications', { key: 'billing', name: 'Again' }, operator.accessToken);
      const body = expectProblem(res, 409, 'ACCESS.APPLICATION_KEY_TAKEN');
      expect(body.errors).toEqual([{ path: 'key', message: expect.any(String), rule: 'ACCESS.APPLICATION_KEY_TAKEN' }]);
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM access.applications WHERE key = 'billing'`)).toEqual([{ n: 1 }]);
      const similar = await post(ctx.t, '/v1/applications', { key: 'members-hub', name: 'Members hub' }, operator.accessToken);
      expect(similar.statusCode).toBe(201);
    });
  });

  describe('before the first publish', () => {
    it('GET catalog is 404 ACCESS.CATALOG_NOT_FOUND; unknown applications 404; non-operators 403; anonymous 401', async () => {
      expectProblem(await get(ctx.t, catalogUrl(billing.id), operator.accessToken), 404, 'ACCESS.CATALOG_NOT_FOUND');
      await unchanged(async () => {
        expectProblem(await get(ctx.t, catalogUrl(UNKNOWN_ID), operator.accessToken), 404, 'ACCESS.APPLICATION_NOT_FOUND');
        expectProblem(await publish(V1, operator, { id: UNKNOWN_ID, key: 'x' }), 404, 'ACCESS.APPLICATION_NOT_FOUND');
        for (const who of [owner, admin, viewer]) {
          const p = expectProblem(await publish(V1, who), 403, 'AUTHZ.FORBIDDEN');
          expect(p.reason).toBe('not_platform_operator');
          expectProblem(await get(ctx.t, catalogUrl(billing.id), who.accessToken), 403, 'AUTHZ.FORBIDDEN');
        }
        expectProblem(await put(ctx.t, catalogUrl(billing.id), V1), 401, 'AUTH.UNAUTHENTICATED');
        expectProblem(await get(ctx.t, catalogUrl(billing.id)), 401, 'AUTH.UNAUTHENTICATED');
        expectProblem(await put(ctx.t, '/v1/applications/not-a-uuid/catalog', V1, operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      });
      expect(await state()).toMatchObject({ catalog_version: 0, versions: [], permissions: [], events: 0, audits: 0 });
      expect(await decision(owner, 'billing:invoices.read')).toEqual({ allowed: false, reason: 'unknown_permission' });
    });
  });

  describe('publishing', () => {
    it('a first version: 201, the catalog, its rows, the event and the audit entry', async () => {
      const res = await publish(V1);
      expect(res.statusCode).toBe(201);
      const body = res.json<CatalogBody>();
      expect(body).toEqual({
        application_id: billing.id,
        application_key: 'billing',
        version: 1,
        permissions: V1_PERMISSIONS,
        attributes: V1_ATTRIBUTES,
        profile_fields: V1_PROFILE_FIELDS,
        published_by: operator.userId,
        published_at: expect.any(String),
      });
      expect(new Date(body.published_at).toISOString()).toBe(body.published_at);
      expect((await get(ctx.t, catalogUrl(billing.id), operator.accessToken)).json()).toEqual(body);

      const s = await state();
      expect(s).toMatchObject({ catalog_version: 1, versions: [1], events: 1, audits: 1 });
      expect(s.permissions).toEqual(V1_PERMISSIONS.map((p) => ({ key: p.key, default_role: p.default_role, deprecated: false })));
      expect(s.attributes).toEqual([
        {
          key: 'plan_tier',
          type: 'string',
          scope: 'tenant',
          description: 'Plan',
          constraints: { enum: ['free', 'pro'] },
          default_value: 'free',
        },
        { key: 'seats', type: 'integer', scope: 'global', description: null, constraints: { minimum: 1 }, default_value: null },
      ]);
      const [version] = await ctx.db.query(
        `SELECT version, permissions, attributes, profile_fields, published_by FROM access.catalog_versions WHERE application_id = $1`,
        [billing.id],
      );
      expect(version).toEqual({
        version: 1,
        permissions: V1_PERMISSIONS,
        attributes: V1_ATTRIBUTES,
        profile_fields: V1_PROFILE_FIELDS,
        published_by: operator.userId,
      });

      expect(await lastEvent()).toEqual({
        version: 1,
        tenant_id: null,
        aggregate_type: 'application',
        payload: {
          application_id: billing.id,
          application_key: 'billing',
          version: 1,
          permissions: V1_PERMISSIONS,
          attributes: V1_ATTRIBUTES,
          profile_fields: V1_PROFILE_FIELDS,
          added: V1_PERMISSIONS.map((p) => p.key),
          deprecated: [],
          removed: [],
          published_by: operator.userId,
          published_at: body.published_at,
        },
      });
      const [audit] = await ctx.db.query(
        `SELECT tenant_id, actor_type, actor_id, outcome, resource_type, data FROM kernel.audit_log
          WHERE action = 'application.catalog_published' AND resource_id = $1`,
        [billing.id],
      );
      expect(audit).toEqual({
        tenant_id: null,
        actor_type: 'user',
        actor_id: operator.userId,
        outcome: 'success',
        resource_type: 'application',
        data: {
          version: 1,
          added: V1_PERMISSIONS.map((p) => p.key),
          deprecated: [],
          removed: [],
          attributes: ['plan_tier', 'seats'],
          profile_fields: V1_PROFILE_FIELDS,
        },
      });
    });

    it('the same content again (in another order, defaults spelled out) is 200 with the current version and writes nothing', async () => {
      const current = (await get(ctx.t, catalogUrl(billing.id), operator.accessToken)).json<CatalogBody>();
      const again = {
        permissions: [...V1.permissions].reverse().map((p) => ({ default_role: 'owner', ...p })),
        attributes: [
          { key: 'seats', type: 'integer', scope: 'global', constraints: { minimum: 1 }, default: null, description: null },
          V1.attributes[0],
        ],
        deprecated: [],
        profile_fields: ['timezone', 'display_name'],
      };
      await unchanged(async () => {
        const res = await publish(again);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(current);
      });
    });

    it.each<[string, unknown, string, string]>([
      ['another namespace', { permissions: [{ key: 'crm:deals.read', description: 'x' }] }, 'permissions[0].key', 'namespace'],
      ['a module namespace', { permissions: [{ key: 'members:read', description: 'x' }] }, 'permissions[0].key', 'namespace'],
      ['no action', { permissions: [{ key: 'billing', description: 'x' }] }, 'permissions[0].key', 'namespace'],
      [
        'a duplicate',
        {
          permissions: [
            { key: 'billing:a', description: 'x' },
            { key: 'billing:a', description: 'y' },
          ],
        },
        'permissions[1].key',
        'unique',
      ],
      [
        'an unknown default_role',
        { permissions: [{ key: 'billing:a', description: 'x', default_role: 'root' }] },
        'permissions[0].default_role',
        'isIn',
      ],
      ['no description', { permissions: [{ key: 'billing:a' }] }, 'permissions[0].description', 'isString'],
      ['no permissions', { attributes: [] }, 'permissions', 'isArray'],
      ['an unknown member', { permissions: [], extra: 1 }, 'extra', 'whitelistValidation'],
      [
        'a bad attribute key',
        { permissions: [], attributes: [{ key: 'Plan', type: 'string', scope: 'global' }] },
        'attributes[0].key',
        'matches',
      ],
      ['an unknown type', { permissions: [], attributes: [{ key: 'plan', type: 'date', scope: 'global' }] }, 'attributes[0].type', 'isIn'],
      [
        'an unknown scope',
        { permissions: [], attributes: [{ key: 'plan', type: 'string', scope: 'session' }] },
        'attributes[0].scope',
        'isIn',
      ],
      [
        'an attribute twice',
        {
          permissions: [],
          attributes: [
            { key: 'plan', type: 'string', scope: 'global' },
            { key: 'plan', type: 'string', scope: 'global' },
          ],
        },
        'attributes[1].key',
        'unique',
      ],
      [
        'max_length 0',
        { permissions: [], attributes: [{ key: 'plan', type: 'string', scope: 'global', constraints: { max_length: 0 } }] },
        'attributes[0].constraints.max_length',
        'constraint',
      ],
      [
        'max_length 10001',
        { permissions: [], attributes: [{ key: 'plan', type: 'string', scope: 'global', constraints: { max_length: 10_001 } }] },
        'attributes[0].constraints.max_length',
        'constraint',
      ],
      [
        'an invalid pattern',
        { permissions: [], attributes: [{ key: 'plan', type: 'string', scope: 'global', constraints: { pattern: '([a-z' } }] },
        'attributes[0].constraints.pattern',
        'constraint',
      ],
      [
        'a numeric enum on a string',
        { permissions: [], attributes: [{ key: 'plan', type: 'string', scope: 'global', constraints: { enum: [1, 2] } }] },
        'attributes[0].constraints.enum',
        'constraint',
      ],
      [
        'a string enum on an integer',
        { permissions: [], attributes: [{ key: 'n', type: 'integer', scope: 'global', constraints: { enum: ['1'] } }] },
        'attributes[0].constraints.enum',
        'constraint',
      ],
      [
        'minimum above maximum',
        { permissions: [], attributes: [{ key: 'n', type: 'number', scope: 'global', constraints: { minimum: 2, maximum: 1 } }] },
        'attributes[0].constraints.minimum',
        'constraint',
      ],
      [
        'a constraint of strings on an integer',
        { permissions: [], attributes: [{ key: 'n', type: 'integer', scope: 'global', constraints: { max_length: 3 } }] },
        'attributes[0].constraints.max_length',
        'unknownConstraint',
      ],
      [
        'a constraint on a boolean',
        { permissions: [], attributes: [{ key: 'b', type: 'boolean', scope: 'global', constraints: { enum: [true] } }] },
        'attributes[0].constraints.enum',
        'unknownConstraint',
      ],
      [
        'a default outside the enum',
        { permissions: [], attributes: [{ key: 'plan', type: 'string', scope: 'global', constraints: { enum: ['a'] }, default: 'b' }] },
        'attributes[0].default',
        'default',
      ],
      [
        'a default below the minimum',
        { permissions: [], attributes: [{ key: 'n', type: 'integer', scope: 'global', constraints: { minimum: 1 }, default: 0 }] },
        'attributes[0].default',
        'default',
      ],
      [
        'a default of another type',
        { permissions: [], attributes: [{ key: 'b', type: 'boolean', scope: 'global', default: 'yes' }] },
        'attributes[0].default',
        'default',
      ],
      [
        'a default not matching the pattern',
        {
          permissions: [],
          attributes: [{ key: 'p', type: 'string', scope: 'global', constraints: { pattern: '^[0-9]+$' }, default: 'x' }],
        },
        'attributes[0].default',
        'default',
      ],
      [
        'an object default',
        { permissions: [], attributes: [{ key: 'p', type: 'string', scope: 'global', default: {} }] },
        'attributes[0].default',
        'isScalar',
      ],
      ['an unknown profile field', { permissions: [], profile_fields: ['bio', 'email'] }, 'profile_fields[1]', 'isIn'],
      ['a profile field twice', { permissions: [], profile_fields: ['bio', 'locale', 'bio'] }, 'profile_fields[2]', 'unique'],
      ['profile fields not an array', { permissions: [], profile_fields: 'bio' }, 'profile_fields', 'isArray'],
      ['a profile field not a string', { permissions: [], profile_fields: [1] }, 'profile_fields', 'isString'],
    ])('%s is 400 KERNEL.VALIDATION_FAILED at the field, and changes nothing', async (_, body, path, rule) => {
      await unchanged(async () => expectInvalid(await publish(body), path, rule));
    });

    it('a change of profile fields alone is a new version (201, in the event); none given means none', async () => {
      const directory = await registerApplication(ctx.t, operator, 'directory');
      const first = await publish({ permissions: [], profile_fields: ['locale'] }, operator, directory);
      expect(first.statusCode).toBe(201);
      expect(first.json<CatalogBody>()).toMatchObject({ version: 1, permissions: [], attributes: [], profile_fields: ['locale'] });
      const second = await publish({ permissions: [], profile_fields: ['bio', 'locale'] }, operator, directory);
      expect(second.statusCode).toBe(201);
      expect(second.json<CatalogBody>()).toMatchObject({ version: 2, profile_fields: ['bio', 'locale'] });
      expect((await lastEvent(directory)).payload).toMatchObject({ version: 2, profile_fields: ['bio', 'locale'] });
      const none = await publish({ permissions: [] }, operator, directory);
      expect(none.statusCode).toBe(201);
      expect(none.json<CatalogBody>()).toMatchObject({ version: 3, profile_fields: [] });
      expect((await state(directory)).versions).toEqual([1, 2, 3]);
    });

    it('deprecated must name permissions of the current catalog that the new one leaves out', async () => {
      const rest = V1.permissions.filter((p) => p.key !== 'billing:legacy.sync');
      await unchanged(async () => {
        expectInvalid(await publish({ ...V1, deprecated: ['billing:invoices.read'] }), 'deprecated[0]', 'deprecated');
        expectInvalid(
          await publish({ ...V1, permissions: rest, deprecated: ['billing:legacy.sync', 'billing:ghost'] }),
          'deprecated[1]',
          'deprecated',
        );
        expectInvalid(await publish({ ...V1, deprecated: ['billing:a', 'billing:a'] }), 'deprecated', 'arrayUnique');
      });
    });
  });

  describe('catalog permissions in use', () => {
    it('are listed by GET /v1/permissions (any signed-in user) with the application as source', async () => {
      const items = await listed(viewer);
      const billingItems = items.filter((p) => p.key.startsWith('billing:'));
      expect(billingItems).toEqual(
        V1_PERMISSIONS.map((p) => ({
          key: p.key,
          description: p.description,
          scope: 'tenant',
          min_role: p.default_role,
          acr: 'aal1',
          source: 'application:billing',
          application: 'billing',
          deprecated: false,
        })),
      );
      expect(items.find((p) => p.key === 'members:read')).toMatchObject({
        source: expect.not.stringMatching(/^application:/),
        application: null,
        deprecated: false,
      });
      expectProblem(await get(ctx.t, '/v1/permissions'), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('built-in roles hold them from their default_role up (decisions and role listings)', async () => {
      const expected: Record<string, [SignedIn, string[]]> = {
        owner: [owner, V1_PERMISSIONS.map((p) => p.key)],
        admin: [admin, ['billing:invoices.read', 'billing:invoices.write', 'billing:refunds.issue']],
        editor: [editor, ['billing:invoices.read', 'billing:invoices.write']],
        viewer: [viewer, ['billing:invoices.read']],
      };
      for (const [role, [who, held]] of Object.entries(expected)) {
        for (const p of V1_PERMISSIONS) {
          expect({ role, p: p.key, d: await decision(who, p.key) }).toEqual({
            role,
            p: p.key,
            d: held.includes(p.key) ? { allowed: true, reason: `role:${role}` } : { allowed: false, reason: 'missing_permission' },
          });
        }
        const listing = await get(ctx.t, `/v1/tenants/${tenant}/roles/${role}`, owner.accessToken);
        expect(listing.statusCode).toBe(200);
        const effective = listing.json<{ effective_permissions: string[] }>().effective_permissions.filter((k) => k.startsWith('billing:'));
        expect(effective.sort()).toEqual([...held].sort());
      }
    });

    it('custom roles may hold published ones (and are decided by them); unknown ones are 400; nobody grants more than they hold', async () => {
      const created = await post(
        ctx.t,
        `/v1/tenants/${tenant}/roles`,
        { key: 'exporter', name: 'Exporter', permissions: ['billing:reports.export', 'billing:legacy.sync'] },
        owner.accessToken,
      );
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        key: 'exporter',
        permissions: ['billing:legacy.sync', 'billing:reports.export'],
        effective_permissions: ['billing:legacy.sync', 'billing:reports.export'],
      });
      const assigned = await put(ctx.t, `/v1/tenants/${tenant}/members/${member.userId}/roles`, { roles: ['exporter'] }, owner.accessToken);
      expect(assigned.statusCode).toBe(200);
      expect(await decision(member, 'billing:reports.export')).toEqual({ allowed: true, reason: 'role:exporter' });
      expect(await decision(member, 'billing:invoices.read')).toEqual({ allowed: false, reason: 'missing_permission' });

      const before = await ctx.db.query(`SELECT key, permissions FROM access.roles WHERE tenant_id = $1 ORDER BY key`, [tenant]);
      for (const permissions of [['billing:ghost.read'], ['crm:deals.read'], ['billing:invoices.read', 'billing:nope']]) {
        const res = await post(ctx.t, `/v1/tenants/${tenant}/roles`, { key: 'ghostly', name: 'Ghostly', permissions }, owner.accessToken);
        const p = expectProblem(res, 400, 'ACCESS.UNKNOWN_PERMISSION');
        expect(p.errors).toEqual([{ path: 'permissions', message: expect.any(String), rule: 'ACCESS.UNKNOWN_PERMISSION' }]);
      }
      // An admin does not hold billing:settings.manage (owner's), so cannot put it in a role.
      const exceeds = await post(
        ctx.t,
        `/v1/tenants/${tenant}/roles`,
        { key: 'settings', name: 'Settings', permissions: ['billing:settings.manage'] },
        admin.accessToken,
      );
      expect(expectProblem(exceeds, 403, 'AUTHZ.FORBIDDEN')).toMatchObject({ reason: 'grant_exceeds_own_permissions' });
      expect(await ctx.db.query(`SELECT key, permissions FROM access.roles WHERE tenant_id = $1 ORDER BY key`, [tenant])).toEqual(before);
      const refunds = await post(
        ctx.t,
        `/v1/tenants/${tenant}/roles`,
        { key: 'refunder', name: 'Refunder', permissions: ['billing:refunds.issue'] },
        admin.accessToken,
      );
      expect(refunds.statusCode).toBe(201);
    });

    it('dropping a permission a custom role holds is 409 ACCESS.CATALOG_PERMISSION_IN_USE (where it is used) and changes nothing', async () => {
      const rest = V1.permissions.filter((p) => p.key !== 'billing:reports.export' && p.key !== 'billing:refunds.issue');
      await unchanged(async () => {
        const p = expectProblem(await publish({ ...V1, permissions: rest }), 409, 'ACCESS.CATALOG_PERMISSION_IN_USE');
        expect(p.permissions).toEqual([
          { key: 'billing:refunds.issue', roles: 1, tenants: 1 },
          { key: 'billing:reports.export', roles: 1, tenants: 1 },
        ]);
      });
      expect(await decision(member, 'billing:reports.export')).toEqual({ allowed: true, reason: 'role:exporter' });
    });

    it('listed in deprecated, it stays for the roles holding it (201, a new version) and is offered to no new role', async () => {
      const rest = V1.permissions.filter((p) => p.key !== 'billing:reports.export');
      const res = await publish({ ...V1, permissions: rest, deprecated: ['billing:reports.export'] });
      expect(res.statusCode).toBe(201);
      const body = res.json<CatalogBody>();
      expect(body.version).toBe(2);
      expect(body.permissions).toEqual(V1_PERMISSIONS.map((p) => (p.key === 'billing:reports.export' ? { ...p, deprecated: true } : p)));
      const s = await state();
      expect(s).toMatchObject({ catalog_version: 2, versions: [1, 2], events: 2, audits: 2 });
      expect(s.permissions.find((p) => p.key === 'billing:reports.export')).toEqual({
        key: 'billing:reports.export',
        default_role: 'owner',
        deprecated: true,
      });
      expect((await lastEvent()).payload).toMatchObject({ version: 2, added: [], deprecated: ['billing:reports.export'], removed: [] });

      // Still decided for who holds it, through the custom role and the built-in owner role.
      expect(await decision(member, 'billing:reports.export')).toEqual({ allowed: true, reason: 'role:exporter' });
      expect(await decision(owner, 'billing:reports.export')).toEqual({ allowed: true, reason: 'role:owner' });
      const listing = (await get(ctx.t, '/v1/permissions', owner.accessToken)).json<{ items: { key: string; deprecated: boolean }[] }>();
      expect(listing.items.filter((p) => p.key.startsWith('billing:') && p.deprecated).map((p) => p.key)).toEqual([
        'billing:reports.export',
      ]);

      // A new role, or a role that did not have it, cannot get it; the role that has it keeps it.
      const fresh = await post(
        ctx.t,
        `/v1/tenants/${tenant}/roles`,
        { key: 'late', name: 'Late', permissions: ['billing:reports.export'] },
        owner.accessToken,
      );
      const p = expectProblem(fresh, 400, 'ACCESS.PERMISSION_DEPRECATED');
      expect(p.errors).toEqual([{ path: 'permissions', message: expect.any(String), rule: 'ACCESS.PERMISSION_DEPRECATED' }]);
      expectProblem(
        await patch(
          ctx.t,
          `/v1/tenants/${tenant}/roles/refunder`,
          { permissions: ['billing:refunds.issue', 'billing:reports.export'] },
          owner.accessToken,
        ),
        400,
        'ACCESS.PERMISSION_DEPRECATED',
      );
      const kept = await patch(
        ctx.t,
        `/v1/tenants/${tenant}/roles/exporter`,
        { name: 'Reports', permissions: ['billing:reports.export', 'billing:invoices.read'] },
        owner.accessToken,
      );
      expect(kept.statusCode).toBe(200);
      expect(kept.json()).toMatchObject({ name: 'Reports', permissions: ['billing:invoices.read', 'billing:reports.export'] });
      expect(await ctx.db.query(`SELECT key FROM access.roles WHERE tenant_id = $1 ORDER BY key`, [tenant])).toEqual([
        { key: 'exporter' },
        { key: 'refunder' },
      ]);
      expect(await decision(member, 'billing:invoices.read')).toEqual({ allowed: true, reason: 'role:exporter' });

      // Left out again without `deprecated` while roles hold it: in use.
      const withoutIt = V1.permissions.filter((q) => q.key !== 'billing:reports.export');
      await unchanged(async () => expectProblem(await publish({ ...V1, permissions: withoutIt }), 409, 'ACCESS.CATALOG_PERMISSION_IN_USE'));
      // Deprecated again: the same catalog, 200.
      await unchanged(async () => {
        expect((await publish({ ...V1, permissions: withoutIt, deprecated: ['billing:reports.export'] })).statusCode).toBe(200);
      });
    });

    it('dropping a permission only built-in roles hold is fine: removed, in the event, and no longer decided', async () => {
      // The exporter role gives legacy.sync up first (role updates may drop permissions freely).
      expect(
        (
          await patch(
            ctx.t,
            `/v1/tenants/${tenant}/roles/exporter`,
            { permissions: ['billing:reports.export', 'billing:invoices.read'] },
            owner.accessToken,
          )
        ).statusCode,
      ).toBe(200);
      expect(await decision(owner, 'billing:legacy.sync')).toEqual({ allowed: true, reason: 'role:owner' });
      const rest = V1.permissions.filter((p) => p.key !== 'billing:reports.export' && p.key !== 'billing:legacy.sync');
      const res = await publish({
        ...V1,
        permissions: [...rest, { key: 'billing:payouts.read', description: 'Read payouts', default_role: 'editor' }],
        deprecated: ['billing:reports.export'],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json<CatalogBody>().version).toBe(3);
      expect((await lastEvent()).payload).toMatchObject({
        version: 3,
        added: ['billing:payouts.read'],
        deprecated: [],
        removed: ['billing:legacy.sync'],
      });
      const [audit] = await ctx.db.query<{ data: unknown }>(
        `SELECT data FROM kernel.audit_log WHERE action = 'application.catalog_published' AND resource_id = $1 AND data->>'version' = '3'`,
        [billing.id],
      );
      expect(audit.data).toEqual({
        version: 3,
        added: ['billing:payouts.read'],
        deprecated: [],
        removed: ['billing:legacy.sync'],
        attributes: ['plan_tier', 'seats'],
        profile_fields: V1_PROFILE_FIELDS,
      });
      expect((await state()).permissions.map((p) => p.key)).not.toContain('billing:legacy.sync');
      expect((await listed(owner)).map((p) => p.key)).not.toContain('billing:legacy.sync');
      expect(await decision(owner, 'billing:legacy.sync')).toEqual({ allowed: false, reason: 'unknown_permission' });
      expect(await decision(editor, 'billing:payouts.read')).toEqual({ allowed: true, reason: 'role:editor' });
      expect(await decision(viewer, 'billing:payouts.read')).toEqual({ allowed: false, reason: 'missing_permission' });
      expect(await decision(member, 'billing:reports.export')).toEqual({ allowed: true, reason: 'role:exporter' });
    });
  });

  describe('attributes', () => {
    it("changing an attribute's type or scope is 409 ACCESS.CATALOG_INCOMPATIBLE at the request's index, and changes nothing", async () => {
      const current = (await get(ctx.t, catalogUrl(billing.id), operator.accessToken)).json<CatalogBody>();
      const permissions = current.permissions
        .filter((p) => !p.deprecated)
        .map(({ key, description, default_role }) => ({ key, description, default_role }));
      const base = { permissions, deprecated: ['billing:reports.export'] };
      await unchanged(async () => {
        const typed = await publish({
          ...base,
          attributes: [
            { key: 'seats', type: 'number', scope: 'global', constraints: { minimum: 1 } },
            { key: 'new_one', type: 'boolean', scope: 'global' },
            V1.attributes[0],
          ],
        });
        expect(expectProblem(typed, 409, 'ACCESS.CATALOG_INCOMPATIBLE').errors).toEqual([
          { path: 'attributes[0].type', message: expect.any(String), rule: 'compatible' },
        ]);
        const scoped = await publish({
          ...base,
          attributes: [
            { key: 'seats', type: 'integer', scope: 'global', constraints: { minimum: 1 } },
            { ...V1.attributes[0], scope: 'global' },
          ],
        });
        expect(expectProblem(scoped, 409, 'ACCESS.CATALOG_INCOMPATIBLE').errors).toEqual([
          { path: 'attributes[1].scope', message: expect.any(String), rule: 'compatible' },
        ]);
      });
      // New attributes, dropped ones and changed constraints or defaults are compatible.
      const res = await publish({
        ...base,
        attributes: [
          { key: 'seats', type: 'integer', scope: 'global', constraints: { minimum: 1, maximum: 100 }, default: 5 },
          { key: 'beta', type: 'boolean', scope: 'tenant', default: false },
        ],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json<CatalogBody>()).toMatchObject({
        version: 4,
        attributes: [
          { key: 'beta', type: 'boolean', scope: 'tenant', description: null, constraints: {}, default: false },
          { key: 'seats', type: 'integer', scope: 'global', description: null, constraints: { minimum: 1, maximum: 100 }, default: 5 },
        ],
      });
      expect((await state()).attributes.map((a) => a.key)).toEqual(['beta', 'seats']);
    });
  });

  describe('a disabled application', () => {
    it('cannot publish (409 ACCESS.APPLICATION_DISABLED); its catalog stays readable; enabled again, it can', async () => {
      const current = (await get(ctx.t, catalogUrl(billing.id), operator.accessToken)).json<CatalogBody>();
      expect((await post(ctx.t, `/v1/applications/${billing.id}/disable`, {}, operator.accessToken)).statusCode).toBe(200);
      await unchanged(async () => {
        expectProblem(await publish({ permissions: [] }), 409, 'ACCESS.APPLICATION_DISABLED');
      });
      expect((await get(ctx.t, catalogUrl(billing.id), operator.accessToken)).json()).toEqual(current);
      expect((await post(ctx.t, `/v1/applications/${billing.id}/enable`, {}, operator.accessToken)).statusCode).toBe(200);
      const again = await publish({
        permissions: current.permissions
          .filter((p) => !p.deprecated)
          .map(({ key, description, default_role }) => ({ key, description, default_role })),
        attributes: current.attributes,
        deprecated: ['billing:reports.export'],
        profile_fields: current.profile_fields,
      });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(current);
    });
  });

  describe('every process', () => {
    let second: TestApp | undefined;
    afterAll(async () => {
      await second?.close();
    });

    it('a second process sees a publish (permissions listed, decided for built-in roles) without restarting', async () => {
      second = await startTestApp(ctx.db);
      const crm = await registerApplication(ctx.t, operator, 'crm');
      expect(await decision(owner, 'crm:deals.read', second)).toEqual({ allowed: false, reason: 'unknown_permission' });
      const res = await publish(
        { permissions: [{ key: 'crm:deals.read', description: 'Read deals', default_role: 'viewer' }] },
        operator,
        crm,
      );
      expect(res.statusCode).toBe(201);
      await eventually(
        async () => (await listed(viewer, second)).some((p) => p.key === 'crm:deals.read' && p.source === 'application:crm'),
        10_000,
        'the second process to list crm:deals.read',
      );
      expect(await decision(viewer, 'crm:deals.read', second)).toEqual({ allowed: true, reason: 'role:viewer' });
      // A custom role created on one process with it is decided on the other.
      const role = await post(
        second,
        `/v1/tenants/${tenant}/roles`,
        { key: 'deals', name: 'Deals', permissions: ['crm:deals.read'] },
        owner.accessToken,
      );
      expect(role.statusCode).toBe(201);
      expect(
        (await put(second, `/v1/tenants/${tenant}/members/${member.userId}/roles`, { roles: ['deals'] }, owner.accessToken)).statusCode,
      ).toBe(200);
      // The first process drops its cached facts on the change feed's notification.
      await eventually(async () => (await decision(member, 'crm:deals.read')).allowed, 10_000, 'the first process to see the role change');
      expect(await decision(member, 'crm:deals.read')).toEqual({ allowed: true, reason: 'role:deals' });
      expect(await decision(member, 'billing:reports.export')).toEqual({ allowed: false, reason: 'missing_permission' });
    });
  });
});
