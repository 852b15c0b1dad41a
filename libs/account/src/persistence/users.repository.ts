import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';
import type { UserStatus } from '../domain/user-status';
import { UserCache } from './user-cache';
import { UserEntity } from './user.entity';

const COLUMNS = `id, email, email_verified_at, status, display_name, password_hash, sessions_revoked_before, created_at, updated_at, deleted_at`;

/** account.users, in the caller's unit of work. */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly cache: UserCache,
  ) {}

  async findById(id: string, options: { lock?: boolean } = {}): Promise<UserEntity | undefined> {
    const rows = await queryRows<UserEntity>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM account.users WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  }

  /** By normalised email; a deleted account has none, so it is never found this way. */
  async findByEmail(email: string, options: { lock?: boolean } = {}): Promise<UserEntity | undefined> {
    const rows = await queryRows<UserEntity>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM account.users WHERE email = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [email],
    );
    return rows[0];
  }

  findByIds(ids: readonly string[]): Promise<UserEntity[]> {
    return queryRows<UserEntity>(this.uow.manager, `SELECT ${COLUMNS} FROM account.users WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids]);
  }

  /** Inserts unless the email is taken; returns whether it was inserted. */
  async insertIfEmailFree(user: Pick<UserEntity, 'id' | 'email' | 'status' | 'display_name' | 'password_hash'>): Promise<boolean> {
    const rows = await queryRows(
      this.uow.manager,
      `INSERT INTO account.users (id, email, status, display_name, password_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [user.id, user.email, user.status, user.display_name, user.password_hash],
    );
    return rows.length === 1;
  }

  async setPasswordHash(id: string, hash: string): Promise<void> {
    await this.uow.manager.query(`UPDATE account.users SET password_hash = $2, updated_at = now() WHERE id = $1`, [id, hash]);
    await this.cache.changed(id);
  }

  async markEmailVerified(id: string, status: UserStatus): Promise<Date> {
    const [row] = await queryRows<{ email_verified_at: Date }>(
      this.uow.manager,
      `UPDATE account.users SET email_verified_at = now(), status = $2, updated_at = now() WHERE id = $1 RETURNING email_verified_at`,
      [id, status],
    );
    await this.cache.changed(id);
    return row.email_verified_at;
  }

  async setStatus(id: string, status: UserStatus): Promise<void> {
    await this.uow.manager.query(`UPDATE account.users SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
    await this.cache.changed(id);
  }

  /** Access tokens issued before now are refused from here on; returns the instant (ms). */
  async revokeTokensIssuedBeforeNow(id: string): Promise<number> {
    const [row] = await queryRows<{ at: Date }>(
      this.uow.manager,
      `UPDATE account.users SET sessions_revoked_before = now(), updated_at = now() WHERE id = $1 RETURNING sessions_revoked_before AS at`,
      [id],
    );
    return row.at.getTime();
  }

  /** Turns the account into a tombstone: nothing personal and no credential is left. */
  async scrub(id: string): Promise<Date> {
    const [row] = await queryRows<{ deleted_at: Date }>(
      this.uow.manager,
      `UPDATE account.users
          SET status = 'deleted', email = NULL, email_verified_at = NULL, display_name = NULL, password_hash = NULL,
              deleted_at = now(), sessions_revoked_before = now(), updated_at = now()
        WHERE id = $1 RETURNING deleted_at`,
      [id],
    );
    await this.cache.changed(id);
    return row.deleted_at;
  }
}
