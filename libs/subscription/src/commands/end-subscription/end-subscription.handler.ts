import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@user-engine/kernel';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { SubscriptionEnding } from '../../subscription-ending';
import { REACTION_ACTOR } from '../../subscription-journal';
import { EndSubscription } from './end-subscription.command';

/** Returns whether a subscription ended (none was current: nothing to do, as on a redelivery). */
@CommandHandler(EndSubscription)
export class EndSubscriptionHandler implements ICommandHandler<EndSubscription, boolean> {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly ending: SubscriptionEnding,
    private readonly clock: Clock,
  ) {}

  async execute(c: EndSubscription): Promise<boolean> {
    const sub = await this.subscriptions.current(c.subject, { lock: true });
    if (!sub) return false;
    await this.ending.cancel(sub, { reason: 'subject_deleted', actor: REACTION_ACTOR, at: this.clock.now() });
    return true;
  }
}
