import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';

import { Clock } from '@user-engine/kernel';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { SubscriptionViews } from '../../queries/subscription-views';
import type { SubscriptionView } from '../../queries/views';
import { SubscriptionErrors } from '../../subscription.errors';
import { SubscriptionJournal } from '../../subscription-journal';
import { ResumeSubscription } from './resume-subscription.command';

@CommandHandler(ResumeSubscription)
export class ResumeSubscriptionHandler implements ICommandHandler<ResumeSubscription, SubscriptionView> {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly journal: SubscriptionJournal,
    private readonly views: SubscriptionViews,
    private readonly clock: Clock,
  ) {}

  async execute(c: ResumeSubscription): Promise<SubscriptionView> {
    const sub = await this.subscriptions.current(c.subject, { lock: true });
    if (!sub) throw SubscriptionErrors.notFound();
    if (!sub.cancel_at_period_end) throw SubscriptionErrors.notCanceling();
    const after = await this.subscriptions.update(sub.id, { cancel_at_period_end: false }, this.clock.now());
    await this.journal.changed(after, sub, 'resumed', { actor: c.actor, client: c.client, action: 'subscription.resumed' });
    return this.views.of(after);
  }
}
