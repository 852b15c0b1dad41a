import { Injectable } from '@nestjs/common';
import { queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import type { ThrottleState } from '../domain/throttle/throttle-policy';

/**
 * Where the login limiter keeps its counters. PostgreSQL by default, so every replica shares them
 * with nothing else to run; a Redis store can implement the same port.
 */
export abstract class LoginThrottleStore {
  /** The states of these keys (absent keys have none). */
  abstract read(keys: readonly string[]): Promise<Map<string, ThrottleState>>;
  /** Counts one failure (a new window when the old one has ended) and returns the state with `now`. */
  abstract increment(key: string, windowMs: number): Promise<{ failures: number; windowStartedAt: number; now: number }>;
  abstract block(key: string, until: number): Promise<void>;
  abstract clear(keys: readonly string[]): Promise<void>;
  /** Forgets keys whose window ended and that block nothing. */
  abstract sweep(windowMs: number): Promise<number>;
}

@Injectable()
export class PostgresLoginThrottleStore extends LoginThrottleStore {
  constructor(private readonly uow: UnitOfWork) {
    super();
  }

  // Its own short transactions: a failed login's counters must commit although the login fails.
  private run<T>(work: (m: import('typeorm').EntityManager) => Promise<T>): Promise<T> {
    return this.uow.runSeparately(Scopes.global, work);
  }

  async read(keys: readonly string[]): Promise<Map<string, ThrottleState>> {
    const rows = await this.run((m) =>
      queryRows<{ key: string; failures: number; window_started_at: Date; blocked_until: Date | null }>(
        m,
        `SELECT key, failures, window_started_at, blocked_until FROM account.login_throttle WHERE key = ANY($1::text[])`,
        [keys],
      ),
    );
    return new Map(
      rows.map((r) => [
        r.key,
        { failures: r.failures, windowStartedAt: r.window_started_at.getTime(), blockedUntil: r.blocked_until?.getTime() ?? null },
      ]),
    );
  }

  async increment(key: string, windowMs: number): Promise<{ failures: number; windowStartedAt: number; now: number }> {
    const [row] = await this.run((m) =>
      queryRows<{ failures: number; window_started_at: Date; now: Date }>(
        m,
        `INSERT INTO account.login_throttle AS t (key, failures, window_started_at, updated_at)
         VALUES ($1, 1, now(), now())
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN t.window_started_at <= now() - $2::bigint * interval '1 millisecond' THEN 1 ELSE t.failures + 1 END,
           window_started_at = CASE WHEN t.window_started_at <= now() - $2::bigint * interval '1 millisecond' THEN now()
                                    ELSE t.window_started_at END,
           blocked_until = CASE WHEN t.window_started_at <= now() - $2::bigint * interval '1 millisecond' THEN NULL
                                ELSE t.blocked_until END,
           updated_at = now()
         RETURNING failures, window_started_at, now() AS now`,
        [key, windowMs],
      ),
    );
    return { failures: row.failures, windowStartedAt: row.window_started_at.getTime(), now: row.now.getTime() };
  }

  async block(key: string, until: number): Promise<void> {
    await this.run((m) =>
      m.query(
        `UPDATE account.login_throttle SET blocked_until = GREATEST(blocked_until, to_timestamp($2::double precision / 1000)) WHERE key = $1`,
        [key, until],
      ),
    );
  }

  async clear(keys: readonly string[]): Promise<void> {
    await this.run((m) => m.query(`DELETE FROM account.login_throttle WHERE key = ANY($1::text[])`, [keys]));
  }

  async sweep(windowMs: number): Promise<number> {
    const rows = await this.run((m) =>
      queryRows(
        m,
        `DELETE FROM account.login_throttle
          WHERE window_started_at < now() - $1::bigint * interval '1 millisecond' AND (blocked_until IS NULL OR blocked_until < now())
          RETURNING key`,
        [windowMs],
      ),
    );
    return rows.length;
  }
}
