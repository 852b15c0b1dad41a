import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { ChangeFeed, Scopes, UnitOfWork, uuidv7 } from '@user-engine/kernel';
import { TENANCY_CHANGES } from '@user-engine/tenancy';
import { del, get, mailboxCount, post, signUp, uniqueEmail, type SignedIn } from './support/account';
import { createTenant, invitationToken, patch, put, tenantToken } from './support/tenancy';
import { useTestApp } from './support/test-app';

/*
 * Property: whatever random sequence of creates, invites, role changes, suspensions, removals and
 * reads actors of three tenants (and a tenant that does not exist) perform — with global tokens or
 * tenant-scoped ones, on their own tenants and on others — after every step
 *   - the response is exactly what a plain model of memberships and roles predicts: 404 when the
 *     actor is not an active member, 403 (with the reason) when a permission is missing, 2xx when
 *     allowed, and the domain refusals (unknown role, grant beyond one's own, last owner, …);
 *   - every item a successful read returns belongs to that tenant and equals the model (members,
 *     invitations, roles, audit entries, the decision point's answers, token claims);
 *   - the database holds exactly the model's memberships, invitations and custom roles of every
 *     tenant (a request on one tenant never changed another's data, a refusal changed nothing);
 *   - the audit entries the step wrote are in that tenant's chain or the platform chain, never in
 *     another tenant's, and each authorization refusal is audited where the design says.
 * Each run starts from the same world (restored in the database), so a counterexample replays.
 */

const BUILT_IN = ['viewer', 'editor', 'admin', 'owner'] as const;
const OWNER = 'owner';
const NAMES = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'sam', 'sid', 'sue'] as const;
const U = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<(typeof NAMES)[number], number>;
/** Tenant index 3 is a tenant id that does not exist. */
const GHOST = 3;
const TENANT_COUNT = 3;

/** Who belongs where at the start of every run: [user, tenant, roles, status]. Owners come from creating the tenant. */
const OWNERS = [U.ann, U.ben, U.cat];
const CUSTOM_ROLES: { tenant: number; key: string; permissions: string[]; inherits: string[] }[] = [
  { tenant: 0, key: 'auditor', permissions: ['audit:read', 'members:read'], inherits: [] },
  { tenant: 1, key: 'auditor', permissions: ['tenants:read'], inherits: [] },
  { tenant: 2, key: 'helper', permissions: ['members:invite', 'roles:assign'], inherits: ['viewer'] },
];
const JOINS: [number, number, string[], 'active' | 'suspended'][] = [
  [U.cat, 0, ['editor'], 'active'],
  [U.dan, 0, ['admin'], 'active'],
  [U.eve, 0, ['viewer'], 'active'],
  [U.sam, 0, ['viewer'], 'active'],
  [U.ann, 1, ['viewer'], 'active'],
  [U.dan, 1, ['viewer'], 'suspended'],
  [U.eve, 1, ['auditor'], 'active'],
  [U.sid, 1, ['editor'], 'active'],
  [U.ben, 2, ['admin'], 'active'],
  [U.eve, 2, ['editor'], 'active'],
  [U.sid, 2, ['viewer'], 'active'],
  [U.sue, 2, ['helper'], 'active'],
];
/** Tenant-scoped tokens every run starts with: [user, tenant]. */
const TENANT_TOKENS: [number, number][] = [
  [U.ann, 0],
  [U.ann, 1],
  [U.ben, 2],
  [U.dan, 0],
  [U.eve, 2],
  [U.sid, 1],
  [U.sue, 2],
];

type MemberStatus = 'active' | 'suspended';
interface Member {
  status: MemberStatus;
  /** Sorted, as the service stores them. */
  roles: string[];
}
interface CustomRole {
  permissions: string[];
  inherits: string[];
}
interface TenantModel {
  name: string;
  slug: string;
  members: Map<number, Member>;
  custom: Map<string, CustomRole>;
}
interface InvitationModel {
  id: string;
  tenant: number;
  email: string;
  roles: string[];
  status: 'pending' | 'accepted' | 'revoked';
  sent: number;
}
interface Tok {
  tenant: number;
  token: string;
  scp: Set<string>;
}
interface Model {
  tenants: TenantModel[];
  invitations: InvitationModel[];
  tokens: Map<string, Tok>;
}

const READS = ['readTenant', 'listMembers', 'listInvitations', 'readAudit', 'listRoles', 'myTenants'] as const;
type TokChoice = 'global' | 'same' | 0 | 1 | 2;
type RoleChoice = 'viewer' | 'editor' | 'admin' | 'owner' | 'editor+viewer' | 'own' | 'own+viewer' | 'foreign';
type Cmd =
  | { k: (typeof READS)[number]; a: number; t: number; tok: TokChoice }
  | { k: 'getMember'; a: number; t: number; tok: TokChoice; u: number }
  | { k: 'issueToken'; a: number; t: number }
  | { k: 'invite'; a: number; t: number; tok: TokChoice; who: number | 'fresh'; roles: RoleChoice; i: number }
  | { k: 'revokeInvitation' | 'resendInvitation'; a: number; t: number; tok: TokChoice; pick: number | 'unknown' }
  | { k: 'setRoles'; a: number; t: number; tok: TokChoice; u: number; roles: RoleChoice; i: number }
  | { k: 'setStatus'; a: number; t: number; tok: TokChoice; u: number; status: MemberStatus }
  | { k: 'removeMember'; a: number; t: number; tok: TokChoice; u: number }
  | { k: 'renameTenant'; a: number; t: number; tok: TokChoice; name: number | null; slug: 'own' | 'alt' | number | null }
  | {
      k: 'createRole';
      a: number;
      t: number;
      tok: TokChoice;
      permissions: string[];
      inherit: 'none' | 'viewer' | 'own' | 'foreign';
      i: number;
    }
  | { k: 'authzCheck'; a: number; t: number; tok: TokChoice; subject: number | null; perm: string };

/** What the model predicts for one request. */
interface Expectation {
  status: number;
  code?: string;
  /** `reason` of an AUTHZ.* problem. */
  reason?: string;
  /** Refused by the guard: audited as authz.denied, in the tenant's chain or (non-members) the platform's. */
  denied?: { reason: string; tenantChain: boolean; permission?: string | null };
  /** Allowed and changed something: this audit action lands in the tenant's chain. */
  audit?: string;
  /** Checks a 2xx body against the model, then applies the change to the model. */
  then?: (res: LightMyRequestResponse) => void;
}

interface Problem {
  code: string;
  reason?: string;
  status: number;
}
interface MemberBody {
  user_id: string;
  email: string;
  status: MemberStatus;
  roles: string[];
}
interface InvitationBody {
  id: string;
  email: string;
  roles: string[];
  status: string;
  invited_by: string;
  sent_count: number;
}
interface RoleBody {
  key: string;
  built_in: boolean;
  permissions: string[];
  inherits: string[];
  effective_permissions: string[];
}
interface AuditRow {
  tenant_id: string | null;
  chain_id: string;
  action: string;
  outcome: string;
  actor_id: string | null;
  data: Record<string, unknown>;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();
const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

describe('tenant isolation, property-based: random actors, tenants and commands against a model', () => {
  const ctx = useTestApp({ env: { OUTBOX_DISPATCHER_ENABLED: 'false' } });
  const users: SignedIn[] = [];
  const tenantIds: string[] = [];
  const tenantRows: { name: string; slug: string }[] = [];
  let ghostId: string;
  /** Built-in role → its permissions, and every tenant / platform permission, from the catalog. */
  const builtIn = new Map<string, Set<string>>();
  let tenantPermissions: string[] = [];
  let platformPermissions: string[] = [];
  let baseline: Model;
  let baselineRows: { tenants: unknown; memberships: unknown; invitations: unknown; roles: unknown };
  let su: Client;
  let roleCounter = 0;
  const stats = {
    runs: 0,
    steps: 0,
    deniedAudited: 0,
    requestMs: 0,
    checkMs: 0,
    byKind: new Map<string, number>(),
    byStatus: new Map<number, number>(),
  };

  const tenantId = (t: number) => (t === GHOST ? ghostId : tenantIds[t]);

  beforeAll(async () => {
    const { t, db } = ctx;
    su = new Client({ connectionString: db.url });
    su.on('error', () => undefined); // the suite's database is dropped (WITH FORCE) at the end
    await su.connect();

    users.push(...(await Promise.all(NAMES.map(() => signUp(t, db)))));
    const perms = await get(t, '/v1/permissions', users[0].accessToken);
    const items = perms.json<{ items: { key: string; scope: string; min_role: string | null }[] }>().items;
    tenantPermissions = items.filter((p) => p.scope === 'tenant').map((p) => p.key);
    platformPermissions = items.filter((p) => p.scope === 'platform').map((p) => p.key);
    for (const role of BUILT_IN) {
      const rank = BUILT_IN.indexOf(role);
      builtIn.set(
        role,
        new Set(items.filter((p) => p.scope === 'tenant' && BUILT_IN.indexOf(p.min_role as never) <= rank).map((p) => p.key)),
      );
    }
    // The documented catalog, so the model below is about the real permissions.
    expect(sorted(tenantPermissions)).toEqual(
      sorted([
        'tenants:read',
        'tenants:manage',
        'tenants:delete',
        'members:read',
        'members:invite',
        'members:manage',
        'audit:read',
        'roles:read',
        'roles:manage',
        'roles:assign',
        'profile:read',
        'subscription:read',
        'subscription:manage',
      ]),
    );
    expect(sorted(builtIn.get('viewer')!)).toEqual(['members:read', 'roles:read', 'tenants:read']);

    for (const [i, owner] of OWNERS.entries()) {
      tenantIds.push(await createTenant(t, users[owner], `Tenant ${i}`));
    }
    ghostId = uuidv7();
    for (const r of CUSTOM_ROLES) {
      const res = await post(
        t,
        `/v1/tenants/${tenantIds[r.tenant]}/roles`,
        { key: r.key, name: r.key, permissions: r.permissions, inherits: r.inherits },
        users[OWNERS[r.tenant]].accessToken,
      );
      expect(res.statusCode).toBe(201);
    }
    for (const [user, tenant, roles, status] of JOINS) {
      const T = `/v1/tenants/${tenantIds[tenant]}`;
      const owner = users[OWNERS[tenant]];
      const seen = await mailboxCount(db, users[user].email, 'tenancy.invitation');
      expect((await post(t, `${T}/invitations`, { email: users[user].email, roles }, owner.accessToken)).statusCode).toBe(201);
      const token = await invitationToken(db, users[user].email, seen);
      expect((await post(t, '/v1/invitations/accept', { token }, users[user].accessToken)).statusCode).toBe(200);
      if (status === 'suspended') {
        expect((await patch(t, `${T}/members/${users[user].userId}`, { status }, owner.accessToken)).statusCode).toBe(200);
      }
    }
    for (const row of await ctx.db.query<{ tenant_id: string; name: string; slug: string }>(`SELECT * FROM tenancy.tenants`)) {
      tenantRows[tenantIds.indexOf(row.tenant_id)] = { name: row.name, slug: row.slug };
    }

    const tokens = new Map<string, Tok>();
    for (const [user, tenant] of TENANT_TOKENS) {
      const token = await tenantToken(t, users[user], tenantIds[tenant]);
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { scp: string[] };
      tokens.set(`${user}:${tenant}`, { tenant, token, scp: new Set(claims.scp) });
    }

    // The baseline model, built from the plan (not from the database, which it is checked against).
    const tenants: TenantModel[] = tenantIds.map((_, t) => ({ ...tenantRows[t], members: new Map(), custom: new Map() }));
    OWNERS.forEach((owner, tenant) => tenants[tenant].members.set(owner, { status: 'active', roles: [OWNER] }));
    for (const [user, tenant, roles, status] of JOINS) tenants[tenant].members.set(user, { status, roles: sorted(roles) });
    for (const r of CUSTOM_ROLES) tenants[r.tenant].custom.set(r.key, { permissions: sorted(r.permissions), inherits: r.inherits });
    const invitationRows = await ctx.db.query<{ id: string; tenant_id: string; email: string; roles: string[]; sent_count: number }>(
      `SELECT id, tenant_id, email, roles, sent_count FROM tenancy.invitations WHERE status = 'accepted' ORDER BY id`,
    );
    expect(invitationRows).toHaveLength(JOINS.length);
    const invitations = invitationRows.map((r) => ({
      id: r.id,
      tenant: tenantIds.indexOf(r.tenant_id),
      email: r.email,
      roles: r.roles,
      status: 'accepted' as const,
      sent: r.sent_count,
    }));
    baseline = { tenants, invitations, tokens };

    const [snapshot] = await ctx.db.query<{ tenants: unknown; memberships: unknown; invitations: unknown; roles: unknown }>(
      `SELECT (SELECT jsonb_agg(to_jsonb(t)) FROM tenancy.tenants t) AS tenants,
              (SELECT jsonb_agg(to_jsonb(m)) FROM tenancy.memberships m) AS memberships,
              (SELECT jsonb_agg(to_jsonb(i)) FROM tenancy.invitations i) AS invitations,
              (SELECT jsonb_agg(to_jsonb(r)) FROM access.roles r) AS roles`,
    );
    baselineRows = snapshot;
    expectDatabaseMatches(baseline, await databaseState(uuidv7()));
  }, 60_000);

  afterAll(async () => {
    await su?.end();
    const kinds = [...stats.byKind].map(([k, n]) => `${k}=${n}`).join(' ');
    const statuses = [...stats.byStatus].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}:${n}`);
    console.log(
      `isolation property: ${stats.runs} runs, ${stats.steps} steps (${stats.deniedAudited} audited refusals; ${Math.round(stats.requestMs)} ms in requests, ${Math.round(stats.checkMs)} ms reading the database); ${kinds}; statuses ${statuses.join(' ')}`,
    );
  });

  function cloneModel(m: Model): Model {
    return {
      tenants: m.tenants.map((t) => ({
        name: t.name,
        slug: t.slug,
        members: new Map([...t.members].map(([u, mm]) => [u, { status: mm.status, roles: [...mm.roles] }])),
        custom: new Map([...t.custom].map(([k, r]) => [k, { permissions: [...r.permissions], inherits: [...r.inherits] }])),
      })),
      invitations: m.invitations.map((i) => ({ ...i })),
      tokens: new Map(m.tokens),
    };
  }

  /** Puts the world back as it was after beforeAll, in one platform transaction that drops cached decisions at commit. */
  async function reset(): Promise<Model> {
    const uow = ctx.t.get(UnitOfWork);
    const feed = ctx.t.get(ChangeFeed);
    await uow.run(Scopes.platform, async (m) => {
      await m.query(`DELETE FROM tenancy.invitations`);
      await m.query(`DELETE FROM tenancy.memberships`);
      await m.query(`DELETE FROM access.roles`);
      await m.query(
        `UPDATE tenancy.tenants t SET name = b.name, slug = b.slug, updated_at = b.updated_at
           FROM jsonb_populate_recordset(NULL::tenancy.tenants, $1::jsonb) b WHERE t.tenant_id = b.tenant_id`,
        [JSON.stringify(baselineRows.tenants)],
      );
      await m.query(`INSERT INTO tenancy.memberships SELECT * FROM jsonb_populate_recordset(NULL::tenancy.memberships, $1::jsonb)`, [
        JSON.stringify(baselineRows.memberships),
      ]);
      await m.query(`INSERT INTO tenancy.invitations SELECT * FROM jsonb_populate_recordset(NULL::tenancy.invitations, $1::jsonb)`, [
        JSON.stringify(baselineRows.invitations),
      ]);
      await m.query(`INSERT INTO access.roles SELECT * FROM jsonb_populate_recordset(NULL::access.roles, $1::jsonb)`, [
        JSON.stringify(baselineRows.roles),
      ]);
      for (const id of tenantIds) await feed.changed(TENANCY_CHANGES, id);
    });
    return cloneModel(baseline);
  }

  // --- The model's rules ----------------------------------------------------------------------

  function roleExists(T: TenantModel, key: string): boolean {
    return builtIn.has(key) || T.custom.has(key);
  }

  function effective(T: TenantModel, key: string, seen = new Set<string>()): Set<string> {
    const b = builtIn.get(key);
    if (b) return b;
    const r = T.custom.get(key);
    if (!r || seen.has(key)) return new Set();
    seen.add(key);
    const out = new Set(r.permissions);
    for (const parent of r.inherits) for (const p of effective(T, parent, seen)) out.add(p);
    return out;
  }

  function held(T: TenantModel, roles: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const r of roles) for (const p of effective(T, r)) out.add(p);
    return out;
  }

  const refuse = (status: number, code: string, reason?: string): Expectation => ({ status, code, reason });

  /** The kernel guard with the access module's decision point, for a tenant route needing `permission` (null: membership only). */
  function guard(
    m: Model,
    a: number,
    t: number,
    tok: Tok | null,
    permission: string | null,
    target?: number,
    selfAllowed = false,
  ): Expectation | null {
    const denied = (status: number, code: string, reason: string, tenantChain: boolean, withReason: boolean): Expectation => ({
      status,
      code,
      reason: withReason ? reason : undefined,
      denied: { reason, tenantChain, permission },
    });
    if (t === GHOST) return denied(404, 'TENANCY.NOT_FOUND', 'tenant_not_found', false, false);
    const T = m.tenants[t];
    const me = T.members.get(a);
    if (!me) return denied(404, 'TENANCY.NOT_FOUND', 'not_a_member', false, false);
    if (me.status === 'suspended') return denied(404, 'TENANCY.NOT_FOUND', 'membership_suspended', true, false);
    if (tok && tok.tenant !== t) return denied(403, 'AUTHZ.TENANT_MISMATCH', 'token_tenant_mismatch', true, true);
    // A route that asks only for membership (no permission) lets every active member through.
    if (permission === null) return null;
    if (selfAllowed && target === a) return null;
    if (!held(T, me.roles).has(permission)) return denied(403, 'AUTHZ.FORBIDDEN', 'missing_permission', true, true);
    if (tok && !tok.scp.has(permission)) return denied(403, 'AUTHZ.FORBIDDEN', 'token_scope', true, true);
    if (target !== undefined && target !== a && !me.roles.includes(OWNER) && T.members.get(target)?.roles.includes(OWNER)) {
      return denied(403, 'AUTHZ.FORBIDDEN', 'owner_protected', true, true);
    }
    // Nobody acts on a member who holds permissions they lack.
    const targetRoles = target !== undefined && target !== a && !me.roles.includes(OWNER) ? T.members.get(target)?.roles : undefined;
    if (targetRoles && [...held(T, targetRoles)].some((p) => !held(T, me.roles).has(p))) {
      return denied(403, 'AUTHZ.FORBIDDEN', 'target_exceeds_own_permissions', true, true);
    }
    return null;
  }

  /** Whether replacing the member `u` by `after` (null = removed) leaves the tenant without an active owner. */
  function leavesNoActiveOwner(T: TenantModel, u: number, after: Member | null): boolean {
    const activeOwner = (mm: Member | null | undefined) => !!mm && mm.status === 'active' && mm.roles.includes(OWNER);
    if (!activeOwner(T.members.get(u)) || activeOwner(after)) return false;
    return ![...T.members].some(([other, mm]) => other !== u && activeOwner(mm));
  }

  /** A refusal by the role policy: audited as authz.denied in the tenant's trail (no route permission). */
  const policyRefusal = (reason: string): Expectation => ({
    ...refuse(403, 'AUTHZ.FORBIDDEN', reason),
    denied: { reason, tenantChain: true },
  });

  /** The grant rules of the role policy (invitations: no target; role changes: the target's current roles). */
  function assignable(T: TenantModel, a: number, roles: string[], targetRoles?: string[]): Expectation | null {
    const unknown = roles.filter((r) => !roleExists(T, r));
    if (unknown.length) return refuse(400, 'ACCESS.UNKNOWN_ROLE');
    const me = T.members.get(a)!;
    const mine = held(T, me.roles);
    if ((roles.includes(OWNER) || (targetRoles ?? []).includes(OWNER)) && !me.roles.includes(OWNER)) {
      return policyRefusal('owner_protected');
    }
    if ([...held(T, roles)].some((p) => !mine.has(p))) return policyRefusal('grant_exceeds_own_permissions');
    if (targetRoles && [...held(T, targetRoles)].some((p) => !mine.has(p))) {
      return policyRefusal('target_exceeds_own_permissions');
    }
    return null;
  }

  /** A custom role key another tenant has and this one does not. */
  function foreignRole(m: Model, t: number, i: number): string {
    const keys = m.tenants
      .flatMap((T, other) => (other === t ? [] : [...T.custom.keys()]))
      .filter((k) => t === GHOST || !m.tenants[t].custom.has(k));
    return keys.length ? keys[i % keys.length] : 'no-such-role';
  }

  function ownRole(m: Model, t: number, i: number): string | undefined {
    if (t === GHOST) return undefined;
    const keys = [...m.tenants[t].custom.keys()];
    return keys.length ? keys[i % keys.length] : undefined;
  }

  function resolveRoles(m: Model, t: number, choice: RoleChoice, i: number): string[] {
    switch (choice) {
      case 'editor+viewer':
        return ['editor', 'viewer'];
      case 'own':
        return [ownRole(m, t, i) ?? 'viewer'];
      case 'own+viewer':
        return sorted(new Set([ownRole(m, t, i) ?? 'editor', 'viewer']));
      case 'foreign':
        return [foreignRole(m, t, i)];
      default:
        return [choice];
    }
  }

  /** The decision point's answer about `subject` (with the caller's token when asking about oneself). */
  function decision(T: TenantModel, t: number, subject: Member | undefined, perm: string, tok: Tok | null) {
    if (!tenantPermissions.includes(perm) && !platformPermissions.includes(perm)) return { allowed: false, reason: 'unknown_permission' };
    if (platformPermissions.includes(perm)) return { allowed: false, reason: 'not_platform_operator' };
    if (!subject) return { allowed: false, reason: 'not_a_member' };
    if (subject.status === 'suspended') return { allowed: false, reason: 'membership_suspended' };
    if (tok && tok.tenant !== t) return { allowed: false, reason: 'token_tenant_mismatch' };
    if (!held(T, subject.roles).has(perm)) return { allowed: false, reason: 'missing_permission' };
    if (tok && !tok.scp.has(perm)) return { allowed: false, reason: 'token_scope' };
    return { allowed: true, reason: `role:${subject.roles.find((r) => effective(T, r).has(perm))}` };
  }

  // --- Commands: the request and what the model predicts ------------------------------------

  /** The tenant token the command asks for, if the actor holds it; else null (their global token). */
  function tokenFor(m: Model, c: Cmd): Tok | null {
    if (!('tok' in c) || c.tok === 'global') return null;
    return m.tokens.get(`${c.a}:${c.tok === 'same' ? c.t : c.tok}`) ?? null;
  }

  function plan(m: Model, c: Cmd): { send: () => Promise<LightMyRequestResponse>; expect: Expectation } {
    const { t: app } = ctx;
    const T = c.t === GHOST ? undefined : m.tenants[c.t];
    const base = `/v1/tenants/${tenantId(c.t)}`;
    const tok = tokenFor(m, c);
    const bearer = tok?.token ?? users[c.a].accessToken;
    const me = T?.members.get(c.a);

    switch (c.k) {
      case 'readTenant':
        return {
          send: () => get(app, base, bearer),
          expect: guard(m, c.a, c.t, tok, 'tenants:read') ?? {
            status: 200,
            then: (res) =>
              expect(res.json()).toMatchObject({
                id: tenantIds[c.t],
                name: T!.name,
                slug: T!.slug,
                status: 'active',
              }),
          },
        };

      case 'listMembers':
        return {
          send: () => get(app, `${base}/members?limit=100`, bearer),
          expect: guard(m, c.a, c.t, tok, 'members:read') ?? {
            status: 200,
            then: (res) => {
              const got = res.json<{ items: MemberBody[]; next_cursor: string | null }>();
              const want = [...T!.members]
                .map(([u, mm]) => ({ user_id: users[u].userId, email: users[u].email, status: mm.status, roles: mm.roles }))
                .sort((x, y) => (x.email < y.email ? -1 : 1));
              expect(got.items.map((i) => ({ user_id: i.user_id, email: i.email, status: i.status, roles: i.roles }))).toEqual(want);
              expect(got.next_cursor).toBeNull();
            },
          },
        };

      case 'getMember':
        return {
          send: () => get(app, `${base}/members/${users[c.u].userId}`, bearer),
          expect:
            guard(m, c.a, c.t, tok, 'members:read') ??
            (T!.members.has(c.u)
              ? {
                  status: 200,
                  then: (res) =>
                    expect(res.json<MemberBody>()).toMatchObject({
                      user_id: users[c.u].userId,
                      email: users[c.u].email,
                      ...T!.members.get(c.u),
                    }),
                }
              : refuse(404, 'TENANCY.MEMBER_NOT_FOUND')),
        };

      case 'listInvitations':
        return {
          send: () => get(app, `${base}/invitations?limit=100`, bearer),
          expect: guard(m, c.a, c.t, tok, 'members:invite') ?? {
            status: 200,
            then: (res) => {
              const got = res.json<{ items: InvitationBody[] }>().items;
              const want = m.invitations
                .filter((i) => i.tenant === c.t)
                .sort((x, y) => (x.id < y.id ? 1 : -1))
                .map((i) => ({ id: i.id, email: i.email, roles: i.roles, status: i.status, sent_count: i.sent }));
              expect(got.map((i) => ({ id: i.id, email: i.email, roles: i.roles, status: i.status, sent_count: i.sent_count }))).toEqual(
                want,
              );
            },
          },
        };

      case 'readAudit':
        return {
          send: () => get(app, `${base}/audit?limit=100`, bearer),
          expect: guard(m, c.a, c.t, tok, 'audit:read') ?? {
            status: 200,
            then: (res) => {
              const ids = res.json<{ items: { id: string }[] }>().items.map((i) => i.id);
              expect(ids.length).toBeGreaterThan(0);
              checks.push(async () => {
                const { rows } = await su.query<{ tenant_id: string | null; chain_id: string; n: string }>(
                  `SELECT tenant_id, chain_id, count(*) AS n FROM kernel.audit_log WHERE id = ANY($1::uuid[]) GROUP BY 1, 2`,
                  [ids],
                );
                expect(rows).toEqual([{ tenant_id: tenantIds[c.t], chain_id: tenantIds[c.t], n: String(ids.length) }]);
              });
            },
          },
        };

      case 'listRoles':
        return {
          send: () => get(app, `${base}/roles`, bearer),
          expect: guard(m, c.a, c.t, tok, 'roles:read') ?? {
            status: 200,
            then: (res) => {
              const got = res.json<{ items: RoleBody[] }>().items;
              const want = [
                ...BUILT_IN.map((key) => ({ key, built_in: true, effective_permissions: sorted(builtIn.get(key)!) })),
                ...[...T!.custom].map(([key]) => ({ key, built_in: false, effective_permissions: sorted(effective(T!, key)) })),
              ];
              expect(
                got.map((r) => ({ key: r.key, built_in: r.built_in, effective_permissions: r.effective_permissions })).sort(byJson),
              ).toEqual(want.sort(byJson));
            },
          },
        };

      case 'myTenants':
        return {
          send: () => get(app, '/v1/tenants?limit=100', bearer),
          // A token issued for one tenant does not list the user's other tenants.
          expect: tok
            ? refuse(403, 'AUTHZ.TENANT_TOKEN', 'tenant_scoped_token')
            : {
                status: 200,
                then: (res) => {
                  // Exactly the tenants the actor belongs to (suspended memberships included, with their status).
                  const got = res.json<{ items: { id: string; name: string; slug: string; membership: Member }[] }>().items;
                  const want = m.tenants
                    .map((tm, i) => ({ id: tenantIds[i], name: tm.name, slug: tm.slug, mm: tm.members.get(c.a) }))
                    .filter((x) => x.mm)
                    .map((x) => ({ id: x.id, name: x.name, slug: x.slug, membership: { status: x.mm!.status, roles: x.mm!.roles } }));
                  expect(
                    got
                      .map((i) => ({
                        id: i.id,
                        name: i.name,
                        slug: i.slug,
                        membership: { status: i.membership.status, roles: i.membership.roles },
                      }))
                      .sort(byJson),
                  ).toEqual(want.sort(byJson));
                },
              },
        };

      case 'issueToken': {
        const ok = T && me?.status === 'active';
        return {
          send: () => post(app, '/v1/auth/token', { tenant_id: tenantId(c.t) }, users[c.a].accessToken),
          expect: !ok
            ? refuse(404, 'TENANCY.NOT_FOUND')
            : {
                status: 200,
                then: (res) => {
                  const body = res.json<{ access_token: string; tenant_id: string; roles: string[]; scope: string[] }>();
                  const scp = held(T, me.roles);
                  expect(body).toMatchObject({ tenant_id: tenantIds[c.t], roles: me.roles, scope: sorted(scp) });
                  m.tokens.set(`${c.a}:${c.t}`, { tenant: c.t, token: body.access_token, scp });
                },
              },
        };
      }

      case 'invite': {
        const email = c.who === 'fresh' ? uniqueEmail('invitee') : users[c.who].email;
        const roles = sorted(new Set(resolveRoles(m, c.t, c.roles, c.i)));
        const memberByEmail = c.who !== 'fresh' && T?.members.has(c.who);
        const open = m.invitations.some((i) => i.tenant === c.t && i.email === email && i.status === 'pending');
        return {
          send: () => post(app, `${base}/invitations`, { email, roles }, bearer),
          expect: guard(m, c.a, c.t, tok, 'members:invite') ??
            assignable(T!, c.a, roles) ??
            (memberByEmail ? refuse(409, 'TENANCY.ALREADY_MEMBER') : undefined) ??
            (open ? refuse(409, 'TENANCY.ALREADY_INVITED') : undefined) ?? {
              status: 201,
              audit: 'invitation.created',
              then: (res) => {
                const body = res.json<InvitationBody>();
                expect(body).toMatchObject({ email, roles, status: 'pending', invited_by: users[c.a].userId, sent_count: 1 });
                m.invitations.push({ id: body.id, tenant: c.t, email, roles, status: 'pending', sent: 1 });
              },
            },
        };
      }

      case 'revokeInvitation':
      case 'resendInvitation': {
        const inv = c.pick === 'unknown' || !m.invitations.length ? undefined : m.invitations[c.pick % m.invitations.length];
        const id = inv?.id ?? uuidv7();
        const open = inv && inv.tenant === c.t && inv.status === 'pending';
        const revoke = c.k === 'revokeInvitation';
        return {
          send: () => (revoke ? del(app, `${base}/invitations/${id}`, bearer) : post(app, `${base}/invitations/${id}/resend`, {}, bearer)),
          expect: guard(m, c.a, c.t, tok, 'members:invite') ??
            (!open ? refuse(404, 'TENANCY.INVITATION_NOT_FOUND') : undefined) ??
            // Re-sending renews the grant: the sender must be able to give the invitation's roles now.
            (revoke ? undefined : assignable(T!, c.a, inv!.roles)) ?? {
              status: revoke ? 204 : 200,
              audit: revoke ? 'invitation.revoked' : 'invitation.resent',
              then: (res) => {
                if (revoke) {
                  inv!.status = 'revoked';
                } else {
                  inv!.sent++;
                  expect(res.json<InvitationBody>()).toMatchObject({ id, email: inv!.email, status: 'pending', sent_count: inv!.sent });
                }
              },
            },
        };
      }

      case 'setRoles': {
        const roles = resolveRoles(m, c.t, c.roles, c.i);
        const target = T?.members.get(c.u);
        const want = sorted(new Set(roles));
        return {
          send: () => put(app, `${base}/members/${users[c.u].userId}/roles`, { roles }, bearer),
          expect: guard(m, c.a, c.t, tok, 'roles:assign', c.u) ??
            (!target ? refuse(404, 'TENANCY.MEMBER_NOT_FOUND') : undefined) ??
            assignable(T!, c.a, want, target!.roles) ??
            (want.join() !== target!.roles.join() && leavesNoActiveOwner(T!, c.u, { ...target!, roles: want })
              ? refuse(409, 'TENANCY.LAST_OWNER')
              : undefined) ?? {
              status: 200,
              audit: want.join() !== target!.roles.join() ? 'membership.roles_changed' : undefined,
              then: (res) => {
                expect(res.json<MemberBody>()).toMatchObject({ user_id: users[c.u].userId, status: target!.status, roles: want });
                target!.roles = want;
              },
            },
        };
      }

      case 'setStatus': {
        const target = T?.members.get(c.u);
        return {
          send: () => patch(app, `${base}/members/${users[c.u].userId}`, { status: c.status }, bearer),
          expect: guard(m, c.a, c.t, tok, 'members:manage', c.u) ??
            (!target ? refuse(404, 'TENANCY.MEMBER_NOT_FOUND') : undefined) ??
            (target!.status === c.status
              ? { status: 200, then: (res) => expect(res.json<MemberBody>()).toMatchObject({ status: c.status, roles: target!.roles }) }
              : undefined) ??
            (c.status === 'suspended' && c.u === c.a ? refuse(409, 'TENANCY.CANNOT_CHANGE_SELF') : undefined) ??
            (leavesNoActiveOwner(T!, c.u, { ...target!, status: c.status }) ? refuse(409, 'TENANCY.LAST_OWNER') : undefined) ?? {
              status: 200,
              audit: c.status === 'suspended' ? 'membership.suspended' : 'membership.reactivated',
              then: (res) => {
                expect(res.json<MemberBody>()).toMatchObject({ user_id: users[c.u].userId, status: c.status, roles: target!.roles });
                target!.status = c.status;
              },
            },
        };
      }

      case 'removeMember': {
        const target = T?.members.get(c.u);
        return {
          send: () => del(app, `${base}/members/${users[c.u].userId}`, bearer),
          expect: guard(m, c.a, c.t, tok, 'members:manage', c.u, true) ??
            (!target ? refuse(404, 'TENANCY.MEMBER_NOT_FOUND') : undefined) ??
            (leavesNoActiveOwner(T!, c.u, null) ? refuse(409, 'TENANCY.LAST_OWNER') : undefined) ?? {
              status: 204,
              audit: c.u === c.a ? 'membership.left' : 'membership.removed',
              then: () => {
                T!.members.delete(c.u);
              },
            },
        };
      }

      case 'renameTenant': {
        const name = c.name === null ? undefined : `Renamed ${c.t}.${c.name}`;
        const slug =
          c.slug === null
            ? undefined
            : c.slug === 'own'
              ? tenantRows[c.t]?.slug
              : c.slug === 'alt'
                ? `${tenantRows[c.t]?.slug ?? 'ghost'}-alt`
                : m.tenants[c.slug].slug;
        const payload = name === undefined && slug === undefined ? { name: `Renamed ${c.t}` } : { name, slug };
        const taken = T && payload.slug !== undefined && m.tenants.some((o, i) => i !== c.t && o.slug === payload.slug);
        const changed =
          T && ((payload.name !== undefined && payload.name !== T.name) || (payload.slug !== undefined && payload.slug !== T.slug));
        return {
          send: () => patch(app, base, payload, bearer),
          expect: guard(m, c.a, c.t, tok, 'tenants:manage') ??
            (taken ? refuse(409, 'TENANCY.SLUG_TAKEN') : undefined) ?? {
              status: 200,
              audit: changed ? 'tenant.updated' : undefined,
              then: (res) => {
                T!.name = payload.name ?? T!.name;
                T!.slug = payload.slug ?? T!.slug;
                expect(res.json()).toMatchObject({ id: tenantIds[c.t], name: T!.name, slug: T!.slug, status: 'active' });
              },
            },
        };
      }

      case 'createRole': {
        const key = `r${++roleCounter}-${c.t}`;
        const permissions = sorted(c.permissions);
        const inherits =
          c.inherit === 'none'
            ? []
            : c.inherit === 'viewer'
              ? ['viewer']
              : c.inherit === 'own'
                ? [ownRole(m, c.t, c.i) ?? 'viewer']
                : [foreignRole(m, c.t, c.i)];
        let outcome = guard(m, c.a, c.t, tok, 'roles:manage');
        if (!outcome) {
          const Tm = T!;
          if (inherits.some((r) => !roleExists(Tm, r))) outcome = refuse(400, 'ACCESS.UNKNOWN_ROLE');
          else {
            const eff = new Set(permissions);
            for (const r of inherits) for (const p of effective(Tm, r)) eff.add(p);
            const mine = held(Tm, me!.roles);
            outcome = [...eff].some((p) => !mine.has(p))
              ? policyRefusal('grant_exceeds_own_permissions')
              : {
                  status: 201,
                  audit: 'role.created',
                  then: (res) => {
                    expect(res.json<RoleBody>()).toEqual(
                      expect.objectContaining({ key, built_in: false, permissions, inherits, effective_permissions: sorted(eff) }),
                    );
                    Tm.custom.set(key, { permissions, inherits });
                  },
                };
          }
        }
        return {
          send: () => post(app, `${base}/roles`, { key, name: `Role ${key}`, permissions, inherits }, bearer),
          expect: outcome,
        };
      }

      case 'authzCheck': {
        const other = c.subject !== null && c.subject !== c.a;
        const body = c.subject === null ? { permission: c.perm } : { permission: c.perm, user_id: users[c.subject].userId };
        // Any active member may ask the decision point (a membership-only route).
        let outcome = guard(m, c.a, c.t, tok, null);
        if (!outcome && other && platformPermissions.includes(c.perm)) {
          // Members may not probe who administers the platform.
          outcome = refuse(400, 'KERNEL.VALIDATION_FAILED');
        } else if (!outcome && other) {
          // Asking about someone else needs members:read, decided and audited like a route's permission.
          const refusedFor = (reason: string): Expectation => ({
            ...refuse(403, 'AUTHZ.FORBIDDEN', reason),
            denied: { reason, tenantChain: true, permission: 'members:read' },
          });
          if (!held(T!, me!.roles).has('members:read')) outcome = refusedFor('missing_permission');
          else if (tok && !tok.scp.has('members:read')) outcome = refusedFor('token_scope');
        }
        if (!outcome) {
          const want = other ? decision(T!, c.t, T!.members.get(c.subject!), c.perm, null) : decision(T!, c.t, me, c.perm, tok);
          outcome = { status: 200, then: (res) => expect(res.json()).toEqual(want) };
        }
        return { send: () => post(app, `${base}/authz/check`, body, bearer), expect: outcome };
      }
    }
  }

  /** Extra checks a step queues (database look-ups for a response). */
  const checks: (() => Promise<void>)[] = [];

  // --- Invariants checked after every step ----------------------------------------------------

  interface DatabaseState {
    members: unknown[][];
    invitations: unknown[][];
    roles: unknown[][];
    tenants: unknown[][];
    /** Audit entries written since the mark. */
    audit: AuditRow[];
  }

  /** Every tenant's rows and the audit entries appended after `mark`, in one round trip. */
  async function databaseState(mark: string): Promise<DatabaseState> {
    const { rows } = await su.query<DatabaseState>(
      `SELECT (SELECT coalesce(jsonb_agg(jsonb_build_array(tenant_id, user_id, email, status, roles)), '[]') FROM tenancy.memberships) AS members,
              (SELECT coalesce(jsonb_agg(jsonb_build_array(tenant_id, id, email, status, sent_count, roles)), '[]') FROM tenancy.invitations) AS invitations,
              (SELECT coalesce(jsonb_agg(jsonb_build_array(tenant_id, key, permissions, inherits)), '[]') FROM access.roles) AS roles,
              (SELECT coalesce(jsonb_agg(jsonb_build_array(tenant_id, name, slug, status)), '[]') FROM tenancy.tenants) AS tenants,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('tenant_id', tenant_id, 'chain_id', chain_id, 'action', action, 'outcome', outcome,
                                                            'actor_id', actor_id, 'data', data) ORDER BY id), '[]')
                 FROM kernel.audit_log WHERE id > $1) AS audit`,
      [mark],
    );
    return rows[0];
  }

  /** The database holds exactly the model's memberships, invitations and custom roles of every tenant. */
  function expectDatabaseMatches(m: Model, db: DatabaseState): void {
    const want = {
      members: m.tenants.flatMap((T, t) =>
        [...T.members].map(([u, mm]) => [tenantIds[t], users[u].userId, users[u].email, mm.status, mm.roles]),
      ),
      invitations: m.invitations.map((i) => [tenantIds[i.tenant], i.id, i.email, i.status, i.sent, i.roles]),
      roles: m.tenants.flatMap((T, t) => [...T.custom].map(([key, r]) => [tenantIds[t], key, r.permissions, r.inherits])),
      tenants: m.tenants.map((T, t) => [tenantIds[t], T.name, T.slug, 'active']),
    };
    const norm = (xs: unknown[][]) => xs.map((x) => x.map((v) => (Array.isArray(v) ? sorted(v as string[]) : v))).sort(byJson);
    expect({
      members: norm(db.members),
      invitations: norm(db.invitations),
      roles: norm(db.roles),
      tenants: norm(db.tenants),
    }).toEqual({ members: norm(want.members), invitations: norm(want.invitations), roles: norm(want.roles), tenants: norm(want.tenants) });
  }

  /** What the step appended to audit trails: only in its tenant's chain or the platform chain, and what the design says. */
  function expectAudit(rows: AuditRow[], c: Cmd, e: Expectation, ok: boolean): void {
    const here = tenantId(c.t);
    // Nothing a request on one tenant does is written into another tenant's trail.
    for (const r of rows) expect([null, here]).toContain(r.tenant_id);
    for (const r of rows) expect(r.chain_id).toBe(r.tenant_id ?? '00000000-0000-0000-0000-000000000000');
    const inTenant = rows.filter((r) => r.tenant_id === here);
    if (e.denied) {
      const denial = {
        tenant_id: e.denied.tenantChain ? here : null,
        action: 'authz.denied',
        outcome: 'denied',
        actor_id: users[c.a].userId,
        data: expect.objectContaining({
          ...(e.denied.permission === undefined ? {} : { permission: e.denied.permission }),
          reason: e.denied.reason,
          ...(e.denied.tenantChain ? {} : { tenant_id: here }),
        }),
      };
      expect(rows.filter((r) => r.action === 'authz.denied')).toEqual([expect.objectContaining(denial)]);
      // A refused request writes its refusal and nothing else into the tenant's trail.
      expect(inTenant).toHaveLength(e.denied.tenantChain ? 1 : 0);
      stats.deniedAudited++;
    } else if (ok && e.audit) {
      expect(inTenant.map((r) => [r.action, r.outcome, r.actor_id])).toEqual([[e.audit, 'success', users[c.a].userId]]);
    } else {
      // Reads, no-op changes and refused changes leave the tenant's trail as it was.
      expect(inTenant).toEqual([]);
    }
  }

  async function step(m: Model, c: Cmd, index: number): Promise<void> {
    const mark = uuidv7();
    const { send, expect: e } = plan(m, c);
    const t0 = performance.now();
    const res = await send();
    stats.requestMs += performance.now() - t0;
    stats.steps++;
    stats.byKind.set(c.k, (stats.byKind.get(c.k) ?? 0) + 1);
    stats.byStatus.set(res.statusCode, (stats.byStatus.get(res.statusCode) ?? 0) + 1);
    try {
      expect({ status: res.statusCode, code: res.statusCode >= 400 ? res.json<Problem>().code : undefined }).toEqual({
        status: e.status,
        code: e.code,
      });
      if (e.reason) expect(res.json<Problem>().reason).toBe(e.reason);
      const ok = res.statusCode < 300;
      if (ok) e.then?.(res);
      while (checks.length) await checks.shift()!();
      const t1 = performance.now();
      const db = await databaseState(mark);
      stats.checkMs += performance.now() - t1;
      expectDatabaseMatches(m, db);
      expectAudit(db.audit, c, e, ok);
    } catch (err) {
      checks.length = 0;
      const used = tokenFor(m, c);
      const who = `${NAMES[c.a]}${used ? ` (token of tenant ${used.tenant})` : ''}`;
      (err as Error).message =
        `step ${index} ${JSON.stringify(c)} by ${who} on tenant ${c.t}: ${res.statusCode} ${res.body}\n${(err as Error).message}`;
      throw err;
    }
  }

  // --- Arbitraries ---------------------------------------------------------------------------

  /** Per tenant, its members at the start of a run (five each) first, then everyone else; the ghost tenant has none. */
  const SEATS: number[][] = [0, 1, 2].map((t) => {
    const members = [OWNERS[t], ...JOINS.filter((j) => j[1] === t).map((j) => j[0])];
    return [...members, ...NAMES.map((_, u) => u).filter((u) => !members.includes(u))];
  });
  SEATS.push(NAMES.map((_, u) => u));
  /** Mostly one of the tenant's members, sometimes anyone. */
  const seat = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 4 }) }, { weight: 1, arbitrary: fc.nat({ max: NAMES.length - 1 }) });
  const tenant = fc.oneof({ weight: 12, arbitrary: fc.nat({ max: TENANT_COUNT - 1 }) }, { weight: 1, arbitrary: fc.constant(GHOST) });
  /** Who acts where (a), and whom it targets (u): seats of the tenant. */
  const where = fc.record({ t: tenant, as: seat, us: seat }).map(({ t, as, us }) => ({ t, a: SEATS[t][as], u: SEATS[t][us] }));
  const tok = fc.oneof(
    { weight: 3, arbitrary: fc.constant<TokChoice>('global') },
    { weight: 2, arbitrary: fc.constant<TokChoice>('same') },
    { weight: 1, arbitrary: fc.constantFrom<TokChoice>(0, 1, 2) },
  );
  const roleChoice = fc.constantFrom<RoleChoice>('viewer', 'editor', 'admin', 'owner', 'editor+viewer', 'own', 'own+viewer', 'foreign');
  type Body = { k: Cmd['k'] };
  const bodies: fc.WeightedArbitrary<Body>[] = [
    { weight: 3, arbitrary: fc.record({ k: fc.constantFrom(...READS), tok }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('getMember' as const), tok }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('issueToken' as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant('invite' as const),
        tok,
        who: fc.oneof(fc.constant('fresh' as const), fc.nat({ max: NAMES.length - 1 })),
        roles: roleChoice,
        i: fc.nat(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constantFrom<'revokeInvitation' | 'resendInvitation'>('revokeInvitation', 'resendInvitation'),
        tok,
        pick: fc.oneof({ weight: 5, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constant('unknown' as const) }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('setRoles' as const), tok, roles: roleChoice, i: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({ k: fc.constant('setStatus' as const), tok, status: fc.constantFrom<MemberStatus>('active', 'suspended') }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('removeMember' as const), tok }) },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('renameTenant' as const),
        tok,
        name: fc.option(fc.nat({ max: 1 }), { nil: null }),
        slug: fc.option(fc.oneof(fc.constantFrom<'own' | 'alt'>('own', 'alt'), fc.nat({ max: TENANT_COUNT - 1 })), { nil: null }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('createRole' as const),
        tok,
        permissions: fc.constant(null).chain(() => fc.subarray(tenantPermissions, { minLength: 1, maxLength: 3 })),
        inherit: fc.constantFrom<'none' | 'viewer' | 'own' | 'foreign'>('none', 'viewer', 'own', 'foreign'),
        i: fc.nat(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant('authzCheck' as const),
        tok,
        subject: fc.option(fc.nat({ max: NAMES.length - 1 }), { nil: null }),
        perm: fc.constant(null).chain(() => fc.constantFrom(...tenantPermissions, ...platformPermissions, 'nothing:here')),
      }),
    },
  ];
  const command: fc.Arbitrary<Cmd> = fc.tuple(where, fc.oneof(...bodies)).map(([w, b]) => {
    const targeted = ['getMember', 'setRoles', 'setStatus', 'removeMember'].includes(b.k);
    return { ...b, a: w.a, t: w.t, ...(targeted ? { u: w.u } : {}) } as Cmd;
  });

  it('no actor ever sees or changes data of a tenant where they are not an active member with the permission', async () => {
    // Several hundred runs of 3–20 steps (thousands of requests). On failure fast-check prints the
    // seed and path: FC_SEED=<seed> FC_PATH=<path> replays exactly that case (the world is rebuilt per run).
    const numRuns = Number(process.env.ISOLATION_RUNS ?? 300);
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
    const path = process.env.FC_PATH || undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 3, maxLength: 20, size: 'max' }), async (cmds) => {
        stats.runs++;
        const model = await reset();
        for (const [i, c] of cmds.entries()) await step(model, c, i);
      }),
      { numRuns, seed, path },
    );
    // The runs really exercised both sides of every rule.
    for (const status of [200, 201, 204, 400, 403, 404, 409]) expect(stats.byStatus.get(status) ?? 0).toBeGreaterThan(0);
    expect(stats.deniedAudited).toBeGreaterThan(0);
  }, 300_000);
});
