import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsRelay, OutboxDispatcher, OutboxPublisher, Scopes, UnitOfWork, uuidv7 } from '@user-engine/kernel';
import { NoteCreated } from './support/probe/probe.events';
import { eventually, useTestApp } from './support/test-app';

// The machine's NATS server with JetStream (NATS_URL in CI, 127.0.0.1:4222 by default).
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const RUN = randomBytes(4).toString('hex');
const STREAM = `UE_TEST_${RUN}`;
const PREFIX = `ue-test-${RUN}.events`;
const TENANT = '0190a4d6-1234-7000-8000-000000000001';
// Without a NATS server (a laptop without one) the suite is skipped; under CI it always runs.
const describeWithNats = process.env.UE_TEST_NATS ? describe : describe.skip;

describeWithNats('outbox relay to NATS JetStream', () => {
  const ctx = useTestApp({ probe: true, env: { NATS_URL, NATS_STREAM: STREAM, NATS_SUBJECT_PREFIX: PREFIX } });
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(STREAM).catch(() => undefined);
    await nc.close();
  });

  const publish = (text: string) =>
    ctx.t
      .get(UnitOfWork)
      .run(Scopes.tenant(TENANT), () =>
        ctx.t
          .get(OutboxPublisher)
          .publish(NoteCreated, { tenantId: TENANT, aggregate: { type: 'note', id: uuidv7() }, payload: { note_id: 'n', text } }),
      );
  const status = async (id: string) =>
    (await ctx.db.query<{ status: string }>(`SELECT status FROM kernel.outbox WHERE id = $1`, [id]))[0].status;

  it('publishes each event once, on <prefix>.<type>, with the event id as message id', async () => {
    const id = await publish('to nats');
    await eventually(async () => (await status(id)) === 'delivered', 15_000, 'relay');
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM);
    expect(info.state.messages).toBe(1);
    const msg = await jsm.streams.getMessage(STREAM, { seq: info.state.last_seq });
    expect(msg!.subject).toBe(`${PREFIX}.probe.note_created`);
    expect(msg!.header?.get('Nats-Msg-Id')).toBe(id);
    expect(msg!.json()).toMatchObject({ id, type: 'probe.note_created', version: 1, tenant_id: TENANT, payload: { text: 'to nats' } });
    expect(await ctx.db.query(`SELECT handler FROM kernel.inbox WHERE event_id = $1 ORDER BY handler`, [id])).toEqual([
      { handler: 'kernel.nats-relay' },
      { handler: 'probe.note-created-effect' },
    ]);
  });

  it('a redelivered event is not published again (inbox), and a repeated publish is a JetStream duplicate', async () => {
    const id = await publish('once only');
    await eventually(async () => (await status(id)) === 'delivered');
    await ctx.db.query(`UPDATE kernel.outbox SET status = 'pending' WHERE id = $1`, [id]);
    await ctx.t.get(OutboxDispatcher).dispatchBatch();
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(STREAM)).state.messages).toBe(2);
    // As after a crash between publishing and recording it: the server drops the copy.
    const [row] = await ctx.db.query<{ payload: unknown }>(`SELECT payload FROM kernel.outbox WHERE id = $1`, [id]);
    await ctx.t.get(NatsRelay).publish({
      id,
      type: 'probe.note_created',
      version: 1,
      tenant_id: TENANT,
      aggregate: { type: 'note', id: 'x' },
      actor: null,
      request_id: null,
      occurred_at: new Date().toISOString(),
      payload: row.payload,
    });
    expect((await jsm.streams.info(STREAM)).state.messages).toBe(2);
  });

  it('reports the connection in readiness', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.nats).toEqual({ status: 'ok' });
  });
});

describe('outbox relay while NATS is unreachable', () => {
  const ctx = useTestApp({
    probe: true,
    // One attempt allowed: relay failures must still never dead-letter an event.
    env: { NATS_URL: 'nats://127.0.0.1:1', NATS_STREAM: `${STREAM}_DOWN`, OUTBOX_MAX_ATTEMPTS: '1' },
  });

  it('keeps the event pending with its error, and readiness stays up but degraded', async () => {
    const id = await ctx.t
      .get(UnitOfWork)
      .run(Scopes.tenant(TENANT), () =>
        ctx.t
          .get(OutboxPublisher)
          .publish(NoteCreated, { tenantId: TENANT, aggregate: { type: 'note', id: uuidv7() }, payload: { note_id: 'n', text: 'waits' } }),
      );
    const row = await eventually(async () => {
      const [r] = await ctx.db.query<{ status: string; attempts: number; last_error: string }>(
        `SELECT status, attempts, last_error FROM kernel.outbox WHERE id = $1`,
        [id],
      );
      return r.attempts > 1 ? r : undefined;
    });
    expect(row.status).toBe('pending');
    expect(row.last_error).toMatch(/^kernel\.nats-relay: /);
    // the in-process handler ran regardless, once
    expect(await ctx.db.query(`SELECT count(*)::int AS n FROM probe.effects WHERE event_id = $1`, [id])).toEqual([{ n: 1 }]);
    const res = await ctx.t.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.nats).toEqual({ status: 'degraded', detail: 'not connected; events wait in the outbox' });
  });
});
