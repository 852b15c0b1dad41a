import type { LightMyRequestResponse } from 'fastify';
import { get, post, signUp, type SignedIn } from './support/account';
import { expectProblem } from './support/problems';
import { setNow, subscriptionsOf, waitForSubscription } from './support/subscription';
import { createTenant, makeOperator, patch } from './support/tenancy';
import { useTestApp } from './support/test-app';
import type { TestDatabase } from './support/test-database';

const T = (tenantId: string) => `/v1/tenants/${tenantId}`;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

interface PlanBody {
  key: string;
  name: string;
  description: string | null;
  price: number;
  currency: string;
  interval: string;
  trial_days: number;
  seats: number | null;
  features: Record<string, boolean | number>;
  status: string;
  created_at: string;
  updated_at: string;
}

/** The seeded catalog (DEFAULT_PLANS with the configured defaults: EUR, 14 trial days). */
const FREE = {
  key: 'free',
  name: 'Free',
  description: 'For trying things out.',
  price: 0,
  currency: 'EUR',
  interval: 'month',
  trial_days: 0,
  seats: 3,
  features: { api_calls: 1000, audit_export: false, sso: false },
  status: 'active',
  created_at: ISO,
  updated_at: ISO,
};
const PRO = {
  key: 'pro',
  name: 'Pro',
  description: 'For growing teams.',
  price: 2900,
  currency: 'EUR',
  interval: 'month',
  trial_days: 14,
  seats: 25,
  features: { api_calls: 100000, audit_export: true, sso: false },
  status: 'active',
  created_at: ISO,
  updated_at: ISO,
};
const BUSINESS = {
  key: 'business',
  name: 'Business',
  description: 'Unlimited seats and single sign-on.',
  price: 9900,
  currency: 'EUR',
  interval: 'month',
  trial_days: 14,
  seats: null,
  features: { api_calls: 1000000, audit_export: true, sso: true },
  status: 'active',
  created_at: ISO,
  updated_at: ISO,
};

/** Every plan as stored, by key. */
function plansTable(db: TestDatabase) {
  return db.query(`SELECT * FROM subscription.plans ORDER BY key`);
}

async function planRow(db: TestDatabase, key: string) {
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT key, name, description, price::text AS price, currency, interval, trial_days, seats, features, status FROM subscription.plans WHERE key = $1`,
    [key],
  );
  return row;
}

function planAudits(db: TestDatabase, key: string) {
  return db.query<{
    action: string;
    actor_type: string;
    actor_id: string;
    tenant_id: string | null;
    outcome: string;
    resource_type: string;
    data: Record<string, unknown>;
  }>(
    `SELECT action, actor_type, actor_id, tenant_id, outcome, resource_type, data FROM kernel.audit_log
      WHERE resource_type = 'plan' AND resource_id = $1 ORDER BY occurred_at, id`,
    [key],
  );
}

async function auditCount(db: TestDatabase): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel.audit_log WHERE action LIKE 'plan.%'`);
  return n;
}

/** A 400 validation problem whose errors name exactly these paths. */
function expectInvalid(res: LightMyRequestResponse, paths: string[]) {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect([...new Set((body.errors ?? []).map((e) => e.path))].sort()).toEqual([...paths].sort());
  return body;
}

function expectForbidden(res: LightMyRequestResponse, reason: string) {
  const body = expectProblem(res, 403, 'AUTHZ.FORBIDDEN');
  expect(body.reason).toBe(reason);
}

describe('subscription plans: the catalog', () => {
  const ctx = useTestApp({ env: { SUBSCRIPTION_CLOCK_INTERVAL: '1h' } });
  let operator: SignedIn;
  let user: SignedIn;

  const raw = (method: 'POST' | 'PATCH', url: string, payload: string, token?: string) =>
    ctx.t.inject({
      method,
      url,
      payload,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  beforeAll(async () => {
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    user = await signUp(ctx.t, ctx.db);
  });

  describe('reading (public)', () => {
    it('GET /v1/plans without a token lists the seeded catalog, cheapest first, exactly', async () => {
      const res = await get(ctx.t, '/v1/plans');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ items: [FREE, PRO, BUSINESS] });
      const rows = await ctx.db.query<{ key: string; price: string; currency: string }>(
        `SELECT key, price::text AS price, currency FROM subscription.plans ORDER BY price`,
      );
      expect(rows).toEqual([
        { key: 'free', price: '0', currency: 'EUR' },
        { key: 'pro', price: '2900', currency: 'EUR' },
        { key: 'business', price: '9900', currency: 'EUR' },
      ]);
    });

    it('GET /v1/plans/{key} answers one plan, with or without a token', async () => {
      const anon = await get(ctx.t, '/v1/plans/pro');
      expect(anon.statusCode).toBe(200);
      expect(anon.json()).toEqual(PRO);
      const signed = await get(ctx.t, '/v1/plans/business', user.accessToken);
      expect(signed.statusCode).toBe(200);
      expect(signed.json()).toEqual(BUSINESS);
    });

    it('an unknown or malformed key → 404 SUBSCRIPTION.PLAN_NOT_FOUND naming it', async () => {
      expect(expectProblem(await get(ctx.t, '/v1/plans/platinum'), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND').plan).toBe('platinum');
      expect(expectProblem(await get(ctx.t, '/v1/plans/Pro'), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND').plan).toBe('Pro');
      expect(expectProblem(await get(ctx.t, '/v1/plans/bad_key'), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND').plan).toBe('bad_key');
      expect(expectProblem(await get(ctx.t, '/v1/plans/1pro'), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND').plan).toBe('1pro');
      const long = 'p'.repeat(60);
      expect(expectProblem(await get(ctx.t, `/v1/plans/${long}`), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND').plan).toBe('p'.repeat(40));
    });
  });

  describe('POST /v1/plans', () => {
    it('an operator creates a plan: 201, trimmed name, currency and trial days from the config; stored and audited', async () => {
      const before = await auditCount(ctx.db);
      const res = await post(
        ctx.t,
        '/v1/plans',
        { key: 'team', name: '  Team  ', price: 4900, interval: 'month', seats: 10, features: { sso: true, api_calls: 5000 } },
        operator.accessToken,
      );
      expect(res.statusCode).toBe(201);
      const expected = {
        key: 'team',
        name: 'Team',
        description: null,
        price: 4900,
        currency: 'EUR',
        interval: 'month',
        trial_days: 14,
        seats: 10,
        features: { api_calls: 5000, sso: true },
        status: 'active',
        created_at: ISO,
        updated_at: ISO,
      };
      expect(res.json()).toEqual(expected);
      expect(await planRow(ctx.db, 'team')).toEqual({
        key: 'team',
        name: 'Team',
        description: null,
        price: '4900',
        currency: 'EUR',
        interval: 'month',
        trial_days: 14,
        seats: 10,
        features: { api_calls: 5000, sso: true },
        status: 'active',
      });
      expect(await planAudits(ctx.db, 'team')).toEqual([
        {
          action: 'plan.created',
          actor_type: 'user',
          actor_id: operator.userId,
          tenant_id: null,
          outcome: 'success',
          resource_type: 'plan',
          data: { price: 4900, currency: 'EUR', interval: 'month', seats: 10, trial_days: 14 },
        },
      ]);
      expect(await auditCount(ctx.db)).toBe(before + 1);
      // Readable at once, and listed between pro (2900) and business (9900).
      expect((await get(ctx.t, '/v1/plans/team')).json()).toEqual(expected);
      expect((await get(ctx.t, '/v1/plans')).json<{ items: PlanBody[] }>().items.map((p) => p.key)).toEqual([
        'free',
        'pro',
        'team',
        'business',
      ]);
    });

    it('explicit currency (upper-cased), trial days, unlimited seats, description, no features; a yearly plan', async () => {
      const res = await post(
        ctx.t,
        '/v1/plans',
        {
          key: 'global-yearly',
          name: 'Global',
          description: 'Billed yearly.',
          price: 50000,
          currency: 'usd',
          interval: 'year',
          trial_days: 0,
          seats: null,
        },
        operator.accessToken,
      );
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        key: 'global-yearly',
        name: 'Global',
        description: 'Billed yearly.',
        price: 50000,
        currency: 'USD',
        interval: 'year',
        trial_days: 0,
        seats: null,
        features: {},
        status: 'active',
        created_at: ISO,
        updated_at: ISO,
      });
      expect(await planRow(ctx.db, 'global-yearly')).toMatchObject({
        currency: 'USD',
        interval: 'year',
        trial_days: 0,
        seats: null,
        features: {},
      });
      expect((await planAudits(ctx.db, 'global-yearly')).map((a) => a.data)).toEqual([
        { price: 50000, currency: 'USD', interval: 'year', seats: null, trial_days: 0 },
      ]);
    });

    it('a free plan (price 0) and a one-character key are accepted', async () => {
      const res = await post(ctx.t, '/v1/plans', { key: 'x', name: 'X', price: 0, interval: 'month' }, operator.accessToken);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ key: 'x', price: 0, currency: 'EUR', trial_days: 14, seats: null, features: {} });
    });

    it('an existing key → 409 SUBSCRIPTION.PLAN_EXISTS; the plan stays as it was, nothing audited', async () => {
      const table = await plansTable(ctx.db);
      const audits = await auditCount(ctx.db);
      const res = await post(ctx.t, '/v1/plans', { key: 'pro', name: 'Pro 2', price: 1, interval: 'month' }, operator.accessToken);
      expect(expectProblem(res, 409, 'SUBSCRIPTION.PLAN_EXISTS').plan).toBe('pro');
      const again = await post(ctx.t, '/v1/plans', { key: 'team', name: 'Team', price: 4900, interval: 'month' }, operator.accessToken);
      expectProblem(again, 409, 'SUBSCRIPTION.PLAN_EXISTS');
      expect(await plansTable(ctx.db)).toEqual(table);
      expect(await auditCount(ctx.db)).toBe(audits);
    });

    it('a non-operator → 403 AUTHZ.FORBIDDEN, anonymous → 401; nothing created', async () => {
      const table = await plansTable(ctx.db);
      const body = { key: 'sneaky', name: 'Sneaky', price: 0, interval: 'month' };
      expectForbidden(await post(ctx.t, '/v1/plans', body, user.accessToken), 'not_platform_operator');
      expectProblem(await post(ctx.t, '/v1/plans', body), 401, 'AUTH.UNAUTHENTICATED');
      expect(await plansTable(ctx.db)).toEqual(table);
      expect(await planRow(ctx.db, 'sneaky')).toBeUndefined();
    });

    const GOOD = { key: 'valid-key', name: 'Valid', price: 1000, interval: 'month' };
    it.each<[string, Record<string, unknown>, string[]]>([
      ['key with an upper-case letter', { key: 'Bad' }, ['key']],
      ['key with an underscore', { key: 'bad_key' }, ['key']],
      ['key starting with a digit', { key: '1abc' }, ['key']],
      ['key too long (41)', { key: 'k'.repeat(41) }, ['key']],
      ['key missing', { key: undefined }, ['key']],
      ['key a number', { key: 42 }, ['key']],
      ['name empty', { name: '' }, ['name']],
      ['name missing', { name: undefined }, ['name']],
      ['name with a line break', { name: 'a\nb' }, ['name']],
      ['name 101 characters', { name: 'n'.repeat(101) }, ['name']],
      ['description empty', { description: '' }, ['description']],
      ['negative price', { price: -1 }, ['price']],
      ['float price', { price: 9.99 }, ['price']],
      ['price as a string', { price: '1000' }, ['price']],
      ['price missing', { price: undefined }, ['price']],
      ['price over the maximum', { price: 10_000_000_001 }, ['price']],
      ['unassigned currency XYZ', { currency: 'XYZ' }, ['currency']],
      ['currency eur1', { currency: 'eur1' }, ['currency']],
      ['currency of two letters', { currency: 'EU' }, ['currency']],
      ['currency a number', { currency: 978 }, ['currency']],
      ['interval week', { interval: 'week' }, ['interval']],
      ['interval missing', { interval: undefined }, ['interval']],
      ['trial_days 400', { trial_days: 400 }, ['trial_days']],
      ['trial_days -1', { trial_days: -1 }, ['trial_days']],
      ['trial_days 1.5', { trial_days: 1.5 }, ['trial_days']],
      ['seats 0', { seats: 0 }, ['seats']],
      ['seats -3', { seats: -3 }, ['seats']],
      ['seats 2.5', { seats: 2.5 }, ['seats']],
      ['a non-boolean feature', { features: { sso: 'yes' } }, ['features.sso']],
      ['a negative feature limit', { features: { api_calls: -5 } }, ['features.api_calls']],
      ['a fractional feature limit', { features: { api_calls: 1.5 } }, ['features.api_calls']],
      ['a null feature', { features: { sso: null } }, ['features.sso']],
      ['a malformed feature key', { features: { 'Bad Key': true } }, ['features.Bad Key']],
      ['features an array', { features: ['sso'] }, ['features']],
      ['an unknown field', { status: 'archived' }, ['status']],
      ['another unknown field', { created_at: '2020-01-01T00:00:00Z' }, ['created_at']],
    ])('bad input: %s → 400 naming the field, nothing created or audited', async (_label, change, paths) => {
      const table = await plansTable(ctx.db);
      const audits = await auditCount(ctx.db);
      const body: Record<string, unknown> = { ...GOOD, ...change };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      expectInvalid(await post(ctx.t, '/v1/plans', body, operator.accessToken), paths);
      expect(await plansTable(ctx.db)).toEqual(table);
      expect(await auditCount(ctx.db)).toBe(audits);
    });

    it('every rule broken at once: each field error reported, with its message and rule', async () => {
      const table = await plansTable(ctx.db);
      const res = await post(
        ctx.t,
        '/v1/plans',
        { key: 'Bad', name: 'Bad', price: -1, currency: 'XYZ', interval: 'week', trial_days: 400, seats: 0, features: { sso: 'yes' } },
        operator.accessToken,
      );
      const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
      expect(body.errors).toEqual([
        { path: 'key', message: 'key must be 1–40 lower-case letters, digits or hyphens, starting with a letter', rule: 'matches' },
        { path: 'price', message: 'price must be an integer number of minor units from 0 to 10000000000', rule: 'isPrice' },
        { path: 'currency', message: 'currency must be an ISO 4217 code such as EUR', rule: 'isCurrency' },
        { path: 'interval', message: 'interval must be month or year', rule: 'isIn' },
        { path: 'trial_days', message: 'trial_days must be an integer from 0 to 365', rule: 'isInt' },
        { path: 'seats', message: 'seats must be a positive integer, or null for unlimited', rule: 'isInt' },
        { path: 'features.sso', message: 'a feature is true/false or a non-negative integer limit', rule: 'isEntitlement' },
      ]);
      expect(await plansTable(ctx.db)).toEqual(table);
    });

    it('malformed JSON → 400 KERNEL.MALFORMED_JSON; an empty body → 400 naming the required fields', async () => {
      const table = await plansTable(ctx.db);
      expectProblem(await raw('POST', '/v1/plans', '{"key": "oops", ', operator.accessToken), 400, 'KERNEL.MALFORMED_JSON');
      expectInvalid(await post(ctx.t, '/v1/plans', {}, operator.accessToken), ['key', 'name', 'price', 'interval']);
      expect(await plansTable(ctx.db)).toEqual(table);
    });
  });

  describe('PATCH /v1/plans/{key}', () => {
    beforeAll(async () => {
      const res = await post(
        ctx.t,
        '/v1/plans',
        { key: 'growth', name: 'Growth', price: 3900, interval: 'month', seats: 15, features: { api_calls: 200000, sso: false } },
        operator.accessToken,
      );
      expect(res.statusCode).toBe(201);
    });

    it('an operator changes name, price, seats and features (replaced as a whole); stored; audited with the changed fields', async () => {
      const created = (await get(ctx.t, '/v1/plans/growth')).json<PlanBody>();
      const res = await patch(
        ctx.t,
        '/v1/plans/growth',
        { name: 'Growth Plus', price: 4500, seats: null, features: { sso: true, audit_export: true } },
        operator.accessToken,
      );
      expect(res.statusCode).toBe(200);
      const body = res.json<PlanBody>();
      expect(body).toEqual({
        key: 'growth',
        name: 'Growth Plus',
        description: null,
        price: 4500,
        currency: 'EUR',
        interval: 'month',
        trial_days: 14,
        seats: null,
        features: { audit_export: true, sso: true },
        status: 'active',
        created_at: created.created_at,
        updated_at: ISO,
      });
      expect(new Date(body.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(created.updated_at).getTime());
      expect(await planRow(ctx.db, 'growth')).toEqual({
        key: 'growth',
        name: 'Growth Plus',
        description: null,
        price: '4500',
        currency: 'EUR',
        interval: 'month',
        trial_days: 14,
        seats: null,
        features: { audit_export: true, sso: true },
        status: 'active',
      });
      const audits = await planAudits(ctx.db, 'growth');
      expect(audits.map((a) => a.action)).toEqual(['plan.created', 'plan.updated']);
      expect(audits[1]).toEqual({
        action: 'plan.updated',
        actor_type: 'user',
        actor_id: operator.userId,
        tenant_id: null,
        outcome: 'success',
        resource_type: 'plan',
        data: { changes: ['features', 'name', 'price', 'seats'] },
      });
      expect((await get(ctx.t, '/v1/plans/growth')).json()).toEqual(body);
    });

    it('a description is set, then cleared with null; trial days change', async () => {
      const set = await patch(ctx.t, '/v1/plans/growth', { description: 'For scale-ups.', trial_days: 30 }, operator.accessToken);
      expect(set.statusCode).toBe(200);
      expect(set.json()).toMatchObject({ description: 'For scale-ups.', trial_days: 30 });
      const cleared = await patch(ctx.t, '/v1/plans/growth', { description: null }, operator.accessToken);
      expect(cleared.statusCode).toBe(200);
      expect(cleared.json()).toMatchObject({ description: null, trial_days: 30, name: 'Growth Plus' });
      expect(await planRow(ctx.db, 'growth')).toMatchObject({ description: null, trial_days: 30 });
      expect((await planAudits(ctx.db, 'growth')).slice(-2).map((a) => a.data)).toEqual([
        { changes: ['description', 'trial_days'] },
        { changes: ['description'] },
      ]);
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['currency (fixed)', { currency: 'USD' }, ['currency']],
      ['interval (fixed)', { interval: 'year' }, ['interval']],
      ['key (fixed)', { key: 'other' }, ['key']],
      ['status', { status: 'archived' }, ['status']],
      ['an unknown field beside a valid one', { name: 'Fine', color: 'red' }, ['color']],
      ['negative price', { price: -1 }, ['price']],
      ['float price', { price: 10.5 }, ['price']],
      ['trial_days 366', { trial_days: 366 }, ['trial_days']],
      ['seats 0', { seats: 0 }, ['seats']],
      ['a non-boolean feature', { features: { sso: 'on' } }, ['features.sso']],
      ['a negative feature limit', { features: { api_calls: -1 } }, ['features.api_calls']],
      ['name empty', { name: '' }, ['name']],
      ['name null', { name: null }, ['name']],
      ['price null', { price: null }, ['price']],
    ])('bad input: %s → 400 naming the field; the plan unchanged, nothing audited', async (_label, body, paths) => {
      const table = await plansTable(ctx.db);
      const audits = await auditCount(ctx.db);
      expectInvalid(await patch(ctx.t, '/v1/plans/growth', body, operator.accessToken), paths);
      expect(await plansTable(ctx.db)).toEqual(table);
      expect(await auditCount(ctx.db)).toBe(audits);
    });

    it('an empty body → 400 (nothing to change); malformed JSON → 400; the plan unchanged', async () => {
      const table = await plansTable(ctx.db);
      const audits = await auditCount(ctx.db);
      const body = expectProblem(await patch(ctx.t, '/v1/plans/growth', {}, operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      expect(body.errors).toEqual([{ path: 'body', message: 'give at least one field to change', rule: 'atLeastOne' }]);
      expectProblem(await raw('PATCH', '/v1/plans/growth', '{"name": ', operator.accessToken), 400, 'KERNEL.MALFORMED_JSON');
      expect(await plansTable(ctx.db)).toEqual(table);
      expect(await auditCount(ctx.db)).toBe(audits);
    });

    it('an unknown or malformed key → 404 SUBSCRIPTION.PLAN_NOT_FOUND', async () => {
      const table = await plansTable(ctx.db);
      expect(
        expectProblem(await patch(ctx.t, '/v1/plans/platinum', { name: 'P' }, operator.accessToken), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND')
          .plan,
      ).toBe('platinum');
      expectProblem(await patch(ctx.t, '/v1/plans/Bad_Key', { name: 'P' }, operator.accessToken), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND');
      expect(await plansTable(ctx.db)).toEqual(table);
    });

    it('a non-operator → 403 AUTHZ.FORBIDDEN, anonymous → 401; the plan unchanged', async () => {
      const table = await plansTable(ctx.db);
      expectForbidden(await patch(ctx.t, '/v1/plans/growth', { price: 1 }, user.accessToken), 'not_platform_operator');
      expectForbidden(await patch(ctx.t, '/v1/plans/pro', { price: 1 }, user.accessToken), 'not_platform_operator');
      expectProblem(await patch(ctx.t, '/v1/plans/growth', { price: 1 }), 401, 'AUTH.UNAUTHENTICATED');
      expect(await plansTable(ctx.db)).toEqual(table);
    });
  });

  describe('archive and restore', () => {
    let owner: SignedIn;
    let onStarter: string;
    let other: string;

    beforeAll(async () => {
      setNow(ctx.t, '2027-02-01T10:00:00.000Z');
      const created = await post(
        ctx.t,
        '/v1/plans',
        { key: 'starter', name: 'Starter', price: 1900, interval: 'month', trial_days: 0, seats: 5 },
        operator.accessToken,
      );
      expect(created.statusCode).toBe(201);
      owner = await signUp(ctx.t, ctx.db);
      onStarter = await createTenant(ctx.t, owner, 'On Starter');
      other = await createTenant(ctx.t, owner, 'Other');
      await waitForSubscription(ctx.db, onStarter);
      await waitForSubscription(ctx.db, other);
      // onStarter ends its trial and buys starter: a paid subscription on it.
      expect((await post(ctx.t, `${T(onStarter)}/subscription/cancel`, { at_period_end: false }, owner.accessToken)).statusCode).toBe(200);
      const bought = await post(ctx.t, `${T(onStarter)}/subscription/change`, { plan_key: 'starter' }, owner.accessToken);
      expect(bought.statusCode).toBe(200);
      expect(bought.json()).toMatchObject({ status: 'active', plan: { key: 'starter' } });
    });

    afterAll(() => setNow(ctx.t, null));

    it('an operator archives a plan: 200 with status archived; audited with its subscriber count', async () => {
      const res = await post(ctx.t, '/v1/plans/starter/archive', {}, operator.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        key: 'starter',
        name: 'Starter',
        description: null,
        price: 1900,
        currency: 'EUR',
        interval: 'month',
        trial_days: 0,
        seats: 5,
        features: {},
        status: 'archived',
        created_at: ISO,
        updated_at: ISO,
      });
      expect(await planRow(ctx.db, 'starter')).toMatchObject({ status: 'archived' });
      const audits = await planAudits(ctx.db, 'starter');
      expect(audits.map((a) => a.action)).toEqual(['plan.created', 'plan.archived']);
      expect(audits[1]).toEqual({
        action: 'plan.archived',
        actor_type: 'user',
        actor_id: operator.userId,
        tenant_id: null,
        outcome: 'success',
        resource_type: 'plan',
        data: { subscribers: 1 },
      });
    });

    it('archiving again changes nothing and audits nothing', async () => {
      const table = await plansTable(ctx.db);
      const res = await post(ctx.t, '/v1/plans/starter/archive', {}, operator.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ key: 'starter', status: 'archived' });
      expect(await plansTable(ctx.db)).toEqual(table);
      expect((await planAudits(ctx.db, 'starter')).map((a) => a.action)).toEqual(['plan.created', 'plan.archived']);
    });

    it('GET /v1/plans leaves it out; GET /v1/plans/{key} still answers it; GET /v1/admin/plans lists it', async () => {
      const list = (await get(ctx.t, '/v1/plans')).json<{ items: PlanBody[] }>().items;
      expect(list.map((p) => p.key)).not.toContain('starter');
      expect(list.every((p) => p.status === 'active')).toBe(true);
      const one = await get(ctx.t, '/v1/plans/starter');
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({ key: 'starter', status: 'archived', price: 1900 });
      const admin = await get(ctx.t, '/v1/admin/plans', operator.accessToken);
      expect(admin.statusCode).toBe(200);
      const items = admin.json<{ items: PlanBody[] }>().items;
      const rows = await ctx.db.query<{ key: string; status: string }>(`SELECT key, status FROM subscription.plans ORDER BY price, key`);
      expect(items.map((p) => ({ key: p.key, status: p.status }))).toEqual(rows);
      expect(items.find((p) => p.key === 'starter')).toMatchObject({ status: 'archived' });
      expect(items.map((p) => p.key)).toEqual(expect.arrayContaining(['free', 'pro', 'business', 'starter']));
      expect(list.map((p) => p.key)).toEqual(rows.filter((r) => r.status === 'active').map((r) => r.key));
    });

    it('GET /v1/admin/plans: a non-operator → 403, anonymous → 401', async () => {
      expectForbidden(await get(ctx.t, '/v1/admin/plans', user.accessToken), 'not_platform_operator');
      expectProblem(await get(ctx.t, '/v1/admin/plans'), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('a subscriber keeps the archived plan: GET T/subscription shows it; asking for it again is SAME_PLAN', async () => {
      const res = await get(ctx.t, `${T(onStarter)}/subscription`, owner.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        subject_type: 'tenant',
        subject_id: onStarter,
        status: 'active',
        plan: { key: 'starter', status: 'archived', price: 1900 },
        scheduled_plan: null,
      });
      const [row] = await subscriptionsOf(ctx.db, onStarter);
      expect(row).toMatchObject({ plan_key: 'starter', status: 'active' });
      expectProblem(
        await post(ctx.t, `${T(onStarter)}/subscription/change`, { plan_key: 'starter' }, owner.accessToken),
        409,
        'SUBSCRIPTION.SAME_PLAN',
      );
      expect((await subscriptionsOf(ctx.db, onStarter))[0]).toEqual(row);
    });

    it('nobody new can choose it: a change to it → 409 SUBSCRIPTION.PLAN_ARCHIVED, the subscription unchanged', async () => {
      const before = await subscriptionsOf(ctx.db, other);
      const res = await post(ctx.t, `${T(other)}/subscription/change`, { plan_key: 'starter' }, owner.accessToken);
      expect(expectProblem(res, 409, 'SUBSCRIPTION.PLAN_ARCHIVED').plan).toBe('starter');
      expect(await subscriptionsOf(ctx.db, other)).toEqual(before);
      expect(before[0]).toMatchObject({ plan_key: 'pro', status: 'trialing', scheduled_plan_key: null });
      // The user's own subscription too.
      const mine = await post(ctx.t, '/v1/me/subscription/change', { plan_key: 'starter' }, owner.accessToken);
      expectProblem(mine, 409, 'SUBSCRIPTION.PLAN_ARCHIVED');
    });

    it('archive/restore: a non-operator → 403, anonymous → 401, unknown or malformed key → 404; nothing changes', async () => {
      const table = await plansTable(ctx.db);
      const audits = await auditCount(ctx.db);
      for (const action of ['archive', 'restore']) {
        expectForbidden(await post(ctx.t, `/v1/plans/starter/${action}`, {}, user.accessToken), 'not_platform_operator');
        expectForbidden(await post(ctx.t, `/v1/plans/pro/${action}`, {}, user.accessToken), 'not_platform_operator');
        expectProblem(await post(ctx.t, `/v1/plans/starter/${action}`, {}), 401, 'AUTH.UNAUTHENTICATED');
        expect(
          expectProblem(await post(ctx.t, `/v1/plans/platinum/${action}`, {}, operator.accessToken), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND')
            .plan,
        ).toBe('platinum');
        expectProblem(await post(ctx.t, `/v1/plans/Bad_Key/${action}`, {}, operator.accessToken), 404, 'SUBSCRIPTION.PLAN_NOT_FOUND');
      }
      expect(await plansTable(ctx.db)).toEqual(table);
      expect(await auditCount(ctx.db)).toBe(audits);
    });

    it('an operator restores it: listed again, audited, and it can be chosen again', async () => {
      const res = await post(ctx.t, '/v1/plans/starter/restore', {}, operator.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ key: 'starter', status: 'active' });
      expect(await planRow(ctx.db, 'starter')).toMatchObject({ status: 'active' });
      const audits = await planAudits(ctx.db, 'starter');
      expect(audits.map((a) => a.action)).toEqual(['plan.created', 'plan.archived', 'plan.restored']);
      expect(audits[2]).toMatchObject({ actor_id: operator.userId, tenant_id: null, data: { subscribers: 1 } });
      expect((await get(ctx.t, '/v1/plans')).json<{ items: PlanBody[] }>().items.map((p) => p.key)).toContain('starter');
      // Cheaper than pro: a downgrade, scheduled for the end of the trial.
      const change = await post(ctx.t, `${T(other)}/subscription/change`, { plan_key: 'starter' }, owner.accessToken);
      expect(change.statusCode).toBe(200);
      expect(change.json()).toMatchObject({ status: 'trialing', plan: { key: 'pro' }, scheduled_plan: 'starter' });
      // Restoring again changes nothing.
      expect((await post(ctx.t, '/v1/plans/starter/restore', {}, operator.accessToken)).statusCode).toBe(200);
      expect((await planAudits(ctx.db, 'starter')).length).toBe(3);
    });
  });
});
