import { validatePlan } from './plans';

const defaults = { currency: 'EUR', trialDays: 14 };
const ok = { key: 'pro', name: 'Pro', price: 2_900, interval: 'month' };
const errorsOf = (over: Record<string, unknown>) =>
  validatePlan({ ...ok, ...over } as never, defaults).errors.map((e) => `${e.path}:${e.rule}`);

describe('validatePlan', () => {
  it('fills the currency and trial days from the config, upper-cases the currency, sorts features', () => {
    expect(validatePlan({ ...ok, currency: 'usd', features: { sso: true, api_calls: 1000 } }, defaults)).toEqual({
      plan: {
        key: 'pro',
        name: 'Pro',
        description: null,
        price: 2_900,
        currency: 'USD',
        interval: 'month',
        trial_days: 14,
        seats: null,
        features: { api_calls: 1000, sso: true },
      },
      errors: [],
    });
    expect(validatePlan({ ...ok, trial_days: 0, seats: 5, interval: 'year' }, defaults).plan).toMatchObject({
      currency: 'EUR',
      trial_days: 0,
      seats: 5,
      interval: 'year',
    });
  });

  it('a free plan costs 0', () => {
    expect(errorsOf({ price: 0 })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an upper-case key', { key: 'Pro' }, 'key:matches'],
    ['a key with a space', { key: 'pro plan' }, 'key:matches'],
    ['a 41-character key', { key: 'p'.repeat(41) }, 'key:matches'],
    ['a fractional price', { price: 29.5 }, 'price:isPrice'],
    ['a negative price', { price: -1 }, 'price:isPrice'],
    ['a price as a string', { price: '2900' }, 'price:isPrice'],
    ['a currency that is not ISO 4217', { currency: 'XYZ' }, 'currency:isCurrency'],
    ['a four-letter currency', { currency: 'EURO' }, 'currency:isCurrency'],
    ['an unknown interval', { interval: 'week' }, 'interval:isIn'],
    ['a negative trial', { trial_days: -1 }, 'trial_days:isInt'],
    ['a trial over a year', { trial_days: 366 }, 'trial_days:isInt'],
    ['zero seats', { seats: 0 }, 'seats:isInt'],
    ['fractional seats', { seats: 2.5 }, 'seats:isInt'],
    ['a feature with a bad key', { features: { 'Single Sign-On': true } }, 'features.Single Sign-On:matches'],
    ['a feature that is a string', { features: { sso: 'yes' } }, 'features.sso:isEntitlement'],
    ['a negative limit', { features: { seats_extra: -5 } }, 'features.seats_extra:isEntitlement'],
    ['a fractional limit', { features: { api_calls: 1.5 } }, 'features.api_calls:isEntitlement'],
  ])('refuses %s', (_, over, error) => {
    expect(errorsOf(over)).toEqual([error]);
  });

  it('reports every problem at once, under a prefix when given', () => {
    const { errors } = validatePlan({ key: 'X', name: 'x', price: -1, interval: 'day' } as never, defaults, 'plans[2].');
    expect(errors.map((e) => e.path)).toEqual(['plans[2].key', 'plans[2].price', 'plans[2].interval']);
  });
});
