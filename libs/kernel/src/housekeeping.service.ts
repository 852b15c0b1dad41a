import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Scopes, UnitOfWork } from './database/unit-of-work';
import { PeriodicJob } from './periodic-job';

/**
 * Periodic clean-up of the kernel's own tables: expired idempotency keys, and delivered outbox
 * events (with their inbox records) after a week. Small batches keep each statement short.
 */
@Injectable()
export class Housekeeping implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Housekeeping');
  private readonly job = new PeriodicJob('housekeeping', 60_000, () => this.sweep(), this.logger);

  constructor(private readonly uow: UnitOfWork) {}

  onApplicationBootstrap(): void {
    this.job.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async sweep(): Promise<void> {
    try {
      await this.uow.run(Scopes.platform, async (m) => {
        await m.query(
          `DELETE FROM kernel.idempotency_keys WHERE ctid IN (SELECT ctid FROM kernel.idempotency_keys WHERE expires_at < now() LIMIT 1000)`,
        );
        await m.query(
          `WITH old AS (
           SELECT id FROM kernel.outbox WHERE status = 'delivered' AND delivered_at < now() - interval '7 days' LIMIT 1000
         ), gone AS (DELETE FROM kernel.outbox o USING old WHERE o.id = old.id RETURNING o.id)
         DELETE FROM kernel.inbox i USING gone WHERE i.event_id = gone.id`,
        );
        // Announcements of instances gone for a day are forgotten.
        await m.query(`DELETE FROM kernel.event_subscriptions WHERE seen_at < now() - interval '1 day'`);
      });
    } catch (err) {
      this.logger.warn(`housekeeping failed: ${(err as Error).message}`);
    }
  }
}
