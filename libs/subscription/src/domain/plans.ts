import type { FieldError } from '@user-engine/kernel';
import type { BillingInterval } from './billing-periods';

/** An entitlement: a feature switched on or off, or a numeric limit. */
export type Entitlement = boolean | number;

export interface Plan {
  key: string;
  name: string;
  description: string | null;
  /** Integer minor units per interval (0 for a free plan). */
  price: number;
  /** ISO 4217, upper case. */
  currency: string;
  interval: BillingInterval;
  trial_days: number;
  /** Active members a tenant on this plan may have; null: unlimited. */
  seats: number | null;
  features: Record<string, Entitlement>;
  status: 'active' | 'archived';
}

/** What an operator sends to create a plan (defaults from the config fill the gaps). */
export interface PlanInput {
  key: string;
  name: string;
  description?: string | null;
  price: number;
  currency?: string;
  interval: string;
  trial_days?: number;
  seats?: number | null;
  features?: Record<string, unknown>;
}

export const PLAN_KEY = /^[a-z][a-z0-9-]{0,39}$/;
export const FEATURE_KEY = /^[a-z][a-z0-9_.-]{0,63}$/;
export const CURRENCY = /^[A-Z]{3}$/;
export const MAX_PRICE = 100_000_000_00; // 100 million in major units
export const MAX_TRIAL_DAYS = 365;
export const MAX_FEATURES = 100;
const INTERVALS: readonly BillingInterval[] = ['month', 'year'];

const isCount = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

/**
 * Checks a plan's fields and normalises it: the key is a slug, the price integer minor units, the
 * currency ISO 4217 (upper-cased), trial days 0–365, seats a positive integer or null (unlimited),
 * features a map of booleans and non-negative integer limits. Returns every field error at once.
 */
export function validatePlan(
  input: PlanInput,
  defaults: { currency: string; trialDays: number },
  prefix = '',
): { plan: Omit<Plan, 'status'>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const err = (path: string, message: string, rule: string) => errors.push({ path: `${prefix}${path}`, message, rule });
  if (typeof input.key !== 'string' || !PLAN_KEY.test(input.key))
    err('key', 'key must be 1–40 lower-case letters, digits or hyphens, starting with a letter', 'matches');
  if (!isCount(input.price, 0, MAX_PRICE)) err('price', `price must be an integer number of minor units from 0 to ${MAX_PRICE}`, 'isPrice');
  const currency = (input.currency ?? defaults.currency).toUpperCase();
  if (!CURRENCY.test(currency) || !isIsoCurrency(currency)) err('currency', 'currency must be an ISO 4217 code such as EUR', 'isCurrency');
  if (!INTERVALS.includes(input.interval as BillingInterval)) err('interval', 'interval must be month or year', 'isIn');
  const trialDays = input.trial_days ?? defaults.trialDays;
  if (!isCount(trialDays, 0, MAX_TRIAL_DAYS)) err('trial_days', `trial_days must be an integer from 0 to ${MAX_TRIAL_DAYS}`, 'isInt');
  const seats = input.seats ?? null;
  if (seats !== null && !isCount(seats, 1, 1_000_000)) err('seats', 'seats must be a positive integer, or null for unlimited', 'isInt');
  const features: Record<string, Entitlement> = {};
  const raw = input.features ?? {};
  if (Object.keys(raw).length > MAX_FEATURES) err('features', `at most ${MAX_FEATURES} features`, 'maxSize');
  for (const [key, value] of Object.entries(raw)) {
    if (!FEATURE_KEY.test(key)) err(`features.${key}`, 'feature keys are 1–64 lower-case letters, digits, _ . or -', 'matches');
    else if (typeof value === 'boolean' || isCount(value, 0, Number.MAX_SAFE_INTEGER)) features[key] = value;
    else err(`features.${key}`, 'a feature is true/false or a non-negative integer limit', 'isEntitlement');
  }
  return {
    plan: {
      key: input.key,
      name: input.name,
      description: input.description ?? null,
      price: input.price,
      currency,
      interval: input.interval as BillingInterval,
      trial_days: trialDays,
      seats,
      features: Object.fromEntries(Object.entries(features).sort(([a], [b]) => a.localeCompare(b))),
    },
    errors,
  };
}

/** Whether ICU knows `code` as a currency (rejects well-formed but unassigned codes such as XYZ). */
function isIsoCurrency(code: string): boolean {
  return (Intl.supportedValuesOf('currency') as string[]).includes(code);
}
