import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { SubscriptionStarted, TrialEnded } from '@user-engine/contracts';
import { Clock, uuidv7 } from '@user-engine/kernel';
import { GetSeatUsage, type SeatUsage } from '@user-engine/tenancy';
import { Charges } from '../../billing/billing-provider';
import { addInterval } from '../../domain/billing-periods';
import { isUpgrade, prorateUpgrade } from '../../domain/proration';
import { transition } from '../../domain/subscription-status';
import { PlansRepository, type PlanRow } from '../../persistence/plans.repository';
import { type SubscriptionRow, SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { SubscriptionViews } from '../../queries/subscription-views';
import type { SubscriptionView } from '../../queries/views';
import { SubscriptionErrors } from '../../subscription.errors';
import { SubscriptionJournal } from '../../subscription-journal';
import { ChangePlan } from './change-plan.command';

@CommandHandler(ChangePlan)
export class ChangePlanHandler implements ICommandHandler<ChangePlan, SubscriptionView> {
  constructor(
    private readonly plans: PlansRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly charges: Charges,
    private readonly journal: SubscriptionJournal,
    private readonly queries: QueryBus,
    private readonly clock: Clock,
    private readonly views: SubscriptionViews,
  ) {}

  async execute(c: ChangePlan): Promise<SubscriptionView> {
    const target = await this.plans.find(c.planKey);
    if (!target) throw SubscriptionErrors.planNotFound(c.planKey);
    // Locked first: seat-limited joins read it FOR SHARE, so the seat count below cannot go stale.
    const sub = await this.subscriptions.current(c.subject, { lock: true });
    if (sub?.plan_key === target.key) return this.withdrawDowngrade(c, sub);
    if (target.status !== 'active') throw SubscriptionErrors.planArchived(target.key);
    if (c.subject.type === 'tenant') await this.assertSeats(c.subject.id, target);
    const now = this.clock.now();
    const view = (s: SubscriptionRow) => this.views.of(s);
    if (!sub) return view(await this.start(c, target, now));
    if (sub.status === 'past_due') throw SubscriptionErrors.pastDue();
    const current = (await this.plans.find(sub.plan_key))!;
    if (current.currency !== target.currency) throw SubscriptionErrors.currencyMismatch(current.currency, target.currency);
    if (!isUpgrade(current, target)) return view(await this.scheduleDowngrade(c, sub, target, now));
    return view(
      sub.status === 'trialing' ? await this.upgradeTrial(c, sub, target, now) : await this.upgrade(c, sub, current, target, now),
    );
  }

  /** Asking for the current plan withdraws a scheduled downgrade; otherwise there is nothing to change. */
  private async withdrawDowngrade(c: ChangePlan, sub: SubscriptionRow): Promise<SubscriptionView> {
    if (!sub.scheduled_plan_key) throw SubscriptionErrors.samePlan(sub.plan_key);
    const previous = sub.scheduled_plan_key;
    const after = await this.subscriptions.update(sub.id, { scheduled_plan_key: null }, this.clock.now());
    await this.journal.changed(after, sub, 'downgrade_withdrawn', {
      actor: c.actor,
      client: c.client,
      action: 'subscription.downgrade_withdrawn',
      data: { scheduled_plan: previous },
    });
    return this.views.of(after);
  }

  private async assertSeats(tenantId: string, target: PlanRow): Promise<void> {
    if (target.seats === null) return;
    const usage = await this.queries.execute<GetSeatUsage, SeatUsage>(new GetSeatUsage(tenantId));
    if (usage.active > target.seats)
      throw SubscriptionErrors.seatLimit({
        plan: target.key,
        seats: target.seats,
        active: usage.active,
        pending: usage.pending,
        requested: usage.active,
      });
  }

  /** No current subscription (never had one, or it ended): a paid period starts now. */
  private async start(c: ChangePlan, plan: PlanRow, now: Date): Promise<SubscriptionRow> {
    const end = addInterval(now, plan.interval);
    const sub = await this.subscriptions.insert(
      {
        id: uuidv7(),
        subject_type: c.subject.type,
        subject_id: c.subject.id,
        plan_key: plan.key,
        status: 'active',
        anchor_day: now.getUTCDate(),
        trial_ends_at: null,
        current_period_start: now,
        current_period_end: end,
        cancel_at_period_end: false,
        scheduled_plan_key: null,
        past_due_since: null,
        canceled_at: null,
        ended_at: null,
      },
      now,
    );
    const charge = await this.charges.record(sub, { kind: 'initial', plan, amount: plan.price, period: { start: now, end }, at: now });
    await this.journal.record(
      sub,
      {
        actor: c.actor,
        client: c.client,
        action: 'subscription.started',
        data: { reason: 'purchase', charge_id: charge?.id ?? null, amount: plan.price },
      },
      { definition: SubscriptionStarted, extra: { reason: 'purchase', charge_id: charge?.id ?? null, amount: charge?.amount ?? 0 } },
    );
    return sub;
  }

  /** Cheaper (or as dear): the plan changes when the period or trial ends. A scheduled cancellation is withdrawn. */
  private async scheduleDowngrade(c: ChangePlan, sub: SubscriptionRow, target: PlanRow, now: Date): Promise<SubscriptionRow> {
    const after = await this.subscriptions.update(sub.id, { scheduled_plan_key: target.key, cancel_at_period_end: false }, now);
    await this.journal.changed(after, sub, 'downgrade_scheduled', {
      actor: c.actor,
      client: c.client,
      action: 'subscription.downgrade_scheduled',
      data: { to: target.key, effective_at: sub.current_period_end.toISOString() },
    });
    return after;
  }

  /** Upgrading ends the trial: the first paid period of the new plan starts now, charged in full. */
  private async upgradeTrial(c: ChangePlan, sub: SubscriptionRow, target: PlanRow, now: Date): Promise<SubscriptionRow> {
    const end = addInterval(now, target.interval);
    const after = await this.subscriptions.update(
      sub.id,
      {
        plan_key: target.key,
        status: transition(sub.status, 'active'),
        anchor_day: now.getUTCDate(),
        trial_ends_at: now,
        current_period_start: now,
        current_period_end: end,
        cancel_at_period_end: false,
        scheduled_plan_key: null,
      },
      now,
    );
    const charge = await this.charges.record(after, {
      kind: 'initial',
      plan: target,
      amount: target.price,
      period: { start: now, end },
      at: now,
    });
    await this.journal.record(
      after,
      { actor: c.actor, client: c.client, action: 'trial.ended', data: { reason: 'upgraded' } },
      { definition: TrialEnded, extra: { reason: 'upgraded', ended_at: now.toISOString() } },
    );
    await this.journal.changed(
      after,
      sub,
      'upgraded',
      {
        actor: c.actor,
        client: c.client,
        action: 'subscription.upgraded',
        data: { from: sub.plan_key, to: target.key, charge_id: charge?.id ?? null, amount: target.price },
      },
      charge,
    );
    return after;
  }

  /** Applies at once; the price difference for the rest of the period is charged (day-based proration). */
  private async upgrade(c: ChangePlan, sub: SubscriptionRow, current: PlanRow, target: PlanRow, now: Date): Promise<SubscriptionRow> {
    const proration = prorateUpgrade(current, target, { start: sub.current_period_start, end: sub.current_period_end }, now);
    const period = proration.new_period
      ? { start: now, end: addInterval(now, target.interval) }
      : { start: sub.current_period_start, end: sub.current_period_end };
    const after = await this.subscriptions.update(
      sub.id,
      {
        plan_key: target.key,
        cancel_at_period_end: false,
        scheduled_plan_key: null,
        ...(proration.new_period
          ? { anchor_day: now.getUTCDate(), current_period_start: period.start, current_period_end: period.end }
          : {}),
      },
      now,
    );
    const charge = await this.charges.record(after, {
      kind: 'proration',
      plan: target,
      amount: proration.amount,
      period: proration.new_period ? period : { start: now, end: period.end },
      details: { from: current.key, from_price: current.price, to_price: target.price, ...proration },
      at: now,
    });
    await this.journal.changed(
      after,
      sub,
      'upgraded',
      {
        actor: c.actor,
        client: c.client,
        action: 'subscription.upgraded',
        data: { from: current.key, to: target.key, charge_id: charge?.id ?? null, amount: proration.amount, proration },
      },
      charge,
    );
    return after;
  }
}
