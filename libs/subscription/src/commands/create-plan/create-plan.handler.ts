import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog } from '@user-engine/kernel';
import { validatePlan } from '../../domain/plans';
import { PlansRepository } from '../../persistence/plans.repository';
import { type PlanView, toPlanView } from '../../queries/views';
import { subscriptionConfig, type SubscriptionConfig } from '../../subscription.config';
import { SubscriptionErrors } from '../../subscription.errors';
import { CreatePlan } from './create-plan.command';

@CommandHandler(CreatePlan)
export class CreatePlanHandler implements ICommandHandler<CreatePlan, PlanView> {
  constructor(
    private readonly plans: PlansRepository,
    private readonly audit: AuditLog,
    @Inject(subscriptionConfig.KEY) private readonly config: SubscriptionConfig,
  ) {}

  async execute(c: CreatePlan): Promise<PlanView> {
    const { plan, errors } = validatePlan(c.input, { currency: this.config.currency, trialDays: this.config.trialDays });
    if (errors.length) throw SubscriptionErrors.invalid(errors);
    const created = await this.plans.insert(plan);
    if (!created) throw SubscriptionErrors.planExists(plan.key);
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: 'plan.created',
      outcome: 'success',
      resource: { type: 'plan', id: plan.key },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: { price: plan.price, currency: plan.currency, interval: plan.interval, seats: plan.seats, trial_days: plan.trial_days },
    });
    return toPlanView(created);
  }
}
