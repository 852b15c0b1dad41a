import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Client } from 'pg';
import { RESOLVED_DATABASE } from '../database/database.module';
import type { ResolvedDatabase } from '../database/connection';
import { UnitOfWork } from '../database/unit-of-work';

export interface NotificationSubscriber {
  /** A message on the channel (delivered after the sending transaction committed). */
  onMessage(payload: string): void;
  /**
   * Called once LISTEN is in effect, at start and after every reconnect: messages sent while the
   * connection was down are lost, so the subscriber reloads what it caches from the database.
   */
  onResync(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Process-wide fan-out over PostgreSQL LISTEN/NOTIFY: one connection listens on every channel a
 * module subscribed to. Modules use it to keep in-process caches (revoked sessions, signing keys)
 * consistent across replicas without a read per request.
 */
@Injectable()
export class PgNotifications implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('PgNotifications');
  private readonly subscribers = new Map<string, NotificationSubscriber[]>();
  private client?: Client;
  private running = false;
  private retry?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @Inject(RESOLVED_DATABASE) private readonly database: ResolvedDatabase,
    private readonly uow: UnitOfWork,
  ) {}

  /** Registers a subscriber; call it before the application bootstraps (constructor or onModuleInit). */
  subscribe(channel: string, subscriber: NotificationSubscriber): void {
    if (!CHANNEL.test(channel)) throw new Error(`Not a channel name: ${channel}`);
    this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), subscriber]);
  }

  /**
   * Sends a message from the current transaction: listeners (this process included) receive it only
   * if and when it commits. Outside a transaction it is sent at once.
   */
  async notify(channel: string, payload: string): Promise<void> {
    if (this.uow.active) await this.uow.manager.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
    else await this.uow.run({ kind: 'global' }, (m) => m.query(`SELECT pg_notify($1, $2)`, [channel, payload]));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.subscribers.size) return;
    this.running = true;
    // The first connection is awaited: caches are warm before the first request is served.
    await this.connect();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.database.url, application_name: 'user-engine-notifications', keepAlive: true });
    client.on('error', (err) => this.lost(client, err));
    client.on('notification', (n) => {
      for (const s of this.subscribers.get(n.channel) ?? []) {
        try {
          s.onMessage(n.payload ?? '');
        } catch (err) {
          this.logger.error(`subscriber of ${n.channel} failed: ${(err as Error).message}`);
        }
      }
    });
    try {
      await client.connect();
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      this.scheduleReconnect(err as Error);
      return;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // A connection dropped silently (a NAT or proxy idle timeout) raises no error by itself: a
    // heartbeat query notices it, and the reconnect resyncs what was missed.
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: Error) => this.lost(client, err));
    }, 30_000);
    this.heartbeat.unref();
    await this.resync();
  }

  private async resync(): Promise<void> {
    for (const subscribers of this.subscribers.values()) {
      for (const s of subscribers) {
        await s.onResync().catch((err: Error) => this.logger.error(`resync failed: ${err.message}`));
      }
    }
  }

  private lost(client: Client, err: Error): void {
    client.end().catch(() => undefined);
    if (this.client !== client) return;
    this.client = undefined;
    this.scheduleReconnect(err);
  }

  private scheduleReconnect(err: Error): void {
    if (!this.running) return;
    this.logger.warn(`notification listener unavailable (${err.message}); reconnecting`);
    this.retry = setTimeout(() => void this.connect(), 1000);
    this.retry.unref();
  }
}
