import { del, get, post, signUp } from './support/account';
import { addMember, createTenant, invitationToken, patch, put, tenantToken, uniqueSlug } from './support/tenancy';
import { waitForSubscription } from './support/subscription';
import { eventually, startTestApp, useTestApp } from './support/test-app';

describe('tenancy journey', () => {
  const ctx = useTestApp();

  it('create → invite a newcomer → register, verify, accept → roles → tenant token → suspend → diagnostics → audit', async () => {
    const { t, db } = ctx;
    const owner = await signUp(t, db);
    const slug = uniqueSlug();
    const created = await post(t, '/v1/tenants', { name: 'Acme', slug }, owner.accessToken);
    expect(created.statusCode).toBe(201);
    const tenant = created.json<{ id: string; slug: string; status: string }>();
    expect(tenant).toMatchObject({ slug, status: 'active' });
    const T = `/v1/tenants/${tenant.id}`;

    const mine = await get(t, '/v1/tenants', owner.accessToken);
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items).toEqual([
      expect.objectContaining({ id: tenant.id, membership: expect.objectContaining({ roles: ['owner'] }) }),
    ]);

    const me = await get(t, '/v1/me', owner.accessToken);
    expect(me.json().memberships).toEqual([expect.objectContaining({ tenant_id: tenant.id, roles: ['owner'], status: 'active' })]);

    // A newcomer: invited before they have an account.
    const email = `newcomer.${Date.now()}@example.com`;
    const inv = await post(t, `${T}/invitations`, { email, roles: ['editor'] }, owner.accessToken);
    expect(inv.statusCode).toBe(201);
    const token = await invitationToken(db, email);
    const bob = await signUp(t, db, { email });
    const accepted = await post(t, '/v1/invitations/accept', { token }, bob.accessToken);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ tenant_id: tenant.id, user_id: bob.userId, roles: ['editor'], status: 'active' });
    expect((await post(t, '/v1/invitations/accept', { token }, bob.accessToken)).statusCode).toBe(400);

    const members = await get(t, `${T}/members`, bob.accessToken);
    expect(members.statusCode).toBe(200);
    expect(members.json().items).toHaveLength(2);

    // Editors cannot assign roles; owners can.
    expect((await put(t, `${T}/members/${bob.userId}/roles`, { roles: ['admin'] }, bob.accessToken)).statusCode).toBe(403);
    const promoted = await put(t, `${T}/members/${bob.userId}/roles`, { roles: ['admin'] }, owner.accessToken);
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json().roles).toEqual(['admin']);

    // A tenant token carries tid, roles, scp and the plan of the tenant's trial.
    await waitForSubscription(db, tenant.id);
    const tt = await post(t, '/v1/auth/token', { tenant_id: tenant.id }, bob.accessToken);
    expect(tt.statusCode).toBe(200);
    const claims = JSON.parse(Buffer.from(tt.json().access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ tid: tenant.id, roles: ['admin'], plan: 'pro' });
    expect(claims.scp).toContain('members:manage');
    expect((await get(t, T, tt.json().access_token)).statusCode).toBe(200);

    // The token for this tenant is refused in another tenant bob belongs to.
    const other = await createTenant(t, owner, 'Other');
    await addMember(t, db, other, owner);
    const otherTenantOwner = await signUp(t, db);
    const third = await createTenant(t, otherTenantOwner, 'Third');
    expect((await get(t, `/v1/tenants/${third}`, bob.accessToken)).statusCode).toBe(404);

    // Suspension: bob loses the tenant at once.
    expect((await patch(t, `${T}/members/${bob.userId}`, { status: 'suspended' }, owner.accessToken)).statusCode).toBe(200);
    expect((await get(t, T, bob.accessToken)).json().code).toBe('TENANCY.NOT_FOUND');
    expect((await post(t, '/v1/auth/token', { tenant_id: tenant.id }, bob.accessToken)).statusCode).toBe(404);
    // The last owner cannot go.
    const last = await del(t, `${T}/members/${owner.userId}`, owner.accessToken);
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('TENANCY.LAST_OWNER');

    const diag = await get(t, `${T}/diagnostics`, owner.accessToken);
    expect(diag.statusCode).toBe(200);
    expect(diag.json().checks.map((c: { key: string }) => c.key)).toEqual([
      'owners',
      'members',
      'role_bindings',
      'unused_custom_roles',
      'invitations',
      'audit_chain',
      'subscription',
    ]);

    const audit = await get(t, `${T}/audit?action=membership.*`, owner.accessToken);
    expect(audit.statusCode).toBe(200);
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['membership.added', 'membership.roles_changed', 'membership.suspended']),
    );
    const csv = await get(t, `${T}/audit/export?format=csv`, owner.accessToken);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[0]).toMatch(/^id,seq,occurred_at/);
    const tokenForOther = await tenantToken(t, owner, other);
    expect((await get(t, T, tokenForOther)).json().code).toBe('AUTHZ.TENANT_MISMATCH');
  });

  it('refuses control characters in tenant and role names (a name goes into mail subjects and logs)', async () => {
    const { t, db } = ctx;
    const owner = await signUp(t, db);
    const bad = await post(t, '/v1/tenants', { name: 'Acme\r\nBcc: x@example.com', slug: uniqueSlug() }, owner.accessToken);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'KERNEL.VALIDATION_FAILED', errors: [expect.objectContaining({ path: 'name' })] });
    const tenantId = await createTenant(t, owner);
    const role = await post(t, `/v1/tenants/${tenantId}/roles`, { key: 'auditor', name: 'Audi\ttor', permissions: [] }, owner.accessToken);
    expect(role.statusCode).toBe(400);
    expect(await db.query(`SELECT key FROM access.roles WHERE tenant_id = $1`, [tenantId])).toEqual([]);
  });

  it('GET /v1/me shows memberships as they change: at once here, within seconds on another process', async () => {
    const { t, db } = ctx;
    const other = await startTestApp(db);
    try {
      const owner = await signUp(t, db);
      const names = async (app: typeof t) =>
        (await get(app, '/v1/me', owner.accessToken)).json<{ memberships: { tenant_name: string; roles: string[] }[] }>().memberships;
      expect(await names(t)).toEqual([]);
      expect(await names(other)).toEqual([]);
      const tenantId = await createTenant(t, owner, 'Before');
      expect((await names(t)).map((m) => m.tenant_name)).toEqual(['Before']);
      await eventually(async () => (await names(other)).length === 1, 5_000, 'the new membership on the other process');
      expect((await patch(t, `/v1/tenants/${tenantId}`, { name: 'After' }, owner.accessToken)).statusCode).toBe(200);
      expect((await names(t)).map((m) => m.tenant_name)).toEqual(['After']);
      await eventually(async () => (await names(other))[0]?.tenant_name === 'After', 5_000, 'the rename on the other process');
      const member = await addMember(t, db, tenantId, owner);
      const memberNames = async () =>
        (await get(t, '/v1/me', member.accessToken)).json<{ memberships: { roles: string[] }[] }>().memberships;
      expect((await memberNames()).map((m) => m.roles)).toEqual([['viewer']]);
      expect(
        (await put(t, `/v1/tenants/${tenantId}/members/${member.userId}/roles`, { roles: ['editor'] }, owner.accessToken)).statusCode,
      ).toBe(200);
      expect((await memberNames()).map((m) => m.roles)).toEqual([['editor']]);
      expect((await del(t, `/v1/tenants/${tenantId}/members/${member.userId}`, member.accessToken)).statusCode).toBe(204);
      expect(await memberNames()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
