import { type Scope, Scopes } from '@user-engine/kernel';

/**
 * Brings one subscription up to `now`, as the clock finds it due: a trial that ended converts (or
 * is canceled), a period that ended renews with its charge (applying a scheduled downgrade or
 * cancellation), an unpaid one becomes past due, and a past-due one expires after the grace
 * period. Periods missed while no clock ran are caught up one by one. Platform scope: the clock
 * works across tenants.
 */
export class AdvanceSubscription {
  readonly scope: Scope = Scopes.platform;

  constructor(readonly subscriptionId: string) {}
}
