import { OutboxDispatcher, uuidv7 } from '@user-engine/kernel';
import { get, post, signUp, type SignedIn } from './support/account';
import { featureProbeRegistry } from './support/feature-probe.module';
import { expectProblem } from './support/problems';
import { createTenant, makeOperator, tenantToken } from './support/tenancy';
import { claimsOf, mySubscription, setNow, subscriptionsOf, waitForSubscription } from './support/subscription';
import { eventually, type TestApp, useTestApp } from './support/test-app';
import type { TestDatabase } from './support/test-database';

// Trials (DESIGN §8): `user.created` and `tenant.created` start one trial per subject, ever, on the
// trial plan, for the subjects the configuration names; without the subscription module nothing
// starts, tokens name no plan and feature-gated routes refuse.

const DAY = 86_400_000;
const USER_HANDLER = 'integration.subscription.user-created';
const TENANT_HANDLER = 'integration.subscription.tenant-created';

interface EventRow {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

/** A "now" with milliseconds, so that the stored instants are compared exactly. */
function fixedNow(): Date {
  const now = new Date();
  now.setUTCMilliseconds(321);
  return now;
}

/** The single event of `type` on `aggregateId`, once the dispatcher has finished with it. */
function settledEvent(db: TestDatabase, type: string, aggregateId: string): Promise<EventRow> {
  return eventually(
    async () => {
      const rows = await db.query<EventRow>(
        `SELECT id, status, attempts, last_error FROM kernel.outbox WHERE type = $1 AND aggregate_id = $2`,
        [type, aggregateId],
      );
      if (rows.length > 1) throw new Error(`${rows.length} ${type} events for ${aggregateId}`);
      return rows[0]?.status === 'pending' ? undefined : rows[0];
    },
    15_000,
    `${type} of ${aggregateId}`,
  );
}

/** Waits until the handler has recorded the event in its inbox (the reaction has run and committed). */
function handled(db: TestDatabase, eventId: string, handler: string): Promise<true> {
  return eventually(
    async () =>
      (await db.query(`SELECT 1 FROM kernel.inbox WHERE event_id = $1 AND handler = $2`, [eventId, handler])).length === 1 || undefined,
    15_000,
    `${handler} of ${eventId}`,
  );
}

/**
 * Runs `change` on the outbox with this app's dispatcher stopped, then dispatches by hand: the
 * events it made pending are delivered before the test goes on (as integration-reactions does).
 */
async function dispatchAfter(t: TestApp, change: () => Promise<unknown>): Promise<void> {
  const dispatcher = t.get(OutboxDispatcher);
  await dispatcher.stop();
  try {
    await change();
    await dispatcher.dispatchBatch();
  } finally {
    dispatcher.start();
  }
}

const eventRow = async (db: TestDatabase, id: string) =>
  (await db.query<EventRow>(`SELECT id, status, attempts, last_error FROM kernel.outbox WHERE id = $1`, [id]))[0];

/** Publishes the same event again under a new id (a producer that repeated itself) and delivers it. */
async function republish(t: TestApp, db: TestDatabase, eventId: string, handler: string): Promise<string> {
  const id = uuidv7();
  await dispatchAfter(t, () =>
    db.query(
      `INSERT INTO kernel.outbox (id, type, version, tenant_id, aggregate_type, aggregate_id, actor, request_id, occurred_at, payload)
       SELECT $2, type, version, tenant_id, aggregate_type, aggregate_id, actor, request_id, now(), payload FROM kernel.outbox WHERE id = $1`,
      [eventId, id],
    ),
  );
  expect(await eventRow(db, id)).toEqual({ id, status: 'delivered', attempts: 0, last_error: null });
  await handled(db, id, handler);
  return id;
}

/** The same event id delivered again after its inbox record is gone (a crash before the delivered mark, a renamed handler). */
async function redeliverWithoutInbox(t: TestApp, db: TestDatabase, eventId: string, handler: string): Promise<void> {
  await dispatchAfter(t, async () => {
    await db.query(`DELETE FROM kernel.inbox WHERE event_id = $1 AND handler = $2`, [eventId, handler]);
    await db.query(`UPDATE kernel.outbox SET status = 'pending', delivered_at = NULL, next_attempt_at = now() WHERE id = $1`, [eventId]);
  });
  expect(await eventRow(db, eventId)).toEqual({ id: eventId, status: 'delivered', attempts: 0, last_error: null });
  await handled(db, eventId, handler);
}

const trialsOf = (db: TestDatabase, subjectId: string) =>
  db.query<Record<string, unknown>>(
    `SELECT subject_type, subject_id, tenant_id, subscription_id, plan_key, started_at, ends_at FROM subscription.trials WHERE subject_id = $1`,
    [subjectId],
  );

const subscriptionEventsOf = (db: TestDatabase, subscriptionId: string) =>
  db.query<Record<string, unknown>>(
    `SELECT type, version, tenant_id, aggregate_type, aggregate_id, actor, payload FROM kernel.outbox
      WHERE aggregate_type = 'subscription' AND aggregate_id = $1 ORDER BY id`,
    [subscriptionId],
  );

/** Sign-up with the user.created reaction finished (so that "no trial" is a fact, not a race). */
async function signUpSettled(t: TestApp, db: TestDatabase): Promise<{ user: SignedIn; event: EventRow }> {
  const user = await signUp(t, db);
  const event = await settledEvent(db, 'user.created', user.userId);
  return { user, event };
}

async function createTenantSettled(t: TestApp, db: TestDatabase, owner: SignedIn): Promise<{ tenant: string; event: EventRow }> {
  const tenant = await createTenant(t, owner);
  const event = await settledEvent(db, 'tenant.created', tenant);
  return { tenant, event };
}

describe('subscription: trials on sign-up and tenant creation (default configuration)', () => {
  const ctx = useTestApp();

  afterEach(() => setNow(ctx.t, null));

  it('sign-up starts a user trial on pro ending exactly 14 days later; subscription.started (trial) is published and the trial recorded', async () => {
    const { t, db } = ctx;
    const now = fixedNow();
    const ends = new Date(now.getTime() + 14 * DAY);
    setNow(t, now);
    const user = await signUp(t, db);
    const sub = await waitForSubscription(db, user.userId);

    expect(await subscriptionsOf(db, user.userId)).toEqual([
      expect.objectContaining({
        id: sub.id,
        subject_type: 'user',
        subject_id: user.userId,
        tenant_id: null,
        plan_key: 'pro',
        status: 'trialing',
        anchor_day: ends.getUTCDate(),
        trial_ends_at: ends,
        current_period_start: now,
        current_period_end: ends,
        cancel_at_period_end: false,
        scheduled_plan_key: null,
        past_due_since: null,
        canceled_at: null,
        ended_at: null,
        created_at: now,
        updated_at: now,
      }),
    ]);
    expect(await trialsOf(db, user.userId)).toEqual([
      {
        subject_type: 'user',
        subject_id: user.userId,
        tenant_id: null,
        subscription_id: sub.id,
        plan_key: 'pro',
        started_at: now,
        ends_at: ends,
      },
    ]);
    expect(await subscriptionEventsOf(db, sub.id)).toEqual([
      {
        type: 'subscription.started',
        version: 1,
        tenant_id: null,
        aggregate_type: 'subscription',
        aggregate_id: sub.id,
        actor: { type: 'system', id: 'subscription' },
        payload: {
          subscription_id: sub.id,
          subject_type: 'user',
          subject_id: user.userId,
          tenant_id: null,
          plan: 'pro',
          status: 'trialing',
          trial_ends_at: ends.toISOString(),
          current_period_start: now.toISOString(),
          current_period_end: ends.toISOString(),
          cancel_at_period_end: false,
          scheduled_plan: null,
          reason: 'trial',
          charge_id: null,
          amount: 0,
        },
      },
    ]);
    // Audited in the platform chain (a user's subscription belongs to no tenant), by the reaction.
    expect(
      await db.query(
        `SELECT tenant_id, actor_type, actor_id, action, outcome, resource_type, data FROM kernel.audit_log WHERE resource_id = $1`,
        [sub.id],
      ),
    ).toEqual([
      {
        tenant_id: null,
        actor_type: 'system',
        actor_id: 'subscription',
        action: 'subscription.started',
        outcome: 'success',
        resource_type: 'subscription',
        data: {
          subject_type: 'user',
          subject_id: user.userId,
          plan: 'pro',
          status: 'trialing',
          reason: 'trial',
          trial_ends_at: ends.toISOString(),
        },
      },
    ]);
    const event = await settledEvent(db, 'user.created', user.userId);
    expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
    await handled(db, event.id, USER_HANDLER);

    const res = await mySubscription(t, user);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: sub.id,
      subject_type: 'user',
      subject_id: user.userId,
      tenant_id: null,
      status: 'trialing',
      plan: { key: 'pro', price: 2900, seats: 25, trial_days: 14, status: 'active' },
      scheduled_plan: null,
      trial_ends_at: ends.toISOString(),
      current_period_start: now.toISOString(),
      current_period_end: ends.toISOString(),
      cancel_at_period_end: false,
      past_due_since: null,
      canceled_at: null,
      ended_at: null,
      open_charges: [],
    });
    // No charge for a trial.
    expect(await db.query(`SELECT id FROM subscription.charges WHERE subscription_id = $1`, [sub.id])).toEqual([]);
  });

  it('creating a tenant starts the tenant’s own trial (tenant_id = subject_id), visible to its owner, not to a stranger', async () => {
    const { t, db } = ctx;
    const owner = await signUp(t, db);
    await waitForSubscription(db, owner.userId);
    const now = fixedNow();
    const ends = new Date(now.getTime() + 14 * DAY);
    setNow(t, now);
    const tenant = await createTenant(t, owner);
    const sub = await waitForSubscription(db, tenant);

    expect(await subscriptionsOf(db, tenant)).toEqual([
      expect.objectContaining({
        id: sub.id,
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        plan_key: 'pro',
        status: 'trialing',
        trial_ends_at: ends,
        current_period_start: now,
        current_period_end: ends,
        cancel_at_period_end: false,
        scheduled_plan_key: null,
        ended_at: null,
      }),
    ]);
    expect(await trialsOf(db, tenant)).toEqual([
      {
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        subscription_id: sub.id,
        plan_key: 'pro',
        started_at: now,
        ends_at: ends,
      },
    ]);
    const events = await subscriptionEventsOf(db, sub.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'subscription.started',
      tenant_id: tenant,
      payload: {
        subject_type: 'tenant',
        subject_id: tenant,
        tenant_id: tenant,
        plan: 'pro',
        status: 'trialing',
        reason: 'trial',
        amount: 0,
      },
    });
    // The owner's own trial is untouched by the tenant's.
    expect((await subscriptionsOf(db, owner.userId)).map((s) => [s.subject_type, s.plan_key, s.status])).toEqual([
      ['user', 'pro', 'trialing'],
    ]);

    const mine = await get(t, `/v1/tenants/${tenant}/subscription`, owner.accessToken);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ id: sub.id, subject_type: 'tenant', subject_id: tenant, tenant_id: tenant, status: 'trialing' });
    const stranger = await signUp(t, db);
    expectProblem(await get(t, `/v1/tenants/${tenant}/subscription`, stranger.accessToken), 404, 'TENANCY.NOT_FOUND');
  });

  it('one trial per user, ever: user.created redelivered (same id, or again under a new id) starts nothing; nor after the trial was canceled', async () => {
    const { t, db } = ctx;
    const user = await signUp(t, db);
    const sub = await waitForSubscription(db, user.userId);
    const event = await settledEvent(db, 'user.created', user.userId);
    await handled(db, event.id, USER_HANDLER);
    const before = await subscriptionsOf(db, user.userId);
    const trial = await trialsOf(db, user.userId);
    expect(before).toHaveLength(1);
    expect(trial).toHaveLength(1);

    // The same event id, its inbox record gone: the reaction runs again and finds the current trial.
    await redeliverWithoutInbox(t, db, event.id, USER_HANDLER);
    expect(await subscriptionsOf(db, user.userId)).toEqual(before);
    expect(await trialsOf(db, user.userId)).toEqual(trial);

    // The same payload under a new event id: still the one subscription.
    await republish(t, db, event.id, USER_HANDLER);
    expect(await subscriptionsOf(db, user.userId)).toEqual(before);
    expect(await trialsOf(db, user.userId)).toEqual(trial);
    expect(await subscriptionEventsOf(db, sub.id)).toHaveLength(1);

    // Canceled at once: the subject has no current subscription, but it had its trial.
    const canceled = await post(t, '/v1/me/subscription/cancel', { at_period_end: false }, user.accessToken);
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({ id: sub.id, status: 'canceled' });
    await republish(t, db, event.id, USER_HANDLER);
    await redeliverWithoutInbox(t, db, event.id, USER_HANDLER);
    const after = await subscriptionsOf(db, user.userId);
    expect(after.map((s) => [s.id, s.status])).toEqual([[sub.id, 'canceled']]);
    expect(await trialsOf(db, user.userId)).toEqual(trial);
    const res = await mySubscription(t, user);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: sub.id, status: 'canceled', plan: { key: 'pro' } });
    // Its token names no plan any more (a user-scoped token never carries one; the tenant-scoped one is checked in the seats suite).
    expect(claimsOf(user.accessToken).plan).toBeUndefined();
  });

  it('one trial per tenant, ever: tenant.created again after the trial was canceled starts nothing', async () => {
    const { t, db } = ctx;
    const owner = await signUp(t, db);
    const tenant = await createTenant(t, owner);
    const sub = await waitForSubscription(db, tenant);
    const event = await settledEvent(db, 'tenant.created', tenant);
    await handled(db, event.id, TENANT_HANDLER);
    const trial = await trialsOf(db, tenant);

    await redeliverWithoutInbox(t, db, event.id, TENANT_HANDLER);
    expect((await subscriptionsOf(db, tenant)).map((s) => [s.id, s.status])).toEqual([[sub.id, 'trialing']]);

    const canceled = await post(t, `/v1/tenants/${tenant}/subscription/cancel`, { at_period_end: false }, owner.accessToken);
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({ id: sub.id, status: 'canceled' });
    await republish(t, db, event.id, TENANT_HANDLER);
    expect((await subscriptionsOf(db, tenant)).map((s) => [s.id, s.status])).toEqual([[sub.id, 'canceled']]);
    expect(await trialsOf(db, tenant)).toEqual(trial);
  });

  it('an archived trial plan starts no trial (sign-up and tenant creation still work); restored, new subjects get theirs again', async () => {
    const { t, db } = ctx;
    const operator = await signUp(t, db);
    await makeOperator(db, operator);
    const archived = await post(t, '/v1/plans/pro/archive', {}, operator.accessToken);
    expect(archived.statusCode).toBe(200);
    expect(archived.json()).toMatchObject({ key: 'pro', status: 'archived' });
    try {
      const { user, event } = await signUpSettled(t, db);
      expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
      await handled(db, event.id, USER_HANDLER);
      expect(await subscriptionsOf(db, user.userId)).toEqual([]);
      expect(await trialsOf(db, user.userId)).toEqual([]);
      expectProblem(await mySubscription(t, user), 404, 'SUBSCRIPTION.NOT_FOUND');
      expect((await get(t, '/v1/me', user.accessToken)).statusCode).toBe(200);
      expect(t.logs.some((l) => JSON.stringify(l).includes(`no trial for user ${user.userId}`))).toBe(true);

      const { tenant, event: created } = await createTenantSettled(t, db, user);
      await handled(db, created.id, TENANT_HANDLER);
      expect(await subscriptionsOf(db, tenant)).toEqual([]);
      expect(claimsOf(await tenantToken(t, user, tenant)).plan).toBeNull();
    } finally {
      const restored = await post(t, '/v1/plans/pro/restore', {}, operator.accessToken);
      expect(restored.statusCode).toBe(200);
    }
    const later = await signUp(t, db);
    expect(await waitForSubscription(db, later.userId)).toMatchObject({ plan_key: 'pro', status: 'trialing' });
  });
});

describe('subscription: SUBSCRIPTION_TRIAL_SUBJECTS=tenant', () => {
  const ctx = useTestApp({ env: { SUBSCRIPTION_TRIAL_SUBJECTS: 'tenant' } });

  it('users get no trial; tenants do', async () => {
    const { t, db } = ctx;
    const { user, event } = await signUpSettled(t, db);
    await handled(db, event.id, USER_HANDLER);
    const { tenant } = await createTenantSettled(t, db, user);
    expect(await waitForSubscription(db, tenant)).toMatchObject({ subject_type: 'tenant', plan_key: 'pro', status: 'trialing' });
    expect(await subscriptionsOf(db, user.userId)).toEqual([]);
    expect(await trialsOf(db, user.userId)).toEqual([]);
    expectProblem(await mySubscription(t, user), 404, 'SUBSCRIPTION.NOT_FOUND');
    expect(claimsOf(await tenantToken(t, user, tenant)).plan).toBe('pro');
  });
});

describe('subscription: SUBSCRIPTION_TRIAL_SUBJECTS=user', () => {
  const ctx = useTestApp({ env: { SUBSCRIPTION_TRIAL_SUBJECTS: 'user' } });

  it('tenants get no trial; users do (and a member’s token falls back to their own plan)', async () => {
    const { t, db } = ctx;
    const user = await signUp(t, db);
    expect(await waitForSubscription(db, user.userId)).toMatchObject({ subject_type: 'user', plan_key: 'pro', status: 'trialing' });
    const { tenant, event } = await createTenantSettled(t, db, user);
    await handled(db, event.id, TENANT_HANDLER);
    expect(await subscriptionsOf(db, tenant)).toEqual([]);
    expect(await trialsOf(db, tenant)).toEqual([]);
    expectProblem(await get(t, `/v1/tenants/${tenant}/subscription`, user.accessToken), 404, 'SUBSCRIPTION.NOT_FOUND');
    expect(claimsOf(await tenantToken(t, user, tenant)).plan).toBe('pro');
    const ent = await get(t, `/v1/tenants/${tenant}/entitlements`, user.accessToken);
    expect(ent.statusCode).toBe(200);
    expect(ent.json()).toMatchObject({ plan: 'pro', source: 'user', status: null, seats: { limit: null, used: 1 } });
  });
});

describe('subscription: SUBSCRIPTION_TRIAL_PLAN naming no plan', () => {
  const ctx = useTestApp({ env: { SUBSCRIPTION_TRIAL_PLAN: 'no-such-plan' } });

  it('starts no trial for anyone; sign-up and tenant creation still work', async () => {
    const { t, db } = ctx;
    const { user, event } = await signUpSettled(t, db);
    expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
    await handled(db, event.id, USER_HANDLER);
    const { tenant, event: created } = await createTenantSettled(t, db, user);
    expect(created).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
    await handled(db, created.id, TENANT_HANDLER);
    expect(await db.query(`SELECT count(*)::int AS n FROM subscription.subscriptions`)).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM subscription.trials`)).toEqual([{ n: 0 }]);
    expect(claimsOf(await tenantToken(t, user, tenant)).plan).toBeNull();
    // The catalog itself is seeded as usual.
    const plans = await get(t, '/v1/plans');
    expect(plans.statusCode).toBe(200);
    expect(plans.json<{ items: { key: string }[] }>().items.map((p) => p.key)).toEqual(['free', 'pro', 'business']);
  });
});

describe('subscription: MODULES without subscription', () => {
  const ctx = useTestApp({ registry: featureProbeRegistry(['account', 'profile', 'tenancy', 'access', 'integration']) });

  it('sign-up works, tokens name no plan, nothing is stored, plan routes are 404 and feature-gated routes refuse', async () => {
    const { t, db } = ctx;
    const { user, event } = await signUpSettled(t, db);
    expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
    expect((await get(t, '/v1/me', user.accessToken)).statusCode).toBe(200);
    // The integration module mounted no subscription reaction.
    expect(
      await db.query(`SELECT handler FROM kernel.inbox WHERE event_id = $1 AND handler LIKE 'integration.subscription.%'`, [event.id]),
    ).toEqual([]);
    const { tenant, event: created } = await createTenantSettled(t, db, user);
    expect(created).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });

    const token = await tenantToken(t, user, tenant);
    expect(claimsOf(token)).toMatchObject({ tid: tenant, plan: null });

    // The schema is there (migrations always run), empty.
    expect(await db.query(`SELECT to_regclass('subscription.subscriptions')::text AS t`)).toEqual([{ t: 'subscription.subscriptions' }]);
    for (const table of ['subscriptions', 'trials', 'charges', 'membership_plans', 'plans']) {
      expect(await db.query(`SELECT count(*)::int AS n FROM subscription.${table}`)).toEqual([{ n: 0 }]);
    }

    expectProblem(await get(t, '/v1/plans'), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expectProblem(await get(t, '/v1/me/subscription', user.accessToken), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expectProblem(await get(t, `/v1/tenants/${tenant}/entitlements`, user.accessToken), 404, 'KERNEL.ROUTE_NOT_FOUND');

    const sso = expectProblem(
      await get(t, `/v1/feature-probe/tenants/${tenant}/sso`, user.accessToken),
      403,
      'SUBSCRIPTION.FEATURE_NOT_INCLUDED',
    );
    expect(sso).toMatchObject({ feature: 'sso', plan: null });
    const calls = expectProblem(
      await get(t, `/v1/feature-probe/tenants/${tenant}/api-calls`, token),
      403,
      'SUBSCRIPTION.FEATURE_NOT_INCLUDED',
    );
    expect(calls).toMatchObject({ feature: 'api_calls', plan: null });
    const mine = expectProblem(await get(t, '/v1/feature-probe/me/sso', user.accessToken), 403, 'SUBSCRIPTION.FEATURE_NOT_INCLUDED');
    expect(mine).toMatchObject({ feature: 'sso', plan: null });
    // Membership still decides first: a stranger is told the tenant does not exist.
    const stranger = await signUp(t, db);
    expectProblem(await get(t, `/v1/feature-probe/tenants/${tenant}/sso`, stranger.accessToken), 404, 'TENANCY.NOT_FOUND');
  });
});
