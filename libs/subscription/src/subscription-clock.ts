import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Clock, PeriodicJob, queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import { DataSource } from 'typeorm';
import { AdvanceSubscription } from './commands/advance-subscription/advance-subscription.command';
import { subscriptionConfig, type SubscriptionConfig } from './subscription.config';

/** Key of the advisory lock that makes one replica at a time run the clock (an arbitrary constant). */
export const SUBSCRIPTION_CLOCK_LOCK = 727_011_801;
const BATCH = 200;
/** A run stops after this many subscriptions; the next run goes on. */
const MAX_PER_RUN = 10_000;

export interface ClockRun {
  /** False when another replica held the lock (this run did nothing). */
  ran: boolean;
  /** Subscriptions that changed, and what happened to them. */
  advanced: number;
  steps: Record<string, number>;
  failed: number;
}

/**
 * The subscription clock: ends trials, renews periods, moves unpaid subscriptions to past due and
 * expires them, applies scheduled downgrades and cancellations. Each run holds a session-level
 * advisory lock on a connection of its own, so among replicas one runs and the others skip; each
 * subscription advances in its own transaction (a failing one is logged and retried next run).
 * Time comes from the injectable Clock, so tests move it instead of waiting.
 */
@Injectable()
export class SubscriptionClock implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SubscriptionClock');
  private readonly job: PeriodicJob;

  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    @Inject(subscriptionConfig.KEY) private readonly config: SubscriptionConfig,
  ) {
    this.job = new PeriodicJob('subscription clock', config.clockInterval, () => this.runOnce(), this.logger);
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async runOnce(): Promise<ClockRun> {
    const run: ClockRun = { ran: false, advanced: 0, steps: {}, failed: 0 };
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(`SELECT pg_try_advisory_lock($1) AS locked`, [SUBSCRIPTION_CLOCK_LOCK]);
      if (!locked) return run;
      run.ran = true;
      try {
        await this.advanceDue(run);
      } finally {
        await lock.query(`SELECT pg_advisory_unlock($1)`, [SUBSCRIPTION_CLOCK_LOCK]);
      }
    } finally {
      await lock.release();
    }
    if (run.advanced || run.failed)
      this.logger.log(`advanced ${run.advanced} subscription(s) ${JSON.stringify(run.steps)}, ${run.failed} failed`);
    return run;
  }

  private async advanceDue(run: ClockRun): Promise<void> {
    const failed: string[] = [];
    let seen = 0;
    for (;;) {
      const due = await this.due(failed);
      if (!due.length) return;
      for (const id of due) {
        try {
          const steps = await this.commands.execute<AdvanceSubscription, string[]>(new AdvanceSubscription(id));
          // Due but unchanged (a concurrent change got there first): not picked again this run.
          if (!steps.length) failed.push(id);
          else run.advanced++;
          for (const s of steps) run.steps[s] = (run.steps[s] ?? 0) + 1;
        } catch (err) {
          failed.push(id);
          run.failed++;
          this.logger.warn(`subscription ${id} did not advance: ${(err as Error).message}`);
        }
        if (++seen >= MAX_PER_RUN) return;
      }
    }
  }

  /** Subscriptions with something due at the clock's now (the partial indexes serve each branch). */
  private due(exclude: string[]): Promise<string[]> {
    const now = this.clock.now();
    return this.uow.run(Scopes.platform, async (m) => {
      const rows = await queryRows<{ id: string }>(
        m,
        `SELECT id FROM subscription.subscriptions s
          WHERE NOT (id = ANY($4::uuid[])) AND (
                (status = 'trialing' AND trial_ends_at <= $1)
             OR (status IN ('active', 'past_due') AND current_period_end <= $1 AND (status = 'active' OR cancel_at_period_end))
             OR (status = 'past_due' AND past_due_since <= $1::timestamptz - make_interval(secs => $3 / 1000.0))
             OR (status = 'active' AND EXISTS (SELECT 1 FROM subscription.charges c WHERE c.subscription_id = s.id AND c.status <> 'paid'
                                                AND c.created_at <= $1::timestamptz - make_interval(secs => $2 / 1000.0))))
          ORDER BY id LIMIT ${BATCH}`,
        [now, this.config.paymentTerms, this.config.gracePeriod, exclude],
      );
      return rows.map((r) => r.id);
    });
  }
}
