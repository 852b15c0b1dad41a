import { del, get, post, signUp } from './support/account';
import { addMember, createTenant, invitationToken, makeOperator, patch, put, tenantToken } from './support/tenancy';
import { eventually, useTestApp } from './support/test-app';

/** Rules found in review: tenant-scoped tokens, delegated authority, operators' lifecycle, input edges. */
describe('access hardening', () => {
  const ctx = useTestApp();

  describe('a tenant-scoped token stays in its tenant', () => {
    it('cannot mint other tokens, create tenants, list the user’s tenants or manage the account; it may read /v1/me and sign out', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const a = await createTenant(t, owner, 'A');
      const b = await createTenant(t, owner, 'B');
      const scoped = await tenantToken(t, owner, a);
      for (const res of [
        await post(t, '/v1/auth/token', { tenant_id: b }, scoped),
        await post(t, '/v1/tenants', { name: 'C', slug: `c-${Date.now()}` }, scoped),
        await get(t, '/v1/tenants', scoped),
        await get(t, '/v1/me/sessions', scoped),
        await post(t, '/v1/me/password', { current_password: owner.password, new_password: 'another long passphrase 77' }, scoped),
      ]) {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 'AUTHZ.TENANT_TOKEN', reason: 'tenant_scoped_token' });
      }
      // Allowed with the unscoped token of the same session, and reading who you are with the scoped one.
      expect((await post(t, '/v1/auth/token', { tenant_id: b }, owner.accessToken)).statusCode).toBe(200);
      expect((await get(t, '/v1/me', scoped)).statusCode).toBe(200);
      expect((await get(t, '/v1/permissions', scoped)).statusCode).toBe(200);
      expect(await db.query(`SELECT count(*)::int AS n FROM tenancy.tenants WHERE name = 'C'`)).toEqual([{ n: 0 }]);
    });

    it("an operator's tenant-scoped token is limited by its scp and never reaches platform routes", async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const a = await createTenant(t, owner, 'A');
      const operator = await addMember(t, db, a, owner, ['viewer']);
      await makeOperator(db, operator);
      const other = await createTenant(t, await signUp(t, db), 'Other');
      const scoped = await tenantToken(t, operator, a); // scp: the viewer permissions
      // Unscoped: the operator passes everywhere.
      expect((await get(t, `/v1/tenants/${other}/audit`, operator.accessToken)).statusCode).toBe(200);
      expect((await get(t, '/v1/admin/tenants', operator.accessToken)).statusCode).toBe(200);
      // Scoped: only what the token carries, on any tenant; no platform administration at all.
      expect((await get(t, `/v1/tenants/${other}`, scoped)).statusCode).toBe(200);
      const audit = await get(t, `/v1/tenants/${other}/audit`, scoped);
      expect(audit.statusCode).toBe(403);
      expect(audit.json()).toMatchObject({ code: 'AUTHZ.FORBIDDEN', reason: 'token_scope' });
      const admin = await get(t, '/v1/admin/tenants', scoped);
      expect(admin.statusCode).toBe(403);
      expect(admin.json()).toMatchObject({ code: 'AUTHZ.FORBIDDEN', reason: 'token_scope' });
    });
  });

  describe('refused tenant tokens are audited', () => {
    it('in the platform trail, with the tenant in the data (allowed issuance writes no refusal)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const stranger = await signUp(t, db);
      const a = await createTenant(t, owner, 'A');
      expect((await post(t, '/v1/auth/token', { tenant_id: a }, stranger.accessToken)).statusCode).toBe(404);
      expect((await post(t, '/v1/auth/login', { email: stranger.email, password: stranger.password, tenant_id: a })).statusCode).toBe(404);
      expect((await post(t, '/v1/auth/token', { tenant_id: a }, owner.accessToken)).statusCode).toBe(200);
      const rows = await db.query<{ actor_id: string; tenant_id: string | null; data: { tenant_id: string; reason: string } }>(
        `SELECT actor_id, tenant_id, data FROM kernel.audit_log WHERE action = 'auth.tenant_token.refused' AND data->>'tenant_id' = $1`,
        [a],
      );
      expect(rows).toEqual([
        { actor_id: stranger.userId, tenant_id: null, data: { tenant_id: a, reason: 'not_an_active_member' } },
        { actor_id: stranger.userId, tenant_id: null, data: { tenant_id: a, reason: 'not_an_active_member' } },
      ]);
    });
  });

  describe('an invitation carries its inviter’s authority', () => {
    it('is refused at acceptance once the inviter was demoted, and works while they still may grant the roles', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const invitee = await signUp(t, db);
      const invitee2 = await signUp(t, db);
      expect(
        (await post(t, `/v1/tenants/${tenant}/invitations`, { email: invitee.email, roles: ['admin'] }, admin.accessToken)).statusCode,
      ).toBe(201);
      expect(
        (await post(t, `/v1/tenants/${tenant}/invitations`, { email: invitee2.email, roles: ['viewer'] }, admin.accessToken)).statusCode,
      ).toBe(201);
      const token = await invitationToken(db, invitee.email);
      const token2 = await invitationToken(db, invitee2.email);
      // The admin is demoted to editor: the admin invitation dies, the viewer one still stands.
      expect(
        (await put(t, `/v1/tenants/${tenant}/members/${admin.userId}/roles`, { roles: ['editor'] }, owner.accessToken)).statusCode,
      ).toBe(200);
      const refused = await post(t, '/v1/invitations/accept', { token }, invitee.accessToken);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('TENANCY.INVITATION_INVALID');
      expect(
        await db.query(`SELECT user_id FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`, [tenant, invitee.userId]),
      ).toEqual([]);
      expect((await post(t, '/v1/invitations/accept', { token: token2 }, invitee2.accessToken)).statusCode).toBe(200);
    });

    it('can only be re-sent by someone who may grant its roles', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const editor = await addMember(t, db, tenant, owner, ['editor']);
      const inv = await post(
        t,
        `/v1/tenants/${tenant}/invitations`,
        { email: `x.${Date.now()}@example.com`, roles: ['admin'] },
        owner.accessToken,
      );
      const id = inv.json<{ id: string }>().id;
      const refused = await post(t, `/v1/tenants/${tenant}/invitations/${id}/resend`, {}, editor.accessToken);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'AUTHZ.FORBIDDEN', reason: 'grant_exceeds_own_permissions' });
      expect((await post(t, `/v1/tenants/${tenant}/invitations/${id}/resend`, {}, owner.accessToken)).statusCode).toBe(200);
      const [row] = await db.query<{ sent_count: number }>(`SELECT sent_count FROM tenancy.invitations WHERE id = $1`, [id]);
      expect(row.sent_count).toBe(2);
    });

    it('an accept by the wrong account is audited in the tenant trail', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const invited = `y.${Date.now()}@example.com`;
      await post(t, `/v1/tenants/${tenant}/invitations`, { email: invited }, owner.accessToken);
      const wrong = await signUp(t, db);
      expect((await post(t, '/v1/invitations/accept', { token: await invitationToken(db, invited) }, wrong.accessToken)).statusCode).toBe(
        403,
      );
      const rows = await db.query(
        `SELECT actor_id, outcome FROM kernel.audit_log WHERE tenant_id = $1 AND action = 'invitation.accept_refused'`,
        [tenant],
      );
      expect(rows).toEqual([{ actor_id: wrong.userId, outcome: 'denied' }]);
    });
  });

  describe('nobody acts on a member who holds more than they do', () => {
    it('an admin cannot suspend or remove a member whose custom role holds tenants:delete; the owner can', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      expect(
        (
          await post(
            t,
            `/v1/tenants/${tenant}/roles`,
            { key: 'deleter', name: 'Deleter', permissions: ['tenants:delete'], inherits: ['viewer'] },
            owner.accessToken,
          )
        ).statusCode,
      ).toBe(201);
      const strong = await addMember(t, db, tenant, owner, ['deleter']);
      for (const res of [
        await patch(t, `/v1/tenants/${tenant}/members/${strong.userId}`, { status: 'suspended' }, admin.accessToken),
        await del(t, `/v1/tenants/${tenant}/members/${strong.userId}`, admin.accessToken),
      ]) {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 'AUTHZ.FORBIDDEN', reason: 'target_exceeds_own_permissions' });
      }
      expect(
        (await patch(t, `/v1/tenants/${tenant}/members/${strong.userId}`, { status: 'suspended' }, owner.accessToken)).statusCode,
      ).toBe(200);
    });
  });

  describe('platform operators and account erasure', () => {
    it('the last operator cannot erase their account; another operator’s erasure revokes the role', async () => {
      const { t, db } = ctx;
      // Operators made by earlier tests of this suite are not part of this story.
      await db.query(`DELETE FROM access.platform_roles`);
      const first = await signUp(t, db);
      await makeOperator(db, first);
      const refused = await del(t, '/v1/me', first.accessToken);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().code).toBe('ACCESS.LAST_OPERATOR');
      const second = await signUp(t, db);
      expect((await post(t, '/v1/admin/operators', { user_id: second.userId }, first.accessToken)).statusCode).toBe(201);
      expect((await del(t, '/v1/me', second.accessToken)).statusCode).toBe(204);
      await eventually(
        async () => (await db.query(`SELECT 1 FROM access.platform_roles WHERE user_id = $1`, [second.userId])).length === 0,
        10_000,
        'the erased operator’s role revoked',
      );
      const [audit] = await db.query(
        `SELECT actor_id, data FROM kernel.audit_log WHERE action = 'platform_role.revoked' AND resource_id = $1`,
        [second.userId],
      );
      expect(audit).toEqual({ actor_id: 'account-erasure', data: { role: 'platform-operator', reason: 'user_deleted' } });
    });

    it('only an active account can be made an operator', async () => {
      const { t, db } = ctx;
      const op = await signUp(t, db);
      await makeOperator(db, op);
      const target = await signUp(t, db);
      expect((await post(t, `/v1/admin/users/${target.userId}/suspend`, {}, op.accessToken)).statusCode).toBe(200);
      const res = await post(t, '/v1/admin/operators', { user_id: target.userId }, op.accessToken);
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('ACCESS.USER_NOT_ACTIVE');
      expect(await db.query(`SELECT 1 FROM access.platform_roles WHERE user_id = $1`, [target.userId])).toEqual([]);
    });
  });

  describe('input edges', () => {
    it('the nil and max UUIDs are not ids (400, never 500)', async () => {
      const { t, db } = ctx;
      const user = await signUp(t, db);
      for (const id of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']) {
        const token = await post(t, '/v1/auth/token', { tenant_id: id }, user.accessToken);
        expect(token.statusCode).toBe(400);
        expect(token.json().errors).toEqual([expect.objectContaining({ path: 'tenant_id' })]);
        const login = await post(t, '/v1/auth/login', { email: user.email, password: user.password, tenant_id: id });
        expect(login.statusCode).toBe(400);
      }
    });

    it('authz/check: a resource that is not an object is 400; asking about another user’s platform permission is 400', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const member = await addMember(t, db, tenant, owner);
      const arr = await post(t, `/v1/tenants/${tenant}/authz/check`, { permission: 'members:read', resource: [] }, owner.accessToken);
      expect(arr.statusCode).toBe(400);
      const probe = await post(
        t,
        `/v1/tenants/${tenant}/authz/check`,
        { permission: 'platform:users.read', user_id: member.userId },
        owner.accessToken,
      );
      expect(probe.statusCode).toBe(400);
      expect(probe.json().errors).toEqual([expect.objectContaining({ path: 'permission' })]);
      // About yourself, the answer is given.
      const own = await post(t, `/v1/tenants/${tenant}/authz/check`, { permission: 'platform:users.read' }, owner.accessToken);
      expect(own.json()).toEqual({ allowed: false, reason: 'not_platform_operator' });
    });
  });

  describe('role changes and assignments are serial', () => {
    it('a custom role deleted while being assigned: never both (no member keeps a deleted role)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const member = await addMember(t, db, tenant, owner);
      for (let round = 0; round < 5; round++) {
        const key = `temp-${round}`;
        expect(
          (await post(t, `/v1/tenants/${tenant}/roles`, { key, name: 'Temp', permissions: ['tenants:read'] }, owner.accessToken))
            .statusCode,
        ).toBe(201);
        const [assigned, deleted] = await Promise.all([
          put(t, `/v1/tenants/${tenant}/members/${member.userId}/roles`, { roles: [key] }, owner.accessToken),
          del(t, `/v1/tenants/${tenant}/roles/${key}`, owner.accessToken),
        ]);
        expect([assigned.statusCode, deleted.statusCode].sort()).toEqual(assigned.statusCode === 200 ? [200, 409] : [204, 400]);
        const [row] = await db.query<{ roles: string[] }>(`SELECT roles FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`, [
          tenant,
          member.userId,
        ]);
        const exists = (await db.query(`SELECT 1 FROM access.roles WHERE tenant_id = $1 AND key = $2`, [tenant, key])).length === 1;
        for (const r of row.roles) if (r === key) expect(exists).toBe(true);
        // Back to viewer for the next round (the role, if still there, is then unused).
        await put(t, `/v1/tenants/${tenant}/members/${member.userId}/roles`, { roles: ['viewer'] }, owner.accessToken);
      }
    });
  });
});
