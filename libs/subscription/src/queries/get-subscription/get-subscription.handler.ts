import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { SubscriptionErrors } from '../../subscription.errors';
import { SubscriptionViews } from '../subscription-views';
import type { SubscriptionView } from '../views';
import { GetSubscription } from './get-subscription.query';

@QueryHandler(GetSubscription)
export class GetSubscriptionHandler implements IQueryHandler<GetSubscription, SubscriptionView> {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly views: SubscriptionViews,
  ) {}

  async execute({ target }: GetSubscription): Promise<SubscriptionView> {
    const sub = 'type' in target ? await this.subscriptions.latest(target) : await this.subscriptions.find(target.id);
    if (!sub) throw SubscriptionErrors.notFound();
    return this.views.of(sub);
  }
}
