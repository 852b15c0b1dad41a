import { OutboxDispatcher } from '@user-engine/kernel';
import { del, GOOD_PASSWORD, get, mailboxToken, post, serverErrors, signIn, uniqueEmail, type SignedIn } from './support/account';
import { addMember, createTenant, patch } from './support/tenancy';
import { eventually, type TestApp, useTestApp } from './support/test-app';
import type { TestDatabase } from './support/test-database';

// The integration module's profile reactions, driven by the real dispatcher: each has its effect
// once, and a second delivery of the same event (same id) changes nothing.

const T = (tenantId: string) => `/v1/tenants/${tenantId}`;

interface ProfileRow {
  display_name: string | null;
  bio: string | null;
  updated_at: Date;
}

interface EventRow {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

/** Signs up with `body` (display_name as given), verifies and signs in. */
async function register(t: TestApp, db: TestDatabase, extra: Record<string, unknown> = {}): Promise<SignedIn> {
  const email = uniqueEmail('reactions');
  const reg = await post(t, '/v1/users', { email, password: GOOD_PASSWORD, ...extra });
  if (reg.statusCode !== 202) throw new Error(`register: ${reg.statusCode} ${reg.body}${serverErrors(t)}`);
  const verified = await post(t, '/v1/users/verify-email', { token: await mailboxToken(db, email, 'account.verify-email') });
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}`);
  return signIn(t, email, GOOD_PASSWORD);
}

const profiles = (db: TestDatabase, userId: string) =>
  db.query<ProfileRow>(`SELECT display_name, bio, updated_at FROM profile.profiles WHERE user_id = $1`, [userId]);

// The test connection is the database owner (a superuser): it reads every tenant's layers.
const layers = (db: TestDatabase, where: string, params: unknown[]) =>
  db.query<{ tenant_id: string; user_id: string }>(
    `SELECT tenant_id, user_id FROM profile.tenant_layers WHERE ${where} ORDER BY tenant_id, user_id`,
    params,
  );

/** The single event of `type` on aggregate `aggregateId`, once the dispatcher has finished with it. */
async function settledEvent(db: TestDatabase, type: string, aggregateId: string): Promise<EventRow> {
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

/** An event's inbox records, but the subscription reactions' (they have their own suites). */
const inbox = (db: TestDatabase, eventId: string) =>
  db.query<{ handler: string }>(
    `SELECT handler FROM kernel.inbox WHERE event_id = $1 AND handler NOT LIKE 'integration.subscription.%' ORDER BY handler`,
    [eventId],
  );

/**
 * Delivers an already-delivered event again, as after a crash between the handlers' commit and the
 * "delivered" mark: the row goes back to pending and this app's dispatcher claims it by hand.
 */
async function redeliver(t: TestApp, db: TestDatabase, eventId: string): Promise<void> {
  const dispatcher = t.get(OutboxDispatcher);
  await dispatcher.stop();
  try {
    await db.query(`UPDATE kernel.outbox SET status = 'pending', delivered_at = NULL, next_attempt_at = now() WHERE id = $1`, [eventId]);
    await dispatcher.dispatchBatch();
    const [row] = await db.query<EventRow>(`SELECT id, status, attempts, last_error FROM kernel.outbox WHERE id = $1`, [eventId]);
    expect(row).toEqual({ id: eventId, status: 'delivered', attempts: 0, last_error: null });
  } finally {
    dispatcher.start();
  }
}

describe('integration: profile reactions', () => {
  const ctx = useTestApp();

  describe('integration.profile.user-created', () => {
    it('creates the profile once with the sign-up name; redelivered, it neither duplicates nor resets what the user changed', async () => {
      const user = await register(ctx.t, ctx.db, { display_name: 'Ada Lovelace' });
      const event = await settledEvent(ctx.db, 'user.created', user.userId);
      expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
      expect(await profiles(ctx.db, user.userId)).toEqual([{ display_name: 'Ada Lovelace', bio: null, updated_at: expect.any(Date) }]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.user-created' }]);

      const changed = await patch(ctx.t, '/v1/profile', { display_name: 'Countess', bio: 'Notes on the engine' }, user.accessToken);
      expect(changed.statusCode).toBe(200);
      const [before] = await profiles(ctx.db, user.userId);
      expect(before).toMatchObject({ display_name: 'Countess', bio: 'Notes on the engine' });

      // Same event id again: the inbox record makes it a no-op.
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await profiles(ctx.db, user.userId)).toEqual([before]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.user-created' }]);

      // Even without the inbox record (a handler renamed without pinning its name), the reaction
      // runs again and CreateProfile leaves the existing profile alone.
      await ctx.db.query(`DELETE FROM kernel.inbox WHERE event_id = $1`, [event.id]);
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await profiles(ctx.db, user.userId)).toEqual([before]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.user-created' }]);

      const res = await get(ctx.t, '/v1/profile', user.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ user_id: user.userId, display_name: 'Countess', bio: 'Notes on the engine' });
    });

    it('a profile the user wrote before the event arrived is kept (the sign-up name does not overwrite it)', async () => {
      const dispatcher = ctx.t.get(OutboxDispatcher);
      await dispatcher.stop();
      let user: SignedIn;
      try {
        // Sign-in needs no dispatcher (mails are written at commit); the event stays pending.
        user = await register(ctx.t, ctx.db, { display_name: 'From sign-up' });
        expect(await profiles(ctx.db, user.userId)).toEqual([]);
        expect((await patch(ctx.t, '/v1/profile', { bio: 'Written first' }, user.accessToken)).statusCode).toBe(200);
      } finally {
        dispatcher.start();
      }
      const event = await settledEvent(ctx.db, 'user.created', user.userId);
      expect(event).toMatchObject({ status: 'delivered', attempts: 0 });
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.user-created' }]);
      expect(await profiles(ctx.db, user.userId)).toEqual([{ display_name: null, bio: 'Written first', updated_at: expect.any(Date) }]);
    });

    // What sign-up accepts (1–100 characters, any of them) is looser than a profile's display name (one
    // trimmed line of 1–100 characters): the reaction normalises and never fails.
    it.each<[string, Record<string, unknown>, string | null]>([
      ['none', {}, null],
      ['only whitespace', { display_name: ' \t  ' }, null],
      ['only control characters', { display_name: '\u0007\u001b\u007f' }, null],
      ['control characters and line breaks inside', { display_name: '  Ada\u0007Lovelace\r\nKing \u0085' }, 'Ada Lovelace  King'],
      ['surrounding spaces around 98 characters', { display_name: ` ${'x'.repeat(98)} ` }, 'x'.repeat(98)],
      ['100 characters', { display_name: 'y'.repeat(100) }, 'y'.repeat(100)],
      ['100 astral characters (200 UTF-16 units)', { display_name: '😀'.repeat(100) }, '😀'.repeat(100)],
      ['50 symbols with variation selectors (100 characters)', { display_name: '\u2764\uFE0F'.repeat(50) }, '\u2764\uFE0F'.repeat(50)],
    ])('a sign-up display name that is %s still yields a profile, delivered at the first attempt', async (_what, extra, stored) => {
      const user = await register(ctx.t, ctx.db, extra);
      const event = await settledEvent(ctx.db, 'user.created', user.userId);
      expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
      expect(await profiles(ctx.db, user.userId)).toEqual([{ display_name: stored, bio: null, updated_at: expect.any(Date) }]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.user-created' }]);
      expect((await get(ctx.t, '/v1/profile', user.accessToken)).json()).toMatchObject({ display_name: stored });
    });
  });

  /** An owner with a tenant, and a viewer there; each has a global profile and a layer in the tenant. */
  async function tenantWithLayers(): Promise<{ owner: SignedIn; member: SignedIn; tenant: string }> {
    const owner = await register(ctx.t, ctx.db, { display_name: 'Owner' });
    const tenant = await createTenant(ctx.t, owner);
    const member = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
    for (const user of [owner, member]) {
      await settledEvent(ctx.db, 'user.created', user.userId);
      const res = await patch(ctx.t, `${T(tenant)}/profile`, { title: 'Engineer' }, user.accessToken);
      expect(res.statusCode).toBe(200);
    }
    expect(await layers(ctx.db, 'tenant_id = $1', [tenant])).toHaveLength(2);
    return { owner, member, tenant };
  }

  describe('integration.profile.user-deleted', () => {
    it('erases the profile and every layer of the user once; a redelivery does not run it again', async () => {
      const { owner, member, tenant } = await tenantWithLayers();
      const other = await createTenant(ctx.t, owner, 'Other');
      expect((await patch(ctx.t, `${T(other)}/profile`, { title: 'Boss' }, owner.accessToken)).statusCode).toBe(200);

      expect((await del(ctx.t, '/v1/me', member.accessToken)).statusCode).toBe(204);
      const event = await settledEvent(ctx.db, 'user.deleted', member.userId);
      expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
      expect(await inbox(ctx.db, event.id)).toEqual([
        { handler: 'access.user-deleted' },
        { handler: 'integration.profile.user-deleted' },
        { handler: 'tenancy.user-deleted' },
      ]);
      expect(await profiles(ctx.db, member.userId)).toEqual([]);
      expect(await layers(ctx.db, 'user_id = $1', [member.userId])).toEqual([]);
      // Nobody else's data goes with it.
      expect(await profiles(ctx.db, owner.userId)).toHaveLength(1);
      expect(await layers(ctx.db, 'user_id = $1', [owner.userId])).toEqual(
        [tenant, other].sort().map((tenant_id) => ({ tenant_id, user_id: owner.userId })),
      );

      // A row that appeared afterwards shows whether the reaction ran again: with the inbox record it does not…
      await ctx.db.query(`INSERT INTO profile.profiles (user_id, display_name) VALUES ($1, 'ghost')`, [member.userId]);
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await profiles(ctx.db, member.userId)).toEqual([{ display_name: 'ghost', bio: null, updated_at: expect.any(Date) }]);
      expect(await inbox(ctx.db, event.id)).toHaveLength(3);
      // …and run again without it, the erasure is still just an erasure.
      await ctx.db.query(`DELETE FROM kernel.inbox WHERE event_id = $1 AND handler = 'integration.profile.user-deleted'`, [event.id]);
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await profiles(ctx.db, member.userId)).toEqual([]);
      expect(await inbox(ctx.db, event.id)).toHaveLength(3);
      expect(await profiles(ctx.db, owner.userId)).toHaveLength(1);
    });
  });

  describe('integration.profile.tenant-deleted', () => {
    it('removes every layer of the tenant once, nothing else; a redelivery does not run it again', async () => {
      const { owner, member, tenant } = await tenantWithLayers();
      const other = await createTenant(ctx.t, owner, 'Kept');
      expect((await patch(ctx.t, `${T(other)}/profile`, { title: 'Boss' }, owner.accessToken)).statusCode).toBe(200);

      expect((await del(ctx.t, T(tenant), owner.accessToken)).statusCode).toBe(204);
      const event = await settledEvent(ctx.db, 'tenant.deleted', tenant);
      expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.tenant-deleted' }]);
      expect(await layers(ctx.db, 'tenant_id = $1', [tenant])).toEqual([]);
      expect(await layers(ctx.db, 'tenant_id = $1', [other])).toEqual([{ tenant_id: other, user_id: owner.userId }]);
      expect(await profiles(ctx.db, owner.userId)).toHaveLength(1);
      expect(await profiles(ctx.db, member.userId)).toHaveLength(1);

      await ctx.db.query(`INSERT INTO profile.tenant_layers (tenant_id, user_id, title) VALUES ($1, $2, 'late')`, [tenant, member.userId]);
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await layers(ctx.db, 'tenant_id = $1', [tenant])).toEqual([{ tenant_id: tenant, user_id: member.userId }]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.tenant-deleted' }]);

      await ctx.db.query(`DELETE FROM kernel.inbox WHERE event_id = $1`, [event.id]);
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await layers(ctx.db, 'tenant_id = $1', [tenant])).toEqual([]);
      expect(await layers(ctx.db, 'tenant_id = $1', [other])).toEqual([{ tenant_id: other, user_id: owner.userId }]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.tenant-deleted' }]);
    });
  });

  describe('integration.profile.membership-removed', () => {
    it("removes the former member's layer in that tenant once, nothing else; a redelivery does not run it again", async () => {
      const { owner, member, tenant } = await tenantWithLayers();

      expect((await del(ctx.t, `${T(tenant)}/members/${member.userId}`, owner.accessToken)).statusCode).toBe(204);
      const event = await settledEvent(ctx.db, 'membership.removed', `${tenant}:${member.userId}`);
      expect(event).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.membership-removed' }]);
      expect(await layers(ctx.db, 'tenant_id = $1', [tenant])).toEqual([{ tenant_id: tenant, user_id: owner.userId }]);
      // The global profile is the user's, not the tenant's.
      expect(await profiles(ctx.db, member.userId)).toHaveLength(1);

      await ctx.db.query(`INSERT INTO profile.tenant_layers (tenant_id, user_id, title) VALUES ($1, $2, 'late')`, [tenant, member.userId]);
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await layers(ctx.db, 'user_id = $1', [member.userId])).toEqual([{ tenant_id: tenant, user_id: member.userId }]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.membership-removed' }]);

      await ctx.db.query(`DELETE FROM kernel.inbox WHERE event_id = $1`, [event.id]);
      await redeliver(ctx.t, ctx.db, event.id);
      expect(await layers(ctx.db, 'tenant_id = $1', [tenant])).toEqual([{ tenant_id: tenant, user_id: owner.userId }]);
      expect(await inbox(ctx.db, event.id)).toEqual([{ handler: 'integration.profile.membership-removed' }]);
    });
  });
});
