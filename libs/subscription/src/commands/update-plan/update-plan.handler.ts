import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog, KernelErrors } from '@user-engine/kernel';
import { validatePlan } from '../../domain/plans';
import { PlansRepository } from '../../persistence/plans.repository';
import { type PlanView, toPlanView } from '../../queries/views';
import { subscriptionConfig, type SubscriptionConfig } from '../../subscription.config';
import { SubscriptionErrors } from '../../subscription.errors';
import { UpdatePlan } from './update-plan.command';

@CommandHandler(UpdatePlan)
export class UpdatePlanHandler implements ICommandHandler<UpdatePlan, PlanView> {
  constructor(
    private readonly plans: PlansRepository,
    private readonly audit: AuditLog,
    @Inject(subscriptionConfig.KEY) private readonly config: SubscriptionConfig,
  ) {}

  async execute(c: UpdatePlan): Promise<PlanView> {
    const changed = Object.keys(c.changes).filter((k) => (c.changes as Record<string, unknown>)[k] !== undefined);
    if (!changed.length)
      throw KernelErrors.validation([{ path: 'body', message: 'give at least one field to change', rule: 'atLeastOne' }]);
    const current = await this.plans.find(c.key, { lock: true });
    if (!current) throw SubscriptionErrors.planNotFound(c.key);
    const { plan, errors } = validatePlan(
      { ...current, ...Object.fromEntries(changed.map((k) => [k, (c.changes as Record<string, unknown>)[k]])) },
      { currency: this.config.currency, trialDays: this.config.trialDays },
    );
    if (errors.length) throw SubscriptionErrors.invalid(errors);
    const updated = await this.plans.update(plan);
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: 'plan.updated',
      outcome: 'success',
      resource: { type: 'plan', id: c.key },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: { changes: changed.sort() },
    });
    return toPlanView(updated);
  }
}
