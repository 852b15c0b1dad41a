import { Client } from 'pg';
import { SubscriptionClock } from '@user-engine/subscription';
import { get, post, signUp, type SignedIn } from './support/account';
import { createApiKey, internal, type IssuedKey, listen, type Listening, registerApplication } from './support/internal';
import { expectProblem } from './support/problems';
import { claimsOf, runClock, setNow, subscriptionEvents, waitForSubscription } from './support/subscription';
import { createTenant, makeOperator, tenantToken } from './support/tenancy';
import { startTestApp, type SuiteContext, useTestApp } from './support/test-app';

// The subscription clock on the real application and PostgreSQL, time moved through the injectable
// Clock (never slept): trials that end and convert, renewals on the anchor day (month-end clamped)
// and missed periods caught up, unpaid charges turning a subscription past due and then expired,
// payments recorded by operators (admin route) and billing services (internal route, payments:write),
// scheduled downgrades and cancellations applied at the end of the period, one runner among
// replicas (the advisory lock), and the payment terms and grace period read from the config.

const DAY = 86_400_000;
const UNKNOWN_ID = '0190a4d6-0000-7000-8000-00000000abcd';
/** Kept off during the suite: only the test's runOnce moves subscriptions. */
const QUIET_CLOCK = { SUBSCRIPTION_CLOCK_INTERVAL: '24h' };
const CLOCK_ACTOR = { type: 'system', id: 'subscription-clock' };
const CLOCK_AUDIT = { actor_type: 'system', actor_id: 'subscription-clock' };
const NOTHING = { ran: true, advanced: 0, steps: {}, failed: 0 };

const iso = (d: Date | string) => new Date(d).toISOString();
const plus = (d: Date | string, ms: number) => new Date(new Date(d).getTime() + ms);

interface SubRow {
  id: string;
  subject_type: 'user' | 'tenant';
  subject_id: string;
  tenant_id: string | null;
  plan_key: string;
  status: string;
  anchor_day: number;
  trial_ends_at: Date | null;
  current_period_start: Date;
  current_period_end: Date;
  cancel_at_period_end: boolean;
  scheduled_plan_key: string | null;
  past_due_since: Date | null;
  canceled_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface ChargeRow {
  id: string;
  subscription_id: string;
  tenant_id: string | null;
  kind: string;
  plan_key: string;
  amount: string;
  currency: string;
  status: string;
  provider: string;
  reference: string | null;
  details: Record<string, unknown>;
  period_start: Date;
  period_end: Date;
  created_at: Date;
  settled_at: Date | null;
}

interface PlanRow {
  key: string;
  name: string;
  description: string | null;
  price: string;
  currency: string;
  interval: string;
  trial_days: number;
  seats: number | null;
  features: Record<string, unknown>;
  status: string;
  created_at: Date;
  updated_at: Date;
}

type FieldError = { path: string; message: string; rule: string };

interface AuditRow {
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  tenant_id: string | null;
  data: Record<string, unknown>;
}

interface OutboxRow {
  type: string;
  version: number;
  tenant_id: string | null;
  aggregate_type: string;
  actor: Record<string, unknown> | null;
  payload: Record<string, unknown>;
}

/** The state every subscription event carries (after the change). */
function stateOf(s: SubRow) {
  return {
    subscription_id: s.id,
    subject_type: s.subject_type,
    subject_id: s.subject_id,
    tenant_id: s.tenant_id,
    plan: s.plan_key,
    status: s.status,
    trial_ends_at: s.trial_ends_at ? iso(s.trial_ends_at) : null,
    current_period_start: iso(s.current_period_start),
    current_period_end: iso(s.current_period_end),
    cancel_at_period_end: s.cancel_at_period_end,
    scheduled_plan: s.scheduled_plan_key,
  };
}

/** What the API answers for a stored charge. */
function chargeView(c: ChargeRow) {
  return {
    id: c.id,
    subscription_id: c.subscription_id,
    kind: c.kind,
    plan: c.plan_key,
    amount: Number(c.amount),
    currency: c.currency,
    status: c.status,
    reference: c.reference,
    period_start: iso(c.period_start),
    period_end: iso(c.period_end),
    details: c.details,
    created_at: iso(c.created_at),
    settled_at: c.settled_at ? iso(c.settled_at) : null,
  };
}

function planView(p: PlanRow) {
  return {
    key: p.key,
    name: p.name,
    description: p.description,
    price: Number(p.price),
    currency: p.currency,
    interval: p.interval,
    trial_days: p.trial_days,
    seats: p.seats,
    features: p.features,
    status: p.status,
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
  };
}

/** What the API answers for a stored subscription. */
function subscriptionView(s: SubRow, plan: PlanRow, open: ChargeRow[]) {
  return {
    id: s.id,
    subject_type: s.subject_type,
    subject_id: s.subject_id,
    tenant_id: s.tenant_id,
    status: s.status,
    plan: planView(plan),
    scheduled_plan: s.scheduled_plan_key,
    trial_ends_at: s.trial_ends_at ? iso(s.trial_ends_at) : null,
    current_period_start: iso(s.current_period_start),
    current_period_end: iso(s.current_period_end),
    cancel_at_period_end: s.cancel_at_period_end,
    past_due_since: s.past_due_since ? iso(s.past_due_since) : null,
    canceled_at: s.canceled_at ? iso(s.canceled_at) : null,
    ended_at: s.ended_at ? iso(s.ended_at) : null,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    open_charges: open.map(chargeView),
  };
}

/** Database reads and set-up steps shared by both suites. */
function helpers(ctx: SuiteContext) {
  const subRow = async (id: string): Promise<SubRow> =>
    (await ctx.db.query<SubRow>(`SELECT * FROM subscription.subscriptions WHERE id = $1`, [id]))[0];
  const charges = (subscriptionId: string) =>
    ctx.db.query<ChargeRow>(`SELECT * FROM subscription.charges WHERE subscription_id = $1 ORDER BY id`, [subscriptionId]);
  const charge = async (id: string): Promise<ChargeRow> =>
    (await ctx.db.query<ChargeRow>(`SELECT * FROM subscription.charges WHERE id = $1`, [id]))[0];
  const plan = async (key: string): Promise<PlanRow> =>
    (await ctx.db.query<PlanRow>(`SELECT * FROM subscription.plans WHERE key = $1`, [key]))[0];
  const audits = (subscriptionId: string) =>
    ctx.db.query<AuditRow>(
      `SELECT action, outcome, actor_type, actor_id, tenant_id, data FROM kernel.audit_log
        WHERE resource_type = 'subscription' AND resource_id = $1 ORDER BY id`,
      [subscriptionId],
    );
  const outbox = (subscriptionId: string) =>
    ctx.db.query<OutboxRow>(
      `SELECT type, version, tenant_id, aggregate_type, actor, payload FROM kernel.outbox
        WHERE aggregate_type = 'subscription' AND aggregate_id = $1 ORDER BY id`,
      [subscriptionId],
    );
  const types = async (subscriptionId: string) => (await subscriptionEvents(ctx.db, subscriptionId)).map((e) => e.type);

  /** Signs a user up at `start`: their trial on 'pro' starts then (the user.created reaction). */
  async function trialAt(start: string): Promise<{ user: SignedIn; sub: SubRow }> {
    setNow(ctx.t, start);
    const user = await signUp(ctx.t, ctx.db);
    const { id } = await waitForSubscription(ctx.db, user.userId);
    return { user, sub: await subRow(id) };
  }

  /**
   * Ends every current subscription but these in the database, so that a run of the clock sees
   * only the test's subjects (the clock works across all of them).
   */
  async function only(...keep: string[]): Promise<void> {
    await ctx.db.query(
      `UPDATE subscription.subscriptions SET status = 'expired', ended_at = now(), past_due_since = NULL
        WHERE status IN ('trialing', 'active', 'past_due') AND NOT (id = ANY($1::uuid[]))`,
      [keep],
    );
  }

  /** Everything a refused request must leave alone. */
  async function snapshot(subscriptionId: string) {
    return {
      sub: await subRow(subscriptionId),
      charges: await charges(subscriptionId),
      events: (await outbox(subscriptionId)).length,
      audits: (await audits(subscriptionId)).length,
    };
  }

  return { subRow, charges, charge, plan, audits, outbox, types, trialAt, only, snapshot };
}

describe('subscription clock: trials, renewals, unpaid periods, payments, scheduled changes, one runner', () => {
  const ctx = useTestApp({ env: QUIET_CLOCK });
  const h = helpers(ctx);
  let operator: SignedIn;

  const pay = (subscriptionId: string, body: unknown, token = operator.accessToken) =>
    post(ctx.t, `/v1/admin/subscriptions/${subscriptionId}/payments`, body, token);
  const paid = async (subscriptionId: string, chargeId: string) => {
    const res = await pay(subscriptionId, { charge_id: chargeId, outcome: 'paid' });
    if (res.statusCode !== 200) throw new Error(`pay: ${res.statusCode} ${res.body}`);
  };
  const clock = () => ctx.t.get(SubscriptionClock);

  beforeAll(async () => {
    setNow(ctx.t, '2026-12-01T00:00:00Z');
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    await waitForSubscription(ctx.db, operator.userId);
  });

  afterAll(() => setNow(ctx.t, null));

  describe('a trial ends on the clock', () => {
    it('before its end nothing happens; at its end it converts: active, a month on the anchor day, an initial charge, trial.ended and subscription.renewed, audited; again at the same time nothing', async () => {
      const { user, sub } = await h.trialAt('2027-01-10T09:00:00Z');
      expect(sub).toEqual({
        id: expect.any(String),
        subject_type: 'user',
        subject_id: user.userId,
        tenant_id: null,
        plan_key: 'pro',
        status: 'trialing',
        anchor_day: 24,
        trial_ends_at: new Date('2027-01-24T09:00:00Z'),
        current_period_start: new Date('2027-01-10T09:00:00Z'),
        current_period_end: new Date('2027-01-24T09:00:00Z'),
        cancel_at_period_end: false,
        scheduled_plan_key: null,
        past_due_since: null,
        canceled_at: null,
        ended_at: null,
        created_at: new Date('2027-01-10T09:00:00Z'),
        updated_at: new Date('2027-01-10T09:00:00Z'),
      });
      await h.only(sub.id);

      expect(await runClock(ctx.t, '2027-01-20T09:00:00Z')).toEqual(NOTHING);
      expect(await runClock(ctx.t, '2027-01-24T08:59:59.999Z')).toEqual(NOTHING);
      expect(await h.subRow(sub.id)).toEqual(sub);
      expect(await h.charges(sub.id)).toEqual([]);
      expect(await h.types(sub.id)).toEqual(['subscription.started']);

      expect(await runClock(ctx.t, '2027-01-24T09:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { trial_ended: 1 }, failed: 0 });
      const after = await h.subRow(sub.id);
      expect(after).toEqual({
        ...sub,
        status: 'active',
        current_period_start: new Date('2027-01-24T09:00:00Z'),
        current_period_end: new Date('2027-02-24T09:00:00Z'),
        updated_at: new Date('2027-01-24T09:00:00Z'),
      });
      const [initial, ...more] = await h.charges(sub.id);
      expect(more).toEqual([]);
      expect(initial).toEqual({
        id: expect.any(String),
        subscription_id: sub.id,
        tenant_id: null,
        kind: 'initial',
        plan_key: 'pro',
        amount: '2900',
        currency: 'EUR',
        status: 'pending',
        provider: 'manual',
        reference: null,
        details: {},
        period_start: new Date('2027-01-24T09:00:00Z'),
        period_end: new Date('2027-02-24T09:00:00Z'),
        created_at: new Date('2027-01-24T09:00:00Z'),
        settled_at: null,
      });

      const events = await h.outbox(sub.id);
      expect(events.slice(1)).toEqual([
        {
          type: 'trial.ended',
          version: 1,
          tenant_id: null,
          aggregate_type: 'subscription',
          actor: CLOCK_ACTOR,
          payload: { ...stateOf(after), reason: 'converted', ended_at: '2027-01-24T09:00:00.000Z' },
        },
        {
          type: 'subscription.renewed',
          version: 1,
          tenant_id: null,
          aggregate_type: 'subscription',
          actor: CLOCK_ACTOR,
          payload: { ...stateOf(after), charge_id: initial.id, amount: 2900 },
        },
      ]);
      const subject = { subject_type: 'user', subject_id: user.userId, plan: 'pro', status: 'active' };
      expect((await h.audits(sub.id)).slice(1)).toEqual([
        { action: 'trial.ended', outcome: 'success', ...CLOCK_AUDIT, tenant_id: null, data: { ...subject, reason: 'converted' } },
        {
          action: 'subscription.renewed',
          outcome: 'success',
          ...CLOCK_AUDIT,
          tenant_id: null,
          data: { ...subject, charge_id: initial.id, amount: 2900, period_end: '2027-02-24T09:00:00.000Z' },
        },
      ]);

      // The owner sees it, with the charge open.
      const mine = await get(ctx.t, '/v1/me/subscription', user.accessToken);
      expect(mine.statusCode).toBe(200);
      expect(mine.json()).toEqual(subscriptionView(after, await h.plan('pro'), [initial]));

      // Idempotent: the same instant again (and a little later) finds nothing due.
      expect(await runClock(ctx.t, '2027-01-24T09:00:00Z')).toEqual(NOTHING);
      expect(await runClock(ctx.t, '2027-01-25T09:00:00Z')).toEqual(NOTHING);
      expect(await h.subRow(sub.id)).toEqual(after);
      expect(await h.charges(sub.id)).toEqual([initial]);
      expect(await h.outbox(sub.id)).toEqual(events);
    });
  });

  describe('renewal', () => {
    it('at the end of the period a new one starts with a renewal charge and subscription.renewed', async () => {
      const { sub } = await h.trialAt('2027-03-01T12:00:00Z');
      await h.only(sub.id);
      await runClock(ctx.t, '2027-03-15T12:00:00Z');
      const [initial] = await h.charges(sub.id);
      await paid(sub.id, initial.id);

      expect(await runClock(ctx.t, '2027-04-15T11:59:59.999Z')).toEqual(NOTHING);
      expect(await runClock(ctx.t, '2027-04-15T12:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { renewed: 1 }, failed: 0 });
      const after = await h.subRow(sub.id);
      expect(after).toMatchObject({
        status: 'active',
        plan_key: 'pro',
        anchor_day: 15,
        current_period_start: new Date('2027-04-15T12:00:00Z'),
        current_period_end: new Date('2027-05-15T12:00:00Z'),
        past_due_since: null,
        updated_at: new Date('2027-04-15T12:00:00Z'),
      });
      const all = await h.charges(sub.id);
      expect(all.map((c) => [c.kind, c.plan_key, c.amount, c.status, iso(c.period_start), iso(c.period_end), iso(c.created_at)])).toEqual([
        ['initial', 'pro', '2900', 'paid', '2027-03-15T12:00:00.000Z', '2027-04-15T12:00:00.000Z', '2027-03-15T12:00:00.000Z'],
        ['renewal', 'pro', '2900', 'pending', '2027-04-15T12:00:00.000Z', '2027-05-15T12:00:00.000Z', '2027-04-15T12:00:00.000Z'],
      ]);
      const events = await h.outbox(sub.id);
      expect(events.map((e) => e.type)).toEqual(['subscription.started', 'trial.ended', 'subscription.renewed', 'subscription.renewed']);
      expect(events[3]).toEqual({
        type: 'subscription.renewed',
        version: 1,
        tenant_id: null,
        aggregate_type: 'subscription',
        actor: CLOCK_ACTOR,
        payload: { ...stateOf(after), charge_id: all[1].id, amount: 2900 },
      });
      expect((await h.audits(sub.id)).at(-1)).toEqual({
        action: 'subscription.renewed',
        outcome: 'success',
        ...CLOCK_AUDIT,
        tenant_id: null,
        data: {
          subject_type: 'user',
          subject_id: sub.subject_id,
          plan: 'pro',
          status: 'active',
          charge_id: all[1].id,
          amount: 2900,
          period_end: '2027-05-15T12:00:00.000Z',
        },
      });
      expect(await runClock(ctx.t, '2027-04-15T12:00:00Z')).toEqual(NOTHING);
    });

    it('a subscription anchored on the 31st renews on the last day of short months and comes back to the 31st (leap year)', async () => {
      const { sub } = await h.trialAt('2028-01-17T10:00:00Z');
      expect(sub).toMatchObject({ anchor_day: 31, trial_ends_at: new Date('2028-01-31T10:00:00Z') });
      await h.only(sub.id);
      const periods: [string, string][] = [];
      for (const at of ['2028-01-31T10:00:00Z', '2028-02-29T10:00:00Z', '2028-03-31T10:00:00Z']) {
        expect(await runClock(ctx.t, plus(at, -1))).toEqual(NOTHING);
        expect((await runClock(ctx.t, at)).advanced).toBe(1);
        const row = await h.subRow(sub.id);
        periods.push([iso(row.current_period_start), iso(row.current_period_end)]);
        const open = (await h.charges(sub.id)).filter((c) => c.status === 'pending');
        expect(open).toHaveLength(1);
        await paid(sub.id, open[0].id);
      }
      expect(periods).toEqual([
        ['2028-01-31T10:00:00.000Z', '2028-02-29T10:00:00.000Z'],
        ['2028-02-29T10:00:00.000Z', '2028-03-31T10:00:00.000Z'],
        ['2028-03-31T10:00:00.000Z', '2028-04-30T10:00:00.000Z'],
      ]);
      expect((await h.charges(sub.id)).map((c) => [c.kind, iso(c.period_start), iso(c.period_end)])).toEqual([
        ['initial', '2028-01-31T10:00:00.000Z', '2028-02-29T10:00:00.000Z'],
        ['renewal', '2028-02-29T10:00:00.000Z', '2028-03-31T10:00:00.000Z'],
        ['renewal', '2028-03-31T10:00:00.000Z', '2028-04-30T10:00:00.000Z'],
      ]);
    });

    it('periods missed while no clock ran are caught up in one run, one charge per period, clamped to February 28', async () => {
      const { sub } = await h.trialAt('2027-01-17T10:00:00Z');
      expect(sub.anchor_day).toBe(31);
      await h.only(sub.id);
      expect(await runClock(ctx.t, '2027-04-02T10:00:00Z')).toEqual({
        ran: true,
        advanced: 1,
        steps: { trial_ended: 1, renewed: 2 },
        failed: 0,
      });
      expect(await h.subRow(sub.id)).toMatchObject({
        status: 'active',
        current_period_start: new Date('2027-03-31T10:00:00Z'),
        current_period_end: new Date('2027-04-30T10:00:00Z'),
      });
      expect(
        (await h.charges(sub.id)).map((c) => [c.kind, c.amount, c.status, iso(c.period_start), iso(c.period_end), iso(c.created_at)]),
      ).toEqual([
        ['initial', '2900', 'pending', '2027-01-31T10:00:00.000Z', '2027-02-28T10:00:00.000Z', '2027-04-02T10:00:00.000Z'],
        ['renewal', '2900', 'pending', '2027-02-28T10:00:00.000Z', '2027-03-31T10:00:00.000Z', '2027-04-02T10:00:00.000Z'],
        ['renewal', '2900', 'pending', '2027-03-31T10:00:00.000Z', '2027-04-30T10:00:00.000Z', '2027-04-02T10:00:00.000Z'],
      ]);
      expect(await h.types(sub.id)).toEqual([
        'subscription.started',
        'trial.ended',
        'subscription.renewed',
        'subscription.renewed',
        'subscription.renewed',
      ]);
      expect(await runClock(ctx.t, '2027-04-02T10:00:00Z')).toEqual(NOTHING);
    });
  });

  describe('unpaid charges', () => {
    it('pending past the payment terms: past_due; past due beyond the grace period: expired, and the plan claim is gone', async () => {
      const { user, sub } = await h.trialAt('2027-06-01T08:00:00Z');
      const tenantId = await createTenant(ctx.t, user);
      await waitForSubscription(ctx.db, tenantId);
      await h.only(sub.id);
      // The tenant's own subscription ended: the user's plan is what a token for the tenant names.
      expect(claimsOf(await tenantToken(ctx.t, user, tenantId)).plan).toBe('pro');

      await runClock(ctx.t, '2027-06-15T08:00:00Z');
      const [initial] = await h.charges(sub.id);
      expect(await runClock(ctx.t, '2027-06-22T07:59:59.999Z')).toEqual(NOTHING);
      expect(await runClock(ctx.t, '2027-06-22T08:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { past_due: 1 }, failed: 0 });
      const pastDue = await h.subRow(sub.id);
      expect(pastDue).toMatchObject({
        status: 'past_due',
        plan_key: 'pro',
        past_due_since: new Date('2027-06-22T08:00:00Z'),
        current_period_end: new Date('2027-07-15T08:00:00Z'),
        ended_at: null,
      });
      expect((await h.outbox(sub.id)).at(-1)).toEqual({
        type: 'subscription.changed',
        version: 1,
        tenant_id: null,
        aggregate_type: 'subscription',
        actor: CLOCK_ACTOR,
        payload: { ...stateOf(pastDue), change: 'past_due', previous_plan: 'pro', previous_status: 'active', charge_id: null, amount: 0 },
      });
      expect((await h.audits(sub.id)).at(-1)).toEqual({
        action: 'subscription.past_due',
        outcome: 'success',
        ...CLOCK_AUDIT,
        tenant_id: null,
        data: {
          subject_type: 'user',
          subject_id: user.userId,
          plan: 'pro',
          status: 'past_due',
          reason: 'unpaid',
          payment_terms_ms: 7 * DAY,
        },
      });
      // Past due keeps the plan.
      expect(claimsOf(await tenantToken(ctx.t, user, tenantId)).plan).toBe('pro');
      const mine = await get(ctx.t, '/v1/me/subscription', user.accessToken);
      expect(mine.json()).toEqual(subscriptionView(pastDue, await h.plan('pro'), [initial]));

      expect(await runClock(ctx.t, '2027-07-06T07:59:59.999Z')).toEqual(NOTHING);
      expect(await runClock(ctx.t, '2027-07-06T08:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { expired: 1 }, failed: 0 });
      const expired = await h.subRow(sub.id);
      expect(expired).toEqual({
        ...pastDue,
        status: 'expired',
        past_due_since: null,
        ended_at: new Date('2027-07-06T08:00:00Z'),
        updated_at: new Date('2027-07-06T08:00:00Z'),
      });
      expect((await h.outbox(sub.id)).at(-1)).toEqual({
        type: 'subscription.expired',
        version: 1,
        tenant_id: null,
        aggregate_type: 'subscription',
        actor: CLOCK_ACTOR,
        payload: { ...stateOf(expired), reason: 'unpaid', expired_at: '2027-07-06T08:00:00.000Z' },
      });
      expect((await h.audits(sub.id)).at(-1)).toEqual({
        action: 'subscription.expired',
        outcome: 'success',
        ...CLOCK_AUDIT,
        tenant_id: null,
        data: {
          subject_type: 'user',
          subject_id: user.userId,
          plan: 'pro',
          status: 'expired',
          reason: 'unpaid',
          past_due_since: '2027-06-22T08:00:00.000Z',
        },
      });
      const ended = await get(ctx.t, '/v1/me/subscription', user.accessToken);
      expect(ended.statusCode).toBe(200);
      expect(ended.json()).toEqual(subscriptionView(expired, await h.plan('pro'), [initial]));
      expect(claimsOf(await tenantToken(ctx.t, user, tenantId)).plan).toBeNull();
      // Final: nothing more happens to it, however late.
      expect(await runClock(ctx.t, '2028-07-06T08:00:00Z')).toEqual(NOTHING);
      expect(await h.charges(sub.id)).toEqual([initial]);
    });

    it('paying every open charge of a past-due subscription makes it active again (payment_recovered); paying one of two does not', async () => {
      const { sub } = await h.trialAt('2027-02-01T00:00:00Z');
      await h.only(sub.id);
      // A month late: the trial converts and the next period renews, two charges in one run.
      expect((await runClock(ctx.t, '2027-03-15T00:00:00Z')).steps).toEqual({ trial_ended: 1, renewed: 1 });
      expect(await runClock(ctx.t, '2027-03-22T00:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { past_due: 1 }, failed: 0 });
      const [first, second] = await h.charges(sub.id);
      const eventsBefore = (await h.outbox(sub.id)).length;

      setNow(ctx.t, '2027-03-23T00:00:00Z');
      const one = await pay(sub.id, { charge_id: first.id, outcome: 'paid', reference: 'TR-1' });
      expect(one.statusCode).toBe(200);
      expect(one.json()).toEqual(chargeView(await h.charge(first.id)));
      expect(await h.subRow(sub.id)).toMatchObject({ status: 'past_due', past_due_since: new Date('2027-03-22T00:00:00Z') });
      expect((await h.outbox(sub.id)).length).toBe(eventsBefore);

      setNow(ctx.t, '2027-03-24T00:00:00Z');
      const two = await pay(sub.id, { charge_id: second.id, outcome: 'paid', reference: 'TR-2' });
      expect(two.statusCode).toBe(200);
      const recovered = await h.subRow(sub.id);
      expect(recovered).toMatchObject({ status: 'active', past_due_since: null, updated_at: new Date('2027-03-24T00:00:00Z') });
      const events = await h.outbox(sub.id);
      expect(events.slice(eventsBefore)).toEqual([
        {
          type: 'subscription.changed',
          version: 1,
          tenant_id: null,
          aggregate_type: 'subscription',
          actor: { type: 'user', id: operator.userId },
          payload: {
            ...stateOf(recovered),
            change: 'payment_recovered',
            previous_plan: 'pro',
            previous_status: 'past_due',
            charge_id: second.id,
            amount: 2900,
          },
        },
      ]);
      expect((await h.audits(sub.id)).slice(-3).map((a) => [a.action, a.actor_type, a.actor_id, a.data.status])).toEqual([
        ['subscription.payment_received', 'user', operator.userId, 'past_due'],
        ['subscription.payment_received', 'user', operator.userId, 'past_due'],
        ['subscription.payment_recovered', 'user', operator.userId, 'active'],
      ]);
      expect(await runClock(ctx.t, '2027-03-24T00:00:00Z')).toEqual(NOTHING);
    });

    it('a past-due subscription is not renewed when its period ends; once paid, the next run renews the missed period', async () => {
      const { sub } = await h.trialAt('2027-04-01T00:00:00Z');
      await h.only(sub.id);
      await runClock(ctx.t, '2027-04-15T00:00:00Z');
      const [initial] = await h.charges(sub.id);
      // The clock was off for weeks: the charge is overdue when it runs again.
      expect(await runClock(ctx.t, '2027-05-10T00:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { past_due: 1 }, failed: 0 });
      expect(await runClock(ctx.t, '2027-05-15T00:00:00Z')).toEqual(NOTHING);
      expect(await h.subRow(sub.id)).toMatchObject({
        status: 'past_due',
        current_period_end: new Date('2027-05-15T00:00:00Z'),
        past_due_since: new Date('2027-05-10T00:00:00Z'),
      });
      expect(await h.charges(sub.id)).toHaveLength(1);

      setNow(ctx.t, '2027-05-16T00:00:00Z');
      await paid(sub.id, initial.id);
      expect(await h.subRow(sub.id)).toMatchObject({ status: 'active', past_due_since: null });
      expect(await runClock(ctx.t, '2027-05-16T00:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { renewed: 1 }, failed: 0 });
      expect(await h.subRow(sub.id)).toMatchObject({
        status: 'active',
        current_period_start: new Date('2027-05-15T00:00:00Z'),
        current_period_end: new Date('2027-06-15T00:00:00Z'),
      });
      expect((await h.charges(sub.id)).map((c) => [c.kind, c.status, iso(c.period_start), iso(c.period_end)])).toEqual([
        ['initial', 'paid', '2027-04-15T00:00:00.000Z', '2027-05-15T00:00:00.000Z'],
        ['renewal', 'pending', '2027-05-15T00:00:00.000Z', '2027-06-15T00:00:00.000Z'],
      ]);
      expect((await h.types(sub.id)).slice(-3)).toEqual(['subscription.changed', 'subscription.changed', 'subscription.renewed']);
    });
  });

  describe('payments', () => {
    let owner: SignedIn;
    let sub: SubRow;
    let chargeId: string;
    let other: SubRow;
    let otherChargeId: string;

    beforeAll(async () => {
      ({ user: owner, sub } = await h.trialAt('2027-10-01T10:00:00Z'));
      ({ sub: other } = await h.trialAt('2027-10-01T10:00:00Z'));
      await h.only(sub.id, other.id);
      expect((await runClock(ctx.t, '2027-10-15T10:00:00Z')).advanced).toBe(2);
      [{ id: chargeId }] = await h.charges(sub.id);
      [{ id: otherChargeId }] = await h.charges(other.id);
      setNow(ctx.t, '2027-10-16T10:00:00Z');
    });

    it('GET /v1/admin/subscriptions/{id}: operators see any subscription with its open charges; others 403; unknown 404; bad id 400', async () => {
      const res = await get(ctx.t, `/v1/admin/subscriptions/${sub.id}`, operator.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(subscriptionView(await h.subRow(sub.id), await h.plan('pro'), await h.charges(sub.id)));
      expect(res.json()).toEqual((await get(ctx.t, '/v1/me/subscription', owner.accessToken)).json());
      expectProblem(await get(ctx.t, `/v1/admin/subscriptions/${sub.id}`, owner.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect((await get(ctx.t, `/v1/admin/subscriptions/${sub.id}`)).statusCode).toBe(401);
      expectProblem(await get(ctx.t, `/v1/admin/subscriptions/${UNKNOWN_ID}`, operator.accessToken), 404, 'SUBSCRIPTION.NOT_FOUND');
      const bad = expectProblem(await get(ctx.t, `/v1/admin/subscriptions/nope`, operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      expect(bad.errors).toEqual([{ path: 'id', message: 'id must be a UUID', rule: 'isUuid' }]);
    });

    it('refused: a non-operator 403, bad input 400, an unknown charge or one of another subscription 404 — the charge unchanged', async () => {
      const before = await h.snapshot(sub.id);
      const ok = { charge_id: chargeId, outcome: 'paid' };
      expectProblem(await pay(sub.id, ok, owner.accessToken), 403, 'AUTHZ.FORBIDDEN');
      expect((await pay(sub.id, ok, '')).statusCode).toBe(401);

      const uuid = { path: 'charge_id', message: 'charge_id must be a UUID', rule: 'isUuid' };
      const outcome = { path: 'outcome', message: 'outcome must be one of the following values: paid, failed', rule: 'isIn' };
      const length = { path: 'reference', message: 'reference must be 1–200 characters long', rule: 'charLength' };
      const cases: [string, unknown, FieldError[]][] = [
        ['charge_id not a uuid', { ...ok, charge_id: 'charge-1' }, [uuid]],
        ['no charge_id', { outcome: 'paid' }, [uuid]],
        ['outcome maybe', { ...ok, outcome: 'maybe' }, [outcome]],
        ['no outcome', { charge_id: chargeId }, [outcome]],
        ['unknown field', { ...ok, amount: 1 }, [{ path: 'amount', message: 'amount is not a known field', rule: 'whitelistValidation' }]],
        ['reference too long', { ...ok, reference: 'r'.repeat(201) }, [length]],
        ['reference empty', { ...ok, reference: '   ' }, [length]],
        [
          'reference with a line break',
          { ...ok, reference: 'a\nb' },
          [{ path: 'reference', message: 'reference must be a single line without control characters', rule: 'matches' }],
        ],
      ];
      for (const [label, body, errors] of cases) {
        const p = expectProblem(await pay(sub.id, body), 400, 'KERNEL.VALIDATION_FAILED');
        expect({ label, errors: p.errors }).toEqual({ label, errors });
      }
      const badSub = expectProblem(await pay('nope', ok), 400, 'KERNEL.VALIDATION_FAILED');
      expect(badSub.errors).toEqual([{ path: 'id', message: 'id must be a UUID', rule: 'isUuid' }]);

      expectProblem(await pay(sub.id, { ...ok, charge_id: UNKNOWN_ID }), 404, 'SUBSCRIPTION.CHARGE_NOT_FOUND');
      expectProblem(await pay(sub.id, { ...ok, charge_id: otherChargeId }), 404, 'SUBSCRIPTION.CHARGE_NOT_FOUND');
      expectProblem(await pay(UNKNOWN_ID, ok), 404, 'SUBSCRIPTION.CHARGE_NOT_FOUND');
      expect(await h.snapshot(sub.id)).toEqual(before);
      expect((await h.charge(otherChargeId)).status).toBe('pending');
    });

    it('paid: status, settled_at and reference recorded, audited; repeating it answers the same; failed or another reference after it 409', async () => {
      const eventsBefore = (await h.outbox(sub.id)).length;
      const res = await pay(sub.id, { charge_id: chargeId.toUpperCase(), outcome: 'paid', reference: '  INV-2027-0042 ' });
      expect(res.statusCode).toBe(200);
      const row = await h.charge(chargeId);
      expect(row).toMatchObject({ status: 'paid', reference: 'INV-2027-0042', settled_at: new Date('2027-10-16T10:00:00Z') });
      expect(res.json()).toEqual(chargeView(row));
      // An active subscription stays as it is: no event, one audit entry.
      expect(await h.subRow(sub.id)).toMatchObject({ status: 'active', past_due_since: null });
      expect((await h.outbox(sub.id)).length).toBe(eventsBefore);
      expect((await h.audits(sub.id)).at(-1)).toEqual({
        action: 'subscription.payment_received',
        outcome: 'success',
        actor_type: 'user',
        actor_id: operator.userId,
        tenant_id: null,
        data: {
          subject_type: 'user',
          subject_id: owner.userId,
          plan: 'pro',
          status: 'active',
          charge_id: chargeId,
          amount: 2900,
          currency: 'EUR',
          reference: 'INV-2027-0042',
        },
      });
      const after = await h.snapshot(sub.id);

      setNow(ctx.t, '2027-10-17T10:00:00Z');
      for (const again of [{ reference: 'INV-2027-0042' }, {}]) {
        const repeat = await pay(sub.id, { charge_id: chargeId, outcome: 'paid', ...again });
        expect(repeat.statusCode).toBe(200);
        expect(repeat.json()).toEqual(res.json());
      }
      const failed = expectProblem(await pay(sub.id, { charge_id: chargeId, outcome: 'failed' }), 409, 'SUBSCRIPTION.CHARGE_SETTLED');
      expect(failed.detail).toBe('The charge is paid already and cannot change.');
      const otherRef = expectProblem(
        await pay(sub.id, { charge_id: chargeId, outcome: 'paid', reference: 'INV-OTHER' }),
        409,
        'SUBSCRIPTION.CHARGE_SETTLED',
      );
      expect(otherRef.detail).toBe('The charge is paid already and cannot change.');
      expect(await h.snapshot(sub.id)).toEqual(after);
    });

    it('failed on an active subscription: past_due at once (subscription.changed past_due naming the charge); paying it later recovers', async () => {
      setNow(ctx.t, '2027-10-18T10:00:00Z');
      const res = await pay(other.id, { charge_id: otherChargeId, outcome: 'failed', reference: 'DECLINED-1' });
      expect(res.statusCode).toBe(200);
      const row = await h.charge(otherChargeId);
      expect(row).toMatchObject({ status: 'failed', reference: 'DECLINED-1', settled_at: null });
      expect(res.json()).toEqual(chargeView(row));
      const pastDue = await h.subRow(other.id);
      expect(pastDue).toMatchObject({ status: 'past_due', past_due_since: new Date('2027-10-18T10:00:00Z') });
      expect((await h.outbox(other.id)).at(-1)).toEqual({
        type: 'subscription.changed',
        version: 1,
        tenant_id: null,
        aggregate_type: 'subscription',
        actor: { type: 'user', id: operator.userId },
        payload: {
          ...stateOf(pastDue),
          change: 'past_due',
          previous_plan: 'pro',
          previous_status: 'active',
          charge_id: otherChargeId,
          amount: 2900,
        },
      });
      expect((await h.audits(other.id)).slice(-2).map((a) => [a.action, a.actor_id, a.data])).toEqual([
        [
          'subscription.payment_failed',
          operator.userId,
          {
            subject_type: 'user',
            subject_id: other.subject_id,
            plan: 'pro',
            status: 'active',
            charge_id: otherChargeId,
            amount: 2900,
            currency: 'EUR',
            reference: 'DECLINED-1',
          },
        ],
        [
          'subscription.past_due',
          operator.userId,
          { subject_type: 'user', subject_id: other.subject_id, plan: 'pro', status: 'past_due', charge_id: otherChargeId },
        ],
      ]);

      // The failed charge is still open; paying it settles it and the subscription recovers.
      setNow(ctx.t, '2027-10-19T10:00:00Z');
      const later = await pay(other.id, { charge_id: otherChargeId, outcome: 'paid', reference: 'TR-9' });
      expect(later.statusCode).toBe(200);
      expect(later.json()).toMatchObject({ status: 'paid', reference: 'TR-9', settled_at: '2027-10-19T10:00:00.000Z' });
      expect(await h.subRow(other.id)).toMatchObject({ status: 'active', past_due_since: null });
      expect((await h.outbox(other.id)).at(-1)?.payload).toMatchObject({ change: 'payment_recovered', charge_id: otherChargeId });
    });

    describe('the internal route', () => {
      let l: Listening;
      let payer: IssuedKey;
      let reader: IssuedKey;
      let appId: string;
      let fresh: SubRow;
      let freshCharge: string;

      beforeAll(async () => {
        l = await listen(ctx.t);
        appId = (await registerApplication(ctx.t, operator)).id;
        payer = await createApiKey(ctx.t, operator, appId, { name: 'billing', scopes: ['payments:write'] });
        reader = await createApiKey(ctx.t, operator, appId, { name: 'reader', scopes: ['entitlements:read', 'users:read'] });
        ({ sub: fresh } = await h.trialAt('2027-11-01T10:00:00Z'));
        await h.only(fresh.id);
        await runClock(ctx.t, '2027-11-15T10:00:00Z');
        [{ id: freshCharge }] = await h.charges(fresh.id);
        setNow(ctx.t, '2027-11-16T10:00:00Z');
      });

      const url = (id: string) => `/internal/v1/subscriptions/${id}/payments`;

      it('a platform-wide key with payments:write records the payment, audited as the service', async () => {
        expect(payer).toMatchObject({ scopes: ['payments:write'], tenant_id: null });
        const res = await internal(l, 'POST', url(fresh.id), {
          key: payer.secret,
          payload: { charge_id: freshCharge, outcome: 'paid', reference: 'SEPA-77' },
        });
        expect(res.statusCode).toBe(200);
        const row = await h.charge(freshCharge);
        expect(row).toMatchObject({ status: 'paid', reference: 'SEPA-77', settled_at: new Date('2027-11-16T10:00:00Z') });
        expect(res.json()).toEqual(chargeView(row));
        expect((await h.audits(fresh.id)).at(-1)).toMatchObject({
          action: 'subscription.payment_received',
          actor_type: 'service',
          actor_id: appId,
          data: { charge_id: freshCharge, reference: 'SEPA-77' },
        });
        const again = await internal(l, 'POST', url(fresh.id), { key: payer.secret, payload: { charge_id: freshCharge, outcome: 'paid' } });
        expect(again.statusCode).toBe(200);
        expect(again.json()).toEqual(res.json());
        expectProblem(
          await internal(l, 'POST', url(fresh.id), { key: payer.secret, payload: { charge_id: freshCharge, outcome: 'failed' } }),
          409,
          'SUBSCRIPTION.CHARGE_SETTLED',
        );
        expectProblem(
          await internal(l, 'POST', url(fresh.id), { key: payer.secret, payload: { charge_id: UNKNOWN_ID, outcome: 'paid' } }),
          404,
          'SUBSCRIPTION.CHARGE_NOT_FOUND',
        );
        const bad = expectProblem(
          await internal(l, 'POST', url(fresh.id), { key: payer.secret, payload: { charge_id: freshCharge, outcome: 'maybe' } }),
          400,
          'KERNEL.VALIDATION_FAILED',
        );
        expect(bad.errors).toEqual([
          { path: 'outcome', message: 'outcome must be one of the following values: paid, failed', rule: 'isIn' },
        ]);
      });

      it('a key without the scope 403 AUTHZ.API_KEY_SCOPE, no key 401; nothing recorded', async () => {
        const { sub: s } = await h.trialAt('2027-12-01T10:00:00Z');
        await h.only(s.id);
        await runClock(ctx.t, '2027-12-15T10:00:00Z');
        const [c] = await h.charges(s.id);
        const before = await h.snapshot(s.id);
        const body = { charge_id: c.id, outcome: 'paid' };
        const denied = expectProblem(
          await internal(l, 'POST', url(s.id), { key: reader.secret, payload: body }),
          403,
          'AUTHZ.API_KEY_SCOPE',
        );
        expect(denied).toMatchObject({ reason: 'missing_scope', scope: 'payments:write' });
        expectProblem(await internal(l, 'POST', url(s.id), { payload: body }), 401, 'AUTH.API_KEY_REQUIRED');
        // Not on the public port.
        expect((await post(ctx.t, url(s.id), body)).statusCode).toBe(404);
        expect(await h.snapshot(s.id)).toEqual(before);
      });

      it('payments:write is platform-only: a key bound to a tenant cannot be issued with it', async () => {
        const tenantId = await createTenant(ctx.t, operator);
        const before = await ctx.db.query(`SELECT id FROM access.api_keys WHERE application_id = $1 ORDER BY id`, [appId]);
        const res = await post(
          ctx.t,
          `/v1/applications/${appId}/api-keys`,
          { name: 'bound billing', scopes: ['entitlements:read', 'payments:write'], tenant_id: tenantId },
          operator.accessToken,
        );
        const p = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
        expect(p.errors).toEqual([
          { path: 'scopes', message: 'payments:write cannot be given to a key bound to one tenant', rule: 'ACCESS.PLATFORM_SCOPE' },
        ]);
        expect(await ctx.db.query(`SELECT id FROM access.api_keys WHERE application_id = $1 ORDER BY id`, [appId])).toEqual(before);
        // Without it, the same key is fine.
        const ok = await createApiKey(ctx.t, operator, appId, { name: 'bound reader', scopes: ['entitlements:read'], tenant_id: tenantId });
        expect(ok).toMatchObject({ scopes: ['entitlements:read'], tenant_id: tenantId });
      });
    });
  });

  describe('scheduled changes at the end of the period', () => {
    it('a scheduled downgrade applies at the end of the period: the plan changes, the renewal charges the new price, subscription.changed downgraded', async () => {
      const { user, sub } = await h.trialAt('2027-09-01T10:00:00Z');
      await h.only(sub.id);
      setNow(ctx.t, '2027-09-05T10:00:00Z');
      const up = await post(ctx.t, '/v1/me/subscription/change', { plan_key: 'business' }, user.accessToken);
      expect(up.statusCode).toBe(200);
      expect(up.json()).toMatchObject({
        status: 'active',
        plan: { key: 'business' },
        current_period_start: '2027-09-05T10:00:00.000Z',
        current_period_end: '2027-10-05T10:00:00.000Z',
      });
      const [business] = await h.charges(sub.id);
      expect(business).toMatchObject({ kind: 'initial', plan_key: 'business', amount: '9900' });
      await paid(sub.id, business.id);
      const down = await post(ctx.t, '/v1/me/subscription/change', { plan_key: 'pro' }, user.accessToken);
      expect(down.statusCode).toBe(200);
      expect(down.json()).toMatchObject({ plan: { key: 'business' }, scheduled_plan: 'pro' });

      expect(await runClock(ctx.t, '2027-10-05T09:59:59.999Z')).toEqual(NOTHING);
      expect((await h.subRow(sub.id)).plan_key).toBe('business');
      expect(await runClock(ctx.t, '2027-10-05T10:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { renewed: 1 }, failed: 0 });
      const after = await h.subRow(sub.id);
      expect(after).toMatchObject({
        status: 'active',
        plan_key: 'pro',
        scheduled_plan_key: null,
        current_period_start: new Date('2027-10-05T10:00:00Z'),
        current_period_end: new Date('2027-11-05T10:00:00Z'),
      });
      const [, renewal, ...none] = await h.charges(sub.id);
      expect(none).toEqual([]);
      expect(renewal).toMatchObject({
        kind: 'renewal',
        plan_key: 'pro',
        amount: '2900',
        status: 'pending',
        period_start: new Date('2027-10-05T10:00:00Z'),
        period_end: new Date('2027-11-05T10:00:00Z'),
      });
      expect((await h.outbox(sub.id)).slice(-2)).toEqual([
        {
          type: 'subscription.changed',
          version: 1,
          tenant_id: null,
          aggregate_type: 'subscription',
          actor: CLOCK_ACTOR,
          payload: {
            ...stateOf(after),
            change: 'downgraded',
            previous_plan: 'business',
            previous_status: 'active',
            charge_id: null,
            amount: 0,
          },
        },
        {
          type: 'subscription.renewed',
          version: 1,
          tenant_id: null,
          aggregate_type: 'subscription',
          actor: CLOCK_ACTOR,
          payload: { ...stateOf(after), charge_id: renewal.id, amount: 2900 },
        },
      ]);
      expect((await h.audits(sub.id)).slice(-2).map((a) => [a.action, a.data.from, a.data.to, a.data.plan])).toEqual([
        ['subscription.downgraded', 'business', 'pro', 'pro'],
        ['subscription.renewed', undefined, undefined, 'pro'],
      ]);
    });

    it('a cancellation scheduled for the end of the period: canceled then (reason period_end), no charge', async () => {
      const { user, sub } = await h.trialAt('2027-05-01T06:00:00Z');
      await h.only(sub.id);
      await runClock(ctx.t, '2027-05-15T06:00:00Z');
      const [initial] = await h.charges(sub.id);
      await paid(sub.id, initial.id);
      setNow(ctx.t, '2027-05-20T06:00:00Z');
      const res = await post(ctx.t, '/v1/me/subscription/cancel', { at_period_end: true }, user.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'active', cancel_at_period_end: true });

      expect(await runClock(ctx.t, '2027-06-15T05:59:59.999Z')).toEqual(NOTHING);
      expect(await runClock(ctx.t, '2027-06-15T06:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { canceled: 1 }, failed: 0 });
      const after = await h.subRow(sub.id);
      expect(after).toMatchObject({
        status: 'canceled',
        canceled_at: new Date('2027-06-15T06:00:00Z'),
        ended_at: new Date('2027-06-15T06:00:00Z'),
        current_period_end: new Date('2027-06-15T06:00:00Z'),
        scheduled_plan_key: null,
      });
      expect((await h.charges(sub.id)).map((c) => c.id)).toEqual([initial.id]);
      expect((await h.outbox(sub.id)).at(-1)).toEqual({
        type: 'subscription.canceled',
        version: 1,
        tenant_id: null,
        aggregate_type: 'subscription',
        actor: CLOCK_ACTOR,
        payload: { ...stateOf(after), reason: 'period_end', canceled_at: '2027-06-15T06:00:00.000Z' },
      });
      expect((await h.audits(sub.id)).at(-1)).toMatchObject({
        action: 'subscription.canceled',
        ...CLOCK_AUDIT,
        data: { status: 'canceled', reason: 'period_end', previous_status: 'active' },
      });
      expect((await get(ctx.t, '/v1/me/subscription', user.accessToken)).json()).toMatchObject({ status: 'canceled', open_charges: [] });
      expect(await runClock(ctx.t, '2027-07-15T06:00:00Z')).toEqual(NOTHING);
    });

    it('a trial canceled at its end: canceled at the trial end, trial.ended reason canceled, no charge', async () => {
      const { user, sub } = await h.trialAt('2027-08-01T06:00:00Z');
      await h.only(sub.id);
      setNow(ctx.t, '2027-08-03T06:00:00Z');
      expect((await post(ctx.t, '/v1/me/subscription/cancel', {}, user.accessToken)).json()).toMatchObject({
        status: 'trialing',
        cancel_at_period_end: true,
      });
      // A late clock: the trial ended on the 15th, the clock runs on the 20th.
      expect(await runClock(ctx.t, '2027-08-20T00:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { canceled: 1 }, failed: 0 });
      const after = await h.subRow(sub.id);
      expect(after).toMatchObject({
        status: 'canceled',
        canceled_at: new Date('2027-08-15T06:00:00Z'),
        ended_at: new Date('2027-08-15T06:00:00Z'),
      });
      expect(await h.charges(sub.id)).toEqual([]);
      const events = await h.outbox(sub.id);
      expect(events.map((e) => e.type)).toEqual(['subscription.started', 'subscription.changed', 'trial.ended', 'subscription.canceled']);
      expect(events[2].payload).toEqual({ ...stateOf(after), reason: 'canceled', ended_at: '2027-08-15T06:00:00.000Z' });
      expect(events[3].payload).toEqual({ ...stateOf(after), reason: 'period_end', canceled_at: '2027-08-15T06:00:00.000Z' });
      expect(events[2].actor).toEqual(CLOCK_ACTOR);
    });
  });

  describe('one runner among replicas', () => {
    it('two applications on one database run their clocks at once: the subscription advances once', async () => {
      const { sub } = await h.trialAt('2029-01-01T00:00:00Z');
      await h.only(sub.id);
      const second = await startTestApp(ctx.db, { env: QUIET_CLOCK });
      try {
        setNow(ctx.t, '2029-01-15T00:00:00Z');
        setNow(second, '2029-01-15T00:00:00Z');
        const runs = await Promise.all([clock().runOnce(), second.get(SubscriptionClock).runOnce()]);
        expect(runs.some((r) => r.ran)).toBe(true);
        expect(runs.reduce((n, r) => n + r.advanced, 0)).toBe(1);
        expect(runs.reduce((n, r) => n + r.failed, 0)).toBe(0);
        for (const r of runs) if (!r.ran) expect(r).toEqual({ ran: false, advanced: 0, steps: {}, failed: 0 });
        expect(await h.charges(sub.id)).toHaveLength(1);
        expect(await h.types(sub.id)).toEqual(['subscription.started', 'trial.ended', 'subscription.renewed']);
        expect((await h.subRow(sub.id)).status).toBe('active');
        // Again, both at once: nothing more.
        const again = await Promise.all([clock().runOnce(), second.get(SubscriptionClock).runOnce()]);
        expect(again.reduce((n, r) => n + r.advanced, 0)).toBe(0);
        expect(await h.charges(sub.id)).toHaveLength(1);
      } finally {
        await second.close();
      }
    });

    it('while someone else holds the lock a run does nothing ({ran: false}); released, it runs', async () => {
      const { sub } = await h.trialAt('2029-03-01T00:00:00Z');
      await h.only(sub.id);
      const holder = new Client({ connectionString: ctx.db.url });
      await holder.connect();
      try {
        const [{ locked }] = (await holder.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(727011801) AS locked`)).rows;
        expect(locked).toBe(true);
        expect(await runClock(ctx.t, '2029-03-15T00:00:00Z')).toEqual({ ran: false, advanced: 0, steps: {}, failed: 0 });
        expect((await h.subRow(sub.id)).status).toBe('trialing');
        expect(await h.charges(sub.id)).toEqual([]);
        await holder.query(`SELECT pg_advisory_unlock(727011801)`);
        expect(await runClock(ctx.t, '2029-03-15T00:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { trial_ended: 1 }, failed: 0 });
        expect((await h.subRow(sub.id)).status).toBe('active');
        // The run released the lock it took: it can be taken again.
        const [{ again }] = (await holder.query<{ again: boolean }>(`SELECT pg_try_advisory_lock(727011801) AS again`)).rows;
        expect(again).toBe(true);
        await holder.query(`SELECT pg_advisory_unlock(727011801)`);
      } finally {
        await holder.end();
      }
    });
  });
});

describe('subscription clock: payment terms and grace period come from the config', () => {
  const ctx = useTestApp({ env: { ...QUIET_CLOCK, SUBSCRIPTION_PAYMENT_TERMS: '1d', SUBSCRIPTION_GRACE_PERIOD: '2d' } });
  const h = helpers(ctx);

  afterAll(() => setNow(ctx.t, null));

  it('past_due one day after the charge, expired two days after that', async () => {
    const { user, sub } = await h.trialAt('2027-01-10T09:00:00Z');
    await h.only(sub.id);
    await runClock(ctx.t, '2027-01-24T09:00:00Z');
    expect(await runClock(ctx.t, '2027-01-25T08:59:59.999Z')).toEqual(NOTHING);
    expect(await runClock(ctx.t, '2027-01-25T09:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { past_due: 1 }, failed: 0 });
    expect(await h.subRow(sub.id)).toMatchObject({ status: 'past_due', past_due_since: new Date('2027-01-25T09:00:00Z') });
    expect((await h.audits(sub.id)).at(-1)?.data).toMatchObject({ reason: 'unpaid', payment_terms_ms: DAY });
    expect(await runClock(ctx.t, '2027-01-27T08:59:59.999Z')).toEqual(NOTHING);
    expect(await runClock(ctx.t, '2027-01-27T09:00:00Z')).toEqual({ ran: true, advanced: 1, steps: { expired: 1 }, failed: 0 });
    expect(await h.subRow(sub.id)).toMatchObject({ status: 'expired', ended_at: new Date('2027-01-27T09:00:00Z'), past_due_since: null });
    const mine = await get(ctx.t, '/v1/me/subscription', user.accessToken);
    expect(mine.json()).toMatchObject({ id: sub.id, status: 'expired' });
  });
});
