import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SubscriptionStarted } from '@user-engine/contracts';
import { Clock, uuidv7 } from '@user-engine/kernel';
import { addDays } from '../../domain/billing-periods';
import { PlansRepository } from '../../persistence/plans.repository';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { subscriptionConfig, type SubscriptionConfig } from '../../subscription.config';
import { REACTION_ACTOR, SubscriptionJournal } from '../../subscription-journal';
import { StartTrial } from './start-trial.command';

/** Returns the new subscription's id, or null when no trial started. */
@CommandHandler(StartTrial)
export class StartTrialHandler implements ICommandHandler<StartTrial, string | null> {
  private readonly logger = new Logger('StartTrial');

  constructor(
    private readonly plans: PlansRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly journal: SubscriptionJournal,
    private readonly clock: Clock,
    @Inject(subscriptionConfig.KEY) private readonly config: SubscriptionConfig,
  ) {}

  async execute({ subject }: StartTrial): Promise<string | null> {
    if (!this.config.trialSubjects.includes(subject.type)) return null;
    const plan = await this.plans.find(this.config.trialPlan);
    if (!plan || plan.status !== 'active' || plan.trial_days === 0) {
      this.logger.warn(
        `no trial for ${subject.type} ${subject.id}: trial plan "${this.config.trialPlan}" is missing, archived or has no trial days`,
      );
      return null;
    }
    if (await this.subscriptions.current(subject)) return null;
    const now = this.clock.now();
    const endsAt = addDays(now, plan.trial_days);
    const id = uuidv7();
    if (!(await this.subscriptions.claimTrial(subject, { subscriptionId: id, plan: plan.key, startedAt: now, endsAt }))) return null;
    const sub = await this.subscriptions.insert(
      {
        id,
        subject_type: subject.type,
        subject_id: subject.id,
        plan_key: plan.key,
        status: 'trialing',
        // Paid periods start when the trial ends, on that day of the month.
        anchor_day: endsAt.getUTCDate(),
        trial_ends_at: endsAt,
        current_period_start: now,
        current_period_end: endsAt,
        cancel_at_period_end: false,
        scheduled_plan_key: null,
        past_due_since: null,
        canceled_at: null,
        ended_at: null,
      },
      now,
    );
    await this.journal.record(
      sub,
      { actor: REACTION_ACTOR, action: 'subscription.started', data: { reason: 'trial', trial_ends_at: endsAt.toISOString() } },
      { definition: SubscriptionStarted, extra: { reason: 'trial', charge_id: null, amount: 0 } },
    );
    return sub.id;
  }
}
