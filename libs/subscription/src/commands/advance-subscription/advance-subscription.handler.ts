import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SubscriptionExpired, SubscriptionRenewed, TrialEnded } from '@user-engine/contracts';
import { Clock } from '@user-engine/kernel';
import { Charges } from '../../billing/billing-provider';
import { addInterval } from '../../domain/billing-periods';
import { transition } from '../../domain/subscription-status';
import { PlansRepository } from '../../persistence/plans.repository';
import { type SubscriptionRow, SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { subscriptionConfig, type SubscriptionConfig } from '../../subscription.config';
import { SubscriptionEnding } from '../../subscription-ending';
import { CLOCK_ACTOR, SubscriptionJournal } from '../../subscription-journal';
import { AdvanceSubscription } from './advance-subscription.command';

/** More periods than this in one go means the clock was off for years: the rest waits for the next run. */
const MAX_STEPS = 36;

/** What the step did, for the clock's count; undefined when nothing was due. */
type Step = 'trial_ended' | 'renewed' | 'canceled' | 'past_due' | 'expired';

@CommandHandler(AdvanceSubscription)
export class AdvanceSubscriptionHandler implements ICommandHandler<AdvanceSubscription, Step[]> {
  constructor(
    private readonly plans: PlansRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly charges: Charges,
    private readonly ending: SubscriptionEnding,
    private readonly journal: SubscriptionJournal,
    private readonly clock: Clock,
    @Inject(subscriptionConfig.KEY) private readonly config: SubscriptionConfig,
  ) {}

  async execute(c: AdvanceSubscription): Promise<Step[]> {
    const now = this.clock.now();
    let sub = await this.subscriptions.find(c.subscriptionId, { lock: true });
    const done: Step[] = [];
    while (sub && done.length < MAX_STEPS) {
      const next = await this.step(sub, now);
      if (!next) break;
      done.push(next.step);
      sub = next.sub;
    }
    return done;
  }

  private async step(sub: SubscriptionRow, now: Date): Promise<{ step: Step; sub: SubscriptionRow } | undefined> {
    const periodOver = sub.current_period_end <= now;
    if (sub.status === 'trialing' && sub.trial_ends_at! <= now) {
      if (sub.cancel_at_period_end)
        return {
          step: 'canceled',
          sub: await this.ending.cancel(sub, { reason: 'period_end', actor: CLOCK_ACTOR, at: sub.trial_ends_at! }),
        };
      return { step: 'trial_ended', sub: await this.startPeriod(sub, 'trial') };
    }
    if (sub.status === 'active' && periodOver) {
      if (sub.cancel_at_period_end)
        return {
          step: 'canceled',
          sub: await this.ending.cancel(sub, { reason: 'period_end', actor: CLOCK_ACTOR, at: sub.current_period_end }),
        };
      return { step: 'renewed', sub: await this.startPeriod(sub, 'renewal') };
    }
    if (sub.status === 'active' && (await this.hasOverdueCharge(sub, now))) {
      const after = await this.subscriptions.update(sub.id, { status: transition(sub.status, 'past_due'), past_due_since: now }, now);
      await this.journal.changed(after, sub, 'past_due', {
        actor: CLOCK_ACTOR,
        action: 'subscription.past_due',
        data: { reason: 'unpaid', payment_terms_ms: this.config.paymentTerms },
      });
      return { step: 'past_due', sub: after };
    }
    if (sub.status === 'past_due' && sub.past_due_since!.getTime() + this.config.gracePeriod <= now.getTime()) {
      const after = await this.subscriptions.update(
        sub.id,
        { status: transition(sub.status, 'expired'), ended_at: now, past_due_since: null, scheduled_plan_key: null },
        now,
      );
      await this.journal.record(
        after,
        {
          actor: CLOCK_ACTOR,
          action: 'subscription.expired',
          data: { reason: 'unpaid', past_due_since: sub.past_due_since!.toISOString() },
        },
        { definition: SubscriptionExpired, extra: { reason: 'unpaid', expired_at: now.toISOString() } },
      );
      return { step: 'expired', sub: after };
    }
    if (sub.status === 'past_due' && periodOver && sub.cancel_at_period_end) {
      return {
        step: 'canceled',
        sub: await this.ending.cancel(sub, { reason: 'period_end', actor: CLOCK_ACTOR, at: sub.current_period_end }),
      };
    }
    return undefined;
  }

  /**
   * The next paid period starts where the last one (or the trial) ended, on the plan scheduled for
   * it if any, with its charge: a trial converts, a period renews.
   */
  private async startPeriod(sub: SubscriptionRow, from: 'trial' | 'renewal'): Promise<SubscriptionRow> {
    const plan = (await this.plans.find(sub.scheduled_plan_key ?? sub.plan_key))!;
    const start = from === 'trial' ? sub.trial_ends_at! : sub.current_period_end;
    const end = addInterval(start, plan.interval, sub.anchor_day);
    const at = this.clock.now();
    const after = await this.subscriptions.update(
      sub.id,
      {
        plan_key: plan.key,
        status: from === 'trial' ? transition(sub.status, 'active') : sub.status,
        current_period_start: start,
        current_period_end: end,
        scheduled_plan_key: null,
      },
      at,
    );
    const charge = await this.charges.record(after, {
      kind: from === 'trial' ? 'initial' : 'renewal',
      plan,
      amount: plan.price,
      period: { start, end },
      at,
    });
    if (from === 'trial') {
      await this.journal.record(
        after,
        { actor: CLOCK_ACTOR, action: 'trial.ended', data: { reason: 'converted' } },
        { definition: TrialEnded, extra: { reason: 'converted', ended_at: start.toISOString() } },
      );
    }
    if (sub.scheduled_plan_key) {
      await this.journal.changed(after, sub, 'downgraded', {
        actor: CLOCK_ACTOR,
        action: 'subscription.downgraded',
        data: { from: sub.plan_key, to: plan.key },
      });
    }
    await this.journal.record(
      after,
      {
        actor: CLOCK_ACTOR,
        action: 'subscription.renewed',
        data: { charge_id: charge?.id ?? null, amount: charge?.amount ?? 0, period_end: end.toISOString() },
      },
      { definition: SubscriptionRenewed, extra: { charge_id: charge?.id ?? null, amount: charge?.amount ?? 0 } },
    );
    return after;
  }

  private hasOverdueCharge(sub: SubscriptionRow, now: Date): Promise<boolean> {
    return this.subscriptions.hasChargeUnpaidSince(sub.id, new Date(now.getTime() - this.config.paymentTerms));
  }
}
