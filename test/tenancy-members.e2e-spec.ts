import type { LightMyRequestResponse } from 'fastify';
import { del, get, post, signUp, uniqueEmail, type SignedIn } from './support/account';
import { addMember, createTenant, invitationToken, makeOperator, patch, put, tenantToken } from './support/tenancy';
import { useTestApp } from './support/test-app';
import type { TestApp } from './support/test-app';
import type { TestDatabase } from './support/test-database';
import { expectProblem } from './support/problems';

const T = (tenantId: string) => `/v1/tenants/${tenantId}`;
const UNKNOWN_USER = '0190a4d6-0000-7000-8000-00000000abcd';

interface Member {
  user_id: string;
  email: string;
  status: string;
  roles: string[];
  invited_by: string | null;
  joined_at: string;
  updated_at: string;
}

interface MemberPage {
  items: Member[];
  next_cursor: string | null;
}

function expectValidation(res: LightMyRequestResponse, path: string): void {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
}

function expectForbidden(res: LightMyRequestResponse, reason: string): Record<string, unknown> {
  const body = expectProblem(res, 403, 'AUTHZ.FORBIDDEN');
  expect(body.reason).toBe(reason);
  return body;
}

async function membershipRow(db: TestDatabase, tenantId: string, userId: string) {
  const [row] = await db.query<{ status: string; roles: string[]; updated_at: Date }>(
    `SELECT status, roles, updated_at FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`,
    [tenantId, userId],
  );
  return row;
}

async function events(db: TestDatabase, type: string, tenantId: string, userId: string) {
  return db.query<{ payload: Record<string, unknown>; actor: Record<string, unknown> }>(
    `SELECT payload, actor FROM kernel.outbox WHERE type = $1 AND tenant_id = $2 AND payload->>'user_id' = $3 ORDER BY id`,
    [type, tenantId, userId],
  );
}

async function audits(db: TestDatabase, tenantId: string, action: string, resourceId?: string) {
  return db.query<{ actor_id: string; outcome: string; resource_type: string; resource_id: string; data: Record<string, unknown> }>(
    `SELECT actor_id, outcome, resource_type, resource_id, data FROM kernel.audit_log
      WHERE tenant_id = $1 AND action = $2 AND ($3::text IS NULL OR resource_id = $3) ORDER BY occurred_at, id`,
    [tenantId, action, resourceId ?? null],
  );
}

async function memberCount(db: TestDatabase, tenantId: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tenancy.memberships WHERE tenant_id = $1`, [tenantId]);
  return Number(n);
}

async function activeOwners(db: TestDatabase, tenantId: string): Promise<string[]> {
  const rows = await db.query<{ user_id: string }>(
    `SELECT user_id FROM tenancy.memberships WHERE tenant_id = $1 AND status = 'active' AND roles @> ARRAY['owner'] ORDER BY user_id`,
    [tenantId],
  );
  return rows.map((r) => r.user_id);
}

/** Makes an already signed-up `user` a member of `tenantId` (invited by `by`). */
async function join(t: TestApp, db: TestDatabase, tenantId: string, by: SignedIn, user: SignedIn, roles = ['viewer']): Promise<void> {
  const inv = await post(t, `${T(tenantId)}/invitations`, { email: user.email, roles }, by.accessToken);
  if (inv.statusCode !== 201) throw new Error(`invite: ${inv.statusCode} ${inv.body}`);
  const token = await invitationToken(db, user.email);
  const accepted = await post(t, '/v1/invitations/accept', { token }, user.accessToken);
  if (accepted.statusCode !== 200) throw new Error(`accept: ${accepted.statusCode} ${accepted.body}`);
}

function cursorOf(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('tenancy members', () => {
  const ctx = useTestApp();

  describe('GET T/members', () => {
    let owner: SignedIn;
    let tenant: string;
    let members: SignedIn[];

    beforeAll(async () => {
      owner = await signUp(ctx.t, ctx.db);
      tenant = await createTenant(ctx.t, owner, 'Listing');
      members = [];
      for (const roles of [['viewer'], ['editor'], ['viewer'], ['admin']])
        members.push(await addMember(ctx.t, ctx.db, tenant, owner, roles));
      // One suspended viewer, for the status filters.
      const res = await patch(ctx.t, `${T(tenant)}/members/${members[2].userId}`, { status: 'suspended' }, owner.accessToken);
      expect(res.statusCode).toBe(200);
    });

    it('pages with limit 2 follow next_cursor to the end: every member once, ordered by email', async () => {
      const { t, db } = ctx;
      const seen: Member[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `${T(tenant)}/members?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await get(t, url, members[0].accessToken);
        expect(res.statusCode).toBe(200);
        const page = res.json<MemberPage>();
        sizes.push(page.items.length);
        seen.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).toEqual([2, 2, 1]);
      const expected = await db.query<{ user_id: string; email: string }>(
        `SELECT user_id, email FROM tenancy.memberships WHERE tenant_id = $1 ORDER BY email COLLATE "C", user_id`,
        [tenant],
      );
      expect(seen.map((m) => m.user_id)).toEqual(expected.map((r) => r.user_id));
      expect(new Set(seen.map((m) => m.user_id)).size).toBe(5);
      expect(seen.map((m) => m.user_id).sort()).toEqual([owner, ...members].map((u) => u.userId).sort());
      const emails = seen.map((m) => m.email);
      expect(emails).toEqual([...emails].sort());
      const ownerItem = seen.find((m) => m.user_id === owner.userId)!;
      expect(ownerItem).toEqual({
        user_id: owner.userId,
        email: owner.email.toLowerCase(),
        status: 'active',
        roles: ['owner'],
        invited_by: null,
        joined_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(seen.find((m) => m.user_id === members[1].userId)).toMatchObject({ roles: ['editor'], invited_by: owner.userId });
    });

    it('without a limit the whole (small) list comes in one page with next_cursor null', async () => {
      const res = await get(ctx.t, `${T(tenant)}/members`, owner.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json<MemberPage>().items).toHaveLength(5);
      expect(res.json<MemberPage>().next_cursor).toBeNull();
    });

    it('filters by status and by role, and both combined', async () => {
      const { t } = ctx;
      const ids = async (query: string) => {
        const res = await get(t, `${T(tenant)}/members?${query}`, owner.accessToken);
        expect(res.statusCode).toBe(200);
        return res
          .json<MemberPage>()
          .items.map((m) => m.user_id)
          .sort();
      };
      expect(await ids('status=suspended')).toEqual([members[2].userId]);
      expect(await ids('status=active')).toEqual([owner, members[0], members[1], members[3]].map((u) => u.userId).sort());
      expect(await ids('role=viewer')).toEqual([members[0], members[2]].map((u) => u.userId).sort());
      expect(await ids('role=owner')).toEqual([owner.userId]);
      expect(await ids('role=admin')).toEqual([members[3].userId]);
      expect(await ids('role=nobody-has-this')).toEqual([]);
      expect(await ids('role=viewer&status=active')).toEqual([members[0].userId]);
      expect(await ids('role=viewer&status=suspended')).toEqual([members[2].userId]);
      expect(await ids('role=editor&status=suspended')).toEqual([]);
    });

    it('searches by email prefix case-insensitively, % and _ taken literally, combinable with filters and pages', async () => {
      const { t, db } = ctx;
      const tag = `q${process.pid}x${Date.now().toString(36)}`;
      const addresses = [`${tag}ab_c@example.com`, `${tag}abxc@example.com`, `${tag}a%b@example.com`, `${tag}azzb@example.com`];
      const users: Record<string, SignedIn> = {};
      for (const email of addresses) {
        // Registered with upper-case letters: addresses are stored lower-cased.
        users[email] = await signUp(t, db, { email: email.toUpperCase() });
        users[email].email = email;
        await join(t, db, tenant, owner, users[email]);
      }
      const search = async (prefix: string, extra = '') => {
        const res = await get(t, `${T(tenant)}/members?email=${encodeURIComponent(prefix)}${extra}`, owner.accessToken);
        expect(res.statusCode).toBe(200);
        return res.json<MemberPage>().items.map((m) => m.email);
      };
      expect(await search(tag)).toEqual([...addresses].sort());
      expect(await search(`${tag}AB`.toUpperCase())).toEqual([`${tag}ab_c@example.com`, `${tag}abxc@example.com`]);
      // `_` is not "any character": abxc does not match ab_.
      expect(await search(`${tag}ab_`)).toEqual([`${tag}ab_c@example.com`]);
      // `%` is not "anything": azzb does not match a%.
      expect(await search(`${tag}a%`)).toEqual([`${tag}a%b@example.com`]);
      expect(await search(`${tag}a%b@`)).toEqual([`${tag}a%b@example.com`]);
      expect(await search(`${tag}_`)).toEqual([]);
      expect(await search('%')).toEqual([]);
      expect(await search(`${tag}nothing`)).toEqual([]);
      // Combined: status and role.
      await patch(t, `${T(tenant)}/members/${users[addresses[1]].userId}`, { status: 'suspended' }, owner.accessToken);
      expect(await search(tag, '&status=suspended')).toEqual([`${tag}abxc@example.com`]);
      expect(await search(tag, '&status=active&role=viewer')).toEqual([
        `${tag}a%b@example.com`,
        `${tag}ab_c@example.com`,
        `${tag}azzb@example.com`,
      ]);
      expect(await search(tag, '&role=editor')).toEqual([]);
      // Paged search.
      const first = await get(t, `${T(tenant)}/members?email=${tag}&limit=3`, owner.accessToken);
      expect(first.json<MemberPage>().items).toHaveLength(3);
      const second = await get(
        t,
        `${T(tenant)}/members?email=${tag}&limit=3&cursor=${encodeURIComponent(first.json<MemberPage>().next_cursor!)}`,
        owner.accessToken,
      );
      expect(second.json<MemberPage>()).toEqual({
        items: [expect.objectContaining({ email: `${tag}azzb@example.com` })],
        next_cursor: null,
      });
    });

    it('forged or foreign cursors are refused with 400 KERNEL.INVALID_CURSOR', async () => {
      const { t } = ctx;
      const forged = [
        'not-a-cursor!!',
        cursorOf({ l: 'members', k: [1, 2] }),
        cursorOf({ l: 'members', k: ['a@example.com', 'not-a-uuid'] }),
        cursorOf({ l: 'members', k: ['a@example.com'] }),
        cursorOf({ l: 'invitations', k: [UNKNOWN_USER] }),
        cursorOf(['a@example.com', UNKNOWN_USER]),
      ];
      for (const cursor of forged) {
        const res = await get(t, `${T(tenant)}/members?limit=2&cursor=${encodeURIComponent(cursor)}`, owner.accessToken);
        const body = expectProblem(res, 400, 'KERNEL.INVALID_CURSOR');
        expect(body.errors).toEqual([expect.objectContaining({ path: 'cursor' })]);
      }
      // A well-formed cursor of this list is accepted (allowed counterpart).
      const ok = await get(t, `${T(tenant)}/members?cursor=${cursorOf({ l: 'members', k: ['', UNKNOWN_USER] })}`, owner.accessToken);
      expect(ok.statusCode).toBe(200);
      expect(ok.json<MemberPage>().items.length).toBeGreaterThanOrEqual(5);
    });

    it('bad query parameters are 400 KERNEL.VALIDATION_FAILED naming the parameter', async () => {
      const { t } = ctx;
      const cases: [string, string][] = [
        ['status=bogus', 'status'],
        ['status=invited', 'status'],
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=2.5', 'limit'],
        ['email=', 'email'],
        [`email=${'a'.repeat(255)}`, 'email'],
        [`role=${'r'.repeat(49)}`, 'role'],
        [`cursor=${'c'.repeat(513)}`, 'cursor'],
      ];
      for (const [query, path] of cases) expectValidation(await get(t, `${T(tenant)}/members?${query}`, owner.accessToken), path);
      // The limits themselves are fine.
      expect((await get(t, `${T(tenant)}/members?limit=1`, owner.accessToken)).statusCode).toBe(200);
      expect((await get(t, `${T(tenant)}/members?limit=100`, owner.accessToken)).statusCode).toBe(200);
    });

    it('any active member may list (members:read); non-members get 404, anonymous 401', async () => {
      const { t, db } = ctx;
      expect((await get(t, `${T(tenant)}/members`, members[0].accessToken)).statusCode).toBe(200);
      const stranger = await signUp(t, db);
      expectProblem(await get(t, `${T(tenant)}/members`, stranger.accessToken), 404, 'TENANCY.NOT_FOUND');
      // The suspended member is no member for access purposes.
      expectProblem(await get(t, `${T(tenant)}/members`, members[2].accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(t, `${T(tenant)}/members`), 401, 'AUTH.UNAUTHENTICATED');
    });
  });

  describe('GET T/members/{user_id}', () => {
    it('returns the member; unknown or other tenants’ users are 404 TENANCY.MEMBER_NOT_FOUND; a non-uuid is 400', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const found = await get(t, `${T(tenant)}/members/${owner.userId}`, viewer.accessToken);
      expect(found.statusCode).toBe(200);
      expect(found.json()).toEqual({
        user_id: owner.userId,
        email: owner.email.toLowerCase(),
        status: 'active',
        roles: ['owner'],
        invited_by: null,
        joined_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const self = await get(t, `${T(tenant)}/members/${viewer.userId.toUpperCase()}`, viewer.accessToken);
      expect(self.json()).toMatchObject({ user_id: viewer.userId, roles: ['viewer'], invited_by: owner.userId });

      expectProblem(await get(t, `${T(tenant)}/members/${UNKNOWN_USER}`, viewer.accessToken), 404, 'TENANCY.MEMBER_NOT_FOUND');
      // A member of another tenant is not a member here.
      const otherOwner = await signUp(t, db);
      await createTenant(t, otherOwner);
      expectProblem(await get(t, `${T(tenant)}/members/${otherOwner.userId}`, owner.accessToken), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectValidation(await get(t, `${T(tenant)}/members/not-a-uuid`, viewer.accessToken), 'user_id');
      expectProblem(await get(t, `${T(tenant)}/members/${owner.userId}`, otherOwner.accessToken), 404, 'TENANCY.NOT_FOUND');
    });
  });

  describe('PATCH T/members/{user_id} (status)', () => {
    it('suspends a member: DB, membership.updated, audit; they lose the tenant but keep their account and other tenants', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Suspending');
      const member = await addMember(t, db, tenant, owner, ['editor']);
      const ownTenant = await createTenant(t, member, 'Member’s own');
      const earlyToken = await tenantToken(t, member, tenant);
      expect((await get(t, T(tenant), earlyToken)).statusCode).toBe(200);

      const res = await patch(t, `${T(tenant)}/members/${member.userId}`, { status: 'suspended' }, owner.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ user_id: member.userId, status: 'suspended', roles: ['editor'] });
      expect(await membershipRow(db, tenant, member.userId)).toMatchObject({ status: 'suspended', roles: ['editor'] });
      expect((await events(db, 'membership.updated', tenant, member.userId)).map((e) => e.payload)).toEqual([
        {
          tenant_id: tenant,
          user_id: member.userId,
          status: 'suspended',
          roles: ['editor'],
          previous_status: 'active',
          previous_roles: ['editor'],
        },
      ]);
      expect(await audits(db, tenant, 'membership.suspended', member.userId)).toEqual([
        expect.objectContaining({
          actor_id: owner.userId,
          outcome: 'success',
          resource_type: 'membership',
          data: { from: 'active', to: 'suspended' },
        }),
      ]);

      // Every T route, tenant tokens (new and already issued) are gone.
      expectProblem(await get(t, T(tenant), member.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(t, `${T(tenant)}/members`, member.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(t, `${T(tenant)}/invitations`, { email: uniqueEmail() }, member.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(t, T(tenant), earlyToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(t, '/v1/auth/token', { tenant_id: tenant }, member.accessToken), 404, 'TENANCY.NOT_FOUND');
      // The account itself and its other tenants are untouched.
      const me = await get(t, '/v1/me', member.accessToken);
      expect(me.statusCode).toBe(200);
      expect(me.json().memberships).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ tenant_id: tenant, status: 'suspended', roles: ['editor'] }),
          expect.objectContaining({ tenant_id: ownTenant, status: 'active', roles: ['owner'] }),
        ]),
      );
      expect((await get(t, T(ownTenant), member.accessToken)).statusCode).toBe(200);
      expect((await get(t, T(ownTenant), await tenantToken(t, member, ownTenant))).statusCode).toBe(200);

      // Suspending again is a no-op (no second event).
      const again = await patch(t, `${T(tenant)}/members/${member.userId}`, { status: 'suspended' }, owner.accessToken);
      expect(again.statusCode).toBe(200);
      expect(await events(db, 'membership.updated', tenant, member.userId)).toHaveLength(1);

      // Reactivation restores access at once.
      const back = await patch(t, `${T(tenant)}/members/${member.userId}`, { status: 'active' }, owner.accessToken);
      expect(back.statusCode).toBe(200);
      expect(back.json()).toMatchObject({ status: 'active', roles: ['editor'] });
      expect(await membershipRow(db, tenant, member.userId)).toMatchObject({ status: 'active' });
      expect((await events(db, 'membership.updated', tenant, member.userId)).map((e) => e.payload)[1]).toEqual({
        tenant_id: tenant,
        user_id: member.userId,
        status: 'active',
        roles: ['editor'],
        previous_status: 'suspended',
        previous_roles: ['editor'],
      });
      expect(await audits(db, tenant, 'membership.reactivated', member.userId)).toHaveLength(1);
      expect((await get(t, T(tenant), member.accessToken)).statusCode).toBe(200);
      expect((await get(t, T(tenant), await tenantToken(t, member, tenant))).statusCode).toBe(200);
    });

    it('an admin may suspend a viewer (allowed) but not an owner (403 owner_protected); an editor may not suspend anyone', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const editor = await addMember(t, db, tenant, owner, ['editor']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);

      expectForbidden(
        await patch(t, `${T(tenant)}/members/${viewer.userId}`, { status: 'suspended' }, editor.accessToken),
        'missing_permission',
      );
      expect(await membershipRow(db, tenant, viewer.userId)).toMatchObject({ status: 'active' });

      const denied = expectForbidden(
        await patch(t, `${T(tenant)}/members/${owner.userId}`, { status: 'suspended' }, admin.accessToken),
        'owner_protected',
      );
      expect(denied.permission).toBe('members:manage');
      expect(await membershipRow(db, tenant, owner.userId)).toMatchObject({ status: 'active' });
      expect(await audits(db, tenant, 'authz.denied', owner.userId)).toEqual([
        expect.objectContaining({
          actor_id: admin.userId,
          outcome: 'denied',
          data: expect.objectContaining({ reason: 'owner_protected' }),
        }),
      ]);
      expect(await events(db, 'membership.updated', tenant, owner.userId)).toEqual([]);

      const ok = await patch(t, `${T(tenant)}/members/${viewer.userId}`, { status: 'suspended' }, admin.accessToken);
      expect(ok.statusCode).toBe(200);
      expect(await membershipRow(db, tenant, viewer.userId)).toMatchObject({ status: 'suspended' });
    });

    it('nobody can suspend themselves (409 TENANCY.CANNOT_CHANGE_SELF)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      await addMember(t, db, tenant, owner, ['owner']); // a second owner: not the last-owner rule
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      for (const who of [owner, admin]) {
        expectProblem(
          await patch(t, `${T(tenant)}/members/${who.userId}`, { status: 'suspended' }, who.accessToken),
          409,
          'TENANCY.CANNOT_CHANGE_SELF',
        );
        expect(await membershipRow(db, tenant, who.userId)).toMatchObject({ status: 'active' });
      }
    });

    it('the last active owner cannot be suspended (409 TENANCY.LAST_OWNER); with another active owner they can', async () => {
      const { t, db } = ctx;
      const operator = await signUp(t, db);
      await makeOperator(db, operator);
      const a = await signUp(t, db);
      const tenant = await createTenant(t, a);
      const b = await addMember(t, db, tenant, a, ['owner']);
      // Two active owners: suspending one is allowed.
      const first = await patch(t, `${T(tenant)}/members/${a.userId}`, { status: 'suspended' }, operator.accessToken);
      expect(first.statusCode).toBe(200);
      // One owner suspended → the other is the last active owner.
      expectProblem(
        await patch(t, `${T(tenant)}/members/${b.userId}`, { status: 'suspended' }, operator.accessToken),
        409,
        'TENANCY.LAST_OWNER',
      );
      expect(await activeOwners(db, tenant)).toEqual([b.userId]);
      expect(await events(db, 'membership.updated', tenant, b.userId)).toEqual([]);
      // Reactivating the first owner makes suspending the second possible again.
      expect((await patch(t, `${T(tenant)}/members/${a.userId}`, { status: 'active' }, b.accessToken)).statusCode).toBe(200);
      expect((await patch(t, `${T(tenant)}/members/${b.userId}`, { status: 'suspended' }, a.accessToken)).statusCode).toBe(200);
      expect(await activeOwners(db, tenant)).toEqual([a.userId]);
    });

    it('bad bodies and ids are 400 and change nothing; unknown members 404 TENANCY.MEMBER_NOT_FOUND', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const before = await membershipRow(db, tenant, viewer.userId);
      for (const body of [{}, { status: 'bogus' }, { status: 'deleted' }, { status: 1 }, { status: null }, { status: ['active'] }]) {
        expectValidation(await patch(t, `${T(tenant)}/members/${viewer.userId}`, body, owner.accessToken), 'status');
      }
      expect(await membershipRow(db, tenant, viewer.userId)).toEqual(before);
      expect(await events(db, 'membership.updated', tenant, viewer.userId)).toEqual([]);
      expectProblem(
        await patch(t, `${T(tenant)}/members/${UNKNOWN_USER}`, { status: 'suspended' }, owner.accessToken),
        404,
        'TENANCY.MEMBER_NOT_FOUND',
      );
      expectProblem(
        await patch(t, `${T(tenant)}/members/${UNKNOWN_USER}`, { status: 'suspended' }, admin.accessToken),
        404,
        'TENANCY.MEMBER_NOT_FOUND',
      );
      expectValidation(await patch(t, `${T(tenant)}/members/not-a-uuid`, { status: 'suspended' }, owner.accessToken), 'user_id');
    });
  });

  describe('DELETE T/members/{user_id}', () => {
    it('removes a member: row gone, membership.removed (removed), audit; they get 404 afterwards', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const member = await addMember(t, db, tenant, owner, ['editor']);
      const token = await tenantToken(t, member, tenant);
      const res = await del(t, `${T(tenant)}/members/${member.userId}`, owner.accessToken);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await membershipRow(db, tenant, member.userId)).toBeUndefined();
      expect((await events(db, 'membership.removed', tenant, member.userId)).map((e) => e.payload)).toEqual([
        { tenant_id: tenant, user_id: member.userId, reason: 'removed' },
      ]);
      expect(await audits(db, tenant, 'membership.removed', member.userId)).toEqual([
        expect.objectContaining({ actor_id: owner.userId, data: { roles: ['editor'], status: 'active' } }),
      ]);
      expectProblem(await get(t, T(tenant), member.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(t, `${T(tenant)}/members`, token), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(t, '/v1/auth/token', { tenant_id: tenant }, member.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect((await get(t, '/v1/me', member.accessToken)).json().memberships).toEqual([]);
      // Removing again: no such member.
      expectProblem(await del(t, `${T(tenant)}/members/${member.userId}`, owner.accessToken), 404, 'TENANCY.MEMBER_NOT_FOUND');
    });

    it('a viewer may leave (membership.removed reason left) but may not remove others', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const other = await addMember(t, db, tenant, owner, ['viewer']);
      expectForbidden(await del(t, `${T(tenant)}/members/${other.userId}`, viewer.accessToken), 'missing_permission');
      expectForbidden(await del(t, `${T(tenant)}/members/${owner.userId}`, viewer.accessToken), 'missing_permission');
      expect(await memberCount(db, tenant)).toBe(3);

      const res = await del(t, `${T(tenant)}/members/${viewer.userId}`, viewer.accessToken);
      expect(res.statusCode).toBe(204);
      expect(await membershipRow(db, tenant, viewer.userId)).toBeUndefined();
      expect((await events(db, 'membership.removed', tenant, viewer.userId)).map((e) => e.payload)).toEqual([
        { tenant_id: tenant, user_id: viewer.userId, reason: 'left' },
      ]);
      expect(await audits(db, tenant, 'membership.left', viewer.userId)).toEqual([expect.objectContaining({ actor_id: viewer.userId })]);
      expect(await audits(db, tenant, 'membership.removed', viewer.userId)).toEqual([]);
      expectProblem(await get(t, T(tenant), viewer.accessToken), 404, 'TENANCY.NOT_FOUND');
    });

    it('the last owner cannot leave or be removed (409 TENANCY.LAST_OWNER); one of two owners can; admins cannot remove owners', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      expectProblem(await del(t, `${T(tenant)}/members/${owner.userId}`, owner.accessToken), 409, 'TENANCY.LAST_OWNER');
      expectForbidden(await del(t, `${T(tenant)}/members/${owner.userId}`, admin.accessToken), 'owner_protected');
      expect(await activeOwners(db, tenant)).toEqual([owner.userId]);

      const second = await addMember(t, db, tenant, owner, ['owner']);
      const left = await del(t, `${T(tenant)}/members/${owner.userId}`, owner.accessToken);
      expect(left.statusCode).toBe(204);
      expect(await activeOwners(db, tenant)).toEqual([second.userId]);
      expectProblem(await del(t, `${T(tenant)}/members/${second.userId}`, second.accessToken), 409, 'TENANCY.LAST_OWNER');
      // A suspended owner does not count: the active one is still the last.
      const third = await addMember(t, db, tenant, second, ['owner']);
      expect((await patch(t, `${T(tenant)}/members/${third.userId}`, { status: 'suspended' }, second.accessToken)).statusCode).toBe(200);
      expectProblem(await del(t, `${T(tenant)}/members/${second.userId}`, second.accessToken), 409, 'TENANCY.LAST_OWNER');
      // Removing the suspended owner is fine.
      expect((await del(t, `${T(tenant)}/members/${third.userId}`, second.accessToken)).statusCode).toBe(204);
      expect(await activeOwners(db, tenant)).toEqual([second.userId]);
    });

    it('unknown members are 404 TENANCY.MEMBER_NOT_FOUND and non-uuids 400', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      expectProblem(await del(t, `${T(tenant)}/members/${UNKNOWN_USER}`, owner.accessToken), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await del(t, `${T(tenant)}/members/${UNKNOWN_USER}`, admin.accessToken), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectValidation(await del(t, `${T(tenant)}/members/not-a-uuid`, owner.accessToken), 'user_id');
      expect(await memberCount(db, tenant)).toBe(2);
    });
  });

  describe('PUT T/members/{user_id}/roles', () => {
    it('an owner promotes a viewer to admin (membership.updated, audit)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const res = await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['admin'] }, owner.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ user_id: viewer.userId, roles: ['admin'], status: 'active' });
      expect(await membershipRow(db, tenant, viewer.userId)).toMatchObject({ roles: ['admin'] });
      expect((await events(db, 'membership.updated', tenant, viewer.userId)).map((e) => e.payload)).toEqual([
        {
          tenant_id: tenant,
          user_id: viewer.userId,
          status: 'active',
          roles: ['admin'],
          previous_status: 'active',
          previous_roles: ['viewer'],
        },
      ]);
      expect(await audits(db, tenant, 'membership.roles_changed', viewer.userId)).toEqual([
        expect.objectContaining({ actor_id: owner.userId, data: { from: ['viewer'], to: ['admin'] } }),
      ]);
      // The new role works on the next request.
      expect((await get(t, `${T(tenant)}/diagnostics`, viewer.accessToken)).statusCode).toBe(200);
    });

    it('an admin promotes a viewer to editor, but cannot grant owner nor touch an owner’s roles (403 owner_protected)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const ok = await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['editor'] }, admin.accessToken);
      expect(ok.statusCode).toBe(200);
      expect(ok.json().roles).toEqual(['editor']);

      expectForbidden(
        await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['owner'] }, admin.accessToken),
        'owner_protected',
      );
      expectForbidden(
        await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['editor', 'owner'] }, admin.accessToken),
        'owner_protected',
      );
      expectForbidden(
        await put(t, `${T(tenant)}/members/${owner.userId}/roles`, { roles: ['viewer'] }, admin.accessToken),
        'owner_protected',
      );
      expectForbidden(
        await put(t, `${T(tenant)}/members/${owner.userId}/roles`, { roles: ['owner', 'admin'] }, admin.accessToken),
        'owner_protected',
      );
      // An admin may not make themselves owner either.
      expectForbidden(
        await put(t, `${T(tenant)}/members/${admin.userId}/roles`, { roles: ['owner'] }, admin.accessToken),
        'owner_protected',
      );
      expect(await membershipRow(db, tenant, viewer.userId)).toMatchObject({ roles: ['editor'] });
      expect(await membershipRow(db, tenant, owner.userId)).toMatchObject({ roles: ['owner'] });
      expect(await membershipRow(db, tenant, admin.userId)).toMatchObject({ roles: ['admin'] });
      // Editors hold no roles:assign.
      expectForbidden(
        await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['viewer'] }, viewer.accessToken),
        'missing_permission',
      );
    });

    it('an admin cannot grant a custom role with a permission they lack, nor change a member holding one', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const holder = await addMember(t, db, tenant, owner, ['viewer']);
      const role = await post(
        t,
        `${T(tenant)}/roles`,
        { key: 'deleter', name: 'Deleter', permissions: ['tenants:delete'], inherits: ['viewer'] },
        owner.accessToken,
      );
      expect(role.statusCode).toBe(201);

      const denied = expectForbidden(
        await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['deleter'] }, admin.accessToken),
        'grant_exceeds_own_permissions',
      );
      expect(denied.permissions).toEqual(['tenants:delete']);
      expect(await membershipRow(db, tenant, viewer.userId)).toMatchObject({ roles: ['viewer'] });

      // The owner may grant it.
      const granted = await put(t, `${T(tenant)}/members/${holder.userId}/roles`, { roles: ['deleter', 'editor'] }, owner.accessToken);
      expect(granted.statusCode).toBe(200);
      expect(granted.json().roles).toEqual(['deleter', 'editor']);
      // The admin now cannot change the holder's roles, even to take the role away.
      expectForbidden(
        await put(t, `${T(tenant)}/members/${holder.userId}/roles`, { roles: ['viewer'] }, admin.accessToken),
        'target_exceeds_own_permissions',
      );
      expect(await membershipRow(db, tenant, holder.userId)).toMatchObject({ roles: ['deleter', 'editor'] });
      // Without the role, the admin can.
      expect((await put(t, `${T(tenant)}/members/${holder.userId}/roles`, { roles: ['editor'] }, owner.accessToken)).statusCode).toBe(200);
      expect((await put(t, `${T(tenant)}/members/${holder.userId}/roles`, { roles: ['viewer'] }, admin.accessToken)).statusCode).toBe(200);
    });

    it('unknown roles are 400 ACCESS.UNKNOWN_ROLE and unknown members 404', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const res = await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['editor', 'no-such-role'] }, owner.accessToken);
      const body = expectProblem(res, 400, 'ACCESS.UNKNOWN_ROLE');
      expect(body.errors).toEqual([expect.objectContaining({ path: 'roles' })]);
      // A role of another tenant is unknown here.
      const other = await createTenant(t, owner);
      expect(
        (await post(t, `${T(other)}/roles`, { key: 'elsewhere', name: 'Elsewhere', permissions: ['members:read'] }, owner.accessToken))
          .statusCode,
      ).toBe(201);
      expectProblem(
        await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: ['elsewhere'] }, owner.accessToken),
        400,
        'ACCESS.UNKNOWN_ROLE',
      );
      expect(await membershipRow(db, tenant, viewer.userId)).toMatchObject({ roles: ['viewer'] });
      expectProblem(
        await put(t, `${T(tenant)}/members/${UNKNOWN_USER}/roles`, { roles: ['viewer'] }, owner.accessToken),
        404,
        'TENANCY.MEMBER_NOT_FOUND',
      );
      expectValidation(await put(t, `${T(tenant)}/members/not-a-uuid/roles`, { roles: ['viewer'] }, owner.accessToken), 'user_id');
    });

    it('demoting the last owner is 409 TENANCY.LAST_OWNER; with two owners it works', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      expectProblem(
        await put(t, `${T(tenant)}/members/${owner.userId}/roles`, { roles: ['admin'] }, owner.accessToken),
        409,
        'TENANCY.LAST_OWNER',
      );
      expect(await membershipRow(db, tenant, owner.userId)).toMatchObject({ roles: ['owner'] });
      // Adding roles while keeping owner is fine.
      expect(
        (await put(t, `${T(tenant)}/members/${owner.userId}/roles`, { roles: ['owner', 'editor'] }, owner.accessToken)).statusCode,
      ).toBe(200);

      const second = await addMember(t, db, tenant, owner, ['viewer']);
      expect((await put(t, `${T(tenant)}/members/${second.userId}/roles`, { roles: ['owner'] }, owner.accessToken)).statusCode).toBe(200);
      const demoted = await put(t, `${T(tenant)}/members/${owner.userId}/roles`, { roles: ['admin'] }, second.accessToken);
      expect(demoted.statusCode).toBe(200);
      expect(demoted.json().roles).toEqual(['admin']);
      expect(await activeOwners(db, tenant)).toEqual([second.userId]);
      // And now the other one is the last.
      expectProblem(
        await put(t, `${T(tenant)}/members/${second.userId}/roles`, { roles: ['viewer'] }, second.accessToken),
        409,
        'TENANCY.LAST_OWNER',
      );
    });

    it('a removed role stops working on the very next request (also with an already issued tenant token)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const adminTenantToken = await tenantToken(t, admin, tenant);
      // Allowed before.
      expect((await patch(t, `${T(tenant)}/members/${viewer.userId}`, { status: 'suspended' }, admin.accessToken)).statusCode).toBe(200);
      expect((await patch(t, `${T(tenant)}/members/${viewer.userId}`, { status: 'active' }, adminTenantToken)).statusCode).toBe(200);

      expect((await put(t, `${T(tenant)}/members/${admin.userId}/roles`, { roles: ['viewer'] }, owner.accessToken)).statusCode).toBe(200);
      expectForbidden(
        await patch(t, `${T(tenant)}/members/${viewer.userId}`, { status: 'suspended' }, admin.accessToken),
        'missing_permission',
      );
      expectForbidden(
        await patch(t, `${T(tenant)}/members/${viewer.userId}`, { status: 'suspended' }, adminTenantToken),
        'missing_permission',
      );
      expect(await membershipRow(db, tenant, viewer.userId)).toMatchObject({ status: 'active' });
    });

    it('bad bodies are 400 KERNEL.VALIDATION_FAILED and change nothing', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const before = await membershipRow(db, tenant, viewer.userId);
      const many = Array.from({ length: 33 }, (_, i) => `role-${i}`);
      const bodies: unknown[] = [
        {},
        { roles: [] },
        { roles: ['editor', 'editor'] },
        { roles: [1] },
        { roles: ['editor', null] },
        { roles: 'editor' },
        { roles: many },
        { roles: ['Editor'] },
        { roles: ['x'] },
        { roles: [{ key: 'editor' }] },
      ];
      for (const body of bodies)
        expectValidation(await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, body, owner.accessToken), 'roles');
      // 32 distinct (unknown) roles pass validation and fail on existence instead.
      expectProblem(
        await put(t, `${T(tenant)}/members/${viewer.userId}/roles`, { roles: many.slice(0, 32) }, owner.accessToken),
        400,
        'ACCESS.UNKNOWN_ROLE',
      );
      expect(await membershipRow(db, tenant, viewer.userId)).toEqual(before);
      expect(await events(db, 'membership.updated', tenant, viewer.userId)).toEqual([]);
    });
  });

  describe('non-uuid target ids from a non-owner caller', () => {
    // The guard looks the target member up (owner protection) before the route's ParseUuidPipe runs;
    // for a caller who is not an owner that lookup must not reach PostgreSQL with a non-uuid.
    it('PATCH, DELETE and PUT roles on /members/not-a-uuid are 400 KERNEL.VALIDATION_FAILED for an admin, not 500', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      expectValidation(await patch(t, `${T(tenant)}/members/not-a-uuid`, { status: 'suspended' }, admin.accessToken), 'user_id');
      expectValidation(await del(t, `${T(tenant)}/members/not-a-uuid`, admin.accessToken), 'user_id');
      expectValidation(await put(t, `${T(tenant)}/members/not-a-uuid/roles`, { roles: ['viewer'] }, admin.accessToken), 'user_id');
      expect(await memberCount(db, tenant)).toBe(2);
    });
  });

  describe('concurrency', () => {
    it('two owners demoting each other at once: exactly one wins and the tenant keeps an active owner', async () => {
      const { t, db } = ctx;
      for (let round = 0; round < 4; round++) {
        const a = await signUp(t, db);
        const tenant = await createTenant(t, a);
        const b = await addMember(t, db, tenant, a, ['owner']);
        const results = await Promise.all([
          put(t, `${T(tenant)}/members/${b.userId}/roles`, { roles: ['admin'] }, a.accessToken),
          put(t, `${T(tenant)}/members/${a.userId}/roles`, { roles: ['admin'] }, b.accessToken),
        ]);
        const statuses = results.map((r) => r.statusCode);
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        const loser = results.find((r) => r.statusCode !== 200)!;
        // The loser is refused by the last-owner rule, or (if it got there after the winner's commit) as a non-owner.
        expect([
          [409, 'TENANCY.LAST_OWNER'],
          [403, 'AUTHZ.FORBIDDEN'],
        ]).toContainEqual([loser.statusCode, loser.json().code]);
        const owners = await activeOwners(db, tenant);
        expect(owners).toHaveLength(1);
        const winner = results[0].statusCode === 200 ? a : b;
        expect(owners).toEqual([winner.userId]);
      }
    });
  });
});
