import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';

import { Clock } from '@user-engine/kernel';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { SubscriptionViews } from '../../queries/subscription-views';
import type { SubscriptionView } from '../../queries/views';
import { SubscriptionErrors } from '../../subscription.errors';
import { SubscriptionJournal } from '../../subscription-journal';
import { SubscriptionEnding } from '../../subscription-ending';
import { CancelSubscription } from './cancel-subscription.command';

@CommandHandler(CancelSubscription)
export class CancelSubscriptionHandler implements ICommandHandler<CancelSubscription, SubscriptionView> {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly journal: SubscriptionJournal,
    private readonly ending: SubscriptionEnding,
    private readonly views: SubscriptionViews,
    private readonly clock: Clock,
  ) {}

  async execute(c: CancelSubscription): Promise<SubscriptionView> {
    const sub = await this.subscriptions.current(c.subject, { lock: true });
    if (!sub) throw SubscriptionErrors.notFound();
    const now = this.clock.now();
    if (!c.atPeriodEnd)
      return this.views.of(await this.ending.cancel(sub, { reason: 'requested', actor: c.actor, client: c.client, at: now }));
    // Asking twice changes nothing and records nothing.
    if (sub.cancel_at_period_end) return this.views.of(sub);
    const after = await this.subscriptions.update(sub.id, { cancel_at_period_end: true }, now);
    await this.journal.changed(after, sub, 'cancel_scheduled', {
      actor: c.actor,
      client: c.client,
      action: 'subscription.cancel_scheduled',
      data: { effective_at: sub.current_period_end.toISOString() },
    });
    return this.views.of(after);
  }
}
