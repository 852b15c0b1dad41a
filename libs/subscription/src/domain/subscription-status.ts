import { DomainError } from '@user-engine/kernel';

/** A subscription's lifecycle (DESIGN.md §8). `canceled` and `expired` are final. */
export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled' | 'expired';

export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due', 'canceled', 'expired'];

/**
 * Every allowed change of status. A trial converts (ends, or is upgraded) or is canceled; an active
 * subscription falls behind on payment or is canceled; a past-due one is paid, canceled, or expires
 * when the grace period ends. Renewing keeps `active` and is not a change of status.
 */
const ALLOWED: Record<SubscriptionStatus, readonly SubscriptionStatus[]> = {
  trialing: ['active', 'canceled'],
  active: ['past_due', 'canceled'],
  past_due: ['active', 'canceled', 'expired'],
  canceled: [],
  expired: [],
};

export function canTransition(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** The subscription still counts as the subject's current one (one per subject). */
export function isCurrent(status: SubscriptionStatus): boolean {
  return status !== 'canceled' && status !== 'expired';
}

/** `to`, when the machine allows it from `from`; otherwise a 409 naming both. */
export function transition(from: SubscriptionStatus, to: SubscriptionStatus): SubscriptionStatus {
  if (!canTransition(from, to))
    throw new DomainError('conflict', 'SUBSCRIPTION.INVALID_TRANSITION', `A ${from} subscription cannot become ${to}.`, {
      extensions: { from, to },
    });
  return to;
}
