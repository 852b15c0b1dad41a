import { Clock } from '@user-engine/kernel';
import { type ClockRun, SubscriptionClock } from '@user-engine/subscription';
import { get, type SignedIn } from './account';
import { eventually, type TestApp } from './test-app';
import type { TestDatabase } from './test-database';

/**
 * Moves the application's Clock (what trials, periods and the subscription clock read) to `at`;
 * the real time again with `null`. Tests drive time with this, never with sleeps.
 */
export function setNow(t: TestApp, at: Date | string | null): void {
  const clock = t.get(Clock);
  if (at === null) {
    clock.now = Clock.prototype.now;
    return;
  }
  const fixed = new Date(at);
  clock.now = () => new Date(fixed);
}

/** Runs the subscription clock once at `at` (the Clock stays there). */
export async function runClock(t: TestApp, at: Date | string): Promise<ClockRun> {
  setNow(t, at);
  return t.get(SubscriptionClock).runOnce();
}

export interface SubscriptionRowDb {
  id: string;
  subject_type: string;
  subject_id: string;
  tenant_id: string | null;
  plan_key: string;
  status: string;
  trial_ends_at: Date | null;
  current_period_start: Date;
  current_period_end: Date;
  cancel_at_period_end: boolean;
  scheduled_plan_key: string | null;
  past_due_since: Date | null;
  ended_at: Date | null;
}

/** The subject's subscriptions as stored, newest first (read as the owner: no row-level security). */
export function subscriptionsOf(db: TestDatabase, subjectId: string): Promise<SubscriptionRowDb[]> {
  return db.query<SubscriptionRowDb>(`SELECT * FROM subscription.subscriptions WHERE subject_id = $1 ORDER BY id DESC`, [subjectId]);
}

/** Waits until the subject's trial has been started by the integration reaction. */
export function waitForSubscription(db: TestDatabase, subjectId: string): Promise<SubscriptionRowDb> {
  return eventually(async () => (await subscriptionsOf(db, subjectId))[0], 15_000, `subscription of ${subjectId}`);
}

export interface ChargeRowDb {
  id: string;
  subscription_id: string;
  kind: string;
  plan_key: string;
  amount: string;
  currency: string;
  status: string;
  details: Record<string, unknown>;
  period_start: Date;
  period_end: Date;
}

export function chargesOf(db: TestDatabase, subscriptionId: string): Promise<ChargeRowDb[]> {
  return db.query<ChargeRowDb>(`SELECT * FROM subscription.charges WHERE subscription_id = $1 ORDER BY id`, [subscriptionId]);
}

/** Outbox events of a subscription, oldest first. */
export function subscriptionEvents(
  db: TestDatabase,
  subscriptionId: string,
): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  return db.query(`SELECT type, payload FROM kernel.outbox WHERE aggregate_type = 'subscription' AND aggregate_id = $1 ORDER BY id`, [
    subscriptionId,
  ]);
}

/** The claims of an access token (unverified: for asserting what was issued). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** GET /v1/me/subscription. */
export function mySubscription(t: TestApp, user: SignedIn) {
  return get(t, '/v1/me/subscription', user.accessToken);
}
