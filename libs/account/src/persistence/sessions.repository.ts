import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';
import type { SessionEntity } from './session.entity';

const COLUMNS = `id, user_id, amr, ip, user_agent, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at, revoked_reason`;
const ms = `$%d::bigint * interval '1 millisecond'`;

export type RefreshOutcome =
  { kind: 'rotated'; session: SessionEntity } | { kind: 'reused'; session: SessionEntity } | { kind: 'invalid'; session?: SessionEntity };

/** account.sessions and their refresh tokens, in the caller's unit of work. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async create(input: {
    id: string;
    userId: string;
    amr: readonly string[];
    ip: string | null;
    userAgent: string | null;
    idleTtl: number;
    absoluteTtl: number;
    /** The hash of the session's first refresh token, stored in the same statement. */
    refreshTokenHash: Buffer;
  }): Promise<SessionEntity> {
    const [row] = await queryRows<SessionEntity>(
      this.uow.manager,
      `WITH s AS (
         INSERT INTO account.sessions (id, user_id, amr, ip, user_agent, idle_expires_at, absolute_expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + ${ms.replace('%d', '6')}, now() + ${ms.replace('%d', '7')})
         RETURNING ${COLUMNS}
       ), r AS (INSERT INTO account.refresh_tokens (token_hash, session_id) SELECT $8, id FROM s)
       SELECT * FROM s`,
      [
        input.id,
        input.userId,
        input.amr,
        input.ip,
        input.userAgent,
        Math.min(input.idleTtl, input.absoluteTtl),
        input.absoluteTtl,
        input.refreshTokenHash,
      ],
    );
    return row;
  }

  async addRefreshToken(sessionId: string, hash: Buffer): Promise<void> {
    await this.uow.manager.query(`INSERT INTO account.refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [hash, sessionId]);
  }

  /**
   * Marks a refresh token used, atomically and only while its session is alive: of two concurrent
   * presentations one rotates. A token that was rotated before, presented for a live session, is a
   * reuse — someone holds a copy. A token of a session already ended is merely invalid (a client
   * retrying after logout or expiry is no thief).
   */
  async consumeRefreshToken(hash: Buffer): Promise<RefreshOutcome> {
    const fresh = await queryRows<{ session_id: string }>(
      this.uow.manager,
      `UPDATE account.refresh_tokens r SET rotated_at = now()
         FROM account.sessions s
        WHERE r.token_hash = $1 AND r.rotated_at IS NULL AND s.id = r.session_id
          AND s.revoked_at IS NULL AND s.idle_expires_at > now() AND s.absolute_expires_at > now()
        RETURNING r.session_id`,
      [hash],
    );
    if (fresh.length) {
      const session = await this.lock(fresh[0].session_id);
      return session && !session.revoked_at ? { kind: 'rotated', session } : { kind: 'invalid', session };
    }
    const used = await queryRows<{ session_id: string; rotated_at: Date | null }>(
      this.uow.manager,
      `SELECT session_id, rotated_at FROM account.refresh_tokens WHERE token_hash = $1`,
      [hash],
    );
    if (!used.length || !used[0].rotated_at) return { kind: 'invalid' };
    const session = await this.lock(used[0].session_id);
    const live = session && !session.revoked_at && session.idle_expires_at > new Date() && session.absolute_expires_at > new Date();
    return live ? { kind: 'reused', session } : { kind: 'invalid', session };
  }

  private async lock(id: string): Promise<SessionEntity | undefined> {
    const [row] = await queryRows<SessionEntity>(this.uow.manager, `SELECT ${COLUMNS} FROM account.sessions WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return row;
  }

  /** A refresh: the session was used now, so its idle expiry moves (never past the absolute one). */
  async touch(id: string, idleTtl: number): Promise<void> {
    await this.uow.manager.query(
      `UPDATE account.sessions SET last_used_at = now(), idle_expires_at = LEAST(now() + ${ms.replace('%d', '2')}, absolute_expires_at)
        WHERE id = $1`,
      [id, idleTtl],
    );
  }

  async findOfUser(id: string, userId: string): Promise<SessionEntity | undefined> {
    const [row] = await queryRows<SessionEntity>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM account.sessions WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
    return row;
  }

  /** Revokes one session; returns whether it was still active. */
  async revoke(id: string, reason: string): Promise<boolean> {
    const rows = await queryRows(
      this.uow.manager,
      `UPDATE account.sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id, reason],
    );
    return rows.length === 1;
  }

  /** Revokes every active session of a user (but `except`); returns their ids. */
  async revokeAllOfUser(userId: string, reason: string, except?: string): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.uow.manager,
      `UPDATE account.sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid) RETURNING id`,
      [userId, reason, except ?? null],
    );
    return rows.map((r) => r.id);
  }

  /** Sessions that can still be refreshed, newest first. */
  listActive(userId: string): Promise<SessionEntity[]> {
    return queryRows<SessionEntity>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM account.sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND idle_expires_at > now() AND absolute_expires_at > now()
        ORDER BY id DESC LIMIT 200`,
      [userId],
    );
  }

  /** Removes every session (with its refresh tokens) of a user: account deletion. */
  async deleteAllOfUser(userId: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM account.sessions WHERE user_id = $1`, [userId]);
  }
}
