import { Injectable } from '@nestjs/common';
import { idPage, queryRows, UnitOfWork } from '@user-engine/kernel';
import type { SubscriptionStatus } from '../domain/subscription-status';
import { type Subject, tenantOf } from '../domain/subject';

export interface SubscriptionRow {
  id: string;
  subject_type: Subject['type'];
  subject_id: string;
  tenant_id: string | null;
  plan_key: string;
  status: SubscriptionStatus;
  anchor_day: number;
  trial_ends_at: Date | null;
  current_period_start: Date;
  current_period_end: Date;
  cancel_at_period_end: boolean;
  scheduled_plan_key: string | null;
  past_due_since: Date | null;
  canceled_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type ChargeKind = 'initial' | 'proration' | 'renewal';
export type ChargeStatus = 'pending' | 'paid' | 'failed';

export interface ChargeRow {
  id: string;
  subscription_id: string;
  tenant_id: string | null;
  kind: ChargeKind;
  plan_key: string;
  amount: number;
  currency: string;
  status: ChargeStatus;
  provider: string;
  reference: string | null;
  details: Record<string, unknown>;
  period_start: Date;
  period_end: Date;
  created_at: Date;
  settled_at: Date | null;
}

/** What a write may change on a subscription (the rest stays). */
export type SubscriptionChanges = Partial<
  Pick<
    SubscriptionRow,
    | 'plan_key'
    | 'status'
    | 'anchor_day'
    | 'trial_ends_at'
    | 'current_period_start'
    | 'current_period_end'
    | 'cancel_at_period_end'
    | 'scheduled_plan_key'
    | 'past_due_since'
    | 'canceled_at'
    | 'ended_at'
  >
>;

const CURRENT = `status IN ('trialing', 'active', 'past_due')`;
const toCharge = (r: ChargeRow & { amount: string | number }): ChargeRow => ({ ...r, amount: Number(r.amount) });

/**
 * Subscriptions, trials, the charge ledger and members' plan overrides, in the current unit of work.
 * A tenant's rows are visible only in its scope; a user's in any (row-level security).
 */
@Injectable()
export class SubscriptionsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** The subject's current subscription (trialing, active or past due), optionally locked. */
  async current(subject: Subject, options: { lock?: boolean } = {}): Promise<SubscriptionRow | undefined> {
    const [row] = await queryRows<SubscriptionRow>(
      this.uow.manager,
      `SELECT * FROM subscription.subscriptions WHERE subject_type = $1 AND subject_id = $2 AND ${CURRENT}${
        options.lock ? ' FOR UPDATE' : ''
      }`,
      [subject.type, subject.id],
    );
    return row;
  }

  /** The current subscription, else the one that ended last: what the subject's page shows. */
  async latest(subject: Subject): Promise<SubscriptionRow | undefined> {
    const [row] = await queryRows<SubscriptionRow>(
      this.uow.manager,
      `SELECT * FROM subscription.subscriptions WHERE subject_type = $1 AND subject_id = $2
        ORDER BY (${CURRENT}) DESC, id DESC LIMIT 1`,
      [subject.type, subject.id],
    );
    return row;
  }

  async find(id: string, options: { lock?: boolean } = {}): Promise<SubscriptionRow | undefined> {
    const [row] = await queryRows<SubscriptionRow>(
      this.uow.manager,
      `SELECT * FROM subscription.subscriptions WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row;
  }

  async insert(row: Omit<SubscriptionRow, 'tenant_id' | 'created_at' | 'updated_at'>, at: Date): Promise<SubscriptionRow> {
    const [created] = await queryRows<SubscriptionRow>(
      this.uow.manager,
      `INSERT INTO subscription.subscriptions (id, subject_type, subject_id, tenant_id, plan_key, status, anchor_day, trial_ends_at,
         current_period_start, current_period_end, cancel_at_period_end, scheduled_plan_key, past_due_since, canceled_at, ended_at,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING *`,
      [
        row.id,
        row.subject_type,
        row.subject_id,
        tenantOf({ type: row.subject_type, id: row.subject_id }),
        row.plan_key,
        row.status,
        row.anchor_day,
        row.trial_ends_at,
        row.current_period_start,
        row.current_period_end,
        row.cancel_at_period_end,
        row.scheduled_plan_key,
        row.past_due_since,
        row.canceled_at,
        row.ended_at,
        at,
      ],
    );
    return created;
  }

  async update(id: string, changes: SubscriptionChanges, at: Date): Promise<SubscriptionRow> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    const [row] = await queryRows<SubscriptionRow>(
      this.uow.manager,
      `UPDATE subscription.subscriptions SET ${entries.map(([k], i) => `${k} = $${i + 3}`).join(', ')}${entries.length ? ', ' : ''}updated_at = $2
        WHERE id = $1 RETURNING *`,
      [id, at, ...entries.map(([, v]) => v)],
    );
    return row;
  }

  /** Records the subject's one trial; false when it had one already (ever). */
  async claimTrial(subject: Subject, t: { subscriptionId: string; plan: string; startedAt: Date; endsAt: Date }): Promise<boolean> {
    const rows = await queryRows(
      this.uow.manager,
      `INSERT INTO subscription.trials (subject_type, subject_id, tenant_id, subscription_id, plan_key, started_at, ends_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1`,
      [subject.type, subject.id, tenantOf(subject), t.subscriptionId, t.plan, t.startedAt, t.endsAt],
    );
    return rows.length === 1;
  }

  async insertCharge(c: Omit<ChargeRow, 'status' | 'reference' | 'settled_at'>): Promise<ChargeRow> {
    const [row] = await queryRows<ChargeRow & { amount: string }>(
      this.uow.manager,
      `INSERT INTO subscription.charges (id, subscription_id, tenant_id, kind, plan_key, amount, currency, provider, details,
         period_start, period_end, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        c.id,
        c.subscription_id,
        c.tenant_id,
        c.kind,
        c.plan_key,
        c.amount,
        c.currency,
        c.provider,
        JSON.stringify(c.details),
        c.period_start,
        c.period_end,
        c.created_at,
      ],
    );
    return toCharge(row);
  }

  async findCharge(subscriptionId: string, chargeId: string, options: { lock?: boolean } = {}): Promise<ChargeRow | undefined> {
    const [row] = await queryRows<ChargeRow & { amount: string }>(
      this.uow.manager,
      `SELECT * FROM subscription.charges WHERE id = $1 AND subscription_id = $2${options.lock ? ' FOR UPDATE' : ''}`,
      [chargeId, subscriptionId],
    );
    return row && toCharge(row);
  }

  async settleCharge(id: string, status: 'paid' | 'failed', reference: string | null, at: Date): Promise<ChargeRow> {
    const [row] = await queryRows<ChargeRow & { amount: string }>(
      this.uow.manager,
      `UPDATE subscription.charges SET status = $2, reference = coalesce($3, reference), settled_at = CASE WHEN $2 = 'paid' THEN $4::timestamptz ELSE NULL END
        WHERE id = $1 RETURNING *`,
      [id, status, reference, at],
    );
    return toCharge(row);
  }

  /** Charges not paid yet (pending or failed), oldest first. */
  async openCharges(subscriptionId: string): Promise<ChargeRow[]> {
    const rows = await queryRows<ChargeRow & { amount: string }>(
      this.uow.manager,
      `SELECT * FROM subscription.charges WHERE subscription_id = $1 AND status <> 'paid' ORDER BY id LIMIT 100`,
      [subscriptionId],
    );
    return rows.map(toCharge);
  }

  /** A page of the subject's charges, newest first. */
  async chargesOf(subject: Subject, page: { limit?: number; cursor?: string }): Promise<{ rows: ChargeRow[]; next_cursor: string | null }> {
    const result = await idPage(this.uow.manager, {
      list: `charges:${subject.type}:${subject.id}`,
      from: 'subscription.charges',
      id: 'id',
      where: [`subscription_id IN (SELECT id FROM subscription.subscriptions WHERE subject_type = $1 AND subject_id = $2)`],
      params: [subject.type, subject.id],
      order: 'desc',
      limit: page.limit,
      cursor: page.cursor,
    });
    return { rows: result.rows.map((r) => toCharge(r as unknown as ChargeRow)), next_cursor: result.next_cursor };
  }

  /** The plan override of one member, in the tenant's scope. */
  async memberPlan(tenantId: string, userId: string): Promise<string | null> {
    const [row] = await queryRows<{ plan_key: string }>(
      this.uow.manager,
      `SELECT plan_key FROM subscription.membership_plans WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return row?.plan_key ?? null;
  }

  async setMemberPlan(tenantId: string, userId: string, plan: string, setBy: string | null): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO subscription.membership_plans (tenant_id, user_id, plan_key, set_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET plan_key = EXCLUDED.plan_key, set_by = EXCLUDED.set_by, set_at = now()`,
      [tenantId, userId, plan, setBy],
    );
  }

  /** Removes plan overrides: one member's in a tenant, or (tenant null, platform scope) a user's everywhere. */
  async clearMemberPlans(tenantId: string | null, userId: string): Promise<number> {
    const rows = await queryRows(
      this.uow.manager,
      `DELETE FROM subscription.membership_plans WHERE user_id = $2 AND ($1::uuid IS NULL OR tenant_id = $1) RETURNING 1`,
      [tenantId, userId],
    );
    return rows.length;
  }

  /**
   * The seats of the tenant's current plan (and of a downgrade scheduled for it), its subscription
   * row held FOR SHARE until the transaction ends: a plan change waits for the join being counted,
   * and the join for the change. Undefined without a current subscription.
   */
  async tenantSeats(
    tenantId: string,
  ): Promise<{ plan: string; seats: number | null; scheduled_seats: number | null; scheduled: string | null } | undefined> {
    const m = this.uow.manager;
    // The lock first, on its own: a lock taken after waiting re-reads the locked row only, so the
    // plans joined to it would still be the ones of the version before the change it waited for.
    const [sub] = await queryRows<{ plan: string; scheduled: string | null }>(
      m,
      `SELECT plan_key AS plan, scheduled_plan_key AS scheduled FROM subscription.subscriptions
        WHERE subject_type = 'tenant' AND subject_id = $1 AND ${CURRENT} FOR SHARE`,
      [tenantId],
    );
    if (!sub) return undefined;
    const [row] = await queryRows<{ seats: number | null; scheduled_seats: number | null }>(
      m,
      `SELECT (SELECT seats FROM subscription.plans WHERE key = $1) AS seats, (SELECT seats FROM subscription.plans WHERE key = $2) AS scheduled_seats`,
      [sub.plan, sub.scheduled],
    );
    return { ...sub, ...row };
  }

  /** Whether a charge of the subscription created before `before` is still unpaid. */
  async hasChargeUnpaidSince(subscriptionId: string, before: Date): Promise<boolean> {
    const rows = await queryRows(
      this.uow.manager,
      `SELECT 1 FROM subscription.charges WHERE subscription_id = $1 AND status <> 'paid' AND created_at <= $2 LIMIT 1`,
      [subscriptionId, before],
    );
    return rows.length > 0;
  }

  /**
   * The plan that applies to `userId` in `tenantId` (null: outside any tenant) — their membership's
   * override, else the tenant's current subscription, else their own — with its features, in one
   * round trip (in the tenant's scope, or the global one).
   */
  async effectivePlan(userId: string | null, tenantId: string | null): Promise<EffectivePlanRow> {
    const [row] = await queryRows<EffectivePlanRow>(
      this.uow.manager,
      `WITH c AS (
         SELECT (SELECT plan_key FROM subscription.membership_plans WHERE tenant_id = $2 AND user_id = $1) AS membership,
                (SELECT plan_key FROM subscription.subscriptions WHERE subject_type = 'tenant' AND subject_id = $2 AND ${CURRENT}) AS tenant,
                (SELECT status FROM subscription.subscriptions WHERE subject_type = 'tenant' AND subject_id = $2 AND ${CURRENT}) AS tenant_status,
                (SELECT plan_key FROM subscription.subscriptions WHERE subject_type = 'user' AND subject_id = $1 AND ${CURRENT}) AS "user"
       )
       SELECT c.membership, c.tenant, c.tenant_status, c."user", p.key AS plan, p.features,
              tp.seats AS tenant_seats
         FROM c
         LEFT JOIN subscription.plans p ON p.key = coalesce(c.membership, c.tenant, c."user")
         LEFT JOIN subscription.plans tp ON tp.key = c.tenant`,
      [userId, tenantId],
    );
    return row;
  }
}

export interface EffectivePlanRow {
  membership: string | null;
  tenant: string | null;
  tenant_status: SubscriptionStatus | null;
  user: string | null;
  /** The plan that applies, and its features (null when none does). */
  plan: string | null;
  features: Record<string, boolean | number> | null;
  tenant_seats: number | null;
}
