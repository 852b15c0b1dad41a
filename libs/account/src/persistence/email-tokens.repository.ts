import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';
import { hashSecureToken, newSecureToken } from '../domain/secure-token';

export type EmailTokenPurpose = 'verify_email' | 'password_reset';

/** Single-use tokens mailed to an address (verification, password reset); only their hash is kept. */
@Injectable()
export class EmailTokensRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Issues a token; earlier unused tokens of the same purpose stop working (only the newest link does). */
  async issue(userId: string, email: string, purpose: EmailTokenPurpose, ttlMs: number): Promise<string> {
    const { token, hash } = newSecureToken();
    // Serialises concurrent issues for one user, so "only the newest link works" holds under races.
    await this.uow.manager.query(`SELECT 1 FROM account.users WHERE id = $1 FOR UPDATE`, [userId]);
    await this.uow.manager.query(
      `UPDATE account.email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [userId, purpose],
    );
    await this.uow.manager.query(
      `INSERT INTO account.email_tokens (token_hash, user_id, purpose, email, expires_at)
       VALUES ($1, $2, $3, $4, now() + $5::bigint * interval '1 millisecond')`,
      [hash, userId, purpose, email, ttlMs],
    );
    return token;
  }

  /**
   * The live token's owner (the row locked with `lock`); undefined when it is unknown, used or
   * expired. Lock the user row first: issuing a link takes the user, then the tokens.
   */
  async findLive(
    token: string,
    purpose: EmailTokenPurpose,
    options: { lock: boolean },
  ): Promise<{ user_id: string; email: string } | undefined> {
    const [row] = await queryRows<{ user_id: string; email: string }>(
      this.uow.manager,
      `SELECT user_id, email FROM account.email_tokens
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()${options.lock ? ' FOR UPDATE' : ''}`,
      [hashSecureToken(token), purpose],
    );
    return row;
  }

  async markUsed(token: string): Promise<void> {
    await this.uow.manager.query(`UPDATE account.email_tokens SET used_at = now() WHERE token_hash = $1`, [hashSecureToken(token)]);
  }

  async deleteAllOfUser(userId: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM account.email_tokens WHERE user_id = $1`, [userId]);
  }
}
