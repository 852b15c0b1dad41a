import { Injectable } from '@nestjs/common';
import { isUniqueViolation, queryRows, UnitOfWork } from '@user-engine/kernel';

export interface ApplicationRow {
  id: string;
  key: string;
  name: string;
  description: string | null;
  status: 'active' | 'disabled';
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
}

/** Registered applications, in the current unit of work (writes need the platform scope). */
@Injectable()
export class ApplicationsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Inserts an application; false when the key is taken. */
  async insert(a: {
    id: string;
    key: string;
    name: string;
    description: string | null;
    createdBy: string;
  }): Promise<ApplicationRow | false> {
    try {
      return await this.uow.run(this.uow.scope!, async (m) => {
        const [row] = await queryRows<ApplicationRow>(
          m,
          `INSERT INTO access.applications (id, key, name, description, status, created_by) VALUES ($1, $2, $3, $4, 'active', $5) RETURNING *`,
          [a.id, a.key, a.name, a.description, a.createdBy],
        );
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async find(id: string, options: { lock?: boolean } = {}): Promise<ApplicationRow | undefined> {
    const [row] = await queryRows<ApplicationRow>(
      this.uow.manager,
      `SELECT * FROM access.applications WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row;
  }

  async update(
    id: string,
    changes: { name?: string; description?: string | null; status?: ApplicationRow['status'] },
  ): Promise<ApplicationRow> {
    const [row] = await queryRows<ApplicationRow>(
      this.uow.manager,
      `UPDATE access.applications
          SET name = coalesce($2, name),
              description = CASE WHEN $3 THEN $4 ELSE description END,
              status = coalesce($5, status),
              disabled_at = CASE WHEN coalesce($5, status) = 'disabled' THEN coalesce(disabled_at, now()) ELSE NULL END,
              updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, changes.name ?? null, changes.description !== undefined, changes.description ?? null, changes.status ?? null],
    );
    return row;
  }
}
