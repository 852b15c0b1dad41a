import { Injectable } from '@nestjs/common';
import { queryRows } from '../database/query-rows';
import { Scopes, UnitOfWork } from '../database/unit-of-work';

export interface DeadLetter {
  id: string;
  type: string;
  tenant_id: string | null;
  aggregate_type: string;
  aggregate_id: string;
  attempts: number;
  last_error: string | null;
  dead_at: Date;
}

/** Operator tools for the dead-letter state: inspect, and replay after fixing the cause. */
@Injectable()
export class OutboxAdmin {
  constructor(private readonly uow: UnitOfWork) {}

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    return this.uow.run(Scopes.platform, (m) =>
      queryRows<DeadLetter>(
        m,
        `SELECT id, type, tenant_id, aggregate_type, aggregate_id, attempts, last_error, dead_at
         FROM kernel.outbox WHERE status = 'dead' ORDER BY dead_at DESC LIMIT $1`,
        [limit],
      ),
    );
  }

  /** Puts dead events back in the queue with fresh attempts; handlers that succeeded stay skipped. */
  async replay(ids: readonly string[] | 'all'): Promise<number> {
    const rows = await this.uow.run(Scopes.platform, (m) =>
      queryRows(
        m,
        `UPDATE kernel.outbox
          SET status = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL, claimed_by = NULL, claimed_until = NULL
        WHERE status = 'dead' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
      RETURNING id`,
        [ids === 'all' ? null : ids],
      ),
    );
    await this.notify(rows.length);
    return rows.length;
  }

  /**
   * Gives up on dead events for good. A dead event holds back the later events of its aggregate
   * (order is kept per aggregate); skipping it lets them go.
   */
  async skip(ids: readonly string[]): Promise<number> {
    const rows = await this.uow.run(Scopes.platform, (m) =>
      queryRows(m, `UPDATE kernel.outbox SET status = 'skipped' WHERE status = 'dead' AND id = ANY($1::uuid[]) RETURNING id`, [ids]),
    );
    await this.notify(rows.length);
    return rows.length;
  }

  /** Wakes the dispatchers now rather than at their next poll. */
  private async notify(changed: number): Promise<void> {
    if (changed) await this.uow.run(Scopes.platform, (m) => m.query(`SELECT pg_notify('kernel_outbox', '')`));
  }

  async counts(): Promise<Record<'pending' | 'delivered' | 'dead' | 'skipped', number>> {
    const rows = await this.uow.run(Scopes.platform, (m) =>
      queryRows<{ status: 'pending' | 'delivered' | 'dead' | 'skipped'; n: string }>(
        m,
        `SELECT status, count(*) AS n FROM kernel.outbox GROUP BY status`,
      ),
    );
    const out = { pending: 0, delivered: 0, dead: 0, skipped: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }
}
