import { OutboxAdmin, OutboxDispatcher, OutboxPublisher, Scopes, UnitOfWork, uuidv7 } from '@user-engine/kernel';
import { FlakyHappened, NoteCreated, PoisonHappened, SlowHappened } from './support/probe/probe.events';
import { PoisonBystander, probeFeature, SlowHandler } from './support/probe/probe.module';
import { PROBE_SCHEMA_SQL } from './support/probe/probe.sql';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { eventually, startTestApp, TestApp, useTestApp } from './support/test-app';

const TENANT = '0190a4d6-cccc-7000-8000-00000000000c';

async function publish(
  t: TestApp,
  event: typeof NoteCreated | typeof FlakyHappened | typeof PoisonHappened | typeof SlowHappened,
  payload: Record<string, unknown>,
  aggregateId = uuidv7(),
) {
  return t.get(UnitOfWork).run(Scopes.tenant(TENANT), () =>
    t.get(OutboxPublisher).publish(event as typeof NoteCreated, {
      tenantId: TENANT,
      aggregate: { type: 'probe', id: aggregateId },
      payload: payload as never,
    }),
  );
}

/** Runs `work` with the app's dispatcher stopped, so the test drives delivery by hand. */
async function withDispatcherStopped(t: TestApp, work: (dispatcher: OutboxDispatcher) => Promise<void>): Promise<void> {
  const dispatcher = t.get(OutboxDispatcher);
  await dispatcher.stop();
  try {
    await work(dispatcher);
  } finally {
    dispatcher.start();
  }
}

const outboxRow = (db: TestDatabase, id: string) =>
  db
    .query<{ status: string; attempts: number; last_error: string | null }>(
      `SELECT status, attempts, last_error FROM kernel.outbox WHERE id = $1`,
      [id],
    )
    .then((r) => r[0]);

describe('outbox dispatch', () => {
  // A one-hour poll: deliveries in this suite can only be prompt through LISTEN/NOTIFY.
  const ctx = useTestApp({ probe: true, env: { OUTBOX_POLL_INTERVAL: '1h', OUTBOX_MAX_ATTEMPTS: '3' } });

  it('delivers an event committed by a command to its handler once, woken by NOTIFY', async () => {
    const res = await ctx.t.inject({ method: 'POST', url: `/v1/probe/tenants/${TENANT}/notes`, payload: { text: 'hello' } });
    expect(res.statusCode).toBe(201);
    const [event] = await ctx.db.query<{
      id: string;
      type: string;
      version: number;
      tenant_id: string;
      request_id: string;
      payload: unknown;
    }>(`SELECT id, type, version, tenant_id, request_id, payload FROM kernel.outbox`);
    expect(event).toMatchObject({
      type: 'probe.note_created',
      version: 1,
      tenant_id: TENANT,
      request_id: res.headers['x-request-id'],
      payload: { note_id: res.json().id, text: 'hello' },
    });
    await eventually(async () => (await outboxRow(ctx.db, event.id)).status === 'delivered', 10_000, 'delivery');
    expect(await ctx.db.query(`SELECT event_id, handler FROM probe.effects`)).toEqual([
      { event_id: event.id, handler: 'note-created-effect' },
    ]);
    expect(await ctx.db.query(`SELECT handler, event_id FROM kernel.inbox`)).toEqual([
      { handler: 'probe.note-created-effect', event_id: event.id },
    ]);
  });

  it('a redelivered event is a no-op for a handler that already processed it', async () => {
    const id = await publish(ctx.t, NoteCreated, { note_id: 'n', text: 'again' });
    await eventually(async () => (await outboxRow(ctx.db, id)).status === 'delivered');
    // As if the process died after the handler committed but before the row was marked delivered.
    await ctx.db.query(`UPDATE kernel.outbox SET status = 'pending', delivered_at = NULL WHERE id = $1`, [id]);
    await ctx.t.get(OutboxDispatcher).dispatchBatch();
    expect((await outboxRow(ctx.db, id)).status).toBe('delivered');
    expect(await ctx.db.query(`SELECT count(*)::int AS n FROM probe.effects WHERE event_id = $1`, [id])).toEqual([{ n: 1 }]);
  });

  it('a failing handler is retried with backoff; its failed attempts leave no writes behind', async () => {
    const id = await publish(ctx.t, FlakyHappened, { fail_times: 2 });
    await eventually(async () => (await outboxRow(ctx.db, id)).status === 'delivered', 10_000, 'flaky delivery');
    expect(await outboxRow(ctx.db, id)).toEqual({ status: 'delivered', attempts: 2, last_error: null });
    expect(await ctx.db.query(`SELECT handler FROM probe.effects WHERE event_id = $1`, [id])).toEqual([{ handler: 'flaky' }]);
  });

  it('an always-failing handler dead-letters with its error; other handlers of the event ran once; replay retries', async () => {
    const bystander = ctx.t.get(PoisonBystander);
    const runsBefore = bystander.runs;
    const id = await publish(ctx.t, PoisonHappened, { reason: 'bad data' });
    await eventually(async () => (await outboxRow(ctx.db, id)).status === 'dead', 10_000, 'dead letter');
    const dead = await outboxRow(ctx.db, id);
    expect(dead).toEqual({ status: 'dead', attempts: 3, last_error: 'PoisonHandler: cannot handle: bad data' });
    expect(bystander.runs - runsBefore).toBe(1);

    const admin = ctx.t.get(OutboxAdmin);
    expect((await admin.deadLetters()).map((d) => d.id)).toContain(id);
    expect(await admin.replay([id])).toBe(1);
    expect((await outboxRow(ctx.db, id)).status).toBe('pending');
    await eventually(async () => (await outboxRow(ctx.db, id)).status === 'dead', 10_000, 'dead again');
    expect(bystander.runs - runsBefore).toBe(1);
    expect((await admin.counts()).dead).toBeGreaterThanOrEqual(1);
  });

  it('a dead event holds back the later events of its aggregate until an operator replays or skips it', async () => {
    await withDispatcherStopped(ctx.t, async (dispatcher) => {
      const aggregate = uuidv7();
      const poison = await publish(ctx.t, PoisonHappened, { reason: 'order' }, aggregate);
      const next = await publish(ctx.t, NoteCreated, { note_id: 'z', text: 'after the poison' }, aggregate);
      await ctx.db.query(`UPDATE kernel.outbox SET status = 'dead', dead_at = now(), attempts = 3 WHERE id = $1`, [poison]);
      await dispatcher.dispatchBatch();
      expect((await outboxRow(ctx.db, next)).status).toBe('pending');
      expect(await ctx.t.get(OutboxAdmin).skip([poison])).toBe(1);
      expect((await outboxRow(ctx.db, poison)).status).toBe('skipped');
      await dispatcher.dispatchBatch();
      expect((await outboxRow(ctx.db, next)).status).toBe('delivered');
    });
  });

  it('an outcome is only recorded while this dispatcher still holds the event (fenced by its lease)', async () => {
    await withDispatcherStopped(ctx.t, async (dispatcher) => {
      const gate = ctx.t.get(SlowHandler).arm();
      const id = await publish(ctx.t, SlowHappened, { label: 'fenced' });
      const delivering = dispatcher.dispatchBatch();
      await gate.reached;
      // Meanwhile its lease ran out and another dispatcher took the event over.
      await ctx.db.query(`UPDATE kernel.outbox SET claimed_by = 'someone-else', claimed_until = now() + interval '1 hour' WHERE id = $1`, [
        id,
      ]);
      gate.open();
      await delivering;
      expect(await ctx.db.query(`SELECT status, claimed_by FROM kernel.outbox WHERE id = $1`, [id])).toEqual([
        { status: 'pending', claimed_by: 'someone-else' },
      ]);
    });
  });

  it('an event waits for handlers that another live instance announced, and ignores stale announcements', async () => {
    await withDispatcherStopped(ctx.t, async (dispatcher) => {
      try {
        await ctx.db.query(
          `INSERT INTO kernel.event_subscriptions (handler, event_type, seen_at) VALUES ('billing.on-note', 'probe.note_created', now())`,
        );
        const id = await publish(ctx.t, NoteCreated, { note_id: 'w', text: 'wait for billing' });
        await dispatcher.dispatchBatch();
        const waiting = await ctx.db.query<{ status: string; last_error: string; attempts: number }>(
          `SELECT status, last_error, attempts FROM kernel.outbox WHERE id = $1`,
          [id],
        );
        expect(waiting).toEqual([
          { status: 'pending', last_error: 'waiting for handlers of other instances: billing.on-note', attempts: 0 },
        ]);
        // The other instance handles it (its inbox record), then the event is complete.
        await ctx.db.query(`INSERT INTO kernel.inbox (handler, event_id) VALUES ('billing.on-note', $1)`, [id]);
        await ctx.db.query(`UPDATE kernel.outbox SET next_attempt_at = now() WHERE id = $1`, [id]);
        await dispatcher.dispatchBatch();
        expect((await outboxRow(ctx.db, id)).status).toBe('delivered');
        // An instance not seen for longer than OUTBOX_SUBSCRIBER_TTL holds nothing back.
        await ctx.db.query(`UPDATE kernel.event_subscriptions SET seen_at = now() - interval '1 day' WHERE handler = 'billing.on-note'`);
        const later = await publish(ctx.t, NoteCreated, { note_id: 'v', text: 'no wait' });
        await dispatcher.dispatchBatch();
        expect((await outboxRow(ctx.db, later)).status).toBe('delivered');
      } finally {
        await ctx.db.query(`DELETE FROM kernel.event_subscriptions WHERE handler = 'billing.on-note'`);
      }
    });
  });

  it('an event whose lease expired (its dispatcher died) is taken over', async () => {
    await withDispatcherStopped(ctx.t, async (dispatcher) => {
      const id = await publish(ctx.t, NoteCreated, { note_id: 'm', text: 'leased' });
      await ctx.db.query(`UPDATE kernel.outbox SET claimed_by = 'gone:1', claimed_until = now() + interval '1 hour' WHERE id = $1`, [id]);
      await dispatcher.dispatchBatch();
      // Still leased to the other dispatcher: untouched.
      expect(await ctx.db.query(`SELECT status, claimed_by FROM kernel.outbox WHERE id = $1`, [id])).toEqual([
        { status: 'pending', claimed_by: 'gone:1' },
      ]);
      await ctx.db.query(`UPDATE kernel.outbox SET claimed_until = now() - interval '1 second' WHERE id = $1`, [id]);
      await dispatcher.dispatchBatch();
      expect((await outboxRow(ctx.db, id)).status).toBe('delivered');
    });
  });

  it('later events of an aggregate wait for the earlier one still pending (per-aggregate order)', async () => {
    await withDispatcherStopped(ctx.t, async (dispatcher) => {
      const aggregate = uuidv7();
      const first = await publish(ctx.t, FlakyHappened, { fail_times: 1 }, aggregate);
      const second = await publish(ctx.t, NoteCreated, { note_id: 'x', text: 'second' }, aggregate);
      const other = await publish(ctx.t, NoteCreated, { note_id: 'y', text: 'other aggregate' });
      await dispatcher.dispatchBatch(); // first fails (retry later); second must not overtake it; other goes
      expect((await outboxRow(ctx.db, first)).status).toBe('pending');
      expect((await outboxRow(ctx.db, second)).status).toBe('pending');
      expect((await outboxRow(ctx.db, other)).status).toBe('delivered');
      await ctx.db.query(`UPDATE kernel.outbox SET next_attempt_at = now() WHERE id = $1`, [first]);
      await dispatcher.dispatchBatch();
      expect((await outboxRow(ctx.db, first)).status).toBe('delivered');
      await dispatcher.dispatchBatch();
      expect((await outboxRow(ctx.db, second)).status).toBe('delivered');
    });
  });
});

describe('two dispatchers on one database', () => {
  let db: TestDatabase;
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(PROBE_SCHEMA_SQL);
    const env = { OUTBOX_DISPATCHER_ENABLED: 'false', OUTBOX_BATCH_SIZE: '25', OUTBOX_POLL_INTERVAL: '20ms' };
    process.env.PROBE_APP_LABEL = 'one';
    one = await startTestApp(db, { extra: [probeFeature], env });
    process.env.PROBE_APP_LABEL = 'two';
    two = await startTestApp(db, { extra: [probeFeature], env });
    delete process.env.PROBE_APP_LABEL;
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  it('deliver each of 1,000 events exactly once, in order within each aggregate', async () => {
    const aggregates = Array.from({ length: 50 }, () => uuidv7());
    const uow = one.get(UnitOfWork);
    const publisher = one.get(OutboxPublisher);
    for (let batch = 0; batch < 10; batch++) {
      await uow.run(Scopes.tenant(TENANT), async () => {
        for (let i = 0; i < 100; i++) {
          const n = batch * 100 + i;
          await publisher.publish(NoteCreated, {
            tenantId: TENANT,
            aggregate: { type: 'probe', id: aggregates[n % 50] },
            payload: { note_id: String(n), text: `e${n}` },
          });
        }
      });
    }
    one.get(OutboxDispatcher).start();
    two.get(OutboxDispatcher).start();
    await eventually(
      async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel.outbox WHERE status = 'delivered'`))[0].n === 1000,
      60_000,
      '1000 deliveries',
    );

    const [counts] = await db.query<{ total: number; distinct_events: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct_events FROM probe.effects`,
    );
    expect(counts).toEqual({ total: 1000, distinct_events: 1000 });
    const byApp = await db.query<{ app: string; n: number }>(`SELECT app, count(*)::int AS n FROM probe.effects GROUP BY app ORDER BY app`);
    expect(byApp.map((r) => r.app)).toEqual(['one', 'two']); // both took part
    // Within an aggregate, effects were written in event order.
    const outOfOrder = await db.query(
      `SELECT aggregate_id FROM (
         SELECT aggregate_id, event_id, lag(event_id) OVER (PARTITION BY aggregate_id ORDER BY seq) AS prev FROM probe.effects
       ) s WHERE prev IS NOT NULL AND prev > event_id`,
    );
    expect(outOfOrder).toEqual([]);
    expect(one.get(OutboxDispatcher).stats.delivered + two.get(OutboxDispatcher).stats.delivered).toBe(1000);
  });
});
