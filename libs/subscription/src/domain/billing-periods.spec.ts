import { addInterval, daysBetween, startOfUtcDay } from './billing-periods';

const d = (iso: string) => new Date(iso);

describe('billing periods', () => {
  it('a month later on the same day and time', () => {
    expect(addInterval(d('2026-03-15T10:30:00Z'), 'month').toISOString()).toBe('2026-04-15T10:30:00.000Z');
    expect(addInterval(d('2026-12-15T00:00:00Z'), 'month').toISOString()).toBe('2027-01-15T00:00:00.000Z');
  });

  it('clamps to the last day of a shorter month, and comes back to the anchor day after it', () => {
    expect(addInterval(d('2026-01-31T00:00:00Z'), 'month').toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(addInterval(d('2028-01-31T00:00:00Z'), 'month').toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(addInterval(d('2026-02-28T00:00:00Z'), 'month', 31).toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(addInterval(d('2026-03-31T00:00:00Z'), 'month').toISOString()).toBe('2026-04-30T00:00:00.000Z');
  });

  it('a year later; 29 February becomes 28 February', () => {
    expect(addInterval(d('2026-06-01T08:00:00Z'), 'year').toISOString()).toBe('2027-06-01T08:00:00.000Z');
    expect(addInterval(d('2028-02-29T00:00:00Z'), 'year').toISOString()).toBe('2029-02-28T00:00:00.000Z');
  });

  it('counts whole UTC days, whatever the time of day', () => {
    expect(daysBetween(d('2026-03-01T23:59:00Z'), d('2026-03-02T00:01:00Z'))).toBe(1);
    expect(daysBetween(d('2026-03-01T00:00:00Z'), d('2026-04-01T00:00:00Z'))).toBe(31);
    expect(daysBetween(d('2026-04-01T00:00:00Z'), d('2026-03-01T00:00:00Z'))).toBe(-31);
    expect(startOfUtcDay(d('2026-03-01T17:45:12Z')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});
