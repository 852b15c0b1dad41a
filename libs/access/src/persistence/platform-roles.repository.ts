import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';

export interface PlatformRoleRow {
  user_id: string;
  role: string;
  granted_by: string | null;
  granted_at: Date;
}

/** Platform roles: readable in any scope, written only in the platform scope. */
@Injectable()
export class PlatformRolesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async rolesOf(userId: string): Promise<string[]> {
    const rows = await queryRows<{ role: string }>(this.uow.manager, `SELECT role FROM access.platform_roles WHERE user_id = $1`, [userId]);
    return rows.map((r) => r.role);
  }

  holders(role: string): Promise<PlatformRoleRow[]> {
    return queryRows<PlatformRoleRow>(
      this.uow.manager,
      `SELECT * FROM access.platform_roles WHERE role = $1 ORDER BY granted_at, user_id`,
      [role],
    );
  }

  /** Serialises grants and revocations (the last-operator rule). */
  async lock(): Promise<void> {
    await this.uow.manager.query(`SELECT pg_advisory_xact_lock(hashtext('access.platform_roles'))`);
  }

  async grant(userId: string, role: string, grantedBy: string | null): Promise<boolean> {
    const rows = await queryRows(
      this.uow.manager,
      `INSERT INTO access.platform_roles (user_id, role, granted_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id`,
      [userId, role, grantedBy],
    );
    return rows.length > 0;
  }

  async revoke(userId: string, role: string): Promise<boolean> {
    const rows = await queryRows(this.uow.manager, `DELETE FROM access.platform_roles WHERE user_id = $1 AND role = $2 RETURNING user_id`, [
      userId,
      role,
    ]);
    return rows.length > 0;
  }
}
