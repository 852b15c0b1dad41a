import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';
import type { CustomRoleDefinition } from '../domain/roles';

export interface RoleRow extends CustomRoleDefinition {
  tenant_id: string;
  created_at: Date;
  updated_at: Date;
}

/** A tenant's custom roles, in the current (tenant-scoped) unit of work. */
@Injectable()
export class RolesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  list(tenantId: string): Promise<RoleRow[]> {
    return queryRows<RoleRow>(this.uow.manager, `SELECT * FROM access.roles WHERE tenant_id = $1 ORDER BY key`, [tenantId]);
  }

  /**
   * Locks the tenant's role set until the transaction ends: role changes of one tenant are serial
   * (cycle checks hold), and so are they with role assignments (a role cannot be deleted while a
   * concurrent assignment of it commits).
   */
  async lock(tenantId: string): Promise<void> {
    await this.uow.manager.query(`SELECT pg_advisory_xact_lock(hashtext('access.roles:' || $1))`, [tenantId]);
  }

  async lockAll(tenantId: string): Promise<RoleRow[]> {
    await this.lock(tenantId);
    return this.list(tenantId);
  }

  async insert(tenantId: string, r: CustomRoleDefinition): Promise<RoleRow> {
    const [row] = await queryRows<RoleRow>(
      this.uow.manager,
      `INSERT INTO access.roles (tenant_id, key, name, description, permissions, inherits) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [tenantId, r.key, r.name, r.description, r.permissions, r.inherits],
    );
    return row;
  }

  async update(tenantId: string, r: CustomRoleDefinition): Promise<RoleRow> {
    const [row] = await queryRows<RoleRow>(
      this.uow.manager,
      `UPDATE access.roles SET name = $3, description = $4, permissions = $5, inherits = $6, updated_at = now()
        WHERE tenant_id = $1 AND key = $2 RETURNING *`,
      [tenantId, r.key, r.name, r.description, r.permissions, r.inherits],
    );
    return row;
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM access.roles WHERE tenant_id = $1 AND key = $2`, [tenantId, key]);
  }
}
