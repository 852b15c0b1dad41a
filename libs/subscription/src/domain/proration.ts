import { type BillingInterval, daysBetween } from './billing-periods';

/** A plan's price, as proration sees it. */
export interface PricedPlan {
  /** Integer minor units (cents) per interval. */
  price: number;
  interval: BillingInterval;
}

/**
 * `numerator / denominator` rounded half up (away from zero for the halves), exactly: on BigInts, so
 * no amount is ever off by a float's rounding. Amounts are minor units; the denominator is positive.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  const sign = numerator < 0n ? -1n : 1n;
  const n = numerator * sign;
  return (sign * (2n * n + denominator)) / (2n * denominator);
}

/** What an upgrade charges now, and how it was computed (kept with the charge in the ledger). */
export interface Proration {
  amount: number;
  /** Days of the current period from the change's day (counted) to its end. */
  remaining_days: number;
  period_days: number;
  /** The unused part of the old plan, credited (only when the interval changes and a new period starts). */
  credit: number;
  /** Whether the change starts a new billing period now (the interval changes). */
  new_period: boolean;
}

/**
 * The charge for an upgrade applied at `at` within the period [start, end). Days are whole UTC days
 * and the day of the change counts as one the new plan is used on.
 * - Same interval: the period stays; the charge is the price difference for the remaining days,
 *   `round_half_up((new − old) × remaining / period_days)`.
 * - Another interval: a new period starts now; the charge is the new plan's full price less the
 *   unused part of the old one, `new − round_half_up(old × remaining / period_days)`, never below 0.
 */
export function prorateUpgrade(from: PricedPlan, to: PricedPlan, period: { start: Date; end: Date }, at: Date): Proration {
  const periodDays = Math.max(1, daysBetween(period.start, period.end));
  const remaining = Math.min(periodDays, Math.max(0, daysBetween(at, period.end)));
  const share = (amount: number) => Number(divideRoundHalfUp(BigInt(amount) * BigInt(remaining), BigInt(periodDays)));
  if (from.interval === to.interval) {
    return {
      amount: Math.max(0, share(to.price - from.price)),
      remaining_days: remaining,
      period_days: periodDays,
      credit: 0,
      new_period: false,
    };
  }
  const credit = share(from.price);
  return { amount: Math.max(0, to.price - credit), remaining_days: remaining, period_days: periodDays, credit, new_period: true };
}

/** Price per year, to compare plans billed at different intervals. */
export function annualPrice(plan: PricedPlan): number {
  return plan.interval === 'year' ? plan.price : plan.price * 12;
}

/**
 * Whether moving from `from` to `to` is an upgrade (applied at once, prorated) or a downgrade
 * (applied at the end of the period): by price per year; an equal price counts as a downgrade, so a
 * change never costs anything before the period ends unless it costs more.
 */
export function isUpgrade(from: PricedPlan, to: PricedPlan): boolean {
  return annualPrice(to) > annualPrice(from);
}
