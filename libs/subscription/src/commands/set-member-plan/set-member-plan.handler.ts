import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { AuditLog } from '@user-engine/kernel';
import { GetMembership, type MemberView } from '@user-engine/tenancy';
import { PlansRepository } from '../../persistence/plans.repository';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { SubscriptionErrors } from '../../subscription.errors';
import { SetMemberPlan } from './set-member-plan.command';

export interface MemberPlanView {
  tenant_id: string;
  user_id: string;
  /** The member's override; null: the tenant's plan applies. */
  plan: string | null;
}

@CommandHandler(SetMemberPlan)
export class SetMemberPlanHandler implements ICommandHandler<SetMemberPlan, MemberPlanView> {
  constructor(
    private readonly plans: PlansRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly queries: QueryBus,
    private readonly audit: AuditLog,
  ) {}

  async execute(c: SetMemberPlan): Promise<MemberPlanView> {
    const member = await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(c.tenantId, c.userId));
    if (!member) throw SubscriptionErrors.memberNotFound();
    if (c.planKey !== null) {
      const plan = await this.plans.find(c.planKey);
      if (!plan) throw SubscriptionErrors.planNotFound(c.planKey);
      if (plan.status !== 'active') throw SubscriptionErrors.planArchived(plan.key);
    }
    const previous = await this.subscriptions.memberPlan(c.tenantId, c.userId);
    if (previous !== c.planKey) {
      if (c.planKey === null) await this.subscriptions.clearMemberPlans(c.tenantId, c.userId);
      else await this.subscriptions.setMemberPlan(c.tenantId, c.userId, c.planKey, c.actor.userId);
      await this.audit.append({
        tenantId: c.tenantId,
        actor: { type: 'user', id: c.actor.userId },
        action: c.planKey === null ? 'subscription.member_plan_cleared' : 'subscription.member_plan_set',
        outcome: 'success',
        resource: { type: 'membership', id: c.userId },
        ip: c.client.ip,
        userAgent: c.client.userAgent,
        data: { from: previous, to: c.planKey },
      });
    }
    return { tenant_id: c.tenantId, user_id: c.userId, plan: c.planKey };
  }
}
