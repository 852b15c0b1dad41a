import { ConfigValidationError } from '@user-engine/kernel';
import { DEFAULT_PLANS, subscriptionConfig } from './subscription.config';

const parse = (env: Record<string, string>) => subscriptionConfig.parse(env);
const problem = (env: Record<string, string>): string => {
  try {
    parse(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigValidationError);
    return (err as Error).message;
  }
  throw new Error('parsed');
};

describe('subscription config', () => {
  it('defaults: EUR, 14-day trials for users and tenants on pro, 7 days to pay, 14 days of grace, the built-in catalog', () => {
    expect(parse({})).toEqual({
      currency: 'EUR',
      trialDays: 14,
      trialSubjects: ['user', 'tenant'],
      trialPlan: 'pro',
      paymentTerms: 7 * 86_400_000,
      gracePeriod: 14 * 86_400_000,
      clockInterval: 60_000,
      billingProvider: 'manual',
      plans: DEFAULT_PLANS,
    });
    expect(DEFAULT_PLANS.map((p) => p.key)).toEqual(['free', 'pro', 'business']);
  });

  it('takes a catalog as JSON, leaving currency and trial days to their defaults', () => {
    const plans = [{ key: 'solo', name: 'Solo', price: 500, interval: 'year', features: { sso: false } }];
    expect(parse({ SUBSCRIPTION_PLANS: JSON.stringify(plans), SUBSCRIPTION_TRIAL_SUBJECTS: 'tenant' })).toMatchObject({
      plans,
      trialSubjects: ['tenant'],
    });
  });

  it.each([
    ['not JSON', '{plans', 'SUBSCRIPTION_PLANS must be JSON'],
    ['an empty list', '[]', 'must be a JSON array of 1–100 plans'],
    ['an object', '{"key":"a"}', 'must be a JSON array of 1–100 plans'],
    ['a non-object item', '[1]', '[0] must be a plan object'],
    ['a bad plan', '[{"key":"Bad","name":"x","price":-1,"interval":"week"}]', '[0].key: key must be 1–40 lower-case'],
    ['a missing name', '[{"key":"a","price":0,"interval":"month"}]', '[0].name: name must be 1–100 characters'],
    [
      'a duplicate key',
      '[{"key":"a","name":"A","price":0,"interval":"month"},{"key":"a","name":"B","price":1,"interval":"month"}]',
      'names plan "a" twice',
    ],
  ])('refuses a catalog that is %s, naming the variable and the fault', (_what, raw, message) => {
    const text = problem({ SUBSCRIPTION_PLANS: raw });
    expect(text).toContain('SUBSCRIPTION_PLANS');
    expect(text).toContain(message);
  });

  it('refuses bad scalar settings by name', () => {
    expect(problem({ SUBSCRIPTION_CURRENCY: 'eur' })).toContain('SUBSCRIPTION_CURRENCY must be an upper-case ISO 4217 code');
    expect(problem({ SUBSCRIPTION_TRIAL_SUBJECTS: 'users' })).toContain(
      'SUBSCRIPTION_TRIAL_SUBJECTS must be a comma-separated subset of user, tenant',
    );
    expect(problem({ SUBSCRIPTION_BILLING_PROVIDER: 'stripe' })).toContain('SUBSCRIPTION_BILLING_PROVIDER must be manual');
    expect(problem({ SUBSCRIPTION_TRIAL_DAYS: '400' })).toContain('SUBSCRIPTION_TRIAL_DAYS');
    expect(problem({ SUBSCRIPTION_GRACE_PERIOD: 'soon' })).toContain('SUBSCRIPTION_GRACE_PERIOD');
  });
});
