import type { InternalChargeV1, SubscriptionStateV1 } from '@user-engine/contracts';
import type { Entitlement } from '../domain/plans';
import type { PlanRow } from '../persistence/plans.repository';
import type { ChargeRow, SubscriptionRow } from '../persistence/subscriptions.repository';

export interface PlanView {
  key: string;
  name: string;
  description: string | null;
  price: number;
  currency: string;
  interval: 'month' | 'year';
  trial_days: number;
  seats: number | null;
  features: Record<string, Entitlement>;
  status: 'active' | 'archived';
  created_at: string;
  updated_at: string;
}

export interface ChargeView extends InternalChargeV1 {
  plan: string;
  period_start: string;
  period_end: string;
  /** How the amount was computed (proration: remaining and period days, credit). */
  details: Record<string, unknown>;
}

export interface SubscriptionView {
  id: string;
  subject_type: 'user' | 'tenant';
  subject_id: string;
  tenant_id: string | null;
  status: SubscriptionRow['status'];
  plan: PlanView;
  /** A downgrade that takes effect when the period (or the trial) ends. */
  scheduled_plan: string | null;
  trial_ends_at: string | null;
  current_period_start: string;
  current_period_end: string;
  cancel_at_period_end: boolean;
  past_due_since: string | null;
  canceled_at: string | null;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
  /** Charges not paid yet, oldest first. */
  open_charges: ChargeView[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toPlanView(p: PlanRow): PlanView {
  return {
    key: p.key,
    name: p.name,
    description: p.description,
    price: p.price,
    currency: p.currency,
    interval: p.interval,
    trial_days: p.trial_days,
    seats: p.seats,
    features: p.features,
    status: p.status,
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
  };
}

export function toChargeView(c: ChargeRow): ChargeView {
  return {
    id: c.id,
    subscription_id: c.subscription_id,
    kind: c.kind,
    plan: c.plan_key,
    amount: c.amount,
    currency: c.currency,
    status: c.status,
    reference: c.reference,
    period_start: c.period_start.toISOString(),
    period_end: c.period_end.toISOString(),
    details: c.details,
    created_at: c.created_at.toISOString(),
    settled_at: iso(c.settled_at),
  };
}

export function toSubscriptionView(s: SubscriptionRow, plan: PlanRow, open: ChargeRow[]): SubscriptionView {
  return {
    id: s.id,
    subject_type: s.subject_type,
    subject_id: s.subject_id,
    tenant_id: s.tenant_id,
    status: s.status,
    plan: toPlanView(plan),
    scheduled_plan: s.scheduled_plan_key,
    trial_ends_at: iso(s.trial_ends_at),
    current_period_start: s.current_period_start.toISOString(),
    current_period_end: s.current_period_end.toISOString(),
    cancel_at_period_end: s.cancel_at_period_end,
    past_due_since: iso(s.past_due_since),
    canceled_at: iso(s.canceled_at),
    ended_at: iso(s.ended_at),
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
    open_charges: open.map(toChargeView),
  };
}

/** The subscription as events carry it. */
export function toState(s: SubscriptionRow): SubscriptionStateV1 {
  return {
    subscription_id: s.id,
    subject_type: s.subject_type,
    subject_id: s.subject_id,
    tenant_id: s.tenant_id,
    plan: s.plan_key,
    status: s.status,
    trial_ends_at: iso(s.trial_ends_at),
    current_period_start: s.current_period_start.toISOString(),
    current_period_end: s.current_period_end.toISOString(),
    cancel_at_period_end: s.cancel_at_period_end,
    scheduled_plan: s.scheduled_plan_key,
  };
}
