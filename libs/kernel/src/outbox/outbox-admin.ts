import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';

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
  constructor(private readonly dataSource: DataSource) {}

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    return queryRows<DeadLetter>(
      this.dataSource,
      `SELECT id, type, tenant_id, aggregate_type, aggregate_id, attempts, last_error, dead_at
         FROM kernel.outbox WHERE status = 'dead' ORDER BY dead_at DESC LIMIT $1`,
      [limit],
    );
  }

  /** Puts dead events back in the queue with fresh attempts; handlers that succeeded stay skipped. */
  async replay(ids: readonly string[] | 'all'): Promise<number> {
    const rows = await queryRows(
      this.dataSource,
      `UPDATE kernel.outbox
          SET status = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL, claimed_by = NULL, claimed_until = NULL
        WHERE status = 'dead' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
      RETURNING id`,
      [ids === 'all' ? null : ids],
    );
    // Wake the dispatchers now rather than at their next poll.
    if (rows.length) await this.dataSource.query(`SELECT pg_notify('kernel_outbox', '')`);
    return rows.length;
  }

  async counts(): Promise<Record<'pending' | 'delivered' | 'dead', number>> {
    const rows = await queryRows<{ status: 'pending' | 'delivered' | 'dead'; n: string }>(
      this.dataSource,
      `SELECT status, count(*) AS n FROM kernel.outbox GROUP BY status`,
    );
    const out = { pending: 0, delivered: 0, dead: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }
}
