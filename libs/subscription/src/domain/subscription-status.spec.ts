import { DomainError } from '@user-engine/kernel';
import { canTransition, isCurrent, SUBSCRIPTION_STATUSES, type SubscriptionStatus, transition } from './subscription-status';

const ALLOWED: [SubscriptionStatus, SubscriptionStatus][] = [
  ['trialing', 'active'],
  ['trialing', 'canceled'],
  ['active', 'past_due'],
  ['active', 'canceled'],
  ['past_due', 'active'],
  ['past_due', 'canceled'],
  ['past_due', 'expired'],
];
const allowed = (from: SubscriptionStatus, to: SubscriptionStatus) => ALLOWED.some(([f, t]) => f === from && t === to);
const REFUSED = SUBSCRIPTION_STATUSES.flatMap((from) =>
  SUBSCRIPTION_STATUSES.filter((to) => !allowed(from, to)).map((to) => [from, to] as [SubscriptionStatus, SubscriptionStatus]),
);

describe('subscription status machine', () => {
  it.each(ALLOWED)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(transition(from, to)).toBe(to);
  });

  it('refuses every other pair (18 of 25), staying put included', () => {
    expect(REFUSED).toHaveLength(18);
  });

  it.each(REFUSED)('%s → %s is refused with 409 SUBSCRIPTION.INVALID_TRANSITION', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let thrown: unknown;
    try {
      transition(from, to);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ kind: 'conflict', code: 'SUBSCRIPTION.INVALID_TRANSITION', extensions: { from, to } });
  });

  it('canceled and expired are final and no longer current', () => {
    for (const s of ['canceled', 'expired'] as const) {
      expect(isCurrent(s)).toBe(false);
      expect(SUBSCRIPTION_STATUSES.filter((to) => canTransition(s, to))).toEqual([]);
    }
    for (const s of ['trialing', 'active', 'past_due'] as const) expect(isCurrent(s)).toBe(true);
  });
});
