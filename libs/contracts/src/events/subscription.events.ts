import { defineEvent } from './envelope';

/** Who a subscription belongs to, as published in v1 payloads. */
export type SubscriptionSubjectTypeV1 = 'user' | 'tenant';
/** Subscription statuses as published in v1 payloads (`canceled` and `expired` are final). */
export type SubscriptionStatusV1 = 'trialing' | 'active' | 'past_due' | 'canceled' | 'expired';

/**
 * A subscription as every `subscription.*` and `trial.ended` event carries it, after the change.
 * Amounts are integer minor units of the plan's currency; times are ISO 8601 UTC.
 */
export interface SubscriptionStateV1 {
  subscription_id: string;
  subject_type: SubscriptionSubjectTypeV1;
  subject_id: string;
  /** The tenant for a tenant's subscription; null for a user's. */
  tenant_id: string | null;
  plan: string;
  status: SubscriptionStatusV1;
  trial_ends_at: string | null;
  current_period_start: string;
  current_period_end: string;
  cancel_at_period_end: boolean;
  /** A downgrade waiting for the end of the period. */
  scheduled_plan: string | null;
}

/** `subscription.started` v1: a subject has a new current subscription (a trial, or a purchase after none). */
export interface SubscriptionStartedV1 extends SubscriptionStateV1 {
  reason: 'trial' | 'purchase';
  /** The charge for the first period, when one was recorded. */
  charge_id: string | null;
  amount: number;
}

/**
 * `subscription.changed` v1: the plan changed at once (an upgrade, or a scheduled downgrade taking
 * effect), a downgrade was scheduled or withdrawn, a cancellation was scheduled or withdrawn, or the
 * payment status moved it to `past_due` and back.
 */
export interface SubscriptionChangedV1 extends SubscriptionStateV1 {
  change:
    | 'upgraded'
    | 'downgraded'
    | 'downgrade_scheduled'
    | 'downgrade_withdrawn'
    | 'cancel_scheduled'
    | 'resumed'
    | 'past_due'
    | 'payment_recovered';
  previous_plan: string;
  previous_status: SubscriptionStatusV1;
  /** The prorated charge of an upgrade, when one was recorded. */
  charge_id: string | null;
  amount: number;
}

/** `subscription.canceled` v1: the subscription ended on request, at its period's end, or with its subject. */
export interface SubscriptionCanceledV1 extends SubscriptionStateV1 {
  reason: 'requested' | 'period_end' | 'subject_deleted';
  canceled_at: string;
}

/** `subscription.expired` v1: it stayed unpaid past the grace period. */
export interface SubscriptionExpiredV1 extends SubscriptionStateV1 {
  reason: 'unpaid';
  expired_at: string;
}

/** `subscription.renewed` v1: a new billing period started, with its charge. */
export interface SubscriptionRenewedV1 extends SubscriptionStateV1 {
  charge_id: string | null;
  amount: number;
}

/** `trial.ended` v1: the trial is over — converted to a paid period, upgraded early, or canceled. */
export interface TrialEndedV1 extends SubscriptionStateV1 {
  reason: 'converted' | 'upgraded' | 'canceled';
  ended_at: string;
}

export const SubscriptionStarted = defineEvent<SubscriptionStartedV1>('subscription.started', 1);
export const SubscriptionChanged = defineEvent<SubscriptionChangedV1>('subscription.changed', 1);
export const SubscriptionCanceled = defineEvent<SubscriptionCanceledV1>('subscription.canceled', 1);
export const SubscriptionExpired = defineEvent<SubscriptionExpiredV1>('subscription.expired', 1);
export const SubscriptionRenewed = defineEvent<SubscriptionRenewedV1>('subscription.renewed', 1);
export const TrialEnded = defineEvent<TrialEndedV1>('trial.ended', 1);
