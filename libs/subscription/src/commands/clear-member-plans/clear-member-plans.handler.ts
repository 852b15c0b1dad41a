import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { ClearMemberPlans } from './clear-member-plans.command';

@CommandHandler(ClearMemberPlans)
export class ClearMemberPlansHandler implements ICommandHandler<ClearMemberPlans, number> {
  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  execute(c: ClearMemberPlans): Promise<number> {
    return this.subscriptions.clearMemberPlans(c.tenantId, c.userId);
  }
}
