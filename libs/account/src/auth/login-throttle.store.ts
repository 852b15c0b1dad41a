import { Injectable } from '@nestjs/common';
import { queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import { blockAfterFailure, retryAfterMs, type ThrottleKind, type ThrottleSettings } from '../domain/throttle/throttle-policy';

export interface ThrottleKey {
  key: string;
  kind: ThrottleKind;
}

export type AttemptVerdict =
  | { allowed: false; retryAfterMs: number; blockedBy: ThrottleKind }
  /** `lockedOutFor`: the block this attempt starts if it fails (it is counted as a failure up front). */
  | { allowed: true; lockedOutFor: number };

/**
 * Where the login limiter keeps its counters. PostgreSQL by default, so every replica shares them
 * with nothing else to run; a Redis store (a Lua script per attempt) can implement the same port.
 * Check and count are one atomic step: parallel attempts cannot all pass a limit before any of
 * them is counted.
 */
export abstract class LoginThrottleStore {
  /** Refuses while any key blocks; otherwise counts the attempt as a failure on every key. */
  abstract attempt(keys: readonly ThrottleKey[], settings: ThrottleSettings): Promise<AttemptVerdict>;
  /** The attempt succeeded: the account's counters are cleared and the IP's un-counts it. */
  abstract succeeded(keys: readonly ThrottleKey[], settings: ThrottleSettings): Promise<void>;
  /** Forgets keys whose window ended and that block nothing. */
  abstract sweep(windowMs: number): Promise<number>;
}

interface Row {
  key: string;
  failures: number;
  window_started_at: Date;
  blocked_until: Date | null;
  now: Date;
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

  attempt(keys: readonly ThrottleKey[], s: ThrottleSettings): Promise<AttemptVerdict> {
    return this.run(async (m) => {
      // Sorted, so concurrent attempts on overlapping keys lock in the same order and never deadlock.
      const names = keys.map((k) => k.key).sort();
      // One statement creates the missing counters and locks them all: an INSERT … DO NOTHING
      // followed by a SELECT … FOR UPDATE missed a row that a concurrent success deleted in between.
      const rows = await queryRows<Row>(
        m,
        `INSERT INTO account.login_throttle AS t (key, failures, window_started_at)
         SELECT k, 0, now() FROM unnest($1::text[]) k
         ON CONFLICT (key) DO UPDATE SET updated_at = t.updated_at
         RETURNING t.key, t.failures, t.window_started_at, t.blocked_until, now() AS now`,
        [names],
      );
      const now = rows[0].now.getTime();
      let verdict: AttemptVerdict = { allowed: true, lockedOutFor: 0 };
      for (const k of keys) {
        const r = rows.find((x) => x.key === k.key)!;
        const wait = retryAfterMs(
          { failures: r.failures, windowStartedAt: r.window_started_at.getTime(), blockedUntil: r.blocked_until?.getTime() ?? null },
          now,
        );
        if (wait > (verdict.allowed ? 0 : verdict.retryAfterMs)) verdict = { allowed: false, retryAfterMs: wait, blockedBy: k.kind };
      }
      if (!verdict.allowed) {
        // A refused attempt is not counted, and leaves no empty counters behind.
        await m.query(`DELETE FROM account.login_throttle WHERE key = ANY($1::text[]) AND failures = 0`, [names]);
        return verdict;
      }
      let lockedOutFor = 0;
      const updates = keys.map((k) => {
        const r = rows.find((x) => x.key === k.key)!;
        const fresh = r.window_started_at.getTime() + s.windowMs <= now;
        const state = { failures: fresh ? 1 : r.failures + 1, windowStartedAt: fresh ? now : r.window_started_at.getTime() };
        const until = blockAfterFailure(k.kind, state, now, s);
        if (until !== null) lockedOutFor = Math.max(lockedOutFor, until - now);
        return { key: k.key, ...state, until };
      });
      await m.query(
        `UPDATE account.login_throttle t
            SET failures = u.failures, window_started_at = to_timestamp(u.started / 1000),
                blocked_until = to_timestamp(u.until / 1000), updated_at = now()
           FROM unnest($1::text[], $2::int[], $3::double precision[], $4::double precision[]) AS u(key, failures, started, until)
          WHERE t.key = u.key`,
        [updates.map((u) => u.key), updates.map((u) => u.failures), updates.map((u) => u.windowStartedAt), updates.map((u) => u.until)],
      );
      return { allowed: true, lockedOutFor };
    });
  }

  async succeeded(keys: readonly ThrottleKey[], s: ThrottleSettings): Promise<void> {
    const account = keys.filter((k) => k.kind !== 'ip').map((k) => k.key);
    const ip = keys.filter((k) => k.kind === 'ip').map((k) => k.key);
    // One statement: the account's counters go, the IP's is decremented (and dropped at zero).
    await this.run((m) =>
      m.query(
        `WITH cleared AS (DELETE FROM account.login_throttle WHERE key = ANY($1::text[])),
              emptied AS (DELETE FROM account.login_throttle WHERE key = ANY($2::text[]) AND failures <= 1)
         UPDATE account.login_throttle
            SET failures = failures - 1, blocked_until = CASE WHEN failures - 1 < $3 THEN NULL ELSE blocked_until END
          WHERE key = ANY($2::text[]) AND failures > 1`,
        [account, ip, s.maxPerIp],
      ),
    );
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
