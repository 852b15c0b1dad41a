import type { ConfigType } from '@nestjs/config';
import { defineConfig, env, EnvParseError } from '@user-engine/kernel';
import { PLAN_KEY, type PlanInput, validatePlan } from './domain/plans';

const DAY = 86_400_000;

/** The catalog seeded on first start when SUBSCRIPTION_PLANS is unset. */
export const DEFAULT_PLANS: readonly PlanInput[] = [
  {
    key: 'free',
    name: 'Free',
    description: 'For trying things out.',
    price: 0,
    interval: 'month',
    trial_days: 0,
    seats: 3,
    features: { api_calls: 1_000, audit_export: false, sso: false },
  },
  {
    key: 'pro',
    name: 'Pro',
    description: 'For growing teams.',
    price: 2_900,
    interval: 'month',
    seats: 25,
    features: { api_calls: 100_000, audit_export: true, sso: false },
  },
  {
    key: 'business',
    name: 'Business',
    description: 'Unlimited seats and single sign-on.',
    price: 9_900,
    interval: 'month',
    seats: null,
    features: { api_calls: 1_000_000, audit_export: true, sso: true },
  },
];

/** A JSON array of plans, each checked by the plan rules (currency and trial days may be left to their defaults). */
function parsePlans(value: unknown): readonly PlanInput[] {
  if (!Array.isArray(value) || !value.length || value.length > 100) throw new EnvParseError('must be a JSON array of 1–100 plans');
  const keys = new Set<string>();
  value.forEach((raw: unknown, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new EnvParseError(`[${i}] must be a plan object`);
    const input = raw as PlanInput;
    const { errors } = validatePlan(input, { currency: 'EUR', trialDays: 14 }, `[${i}].`);
    if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 100)
      errors.push({ path: `[${i}].name`, message: 'name must be 1–100 characters' });
    if (errors.length) throw new EnvParseError(`has invalid plans: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    if (keys.has(input.key)) throw new EnvParseError(`names plan "${input.key}" twice`);
    keys.add(input.key);
  });
  return value as PlanInput[];
}

export const subscriptionConfig = defineConfig('subscription', {
  currency: env.string('SUBSCRIPTION_CURRENCY', {
    default: 'EUR',
    pattern: /^[A-Z]{3}$/,
    patternText: 'an upper-case ISO 4217 code',
    description: 'Currency of plans that name none (ISO 4217).',
  }),
  trialDays: env.int('SUBSCRIPTION_TRIAL_DAYS', {
    default: 14,
    min: 0,
    max: 365,
    description: 'Trial length of plans that name none (0: such plans start without a trial).',
  }),
  trialSubjects: env.subset('SUBSCRIPTION_TRIAL_SUBJECTS', {
    values: ['user', 'tenant'] as const,
    default: ['user', 'tenant'],
    description: 'Who gets a trial when created: new users (user.created), new tenants (tenant.created), or both.',
  }),
  trialPlan: env.string('SUBSCRIPTION_TRIAL_PLAN', {
    default: 'pro',
    pattern: PLAN_KEY,
    patternText: 'a plan key',
    description: 'The plan trials run on (its trial_days decide their length; an archived or missing plan starts no trial).',
  }),
  paymentTerms: env.duration('SUBSCRIPTION_PAYMENT_TERMS', {
    default: 7 * DAY,
    description: 'How long a charge may stay unpaid before its subscription becomes past_due.',
  }),
  gracePeriod: env.duration('SUBSCRIPTION_GRACE_PERIOD', {
    default: 14 * DAY,
    description: 'How long a subscription stays past_due (keeping its plan) before it expires.',
  }),
  clockInterval: env.duration('SUBSCRIPTION_CLOCK_INTERVAL', {
    default: 60_000,
    description: 'How often the subscription clock runs (ends trials, renews, moves unpaid ones on); one replica at a time.',
  }),
  billingProvider: env.string('SUBSCRIPTION_BILLING_PROVIDER', {
    default: 'manual',
    pattern: /^manual$/,
    patternText: 'manual',
    description: 'Where charges are paid: `manual` records them for an operator or a sibling service to settle.',
  }),
  plans: env.json('SUBSCRIPTION_PLANS', {
    default: DEFAULT_PLANS,
    expected: 'a JSON array of plans {key, name, description?, price, currency?, interval, trial_days?, seats?, features?}',
    validate: parsePlans,
    description: 'The plan catalog seeded when the catalog is empty (first start). Default: free, pro (the trial plan) and business.',
  }),
});

export type SubscriptionConfig = ConfigType<typeof subscriptionConfig>;
