// The permission matrix (issue 4, "Isolation proof"): every tenant-scoped route and every platform
// route × {owner, admin, editor, viewer, suspended member, member of another tenant, platform
// operator, anonymous}, with the expected status, generated from the one table below.
//
// Every cell is independent: a route that changes something gets a fresh target per cell (a fresh
// viewer member, invitation, custom role, throwaway tenant or user, or — for DELETE T — a whole
// fresh tenant with the same actors), and its body is valid, so authorization is the only reason a
// cell can fail. Each cell asserts the status, the problem `code` (and `reason`/`permission` for
// 403), that a refusal is audited as `authz.denied` in the right chain, that a refused change left
// the database as it was and an allowed one made it.
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { requirementOf, uuidv7 } from '@user-engine/kernel';
import type { LightMyRequestResponse } from 'fastify';
import { mailboxCount, post, signUp, uniqueEmail, type SignedIn } from './support/account';
import { addMember, createTenant, invitationToken, makeOperator, patch, tenantToken, uniqueSlug } from './support/tenancy';
import { waitForSubscription } from './support/subscription';
import { eventually, useTestApp } from './support/test-app';

const ACTORS = ['owner', 'admin', 'editor', 'viewer', 'suspended', 'outsider', 'operator', 'anonymous'] as const;
type Actor = (typeof ACTORS)[number];
type User = Exclude<Actor, 'anonymous'>;

const LABEL: Record<Actor, string> = {
  owner: 'owner',
  admin: 'admin',
  editor: 'editor',
  viewer: 'viewer',
  suspended: 'suspended member',
  outsider: 'member of another tenant',
  operator: 'platform operator',
  anonymous: 'anonymous',
};

type Statuses = [
  owner: number,
  admin: number,
  editor: number,
  viewer: number,
  suspended: number,
  outsider: number,
  operator: number,
  anonymous: number,
];

interface Row {
  /** `METHOD path`; T = /v1/tenants/{tenant_id}. */
  route: string;
  /** The permission the route declares (checked against the route's decorator below). */
  permission: string;
  expected: Statuses;
  /** The cell needs its own tenant (with every actor in place), e.g. because success destroys it. */
  freshTenant?: boolean;
}

// The matrix. 2xx = allowed; 401 AUTH.UNAUTHENTICATED; 403 AUTHZ.FORBIDDEN; 404 TENANCY.NOT_FOUND.
// Columns: owner, admin, editor, viewer, suspended member, member of another tenant (outsider),
// platform operator (a member of no tenant), anonymous.
// prettier-ignore
const MATRIX: Row[] = [
  //route                                                    permission                                           own  adm  edi  vie  sus  oth  opr  anon
  { route: 'GET T',                                          permission: 'tenants:read',               expected: [200,  200,  200,  200,  404,  404,  200,  401] },
  { route: 'PATCH T',                                        permission: 'tenants:manage',             expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'GET T/diagnostics',                              permission: 'tenants:manage',             expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'GET T/members',                                  permission: 'members:read',               expected: [200,  200,  200,  200,  404,  404,  200,  401] },
  { route: 'GET T/members/{user_id}',                        permission: 'members:read',               expected: [200,  200,  200,  200,  404,  404,  200,  401] },
  { route: 'PATCH T/members/{user_id}',                      permission: 'members:manage',             expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'DELETE T/members/{user_id}',                     permission: 'members:manage',             expected: [204,  204,  403,  403,  404,  404,  204,  401] },
  { route: 'PUT T/members/{user_id}/roles',                  permission: 'roles:assign',               expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'POST T/invitations',                             permission: 'members:invite',             expected: [201,  201,  201,  403,  404,  404,  201,  401] },
  { route: 'GET T/invitations',                              permission: 'members:invite',             expected: [200,  200,  200,  403,  404,  404,  200,  401] },
  { route: 'POST T/invitations/{invitation_id}/resend',      permission: 'members:invite',             expected: [200,  200,  200,  403,  404,  404,  200,  401] },
  { route: 'DELETE T/invitations/{invitation_id}',           permission: 'members:invite',             expected: [204,  204,  204,  403,  404,  404,  204,  401] },
  { route: 'GET T/roles',                                    permission: 'roles:read',                 expected: [200,  200,  200,  200,  404,  404,  200,  401] },
  { route: 'GET T/roles/{key}',                              permission: 'roles:read',                 expected: [200,  200,  200,  200,  404,  404,  200,  401] },
  { route: 'POST T/roles',                                   permission: 'roles:manage',               expected: [201,  201,  403,  403,  404,  404,  201,  401] },
  { route: 'PATCH T/roles/{key}',                            permission: 'roles:manage',               expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'DELETE T/roles/{key}',                           permission: 'roles:manage',               expected: [204,  204,  403,  403,  404,  404,  204,  401] },
  { route: 'POST T/authz/check',                             permission: 'member',                     expected: [200,  200,  200,  200,  404,  404,  200,  401] },
  { route: 'GET T/audit',                                    permission: 'audit:read',                 expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'GET T/audit/export',                             permission: 'audit:read',                 expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  // A profile layer is a member's own (RequireMembership({ own: true })): the operator, a member of no tenant, has none.
  { route: 'GET T/profile',                                  permission: 'member',                     expected: [200,  200,  200,  200,  404,  404,  404,  401] },
  { route: 'PATCH T/profile',                                permission: 'member',                     expected: [200,  200,  200,  200,  404,  404,  404,  401] },
  { route: 'GET T/members/{user_id}/profile',                permission: 'profile:read',               expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'DELETE T',                                       permission: 'tenants:delete',             expected: [204,  403,  403,  403,  404,  404,  204,  401], freshTenant: true },
  { route: 'GET T/subscription',                             permission: 'subscription:read',          expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'GET T/subscription/charges',                     permission: 'subscription:read',          expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'POST T/subscription/change',                     permission: 'subscription:manage',        expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'POST T/subscription/cancel',                     permission: 'subscription:manage',        expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'POST T/subscription/resume',                     permission: 'subscription:manage',        expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'PUT T/members/{user_id}/plan',                   permission: 'subscription:manage',        expected: [200,  200,  403,  403,  404,  404,  200,  401] },
  { route: 'GET T/entitlements',                             permission: 'member',                     expected: [200,  200,  200,  200,  404,  404,  200,  401] },
  // Platform administration: operators only; tenant owners and admins get 403 like everyone else.
  { route: 'GET /v1/admin/tenants',                          permission: 'platform:tenants.read',      expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'GET /v1/admin/tenants/{tenant_id}',              permission: 'platform:tenants.read',      expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'POST /v1/admin/tenants/{tenant_id}/suspend',     permission: 'platform:tenants.manage',    expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'POST /v1/admin/tenants/{tenant_id}/reactivate',  permission: 'platform:tenants.manage',    expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'GET /v1/admin/users',                            permission: 'platform:users.read',        expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'POST /v1/admin/users/{id}/suspend',              permission: 'platform:users.manage',      expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'POST /v1/admin/users/{id}/reactivate',           permission: 'platform:users.manage',      expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'GET /v1/admin/operators',                        permission: 'platform:operators.manage',  expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'POST /v1/admin/operators',                       permission: 'platform:operators.manage',  expected: [403,  403,  403,  403,  403,  403,  201,  401] },
  { route: 'DELETE /v1/admin/operators/{user_id}',           permission: 'platform:operators.manage',  expected: [403,  403,  403,  403,  403,  403,  204,  401] },
  { route: 'GET /v1/admin/plans',                            permission: 'platform:plans.manage',      expected: [403,  403,  403,  403,  403,  403,  200,  401] },
  { route: 'GET /v1/admin/subscriptions/{id}',               permission: 'platform:subscriptions.manage', expected: [403, 403, 403, 403,  403,  403,  200,  401] },
  { route: 'POST /v1/admin/subscriptions/{id}/payments',     permission: 'platform:subscriptions.manage', expected: [403, 403, 403, 403,  403,  403,  200,  401] },
];

/**
 * Each cell runs twice: with the actors' session tokens, and with tenant-scoped tokens
 * (`POST /v1/auth/token`): tid = T for its members — the suspended member's issued before the
 * suspension —, the outsider's names their own tenant, and the operator, a member of no tenant,
 * keeps a session token.
 */
const TOKEN_KINDS = ['session', 'tenant'] as const;
type TokenKind = (typeof TOKEN_KINDS)[number];
const TOKEN_LABEL: Record<TokenKind, string> = { session: 'with session tokens', tenant: 'with tenant-scoped tokens' };

/** A tenant with every actor in place: owner, admin, editor, viewer, a suspended member. */
interface World {
  tenantId: string;
  /** /v1/tenants/{tenant_id} */
  T: string;
  users: Record<User, SignedIn>;
  tokens: Record<TokenKind, Record<User, string>>;
}

/** What one cell sends, and how to tell whether it took effect. */
interface Cell {
  url: string;
  payload?: object;
  /** Whether the change happened (read from the database); must be true exactly when allowed. */
  changed?: () => Promise<boolean>;
  /** More checks on an allowed response. */
  ok?: (res: LightMyRequestResponse) => void;
}

type CellFactory = (w: World, actor: Actor) => Promise<Cell>;

describe('permission matrix', () => {
  const ctx = useTestApp();
  let main: World;
  let outsiderTenant: string;
  let counter = 0;
  const roleKey = () => `custom-${Date.now().toString(36)}-${++counter}`;

  const one = async <T>(sql: string, params: unknown[]): Promise<T | undefined> => (await ctx.db.query<T>(sql, params))[0];

  /** Makes an existing user an active member of `tenantId` (invite by the owner, accept). */
  async function join(tenantId: string, owner: SignedIn, user: SignedIn, roles: string[]): Promise<void> {
    const before = await mailboxCount(ctx.db, user.email, 'tenancy.invitation');
    const inv = await post(ctx.t, `/v1/tenants/${tenantId}/invitations`, { email: user.email, roles }, owner.accessToken);
    if (inv.statusCode !== 201) throw new Error(`invite: ${inv.statusCode} ${inv.body}`);
    const token = await invitationToken(ctx.db, user.email, before);
    const accepted = await post(ctx.t, '/v1/invitations/accept', { token }, user.accessToken);
    if (accepted.statusCode !== 200) throw new Error(`accept: ${accepted.statusCode} ${accepted.body}`);
  }

  async function suspendMember(tenantId: string, owner: SignedIn, user: SignedIn): Promise<void> {
    const res = await patch(ctx.t, `/v1/tenants/${tenantId}/members/${user.userId}`, { status: 'suspended' }, owner.accessToken);
    if (res.statusCode !== 200) throw new Error(`suspend member: ${res.statusCode} ${res.body}`);
  }

  /** Session and tenant-scoped tokens; call before the suspended member is suspended. */
  async function tokensFor(tenantId: string, users: Record<User, SignedIn>, outsiderTenant: string): Promise<World['tokens']> {
    const session = Object.fromEntries(Object.entries(users).map(([k, u]) => [k, u.accessToken])) as Record<User, string>;
    const tenant = { ...session };
    for (const a of ['owner', 'admin', 'editor', 'viewer', 'suspended'] as const) tenant[a] = await tenantToken(ctx.t, users[a], tenantId);
    tenant.outsider = await tenantToken(ctx.t, users.outsider, outsiderTenant);
    return { session, tenant };
  }

  /** A new tenant of the same owner, with the same admin, editor, viewer and suspended member. */
  async function freshWorld(base: World): Promise<World> {
    const { owner, admin, editor, viewer, suspended } = base.users;
    const tenantId = await createTenant(ctx.t, owner, 'Fresh');
    await join(tenantId, owner, admin, ['admin']);
    await join(tenantId, owner, editor, ['editor']);
    await join(tenantId, owner, viewer, ['viewer']);
    await join(tenantId, owner, suspended, ['viewer']);
    const tokens = await tokensFor(tenantId, base.users, outsiderTenant);
    await suspendMember(tenantId, owner, suspended);
    return { tenantId, T: `/v1/tenants/${tenantId}`, users: base.users, tokens };
  }

  // ---- per-cell targets --------------------------------------------------------------------------
  const freshViewer = (w: World) => addMember(ctx.t, ctx.db, w.tenantId, w.users.owner, ['viewer']);

  async function freshInvitation(w: World): Promise<string> {
    const res = await post(ctx.t, `${w.T}/invitations`, { email: uniqueEmail('invitee'), roles: ['viewer'] }, w.users.owner.accessToken);
    if (res.statusCode !== 201) throw new Error(`invite: ${res.statusCode} ${res.body}`);
    return res.json<{ id: string }>().id;
  }

  async function freshRole(w: World): Promise<string> {
    const key = roleKey();
    const res = await post(ctx.t, `${w.T}/roles`, { key, name: 'Custom', permissions: ['tenants:read'] }, w.users.owner.accessToken);
    if (res.statusCode !== 201) throw new Error(`create role: ${res.statusCode} ${res.body}`);
    return key;
  }

  /** A tenant nobody in the matrix acts in (for the platform's tenant routes). */
  const throwawayTenant = async () => createTenant(ctx.t, await signUp(ctx.t, ctx.db), 'Throwaway');

  async function operatorPost(url: string): Promise<void> {
    const res = await post(ctx.t, url, {}, main.users.operator.accessToken);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  }

  const tenantStatus = async (id: string) =>
    (await one<{ status: string }>(`SELECT status FROM tenancy.tenants WHERE tenant_id = $1`, [id]))?.status;
  const userStatus = async (id: string) => (await one<{ status: string }>(`SELECT status FROM account.users WHERE id = $1`, [id]))?.status;
  const membership = (tenantId: string, userId: string) =>
    one<{ status: string; roles: string[] }>(`SELECT status, roles FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`, [
      tenantId,
      userId,
    ]);
  const invitation = (tenantId: string, id: string) =>
    one<{ status: string; sent_count: number }>(`SELECT status, sent_count FROM tenancy.invitations WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
  const role = (tenantId: string, key: string) =>
    one<{ name: string }>(`SELECT name FROM access.roles WHERE tenant_id = $1 AND key = $2`, [tenantId, key]);
  /** The main tenant's subscription (moved to business in beforeAll: unlimited seats for the fresh members cells add). */
  const tenantSubscription = (tenantId: string) =>
    one<{ id: string; plan_key: string; scheduled_plan_key: string | null; cancel_at_period_end: boolean }>(
      `SELECT id, plan_key, scheduled_plan_key, cancel_at_period_end FROM subscription.subscriptions
        WHERE subject_type = 'tenant' AND subject_id = $1 AND status IN ('trialing', 'active', 'past_due')`,
      [tenantId],
    );
  const setSubscription = (tenantId: string, assignments: string) =>
    ctx.db.query(
      `UPDATE subscription.subscriptions SET ${assignments}
        WHERE subject_type = 'tenant' AND subject_id = $1 AND status IN ('trialing', 'active', 'past_due')`,
      [tenantId],
    );
  const memberPlan = async (tenantId: string, userId: string) =>
    (
      await one<{ plan_key: string }>(`SELECT plan_key FROM subscription.membership_plans WHERE tenant_id = $1 AND user_id = $2`, [
        tenantId,
        userId,
      ])
    )?.plan_key;
  const isOperator = async (userId: string) =>
    !!(await one(`SELECT 1 FROM access.platform_roles WHERE user_id = $1 AND role = 'platform-operator'`, [userId]));

  // ---- what each route's cell sends --------------------------------------------------------------
  const CELLS: Record<string, CellFactory> = {
    'GET T': async (w) => ({
      url: w.T,
      ok: (res) => expect(res.json()).toMatchObject({ id: w.tenantId, status: 'active' }),
    }),
    'PATCH T': async (w) => {
      const slug = uniqueSlug('renamed');
      return {
        url: w.T,
        payload: { name: 'Renamed', slug },
        changed: async () =>
          (await one<{ slug: string }>(`SELECT slug FROM tenancy.tenants WHERE tenant_id = $1`, [w.tenantId]))?.slug === slug,
        ok: (res) => expect(res.json()).toMatchObject({ id: w.tenantId, name: 'Renamed', slug }),
      };
    },
    'GET T/diagnostics': async (w) => ({
      url: `${w.T}/diagnostics`,
      ok: (res) => {
        expect(res.json()).toMatchObject({ tenant_id: w.tenantId });
        expect(res.json().checks).toHaveLength(7);
      },
    }),
    'GET T/members': async (w) => ({
      url: `${w.T}/members?email=${encodeURIComponent(w.users.viewer.email)}`,
      ok: (res) =>
        expect(res.json().items).toEqual([
          expect.objectContaining({ user_id: w.users.viewer.userId, roles: ['viewer'], status: 'active' }),
        ]),
    }),
    'GET T/members/{user_id}': async (w) => ({
      url: `${w.T}/members/${w.users.viewer.userId}`,
      ok: (res) => expect(res.json()).toMatchObject({ user_id: w.users.viewer.userId, roles: ['viewer'], status: 'active' }),
    }),
    'PATCH T/members/{user_id}': async (w) => {
      const target = await freshViewer(w);
      return {
        url: `${w.T}/members/${target.userId}`,
        payload: { status: 'suspended' },
        changed: async () => (await membership(w.tenantId, target.userId))?.status === 'suspended',
        ok: (res) => expect(res.json()).toMatchObject({ user_id: target.userId, status: 'suspended' }),
      };
    },
    'DELETE T/members/{user_id}': async (w) => {
      const target = await freshViewer(w);
      return {
        url: `${w.T}/members/${target.userId}`,
        changed: async () => (await membership(w.tenantId, target.userId)) === undefined,
      };
    },
    'PUT T/members/{user_id}/roles': async (w) => {
      const target = await freshViewer(w);
      return {
        url: `${w.T}/members/${target.userId}/roles`,
        payload: { roles: ['editor'] },
        changed: async () => (await membership(w.tenantId, target.userId))?.roles.join() === 'editor',
        ok: (res) => expect(res.json()).toMatchObject({ user_id: target.userId, roles: ['editor'] }),
      };
    },
    'POST T/invitations': async (w) => {
      const email = uniqueEmail('invitee');
      return {
        url: `${w.T}/invitations`,
        payload: { email, roles: ['viewer'] },
        changed: async () => !!(await one(`SELECT 1 FROM tenancy.invitations WHERE tenant_id = $1 AND email = $2`, [w.tenantId, email])),
        ok: (res) => expect(res.json()).toMatchObject({ email, roles: ['viewer'], status: 'pending', sent_count: 1 }),
      };
    },
    'GET T/invitations': async (w) => ({
      url: `${w.T}/invitations?status=pending`,
      ok: (res) => expect(Array.isArray(res.json().items)).toBe(true),
    }),
    'POST T/invitations/{invitation_id}/resend': async (w) => {
      const id = await freshInvitation(w);
      return {
        url: `${w.T}/invitations/${id}/resend`,
        payload: {},
        changed: async () => (await invitation(w.tenantId, id))?.sent_count === 2,
        ok: (res) => expect(res.json()).toMatchObject({ id, status: 'pending', sent_count: 2 }),
      };
    },
    'DELETE T/invitations/{invitation_id}': async (w) => {
      const id = await freshInvitation(w);
      return {
        url: `${w.T}/invitations/${id}`,
        changed: async () => (await invitation(w.tenantId, id))?.status === 'revoked',
      };
    },
    'GET T/roles': async (w) => ({
      url: `${w.T}/roles`,
      ok: (res) =>
        expect(res.json().items.map((r: { key: string }) => r.key)).toEqual(expect.arrayContaining(['owner', 'admin', 'editor', 'viewer'])),
    }),
    'GET T/roles/{key}': async (w) => ({
      url: `${w.T}/roles/viewer`,
      ok: (res) => expect(res.json()).toMatchObject({ key: 'viewer', built_in: true }),
    }),
    'POST T/roles': async (w) => {
      const key = roleKey();
      return {
        url: `${w.T}/roles`,
        payload: { key, name: 'Reader', permissions: ['tenants:read'] },
        changed: async () => (await role(w.tenantId, key)) !== undefined,
        ok: (res) => expect(res.json()).toMatchObject({ key, built_in: false, permissions: ['tenants:read'] }),
      };
    },
    'PATCH T/roles/{key}': async (w) => {
      const key = await freshRole(w);
      return {
        url: `${w.T}/roles/${key}`,
        payload: { name: 'Renamed role' },
        changed: async () => (await role(w.tenantId, key))?.name === 'Renamed role',
        ok: (res) => expect(res.json()).toMatchObject({ key, name: 'Renamed role' }),
      };
    },
    'DELETE T/roles/{key}': async (w) => {
      const key = await freshRole(w);
      return { url: `${w.T}/roles/${key}`, changed: async () => (await role(w.tenantId, key)) === undefined };
    },
    'POST T/authz/check': async (w, actor) => ({
      url: `${w.T}/authz/check`,
      payload: { permission: 'tenants:read' },
      ok: (res) => expect(res.json()).toEqual({ allowed: true, reason: actor === 'operator' ? 'platform_operator' : `role:${actor}` }),
    }),
    'GET T/audit': async (w) => ({
      url: `${w.T}/audit?action=tenant.created`,
      ok: (res) => expect(res.json().items).toEqual([expect.objectContaining({ action: 'tenant.created' })]),
    }),
    'GET T/audit/export': async (w) => ({
      url: `${w.T}/audit/export?format=ndjson&action=tenant.created`,
      ok: (res) => {
        expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
        const lines = res.body.trim().split('\n');
        expect(lines.map((l) => (JSON.parse(l) as { action: string }).action)).toEqual(['tenant.created']);
      },
    }),
    'GET T/profile': async (w, actor) => ({
      url: `${w.T}/profile`,
      ok: (res) => expect(res.json()).toMatchObject({ tenant_id: w.tenantId, user_id: w.users[actor as User].userId }),
    }),
    'PATCH T/profile': async (w, actor) => {
      const title = `Title ${++counter}`;
      return {
        url: `${w.T}/profile`,
        payload: { title },
        changed: async () => !!(await one(`SELECT 1 FROM profile.tenant_layers WHERE tenant_id = $1 AND title = $2`, [w.tenantId, title])),
        ok: (res) =>
          expect(res.json()).toMatchObject({
            tenant_id: w.tenantId,
            user_id: w.users[actor as User].userId,
            title,
            sources: expect.objectContaining({ title: 'tenant' }),
          }),
      };
    },
    'GET T/members/{user_id}/profile': async (w) => ({
      url: `${w.T}/members/${w.users.viewer.userId}/profile`,
      ok: (res) => expect(res.json()).toMatchObject({ tenant_id: w.tenantId, user_id: w.users.viewer.userId }),
    }),
    'DELETE T': async (w) => ({
      url: w.T,
      changed: async () => (await tenantStatus(w.tenantId)) === 'deleted',
    }),
    'GET T/subscription': async (w) => ({
      url: `${w.T}/subscription`,
      ok: (res) =>
        expect(res.json()).toMatchObject({ subject_type: 'tenant', subject_id: w.tenantId, status: 'active', plan: { key: 'business' } }),
    }),
    'GET T/subscription/charges': async (w) => ({
      url: `${w.T}/subscription/charges`,
      ok: (res) =>
        expect(res.json().items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'initial', plan: 'business' })])),
    }),
    'POST T/subscription/change': async (w) => {
      await setSubscription(w.tenantId, 'scheduled_plan_key = NULL');
      return {
        url: `${w.T}/subscription/change`,
        payload: { plan_key: 'matrix-lite' },
        changed: async () => (await tenantSubscription(w.tenantId))?.scheduled_plan_key === 'matrix-lite',
        ok: (res) => expect(res.json()).toMatchObject({ plan: { key: 'business' }, scheduled_plan: 'matrix-lite' }),
      };
    },
    'POST T/subscription/cancel': async (w) => {
      await setSubscription(w.tenantId, 'cancel_at_period_end = false');
      return {
        url: `${w.T}/subscription/cancel`,
        payload: { at_period_end: true },
        changed: async () => (await tenantSubscription(w.tenantId))?.cancel_at_period_end === true,
        ok: (res) => expect(res.json()).toMatchObject({ status: 'active', cancel_at_period_end: true }),
      };
    },
    'POST T/subscription/resume': async (w) => {
      await setSubscription(w.tenantId, 'cancel_at_period_end = true');
      return {
        url: `${w.T}/subscription/resume`,
        payload: {},
        changed: async () => (await tenantSubscription(w.tenantId))?.cancel_at_period_end === false,
        ok: (res) => expect(res.json()).toMatchObject({ status: 'active', cancel_at_period_end: false }),
      };
    },
    'PUT T/members/{user_id}/plan': async (w) => {
      await ctx.db.query(`DELETE FROM subscription.membership_plans WHERE tenant_id = $1`, [w.tenantId]);
      return {
        url: `${w.T}/members/${w.users.viewer.userId}/plan`,
        payload: { plan_key: 'business' },
        changed: async () => (await memberPlan(w.tenantId, w.users.viewer.userId)) === 'business',
        ok: (res) => expect(res.json()).toEqual({ tenant_id: w.tenantId, user_id: w.users.viewer.userId, plan: 'business' }),
      };
    },
    'GET T/entitlements': async (w, actor) => ({
      url: `${w.T}/entitlements`,
      ok: (res) => expect(res.json()).toMatchObject({ tenant_id: w.tenantId, user_id: w.users[actor as User].userId, status: 'active' }),
    }),
    'GET /v1/admin/plans': async () => ({
      url: '/v1/admin/plans',
      ok: (res) => expect(res.json().items.map((p: { key: string }) => p.key)).toEqual(expect.arrayContaining(['business', 'matrix-lite'])),
    }),
    'GET /v1/admin/subscriptions/{id}': async (w) => {
      const sub = (await tenantSubscription(w.tenantId))!;
      return {
        url: `/v1/admin/subscriptions/${sub.id}`,
        ok: (res) => expect(res.json()).toMatchObject({ id: sub.id, subject_id: w.tenantId }),
      };
    },
    'POST /v1/admin/subscriptions/{id}/payments': async (w) => {
      const sub = (await tenantSubscription(w.tenantId))!;
      const chargeId = uuidv7();
      await ctx.db.query(
        `INSERT INTO subscription.charges (id, subscription_id, tenant_id, kind, plan_key, amount, currency, provider, period_start, period_end, created_at)
         VALUES ($1, $2, $3, 'renewal', 'business', 100, 'EUR', 'manual', now(), now() + interval '1 month', now())`,
        [chargeId, sub.id, w.tenantId],
      );
      const charge = async () =>
        (await one<{ status: string }>(`SELECT status FROM subscription.charges WHERE id = $1`, [chargeId]))?.status;
      return {
        url: `/v1/admin/subscriptions/${sub.id}/payments`,
        payload: { charge_id: chargeId, outcome: 'paid' },
        changed: async () => (await charge()) === 'paid',
        ok: (res) => expect(res.json()).toMatchObject({ id: chargeId, status: 'paid' }),
      };
    },
    'GET /v1/admin/tenants': async () => ({
      url: '/v1/admin/tenants',
      ok: (res) => expect(res.json().items.length).toBeGreaterThan(0),
    }),
    'GET /v1/admin/tenants/{tenant_id}': async (w) => ({
      url: `/v1/admin/tenants/${w.tenantId}`,
      ok: (res) => expect(res.json()).toMatchObject({ id: w.tenantId }),
    }),
    'POST /v1/admin/tenants/{tenant_id}/suspend': async () => {
      const id = await throwawayTenant();
      return {
        url: `/v1/admin/tenants/${id}/suspend`,
        payload: { reason: 'matrix' },
        changed: async () => (await tenantStatus(id)) === 'suspended',
        ok: (res) => expect(res.json()).toMatchObject({ id, status: 'suspended' }),
      };
    },
    'POST /v1/admin/tenants/{tenant_id}/reactivate': async () => {
      const id = await throwawayTenant();
      await operatorPost(`/v1/admin/tenants/${id}/suspend`);
      return {
        url: `/v1/admin/tenants/${id}/reactivate`,
        payload: {},
        changed: async () => (await tenantStatus(id)) === 'active',
        ok: (res) => expect(res.json()).toMatchObject({ id, status: 'active' }),
      };
    },
    'GET /v1/admin/users': async () => ({
      url: `/v1/admin/users?query=${encodeURIComponent(main.users.viewer.email)}`,
      ok: (res) => expect(res.json().items).toEqual([expect.objectContaining({ id: main.users.viewer.userId })]),
    }),
    'POST /v1/admin/users/{id}/suspend': async () => {
      const user = await signUp(ctx.t, ctx.db);
      return {
        url: `/v1/admin/users/${user.userId}/suspend`,
        payload: { reason: 'matrix' },
        changed: async () => (await userStatus(user.userId)) === 'suspended',
        ok: (res) => expect(res.json()).toMatchObject({ id: user.userId, status: 'suspended' }),
      };
    },
    'POST /v1/admin/users/{id}/reactivate': async () => {
      const user = await signUp(ctx.t, ctx.db);
      await operatorPost(`/v1/admin/users/${user.userId}/suspend`);
      return {
        url: `/v1/admin/users/${user.userId}/reactivate`,
        payload: {},
        changed: async () => (await userStatus(user.userId)) === 'active',
        ok: (res) => expect(res.json()).toMatchObject({ id: user.userId, status: 'active' }),
      };
    },
    'GET /v1/admin/operators': async () => ({
      url: '/v1/admin/operators',
      ok: (res) =>
        expect(res.json().items).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: main.users.operator.userId })])),
    }),
    'POST /v1/admin/operators': async () => {
      const user = await signUp(ctx.t, ctx.db);
      return {
        url: '/v1/admin/operators',
        payload: { user_id: user.userId },
        changed: () => isOperator(user.userId),
        ok: (res) => expect(res.json().items).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: user.userId })])),
      };
    },
    'DELETE /v1/admin/operators/{user_id}': async () => {
      const user = await signUp(ctx.t, ctx.db);
      await makeOperator(ctx.db, user);
      return { url: `/v1/admin/operators/${user.userId}`, changed: async () => !(await isOperator(user.userId)) };
    },
  };

  beforeAll(async () => {
    const { t, db } = ctx;
    const owner = await signUp(t, db);
    const tenantId = await createTenant(t, owner, 'Matrix');
    // Unlimited seats (the cells add many members and invitations), and a cheaper plan to schedule a downgrade to.
    await waitForSubscription(db, tenantId);
    const upgraded = await post(t, `/v1/tenants/${tenantId}/subscription/change`, { plan_key: 'business' }, owner.accessToken);
    if (upgraded.statusCode !== 200) throw new Error(`upgrade: ${upgraded.statusCode} ${upgraded.body}`);
    await db.query(
      `INSERT INTO subscription.plans (key, name, price, currency, interval, trial_days) VALUES ('matrix-lite', 'Lite', 100, 'EUR', 'month', 0)`,
    );
    const admin = await addMember(t, db, tenantId, owner, ['admin']);
    const editor = await addMember(t, db, tenantId, owner, ['editor']);
    const viewer = await addMember(t, db, tenantId, owner, ['viewer']);
    const suspended = await addMember(t, db, tenantId, owner, ['viewer']);
    // A member (owner) of another tenant only.
    const outsider = await signUp(t, db);
    outsiderTenant = await createTenant(t, outsider, 'Elsewhere');
    // A platform operator who is a member of no tenant.
    const operator = await signUp(t, db);
    await makeOperator(db, operator);
    const users = { owner, admin, editor, viewer, suspended, outsider, operator };
    const tokens = await tokensFor(tenantId, users, outsiderTenant);
    await suspendMember(tenantId, owner, suspended);
    main = { tenantId, T: `/v1/tenants/${tenantId}`, users, tokens };
  });

  it('the table covers every tenant-scoped and platform route, with the permission each declares', () => {
    const discovery = ctx.t.get(DiscoveryService);
    const scanner = ctx.t.get(MetadataScanner);
    const reflector = ctx.t.get(Reflector);
    const declared: Record<string, string> = {};
    for (const wrapper of discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, wrapper.metatype) ?? '');
      const proto = Object.getPrototypeOf(instance) as Record<string, Function>;
      for (const name of scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const route = `${method} /${[prefix, path].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        if (!route.includes(' /v1/tenants/:tenant_id') && !route.includes(' /v1/admin/')) continue;
        const requirement = requirementOf(reflector, [handler, wrapper.metatype as Function]);
        declared[route] =
          typeof requirement === 'object' ? ('permission' in requirement ? requirement.permission : requirement.kind) : String(requirement);
      }
    }
    const table = Object.fromEntries(
      MATRIX.map((r) => [r.route.replace(' T', ' /v1/tenants/{tenant_id}').replace(/\{(\w+)\}/g, ':$1'), r.permission]),
    );
    expect(table).toEqual(declared);
    expect(Object.keys(CELLS).sort()).toEqual(MATRIX.map((r) => r.route).sort());
  });

  describe.each(TOKEN_KINDS.map((kind) => ({ kind, label: TOKEN_LABEL[kind] })))('$label', ({ kind }) => {
    describe.each(MATRIX)('$route', (row) => {
      const method = row.route.split(' ')[0] as 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
      const platform = row.permission.startsWith('platform:');
      const cases = ACTORS.map((actor, i) => ({ actor, label: LABEL[actor], status: row.expected[i] }));

      it.each(cases)(`${row.route} as $label → $status`, async ({ actor, status }) => {
        const world = row.freshTenant ? await freshWorld(main) : main;
        const cell = await CELLS[row.route](world, actor);
        const token = actor === 'anonymous' ? undefined : world.tokens[kind][actor];
        const res = await ctx.t.inject({
          method,
          url: cell.url,
          ...(cell.payload !== undefined ? { payload: cell.payload } : {}),
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        const body = res.statusCode !== 204 && /json/.test(String(res.headers['content-type'])) ? res.json() : undefined;
        const expectedCode = { 401: 'AUTH.UNAUTHENTICATED', 403: 'AUTHZ.FORBIDDEN', 404: 'TENANCY.NOT_FOUND' }[status];
        expect({ status: res.statusCode, code: body?.code }).toEqual({ status, code: expectedCode });

        if (status < 300) {
          cell.ok?.(res);
          if (status === 204) expect(res.body).toBe('');
        } else {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(body).toMatchObject({ status, request_id: expect.any(String) });
        }
        if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        if (status === 403) {
          expect(body).toMatchObject({ reason: platform ? 'not_platform_operator' : 'missing_permission', permission: row.permission });
        }
        // Non-members learn nothing: not even why.
        if (status === 404) expect(body).not.toHaveProperty('reason');

        if (status === 403 || status === 404) {
          // Every refusal is audited: in the tenant's chain for its (suspended) members, else the platform's.
          const entry = await eventually(
            () =>
              one<{ tenant_id: string | null; actor_id: string; outcome: string; data: Record<string, unknown> }>(
                `SELECT tenant_id, actor_id, outcome, data FROM kernel.audit_log WHERE request_id = $1 AND action = 'authz.denied'`,
                [body.request_id],
              ),
            5_000,
            'the authz.denied audit entry',
          );
          const reason = platform
            ? 'not_platform_operator'
            : status === 403
              ? 'missing_permission'
              : actor === 'suspended'
                ? 'membership_suspended'
                : 'not_a_member';
          expect(entry).toMatchObject({
            actor_id: world.users[actor as User].userId,
            outcome: 'denied',
            data: { permission: row.permission === 'member' ? null : row.permission, reason },
          });
          // Non-members' refusals (the outsider's, an operator's on a route for members' own things) go to the platform's.
          const inTenantChain = !platform && actor !== 'outsider' && actor !== 'operator';
          expect(entry.tenant_id).toBe(inTenantChain ? world.tenantId : null);
          if (!platform && !inTenantChain) expect(entry.data.tenant_id).toBe(world.tenantId);
        }

        if (cell.changed) expect(await cell.changed()).toBe(status < 300);
      });
    });
  });
});
