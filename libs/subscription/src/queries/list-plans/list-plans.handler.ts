import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PlansRepository } from '../../persistence/plans.repository';
import { type PlanView, toPlanView } from '../views';
import { ListPlans } from './list-plans.query';

@QueryHandler(ListPlans)
export class ListPlansHandler implements IQueryHandler<ListPlans, { items: PlanView[] }> {
  constructor(private readonly plans: PlansRepository) {}

  async execute(q: ListPlans): Promise<{ items: PlanView[] }> {
    return { items: (await this.plans.list({ includeArchived: q.includeArchived })).map(toPlanView) };
  }
}
