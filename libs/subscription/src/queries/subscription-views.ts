import { Injectable } from '@nestjs/common';
import { PlansRepository } from '../persistence/plans.repository';
import { type SubscriptionRow, SubscriptionsRepository } from '../persistence/subscriptions.repository';
import { type SubscriptionView, toSubscriptionView } from './views';

/** Builds a subscription's view (its plan, its open charges) in the current unit of work. */
@Injectable()
export class SubscriptionViews {
  constructor(
    private readonly plans: PlansRepository,
    private readonly subscriptions: SubscriptionsRepository,
  ) {}

  async of(sub: SubscriptionRow): Promise<SubscriptionView> {
    const [plan, open] = await Promise.all([this.plans.find(sub.plan_key), this.subscriptions.openCharges(sub.id)]);
    return toSubscriptionView(sub, plan!, open);
  }
}
