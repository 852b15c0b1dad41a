import { OutboxDispatcher } from '@user-engine/kernel';
import { GOOD_PASSWORD, uniqueEmail } from './support/account';
import { runTs } from './support/child-process';
import { eventually, startTestApp, TEST_ENV } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

// Crash safety of the user.created reactions (profile, trial): the event outlives the process that
// committed it, and the profile and the trial are created exactly once by whichever process delivers it.

describe('profile crash safety', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('a sign-up committed just before SIGKILL gets its profile and its trial exactly once after restart, and never twice', async () => {
    const email = uniqueEmail('crash');
    const child = runTs('test/support/signup-crash-child.ts', {
      ...TEST_ENV,
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      OUTBOX_DISPATCHER_ENABLED: 'false',
      CRASH_EMAIL: email,
      CRASH_PASSWORD: GOOD_PASSWORD,
      CRASH_DISPLAY_NAME: '  Grace Hopper ',
    });
    await child.waitFor(/COMMITTED/);
    child.child.kill('SIGKILL'); // no graceful shutdown, no chance to dispatch
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The user and its event were committed together; nothing reacted, nothing was announced.
    const [user] = await db.query<{ id: string; display_name: string }>(`SELECT id, display_name FROM account.users WHERE email = $1`, [
      email,
    ]);
    expect(user.display_name).toBe('  Grace Hopper ');
    const events = await db.query<{ id: string; type: string; status: string; attempts: number }>(
      `SELECT id, type, status, attempts FROM kernel.outbox WHERE aggregate_id = $1`,
      [user.id],
    );
    expect(events).toEqual([{ id: expect.any(String), type: 'user.created', status: 'pending', attempts: 0 }]);
    const [event] = events;
    expect(await db.query(`SELECT * FROM kernel.inbox`)).toEqual([]);
    expect(await db.query(`SELECT * FROM kernel.event_subscriptions`)).toEqual([]);
    expect(await db.query(`SELECT * FROM profile.profiles`)).toEqual([]);
    expect(await db.query(`SELECT * FROM subscription.subscriptions`)).toEqual([]);

    // Restart: the dispatcher finds the pending event and the reaction runs once.
    const restarted = await startTestApp(db);
    try {
      await eventually(
        async () =>
          (await db.query<{ status: string }>(`SELECT status FROM kernel.outbox WHERE id = $1`, [event.id]))[0].status === 'delivered',
        15_000,
        'delivery after restart',
      );
    } finally {
      await restarted.close();
    }
    const profile = await db.query<{ user_id: string; display_name: string; updated_at: Date }>(
      `SELECT user_id, display_name, updated_at FROM profile.profiles`,
    );
    expect(profile).toEqual([{ user_id: user.id, display_name: 'Grace Hopper', updated_at: expect.any(Date) }]);
    const inbox = await db.query(`SELECT handler, event_id FROM kernel.inbox ORDER BY handler`);
    expect(inbox).toEqual([
      { handler: 'integration.profile.user-created', event_id: event.id },
      { handler: 'integration.subscription.user-created', event_id: event.id },
    ]);
    const trial = await db.query(`SELECT subject_type, subject_id, plan_key, status FROM subscription.subscriptions`);
    expect(trial).toEqual([{ subject_type: 'user', subject_id: user.id, plan_key: 'pro', status: 'trialing' }]);
    expect(await db.query(`SELECT subject_id FROM subscription.trials`)).toEqual([{ subject_id: user.id }]);

    // A second restart finds nothing to do: still one profile, untouched, one inbox record.
    const again = await startTestApp(db);
    try {
      await again.get(OutboxDispatcher).dispatchBatch();
      expect(again.get(OutboxDispatcher).stats.delivered).toBe(0);
    } finally {
      await again.close();
    }
    expect(await db.query(`SELECT user_id, display_name, updated_at FROM profile.profiles`)).toEqual(profile);
    expect(await db.query(`SELECT handler, event_id FROM kernel.inbox ORDER BY handler`)).toEqual(inbox);
    expect(await db.query(`SELECT subject_type, subject_id, plan_key, status FROM subscription.subscriptions`)).toEqual(trial);
    // Delivered without a failed attempt: the dispatcher starts only once the command handlers are registered.
    expect(await db.query(`SELECT status, attempts, dead_at, last_error FROM kernel.outbox WHERE id = $1`, [event.id])).toEqual([
      { status: 'delivered', attempts: 0, dead_at: null, last_error: null },
    ]);
  });
});
