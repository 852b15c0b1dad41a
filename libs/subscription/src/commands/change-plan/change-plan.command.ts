import type { ClientInfo, Scope } from '@user-engine/kernel';
import { scopeOf, type Subject } from '../../domain/subject';
import type { SubscriptionActor } from '../../subscription-journal';

/**
 * Moves the subject to `planKey`. An upgrade (dearer per year) applies at once with a prorated
 * charge, and ends a trial; a downgrade waits for the end of the period (or trial). Without a
 * current subscription it starts a paid one. A tenant never moves to a plan with fewer seats than
 * it uses.
 */
export class ChangePlan {
  readonly scope: Scope;

  constructor(
    readonly subject: Subject,
    readonly planKey: string,
    readonly actor: SubscriptionActor,
    readonly client?: ClientInfo,
  ) {
    this.scope = scopeOf(subject);
  }
}
