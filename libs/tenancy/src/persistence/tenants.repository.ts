import { Injectable } from '@nestjs/common';
import { isUniqueViolation, queryRows, UnitOfWork } from '@user-engine/kernel';
import type { TenantStatus } from '../domain/membership-status';
import type { TenantRow } from './tenancy.rows';

/** Tenants, in the current unit of work (its scope decides which rows are visible). */
@Injectable()
export class TenantsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Inserts a tenant; false when the slug is taken. */
  async insert(t: { id: string; name: string; slug: string; createdBy: string }): Promise<TenantRow | false> {
    try {
      // A savepoint keeps the transaction usable after a unique violation.
      return await this.uow.run(this.uow.scope!, async (m) => {
        const [row] = await queryRows<TenantRow>(
          m,
          `INSERT INTO tenancy.tenants (tenant_id, name, slug, status, created_by) VALUES ($1, $2, $3, 'active', $4) RETURNING *`,
          [t.id, t.name, t.slug, t.createdBy],
        );
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async find(tenantId: string, options: { lock?: boolean } = {}): Promise<TenantRow | undefined> {
    const [row] = await queryRows<TenantRow>(
      this.uow.manager,
      `SELECT * FROM tenancy.tenants WHERE tenant_id = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [tenantId],
    );
    return row;
  }

  /** Renames; false when the new slug is taken. */
  async update(tenantId: string, changes: { name?: string; slug?: string }): Promise<TenantRow | false> {
    try {
      return await this.uow.run(this.uow.scope!, async (m) => {
        const [row] = await queryRows<TenantRow>(
          m,
          `UPDATE tenancy.tenants SET name = coalesce($2, name), slug = coalesce($3, slug), updated_at = now()
            WHERE tenant_id = $1 RETURNING *`,
          [tenantId, changes.name ?? null, changes.slug ?? null],
        );
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async setStatus(tenantId: string, status: TenantStatus, eraseAfter?: Date): Promise<TenantRow> {
    const [row] = await queryRows<TenantRow>(
      this.uow.manager,
      `UPDATE tenancy.tenants
          SET status = $2, updated_at = now(),
              suspended_at = CASE WHEN $2 = 'suspended' THEN now() ELSE NULL END,
              deleted_at = CASE WHEN $2 = 'deleted' THEN now() ELSE NULL END,
              erase_after = $3
        WHERE tenant_id = $1 RETURNING *`,
      [tenantId, status, eraseAfter ?? null],
    );
    return row;
  }
}
