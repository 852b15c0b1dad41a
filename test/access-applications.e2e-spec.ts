import { get, post, signUp, type SignedIn } from './support/account';
import { createTenant, makeOperator, patch } from './support/tenancy';
import { useTestApp } from './support/test-app';

describe('applications (platform operators)', () => {
  const ctx = useTestApp();
  let operator: SignedIn;
  let owner: SignedIn;

  beforeAll(async () => {
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    owner = await signUp(ctx.t, ctx.db);
    await createTenant(ctx.t, owner); // a tenant owner is still not a platform operator
  });

  const rows = () => ctx.db.query<{ key: string; status: string }>(`SELECT key, status FROM access.applications ORDER BY id`);

  it('an operator registers an application: 201, the row, the audit entry', async () => {
    const res = await post(
      ctx.t,
      '/v1/applications',
      { key: 'billing', name: ' Billing service ', description: 'Invoices' },
      operator.accessToken,
    );
    expect(res.statusCode).toBe(201);
    const app = res.json<{ id: string }>();
    expect(app).toEqual({
      id: expect.any(String),
      key: 'billing',
      name: 'Billing service',
      description: 'Invoices',
      status: 'active',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      disabled_at: null,
    });
    expect(await rows()).toEqual([{ key: 'billing', status: 'active' }]);
    const [audit] = await ctx.db.query(
      `SELECT actor_id, tenant_id, data FROM kernel.audit_log WHERE action = 'application.registered' AND resource_id = $1`,
      [app.id],
    );
    expect(audit).toEqual({ actor_id: operator.userId, tenant_id: null, data: { key: 'billing', name: 'Billing service' } });
  });

  it('a taken key is 409 and writes nothing; bad input is 400 and writes nothing', async () => {
    const taken = await post(ctx.t, '/v1/applications', { key: 'billing', name: 'Again' }, operator.accessToken);
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'ACCESS.APPLICATION_KEY_TAKEN', errors: [expect.objectContaining({ path: 'key' })] });
    for (const [body, path] of [
      [{ name: 'No key' }, 'key'],
      [{ key: 'B', name: 'Upper' }, 'key'],
      [{ key: 'x', name: 'Too short' }, 'key'],
      [{ key: 'a'.repeat(33), name: 'Too long' }, 'key'],
      [{ key: 'crm', name: '' }, 'name'],
      [{ key: 'crm', name: 'Line\nbreak' }, 'name'],
      [{ key: 'crm', name: 'x', description: 'd'.repeat(1001) }, 'description'],
      [{ key: 'crm', name: 'x', extra: 1 }, 'extra'],
    ] as [object, string][]) {
      const res = await post(ctx.t, '/v1/applications', body, operator.accessToken);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'KERNEL.VALIDATION_FAILED',
        errors: expect.arrayContaining([expect.objectContaining({ path })]),
      });
    }
    expect(await rows()).toEqual([{ key: 'billing', status: 'active' }]);
  });

  it('a tenant owner (or any non-operator) gets 403 on every application route and changes nothing; anonymous 401', async () => {
    const [{ id }] = await ctx.db.query<{ id: string }>(`SELECT id FROM access.applications WHERE key = 'billing'`);
    for (const res of [
      await post(ctx.t, '/v1/applications', { key: 'crm', name: 'CRM' }, owner.accessToken),
      await get(ctx.t, '/v1/applications', owner.accessToken),
      await get(ctx.t, `/v1/applications/${id}`, owner.accessToken),
      await patch(ctx.t, `/v1/applications/${id}`, { name: 'Hijacked' }, owner.accessToken),
      await post(ctx.t, `/v1/applications/${id}/disable`, {}, owner.accessToken),
    ]) {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'AUTHZ.FORBIDDEN', reason: 'not_platform_operator' });
    }
    expect((await get(ctx.t, '/v1/applications')).statusCode).toBe(401);
    expect(await rows()).toEqual([{ key: 'billing', status: 'active' }]);
  });

  it('lists (paginated, by status), gets, renames, disables and enables; unknown ids are 404', async () => {
    for (const key of ['crm', 'search']) {
      expect((await post(ctx.t, '/v1/applications', { key, name: key.toUpperCase() }, operator.accessToken)).statusCode).toBe(201);
    }
    const first = await get(ctx.t, '/v1/applications?limit=2', operator.accessToken);
    const page1 = first.json<{ items: { id: string; key: string }[]; next_cursor: string }>();
    expect(page1.items.map((a) => a.key)).toEqual(['billing', 'crm']);
    const page2 = (await get(ctx.t, `/v1/applications?limit=2&cursor=${page1.next_cursor}`, operator.accessToken)).json<{
      items: { key: string }[];
      next_cursor: null;
    }>();
    expect(page2).toEqual({ items: [expect.objectContaining({ key: 'search' })], next_cursor: null });
    expect((await get(ctx.t, '/v1/applications?cursor=forged', operator.accessToken)).json().code).toBe('KERNEL.INVALID_CURSOR');

    const id = page1.items[0].id;
    expect((await get(ctx.t, `/v1/applications/${id}`, operator.accessToken)).json()).toMatchObject({ key: 'billing' });
    const renamed = await patch(ctx.t, `/v1/applications/${id}`, { name: 'Billing', description: null }, operator.accessToken);
    expect(renamed.json()).toMatchObject({ key: 'billing', name: 'Billing', description: null });
    expect((await patch(ctx.t, `/v1/applications/${id}`, {}, operator.accessToken)).statusCode).toBe(400);
    expect((await patch(ctx.t, `/v1/applications/${id}`, { name: null }, operator.accessToken)).statusCode).toBe(400);
    expect((await patch(ctx.t, `/v1/applications/${id}`, { key: 'other' }, operator.accessToken)).statusCode).toBe(400);

    const disabled = await post(ctx.t, `/v1/applications/${id}/disable`, {}, operator.accessToken);
    expect(disabled.json()).toMatchObject({ status: 'disabled', disabled_at: expect.any(String) });
    const onlyDisabled = (await get(ctx.t, '/v1/applications?status=disabled', operator.accessToken)).json<{ items: { key: string }[] }>();
    expect(onlyDisabled.items.map((a) => a.key)).toEqual(['billing']);
    expect((await post(ctx.t, `/v1/applications/${id}/enable`, {}, operator.accessToken)).json()).toMatchObject({
      status: 'active',
      disabled_at: null,
    });
    const actions = await ctx.db.query<{ action: string }>(
      `SELECT action FROM kernel.audit_log WHERE resource_id = $1 AND action LIKE 'application.%' ORDER BY id`,
      [id],
    );
    expect(actions.map((a) => a.action)).toEqual([
      'application.registered',
      'application.updated',
      'application.disabled',
      'application.enabled',
    ]);

    const unknown = '0190a4d6-aaaa-7000-8000-00000000000a';
    for (const res of [
      await get(ctx.t, `/v1/applications/${unknown}`, operator.accessToken),
      await patch(ctx.t, `/v1/applications/${unknown}`, { name: 'x' }, operator.accessToken),
      await post(ctx.t, `/v1/applications/${unknown}/disable`, {}, operator.accessToken),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('ACCESS.APPLICATION_NOT_FOUND');
    }
    expect((await get(ctx.t, '/v1/applications/not-a-uuid', operator.accessToken)).statusCode).toBe(400);
  });
});
