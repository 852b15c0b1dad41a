import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { del, get, mailboxCount, post, signIn, signUp, uniqueEmail, GOOD_PASSWORD, type SignedIn } from './support/account';
import { addMember, createTenant, invitationToken, makeOperator } from './support/tenancy';
import { useTestApp } from './support/test-app';
import type { TestApp } from './support/test-app';
import type { TestDatabase } from './support/test-database';
import { expectProblem } from './support/problems';

const T = (tenantId: string) => `/v1/tenants/${tenantId}`;
const UNKNOWN_ID = '0190a4d6-0000-7000-8000-00000000abcd';
const DAY = 86_400_000;

interface Invitation {
  id: string;
  email: string;
  roles: string[];
  status: string;
  invited_by: string;
  created_at: string;
  expires_at: string;
  sent_count: number;
  last_sent_at: string;
  accepted_at: string | null;
}

interface InvitationPage {
  items: Invitation[];
  next_cursor: string | null;
}

interface InvitationRow {
  id: string;
  email: string;
  roles: string[];
  status: string;
  token_hash: Buffer;
  sent_count: number;
  expires_at: Date;
  accepted_by: string | null;
  accepted_at: Date | null;
  revoked_at: Date | null;
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

async function invitationRows(db: TestDatabase, tenantId: string, email?: string): Promise<InvitationRow[]> {
  return db.query<InvitationRow>(
    `SELECT id, email, roles, status, token_hash, sent_count, expires_at, accepted_by, accepted_at, revoked_at
       FROM tenancy.invitations WHERE tenant_id = $1 AND ($2::text IS NULL OR email = $2) ORDER BY id`,
    [tenantId, email?.toLowerCase() ?? null],
  );
}

async function invitationRow(db: TestDatabase, tenantId: string, id: string): Promise<InvitationRow> {
  const [row] = await db.query<InvitationRow>(
    `SELECT id, email, roles, status, token_hash, sent_count, expires_at, accepted_by, accepted_at, revoked_at
       FROM tenancy.invitations WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return row;
}

async function membership(db: TestDatabase, tenantId: string, userId: string) {
  const [row] = await db.query<{ email: string; status: string; roles: string[]; invited_by: string | null }>(
    `SELECT email, status, roles, invited_by FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`,
    [tenantId, userId],
  );
  return row;
}

async function audits(db: TestDatabase, tenantId: string, action: string, resourceId?: string) {
  return db.query<{ actor_id: string; outcome: string; resource_type: string; resource_id: string; data: Record<string, unknown> }>(
    `SELECT actor_id, outcome, resource_type, resource_id, data FROM kernel.audit_log
      WHERE tenant_id = $1 AND action = $2 AND ($3::text IS NULL OR resource_id = $3) ORDER BY occurred_at, id`,
    [tenantId, action, resourceId ?? null],
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Invites `email` (201 expected) and returns the view with the mailed token. */
async function invite(
  t: TestApp,
  db: TestDatabase,
  tenantId: string,
  by: SignedIn,
  email: string,
  roles?: string[],
): Promise<{ invitation: Invitation; token: string }> {
  const before = await mailboxCount(db, email, 'tenancy.invitation');
  const res = await post(t, `${T(tenantId)}/invitations`, roles ? { email, roles } : { email }, by.accessToken);
  if (res.statusCode !== 201) throw new Error(`invite: ${res.statusCode} ${res.body}`);
  return { invitation: res.json<Invitation>(), token: await invitationToken(db, email, before) };
}

function accept(t: TestApp, token: string, user?: SignedIn): Promise<LightMyRequestResponse> {
  return post(t, '/v1/invitations/accept', { token }, user?.accessToken);
}

describe('tenancy invitations', () => {
  const ctx = useTestApp();

  describe('POST T/invitations', () => {
    it('creates the invitation, mails a link and stores only the token’s SHA-256; audit invitation.created', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Mailing Co');
      const email = uniqueEmail('invitee');
      const res = await post(t, `${T(tenant)}/invitations`, { email: `  ${email.toUpperCase()} `, roles: ['editor'] }, owner.accessToken);
      expect(res.statusCode).toBe(201);
      const view = res.json<Invitation>();
      expect(view).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: email.toLowerCase(),
        roles: ['editor'],
        status: 'pending',
        invited_by: owner.userId,
        created_at: expect.any(String),
        expires_at: expect.any(String),
        sent_count: 1,
        last_sent_at: expect.any(String),
        accepted_at: null,
      });
      // Default TTL: 7 days.
      expect(Date.parse(view.expires_at) - Date.parse(view.created_at)).toBeGreaterThan(7 * DAY - 60_000);
      expect(Date.parse(view.expires_at) - Date.parse(view.created_at)).toBeLessThan(7 * DAY + 60_000);

      const token = await invitationToken(db, email);
      const mails = await db.query<{ subject: string; text: string }>(
        `SELECT subject, text FROM kernel.dev_mailbox WHERE recipient = $1 AND kind = 'tenancy.invitation'`,
        [email.toLowerCase()],
      );
      expect(mails).toHaveLength(1);
      expect(mails[0].subject).toContain('Mailing Co');
      expect(mails[0].text).toContain(`/accept-invitation?token=${token}`);

      const [row] = await invitationRows(db, tenant, email);
      expect(row).toMatchObject({ id: view.id, status: 'pending', roles: ['editor'], sent_count: 1 });
      expect(row.token_hash).toHaveLength(32);
      expect(row.token_hash.equals(createHash('sha256').update(token, 'utf8').digest())).toBe(true);
      // The raw token is nowhere in the database but the mail itself.
      const leaks = await db.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM tenancy.invitations i WHERE i::text LIKE '%' || $1 || '%')
              + (SELECT count(*) FROM kernel.audit_log a WHERE a::text LIKE '%' || $1 || '%')
              + (SELECT count(*) FROM kernel.outbox o WHERE o::text LIKE '%' || $1 || '%') AS n`,
        [token],
      );
      expect(Number(leaks[0].n)).toBe(0);
      // The same search does find it where it belongs (the development mailbox): the probe works.
      const [{ n: inMailbox }] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM kernel.dev_mailbox d WHERE d::text LIKE '%' || $1 || '%'`,
        [token],
      );
      expect(Number(inMailbox)).toBe(1);
      expect(await audits(db, tenant, 'invitation.created', view.id)).toEqual([
        expect.objectContaining({ actor_id: owner.userId, outcome: 'success', data: { email: email.toLowerCase(), roles: ['editor'] } }),
      ]);
    });

    it('roles default to viewer', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const res = await post(t, `${T(tenant)}/invitations`, { email }, owner.accessToken);
      expect(res.statusCode).toBe(201);
      expect(res.json().roles).toEqual(['viewer']);
      expect((await invitationRows(db, tenant, email))[0].roles).toEqual(['viewer']);
    });

    it('an editor invites viewers and editors, not admins or owners (403); a viewer cannot invite at all', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const editor = await addMember(t, db, tenant, owner, ['editor']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      expect((await post(t, `${T(tenant)}/invitations`, { email: uniqueEmail(), roles: ['viewer'] }, editor.accessToken)).statusCode).toBe(
        201,
      );
      expect((await post(t, `${T(tenant)}/invitations`, { email: uniqueEmail(), roles: ['editor'] }, editor.accessToken)).statusCode).toBe(
        201,
      );
      const before = (await invitationRows(db, tenant)).length;

      const adminEmail = uniqueEmail();
      const denied = expectForbidden(
        await post(t, `${T(tenant)}/invitations`, { email: adminEmail, roles: ['admin'] }, editor.accessToken),
        'grant_exceeds_own_permissions',
      );
      expect(denied.permissions).toEqual(expect.arrayContaining(['members:manage', 'roles:assign']));
      expect(denied.permissions).not.toContain('members:invite');
      expectForbidden(
        await post(t, `${T(tenant)}/invitations`, { email: adminEmail, roles: ['owner'] }, editor.accessToken),
        'owner_protected',
      );
      expectForbidden(await post(t, `${T(tenant)}/invitations`, { email: adminEmail }, viewer.accessToken), 'missing_permission');
      expect((await invitationRows(db, tenant)).length).toBe(before);
      await sleep(200);
      expect(await mailboxCount(db, adminEmail)).toBe(0);
    });

    it('an existing member’s address (any case) is 409 TENANCY.ALREADY_MEMBER; an open invitation 409 TENANCY.ALREADY_INVITED', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const member = await addMember(t, db, tenant, owner, ['viewer']);
      const memberRes = await post(t, `${T(tenant)}/invitations`, { email: member.email.toUpperCase() }, owner.accessToken);
      expect(expectProblem(memberRes, 409, 'TENANCY.ALREADY_MEMBER').errors).toEqual([expect.objectContaining({ path: 'email' })]);
      expectProblem(await post(t, `${T(tenant)}/invitations`, { email: owner.email }, owner.accessToken), 409, 'TENANCY.ALREADY_MEMBER');
      expect(await invitationRows(db, tenant, member.email)).toHaveLength(1); // the accepted one only

      const email = uniqueEmail();
      await invite(t, db, tenant, owner, email);
      const again = await post(t, `${T(tenant)}/invitations`, { email: email.toUpperCase(), roles: ['editor'] }, owner.accessToken);
      expect(expectProblem(again, 409, 'TENANCY.ALREADY_INVITED').errors).toEqual([expect.objectContaining({ path: 'email' })]);
      expect(await invitationRows(db, tenant, email)).toEqual([expect.objectContaining({ status: 'pending', roles: ['viewer'] })]);
      await sleep(200);
      expect(await mailboxCount(db, email, 'tenancy.invitation')).toBe(1);
      // The same address may be invited to another tenant.
      const other = await createTenant(t, owner);
      expect((await post(t, `${T(other)}/invitations`, { email }, owner.accessToken)).statusCode).toBe(201);
    });

    it('an expired open invitation is replaced by a new one (the old link dies)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const first = await invite(t, db, tenant, owner, email, ['editor']);
      await db.query(`UPDATE tenancy.invitations SET expires_at = now() - interval '1 minute' WHERE tenant_id = $1 AND id = $2`, [
        tenant,
        first.invitation.id,
      ]);
      const second = await invite(t, db, tenant, owner, email, ['viewer']);
      expect(second.invitation.id).not.toBe(first.invitation.id);
      expect(second.token).not.toBe(first.token);
      const rows = await invitationRows(db, tenant, email);
      expect(rows.map((r) => [r.id, r.status])).toEqual([
        [first.invitation.id, 'revoked'],
        [second.invitation.id, 'pending'],
      ]);
      const user = await signUp(t, db, { email });
      expectProblem(await accept(t, first.token, user), 400, 'TENANCY.INVITATION_INVALID');
      const ok = await accept(t, second.token, user);
      expect(ok.statusCode).toBe(200);
      expect(ok.json().roles).toEqual(['viewer']);
    });

    it('bad input is 400 and writes nothing (no row, no mail)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const cases: [unknown, string][] = [
        [{}, 'email'],
        [{ email: 'not-an-email' }, 'email'],
        [{ email: 'someone@localhost' }, 'email'],
        [{ email: 42 }, 'email'],
        [{ email: `${'a'.repeat(250)}@example.com` }, 'email'],
        [{ email, roles: 'editor' }, 'roles'],
        [{ email, roles: [] }, 'roles'],
        [{ email, roles: ['editor', 'editor'] }, 'roles'],
        [{ email, roles: [7] }, 'roles'],
        [{ email, roles: ['Not A Key'] }, 'roles'],
        [{ email, roles: Array.from({ length: 33 }, (_, i) => `role-${i}`) }, 'roles'],
      ];
      for (const [body, path] of cases) expectValidation(await post(t, `${T(tenant)}/invitations`, body, owner.accessToken), path);
      const unknown = await post(t, `${T(tenant)}/invitations`, { email, roles: ['viewer', 'no-such-role'] }, owner.accessToken);
      expect(expectProblem(unknown, 400, 'ACCESS.UNKNOWN_ROLE').errors).toEqual([expect.objectContaining({ path: 'roles' })]);
      expectValidation(await post(t, `/v1/tenants/not-a-uuid/invitations`, { email }, owner.accessToken), 'tenant_id');
      expect(await invitationRows(db, tenant)).toEqual([]);
      expect(await audits(db, tenant, 'invitation.created')).toEqual([]);
      await sleep(200);
      expect(await mailboxCount(db, email)).toBe(0);
    });
  });

  describe('POST /v1/invitations/accept', () => {
    it('a newcomer: invite → register → verify → accept; membership, invitation closed, membership.added via invitation, audit', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail('newcomer');
      const { invitation, token } = await invite(t, db, tenant, owner, email, ['editor']);
      const newcomer = await signUp(t, db, { email });
      const res = await accept(t, token, newcomer);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        tenant_id: tenant,
        user_id: newcomer.userId,
        email: email.toLowerCase(),
        status: 'active',
        roles: ['editor'],
        invited_by: owner.userId,
        joined_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(await membership(db, tenant, newcomer.userId)).toEqual({
        email: email.toLowerCase(),
        status: 'active',
        roles: ['editor'],
        invited_by: owner.userId,
      });
      expect(await invitationRow(db, tenant, invitation.id)).toMatchObject({
        status: 'accepted',
        accepted_by: newcomer.userId,
        accepted_at: expect.any(Date),
      });
      const events = await db.query<{ payload: unknown }>(
        `SELECT payload FROM kernel.outbox WHERE type = 'membership.added' AND tenant_id = $1 AND payload->>'user_id' = $2`,
        [tenant, newcomer.userId],
      );
      expect(events.map((e) => e.payload)).toEqual([
        { tenant_id: tenant, user_id: newcomer.userId, status: 'active', roles: ['editor'], via: 'invitation' },
      ]);
      expect(await audits(db, tenant, 'invitation.accepted', invitation.id)).toEqual([
        expect.objectContaining({ actor_id: newcomer.userId, outcome: 'success' }),
      ]);
      expect(await audits(db, tenant, 'membership.added', newcomer.userId)).toEqual([
        expect.objectContaining({ data: { roles: ['editor'], via: 'invitation', invited_by: owner.userId } }),
      ]);
      // The seat works.
      expect((await get(t, T(tenant), newcomer.accessToken)).statusCode).toBe(200);
      expect((await get(t, `${T(tenant)}/invitations`, newcomer.accessToken)).statusCode).toBe(200);
      // A used token is dead.
      expectProblem(await accept(t, token, newcomer), 400, 'TENANCY.INVITATION_INVALID');
    });

    it('another (verified) account is 403 TENANCY.INVITATION_EMAIL_MISMATCH and the invitation stays open', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const { invitation, token } = await invite(t, db, tenant, owner, email);
      const intruder = await signUp(t, db);
      expectProblem(await accept(t, token, intruder), 403, 'TENANCY.INVITATION_EMAIL_MISMATCH');
      expect(await invitationRow(db, tenant, invitation.id)).toMatchObject({ status: 'pending', accepted_by: null });
      expect(await membership(db, tenant, intruder.userId)).toBeUndefined();
      expectProblem(await get(t, T(tenant), intruder.accessToken), 404, 'TENANCY.NOT_FOUND');
      // The rightful owner of the address can still accept.
      const invitee = await signUp(t, db, { email });
      expect((await accept(t, token, invitee)).statusCode).toBe(200);
    });

    it('an unverified account cannot even sign in to accept (AUTH.EMAIL_NOT_VERIFIED)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const { invitation } = await invite(t, db, tenant, owner, email);
      expect((await post(t, '/v1/users', { email, password: GOOD_PASSWORD })).statusCode).toBe(202);
      expectProblem(await post(t, '/v1/auth/login', { email, password: GOOD_PASSWORD }), 403, 'AUTH.EMAIL_NOT_VERIFIED');
      expect(await invitationRow(db, tenant, invitation.id)).toMatchObject({ status: 'pending' });
    });

    it('revoked, expired and garbage tokens are 400 TENANCY.INVITATION_INVALID; anonymous 401; malformed 400 validation', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const revokedEmail = uniqueEmail();
      const revoked = await invite(t, db, tenant, owner, revokedEmail);
      expect((await del(t, `${T(tenant)}/invitations/${revoked.invitation.id}`, owner.accessToken)).statusCode).toBe(204);
      const revokedUser = await signUp(t, db, { email: revokedEmail });
      const revokedRes = await accept(t, revoked.token, revokedUser);
      expect(expectProblem(revokedRes, 400, 'TENANCY.INVITATION_INVALID').errors).toEqual([expect.objectContaining({ path: 'token' })]);

      const expiredEmail = uniqueEmail();
      const expired = await invite(t, db, tenant, owner, expiredEmail);
      await db.query(`UPDATE tenancy.invitations SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND id = $2`, [
        tenant,
        expired.invitation.id,
      ]);
      const expiredUser = await signUp(t, db, { email: expiredEmail });
      expectProblem(await accept(t, expired.token, expiredUser), 400, 'TENANCY.INVITATION_INVALID');
      expect(await invitationRow(db, tenant, expired.invitation.id)).toMatchObject({ status: 'pending', accepted_by: null });

      expectProblem(await accept(t, 'A'.repeat(43), expiredUser), 400, 'TENANCY.INVITATION_INVALID');
      expectProblem(
        await accept(t, expired.token.slice(0, -1) + (expired.token.endsWith('A') ? 'B' : 'A'), expiredUser),
        400,
        'TENANCY.INVITATION_INVALID',
      );

      const openEmail = uniqueEmail();
      const open = await invite(t, db, tenant, owner, openEmail);
      expectProblem(await accept(t, open.token), 401, 'AUTH.UNAUTHENTICATED');
      expectValidation(await post(t, '/v1/invitations/accept', {}, owner.accessToken), 'token');
      expectValidation(await post(t, '/v1/invitations/accept', { token: 'short' }, owner.accessToken), 'token');
      expectValidation(await post(t, '/v1/invitations/accept', { token: 12345678901234567890 }, owner.accessToken), 'token');
      expectValidation(await post(t, '/v1/invitations/accept', { token: 'x'.repeat(513) }, owner.accessToken), 'token');
      expect(await invitationRow(db, tenant, open.invitation.id)).toMatchObject({ status: 'pending' });
      const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tenancy.memberships WHERE tenant_id = $1`, [tenant]);
      expect(Number(n)).toBe(1);
    });

    it('a resent invitation: the old token is dead, the new one works', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const { invitation, token: oldToken } = await invite(t, db, tenant, owner, email);
      const resent = await post(t, `${T(tenant)}/invitations/${invitation.id}/resend`, {}, owner.accessToken);
      expect(resent.statusCode).toBe(200);
      const newToken = await invitationToken(db, email, 1);
      expect(newToken).not.toBe(oldToken);
      const user = await signUp(t, db, { email });
      expectProblem(await accept(t, oldToken, user), 400, 'TENANCY.INVITATION_INVALID');
      expect((await accept(t, newToken, user)).statusCode).toBe(200);
    });

    it('an invitation to a suspended tenant is 400 and stays open; after reactivation it works', async () => {
      const { t, db } = ctx;
      const operator = await signUp(t, db);
      await makeOperator(db, operator);
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const { invitation, token } = await invite(t, db, tenant, owner, email);
      expect((await post(t, `/v1/admin/tenants/${tenant}/suspend`, { reason: 'unpaid' }, operator.accessToken)).statusCode).toBe(200);
      const user = await signUp(t, db, { email });
      expectProblem(await accept(t, token, user), 400, 'TENANCY.INVITATION_INVALID');
      expect(await invitationRow(db, tenant, invitation.id)).toMatchObject({ status: 'pending' });
      expect(await membership(db, tenant, user.userId)).toBeUndefined();
      expect((await post(t, `/v1/admin/tenants/${tenant}/reactivate`, {}, operator.accessToken)).statusCode).toBe(200);
      expect((await accept(t, token, user)).statusCode).toBe(200);
    });

    it('an invitation to a deleted tenant is 400', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const { token } = await invite(t, db, tenant, owner, email);
      expect((await del(t, T(tenant), owner.accessToken)).statusCode).toBe(204);
      const user = await signUp(t, db, { email });
      expectProblem(await accept(t, token, user), 400, 'TENANCY.INVITATION_INVALID');
      expect(await membership(db, tenant, user.userId)).toBeUndefined();
    });

    it('someone who is a member already is 409 TENANCY.ALREADY_MEMBER', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const member = await addMember(t, db, tenant, owner, ['viewer']);
      // The membership keeps the address it joined with; the account's address is invited again
      // (what an address change on the account would lead to).
      await db.query(`UPDATE tenancy.memberships SET email = $3 WHERE tenant_id = $1 AND user_id = $2`, [
        tenant,
        member.userId,
        uniqueEmail('old-address'),
      ]);
      const { invitation, token } = await invite(t, db, tenant, owner, member.email, ['admin']);
      expectProblem(await accept(t, token, member), 409, 'TENANCY.ALREADY_MEMBER');
      expect(await membership(db, tenant, member.userId)).toMatchObject({ roles: ['viewer'] });
      expect(await invitationRow(db, tenant, invitation.id)).toMatchObject({ status: 'pending' });
    });

    it('a custom role deleted before acceptance is not granted: the remaining roles, or viewer', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      for (const key of ['temp-a', 'temp-b']) {
        const res = await post(t, `${T(tenant)}/roles`, { key, name: key, permissions: ['members:read'] }, owner.accessToken);
        expect(res.statusCode).toBe(201);
      }
      const kept = await signUp(t, db, { email: uniqueEmail('kept') });
      const floor = await signUp(t, db, { email: uniqueEmail('floor') });
      const both = await invite(t, db, tenant, owner, kept.email, ['temp-a', 'editor']);
      expect(both.invitation.roles).toEqual(['editor', 'temp-a']);
      const only = await invite(t, db, tenant, owner, floor.email, ['temp-b']);
      expect((await del(t, `${T(tenant)}/roles/temp-a`, owner.accessToken)).statusCode).toBe(204);
      expect((await del(t, `${T(tenant)}/roles/temp-b`, owner.accessToken)).statusCode).toBe(204);

      const a = await accept(t, both.token, kept);
      expect(a.statusCode).toBe(200);
      expect(a.json().roles).toEqual(['editor']);
      expect(await membership(db, tenant, kept.userId)).toMatchObject({ roles: ['editor'] });
      const b = await accept(t, only.token, floor);
      expect(b.statusCode).toBe(200);
      expect(b.json().roles).toEqual(['viewer']);
      expect(await membership(db, tenant, floor.userId)).toMatchObject({ roles: ['viewer'] });
    });
  });

  describe('GET T/invitations', () => {
    let owner: SignedIn;
    let editor: SignedIn;
    let viewer: SignedIn;
    let tenant: string;
    const ids: Record<'accepted' | 'revoked' | 'expired' | 'pending', string> = { accepted: '', revoked: '', expired: '', pending: '' };

    beforeAll(async () => {
      const { t, db } = ctx;
      owner = await signUp(t, db);
      tenant = await createTenant(t, owner);
      editor = await addMember(t, db, tenant, owner, ['editor']);
      viewer = await addMember(t, db, tenant, owner, ['viewer']);
      // The two members' invitations are accepted ones; four more below.
      const acceptedUser = await signUp(t, db);
      const acceptedInv = await invite(t, db, tenant, owner, acceptedUser.email);
      expect((await accept(t, acceptedInv.token, acceptedUser)).statusCode).toBe(200);
      ids.accepted = acceptedInv.invitation.id;
      const revoked = await invite(t, db, tenant, owner, uniqueEmail());
      expect((await del(t, `${T(tenant)}/invitations/${revoked.invitation.id}`, owner.accessToken)).statusCode).toBe(204);
      ids.revoked = revoked.invitation.id;
      ids.expired = (await invite(t, db, tenant, owner, uniqueEmail())).invitation.id;
      await db.query(`UPDATE tenancy.invitations SET expires_at = now() - interval '1 hour' WHERE tenant_id = $1 AND id = $2`, [
        tenant,
        ids.expired,
      ]);
      ids.pending = (await invite(t, db, tenant, editor, uniqueEmail())).invitation.id;
    });

    it('filters by status: pending, expired, accepted, revoked', async () => {
      const { t } = ctx;
      const list = async (status: string) => {
        const res = await get(t, `${T(tenant)}/invitations?status=${status}`, owner.accessToken);
        expect(res.statusCode).toBe(200);
        return res.json<InvitationPage>();
      };
      expect((await list('pending')).items.map((i) => [i.id, i.status])).toEqual([[ids.pending, 'pending']]);
      expect((await list('expired')).items.map((i) => [i.id, i.status])).toEqual([[ids.expired, 'expired']]);
      expect((await list('revoked')).items.map((i) => [i.id, i.status])).toEqual([[ids.revoked, 'revoked']]);
      const accepted = (await list('accepted')).items;
      expect(accepted).toHaveLength(3);
      expect(accepted.every((i) => i.status === 'accepted' && i.accepted_at !== null)).toBe(true);
      expect(accepted[0].id).toBe(ids.accepted);
    });

    it('pages newest first without duplicates or gaps', async () => {
      const { t, db } = ctx;
      const seen: Invitation[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `${T(tenant)}/invitations?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await get(t, url, editor.accessToken);
        expect(res.statusCode).toBe(200);
        const page = res.json<InvitationPage>();
        sizes.push(page.items.length);
        seen.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).toEqual([2, 2, 2]);
      const expected = await db.query<{ id: string }>(
        `SELECT id FROM tenancy.invitations WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`,
        [tenant],
      );
      expect(seen.map((i) => i.id)).toEqual(expected.map((r) => r.id));
      expect(new Set(seen.map((i) => i.id)).size).toBe(seen.length);
      expect(seen.slice(0, 4).map((i) => i.id)).toEqual([ids.pending, ids.expired, ids.revoked, ids.accepted]);
      const created = seen.map((i) => Date.parse(i.created_at));
      expect(created).toEqual([...created].sort((a, b) => b - a));
    });

    it('editors may list, viewers may not (403); bad parameters 400', async () => {
      const { t } = ctx;
      expect((await get(t, `${T(tenant)}/invitations`, editor.accessToken)).statusCode).toBe(200);
      expectForbidden(await get(t, `${T(tenant)}/invitations`, viewer.accessToken), 'missing_permission');
      expectProblem(await get(t, `${T(tenant)}/invitations`), 401, 'AUTH.UNAUTHENTICATED');
      for (const [query, path] of [
        ['status=bogus', 'status'],
        ['status=open', 'status'],
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
      ]) {
        expectValidation(await get(t, `${T(tenant)}/invitations?${query}`, owner.accessToken), path);
      }
      expectProblem(await get(t, `${T(tenant)}/invitations?cursor=garbage`, owner.accessToken), 400, 'KERNEL.INVALID_CURSOR');
      const membersCursor = Buffer.from(JSON.stringify({ l: 'members', k: ['a@example.com', UNKNOWN_ID] })).toString('base64url');
      expectProblem(await get(t, `${T(tenant)}/invitations?cursor=${membersCursor}`, owner.accessToken), 400, 'KERNEL.INVALID_CURSOR');
    });
  });

  describe('resend and revoke', () => {
    it('resend: sent_count + 1, a new mail, a fresh expiry, audit invitation.resent', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const editor = await addMember(t, db, tenant, owner, ['editor']);
      const email = uniqueEmail();
      const { invitation, token } = await invite(t, db, tenant, owner, email);
      const oldHash = (await invitationRow(db, tenant, invitation.id)).token_hash;
      // Close to expiry, even past it: a resend renews it.
      await db.query(`UPDATE tenancy.invitations SET expires_at = now() - interval '1 hour' WHERE tenant_id = $1 AND id = $2`, [
        tenant,
        invitation.id,
      ]);
      const res = await post(t, `${T(tenant)}/invitations/${invitation.id}/resend`, {}, editor.accessToken);
      expect(res.statusCode).toBe(200);
      const view = res.json<Invitation>();
      expect(view).toMatchObject({ id: invitation.id, status: 'pending', sent_count: 2, email: email.toLowerCase() });
      expect(Date.parse(view.expires_at)).toBeGreaterThan(Date.now() + 7 * DAY - 60_000);
      expect(Date.parse(view.last_sent_at)).toBeGreaterThanOrEqual(Date.parse(invitation.last_sent_at));
      const newToken = await invitationToken(db, email, 1);
      expect(newToken).not.toBe(token);
      expect(await mailboxCount(db, email, 'tenancy.invitation')).toBe(2);
      const row = await invitationRow(db, tenant, invitation.id);
      expect(row.sent_count).toBe(2);
      expect(row.token_hash.equals(oldHash)).toBe(false);
      expect(row.token_hash.equals(createHash('sha256').update(newToken).digest())).toBe(true);
      expect(await audits(db, tenant, 'invitation.resent', invitation.id)).toEqual([
        expect.objectContaining({ actor_id: editor.userId, data: { email: email.toLowerCase(), sent_count: 2 } }),
      ]);
      expect((await post(t, `${T(tenant)}/invitations/${invitation.id}/resend`, {}, owner.accessToken)).json().sent_count).toBe(3);
    });

    it('resend of an unknown, accepted or revoked invitation is 404 TENANCY.INVITATION_NOT_FOUND; viewers 403', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const [accepted] = await invitationRows(db, tenant, viewer.email);
      const revoked = await invite(t, db, tenant, owner, uniqueEmail());
      expect((await del(t, `${T(tenant)}/invitations/${revoked.invitation.id}`, owner.accessToken)).statusCode).toBe(204);
      for (const id of [UNKNOWN_ID, accepted.id, revoked.invitation.id]) {
        expectProblem(await post(t, `${T(tenant)}/invitations/${id}/resend`, {}, owner.accessToken), 404, 'TENANCY.INVITATION_NOT_FOUND');
      }
      expect((await invitationRow(db, tenant, revoked.invitation.id)).sent_count).toBe(1);
      expect(await mailboxCount(db, revoked.invitation.email, 'tenancy.invitation')).toBe(1);
      const open = await invite(t, db, tenant, owner, uniqueEmail());
      expectForbidden(await post(t, `${T(tenant)}/invitations/${open.invitation.id}/resend`, {}, viewer.accessToken), 'missing_permission');
      expect((await invitationRow(db, tenant, open.invitation.id)).sent_count).toBe(1);
      expectValidation(await post(t, `${T(tenant)}/invitations/not-a-uuid/resend`, {}, owner.accessToken), 'invitation_id');
    });

    it('revoke: 204, status revoked, audit invitation.revoked; a second revoke (or unknown id) 404; viewers 403', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const { invitation } = await invite(t, db, tenant, owner, uniqueEmail());
      expectForbidden(await del(t, `${T(tenant)}/invitations/${invitation.id}`, viewer.accessToken), 'missing_permission');
      expect(await invitationRow(db, tenant, invitation.id)).toMatchObject({ status: 'pending', revoked_at: null });

      const res = await del(t, `${T(tenant)}/invitations/${invitation.id}`, owner.accessToken);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await invitationRow(db, tenant, invitation.id)).toMatchObject({ status: 'revoked', revoked_at: expect.any(Date) });
      expect(await audits(db, tenant, 'invitation.revoked', invitation.id)).toEqual([expect.objectContaining({ actor_id: owner.userId })]);
      expectProblem(await del(t, `${T(tenant)}/invitations/${invitation.id}`, owner.accessToken), 404, 'TENANCY.INVITATION_NOT_FOUND');
      expectProblem(await del(t, `${T(tenant)}/invitations/${UNKNOWN_ID}`, owner.accessToken), 404, 'TENANCY.INVITATION_NOT_FOUND');
      expectValidation(await del(t, `${T(tenant)}/invitations/not-a-uuid`, owner.accessToken), 'invitation_id');
      expect(await audits(db, tenant, 'invitation.revoked', invitation.id)).toHaveLength(1);
      // The revoked address can be invited again.
      expect((await post(t, `${T(tenant)}/invitations`, { email: invitation.email }, owner.accessToken)).statusCode).toBe(201);
    });
  });

  describe('concurrency', () => {
    it('the same address invited twice at once: one 201, one 409 TENANCY.ALREADY_INVITED, one open invitation', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const results = await Promise.all([
        post(t, `${T(tenant)}/invitations`, { email }, owner.accessToken),
        post(t, `${T(tenant)}/invitations`, { email: email.toUpperCase() }, owner.accessToken),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('TENANCY.ALREADY_INVITED');
      expect(await invitationRows(db, tenant, email)).toEqual([expect.objectContaining({ status: 'pending' })]);
    });

    it('one token accepted twice at once: one 200, the other 400 TENANCY.INVITATION_INVALID, one membership', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const email = uniqueEmail();
      const { token } = await invite(t, db, tenant, owner, email);
      const user = await signUp(t, db, { email });
      const results = await Promise.all([accept(t, token, user), accept(t, token, user)]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
      expect(results.find((r) => r.statusCode === 400)!.json().code).toBe('TENANCY.INVITATION_INVALID');
      const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`, [
        tenant,
        user.userId,
      ]);
      expect(Number(n)).toBe(1);
      const events = await db.query(
        `SELECT 1 FROM kernel.outbox WHERE type = 'membership.added' AND tenant_id = $1 AND payload->>'user_id' = $2`,
        [tenant, user.userId],
      );
      expect(events).toHaveLength(1);
    });
  });

  describe('cross-tenant', () => {
    it('an invitation id of tenant B under tenant A’s path is 404 and B’s invitation is untouched', async () => {
      const { t, db } = ctx;
      const ownerA = await signUp(t, db);
      const tenantA = await createTenant(t, ownerA);
      const ownerB = await signUp(t, db);
      const tenantB = await createTenant(t, ownerB);
      const email = uniqueEmail();
      const { invitation, token } = await invite(t, db, tenantB, ownerB, email);
      const before = await invitationRow(db, tenantB, invitation.id);

      expectProblem(
        await post(t, `${T(tenantA)}/invitations/${invitation.id}/resend`, {}, ownerA.accessToken),
        404,
        'TENANCY.INVITATION_NOT_FOUND',
      );
      expectProblem(await del(t, `${T(tenantA)}/invitations/${invitation.id}`, ownerA.accessToken), 404, 'TENANCY.INVITATION_NOT_FOUND');
      // A's owner is not in B at all.
      expectProblem(await del(t, `${T(tenantB)}/invitations/${invitation.id}`, ownerA.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(t, `${T(tenantB)}/invitations`, ownerA.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect((await get(t, `${T(tenantA)}/invitations`, ownerA.accessToken)).json().items).toEqual([]);

      expect(await invitationRow(db, tenantB, invitation.id)).toEqual(before);
      expect(await audits(db, tenantA, 'invitation.resent')).toEqual([]);
      expect(await audits(db, tenantB, 'invitation.revoked')).toEqual([]);
      await sleep(200);
      expect(await mailboxCount(db, email, 'tenancy.invitation')).toBe(1);
      // B's token still works, and joins B (not A).
      const user = await signUp(t, db, { email });
      const ok = await accept(t, token, user);
      expect(ok.statusCode).toBe(200);
      expect(ok.json().tenant_id).toBe(tenantB);
      expect(await membership(db, tenantA, user.userId)).toBeUndefined();
    });
  });

  it('an accepted invitee, signing in again, sees the membership in GET /v1/me', async () => {
    const { t, db } = ctx;
    const owner = await signUp(t, db);
    const tenant = await createTenant(t, owner, 'Visible');
    const member = await addMember(t, db, tenant, owner, ['editor']);
    const again = await signIn(t, member.email, member.password);
    const me = await get(t, '/v1/me', again.accessToken);
    expect(me.json().memberships).toEqual([
      expect.objectContaining({ tenant_id: tenant, tenant_name: 'Visible', status: 'active', roles: ['editor'] }),
    ]);
  });
});
