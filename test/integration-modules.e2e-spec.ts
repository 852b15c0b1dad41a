import { OutboxDispatcher } from '@user-engine/kernel';
import { get, signUp, type SignedIn } from './support/account';
import { expectProblem } from './support/problems';
import { createTenant, patch } from './support/tenancy';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

// MODULES without `profile`: the integration module mounts without the profile reactions, so
// nothing is announced for them and nothing waits for them. Mounting profile later reacts to the
// events that come after — not to those already delivered without it.

const WITHOUT_PROFILE = { MODULES: 'account,tenancy,access,subscription,integration' };
const PROFILE_HANDLERS = [
  'integration.profile.membership-removed',
  'integration.profile.tenant-deleted',
  'integration.profile.user-created',
  'integration.profile.user-deleted',
];

interface EventRow {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
}

const userCreated = (db: TestDatabase, userId: string) =>
  db
    .query<EventRow>(
      `SELECT id, status, attempts, last_error, delivered_at FROM kernel.outbox WHERE type = 'user.created' AND aggregate_id = $1`,
      [userId],
    )
    .then((rows) => {
      expect(rows).toHaveLength(1);
      return rows[0];
    });

const profileCount = (db: TestDatabase, userId: string) =>
  db.query<{ n: number }>(`SELECT count(*)::int AS n FROM profile.profiles WHERE user_id = $1`, [userId]).then((r) => r[0].n);

const profileInbox = (db: TestDatabase, eventId: string) =>
  db.query<{ handler: string }>(`SELECT handler FROM kernel.inbox WHERE event_id = $1 AND handler LIKE 'integration.profile.%'`, [eventId]);

const announcedProfileHandlers = (db: TestDatabase) =>
  db
    .query<{ handler: string }>(
      `SELECT DISTINCT handler FROM kernel.event_subscriptions WHERE handler LIKE 'integration.profile.%' ORDER BY handler`,
    )
    .then((rows) => rows.map((r) => r.handler));

async function expectNoProfileRoutes(t: TestApp, user: SignedIn, tenant: string): Promise<void> {
  const routes: [string, string, object?][] = [
    ['GET', '/v1/profile'],
    ['PATCH', '/v1/profile', { display_name: 'Nope' }],
    ['GET', `/v1/tenants/${tenant}/profile`],
    ['PATCH', `/v1/tenants/${tenant}/profile`, { title: 'Nope' }],
    ['GET', `/v1/tenants/${tenant}/members/${user.userId}/profile`],
  ];
  for (const [method, url, payload] of routes) {
    const res = await t.inject({ method: method as 'GET', url, payload, headers: { authorization: `Bearer ${user.accessToken}` } });
    expectProblem(res, 404, 'KERNEL.ROUTE_NOT_FOUND');
  }
}

describe('integration: MODULES without profile, then with it', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db?.drop());

  it('profile without integration is a start-up error (nothing would create or erase profiles)', async () => {
    await expect(startTestApp(db, { env: { MODULES: 'account,tenancy,access,profile' } })).rejects.toThrow(
      /MODULES lacks required module\(s\): profile needs integration/,
    );
  });

  it('without profile: sign-up works, profile routes are 404, no profile handler runs; mounted later, new users get profiles', async () => {
    let early: SignedIn;
    let earlyEvent: EventRow;
    const without = await startTestApp(db, { env: WITHOUT_PROFILE });
    try {
      // Only the subscription reactions subscribe to user.created: the integration module mounted no profile reaction.
      const subscriptions = without.get(OutboxDispatcher).subscriptions();
      expect(subscriptions['user.created']).toEqual(['integration.subscription.user-created']);
      expect(
        Object.values(subscriptions)
          .flat()
          .filter((h) => h.startsWith('integration.profile.')),
      ).toEqual([]);

      early = await signUp(without, db);
      const me = await get(without, '/v1/me', early.accessToken);
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: early.userId, status: 'active' });
      const tenant = await createTenant(without, early);
      await expectNoProfileRoutes(without, early, tenant);

      // With no live profile subscriber anywhere, the event is complete once the subscription reaction ran: no profile inbox row.
      earlyEvent = await eventually(
        async () => {
          const row = await userCreated(db, early.userId);
          return row.status === 'delivered' ? row : undefined;
        },
        15_000,
        'user.created marked delivered',
      );
      expect(earlyEvent).toMatchObject({ attempts: 0, last_error: null });
      expect(await db.query(`SELECT handler FROM kernel.inbox WHERE event_id = $1`, [earlyEvent.id])).toEqual([
        { handler: 'integration.subscription.user-created' },
      ]);
      expect(await profileCount(db, early.userId)).toBe(0);
      expect(await db.query(`SELECT count(*)::int AS n FROM profile.tenant_layers`)).toEqual([{ n: 0 }]);
      expect(await announcedProfileHandlers(db)).toEqual([]);
    } finally {
      await without.close();
    }

    const full = await startTestApp(db);
    try {
      expect(full.get(OutboxDispatcher).subscriptions()['user.created']).toEqual([
        'integration.profile.user-created',
        'integration.subscription.user-created',
      ]);
      const later = await signUp(full, db);
      await eventually(async () => (await profileCount(db, later.userId)) === 1, 15_000, "the new user's profile");
      const laterEvent = await eventually(async () => {
        const row = await userCreated(db, later.userId);
        return row.status === 'delivered' ? row : undefined;
      });
      expect(await profileInbox(db, laterEvent.id)).toEqual([{ handler: 'integration.profile.user-created' }]);
      expect(await announcedProfileHandlers(db)).toEqual(PROFILE_HANDLERS);

      // The earlier event was finished before profile was mounted: it is not delivered again, and
      // that user has no profile row until they write one (reads show an empty profile).
      await full.get(OutboxDispatcher).dispatchBatch();
      expect(await userCreated(db, early.userId)).toEqual(earlyEvent);
      expect(await profileInbox(db, earlyEvent.id)).toEqual([]);
      expect(await profileCount(db, early.userId)).toBe(0);
      const read = await get(full, '/v1/profile', early.accessToken);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ user_id: early.userId, display_name: null, created_at: null, updated_at: null });
      expect((await patch(full, '/v1/profile', { display_name: 'Early' }, early.accessToken)).statusCode).toBe(200);
      expect(await db.query(`SELECT display_name FROM profile.profiles WHERE user_id = $1`, [early.userId])).toEqual([
        { display_name: 'Early' },
      ]);
    } finally {
      await full.close();
    }
  });

  it('while an instance with profile was seen recently, an instance without it leaves user.created pending for it', async () => {
    // A full instance runs (and announces the profile handlers), then only instances without profile remain.
    const full = await startTestApp(db);
    await full.close();
    expect(await announcedProfileHandlers(db)).toEqual(PROFILE_HANDLERS);

    let user: SignedIn;
    let event: EventRow;
    const without = await startTestApp(db, { env: WITHOUT_PROFILE });
    try {
      user = await signUp(without, db);
      event = await eventually(
        async () => {
          const row = await userCreated(db, user.userId);
          return row.last_error ? row : undefined;
        },
        15_000,
        'user.created held back',
      );
      expect(event).toMatchObject({
        status: 'pending',
        attempts: 0,
        last_error: 'waiting for handlers of other instances: integration.profile.user-created',
      });
      expect(await profileInbox(db, event.id)).toEqual([]);
      expect(await profileCount(db, user.userId)).toBe(0);
    } finally {
      await without.close();
    }

    // The profile instance comes back within OUTBOX_SUBSCRIBER_TTL: it reacts to the held event once.
    const back = await startTestApp(db);
    try {
      await eventually(async () => (await userCreated(db, user.userId)).status === 'delivered', 15_000, 'delivery');
      expect(await profileCount(db, user.userId)).toBe(1);
      expect(await profileInbox(db, event.id)).toEqual([{ handler: 'integration.profile.user-created' }]);
    } finally {
      await back.close();
    }
  });

  it('an announcement older than OUTBOX_SUBSCRIBER_TTL holds nothing back: the event completes without a profile', async () => {
    const full = await startTestApp(db);
    await full.close();
    // As if that instance had been gone for a day.
    await db.query(`UPDATE kernel.event_subscriptions SET seen_at = now() - interval '1 day'`);

    const without = await startTestApp(db, { env: WITHOUT_PROFILE });
    try {
      const user = await signUp(without, db);
      const event = await eventually(
        async () => {
          const row = await userCreated(db, user.userId);
          return row.status === 'delivered' ? row : undefined;
        },
        15_000,
        'delivery',
      );
      expect(event).toMatchObject({ attempts: 0, last_error: null });
      expect(await profileInbox(db, event.id)).toEqual([]);
      expect(await profileCount(db, user.userId)).toBe(0);
    } finally {
      await without.close();
    }
  });
});
