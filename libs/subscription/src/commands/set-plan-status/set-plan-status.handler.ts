import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog } from '@user-engine/kernel';
import { PlansRepository } from '../../persistence/plans.repository';
import { type PlanView, toPlanView } from '../../queries/views';
import { SubscriptionErrors } from '../../subscription.errors';
import { SetPlanStatus } from './set-plan-status.command';

@CommandHandler(SetPlanStatus)
export class SetPlanStatusHandler implements ICommandHandler<SetPlanStatus, PlanView> {
  constructor(
    private readonly plans: PlansRepository,
    private readonly audit: AuditLog,
  ) {}

  async execute(c: SetPlanStatus): Promise<PlanView> {
    const plan = await this.plans.find(c.key, { lock: true });
    if (!plan) throw SubscriptionErrors.planNotFound(c.key);
    if (plan.status === c.status) return toPlanView(plan);
    const updated = await this.plans.setStatus(c.key, c.status);
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: c.status === 'archived' ? 'plan.archived' : 'plan.restored',
      outcome: 'success',
      resource: { type: 'plan', id: c.key },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: { subscribers: await this.plans.subscriberCount(c.key) },
    });
    return toPlanView(updated);
  }
}
