import { Client } from 'pg';
import { uuidv7 } from '@user-engine/kernel';
import { del, get, post, signUp, type SignedIn } from './support/account';
import { WITH_FEATURE_PROBE } from './support/feature-probe.module';
import { createApiKey, type IssuedKey, internal, type Listening, listen, registerApplication } from './support/internal';
import { expectProblem } from './support/problems';
import { addMember, createTenant, invitationToken, makeOperator, patch, put, tenantToken } from './support/tenancy';
import { claimsOf, subscriptionsOf, waitForSubscription } from './support/subscription';
import { useTestApp } from './support/test-app';

// Seats (a tenant never has more active members than its plan allows), the `plan` claim of
// tenant-scoped tokens, members' plan overrides, entitlements (public and internal),
// @RequireFeature, and the row-level security of the subscription tables.

const T = (tenantId: string) => `/v1/tenants/${tenantId}`;

const PRO_FEATURES = { api_calls: 100_000, audit_export: true, sso: false };
const BUSINESS_FEATURES = { api_calls: 1_000_000, audit_export: true, sso: true };
const TEAM_FEATURES = { api_calls: 0, sso: false };

describe('subscription: seats, plan claims, entitlements and features', () => {
  const ctx = useTestApp({ registry: WITH_FEATURE_PROBE });
  let operator: SignedIn;

  beforeAll(async () => {
    const { t, db } = ctx;
    operator = await signUp(t, db);
    await makeOperator(db, operator);
    // A two-seat plan (cheaper than pro) and an archived one.
    const team = await post(
      t,
      '/v1/plans',
      { key: 'team-two', name: 'Team of two', price: 500, interval: 'month', trial_days: 0, seats: 2, features: TEAM_FEATURES },
      operator.accessToken,
    );
    if (team.statusCode !== 201) throw new Error(`create plan: ${team.statusCode} ${team.body}`);
    const legacy = await post(t, '/v1/plans', { key: 'legacy', name: 'Legacy', price: 100, interval: 'month' }, operator.accessToken);
    if (legacy.statusCode !== 201) throw new Error(`create plan: ${legacy.statusCode} ${legacy.body}`);
    const archived = await post(t, '/v1/plans/legacy/archive', {}, operator.accessToken);
    if (archived.statusCode !== 200) throw new Error(`archive plan: ${archived.statusCode} ${archived.body}`);
  });

  /** The tenant's current subscription row (as the owner of the database). */
  const currentOf = async (tenant: string) =>
    (await subscriptionsOf(ctx.db, tenant)).find((s) => ['trialing', 'active', 'past_due'].includes(s.status));

  /** A new tenant of `owner`, its trial started (on pro). */
  async function trialTenant(owner: SignedIn): Promise<string> {
    const tenant = await createTenant(ctx.t, owner);
    await waitForSubscription(ctx.db, tenant);
    return tenant;
  }

  /** A new tenant moved to `plan` at once: its trial canceled now, then a paid subscription started on the plan. */
  async function tenantOn(owner: SignedIn, plan: string): Promise<string> {
    const tenant = await trialTenant(owner);
    const canceled = await post(ctx.t, `${T(tenant)}/subscription/cancel`, { at_period_end: false }, owner.accessToken);
    expect(canceled.statusCode).toBe(200);
    const changed = await post(ctx.t, `${T(tenant)}/subscription/change`, { plan_key: plan }, owner.accessToken);
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ status: 'active', plan: { key: plan } });
    return tenant;
  }

  const invite = (tenant: string, by: SignedIn, email: string) =>
    post(ctx.t, `${T(tenant)}/invitations`, { email, roles: ['viewer'] }, by.accessToken);

  const accept = async (user: SignedIn) =>
    post(ctx.t, '/v1/invitations/accept', { token: await invitationToken(ctx.db, user.email) }, user.accessToken);

  const setStatus = (tenant: string, by: SignedIn, user: SignedIn, status: 'active' | 'suspended') =>
    patch(ctx.t, `${T(tenant)}/members/${user.userId}`, { status }, by.accessToken);

  const membership = async (tenant: string, userId: string) =>
    (
      await ctx.db.query<{ status: string }>(`SELECT status FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`, [
        tenant,
        userId,
      ])
    )[0];

  const invitationsTo = (tenant: string, email: string) =>
    ctx.db.query<{ status: string }>(`SELECT status FROM tenancy.invitations WHERE tenant_id = $1 AND email = lower($2)`, [tenant, email]);

  const seatLimit = (
    res: Parameters<typeof expectProblem>[0],
    n: { plan: string; seats: number; active: number; pending: number; requested: number },
  ) => expect(expectProblem(res, 409, 'SUBSCRIPTION.SEAT_LIMIT')).toMatchObject(n);

  describe('seats', () => {
    it('invitations, accepts and reactivations up to exactly the plan’s seats pass; one more is 409 SUBSCRIPTION.SEAT_LIMIT and stores nothing', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await tenantOn(owner, 'team-two');
      const [a, b, c] = await Promise.all([signUp(t, db), signUp(t, db), signUp(t, db)]);

      // 1 active + 0 open + 1 = 2 seats: allowed.
      expect((await invite(tenant, owner, a.email)).statusCode).toBe(201);
      // Open invitations count against a new one: 1 active + 1 open + 1 = 3.
      seatLimit(await invite(tenant, owner, b.email), { plan: 'team-two', seats: 2, active: 1, pending: 1, requested: 3 });
      expect(await invitationsTo(tenant, b.email)).toEqual([]);

      // Accepting takes the seat its invitation held: 1 + 1 = 2, allowed.
      const accepted = await accept(a);
      expect(accepted.statusCode).toBe(200);
      expect(await membership(tenant, a.userId)).toEqual({ status: 'active' });
      seatLimit(await invite(tenant, owner, c.email), { plan: 'team-two', seats: 2, active: 2, pending: 0, requested: 3 });
      expect(await invitationsTo(tenant, c.email)).toEqual([]);

      // A suspended member holds no seat: b can be invited (1 active + 0 open + 1 = 2).
      expect((await setStatus(tenant, owner, a, 'suspended')).statusCode).toBe(200);
      expect((await invite(tenant, owner, b.email)).statusCode).toBe(201);
      // Reactivating a takes the last seat (the open invitation does not count for a member coming back): allowed.
      const back = await setStatus(tenant, owner, a, 'active');
      expect(back.statusCode).toBe(200);
      expect(back.json()).toMatchObject({ user_id: a.userId, status: 'active' });

      // Accepting beyond the limit: 409, no membership, the invitation still open.
      seatLimit(await accept(b), { plan: 'team-two', seats: 2, active: 2, pending: 0, requested: 3 });
      expect(await membership(tenant, b.userId)).toBeUndefined();
      expect(await invitationsTo(tenant, b.email)).toEqual([{ status: 'pending' }]);

      // A seat freed, the accept passes at exactly the limit…
      expect((await setStatus(tenant, owner, a, 'suspended')).statusCode).toBe(200);
      expect((await accept(b)).statusCode).toBe(200);
      expect(await membership(tenant, b.userId)).toEqual({ status: 'active' });
      // …and now reactivating a is one too many: 409, a stays suspended.
      seatLimit(await setStatus(tenant, owner, a, 'active'), { plan: 'team-two', seats: 2, active: 2, pending: 0, requested: 3 });
      expect(await membership(tenant, a.userId)).toEqual({ status: 'suspended' });

      const ent = await get(t, `${T(tenant)}/entitlements`, owner.accessToken);
      expect(ent.json()).toMatchObject({ plan: 'team-two', seats: { limit: 2, used: 2 } });
    });

    it('racing for the last seat: an accept and a reactivation at once — exactly one gets it', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await tenantOn(owner, 'team-two');
      const a = await addMember(t, db, tenant, owner);
      const b = await signUp(t, db);
      expect((await setStatus(tenant, owner, a, 'suspended')).statusCode).toBe(200);
      expect((await invite(tenant, owner, b.email)).statusCode).toBe(201);
      const token = await invitationToken(db, b.email);
      const [accepted, reactivated] = await Promise.all([
        post(t, '/v1/invitations/accept', { token }, b.accessToken),
        setStatus(tenant, owner, a, 'active'),
      ]);
      expect([accepted.statusCode, reactivated.statusCode].sort()).toEqual([200, 409]);
      const loser = accepted.statusCode === 409 ? accepted : reactivated;
      seatLimit(loser, { plan: 'team-two', seats: 2, active: 2, pending: 0, requested: 3 });
      expect(
        await db.query(`SELECT count(*)::int AS n FROM tenancy.memberships WHERE tenant_id = $1 AND status = 'active'`, [tenant]),
      ).toEqual([{ n: 2 }]);
    });

    it('racing a downgrade against an accept: never more active members than the plan that will apply allows', async () => {
      const { t, db } = ctx;
      for (let round = 0; round < 12; round++) {
        const owner = await signUp(t, db);
        const tenant = await trialTenant(owner);
        await addMember(t, db, tenant, owner);
        await addMember(t, db, tenant, owner);
        const late = await signUp(t, db);
        expect((await invite(tenant, owner, late.email)).statusCode).toBe(201);
        const token = await invitationToken(db, late.email);
        const [changed, accepted] = await Promise.all([
          post(t, `${T(tenant)}/subscription/change`, { plan_key: 'free' }, owner.accessToken),
          post(t, '/v1/invitations/accept', { token }, late.accessToken),
        ]);
        expect([changed.statusCode, accepted.statusCode].sort()).toEqual([200, 409]);
        const [{ n }] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tenancy.memberships WHERE tenant_id = $1 AND status = 'active'`,
          [tenant],
        );
        const sub = await currentOf(tenant);
        if (changed.statusCode === 200) {
          expect({ n, scheduled: sub?.scheduled_plan_key }).toEqual({ n: 3, scheduled: 'free' });
          seatLimit(accepted, { plan: 'free', seats: 3, active: 3, pending: 0, requested: 4 });
        } else {
          expect({ n, scheduled: sub?.scheduled_plan_key }).toEqual({ n: 4, scheduled: null });
          seatLimit(changed, { plan: 'free', seats: 3, active: 4, pending: 0, requested: 4 });
        }
      }
    });

    it('an expired invitation holds no seat', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await tenantOn(owner, 'team-two');
      const [x, y] = await Promise.all([signUp(t, db), signUp(t, db)]);
      expect((await invite(tenant, owner, x.email)).statusCode).toBe(201);
      seatLimit(await invite(tenant, owner, y.email), { plan: 'team-two', seats: 2, active: 1, pending: 1, requested: 3 });
      await db.query(`UPDATE tenancy.invitations SET expires_at = now() - interval '1 minute' WHERE tenant_id = $1 AND email = lower($2)`, [
        tenant,
        x.email,
      ]);
      expect((await invite(tenant, owner, y.email)).statusCode).toBe(201);
    });

    it('the seeded free plan (3 seats): a third member passes, a fourth invitation is refused', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await tenantOn(owner, 'free');
      await addMember(t, db, tenant, owner);
      await addMember(t, db, tenant, owner);
      const extra = await signUp(t, db);
      seatLimit(await invite(tenant, owner, extra.email), { plan: 'free', seats: 3, active: 3, pending: 0, requested: 4 });
    });

    it('a downgrade below the active members is 409 with the numbers and changes nothing; at exactly the seats it is scheduled, and the smaller plan limits joins at once', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await trialTenant(owner);
      const members: SignedIn[] = [];
      for (let i = 0; i < 3; i++) members.push(await addMember(t, db, tenant, owner));
      const before = await currentOf(tenant);
      expect(before).toMatchObject({ plan_key: 'pro', status: 'trialing', scheduled_plan_key: null });

      seatLimit(await post(t, `${T(tenant)}/subscription/change`, { plan_key: 'free' }, owner.accessToken), {
        plan: 'free',
        seats: 3,
        active: 4,
        pending: 0,
        requested: 4,
      });
      seatLimit(await post(t, `${T(tenant)}/subscription/change`, { plan_key: 'team-two' }, owner.accessToken), {
        plan: 'team-two',
        seats: 2,
        active: 4,
        pending: 0,
        requested: 4,
      });
      expect(await subscriptionsOf(db, tenant)).toEqual([before]);

      // Down to 3 active members: the downgrade to free (3 seats) is accepted, scheduled for the trial's end.
      expect((await setStatus(tenant, owner, members[0], 'suspended')).statusCode).toBe(200);
      const scheduled = await post(t, `${T(tenant)}/subscription/change`, { plan_key: 'free' }, owner.accessToken);
      expect(scheduled.statusCode).toBe(200);
      expect(scheduled.json()).toMatchObject({ status: 'trialing', plan: { key: 'pro' }, scheduled_plan: 'free' });
      expect(await currentOf(tenant)).toMatchObject({ id: before!.id, plan_key: 'pro', scheduled_plan_key: 'free' });

      // The scheduled plan's 3 seats bind now: nobody joins who would not fit after the change.
      const extra = await signUp(t, db);
      seatLimit(await invite(tenant, owner, extra.email), { plan: 'free', seats: 3, active: 3, pending: 0, requested: 4 });
      seatLimit(await setStatus(tenant, owner, members[0], 'active'), { plan: 'free', seats: 3, active: 3, pending: 0, requested: 4 });
    });

    it('a canceled tenant (no current subscription) has unlimited seats; starting a plan below its members is 409', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await trialTenant(owner);
      expect((await post(t, `${T(tenant)}/subscription/cancel`, { at_period_end: false }, owner.accessToken)).statusCode).toBe(200);
      await addMember(t, db, tenant, owner);
      await addMember(t, db, tenant, owner);
      seatLimit(await post(t, `${T(tenant)}/subscription/change`, { plan_key: 'team-two' }, owner.accessToken), {
        plan: 'team-two',
        seats: 2,
        active: 3,
        pending: 0,
        requested: 3,
      });
      expect((await subscriptionsOf(db, tenant)).map((s) => s.status)).toEqual(['canceled']);
      const ent = await get(t, `${T(tenant)}/entitlements`, owner.accessToken);
      expect(ent.json()).toMatchObject({ source: 'user', status: null, seats: { limit: null, used: 3 } });
    });
  });

  describe('the plan claim, member plan overrides and entitlements', () => {
    let owner: SignedIn;
    let admin: SignedIn;
    let viewer: SignedIn;
    let member: SignedIn;
    let tenant: string;

    beforeAll(async () => {
      const { t, db } = ctx;
      owner = await signUp(t, db);
      tenant = await trialTenant(owner);
      admin = await addMember(t, db, tenant, owner, ['admin']);
      viewer = await addMember(t, db, tenant, owner, ['viewer']);
      member = await addMember(t, db, tenant, owner, ['editor']);
    });

    const planUrl = (userId: string) => `${T(tenant)}/members/${userId}/plan`;
    const overrides = () =>
      ctx.db.query<{ user_id: string; plan_key: string; set_by: string | null }>(
        `SELECT user_id, plan_key, set_by FROM subscription.membership_plans WHERE tenant_id = $1 ORDER BY user_id`,
        [tenant],
      );

    it('a tenant-scoped token names the tenant’s plan; an unscoped one names none', async () => {
      expect(claimsOf(await tenantToken(ctx.t, owner, tenant))).toMatchObject({ tid: tenant, plan: 'pro' });
      expect(claimsOf(await tenantToken(ctx.t, viewer, tenant))).toMatchObject({ tid: tenant, plan: 'pro' });
      expect(claimsOf(owner.accessToken).plan).toBeUndefined();
    });

    it('members of any role read their entitlements; a stranger is told the tenant does not exist', async () => {
      for (const who of [owner, admin, viewer, member]) {
        const res = await get(ctx.t, `${T(tenant)}/entitlements`, who.accessToken);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          tenant_id: tenant,
          user_id: who.userId,
          plan: 'pro',
          source: 'tenant',
          status: 'trialing',
          features: PRO_FEATURES,
          seats: { limit: 25, used: 4 },
        });
      }
      const stranger = await signUp(ctx.t, ctx.db);
      expectProblem(await get(ctx.t, `${T(tenant)}/entitlements`, stranger.accessToken), 404, 'TENANCY.NOT_FOUND');
      // A suspended member is no member here.
      const suspended = await addMember(ctx.t, ctx.db, tenant, owner);
      expect((await setStatus(tenant, owner, suspended, 'suspended')).statusCode).toBe(200);
      expectProblem(await get(ctx.t, `${T(tenant)}/entitlements`, suspended.accessToken), 404, 'TENANCY.NOT_FOUND');
    });

    it('setting a member’s plan: owner and admin may (subscription:manage); viewer and editor are 403, nothing stored', async () => {
      const { t } = ctx;
      for (const who of [viewer, member]) {
        const denied = expectProblem(
          await put(t, planUrl(viewer.userId), { plan_key: 'business' }, who.accessToken),
          403,
          'AUTHZ.FORBIDDEN',
        );
        expect(denied.reason).toBe('missing_permission');
      }
      expect(await overrides()).toEqual([]);

      const byAdmin = await put(t, planUrl(viewer.userId), { plan_key: 'free' }, admin.accessToken);
      expect(byAdmin.statusCode).toBe(200);
      expect(byAdmin.json()).toEqual({ tenant_id: tenant, user_id: viewer.userId, plan: 'free' });
      const byOwner = await put(t, planUrl(member.userId), { plan_key: 'business' }, owner.accessToken);
      expect(byOwner.statusCode).toBe(200);
      expect(byOwner.json()).toEqual({ tenant_id: tenant, user_id: member.userId, plan: 'business' });
      expect(await overrides()).toEqual(
        [
          { user_id: viewer.userId, plan_key: 'free', set_by: admin.userId },
          { user_id: member.userId, plan_key: 'business', set_by: owner.userId },
        ].sort((x, y) => x.user_id.localeCompare(y.user_id)),
      );
      const audit = await ctx.db.query(
        `SELECT actor_id, action, outcome, resource_type, resource_id, data FROM kernel.audit_log
          WHERE tenant_id = $1 AND action LIKE 'subscription.member_plan_%' ORDER BY occurred_at, id`,
        [tenant],
      );
      expect(audit).toEqual([
        {
          actor_id: admin.userId,
          action: 'subscription.member_plan_set',
          outcome: 'success',
          resource_type: 'membership',
          resource_id: viewer.userId,
          data: { from: null, to: 'free' },
        },
        {
          actor_id: owner.userId,
          action: 'subscription.member_plan_set',
          outcome: 'success',
          resource_type: 'membership',
          resource_id: member.userId,
          data: { from: null, to: 'business' },
        },
      ]);

      // The override wins over the tenant's plan, in the next token and the entitlements.
      expect(claimsOf(await tenantToken(t, member, tenant)).plan).toBe('business');
      expect(claimsOf(await tenantToken(t, viewer, tenant)).plan).toBe('free');
      expect(claimsOf(await tenantToken(t, owner, tenant)).plan).toBe('pro');
      const ent = await get(t, `${T(tenant)}/entitlements`, member.accessToken);
      expect(ent.json()).toEqual({
        tenant_id: tenant,
        user_id: member.userId,
        plan: 'business',
        source: 'membership',
        status: 'trialing',
        features: BUSINESS_FEATURES,
        seats: { limit: 25, used: 4 },
      });

      // null clears it: the tenant's plan applies again.
      const cleared = await put(t, planUrl(viewer.userId), { plan_key: null }, owner.accessToken);
      expect(cleared.statusCode).toBe(200);
      expect(cleared.json()).toEqual({ tenant_id: tenant, user_id: viewer.userId, plan: null });
      expect((await overrides()).map((o) => o.user_id)).toEqual([member.userId]);
      expect(claimsOf(await tenantToken(t, viewer, tenant)).plan).toBe('pro');
      expect((await get(t, `${T(tenant)}/entitlements`, viewer.accessToken)).json()).toMatchObject({ plan: 'pro', source: 'tenant' });
    });

    it('a member’s plan: non-member target 404, unknown plan 404, archived plan 409, malformed body 400 — nothing stored', async () => {
      const { t, db } = ctx;
      const before = await overrides();
      const outsider = await signUp(t, db);
      expectProblem(await put(t, planUrl(outsider.userId), { plan_key: 'business' }, owner.accessToken), 404, 'TENANCY.MEMBER_NOT_FOUND');
      const unknown = expectProblem(
        await put(t, planUrl(viewer.userId), { plan_key: 'nope' }, owner.accessToken),
        404,
        'SUBSCRIPTION.PLAN_NOT_FOUND',
      );
      expect(unknown.plan).toBe('nope');
      const archived = expectProblem(
        await put(t, planUrl(viewer.userId), { plan_key: 'legacy' }, owner.accessToken),
        409,
        'SUBSCRIPTION.PLAN_ARCHIVED',
      );
      expect(archived.plan).toBe('legacy');
      expectProblem(await put(t, planUrl(viewer.userId), { plan_key: 42 }, owner.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      expectProblem(await put(t, planUrl(viewer.userId), {}, owner.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      expectProblem(
        await put(t, `${T(tenant)}/members/not-a-uuid/plan`, { plan_key: 'free' }, owner.accessToken),
        400,
        'KERNEL.VALIDATION_FAILED',
      );
      // A stranger is not told the tenant exists.
      expectProblem(await put(t, planUrl(viewer.userId), { plan_key: 'business' }, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect(await overrides()).toEqual(before);
    });

    it('a plan change shows in the NEXT tenant-scoped token (the earlier one keeps what it was issued with)', async () => {
      const { t, db } = ctx;
      const o = await signUp(t, db);
      const tid = await trialTenant(o);
      const earlier = await tenantToken(t, o, tid);
      expect(claimsOf(earlier).plan).toBe('pro');
      const changed = await post(t, `${T(tid)}/subscription/change`, { plan_key: 'business' }, o.accessToken);
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ status: 'active', plan: { key: 'business' } });
      expect(claimsOf(await tenantToken(t, o, tid)).plan).toBe('business');
      expect(claimsOf(earlier).plan).toBe('pro');
    });

    it('without a tenant subscription, each member’s own plan applies (none: null)', async () => {
      const { t, db } = ctx;
      const o = await signUp(t, db);
      const tid = await trialTenant(o);
      const m = await addMember(t, db, tid, o);
      await waitForSubscription(db, o.userId);
      await waitForSubscription(db, m.userId);
      expect((await post(t, `${T(tid)}/subscription/cancel`, { at_period_end: false }, o.accessToken)).statusCode).toBe(200);

      // The owner upgrades their own trial to business; the member cancels theirs.
      expect((await post(t, '/v1/me/subscription/change', { plan_key: 'business' }, o.accessToken)).statusCode).toBe(200);
      expect((await post(t, '/v1/me/subscription/cancel', { at_period_end: false }, m.accessToken)).statusCode).toBe(200);

      expect(claimsOf(await tenantToken(t, o, tid)).plan).toBe('business');
      expect(claimsOf(await tenantToken(t, m, tid)).plan).toBeNull();
      expect((await get(t, `${T(tid)}/entitlements`, o.accessToken)).json()).toEqual({
        tenant_id: tid,
        user_id: o.userId,
        plan: 'business',
        source: 'user',
        status: null,
        features: BUSINESS_FEATURES,
        seats: { limit: null, used: 2 },
      });
      expect((await get(t, `${T(tid)}/entitlements`, m.accessToken)).json()).toEqual({
        tenant_id: tid,
        user_id: m.userId,
        plan: null,
        source: null,
        status: null,
        features: {},
        seats: { limit: null, used: 2 },
      });
      // An override still wins over the user's own plan.
      expect((await put(t, `${T(tid)}/members/${m.userId}/plan`, { plan_key: 'free' }, o.accessToken)).statusCode).toBe(200);
      expect(claimsOf(await tenantToken(t, m, tid)).plan).toBe('free');
    });
  });

  describe('internal entitlements', () => {
    let l: Listening;
    let owner: SignedIn;
    let member: SignedIn;
    let tenantA: string;
    let tenantB: string;
    let full: IssuedKey;
    let boundA: IssuedKey;
    let noScope: IssuedKey;

    beforeAll(async () => {
      const { t, db } = ctx;
      owner = await signUp(t, db);
      tenantA = await trialTenant(owner);
      member = await addMember(t, db, tenantA, owner);
      const set = await put(t, `${T(tenantA)}/members/${member.userId}/plan`, { plan_key: 'business' }, owner.accessToken);
      if (set.statusCode !== 200) throw new Error(`member plan: ${set.statusCode} ${set.body}`);
      tenantB = await trialTenant(await signUp(t, db));
      const application = await registerApplication(t, operator);
      full = await createApiKey(t, operator, application.id, { name: 'entitlements', scopes: ['entitlements:read'] });
      boundA = await createApiKey(t, operator, application.id, { name: 'bound to A', scopes: ['entitlements:read'], tenant_id: tenantA });
      noScope = await createApiKey(t, operator, application.id, { name: 'no scope', scopes: ['users:read'] });
      l = await listen(t);
    });

    const url = (tenant: string, query = '') => `/internal/v1/tenants/${tenant}/entitlements${query}`;

    it('the tenant’s plan, and a member’s (their override), with entitlements:read', async () => {
      const res = await internal(l, 'GET', url(tenantA), { key: full.secret });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        tenant_id: tenantA,
        user_id: null,
        plan: 'pro',
        source: 'tenant',
        status: 'trialing',
        features: PRO_FEATURES,
        seats: { limit: 25, used: 2 },
      });
      const forMember = await internal(l, 'GET', url(tenantA, `?user_id=${member.userId}`), { key: full.secret });
      expect(forMember.statusCode).toBe(200);
      expect(forMember.json()).toEqual({
        tenant_id: tenantA,
        user_id: member.userId,
        plan: 'business',
        source: 'membership',
        status: 'trialing',
        features: BUSINESS_FEATURES,
        seats: { limit: 25, used: 2 },
      });
      const forOwner = await internal(l, 'GET', url(tenantA, `?user_id=${owner.userId.toUpperCase()}`), { key: boundA.secret });
      expect(forOwner.statusCode).toBe(200);
      expect(forOwner.json()).toMatchObject({ user_id: owner.userId, plan: 'pro', source: 'tenant' });
    });

    it('a key bound to another tenant is 403 AUTHZ.API_KEY_TENANT; one without the scope 403 AUTHZ.API_KEY_SCOPE; no key 401', async () => {
      expectProblem(await internal(l, 'GET', url(tenantB), { key: boundA.secret }), 403, 'AUTHZ.API_KEY_TENANT');
      expectProblem(await internal(l, 'GET', url(tenantA), { key: noScope.secret }), 403, 'AUTHZ.API_KEY_SCOPE');
      expect((await internal(l, 'GET', url(tenantA))).statusCode).toBe(401);
    });

    it('unknown tenant 404 TENANCY.NOT_FOUND; a user who is not a member 404 TENANCY.MEMBER_NOT_FOUND; a malformed user_id 400', async () => {
      expectProblem(await internal(l, 'GET', url(uuidv7()), { key: full.secret }), 404, 'TENANCY.NOT_FOUND');
      const gone = await trialTenant(owner);
      expect((await del(ctx.t, T(gone), owner.accessToken)).statusCode).toBe(204);
      expectProblem(await internal(l, 'GET', url(gone), { key: full.secret }), 404, 'TENANCY.NOT_FOUND');
      const outsider = await signUp(ctx.t, ctx.db);
      expectProblem(
        await internal(l, 'GET', url(tenantA, `?user_id=${outsider.userId}`), { key: full.secret }),
        404,
        'TENANCY.MEMBER_NOT_FOUND',
      );
      expectProblem(await internal(l, 'GET', url(tenantA, `?user_id=${uuidv7()}`), { key: full.secret }), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await internal(l, 'GET', url(tenantA, '?user_id=nope'), { key: full.secret }), 400, 'KERNEL.VALIDATION_FAILED');
      expectProblem(await internal(l, 'GET', url('nope'), { key: full.secret }), 400, 'KERNEL.VALIDATION_FAILED');
    });
  });

  describe('@RequireFeature', () => {
    const probe = (path: string) => `/v1/feature-probe${path}`;

    it('a tenant on pro (sso false) is refused sso but has api_calls; an override to business lets only that member through; on business everyone passes', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await trialTenant(owner);
      const viewer = await addMember(t, db, tenant, owner);
      const vip = await addMember(t, db, tenant, owner);

      for (const who of [owner, viewer, vip]) {
        const denied = expectProblem(
          await get(t, probe(`/tenants/${tenant}/sso`), who.accessToken),
          403,
          'SUBSCRIPTION.FEATURE_NOT_INCLUDED',
        );
        expect(denied).toMatchObject({ feature: 'sso', plan: 'pro' });
      }
      const calls = await get(t, probe(`/tenants/${tenant}/api-calls`), viewer.accessToken);
      expect(calls.statusCode).toBe(200);
      expect(calls.json()).toEqual({ tenant_id: tenant });
      // A tenant-scoped token works the same.
      expectProblem(
        await get(t, probe(`/tenants/${tenant}/sso`), await tenantToken(t, owner, tenant)),
        403,
        'SUBSCRIPTION.FEATURE_NOT_INCLUDED',
      );

      expect((await put(t, `${T(tenant)}/members/${vip.userId}/plan`, { plan_key: 'business' }, owner.accessToken)).statusCode).toBe(200);
      const allowed = await get(t, probe(`/tenants/${tenant}/sso`), vip.accessToken);
      expect(allowed.statusCode).toBe(200);
      expect(allowed.json()).toEqual({ tenant_id: tenant, sso: true });
      expectProblem(await get(t, probe(`/tenants/${tenant}/sso`), viewer.accessToken), 403, 'SUBSCRIPTION.FEATURE_NOT_INCLUDED');
      expectProblem(await get(t, probe(`/tenants/${tenant}/sso`), owner.accessToken), 403, 'SUBSCRIPTION.FEATURE_NOT_INCLUDED');

      expect((await post(t, `${T(tenant)}/subscription/change`, { plan_key: 'business' }, owner.accessToken)).statusCode).toBe(200);
      for (const who of [owner, viewer, vip]) {
        const res = await get(t, probe(`/tenants/${tenant}/sso`), who.accessToken);
        expect(res.statusCode).toBe(200);
      }
      // Membership is checked first: a stranger is not told about features.
      const stranger = await signUp(t, db);
      expectProblem(await get(t, probe(`/tenants/${tenant}/sso`), stranger.accessToken), 404, 'TENANCY.NOT_FOUND');
    });

    it('a numeric limit of 0 is not included (api_calls on team-two)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await tenantOn(owner, 'team-two');
      const denied = expectProblem(
        await get(t, probe(`/tenants/${tenant}/api-calls`), owner.accessToken),
        403,
        'SUBSCRIPTION.FEATURE_NOT_INCLUDED',
      );
      expect(denied).toMatchObject({ feature: 'api_calls', plan: 'team-two' });
    });

    it('/me routes use the user’s own plan: pro refused, business allowed, none refused with plan null', async () => {
      const { t, db } = ctx;
      const user = await signUp(t, db);
      await waitForSubscription(db, user.userId);
      // A tenant on business changes nothing for the user's own plan.
      const tenant = await trialTenant(user);
      expect((await post(t, `${T(tenant)}/subscription/change`, { plan_key: 'business' }, user.accessToken)).statusCode).toBe(200);
      const denied = expectProblem(await get(t, probe('/me/sso'), user.accessToken), 403, 'SUBSCRIPTION.FEATURE_NOT_INCLUDED');
      expect(denied).toMatchObject({ feature: 'sso', plan: 'pro' });
      // On a route that takes tenant-scoped tokens, such a token brings its tenant's plan (as its plan claim does).
      expectProblem(await get(t, probe('/any-token/sso'), user.accessToken), 403, 'SUBSCRIPTION.FEATURE_NOT_INCLUDED');
      const scoped = await get(t, probe('/any-token/sso'), await tenantToken(t, user, tenant));
      expect(scoped.statusCode).toBe(200);
      expect(scoped.json()).toEqual({ user_id: user.userId, tenant_id: tenant });

      expect((await post(t, '/v1/me/subscription/change', { plan_key: 'business' }, user.accessToken)).statusCode).toBe(200);
      const allowed = await get(t, probe('/me/sso'), user.accessToken);
      expect(allowed.statusCode).toBe(200);
      expect(allowed.json()).toEqual({ user_id: user.userId, sso: true });

      const other = await signUp(t, db);
      await waitForSubscription(db, other.userId);
      expect((await post(t, '/v1/me/subscription/cancel', { at_period_end: false }, other.accessToken)).statusCode).toBe(200);
      const none = expectProblem(await get(t, probe('/me/sso'), other.accessToken), 403, 'SUBSCRIPTION.FEATURE_NOT_INCLUDED');
      expect(none).toMatchObject({ feature: 'sso', plan: null });
    });
  });

  describe('row-level security, as the application role', () => {
    let app: Client;
    let ownerA: SignedIn;
    let A: string;
    let B: string;

    beforeAll(async () => {
      const { t, db } = ctx;
      ownerA = await signUp(t, db);
      await waitForSubscription(db, ownerA.userId);
      A = await trialTenant(ownerA);
      const vip = await addMember(t, db, A, ownerA);
      expect((await put(t, `${T(A)}/members/${vip.userId}/plan`, { plan_key: 'business' }, ownerA.accessToken)).statusCode).toBe(200);
      B = await trialTenant(await signUp(t, db));
      app = new Client({ connectionString: db.appRoleUrl });
      app.on('error', () => undefined);
      await app.connect();
    });
    afterAll(() => app?.end());

    /** One transaction of the application role, scoped to `tenant` (none when null), rolled back. */
    async function inTenant<T>(tenant: string | null, work: () => Promise<T>): Promise<T> {
      await app.query('BEGIN');
      try {
        if (tenant) await app.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
        return await work();
      } finally {
        await app.query('ROLLBACK');
      }
    }

    const visible = async (table: string, ids: string[]) =>
      (
        await app.query<{ subject_id: string }>(
          `SELECT subject_id FROM subscription.${table} WHERE subject_id = ANY($1) ORDER BY subject_id`,
          [ids],
        )
      ).rows.map((r) => r.subject_id);

    it('tenant A’s subscription and trial: visible in A’s scope, invisible in B’s and without a tenant; users’ rows visible in all', async () => {
      const ids = [A, B, ownerA.userId];
      for (const table of ['subscriptions', 'trials']) {
        expect(await inTenant(A, () => visible(table, ids))).toEqual([A, ownerA.userId].sort());
        expect(await inTenant(B, () => visible(table, ids))).toEqual([B, ownerA.userId].sort());
        expect(await inTenant(null, () => visible(table, ids))).toEqual([ownerA.userId]);
        expect(await visible(table, ids)).toEqual([ownerA.userId]);
      }
    });

    it('members’ plan overrides are tenant-scoped: only in their tenant’s scope', async () => {
      const count = () =>
        app
          .query<{ n: number }>(`SELECT count(*)::int AS n FROM subscription.membership_plans WHERE tenant_id = $1`, [A])
          .then((r) => r.rows[0].n);
      expect(await inTenant(A, count)).toBe(1);
      expect(await inTenant(B, count)).toBe(0);
      expect(await inTenant(null, count)).toBe(0);
    });

    it('a write into another tenant’s subscription changes nothing', async () => {
      const updated = await inTenant(
        B,
        async () => (await app.query(`UPDATE subscription.subscriptions SET plan_key = 'business' WHERE subject_id = $1`, [A])).rowCount,
      );
      expect(updated).toBe(0);
      expect((await currentOf(A))?.plan_key).toBe('pro');
    });
  });
});
