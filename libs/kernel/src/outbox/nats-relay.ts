import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { EventEnvelopeV1 } from '@user-engine/contracts';
import { kernelConfig, type KernelConfig } from '../config/kernel.config';

/** JetStream drops a re-published message id within this window (a redelivery after a crash). */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1e9;

/**
 * Relays outbox events to NATS JetStream when NATS_URL is set. The dispatcher calls it like a
 * handler (with an inbox record), and the event id is the JetStream message id, so a publish that
 * is repeated after a crash is recognised as a duplicate by the server.
 */
@Injectable()
export class NatsRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NatsRelay');
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private connecting?: Promise<void>;

  constructor(@Inject(kernelConfig.KEY) private readonly config: KernelConfig) {}

  get enabled(): boolean {
    return this.config.natsUrl !== undefined;
  }

  get connected(): boolean {
    return this.js !== undefined && this.nc !== undefined && !this.nc.isClosed();
  }

  onApplicationBootstrap(): void {
    if (this.enabled) void this.ensureConnected().catch(() => undefined);
  }

  // After the dispatcher has stopped (before-shutdown), so its last batch could still publish.
  async onApplicationShutdown(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.js = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  subject(type: string): string {
    return `${this.config.natsSubjectPrefix}.${type}`;
  }

  async publish(envelope: EventEnvelopeV1): Promise<void> {
    await this.ensureConnected();
    await this.js!.publish(this.subject(envelope.type), JSON.stringify(envelope), { msgID: envelope.id });
  }

  private ensureConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    try {
      const nc = await connect({
        servers: this.config.natsUrl!,
        name: 'user-engine',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
        timeout: 5000,
      });
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(this.config.natsStream);
      } catch {
        await jsm.streams.add({
          name: this.config.natsStream,
          subjects: [`${this.config.natsSubjectPrefix}.>`],
          duplicate_window: DUPLICATE_WINDOW_NS,
        });
        this.logger.log(`created JetStream stream ${this.config.natsStream}`);
      }
      this.nc = nc;
      this.js = jetstream(nc);
    } catch (err) {
      this.logger.warn(`NATS unavailable (${(err as Error).message}); events wait in the outbox and are retried`);
      throw err;
    }
  }
}
