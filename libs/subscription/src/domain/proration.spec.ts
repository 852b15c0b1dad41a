import { annualPrice, divideRoundHalfUp, isUpgrade, prorateUpgrade } from './proration';

const d = (iso: string) => new Date(iso);
const basic = { price: 1_000, interval: 'month' as const };
const pro = { price: 2_900, interval: 'month' as const };
const proYearly = { price: 29_000, interval: 'year' as const };
// A 30-day period: 1 April – 1 May 2026.
const april = { start: d('2026-04-01T09:00:00Z'), end: d('2026-05-01T09:00:00Z') };

describe('divideRoundHalfUp', () => {
  it.each<[bigint, bigint, bigint]>([
    [10n, 4n, 3n], // 2.5 → 3
    [9n, 4n, 2n], // 2.25 → 2
    [11n, 4n, 3n], // 2.75 → 3
    [-10n, 4n, -3n], // halves go away from zero
    [-9n, 4n, -2n],
    [0n, 7n, 0n],
    [57_000n * 17n, 30n, 32_300n], // exact
  ])('%p / %p = %p', (n, den, out) => {
    expect(divideRoundHalfUp(n, den)).toBe(out);
  });
});

describe('prorateUpgrade, same interval: the difference for the remaining days, rounded half up', () => {
  it.each<[string, string, number, number]>([
    ['on the first day (all 30 days)', '2026-04-01T12:00:00Z', 30, 1_900],
    ['on day 2 (29 days left)', '2026-04-02T00:00:00Z', 29, 1_837], // 1900 × 29/30 = 1836.67
    ['mid-period (16 days left)', '2026-04-15T18:00:00Z', 16, 1_013], // 1900 × 16/30 = 1013.33
    ['with 3 days left', '2026-04-28T00:00:00Z', 3, 190],
    ['on the last day', '2026-04-30T23:00:00Z', 1, 63], // 63.33
    ['at the end', '2026-05-01T10:00:00Z', 0, 0],
  ])('%s', (_, at, remaining, amount) => {
    expect(prorateUpgrade(basic, pro, april, d(at))).toEqual({
      amount,
      remaining_days: remaining,
      period_days: 30,
      credit: 0,
      new_period: false,
    });
  });

  it('rounds an exact half up', () => {
    // 15 × 1/2 = 7.5 → 8 over a 2-day period with one day left.
    const short = { start: d('2026-04-01T00:00:00Z'), end: d('2026-04-03T00:00:00Z') };
    expect(prorateUpgrade({ price: 0, interval: 'month' }, { price: 15, interval: 'month' }, short, d('2026-04-02T05:00:00Z')).amount).toBe(
      8,
    );
  });

  it('a 31-day month and February count their own days', () => {
    const march = { start: d('2026-03-01T00:00:00Z'), end: d('2026-04-01T00:00:00Z') };
    expect(prorateUpgrade(basic, pro, march, d('2026-03-17T00:00:00Z'))).toMatchObject({
      amount: 919,
      remaining_days: 15,
      period_days: 31,
    }); // 919.35
    const february = { start: d('2026-02-01T00:00:00Z'), end: d('2026-03-01T00:00:00Z') };
    expect(prorateUpgrade(basic, pro, february, d('2026-02-15T00:00:00Z'))).toMatchObject({
      amount: 950,
      remaining_days: 14,
      period_days: 28,
    });
  });

  it('never charges for a cheaper plan', () => {
    expect(prorateUpgrade(pro, basic, april, d('2026-04-10T00:00:00Z')).amount).toBe(0);
  });
});

describe('prorateUpgrade, another interval: a new period, the new price less the unused old part', () => {
  it.each<[string, number, number]>([
    ['2026-04-01T00:00:00Z', 2_900, 26_100],
    ['2026-04-11T00:00:00Z', 1_933, 27_067], // 2900 × 20/30 = 1933.33
    ['2026-04-30T00:00:00Z', 97, 28_903], // 96.67
  ])('on %s: credit %p, charge %p', (at, credit, amount) => {
    expect(prorateUpgrade(pro, proYearly, april, d(at))).toMatchObject({ credit, amount, new_period: true });
  });

  it('never below zero', () => {
    expect(prorateUpgrade({ price: 50_000, interval: 'month' }, proYearly, april, d('2026-04-01T00:00:00Z')).amount).toBe(0);
  });
});

describe('upgrade or downgrade', () => {
  it('compares prices per year; equal is not an upgrade', () => {
    expect(annualPrice(pro)).toBe(34_800);
    expect(annualPrice(proYearly)).toBe(29_000);
    expect(isUpgrade(basic, pro)).toBe(true);
    expect(isUpgrade(pro, basic)).toBe(false);
    expect(isUpgrade(pro, proYearly)).toBe(false); // cheaper per year
    expect(isUpgrade(basic, proYearly)).toBe(true);
    expect(isUpgrade(pro, { ...pro })).toBe(false);
  });
});
