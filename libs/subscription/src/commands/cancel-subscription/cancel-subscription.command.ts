import type { ClientInfo, Scope } from '@user-engine/kernel';
import { scopeOf, type Subject } from '../../domain/subject';
import type { SubscriptionActor } from '../../subscription-journal';

/**
 * Cancels the subject's current subscription: at the end of its period (or trial) — it keeps its
 * plan until then and can be resumed — or at once, for good.
 */
export class CancelSubscription {
  readonly scope: Scope;

  constructor(
    readonly subject: Subject,
    readonly atPeriodEnd: boolean,
    readonly actor: SubscriptionActor,
    readonly client?: ClientInfo,
  ) {
    this.scope = scopeOf(subject);
  }
}
