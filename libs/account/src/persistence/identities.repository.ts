import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork, uuidv7 } from '@user-engine/kernel';
import type { IdentityEntity } from './identity.entity';

const COLUMNS = `id, user_id, provider, subject, email, created_at, last_used_at`;

@Injectable()
export class IdentitiesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  listOfUser(userId: string): Promise<IdentityEntity[]> {
    return queryRows<IdentityEntity>(this.uow.manager, `SELECT ${COLUMNS} FROM account.identities WHERE user_id = $1 ORDER BY id`, [
      userId,
    ]);
  }

  async find(provider: string, subject: string): Promise<IdentityEntity | undefined> {
    const [row] = await queryRows<IdentityEntity>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM account.identities WHERE provider = $1 AND subject = $2`,
      [provider, subject],
    );
    return row;
  }

  /** Links unless (provider, subject) is linked already — to anyone; returns the new row or undefined. */
  async insert(input: { userId: string; provider: string; subject: string; email: string | null }): Promise<IdentityEntity | undefined> {
    const [row] = await queryRows<IdentityEntity>(
      this.uow.manager,
      `INSERT INTO account.identities (id, user_id, provider, subject, email) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider, subject) DO NOTHING RETURNING ${COLUMNS}`,
      [uuidv7(), input.userId, input.provider, input.subject, input.email],
    );
    return row;
  }

  async touch(id: string): Promise<void> {
    await this.uow.manager.query(`UPDATE account.identities SET last_used_at = now() WHERE id = $1`, [id]);
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const rows = await queryRows(this.uow.manager, `DELETE FROM account.identities WHERE id = $1 AND user_id = $2 RETURNING id`, [
      id,
      userId,
    ]);
    return rows.length === 1;
  }

  async deleteAllOfUser(userId: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM account.identities WHERE user_id = $1`, [userId]);
  }
}
