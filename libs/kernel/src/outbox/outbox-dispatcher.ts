import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { EventEnvelopeV1, IntegrationEvent, type EventDefinition } from '@user-engine/contracts';
import { CLS_ID, ClsService } from 'nestjs-cls';
import { Client } from 'pg';
import { hostname } from 'node:os';
import { kernelConfig, type KernelConfig } from '../config/kernel.config';
import { RESOLVED_DATABASE } from '../database/database.module';
import type { ResolvedDatabase } from '../database/connection';
import { Scopes, UnitOfWork } from '../database/unit-of-work';
import { uuidv7 } from '../ids/uuid';
import { queryRows } from '../database/query-rows';
import { NatsRelay } from './nats-relay';
import {
  handlerScope,
  INTEGRATION_EVENT_HANDLER,
  IntegrationEventHandlerMetadata,
  IntegrationHandler,
} from './integration-event-handler.decorator';

interface Subscriber {
  name: string;
  instance: IntegrationHandler;
  meta: IntegrationEventHandlerMetadata;
}

interface OutboxRow {
  id: string;
  type: string;
  version: number;
  tenant_id: string | null;
  aggregate_type: string;
  aggregate_id: string;
  actor: EventEnvelopeV1['actor'];
  request_id: string | null;
  occurred_at: Date;
  payload: unknown;
  attempts: number;
}

export interface DispatcherStats {
  delivered: number;
  failed: number;
  deadLettered: number;
}

/**
 * Delivers outbox events to in-process handlers, at least once, with per-aggregate ordering.
 *
 * Rows are *claimed* (a lease, taken with FOR UPDATE SKIP LOCKED) rather than read past a
 * high-water mark, because ids commit out of order. An event is only claimable when no older event
 * of its aggregate is still pending, which gives per-aggregate order across several dispatchers.
 * Wake-ups come from LISTEN/NOTIFY, with polling as the fallback.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxDispatcher');
  private readonly workerId = `${hostname()}:${process.pid}:${uuidv7().slice(-12)}`;
  private subscribers = new Map<string, Subscriber[]>();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private listener?: Client;
  private listening = false;
  private woken = false;
  private lastHeartbeat = 0;
  readonly stats: DispatcherStats = { delivered: 0, failed: 0, deadLettered: 0 };

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly uow: UnitOfWork,
    private readonly cls: ClsService,
    @Inject(kernelConfig.KEY) private readonly config: KernelConfig,
    @Inject(RESOLVED_DATABASE) private readonly database: ResolvedDatabase,
    private readonly relay: NatsRelay,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  get enabled(): boolean {
    return this.config.outboxDispatcherEnabled;
  }

  onApplicationBootstrap(): void {
    this.subscribers = this.discoverSubscribers();
  }

  /**
   * Starts dispatching when this process is configured to. Called by the composition root once the
   * application has initialised, not from a bootstrap hook: the CQRS module registers the command
   * handlers that reactions call in its own hook, which runs after the kernel's, so an event pending
   * at start would otherwise meet "no handler for the command" and burn an attempt.
   */
  startIfEnabled(): void {
    if (this.config.outboxDispatcherEnabled) this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Handler names by event type, for diagnostics. */
  subscriptions(): Record<string, string[]> {
    return Object.fromEntries([...this.subscribers].map(([type, subs]) => [type, subs.map((s) => s.name)]));
  }

  private discoverSubscribers(): Map<string, Subscriber[]> {
    const map = new Map<string, Subscriber[]>();
    const names = new Set<string>();
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const meta = this.reflector.get<IntegrationEventHandlerMetadata | undefined>(INTEGRATION_EVENT_HANDLER, metatype);
      if (!meta) continue;
      const name = meta.options.name ?? metatype.name;
      if (names.has(name)) throw new Error(`Two integration event handlers share the inbox name "${name}".`);
      names.add(name);
      for (const event of meta.events) {
        const list = map.get(event.type) ?? [];
        list.push({ name, instance: instance as IntegrationHandler, meta });
        map.set(event.type, list);
      }
    }
    return map;
  }

  /** NATS relay as one more consumer of every event, with its own inbox record. */
  private readonly relaySubscriber: Subscriber = {
    name: 'kernel.nats-relay',
    instance: { handle: (event) => this.relay.publish(event.envelope) },
    meta: { events: [], options: { scope: 'global' } },
  };

  private eventClasses(type: string): EventDefinition<unknown> | undefined {
    return this.subscribers.get(type)?.[0]?.meta.events.find((e) => e.type === type);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.listen();
    this.loop = this.run();
    this.logger.log(`dispatcher ${this.workerId} started`);
  }

  /** The (handler, event type) pairs this process consumes; '*' for the NATS relay. */
  private ownSubscriptions(): { handler: string; type: string }[] {
    const pairs = [...this.subscribers].flatMap(([type, subs]) => subs.map((s) => ({ handler: s.name, type })));
    if (this.relay.enabled) pairs.push({ handler: this.relaySubscriber.name, type: '*' });
    return pairs;
  }

  /**
   * Announces this process's handlers. An event is only marked delivered when every handler that
   * any live instance announced has processed it, so replicas with different MODULES or versions
   * (a rolling deploy adding a handler) never mark an event done for each other.
   */
  private async heartbeat(): Promise<void> {
    const pairs = this.ownSubscriptions();
    if (!pairs.length) return;
    await this.uow.run(Scopes.platform, (m) =>
      m.query(
        `INSERT INTO kernel.event_subscriptions (handler, event_type, seen_at)
         SELECT * , now() FROM unnest($1::text[], $2::text[])
         ON CONFLICT (handler, event_type) DO UPDATE SET seen_at = now()`,
        [pairs.map((p) => p.handler), pairs.map((p) => p.type)],
      ),
    );
    this.lastHeartbeat = Date.now();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop; // finishes the batch in hand
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    this.logger.log(`dispatcher ${this.workerId} stopped`);
  }

  /** Keeps one LISTEN connection open while running; a single loop at a time. */
  private async listen(): Promise<void> {
    if (this.listening) return;
    this.listening = true;
    try {
      while (this.running && !this.listener) {
        const client = new Client({ connectionString: this.database.url, application_name: 'user-engine-outbox-listener' });
        // Listeners first: an error may arrive at any point of the connection's life.
        client.on('error', (err) => this.onListenerError(client, err));
        client.on('notification', () => this.nudge());
        try {
          await client.connect();
          await client.query('LISTEN kernel_outbox');
        } catch (err) {
          await client.end().catch(() => undefined);
          if (!this.running) return;
          this.logger.warn(`outbox listener could not connect (${(err as Error).message}); polling meanwhile`);
          await new Promise((r) => setTimeout(r, this.config.outboxPollInterval * 5).unref());
          continue;
        }
        if (!this.running) {
          await client.end().catch(() => undefined);
          return;
        }
        this.listener = client;
        // Events committed before LISTEN took effect sent no notification we could hear: look now.
        this.nudge();
      }
    } finally {
      this.listening = false;
    }
  }

  private onListenerError(client: Client, err: Error): void {
    client.end().catch(() => undefined);
    if (this.listener !== client) return;
    this.listener = undefined;
    if (!this.running) return;
    this.logger.warn(`outbox listener lost its connection (${err.message}); polling until it reconnects`);
    setTimeout(() => void this.listen(), this.config.outboxPollInterval).unref();
  }

  /** Wakes the loop; a wake-up that arrives while it is busy is kept for its next sleep. */
  private nudge(): void {
    this.woken = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running || this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        if (Date.now() - this.lastHeartbeat > this.config.outboxSubscriberTtl / 4) await this.heartbeat();
        claimed = await this.dispatchBatch();
      } catch (err) {
        this.logger.error(`dispatch round failed: ${(err as Error).message}`);
      }
      // A full batch means there is probably more: go on without waiting. Otherwise sleep until a
      // NOTIFY, the next scheduled retry, or the polling fallback — whichever comes first.
      if (this.running && claimed < this.config.outboxBatchSize) await this.sleep(await this.idleDelay());
    }
  }

  /** Until the next moment a pending event becomes claimable (retry time or lease end). */
  private async idleDelay(): Promise<number> {
    try {
      const [row] = await this.uow.run(Scopes.platform, (m) =>
        queryRows<{ ms: number | null }>(
          m,
          `SELECT (extract(epoch FROM min(greatest(c.next_attempt_at, coalesce(c.claimed_until, c.next_attempt_at))) - now()) * 1000)::float8 AS ms
             FROM kernel.outbox c
            WHERE c.status = 'pending'
              AND NOT EXISTS (
                SELECT 1 FROM kernel.outbox p
                 WHERE p.status IN ('pending', 'dead') AND p.aggregate_type = c.aggregate_type
                   AND p.aggregate_id = c.aggregate_id AND p.id < c.id)`,
        ),
      );
      if (row?.ms !== null && row?.ms !== undefined) return Math.max(50, Math.min(this.config.outboxPollInterval, row.ms));
    } catch {
      // fall back to polling
    }
    return this.config.outboxPollInterval;
  }

  /** Claims and delivers one batch; returns how many events were claimed. Public for tests and tools. */
  async dispatchBatch(): Promise<number> {
    const claimedAt = Date.now();
    const updated = await this.uow.run(Scopes.platform, (m) =>
      queryRows<OutboxRow>(
        m,
        `UPDATE kernel.outbox o
          SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2::double precision / 1000)
         FROM (
           SELECT c.id FROM kernel.outbox c
            WHERE c.status = 'pending'
              AND c.next_attempt_at <= now()
              AND (c.claimed_until IS NULL OR c.claimed_until < now())
              AND NOT EXISTS (
                SELECT 1 FROM kernel.outbox p
                 WHERE p.status IN ('pending', 'dead') AND p.aggregate_type = c.aggregate_type
                   AND p.aggregate_id = c.aggregate_id AND p.id < c.id)
            ORDER BY c.id
            LIMIT $3
            FOR UPDATE SKIP LOCKED
         ) picked
        WHERE o.id = picked.id
      RETURNING o.id, o.type, o.version, o.tenant_id, o.aggregate_type, o.aggregate_id, o.actor, o.request_id,
                o.occurred_at, o.payload, o.attempts`,
        [this.workerId, this.config.outboxLease, this.config.outboxBatchSize],
      ),
    );
    updated.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (let i = 0; i < updated.length; i++) {
      // Never work on an event whose lease may have run out: another dispatcher may own it now.
      if (Date.now() - claimedAt > this.config.outboxLease * 0.8) {
        await this.release(updated.slice(i).map((r) => r.id));
        break;
      }
      await this.deliver(updated[i]);
    }
    return updated.length;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const envelope: EventEnvelopeV1 = {
      id: row.id,
      type: row.type,
      version: row.version,
      tenant_id: row.tenant_id,
      aggregate: { type: row.aggregate_type, id: row.aggregate_id },
      actor: row.actor,
      request_id: row.request_id,
      occurred_at: new Date(row.occurred_at).toISOString(),
      payload: row.payload,
    };
    const Event = this.eventClasses(row.type);
    const event = Event ? new Event(envelope) : new IntegrationEvent(envelope);
    const failures: { handler: string; message: string }[] = [];
    const subscribers = [...(this.subscribers.get(row.type) ?? [])];
    if (this.relay.enabled) subscribers.push(this.relaySubscriber);
    for (const sub of subscribers) {
      try {
        // The event's request id follows it into the handler's logs.
        await this.cls.run(async () => {
          this.cls.set(CLS_ID, row.request_id ?? row.id);
          await this.uow.run(handlerScope(sub.meta.options, row.tenant_id), async (manager) => {
            const inserted = await queryRows(
              manager,
              `INSERT INTO kernel.inbox (handler, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
              [sub.name, row.id],
            );
            if (!inserted.length) return; // delivered before: a redelivery is a no-op
            await sub.instance.handle(event);
          });
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        failures.push({ handler: sub.name, message });
        this.logger.warn(`handler ${sub.name} failed on ${row.type} ${row.id} (attempt ${row.attempts + 1}): ${message}`);
      }
    }
    if (!failures.length) {
      const waitingFor = await this.outstandingHandlers(row);
      if (waitingFor.length) {
        // Handlers announced by other instances have not seen it yet: leave it to them.
        await this.outcome(
          row.id,
          `SET claimed_by = NULL, claimed_until = NULL, next_attempt_at = now() + interval '1 second', last_error = $3`,
          [`waiting for handlers of other instances: ${waitingFor.join(', ')}`],
        );
        return;
      }
      await this.outcome(
        row.id,
        `SET status = 'delivered', delivered_at = now(), claimed_by = NULL, claimed_until = NULL, last_error = NULL`,
      );
      this.stats.delivered++;
      return;
    }
    const attempts = row.attempts + 1;
    const error = failures
      .map((f) => `${f.handler}: ${f.message}`)
      .join('; ')
      .slice(0, 4000);
    // An unreachable NATS is infrastructure, not a bad event: such events wait for it indefinitely.
    const onlyRelay = failures.every((f) => f.handler === this.relaySubscriber.name);
    if (attempts >= this.config.outboxMaxAttempts && !onlyRelay) {
      await this.outcome(
        row.id,
        `SET status = 'dead', dead_at = now(), attempts = $3, last_error = $4, claimed_by = NULL, claimed_until = NULL`,
        [attempts, error],
      );
      this.stats.deadLettered++;
      this.logger.error(`event ${row.type} ${row.id} dead-lettered after ${attempts} attempts: ${error}`);
      return;
    }
    await this.outcome(
      row.id,
      `SET attempts = $3, last_error = $4, claimed_by = NULL, claimed_until = NULL,
           next_attempt_at = now() + make_interval(secs => $5::double precision / 1000)`,
      [attempts, error, this.backoff(attempts)],
    );
    this.stats.failed++;
  }

  /** Updates an event this dispatcher still holds (a lost lease changes nothing). */
  private async outcome(id: string, set: string, params: unknown[] = []): Promise<void> {
    await this.uow.run(Scopes.platform, (m) =>
      m.query(`UPDATE kernel.outbox ${set} WHERE id = $1 AND claimed_by = $2`, [id, this.workerId, ...params]),
    );
  }

  private async release(ids: string[]): Promise<void> {
    await this.uow.run(Scopes.platform, (m) =>
      m.query(`UPDATE kernel.outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ANY($1::uuid[]) AND claimed_by = $2`, [
        ids,
        this.workerId,
      ]),
    );
  }

  /** Live subscribers of the event's type (from any instance) that have no inbox record for it. */
  private async outstandingHandlers(row: OutboxRow): Promise<string[]> {
    const rows = await this.uow.run(Scopes.platform, (m) =>
      queryRows<{ handler: string }>(
        m,
        `SELECT s.handler FROM kernel.event_subscriptions s
          WHERE s.event_type IN ($1, '*') AND s.seen_at > now() - make_interval(secs => $3::double precision / 1000)
            AND NOT EXISTS (SELECT 1 FROM kernel.inbox i WHERE i.handler = s.handler AND i.event_id = $2)`,
        [row.type, row.id, this.config.outboxSubscriberTtl],
      ),
    );
    return rows.map((r) => r.handler).sort();
  }

  /** Exponential backoff with ±20 % jitter, capped. */
  backoff(attempts: number): number {
    const base = Math.min(this.config.outboxRetryMax, this.config.outboxRetryBase * 2 ** (attempts - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}
