import type { ClientInfo, Scope } from '@user-engine/kernel';
import { scopeOf, type Subject } from '../../domain/subject';
import type { SubscriptionActor } from '../../subscription-journal';

/** Withdraws a cancellation scheduled for the end of the period: the subscription renews as before. */
export class ResumeSubscription {
  readonly scope: Scope;

  constructor(
    readonly subject: Subject,
    readonly actor: SubscriptionActor,
    readonly client?: ClientInfo,
  ) {
    this.scope = scopeOf(subject);
  }
}
