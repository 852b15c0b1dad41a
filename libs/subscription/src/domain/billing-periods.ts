/** How often a plan bills. */
export type BillingInterval = 'month' | 'year';

const DAY_MS = 86_400_000;

/** Midnight UTC of `at`'s day: periods, trials and proration count whole UTC days. */
export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** Whole UTC days from `from`'s day to `to`'s day (negative when `to` is earlier). */
export function daysBetween(from: Date, to: Date): number {
  return Math.round((startOfUtcDay(to).getTime() - startOfUtcDay(from).getTime()) / DAY_MS);
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/**
 * The end of a billing period that starts at `start`: one month or year later on the same day of the
 * month, clamped to the month's last day (a period from 31 January ends 28 or 29 February). `anchorDay`
 * is the day the subscription first started on, so that after a short month the 31st comes back
 * (31 Jan → 29 Feb → 31 Mar), not 29 Feb → 29 Mar.
 */
export function addInterval(start: Date, interval: BillingInterval, anchorDay = start.getUTCDate()): Date {
  const months = interval === 'year' ? 12 : 1;
  const year = start.getUTCFullYear() + Math.floor((start.getUTCMonth() + months) / 12);
  const month = (start.getUTCMonth() + months) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      year,
      month,
      Math.min(anchorDay, lastDay),
      start.getUTCHours(),
      start.getUTCMinutes(),
      start.getUTCSeconds(),
      start.getUTCMilliseconds(),
    ),
  );
}
