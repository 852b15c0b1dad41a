import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';
import type { MembershipStatus } from '../domain/membership-status';
import type { MembershipRow } from './tenancy.rows';

/** Memberships of the tenant of the current unit of work. */
@Injectable()
export class MembershipsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(m: {
    tenantId: string;
    userId: string;
    email: string;
    roles: readonly string[];
    invitedBy: string | null;
  }): Promise<MembershipRow> {
    const [row] = await queryRows<MembershipRow>(
      this.uow.manager,
      `INSERT INTO tenancy.memberships (tenant_id, user_id, email, status, roles, invited_by)
       VALUES ($1, $2, $3, 'active', $4, $5) RETURNING *`,
      [m.tenantId, m.userId, m.email, [...new Set(m.roles)], m.invitedBy],
    );
    return row;
  }

  async find(tenantId: string, userId: string): Promise<MembershipRow | undefined> {
    const [row] = await queryRows<MembershipRow>(
      this.uow.manager,
      `SELECT * FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return row;
  }

  async findByEmail(tenantId: string, email: string): Promise<MembershipRow | undefined> {
    const [row] = await queryRows<MembershipRow>(
      this.uow.manager,
      `SELECT * FROM tenancy.memberships WHERE tenant_id = $1 AND email = $2`,
      [tenantId, email],
    );
    return row;
  }

  /** The tenant's owners (any status): what the last-owner rule looks at. */
  async owners(tenantId: string): Promise<MembershipRow[]> {
    return queryRows<MembershipRow>(
      this.uow.manager,
      `SELECT * FROM tenancy.memberships WHERE tenant_id = $1 AND roles @> ARRAY['owner']`,
      [tenantId],
    );
  }

  async update(
    tenantId: string,
    userId: string,
    changes: { status?: MembershipStatus; roles?: readonly string[] },
  ): Promise<MembershipRow> {
    const [row] = await queryRows<MembershipRow>(
      this.uow.manager,
      `UPDATE tenancy.memberships SET status = coalesce($3, status), roles = coalesce($4, roles), updated_at = now()
        WHERE tenant_id = $1 AND user_id = $2 RETURNING *`,
      [tenantId, userId, changes.status ?? null, changes.roles ? [...new Set(changes.roles)] : null],
    );
    return row;
  }

  /**
   * A member about to change, with the tenant's owners: the tenant row is locked first, so changes
   * to one tenant's memberships are serial and the last-owner rule cannot be raced.
   */
  async forChange(tenantId: string, userId: string): Promise<{ member: MembershipRow; owners: MembershipRow[] } | undefined> {
    const [tenant] = await queryRows<{ status: string }>(
      this.uow.manager,
      `SELECT status FROM tenancy.tenants WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    );
    if (!tenant || tenant.status === 'deleted') return undefined;
    const member = await this.find(tenantId, userId);
    return member && { member, owners: await this.owners(tenantId) };
  }

  async delete(tenantId: string, userId: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM tenancy.memberships WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
  }
}
