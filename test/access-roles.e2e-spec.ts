import type { LightMyRequestResponse } from 'fastify';
import { del, get, post, signUp, type SignedIn } from './support/account';
import { addMember, createTenant, invitationToken, patch, put } from './support/tenancy';
import { useTestApp } from './support/test-app';
import { expectProblem } from './support/problems';

// The permission catalog and tenants' roles: built-in hierarchy, custom roles (create, change,
// delete) with their rules, and the effect of a role change on its holders' next request.

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
const OWNER = [...ADMIN, 'tenants:delete'].sort();

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  errors?: { path: string; message: string; rule: string }[];
  [extension: string]: unknown;
}

interface Role {
  key: string;
  name: string;
  description: string | null;
  built_in: boolean;
  permissions: string[];
  inherits: string[];
  effective_permissions: string[];
}

function expectInvalid(res: LightMyRequestResponse, ...paths: string[]): Problem {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect(body.errors).toEqual(expect.arrayContaining(paths.map((path) => expect.objectContaining({ path }))));
  return body;
}

describe('access: permission catalog and roles', () => {
  const ctx = useTestApp();
  let owner: SignedIn;
  let admin: SignedIn;
  let editor: SignedIn;
  let viewer: SignedIn;
  let outsider: SignedIn;
  let tenant: string;
  let T: string;

  const roleRows = async (tenantId: string) =>
    ctx.db.query<{ key: string; name: string; description: string | null; permissions: string[]; inherits: string[] }>(
      `SELECT key, name, description, permissions, inherits FROM access.roles WHERE tenant_id = $1 ORDER BY key`,
      [tenantId],
    );
  const auditCount = async (tenantId: string, actionPrefix = 'role.') => {
    const [{ n }] = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM kernel.audit_log WHERE tenant_id = $1 AND action LIKE $2 AND outcome = 'success'`,
      [tenantId, `${actionPrefix}%`],
    );
    return n;
  };
  /** Runs `refused`, then asserts that neither roles nor role audit entries of the tenant changed. */
  async function unchanged(tenantId: string, refused: () => Promise<void>): Promise<void> {
    const rolesBefore = await roleRows(tenantId);
    const auditBefore = await auditCount(tenantId);
    await refused();
    expect(await roleRows(tenantId)).toEqual(rolesBefore);
    expect(await auditCount(tenantId)).toBe(auditBefore);
  }

  beforeAll(async () => {
    owner = await signUp(ctx.t, ctx.db);
    tenant = await createTenant(ctx.t, owner, 'Roles Inc');
    T = `/v1/tenants/${tenant}`;
    admin = await addMember(ctx.t, ctx.db, tenant, owner, ['admin']);
    editor = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
    viewer = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
    outsider = await signUp(ctx.t, ctx.db);
  });

  describe('GET /v1/permissions', () => {
    it('lists the whole catalog, sorted by key, with scope, lowest role, assurance and source', async () => {
      const res = await get(ctx.t, '/v1/permissions', viewer.accessToken);
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: { key: string; scope: string; min_role: string | null; acr: string; source: string }[] }>().items;
      expect(items.map((p) => p.key)).toEqual([
        'audit:read',
        'members:invite',
        'members:manage',
        'members:read',
        'platform:applications.manage',
        'platform:applications.read',
        'platform:operators.manage',
        'platform:plans.manage',
        'platform:subscriptions.manage',
        'platform:tenants.manage',
        'platform:tenants.read',
        'platform:users.manage',
        'platform:users.read',
        'profile:read',
        'roles:assign',
        'roles:manage',
        'roles:read',
        'subscription:manage',
        'subscription:read',
        'tenants:delete',
        'tenants:manage',
        'tenants:read',
      ]);
      const byKey = new Map(items.map((p) => [p.key, p]));
      expect(byKey.get('members:invite')).toEqual({
        key: 'members:invite',
        description: 'Invite people, list, re-send and revoke invitations.',
        scope: 'tenant',
        min_role: 'editor',
        acr: 'aal1',
        source: 'tenancy',
        application: null,
        deprecated: false,
      });
      expect(byKey.get('tenants:delete')).toMatchObject({ scope: 'tenant', min_role: 'owner', acr: 'aal1', source: 'tenancy' });
      expect(byKey.get('roles:manage')).toMatchObject({ scope: 'tenant', min_role: 'admin', source: 'access' });
      expect(byKey.get('roles:read')).toMatchObject({ scope: 'tenant', min_role: 'viewer', source: 'access' });
      expect(byKey.get('platform:operators.manage')).toEqual({
        key: 'platform:operators.manage',
        description: 'Grant and revoke the platform-operator role.',
        scope: 'platform',
        min_role: null,
        acr: 'aal1',
        source: 'access',
        application: null,
        deprecated: false,
      });
      expect(byKey.get('platform:tenants.read')).toMatchObject({ scope: 'platform', min_role: null, source: 'tenancy' });
      // Every tenant permission has a lowest role; no platform permission has one.
      for (const p of items) expect(p.min_role === null).toBe(p.scope === 'platform');
    });

    it('any signed-in user may read it, also one without any tenant', async () => {
      expect((await get(ctx.t, '/v1/permissions', outsider.accessToken)).statusCode).toBe(200);
    });

    it('anonymous → 401 AUTH.UNAUTHENTICATED', async () => {
      expectProblem(await get(ctx.t, '/v1/permissions'), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await get(ctx.t, '/v1/permissions', 'not-a-token'), 401, 'AUTH.TOKEN_INVALID');
    });
  });

  describe('GET T/roles', () => {
    it('the four built-ins, lowest first, with owner ⊇ admin ⊇ editor ⊇ viewer (exact sets)', async () => {
      const res = await get(ctx.t, `${T}/roles`, viewer.accessToken);
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: Role[] }>().items;
      expect(items.filter((r) => r.built_in)).toEqual([
        {
          key: 'viewer',
          name: 'Viewer',
          description: null,
          built_in: true,
          permissions: VIEWER,
          inherits: [],
          effective_permissions: VIEWER,
        },
        {
          key: 'editor',
          name: 'Editor',
          description: null,
          built_in: true,
          permissions: EDITOR,
          inherits: ['viewer'],
          effective_permissions: EDITOR,
        },
        {
          key: 'admin',
          name: 'Admin',
          description: null,
          built_in: true,
          permissions: ADMIN,
          inherits: ['editor'],
          effective_permissions: ADMIN,
        },
        {
          key: 'owner',
          name: 'Owner',
          description: null,
          built_in: true,
          permissions: OWNER,
          inherits: ['admin'],
          effective_permissions: OWNER,
        },
      ]);
      const eff = (k: string) => new Set(items.find((r) => r.key === k)!.effective_permissions);
      const subset = (a: Set<string>, b: Set<string>) => [...a].every((p) => b.has(p));
      expect(subset(eff('viewer'), eff('editor')) && subset(eff('editor'), eff('admin')) && subset(eff('admin'), eff('owner'))).toBe(true);
      expect(subset(eff('owner'), eff('admin'))).toBe(false);
      // No platform permission is ever part of a tenant role.
      expect(items.flatMap((r) => r.effective_permissions).filter((p) => p.startsWith('platform:'))).toEqual([]);
    });

    it('custom roles follow the built-ins, by key', async () => {
      const mk = (key: string) =>
        post(ctx.t, `${T}/roles`, { key, name: key.toUpperCase(), permissions: ['audit:read'] }, owner.accessToken);
      expect((await mk('zz-list-b')).statusCode).toBe(201);
      expect((await mk('zz-list-a')).statusCode).toBe(201);
      const items = (await get(ctx.t, `${T}/roles`, viewer.accessToken)).json<{ items: Role[] }>().items;
      const keys = items.map((r) => r.key);
      expect(keys.slice(0, 4)).toEqual(['viewer', 'editor', 'admin', 'owner']);
      expect(keys.filter((k) => k.startsWith('zz-list-'))).toEqual(['zz-list-a', 'zz-list-b']);
      expect(items.find((r) => r.key === 'zz-list-a')).toEqual({
        key: 'zz-list-a',
        name: 'ZZ-LIST-A',
        description: null,
        built_in: false,
        permissions: ['audit:read'],
        inherits: [],
        effective_permissions: ['audit:read'],
      });
      expect((await del(ctx.t, `${T}/roles/zz-list-a`, owner.accessToken)).statusCode).toBe(204);
      expect((await del(ctx.t, `${T}/roles/zz-list-b`, owner.accessToken)).statusCode).toBe(204);
    });

    it('GET T/roles/{key}: a built-in or custom role; unknown → 404 ACCESS.ROLE_NOT_FOUND', async () => {
      const res = await get(ctx.t, `${T}/roles/editor`, viewer.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json<Role>()).toMatchObject({ key: 'editor', built_in: true, effective_permissions: EDITOR });
      expectProblem(await get(ctx.t, `${T}/roles/no-such-role`, viewer.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
      expectProblem(await get(ctx.t, `${T}/roles/Viewer`, viewer.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
    });

    it('non-members get 404 TENANCY.NOT_FOUND, anonymous 401', async () => {
      expectProblem(await get(ctx.t, `${T}/roles`, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(ctx.t, `${T}/roles/viewer`, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(ctx.t, `${T}/roles`), 401, 'AUTH.UNAUTHENTICATED');
    });
  });

  describe('POST T/roles', () => {
    it('creates a role (201) whose effective permissions include the inherited ones; audited role.created', async () => {
      const res = await post(
        ctx.t,
        `${T}/roles`,
        {
          key: 'auditor',
          name: '  Auditor  ',
          description: 'Reads the trail',
          permissions: ['audit:read'],
          inherits: ['viewer'],
        },
        admin.accessToken,
      );
      expect(res.statusCode).toBe(201);
      expect(res.json<Role>()).toEqual({
        key: 'auditor',
        name: 'Auditor',
        description: 'Reads the trail',
        built_in: false,
        permissions: ['audit:read'],
        inherits: ['viewer'],
        effective_permissions: ['audit:read', ...VIEWER].sort(),
      });
      expect((await roleRows(tenant)).find((r) => r.key === 'auditor')).toEqual({
        key: 'auditor',
        name: 'Auditor',
        description: 'Reads the trail',
        permissions: ['audit:read'],
        inherits: ['viewer'],
      });
      const audit = await ctx.db.query(
        `SELECT tenant_id, actor_id, outcome, resource_type, resource_id, data FROM kernel.audit_log
          WHERE tenant_id = $1 AND action = 'role.created' AND resource_id = 'auditor'`,
        [tenant],
      );
      expect(audit).toEqual([
        {
          tenant_id: tenant,
          actor_id: admin.userId,
          outcome: 'success',
          resource_type: 'role',
          resource_id: 'auditor',
          data: { permissions: ['audit:read'], inherits: ['viewer'] },
        },
      ]);
      // It reads back through GET, and inheriting a custom role chains transitively.
      expect((await get(ctx.t, `${T}/roles/auditor`, viewer.accessToken)).json<Role>()).toEqual(res.json<Role>());
      const chained = await post(
        ctx.t,
        `${T}/roles`,
        { key: 'senior-auditor', name: 'Senior auditor', permissions: ['members:invite'], inherits: ['auditor'] },
        admin.accessToken,
      );
      expect(chained.statusCode).toBe(201);
      expect(chained.json<Role>().effective_permissions).toEqual(['audit:read', 'members:invite', ...VIEWER].sort());
    });

    it('a role with no permissions and no parents is allowed (an empty role)', async () => {
      const res = await post(ctx.t, `${T}/roles`, { key: 'nobody', name: 'Nobody', permissions: [] }, owner.accessToken);
      expect(res.statusCode).toBe(201);
      expect(res.json<Role>()).toMatchObject({ permissions: [], inherits: [], effective_permissions: [] });
      expect((await del(ctx.t, `${T}/roles/nobody`, owner.accessToken)).statusCode).toBe(204);
    });

    it('viewers and editors may not create roles (403 missing_permission); non-members 404; anonymous 401', async () => {
      await unchanged(tenant, async () => {
        const body = { key: 'sneaky', name: 'Sneaky', permissions: ['tenants:read'] };
        for (const who of [viewer, editor]) {
          const p = expectProblem(await post(ctx.t, `${T}/roles`, body, who.accessToken), 403, 'AUTHZ.FORBIDDEN');
          expect(p).toMatchObject({ reason: 'missing_permission', permission: 'roles:manage' });
        }
        expectProblem(await post(ctx.t, `${T}/roles`, body, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
        expectProblem(await post(ctx.t, `${T}/roles`, body), 401, 'AUTH.UNAUTHENTICATED');
      });
    });

    it('inheritance cycles are refused: a → b, then b → a through PATCH → 400 ACCESS.ROLE_CYCLE', async () => {
      expect(
        (await post(ctx.t, `${T}/roles`, { key: 'cyc-a', name: 'A', permissions: ['tenants:read'] }, owner.accessToken)).statusCode,
      ).toBe(201);
      expect(
        (await post(ctx.t, `${T}/roles`, { key: 'cyc-b', name: 'B', permissions: [], inherits: ['cyc-a'] }, owner.accessToken)).statusCode,
      ).toBe(201);
      await unchanged(tenant, async () => {
        const p = expectProblem(
          await patch(ctx.t, `${T}/roles/cyc-a`, { inherits: ['cyc-b'] }, owner.accessToken),
          400,
          'ACCESS.ROLE_CYCLE',
        );
        expect(p.errors).toEqual([expect.objectContaining({ path: 'inherits', rule: 'ACCESS.ROLE_CYCLE' })]);
        const cycle = p.cycle as string[];
        expect(cycle[0]).toBe(cycle[cycle.length - 1]);
        expect([...new Set(cycle)].sort()).toEqual(['cyc-a', 'cyc-b']);
      });
      // A longer loop: c → b → a, then a → c.
      expect(
        (await post(ctx.t, `${T}/roles`, { key: 'cyc-c', name: 'C', permissions: [], inherits: ['cyc-b'] }, owner.accessToken)).statusCode,
      ).toBe(201);
      await unchanged(tenant, async () => {
        const p = expectProblem(
          await patch(ctx.t, `${T}/roles/cyc-a`, { inherits: ['viewer', 'cyc-c'] }, owner.accessToken),
          400,
          'ACCESS.ROLE_CYCLE',
        );
        expect([...new Set(p.cycle as string[])].sort()).toEqual(['cyc-a', 'cyc-b', 'cyc-c']);
      });
      // Allowed: a diamond is not a cycle.
      const diamond = await post(
        ctx.t,
        `${T}/roles`,
        { key: 'cyc-d', name: 'D', permissions: [], inherits: ['cyc-b', 'cyc-c', 'cyc-a'] },
        owner.accessToken,
      );
      expect(diamond.statusCode).toBe(201);
      expect(diamond.json<Role>().effective_permissions).toEqual(['tenants:read']);
    });

    it('a role inheriting itself is a cycle → 400 ACCESS.ROLE_CYCLE (PATCH of an existing role)', async () => {
      expect((await post(ctx.t, `${T}/roles`, { key: 'selfish', name: 'Selfish', permissions: [] }, owner.accessToken)).statusCode).toBe(
        201,
      );
      await unchanged(tenant, async () => {
        const p = expectProblem(
          await patch(ctx.t, `${T}/roles/selfish`, { inherits: ['selfish'] }, owner.accessToken),
          400,
          'ACCESS.ROLE_CYCLE',
        );
        expect(p.cycle).toEqual(['selfish', 'selfish']);
      });
    });

    it('a new role inheriting itself is a cycle → 400 ACCESS.ROLE_CYCLE (POST)', async () => {
      await unchanged(tenant, async () => {
        const p = expectProblem(
          await post(
            ctx.t,
            `${T}/roles`,
            { key: 'ouroboros', name: 'Ouroboros', permissions: [], inherits: ['ouroboros'] },
            owner.accessToken,
          ),
          400,
          'ACCESS.ROLE_CYCLE',
        );
        expect(p.cycle).toEqual(['ouroboros', 'ouroboros']);
      });
    });

    it('unknown and platform permissions → 400 ACCESS.UNKNOWN_PERMISSION; nothing written', async () => {
      await unchanged(tenant, async () => {
        for (const permissions of [['widgets:read'], ['tenants:read', 'platform:users.read'], ['platform:operators.manage']]) {
          const p = expectProblem(
            await post(ctx.t, `${T}/roles`, { key: 'bad-perms', name: 'Bad', permissions }, owner.accessToken),
            400,
            'ACCESS.UNKNOWN_PERMISSION',
          );
          expect(p.errors).toEqual([expect.objectContaining({ path: 'permissions', rule: 'ACCESS.UNKNOWN_PERMISSION' })]);
          expect(p.errors![0].message).toContain(permissions[permissions.length - 1]);
        }
      });
    });

    it('an unknown parent → 400 ACCESS.UNKNOWN_ROLE with path inherits; nothing written', async () => {
      await unchanged(tenant, async () => {
        const p = expectProblem(
          await post(
            ctx.t,
            `${T}/roles`,
            { key: 'orphan', name: 'Orphan', permissions: [], inherits: ['viewer', 'ghost'] },
            owner.accessToken,
          ),
          400,
          'ACCESS.UNKNOWN_ROLE',
        );
        expect(p.errors).toEqual([expect.objectContaining({ path: 'inherits', rule: 'ACCESS.UNKNOWN_ROLE' })]);
        expect(p.errors![0].message).toContain('ghost');
      });
    });

    it('a built-in key or an existing key → 409 ACCESS.ROLE_EXISTS; nothing written', async () => {
      expect((await post(ctx.t, `${T}/roles`, { key: 'taken', name: 'Taken', permissions: [] }, owner.accessToken)).statusCode).toBe(201);
      await unchanged(tenant, async () => {
        for (const key of ['owner', 'admin', 'editor', 'viewer', 'taken']) {
          const p = expectProblem(
            await post(ctx.t, `${T}/roles`, { key, name: 'Again', permissions: ['tenants:read'] }, owner.accessToken),
            409,
            'ACCESS.ROLE_EXISTS',
          );
          expect(p.errors).toEqual([expect.objectContaining({ path: 'key' })]);
        }
      });
      expect((await roleRows(tenant)).find((r) => r.key === 'taken')).toMatchObject({ name: 'Taken', permissions: [] });
    });

    it('bad keys, names, descriptions, permissions and inherits → 400 KERNEL.VALIDATION_FAILED; nothing written', async () => {
      const ok = { key: 'valid-key', name: 'Valid', permissions: ['tenants:read'] };
      await unchanged(tenant, async () => {
        for (const key of ['a', 'A-role', '1role', 'has space', 'under_score', '-lead', `r${'x'.repeat(48)}`, '', 42]) {
          expectInvalid(await post(ctx.t, `${T}/roles`, { ...ok, key }, owner.accessToken), 'key');
        }
        for (const name of ['', '   ', 'n'.repeat(101), 7, null]) {
          expectInvalid(await post(ctx.t, `${T}/roles`, { ...ok, name }, owner.accessToken), 'name');
        }
        expectInvalid(await post(ctx.t, `${T}/roles`, { ...ok, description: 'd'.repeat(501) }, owner.accessToken), 'description');
        for (const permissions of ['tenants:read', ['nocolon'], ['Tenants:Read'], [1], ['tenants:read', 'tenants:read']]) {
          expectInvalid(await post(ctx.t, `${T}/roles`, { ...ok, permissions }, owner.accessToken), 'permissions');
        }
        for (const inherits of ['viewer', ['Viewer'], ['viewer', 'viewer']]) {
          expectInvalid(await post(ctx.t, `${T}/roles`, { ...ok, inherits }, owner.accessToken), 'inherits');
        }
        expectInvalid(await post(ctx.t, `${T}/roles`, { name: 'No key', permissions: [] }, owner.accessToken), 'key');
        expectInvalid(await post(ctx.t, `${T}/roles`, { key: 'no-perms', name: 'No perms' }, owner.accessToken), 'permissions');
        expectInvalid(await post(ctx.t, `${T}/roles`, { ...ok, built_in: true }, owner.accessToken), 'built_in');
        expectProblem(
          await ctx.t.inject({
            method: 'POST',
            url: `${T}/roles`,
            payload: '{"key":',
            headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' },
          }),
          400,
          'KERNEL.MALFORMED_JSON',
        );
      });
      // The same body with a valid key passes: the refusals were about the fields.
      expect((await post(ctx.t, `${T}/roles`, ok, owner.accessToken)).statusCode).toBe(201);
    });

    it('an admin cannot create a role holding tenants:delete (403), the owner can', async () => {
      await unchanged(tenant, async () => {
        const p = expectProblem(
          await post(ctx.t, `${T}/roles`, { key: 'deleter', name: 'Deleter', permissions: ['tenants:delete'] }, admin.accessToken),
          403,
          'AUTHZ.FORBIDDEN',
        );
        expect(p).toMatchObject({ reason: 'grant_exceeds_own_permissions', permissions: ['tenants:delete'] });
        // Nor through inheritance.
        const q = expectProblem(
          await post(ctx.t, `${T}/roles`, { key: 'deleter', name: 'Deleter', permissions: [], inherits: ['owner'] }, admin.accessToken),
          403,
          'AUTHZ.FORBIDDEN',
        );
        expect(q).toMatchObject({ reason: 'grant_exceeds_own_permissions', permissions: ['tenants:delete'] });
      });
      const res = await post(ctx.t, `${T}/roles`, { key: 'deleter', name: 'Deleter', permissions: ['tenants:delete'] }, owner.accessToken);
      expect(res.statusCode).toBe(201);
      expect(res.json<Role>().effective_permissions).toEqual(['tenants:delete']);
      // And the admin may not widen a role beyond themselves either.
      await unchanged(tenant, async () => {
        const p = expectProblem(
          await patch(ctx.t, `${T}/roles/auditor`, { permissions: ['audit:read', 'tenants:delete'] }, admin.accessToken),
          403,
          'AUTHZ.FORBIDDEN',
        );
        expect(p).toMatchObject({ reason: 'grant_exceeds_own_permissions', permissions: ['tenants:delete'] });
      });
    });
  });

  describe('PATCH T/roles/{key}', () => {
    it('changing permissions applies to holders on their next request (gain, then lose)', async () => {
      const created = await post(ctx.t, `${T}/roles`, { key: 'reader', name: 'Reader', permissions: ['tenants:read'] }, owner.accessToken);
      expect(created.statusCode).toBe(201);
      const holder = await addMember(ctx.t, ctx.db, tenant, owner, ['reader']);
      expect((await get(ctx.t, T, holder.accessToken)).statusCode).toBe(200);
      const denied = expectProblem(await get(ctx.t, `${T}/audit`, holder.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect(denied).toMatchObject({ reason: 'missing_permission', permission: 'audit:read' });

      const gained = await patch(ctx.t, `${T}/roles/reader`, { permissions: ['tenants:read', 'audit:read'] }, owner.accessToken);
      expect(gained.statusCode).toBe(200);
      expect(gained.json<Role>()).toMatchObject({ key: 'reader', permissions: ['audit:read', 'tenants:read'] });
      expect((await get(ctx.t, `${T}/audit`, holder.accessToken)).statusCode).toBe(200);

      const lost = await patch(ctx.t, `${T}/roles/reader`, { permissions: ['tenants:read'] }, owner.accessToken);
      expect(lost.statusCode).toBe(200);
      expectProblem(await get(ctx.t, `${T}/audit`, holder.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect((await get(ctx.t, T, holder.accessToken)).statusCode).toBe(200);

      // Through inheritance, too: inheriting auditor brings audit:read…
      expect((await patch(ctx.t, `${T}/roles/reader`, { inherits: ['auditor'] }, owner.accessToken)).statusCode).toBe(200);
      expect((await get(ctx.t, `${T}/audit`, holder.accessToken)).statusCode).toBe(200);
      // …and loses it when the parent changes.
      expect((await patch(ctx.t, `${T}/roles/auditor`, { permissions: [] }, owner.accessToken)).statusCode).toBe(200);
      expectProblem(await get(ctx.t, `${T}/audit`, holder.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect((await patch(ctx.t, `${T}/roles/auditor`, { permissions: ['audit:read'] }, owner.accessToken)).statusCode).toBe(200);

      const updates = await ctx.db.query<{ data: unknown }>(
        `SELECT data FROM kernel.audit_log WHERE tenant_id = $1 AND action = 'role.updated' AND resource_id = 'reader' ORDER BY occurred_at, id`,
        [tenant],
      );
      expect(updates.map((u) => u.data)).toEqual([
        { from: { permissions: ['tenants:read'], inherits: [] }, to: { permissions: ['tenants:read', 'audit:read'], inherits: [] } },
        { from: { permissions: ['tenants:read', 'audit:read'], inherits: [] }, to: { permissions: ['tenants:read'], inherits: [] } },
        { from: { permissions: ['tenants:read'], inherits: [] }, to: { permissions: ['tenants:read'], inherits: ['auditor'] } },
      ]);
    });

    it('name and description change alone; description can be cleared with null', async () => {
      const res = await patch(ctx.t, `${T}/roles/auditor`, { name: ' Trail reader ', description: null }, owner.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json<Role>()).toMatchObject({ key: 'auditor', name: 'Trail reader', description: null, permissions: ['audit:read'] });
      expect((await roleRows(tenant)).find((r) => r.key === 'auditor')).toMatchObject({ name: 'Trail reader', description: null });
    });

    it('built-in roles cannot change → 409 ACCESS.BUILT_IN_ROLE', async () => {
      await unchanged(tenant, async () => {
        for (const key of ['viewer', 'editor', 'admin', 'owner']) {
          expectProblem(
            await patch(ctx.t, `${T}/roles/${key}`, { permissions: ['tenants:read'] }, owner.accessToken),
            409,
            'ACCESS.BUILT_IN_ROLE',
          );
        }
      });
      expect((await get(ctx.t, `${T}/roles/viewer`, owner.accessToken)).json<Role>().effective_permissions).toEqual(VIEWER);
    });

    it('unknown role → 404 ACCESS.ROLE_NOT_FOUND; unknown permission → 400', async () => {
      expectProblem(await patch(ctx.t, `${T}/roles/ghost`, { name: 'Ghost' }, owner.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
      await unchanged(tenant, async () => {
        expectProblem(
          await patch(ctx.t, `${T}/roles/auditor`, { permissions: ['widgets:read'] }, owner.accessToken),
          400,
          'ACCESS.UNKNOWN_PERMISSION',
        );
        expectProblem(await patch(ctx.t, `${T}/roles/auditor`, { inherits: ['ghost'] }, owner.accessToken), 400, 'ACCESS.UNKNOWN_ROLE');
      });
    });

    it('an empty body or bad fields → 400 KERNEL.VALIDATION_FAILED; nothing changed', async () => {
      await unchanged(tenant, async () => {
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, {}, owner.accessToken), 'name');
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { name: '' }, owner.accessToken), 'name');
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { permissions: 'audit:read' }, owner.accessToken), 'permissions');
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { permissions: ['audit'] }, owner.accessToken), 'permissions');
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { inherits: ['X'] }, owner.accessToken), 'inherits');
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { key: 'renamed' }, owner.accessToken), 'key');
      });
    });

    it('null for a field that cannot be null (name, permissions, inherits) → 400, not a silent no-op', async () => {
      await unchanged(tenant, async () => {
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { name: null }, owner.accessToken), 'name');
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { permissions: null }, owner.accessToken), 'permissions');
        expectInvalid(await patch(ctx.t, `${T}/roles/auditor`, { inherits: null }, owner.accessToken), 'inherits');
      });
    });

    it('viewers may not change roles (403); non-members 404', async () => {
      await unchanged(tenant, async () => {
        const p = expectProblem(await patch(ctx.t, `${T}/roles/auditor`, { name: 'X' }, viewer.accessToken), 403, 'AUTHZ.FORBIDDEN');
        expect(p).toMatchObject({ reason: 'missing_permission', permission: 'roles:manage' });
        expectProblem(await patch(ctx.t, `${T}/roles/auditor`, { name: 'X' }, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      });
    });
  });

  describe('DELETE T/roles/{key}', () => {
    it('an unused custom role → 204, gone, audited role.deleted', async () => {
      expect(
        (await post(ctx.t, `${T}/roles`, { key: 'temp', name: 'Temp', permissions: ['members:read'] }, admin.accessToken)).statusCode,
      ).toBe(201);
      const res = await del(ctx.t, `${T}/roles/temp`, admin.accessToken);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await roleRows(tenant)).map((r) => r.key)).not.toContain('temp');
      expectProblem(await get(ctx.t, `${T}/roles/temp`, admin.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
      const audit = await ctx.db.query(
        `SELECT actor_id, data FROM kernel.audit_log WHERE tenant_id = $1 AND action = 'role.deleted' AND resource_id = 'temp'`,
        [tenant],
      );
      expect(audit).toEqual([{ actor_id: admin.userId, data: { permissions: ['members:read'], inherits: [] } }]);
      // A second delete: it is gone.
      expectProblem(await del(ctx.t, `${T}/roles/temp`, admin.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
    });

    it('a role held by a member → 409 ACCESS.ROLE_IN_USE (extensions: members); after reassignment → 204', async () => {
      expect(
        (await post(ctx.t, `${T}/roles`, { key: 'held', name: 'Held', permissions: ['tenants:read'] }, owner.accessToken)).statusCode,
      ).toBe(201);
      const holder = await addMember(ctx.t, ctx.db, tenant, owner, ['held']);
      await unchanged(tenant, async () => {
        const p = expectProblem(await del(ctx.t, `${T}/roles/held`, owner.accessToken), 409, 'ACCESS.ROLE_IN_USE');
        expect(p).toMatchObject({ members: 1, inherited_by: [] });
      });
      // A suspended holder still holds it.
      expect((await patch(ctx.t, `${T}/members/${holder.userId}`, { status: 'suspended' }, owner.accessToken)).statusCode).toBe(200);
      expectProblem(await del(ctx.t, `${T}/roles/held`, owner.accessToken), 409, 'ACCESS.ROLE_IN_USE');
      expect((await put(ctx.t, `${T}/members/${holder.userId}/roles`, { roles: ['viewer'] }, owner.accessToken)).statusCode).toBe(200);
      expect((await del(ctx.t, `${T}/roles/held`, owner.accessToken)).statusCode).toBe(204);
    });

    it('a role inherited by another role → 409 ACCESS.ROLE_IN_USE with inherited_by', async () => {
      expect(
        (await post(ctx.t, `${T}/roles`, { key: 'base', name: 'Base', permissions: ['tenants:read'] }, owner.accessToken)).statusCode,
      ).toBe(201);
      for (const key of ['child-two', 'child-one']) {
        expect(
          (await post(ctx.t, `${T}/roles`, { key, name: key, permissions: [], inherits: ['base'] }, owner.accessToken)).statusCode,
        ).toBe(201);
      }
      await unchanged(tenant, async () => {
        const p = expectProblem(await del(ctx.t, `${T}/roles/base`, owner.accessToken), 409, 'ACCESS.ROLE_IN_USE');
        expect(p).toMatchObject({ members: 0 });
        expect([...(p.inherited_by as string[])].sort()).toEqual(['child-one', 'child-two']);
      });
      expect((await del(ctx.t, `${T}/roles/child-one`, owner.accessToken)).statusCode).toBe(204);
      expect((await del(ctx.t, `${T}/roles/child-two`, owner.accessToken)).statusCode).toBe(204);
      expect((await del(ctx.t, `${T}/roles/base`, owner.accessToken)).statusCode).toBe(204);
    });

    it('a role named only by a pending invitation may go; the invitee then joins as viewer', async () => {
      expect(
        (await post(ctx.t, `${T}/roles`, { key: 'invited-role', name: 'Inv', permissions: ['audit:read'] }, owner.accessToken)).statusCode,
      ).toBe(201);
      const invitee = await signUp(ctx.t, ctx.db);
      expect((await post(ctx.t, `${T}/invitations`, { email: invitee.email, roles: ['invited-role'] }, owner.accessToken)).statusCode).toBe(
        201,
      );
      expect((await del(ctx.t, `${T}/roles/invited-role`, owner.accessToken)).statusCode).toBe(204);
      const accepted = await post(
        ctx.t,
        '/v1/invitations/accept',
        { token: await invitationToken(ctx.db, invitee.email) },
        invitee.accessToken,
      );
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json()).toMatchObject({ tenant_id: tenant, roles: ['viewer'] });
      expectProblem(await get(ctx.t, `${T}/audit`, invitee.accessToken), 403, 'AUTHZ.FORBIDDEN');
    });

    it('built-in roles → 409 ACCESS.BUILT_IN_ROLE; unknown → 404; viewers 403; non-members 404', async () => {
      await unchanged(tenant, async () => {
        for (const key of ['viewer', 'editor', 'admin', 'owner']) {
          expectProblem(await del(ctx.t, `${T}/roles/${key}`, owner.accessToken), 409, 'ACCESS.BUILT_IN_ROLE');
        }
        expectProblem(await del(ctx.t, `${T}/roles/ghost`, owner.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
        expectProblem(await del(ctx.t, `${T}/roles/auditor`, viewer.accessToken), 403, 'AUTHZ.FORBIDDEN');
        expectProblem(await del(ctx.t, `${T}/roles/auditor`, editor.accessToken), 403, 'AUTHZ.FORBIDDEN');
        expectProblem(await del(ctx.t, `${T}/roles/auditor`, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      });
    });
  });

  it('the OpenAPI document lists the problem codes the role routes really return', async () => {
    const doc = (await get(ctx.t, '/openapi.json')).json<{
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    }>();
    const documented = (method: string, path: string, status: number) =>
      doc.paths[path]?.[method]?.responses[String(status)]?.description ?? '';
    const R = '/v1/tenants/{tenant_id}/roles';
    const observed: [string, string, number, string][] = [
      ['get', '/v1/permissions', 401, 'AUTH.UNAUTHENTICATED'],
      ['get', `${R}/{key}`, 404, 'ACCESS.ROLE_NOT_FOUND'],
      ['post', R, 400, 'ACCESS.ROLE_CYCLE'],
      ['post', R, 400, 'ACCESS.UNKNOWN_PERMISSION'],
      ['post', R, 400, 'ACCESS.UNKNOWN_ROLE'],
      ['post', R, 400, 'KERNEL.VALIDATION_FAILED'],
      ['post', R, 403, 'AUTHZ.FORBIDDEN'],
      ['post', R, 404, 'TENANCY.NOT_FOUND'],
      ['post', R, 409, 'ACCESS.ROLE_EXISTS'],
      ['patch', `${R}/{key}`, 400, 'ACCESS.ROLE_CYCLE'],
      ['patch', `${R}/{key}`, 404, 'ACCESS.ROLE_NOT_FOUND'],
      ['patch', `${R}/{key}`, 409, 'ACCESS.BUILT_IN_ROLE'],
      ['delete', `${R}/{key}`, 404, 'ACCESS.ROLE_NOT_FOUND'],
      ['delete', `${R}/{key}`, 409, 'ACCESS.ROLE_IN_USE'],
      ['delete', `${R}/{key}`, 409, 'ACCESS.BUILT_IN_ROLE'],
    ];
    const missing = observed.filter(([m, p, s, code]) => !documented(m, p, s).split(', ').includes(code));
    expect(missing).toEqual([]);
  });

  describe('custom roles belong to one tenant', () => {
    it("tenant A's role is unknown in tenant B: GET 404, assign 400 ACCESS.UNKNOWN_ROLE, inherit 400; B's own works", async () => {
      const ownerB = await signUp(ctx.t, ctx.db);
      const tenantB = await createTenant(ctx.t, ownerB, 'Other Roles');
      const B = `/v1/tenants/${tenantB}`;
      const memberB = await addMember(ctx.t, ctx.db, tenantB, ownerB, ['viewer']);
      // 'auditor' exists in A (created above).
      expect((await get(ctx.t, `${T}/roles/auditor`, owner.accessToken)).statusCode).toBe(200);
      expect((await get(ctx.t, `${B}/roles`, ownerB.accessToken)).json<{ items: Role[] }>().items.map((r) => r.key)).toEqual([
        'viewer',
        'editor',
        'admin',
        'owner',
      ]);
      expectProblem(await get(ctx.t, `${B}/roles/auditor`, ownerB.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
      const p = expectProblem(
        await put(ctx.t, `${B}/members/${memberB.userId}/roles`, { roles: ['auditor'] }, ownerB.accessToken),
        400,
        'ACCESS.UNKNOWN_ROLE',
      );
      expect(p.errors).toEqual([expect.objectContaining({ path: 'roles' })]);
      expectProblem(
        await post(ctx.t, `${B}/invitations`, { email: `x.${Date.now()}@example.com`, roles: ['auditor'] }, ownerB.accessToken),
        400,
        'ACCESS.UNKNOWN_ROLE',
      );
      expectProblem(
        await post(ctx.t, `${B}/roles`, { key: 'sub-auditor', name: 'Sub', permissions: [], inherits: ['auditor'] }, ownerB.accessToken),
        400,
        'ACCESS.UNKNOWN_ROLE',
      );
      expectProblem(await patch(ctx.t, `${B}/roles/auditor`, { name: 'Mine now' }, ownerB.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
      expectProblem(await del(ctx.t, `${B}/roles/auditor`, ownerB.accessToken), 404, 'ACCESS.ROLE_NOT_FOUND');
      const [member] = await ctx.db.query<{ roles: string[] }>(
        `SELECT roles FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`,
        [tenantB, memberB.userId],
      );
      expect(member.roles).toEqual(['viewer']);

      // The same key may exist independently in B, with other permissions.
      const own = await post(ctx.t, `${B}/roles`, { key: 'auditor', name: 'B auditor', permissions: ['members:read'] }, ownerB.accessToken);
      expect(own.statusCode).toBe(201);
      expect((await get(ctx.t, `${T}/roles/auditor`, owner.accessToken)).json<Role>()).toMatchObject({
        name: 'Trail reader',
        permissions: ['audit:read'],
      });
      expect((await put(ctx.t, `${B}/members/${memberB.userId}/roles`, { roles: ['auditor'] }, ownerB.accessToken)).statusCode).toBe(200);
      // B's auditor does not read the audit trail; A's role is not consulted.
      expectProblem(await get(ctx.t, `${B}/audit`, memberB.accessToken), 403, 'AUTHZ.FORBIDDEN');
      // Nor can A's owner manage B's roles.
      expectProblem(await patch(ctx.t, `${B}/roles/auditor`, { name: 'Hijack' }, owner.accessToken), 404, 'TENANCY.NOT_FOUND');
    });
  });
});
