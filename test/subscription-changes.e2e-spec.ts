import type { LightMyRequestResponse } from 'fastify';
import { get, post, signUp, type SignedIn } from './support/account';
import { expectProblem } from './support/problems';
import { chargesOf, setNow, subscriptionEvents, subscriptionsOf, waitForSubscription } from './support/subscription';
import { addMember, createTenant, makeOperator, tenantToken } from './support/tenancy';
import { useTestApp } from './support/test-app';

const T = (tenantId: string) => `/v1/tenants/${tenantId}`;
const ME = '/v1/me/subscription';
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

interface ChargeBody {
  id: string;
  subscription_id: string;
  kind: string;
  plan: string;
  amount: number;
  currency: string;
  status: string;
  reference: string | null;
  period_start: string;
  period_end: string;
  details: Record<string, unknown>;
  created_at: string;
  settled_at: string | null;
}

interface SubscriptionBody {
  id: string;
  subject_type: string;
  subject_id: string;
  tenant_id: string | null;
  status: string;
  plan: { key: string; price: number; currency: string; interval: string; status: string };
  scheduled_plan: string | null;
  trial_ends_at: string | null;
  current_period_start: string;
  current_period_end: string;
  cancel_at_period_end: boolean;
  past_due_since: string | null;
  canceled_at: string | null;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
  open_charges: ChargeBody[];
}

/** A pending charge as the API shows it. */
function charge(c: {
  sub: string;
  kind: string;
  plan: string;
  amount: number;
  start: string;
  end: string;
  at: string;
  details?: Record<string, unknown>;
  currency?: string;
}): ChargeBody {
  return {
    id: UUID,
    subscription_id: c.sub,
    kind: c.kind,
    plan: c.plan,
    amount: c.amount,
    currency: c.currency ?? 'EUR',
    status: 'pending',
    reference: null,
    period_start: c.start,
    period_end: c.end,
    details: c.details ?? {},
    created_at: c.at,
    settled_at: null,
  };
}

function expectInvalid(res: LightMyRequestResponse, paths: string[]) {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect([...new Set((body.errors ?? []).map((e) => e.path))].sort()).toEqual([...paths].sort());
}

function expectForbidden(res: LightMyRequestResponse, reason: string) {
  const body = expectProblem(res, 403, 'AUTHZ.FORBIDDEN');
  expect(body.reason).toBe(reason);
}

describe('subscription changes: upgrade, downgrade, cancel, resume', () => {
  const ctx = useTestApp({ env: { SUBSCRIPTION_CLOCK_INTERVAL: '1h' } });
  let operator: SignedIn;
  let owner: SignedIn;

  const raw = (url: string, payload: string, token: string) =>
    ctx.t.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });

  const change = (base: string, planKey: unknown, who: SignedIn | string) =>
    post(ctx.t, `${base}/change`, { plan_key: planKey }, typeof who === 'string' ? who : who.accessToken);
  const cancel = (base: string, body: unknown, who: SignedIn | string) =>
    post(ctx.t, `${base}/cancel`, body, typeof who === 'string' ? who : who.accessToken);
  const resume = (base: string, who: SignedIn | string) =>
    post(ctx.t, `${base}/resume`, {}, typeof who === 'string' ? who : who.accessToken);
  const S = (tenantId: string) => `${T(tenantId)}/subscription`;

  function audits(subscriptionId: string) {
    return ctx.db.query<{
      action: string;
      tenant_id: string | null;
      actor_type: string;
      actor_id: string | null;
      outcome: string;
      data: Record<string, unknown>;
    }>(
      `SELECT action, tenant_id, actor_type, actor_id, outcome, data FROM kernel.audit_log
        WHERE resource_type = 'subscription' AND resource_id = $1 ORDER BY occurred_at, id`,
      [subscriptionId],
    );
  }

  /** Everything a refused request must leave alone for a subject. */
  async function snapshot(subjectId: string) {
    const subs = await subscriptionsOf(ctx.db, subjectId);
    const ids = subs.map((s) => s.id);
    const [{ charges }] = await ctx.db.query<{ charges: number }>(
      `SELECT count(*)::int AS charges FROM subscription.charges WHERE subscription_id = ANY($1::uuid[])`,
      [ids],
    );
    const [{ audits: n }] = await ctx.db.query<{ audits: number }>(
      `SELECT count(*)::int AS audits FROM kernel.audit_log WHERE resource_type = 'subscription' AND resource_id = ANY($1::text[])`,
      [ids],
    );
    const [{ events }] = await ctx.db.query<{ events: number }>(
      `SELECT count(*)::int AS events FROM kernel.outbox WHERE aggregate_type = 'subscription' AND aggregate_id::text = ANY($1::text[])`,
      [ids],
    );
    return { subs, charges, audits: n, events };
  }

  /** A tenant created (and its trial started) at `when`. */
  async function tenantAt(who: SignedIn, when: string): Promise<string> {
    setNow(ctx.t, when);
    const id = await createTenant(ctx.t, who, 'Subscriber');
    const trial = await waitForSubscription(ctx.db, id);
    expect(trial).toMatchObject({ status: 'trialing', plan_key: 'pro', current_period_start: new Date(when) });
    return id;
  }

  /** A tenant that, at `when`, ended its trial at once and bought `plan` (a paid period from `when`). */
  async function paidTenant(when: string, plan = 'pro'): Promise<{ tenant: string; bought: SubscriptionBody }> {
    const tenant = await tenantAt(owner, when);
    const canceled = await cancel(S(tenant), { at_period_end: false }, owner);
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({ status: 'canceled' });
    const res = await change(S(tenant), plan, owner);
    expect(res.statusCode).toBe(200);
    return { tenant, bought: res.json<SubscriptionBody>() };
  }

  beforeAll(async () => {
    setNow(ctx.t, null);
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    owner = await signUp(ctx.t, ctx.db);
    for (const plan of [
      { key: 'business-yearly', name: 'Business yearly', price: 99000, interval: 'year', seats: null },
      { key: 'pro-plus', name: 'Pro plus', price: 2975, interval: 'month', seats: 25 },
      { key: 'pro-usd', name: 'Pro (USD)', price: 3500, currency: 'USD', interval: 'month', seats: 25 },
    ]) {
      const res = await post(ctx.t, '/v1/plans', plan, operator.accessToken);
      expect(res.statusCode).toBe(201);
    }
  });

  afterAll(() => setNow(ctx.t, null));

  describe('buying after a canceled trial', () => {
    it("a change with no current subscription starts a paid one now: reason 'purchase', the full price charged", async () => {
      const { tenant, bought } = await paidTenant('2027-01-01T00:00:00.000Z');
      const [row, old] = await subscriptionsOf(ctx.db, tenant);
      expect(old).toMatchObject({ status: 'canceled', plan_key: 'pro' });
      expect(bought).toEqual({
        id: row.id,
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        status: 'active',
        plan: expect.objectContaining({ key: 'pro', price: 2900, currency: 'EUR', interval: 'month', status: 'active' }),
        scheduled_plan: null,
        trial_ends_at: null,
        current_period_start: '2027-01-01T00:00:00.000Z',
        current_period_end: '2027-02-01T00:00:00.000Z',
        cancel_at_period_end: false,
        past_due_since: null,
        canceled_at: null,
        ended_at: null,
        created_at: '2027-01-01T00:00:00.000Z',
        updated_at: '2027-01-01T00:00:00.000Z',
        open_charges: [
          charge({
            sub: row.id,
            kind: 'initial',
            plan: 'pro',
            amount: 2900,
            start: '2027-01-01T00:00:00.000Z',
            end: '2027-02-01T00:00:00.000Z',
            at: '2027-01-01T00:00:00.000Z',
          }),
        ],
      });
      expect(row.id).not.toBe(old.id);
      const [initial] = bought.open_charges;
      expect(await subscriptionEvents(ctx.db, row.id)).toEqual([
        {
          type: 'subscription.started',
          payload: expect.objectContaining({ reason: 'purchase', charge_id: initial.id, amount: 2900, plan: 'pro', status: 'active' }),
        },
      ]);
      expect(await audits(row.id)).toEqual([
        {
          action: 'subscription.started',
          tenant_id: tenant,
          actor_type: 'user',
          actor_id: owner.userId,
          outcome: 'success',
          data: {
            subject_type: 'tenant',
            subject_id: tenant,
            plan: 'pro',
            status: 'active',
            reason: 'purchase',
            charge_id: initial.id,
            amount: 2900,
          },
        },
      ]);
      // One trial per subject, ever: buying again started no second trial.
      const trials = await ctx.db.query(`SELECT subscription_id FROM subscription.trials WHERE subject_id = $1`, [tenant]);
      expect(trials).toEqual([{ subscription_id: old.id }]);
    });
  });

  describe('upgrades: prorated for the rest of the period', () => {
    // pro (2900) bought on 2027-01-01T00:00Z, period to 2027-02-01 (31 days); business is 9900.
    // charge = round_half_up((9900 − 2900) × remaining / 31), the day of the change counted.
    it.each<[string, number, number]>([
      ['2027-01-01T00:00:00.000Z', 31, 7000], // 7000 × 31/31
      ['2027-01-01T18:30:00.000Z', 31, 7000], // later the same day: still 31 days
      ['2027-01-02T00:00:00.000Z', 30, 6774], // 210000/31 = 6774.19
      ['2027-01-16T12:00:00.000Z', 16, 3613], // 112000/31 = 3612.90
      ['2027-01-31T23:59:59.000Z', 1, 226], //     7000/31 = 225.81
    ])('pro → business at %s: %i remaining days, charge %i', async (when, remaining, amount) => {
      const { tenant, bought } = await paidTenant('2027-01-01T00:00:00.000Z');
      setNow(ctx.t, when);
      const res = await change(S(tenant), 'business', owner);
      expect(res.statusCode).toBe(200);
      const details = {
        from: 'pro',
        from_price: 2900,
        to_price: 9900,
        amount,
        remaining_days: remaining,
        period_days: 31,
        credit: 0,
        new_period: false,
      };
      expect(res.json()).toEqual({
        ...bought,
        plan: expect.objectContaining({ key: 'business', price: 9900 }),
        updated_at: when,
        open_charges: [
          bought.open_charges[0],
          charge({
            sub: bought.id,
            kind: 'proration',
            plan: 'business',
            amount,
            start: when,
            end: '2027-02-01T00:00:00.000Z',
            at: when,
            details,
          }),
        ],
      });
      const [row] = await subscriptionsOf(ctx.db, tenant);
      expect(row).toMatchObject({
        id: bought.id,
        plan_key: 'business',
        status: 'active',
        current_period_start: new Date('2027-01-01T00:00:00.000Z'),
        current_period_end: new Date('2027-02-01T00:00:00.000Z'),
        scheduled_plan_key: null,
      });
      const ledger = await chargesOf(ctx.db, bought.id);
      expect(ledger.map((c) => [c.kind, c.plan_key, Number(c.amount), c.currency, c.status])).toEqual([
        ['initial', 'pro', 2900, 'EUR', 'pending'],
        ['proration', 'business', amount, 'EUR', 'pending'],
      ]);
      expect(ledger[1].details).toEqual(details);
      const prorationId = ledger[1].id;
      const events = await subscriptionEvents(ctx.db, bought.id);
      expect(events.map((e) => e.type)).toEqual(['subscription.started', 'subscription.changed']);
      expect(events[1].payload).toEqual({
        subscription_id: bought.id,
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        plan: 'business',
        status: 'active',
        trial_ends_at: null,
        current_period_start: '2027-01-01T00:00:00.000Z',
        current_period_end: '2027-02-01T00:00:00.000Z',
        cancel_at_period_end: false,
        scheduled_plan: null,
        change: 'upgraded',
        previous_plan: 'pro',
        previous_status: 'active',
        charge_id: prorationId,
        amount,
      });
      const trail = await audits(bought.id);
      expect(trail.map((a) => a.action)).toEqual(['subscription.started', 'subscription.upgraded']);
      expect(trail[1]).toEqual({
        action: 'subscription.upgraded',
        tenant_id: tenant,
        actor_type: 'user',
        actor_id: owner.userId,
        outcome: 'success',
        data: {
          subject_type: 'tenant',
          subject_id: tenant,
          plan: 'business',
          status: 'active',
          from: 'pro',
          to: 'business',
          charge_id: prorationId,
          amount,
          proration: { amount, remaining_days: remaining, period_days: 31, credit: 0, new_period: false },
        },
      });
      // The charges list: newest first.
      const list = await get(ctx.t, `${S(tenant)}/charges`, owner.accessToken);
      expect(list.statusCode).toBe(200);
      expect(list.json<{ items: ChargeBody[] }>().items.map((c) => [c.kind, c.amount])).toEqual([
        ['proration', amount],
        ['initial', 2900],
      ]);
      expect(list.json<{ next_cursor: string | null }>().next_cursor).toBeNull();
    });

    it('halves round up: pro → pro-plus (+75) on the last day of a 30-day period charges 75 × 1/30 = 2.5 → 3', async () => {
      const { tenant, bought } = await paidTenant('2027-04-01T00:00:00.000Z');
      expect(bought.current_period_end).toBe('2027-05-01T00:00:00.000Z');
      setNow(ctx.t, '2027-04-30T10:00:00.000Z');
      const res = await change(S(tenant), 'pro-plus', owner);
      expect(res.statusCode).toBe(200);
      const ledger = await chargesOf(ctx.db, bought.id);
      expect(ledger.map((c) => [c.kind, c.plan_key, Number(c.amount)])).toEqual([
        ['initial', 'pro', 2900],
        ['proration', 'pro-plus', 3],
      ]);
      expect(ledger[1].details).toMatchObject({ remaining_days: 1, period_days: 30, amount: 3 });
    });

    it('to a yearly plan: a new period starts now, the unused part of the old one credited', async () => {
      const { tenant, bought } = await paidTenant('2027-01-01T00:00:00.000Z');
      const when = '2027-01-16T12:00:00.000Z';
      setNow(ctx.t, when);
      const res = await change(S(tenant), 'business-yearly', owner);
      expect(res.statusCode).toBe(200);
      // credit = round(2900 × 16/31) = round(1496.77) = 1497; charge = 99000 − 1497 = 97503.
      const details = {
        from: 'pro',
        from_price: 2900,
        to_price: 99000,
        amount: 97503,
        remaining_days: 16,
        period_days: 31,
        credit: 1497,
        new_period: true,
      };
      expect(res.json()).toEqual({
        ...bought,
        plan: expect.objectContaining({ key: 'business-yearly', price: 99000, interval: 'year' }),
        current_period_start: when,
        current_period_end: '2028-01-16T12:00:00.000Z',
        updated_at: when,
        open_charges: [
          bought.open_charges[0],
          charge({
            sub: bought.id,
            kind: 'proration',
            plan: 'business-yearly',
            amount: 97503,
            start: when,
            end: '2028-01-16T12:00:00.000Z',
            at: when,
            details,
          }),
        ],
      });
      const [row] = await ctx.db.query<{ anchor_day: number }>(`SELECT anchor_day FROM subscription.subscriptions WHERE id = $1`, [
        bought.id,
      ]);
      expect(row.anchor_day).toBe(16);
      expect((await chargesOf(ctx.db, bought.id))[1].details).toEqual(details);
      expect((await audits(bought.id)).map((a) => [a.action, a.tenant_id])).toEqual([
        ['subscription.started', tenant],
        ['subscription.upgraded', tenant],
      ]);
    });

    it('during a trial: the trial ends now, a full-price initial charge, trial.ended + subscription.changed', async () => {
      const tenant = await tenantAt(owner, '2027-03-10T09:30:00.000Z');
      const [trial] = await subscriptionsOf(ctx.db, tenant);
      const when = '2027-03-12T15:00:00.000Z';
      setNow(ctx.t, when);
      const res = await change(S(tenant), 'business', owner);
      expect(res.statusCode).toBe(200);
      const body = res.json<SubscriptionBody>();
      expect(body).toEqual({
        id: trial.id,
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        status: 'active',
        plan: expect.objectContaining({ key: 'business', price: 9900 }),
        scheduled_plan: null,
        trial_ends_at: when,
        current_period_start: when,
        current_period_end: '2027-04-12T15:00:00.000Z',
        cancel_at_period_end: false,
        past_due_since: null,
        canceled_at: null,
        ended_at: null,
        created_at: '2027-03-10T09:30:00.000Z',
        updated_at: when,
        open_charges: [
          charge({
            sub: trial.id,
            kind: 'initial',
            plan: 'business',
            amount: 9900,
            start: when,
            end: '2027-04-12T15:00:00.000Z',
            at: when,
          }),
        ],
      });
      const chargeId = body.open_charges[0].id;
      const state = {
        subscription_id: trial.id,
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        plan: 'business',
        status: 'active',
        trial_ends_at: when,
        current_period_start: when,
        current_period_end: '2027-04-12T15:00:00.000Z',
        cancel_at_period_end: false,
        scheduled_plan: null,
      };
      const events = await subscriptionEvents(ctx.db, trial.id);
      expect(events).toEqual([
        { type: 'subscription.started', payload: expect.objectContaining({ reason: 'trial', amount: 0, charge_id: null }) },
        { type: 'trial.ended', payload: { ...state, reason: 'upgraded', ended_at: when } },
        {
          type: 'subscription.changed',
          payload: { ...state, change: 'upgraded', previous_plan: 'pro', previous_status: 'trialing', charge_id: chargeId, amount: 9900 },
        },
      ]);
      const trail = await audits(trial.id);
      expect(trail.map((a) => [a.action, a.tenant_id, a.actor_id])).toEqual([
        ['subscription.started', tenant, 'subscription'],
        ['trial.ended', tenant, owner.userId],
        ['subscription.upgraded', tenant, owner.userId],
      ]);
      expect(trail[2].data).toEqual({
        subject_type: 'tenant',
        subject_id: tenant,
        plan: 'business',
        status: 'active',
        from: 'pro',
        to: 'business',
        charge_id: chargeId,
        amount: 9900,
      });
    });
  });

  describe('downgrades: scheduled for the end of the period or trial', () => {
    it('a paid downgrade is scheduled (no charge, plan unchanged), replaced, then withdrawn by asking for the current plan', async () => {
      const { tenant, bought } = await paidTenant('2027-01-01T00:00:00.000Z', 'business');
      expect(bought.open_charges.map((c) => c.amount)).toEqual([9900]);
      setNow(ctx.t, '2027-01-10T08:00:00.000Z');
      const res = await change(S(tenant), 'pro', owner);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        ...bought,
        scheduled_plan: 'pro',
        updated_at: '2027-01-10T08:00:00.000Z',
      });
      expect((await chargesOf(ctx.db, bought.id)).length).toBe(1);
      expect((await subscriptionsOf(ctx.db, tenant))[0]).toMatchObject({
        plan_key: 'business',
        scheduled_plan_key: 'pro',
        status: 'active',
      });
      let trail = await audits(bought.id);
      expect(trail[trail.length - 1]).toEqual({
        action: 'subscription.downgrade_scheduled',
        tenant_id: tenant,
        actor_type: 'user',
        actor_id: owner.userId,
        outcome: 'success',
        data: {
          subject_type: 'tenant',
          subject_id: tenant,
          plan: 'business',
          status: 'active',
          to: 'pro',
          effective_at: '2027-02-01T00:00:00.000Z',
        },
      });
      let events = await subscriptionEvents(ctx.db, bought.id);
      expect(events[events.length - 1]).toEqual({
        type: 'subscription.changed',
        payload: expect.objectContaining({
          plan: 'business',
          scheduled_plan: 'pro',
          change: 'downgrade_scheduled',
          previous_plan: 'business',
          previous_status: 'active',
          charge_id: null,
          amount: 0,
        }),
      });

      // Another, cheaper one replaces it.
      const free = await change(S(tenant), 'free', owner);
      expect(free.statusCode).toBe(200);
      expect(free.json()).toMatchObject({ plan: { key: 'business' }, scheduled_plan: 'free' });

      // Asking for the current plan withdraws it.
      setNow(ctx.t, '2027-01-11T08:00:00.000Z');
      const back = await change(S(tenant), 'business', owner);
      expect(back.statusCode).toBe(200);
      expect(back.json()).toEqual({ ...bought, scheduled_plan: null, updated_at: '2027-01-11T08:00:00.000Z' });
      expect((await subscriptionsOf(ctx.db, tenant))[0]).toMatchObject({ plan_key: 'business', scheduled_plan_key: null });
      expect((await chargesOf(ctx.db, bought.id)).length).toBe(1);
      trail = await audits(bought.id);
      expect(trail.map((a) => a.action)).toEqual([
        'subscription.started',
        'subscription.downgrade_scheduled',
        'subscription.downgrade_scheduled',
        'subscription.downgrade_withdrawn',
      ]);
      expect(trail[3].data).toMatchObject({ scheduled_plan: 'free', plan: 'business' });
      events = await subscriptionEvents(ctx.db, bought.id);
      expect(events[events.length - 1].payload).toMatchObject({ change: 'downgrade_withdrawn', scheduled_plan: null });

      // Nothing scheduled any more: the same plan is a conflict, and nothing changes.
      const before = await snapshot(tenant);
      const same = await change(S(tenant), 'business', owner);
      expect(expectProblem(same, 409, 'SUBSCRIPTION.SAME_PLAN').plan).toBe('business');
      expect(await snapshot(tenant)).toEqual(before);
    });

    it('a downgrade withdraws a scheduled cancellation', async () => {
      const { tenant } = await paidTenant('2027-01-01T00:00:00.000Z', 'business');
      setNow(ctx.t, '2027-01-05T00:00:00.000Z');
      expect((await cancel(S(tenant), {}, owner)).json()).toMatchObject({ cancel_at_period_end: true });
      const res = await change(S(tenant), 'pro', owner);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ cancel_at_period_end: false, scheduled_plan: 'pro', plan: { key: 'business' }, status: 'active' });
      expect((await subscriptionsOf(ctx.db, tenant))[0]).toMatchObject({ cancel_at_period_end: false, scheduled_plan_key: 'pro' });
    });

    it('during a trial a downgrade is scheduled for the end of the trial; the trial goes on', async () => {
      const tenant = await tenantAt(owner, '2027-03-10T09:30:00.000Z');
      const [trial] = await subscriptionsOf(ctx.db, tenant);
      setNow(ctx.t, '2027-03-11T00:00:00.000Z');
      const res = await change(S(tenant), 'free', owner);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: trial.id,
        status: 'trialing',
        plan: { key: 'pro' },
        scheduled_plan: 'free',
        trial_ends_at: '2027-03-24T09:30:00.000Z',
        current_period_start: '2027-03-10T09:30:00.000Z',
        current_period_end: '2027-03-24T09:30:00.000Z',
        open_charges: [],
      });
      expect(await chargesOf(ctx.db, trial.id)).toEqual([]);
      const trail = await audits(trial.id);
      expect(trail.map((a) => a.action)).toEqual(['subscription.started', 'subscription.downgrade_scheduled']);
      expect(trail[1].data).toMatchObject({ to: 'free', effective_at: '2027-03-24T09:30:00.000Z', status: 'trialing', plan: 'pro' });
      expect((await subscriptionEvents(ctx.db, trial.id)).map((e) => e.type)).toEqual(['subscription.started', 'subscription.changed']);
    });
  });

  describe('refused changes', () => {
    let tenant: string;

    beforeAll(async () => {
      tenant = await tenantAt(owner, '2027-07-01T00:00:00.000Z');
    });

    it('the current plan with nothing scheduled → 409 SUBSCRIPTION.SAME_PLAN', async () => {
      const before = await snapshot(tenant);
      expect(expectProblem(await change(S(tenant), 'pro', owner), 409, 'SUBSCRIPTION.SAME_PLAN').plan).toBe('pro');
      expect(await snapshot(tenant)).toEqual(before);
    });

    it('a plan in another currency → 409 SUBSCRIPTION.CURRENCY_MISMATCH, nothing changed', async () => {
      const before = await snapshot(tenant);
      const body = expectProblem(await change(S(tenant), 'pro-usd', owner), 409, 'SUBSCRIPTION.CURRENCY_MISMATCH');
      expect({ from: body.from, to: body.to }).toEqual({ from: 'EUR', to: 'USD' });
      expect(await snapshot(tenant)).toEqual(before);
    });

    it('an unknown plan → 404 SUBSCRIPTION.PLAN_NOT_FOUND, nothing changed', async () => {
      const before = await snapshot(tenant);
      expect(expectProblem(await change(S(tenant), 'platinum', owner), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND').plan).toBe('platinum');
      expectProblem(await change(S(tenant), 'Not_A_Key', owner), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND');
      expect(await snapshot(tenant)).toEqual(before);
    });

    it.each<[string, 'change' | 'cancel', unknown, string[]]>([
      ['change without plan_key', 'change', {}, ['plan_key']],
      ['change with a numeric plan_key', 'change', { plan_key: 42 }, ['plan_key']],
      ['change with plan_key null', 'change', { plan_key: null }, ['plan_key']],
      ['change with a 41-character plan_key', 'change', { plan_key: 'b'.repeat(41) }, ['plan_key']],
      ['change with an unknown field', 'change', { plan_key: 'business', prorate: false }, ['prorate']],
      ['cancel with at_period_end "yes"', 'cancel', { at_period_end: 'yes' }, ['at_period_end']],
      ['cancel with at_period_end 0', 'cancel', { at_period_end: 0 }, ['at_period_end']],
      ['cancel with at_period_end null', 'cancel', { at_period_end: null }, ['at_period_end']],
      ['cancel with an unknown field', 'cancel', { at_period_end: false, reason: 'too dear' }, ['reason']],
    ])('bad input: %s → 400 naming the field, nothing changed', async (_label, action, body, paths) => {
      const before = await snapshot(tenant);
      expectInvalid(await post(ctx.t, `${S(tenant)}/${action}`, body, owner.accessToken), paths);
      expect(await snapshot(tenant)).toEqual(before);
      expect(before.subs[0]).toMatchObject({ status: 'trialing', plan_key: 'pro', cancel_at_period_end: false, scheduled_plan_key: null });
    });

    it('malformed JSON → 400 KERNEL.MALFORMED_JSON on change and cancel, nothing changed', async () => {
      const before = await snapshot(tenant);
      expectProblem(await raw(`${S(tenant)}/change`, '{"plan_key": "business"', owner.accessToken), 400, 'KERNEL.MALFORMED_JSON');
      expectProblem(await raw(`${S(tenant)}/cancel`, '{"at_period_end": fal', owner.accessToken), 400, 'KERNEL.MALFORMED_JSON');
      expect(await snapshot(tenant)).toEqual(before);
    });

    it('resume with no cancellation scheduled → 409 SUBSCRIPTION.NOT_CANCELING (trialing), nothing changed', async () => {
      const before = await snapshot(tenant);
      expectProblem(await resume(S(tenant), owner), 409, 'SUBSCRIPTION.NOT_CANCELING');
      expect(await snapshot(tenant)).toEqual(before);
    });
  });

  describe('cancel', () => {
    it('at the end of the period (the default), idempotent; resume withdraws it; resuming again → 409 NOT_CANCELING', async () => {
      const { tenant, bought } = await paidTenant('2027-01-01T00:00:00.000Z');
      setNow(ctx.t, '2027-01-05T00:00:00.000Z');
      const res = await cancel(S(tenant), {}, owner);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ...bought, cancel_at_period_end: true, updated_at: '2027-01-05T00:00:00.000Z' });
      expect((await subscriptionsOf(ctx.db, tenant))[0]).toMatchObject({ status: 'active', cancel_at_period_end: true, ended_at: null });
      let trail = await audits(bought.id);
      expect(trail.map((a) => a.action)).toEqual(['subscription.started', 'subscription.cancel_scheduled']);
      expect(trail[1]).toMatchObject({
        tenant_id: tenant,
        actor_id: owner.userId,
        data: { plan: 'pro', status: 'active', effective_at: '2027-02-01T00:00:00.000Z' },
      });
      let events = await subscriptionEvents(ctx.db, bought.id);
      expect(events[events.length - 1]).toEqual({
        type: 'subscription.changed',
        payload: expect.objectContaining({ change: 'cancel_scheduled', cancel_at_period_end: true, previous_status: 'active', amount: 0 }),
      });

      // Asking twice changes nothing and records nothing.
      const before = await snapshot(tenant);
      setNow(ctx.t, '2027-01-06T00:00:00.000Z');
      const again = await cancel(S(tenant), { at_period_end: true }, owner);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(res.json());
      expect(await snapshot(tenant)).toEqual(before);

      const resumed = await resume(S(tenant), owner);
      expect(resumed.statusCode).toBe(200);
      expect(resumed.json()).toEqual({ ...bought, updated_at: '2027-01-06T00:00:00.000Z' });
      expect((await subscriptionsOf(ctx.db, tenant))[0]).toMatchObject({ status: 'active', cancel_at_period_end: false });
      trail = await audits(bought.id);
      expect(trail.map((a) => [a.action, a.tenant_id])).toEqual([
        ['subscription.started', tenant],
        ['subscription.cancel_scheduled', tenant],
        ['subscription.resumed', tenant],
      ]);
      events = await subscriptionEvents(ctx.db, bought.id);
      expect(events[events.length - 1].payload).toMatchObject({ change: 'resumed', cancel_at_period_end: false });

      const after = await snapshot(tenant);
      expectProblem(await resume(S(tenant), owner), 409, 'SUBSCRIPTION.NOT_CANCELING');
      expect(await snapshot(tenant)).toEqual(after);
    });

    it('now: canceled at once (trial.ended + subscription.canceled); GET still shows it; resume/cancel → 404; a change buys anew', async () => {
      const tenant = await tenantAt(owner, '2027-06-01T08:00:00.000Z');
      const [trial] = await subscriptionsOf(ctx.db, tenant);
      const when = '2027-06-03T10:00:00.000Z';
      setNow(ctx.t, when);
      const res = await cancel(S(tenant), { at_period_end: false }, owner);
      expect(res.statusCode).toBe(200);
      const canceled = {
        id: trial.id,
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        status: 'canceled',
        plan: expect.objectContaining({ key: 'pro' }),
        scheduled_plan: null,
        trial_ends_at: '2027-06-15T08:00:00.000Z',
        current_period_start: '2027-06-01T08:00:00.000Z',
        current_period_end: '2027-06-15T08:00:00.000Z',
        cancel_at_period_end: false,
        past_due_since: null,
        canceled_at: when,
        ended_at: when,
        created_at: '2027-06-01T08:00:00.000Z',
        updated_at: when,
        open_charges: [],
      };
      expect(res.json()).toEqual(canceled);
      expect((await subscriptionsOf(ctx.db, tenant))[0]).toMatchObject({ status: 'canceled', ended_at: new Date(when) });
      const events = await subscriptionEvents(ctx.db, trial.id);
      expect(events.map((e) => e.type)).toEqual(['subscription.started', 'trial.ended', 'subscription.canceled']);
      expect(events[1].payload).toMatchObject({ reason: 'canceled', ended_at: when, status: 'canceled' });
      expect(events[2].payload).toMatchObject({ reason: 'requested', canceled_at: when, status: 'canceled', subscription_id: trial.id });
      const trail = await audits(trial.id);
      expect(trail.map((a) => [a.action, a.tenant_id])).toEqual([
        ['subscription.started', tenant],
        ['trial.ended', tenant],
        ['subscription.canceled', tenant],
      ]);
      expect(trail[2]).toMatchObject({
        actor_id: owner.userId,
        data: { reason: 'requested', previous_status: 'trialing', status: 'canceled' },
      });

      const shown = await get(ctx.t, S(tenant), owner.accessToken);
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toEqual(canceled);

      const before = await snapshot(tenant);
      expectProblem(await resume(S(tenant), owner), 404, 'SUBSCRIPTION.NOT_FOUND');
      expectProblem(await cancel(S(tenant), {}, owner), 404, 'SUBSCRIPTION.NOT_FOUND');
      expectProblem(await cancel(S(tenant), { at_period_end: false }, owner), 404, 'SUBSCRIPTION.NOT_FOUND');
      expect(await snapshot(tenant)).toEqual(before);

      const later = '2027-06-05T00:00:00.000Z';
      setNow(ctx.t, later);
      const bought = await change(S(tenant), 'pro', owner);
      expect(bought.statusCode).toBe(200);
      const fresh = bought.json<SubscriptionBody>();
      expect(fresh.id).not.toBe(trial.id);
      expect(fresh).toMatchObject({
        status: 'active',
        plan: { key: 'pro' },
        trial_ends_at: null,
        current_period_start: later,
        current_period_end: '2027-07-05T00:00:00.000Z',
        canceled_at: null,
        ended_at: null,
      });
      expect(fresh.open_charges).toEqual([
        charge({ sub: fresh.id, kind: 'initial', plan: 'pro', amount: 2900, start: later, end: '2027-07-05T00:00:00.000Z', at: later }),
      ]);
      expect(await subscriptionEvents(ctx.db, fresh.id)).toEqual([
        {
          type: 'subscription.started',
          payload: expect.objectContaining({ reason: 'purchase', amount: 2900, charge_id: fresh.open_charges[0].id }),
        },
      ]);
      expect((await audits(fresh.id)).map((a) => [a.action, a.tenant_id, a.data.reason])).toEqual([
        ['subscription.started', tenant, 'purchase'],
      ]);
      expect((await subscriptionsOf(ctx.db, tenant)).map((s) => s.status)).toEqual(['active', 'canceled']);
      expect((await get(ctx.t, S(tenant), owner.accessToken)).json()).toMatchObject({ id: fresh.id, status: 'active' });
    });
  });

  describe('tenant routes: who may', () => {
    let tenant: string;
    let admin: SignedIn;
    let editor: SignedIn;
    let viewer: SignedIn;
    let outsider: SignedIn;

    beforeAll(async () => {
      tenant = await tenantAt(owner, '2027-08-01T00:00:00.000Z');
      admin = await addMember(ctx.t, ctx.db, tenant, owner, ['admin']);
      editor = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
      viewer = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
      outsider = await signUp(ctx.t, ctx.db);
    });

    it('GET T/subscription and its charges: owner and admin 200; editor and viewer 403; non-member 404; anonymous 401', async () => {
      const [row] = await subscriptionsOf(ctx.db, tenant);
      for (const who of [owner, admin]) {
        const res = await get(ctx.t, S(tenant), who.accessToken);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({
          id: row.id,
          subject_type: 'tenant',
          subject_id: tenant,
          status: 'trialing',
          plan: { key: 'pro' },
        });
        const charges = await get(ctx.t, `${S(tenant)}/charges`, who.accessToken);
        expect(charges.statusCode).toBe(200);
        expect(charges.json()).toEqual({ items: [], next_cursor: null });
      }
      for (const who of [editor, viewer]) {
        expectForbidden(await get(ctx.t, S(tenant), who.accessToken), 'missing_permission');
        expectForbidden(await get(ctx.t, `${S(tenant)}/charges`, who.accessToken), 'missing_permission');
      }
      expectProblem(await get(ctx.t, S(tenant), outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(ctx.t, `${S(tenant)}/charges`, outsider.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(ctx.t, S(tenant)), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('change, cancel, resume: editor and viewer 403, non-member 404, anonymous 401; nothing changes', async () => {
      const before = await snapshot(tenant);
      for (const who of [editor, viewer]) {
        expectForbidden(await change(S(tenant), 'business', who), 'missing_permission');
        expectForbidden(await cancel(S(tenant), { at_period_end: false }, who), 'missing_permission');
        expectForbidden(await resume(S(tenant), who), 'missing_permission');
      }
      expectProblem(await change(S(tenant), 'business', outsider), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await cancel(S(tenant), {}, outsider), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await resume(S(tenant), outsider), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(ctx.t, `${S(tenant)}/change`, { plan_key: 'business' }), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await post(ctx.t, `${S(tenant)}/cancel`, {}), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await post(ctx.t, `${S(tenant)}/resume`, {}), 401, 'AUTH.UNAUTHENTICATED');
      expect(await snapshot(tenant)).toEqual(before);
    });

    it('a tenant-scoped token of another tenant: 403 AUTHZ.TENANT_MISMATCH when a member of both, 404 when not; nothing changes', async () => {
      const otherOfOwner = await createTenant(ctx.t, owner, 'Elsewhere');
      const ownTenantOfOutsider = await createTenant(ctx.t, outsider, 'Outside');
      const wrong = await tenantToken(ctx.t, owner, otherOfOwner);
      const foreign = await tenantToken(ctx.t, outsider, ownTenantOfOutsider);
      const before = await snapshot(tenant);
      for (const res of [
        await get(ctx.t, S(tenant), wrong),
        await change(S(tenant), 'business', wrong),
        await cancel(S(tenant), {}, wrong),
      ]) {
        expect(expectProblem(res, 403, 'AUTHZ.TENANT_MISMATCH').reason).toBe('token_tenant_mismatch');
      }
      expectProblem(await get(ctx.t, S(tenant), foreign), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await change(S(tenant), 'business', foreign), 404, 'TENANCY.NOT_FOUND');
      expect(await snapshot(tenant)).toEqual(before);
      // The owner's token for this tenant passes.
      const right = await tenantToken(ctx.t, owner, tenant);
      expect((await get(ctx.t, S(tenant), right)).statusCode).toBe(200);
    });

    it('a plan with fewer seats than active members → 409 SUBSCRIPTION.SEAT_LIMIT (free: 3 seats, 4 members), nothing changed', async () => {
      const before = await snapshot(tenant);
      const body = expectProblem(await change(S(tenant), 'free', owner), 409, 'SUBSCRIPTION.SEAT_LIMIT');
      expect({ plan: body.plan, seats: body.seats, active: body.active }).toEqual({ plan: 'free', seats: 3, active: 4 });
      expect(await snapshot(tenant)).toEqual(before);
    });

    it('an admin cancels at period end, the owner resumes, the admin upgrades: each audited under its actor in the tenant chain', async () => {
      const [row] = await subscriptionsOf(ctx.db, tenant);
      setNow(ctx.t, '2027-08-02T00:00:00.000Z');
      expect((await cancel(S(tenant), {}, admin)).json()).toMatchObject({ cancel_at_period_end: true });
      expect((await resume(S(tenant), owner)).json()).toMatchObject({ cancel_at_period_end: false });
      const up = await change(S(tenant), 'business', admin);
      expect(up.statusCode).toBe(200);
      expect(up.json()).toMatchObject({ status: 'active', plan: { key: 'business' }, trial_ends_at: '2027-08-02T00:00:00.000Z' });
      expect((await audits(row.id)).map((a) => [a.action, a.tenant_id, a.actor_id])).toEqual([
        ['subscription.started', tenant, 'subscription'],
        ['subscription.cancel_scheduled', tenant, admin.userId],
        ['subscription.resumed', tenant, owner.userId],
        ['trial.ended', tenant, admin.userId],
        ['subscription.upgraded', tenant, admin.userId],
      ]);
      // The editor still cannot read it.
      expectForbidden(await get(ctx.t, S(tenant), editor.accessToken), 'missing_permission');
    });
  });

  describe('my own subscription: /v1/me/subscription', () => {
    let user: SignedIn;
    let scoped: string;
    const U0 = '2027-05-05T08:00:00.000Z';

    beforeAll(async () => {
      setNow(ctx.t, U0);
      user = await signUp(ctx.t, ctx.db);
      await waitForSubscription(ctx.db, user.userId);
      const tenant = await createTenant(ctx.t, user, 'Mine');
      await waitForSubscription(ctx.db, tenant);
      scoped = await tenantToken(ctx.t, user, tenant);
    });

    it("GET answers the user's trial exactly; charges are empty; a tenant-scoped token may read too", async () => {
      const [row] = await subscriptionsOf(ctx.db, user.userId);
      const expected = {
        id: row.id,
        subject_type: 'user',
        subject_id: user.userId,
        tenant_id: null,
        status: 'trialing',
        plan: expect.objectContaining({ key: 'pro', price: 2900 }),
        scheduled_plan: null,
        trial_ends_at: '2027-05-19T08:00:00.000Z',
        current_period_start: U0,
        current_period_end: '2027-05-19T08:00:00.000Z',
        cancel_at_period_end: false,
        past_due_since: null,
        canceled_at: null,
        ended_at: null,
        created_at: U0,
        updated_at: U0,
        open_charges: [],
      };
      const res = await get(ctx.t, ME, user.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(expected);
      const viaScoped = await get(ctx.t, ME, scoped);
      expect(viaScoped.statusCode).toBe(200);
      expect(viaScoped.json()).toEqual(expected);
      const charges = await get(ctx.t, `${ME}/charges`, user.accessToken);
      expect(charges.statusCode).toBe(200);
      expect(charges.json()).toEqual({ items: [], next_cursor: null });
      expect((await get(ctx.t, `${ME}/charges`, scoped)).statusCode).toBe(200);
      expectProblem(await get(ctx.t, ME), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await get(ctx.t, `${ME}/charges`), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('change, cancel, resume with a tenant-scoped token → 403 AUTHZ.TENANT_TOKEN; anonymous → 401; nothing changes', async () => {
      const before = await snapshot(user.userId);
      for (const res of [
        await change(ME, 'business', scoped),
        await cancel(ME, { at_period_end: false }, scoped),
        await resume(ME, scoped),
      ]) {
        expect(expectProblem(res, 403, 'AUTHZ.TENANT_TOKEN').reason).toBe('tenant_scoped_token');
      }
      expectProblem(await post(ctx.t, `${ME}/change`, { plan_key: 'business' }), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await post(ctx.t, `${ME}/cancel`, {}), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await post(ctx.t, `${ME}/resume`, {}), 401, 'AUTH.UNAUTHENTICATED');
      expect(await snapshot(user.userId)).toEqual(before);
    });

    it.each<[string, 'change' | 'cancel', unknown, string[]]>([
      ['change without plan_key', 'change', {}, ['plan_key']],
      ['change with a numeric plan_key', 'change', { plan_key: 7 }, ['plan_key']],
      ['change with an unknown field', 'change', { plan_key: 'business', user_id: '0190a4d6-0000-7000-8000-00000000abcd' }, ['user_id']],
      ['cancel with at_period_end "yes"', 'cancel', { at_period_end: 'yes' }, ['at_period_end']],
      ['cancel with an unknown field', 'cancel', { now: true }, ['now']],
    ])('bad input: %s → 400, nothing changed', async (_label, action, body, paths) => {
      const before = await snapshot(user.userId);
      expectInvalid(await post(ctx.t, `${ME}/${action}`, body, user.accessToken), paths);
      expect(await snapshot(user.userId)).toEqual(before);
    });

    it('refusals: same plan 409, unknown plan 404, another currency 409, resume with nothing to resume 409', async () => {
      const before = await snapshot(user.userId);
      expectProblem(await change(ME, 'pro', user), 409, 'SUBSCRIPTION.SAME_PLAN');
      expectProblem(await change(ME, 'platinum', user), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND');
      expectProblem(await change(ME, 'pro-usd', user), 409, 'SUBSCRIPTION.CURRENCY_MISMATCH');
      expectProblem(await resume(ME, user), 409, 'SUBSCRIPTION.NOT_CANCELING');
      expectProblem(await raw(`${ME}/change`, '{"plan_key":', user.accessToken), 400, 'KERNEL.MALFORMED_JSON');
      expect(await snapshot(user.userId)).toEqual(before);
    });

    it("upgrade ends the trial, downgrade is scheduled, cancel now ends it: audited in the platform's chain (no tenant)", async () => {
      const [row] = await subscriptionsOf(ctx.db, user.userId);
      const U1 = '2027-05-07T12:00:00.000Z';
      setNow(ctx.t, U1);
      const up = await change(ME, 'business', user);
      expect(up.statusCode).toBe(200);
      expect(up.json()).toMatchObject({
        id: row.id,
        status: 'active',
        plan: { key: 'business' },
        trial_ends_at: U1,
        current_period_start: U1,
        current_period_end: '2027-06-07T12:00:00.000Z',
      });
      const charges = await get(ctx.t, `${ME}/charges`, user.accessToken);
      expect(charges.json()).toEqual({
        items: [
          charge({ sub: row.id, kind: 'initial', plan: 'business', amount: 9900, start: U1, end: '2027-06-07T12:00:00.000Z', at: U1 }),
        ],
        next_cursor: null,
      });
      const down = await change(ME, 'pro', user);
      expect(down.statusCode).toBe(200);
      expect(down.json()).toMatchObject({ plan: { key: 'business' }, scheduled_plan: 'pro' });
      expect((await chargesOf(ctx.db, row.id)).length).toBe(1);
      const U2 = '2027-05-08T00:00:00.000Z';
      setNow(ctx.t, U2);
      const gone = await cancel(ME, { at_period_end: false }, user);
      expect(gone.statusCode).toBe(200);
      expect(gone.json()).toMatchObject({ status: 'canceled', canceled_at: U2, ended_at: U2, scheduled_plan: null });
      expect((await get(ctx.t, ME, user.accessToken)).json()).toMatchObject({ id: row.id, status: 'canceled' });
      expect((await audits(row.id)).map((a) => [a.action, a.tenant_id])).toEqual([
        ['subscription.started', null],
        ['trial.ended', null],
        ['subscription.upgraded', null],
        ['subscription.downgrade_scheduled', null],
        ['subscription.canceled', null],
      ]);
      expect((await subscriptionEvents(ctx.db, row.id)).map((e) => e.type)).toEqual([
        'subscription.started',
        'trial.ended',
        'subscription.changed',
        'subscription.changed',
        'subscription.canceled',
      ]);
      expectProblem(await resume(ME, user), 404, 'SUBSCRIPTION.NOT_FOUND');
    });
  });
});
