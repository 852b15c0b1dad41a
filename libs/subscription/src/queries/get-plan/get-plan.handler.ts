import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PlansRepository } from '../../persistence/plans.repository';
import { SubscriptionErrors } from '../../subscription.errors';
import { type PlanView, toPlanView } from '../views';
import { GetPlan } from './get-plan.query';

@QueryHandler(GetPlan)
export class GetPlanHandler implements IQueryHandler<GetPlan, PlanView> {
  constructor(private readonly plans: PlansRepository) {}

  async execute(q: GetPlan): Promise<PlanView> {
    const plan = await this.plans.find(q.key);
    if (!plan) throw SubscriptionErrors.planNotFound(q.key);
    return toPlanView(plan);
  }
}
