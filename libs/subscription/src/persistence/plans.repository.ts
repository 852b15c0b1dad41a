import { Injectable } from '@nestjs/common';
import { isUniqueViolation, queryRows, UnitOfWork } from '@user-engine/kernel';
import type { Plan } from '../domain/plans';

export interface PlanRow extends Plan {
  created_at: Date;
  updated_at: Date;
}

type Raw = Omit<PlanRow, 'price'> & { price: string | number };
const toPlan = (r: Raw): PlanRow => ({ ...r, price: Number(r.price) });

const COLUMNS = `key, name, description, price, currency, interval, trial_days, seats, features, status, created_at, updated_at`;

/** The plan catalog (platform-wide), in the current unit of work. */
@Injectable()
export class PlansRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async find(key: string, options: { lock?: boolean } = {}): Promise<PlanRow | undefined> {
    const [row] = await queryRows<Raw>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM subscription.plans WHERE key = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [key],
    );
    return row && toPlan(row);
  }

  async list(options: { includeArchived: boolean }): Promise<PlanRow[]> {
    const rows = await queryRows<Raw>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM subscription.plans ${options.includeArchived ? '' : `WHERE status = 'active'`} ORDER BY price, key LIMIT 500`,
    );
    return rows.map(toPlan);
  }

  /** Inserts a plan; false when the key is taken. */
  async insert(plan: Omit<Plan, 'status'>): Promise<PlanRow | undefined> {
    try {
      const [row] = await queryRows<Raw>(
        this.uow.manager,
        `INSERT INTO subscription.plans (key, name, description, price, currency, interval, trial_days, seats, features)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [
          plan.key,
          plan.name,
          plan.description,
          plan.price,
          plan.currency,
          plan.interval,
          plan.trial_days,
          plan.seats,
          JSON.stringify(plan.features),
        ],
      );
      return toPlan(row);
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /** Seeds `plans` when the catalog is empty (first start); returns how many were inserted. */
  async seed(plans: readonly Omit<Plan, 'status'>[]): Promise<number> {
    const m = this.uow.manager;
    const [{ empty }] = await queryRows<{ empty: boolean }>(m, `SELECT NOT EXISTS (SELECT 1 FROM subscription.plans) AS empty`);
    if (!empty) return 0;
    let inserted = 0;
    for (const p of plans) {
      const rows = await queryRows(
        m,
        `INSERT INTO subscription.plans (key, name, description, price, currency, interval, trial_days, seats, features)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING RETURNING 1`,
        [p.key, p.name, p.description, p.price, p.currency, p.interval, p.trial_days, p.seats, JSON.stringify(p.features)],
      );
      inserted += rows.length;
    }
    return inserted;
  }

  async update(plan: Omit<Plan, 'status'>): Promise<PlanRow> {
    const [row] = await queryRows<Raw>(
      this.uow.manager,
      `UPDATE subscription.plans SET name = $2, description = $3, price = $4, trial_days = $5, seats = $6, features = $7, updated_at = now()
        WHERE key = $1 RETURNING ${COLUMNS}`,
      [plan.key, plan.name, plan.description, plan.price, plan.trial_days, plan.seats, JSON.stringify(plan.features)],
    );
    return toPlan(row);
  }

  async setStatus(key: string, status: Plan['status']): Promise<PlanRow> {
    const [row] = await queryRows<Raw>(
      this.uow.manager,
      `UPDATE subscription.plans SET status = $2, updated_at = now() WHERE key = $1 RETURNING ${COLUMNS}`,
      [key, status],
    );
    return toPlan(row);
  }

  /** Subscriptions currently on `key` (or switching to it), for the archive's audit entry. */
  async subscriberCount(key: string): Promise<number> {
    const [{ n }] = await queryRows<{ n: number }>(
      this.uow.manager,
      `SELECT count(*)::int AS n FROM subscription.subscriptions
        WHERE (plan_key = $1 OR scheduled_plan_key = $1) AND status IN ('trialing', 'active', 'past_due')`,
      [key],
    );
    return n;
  }
}
