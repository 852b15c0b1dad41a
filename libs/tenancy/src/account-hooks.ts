import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccountExtensions, type MeMembership } from '@user-engine/account';
import { queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import { TenancyErrors } from './tenancy.errors';

/**
 * What tenancy adds to the account module: the memberships in `GET /v1/me`, and a refusal to erase
 * an account that is the only active owner of a live tenant (the tenant would be left unmanageable).
 */
@Injectable()
export class TenancyAccountHooks implements OnModuleInit {
  constructor(
    private readonly extensions: AccountExtensions,
    private readonly uow: UnitOfWork,
  ) {}

  onModuleInit(): void {
    this.extensions.useMemberships({ membershipsOf: (userId) => this.membershipsOf(userId) });
    this.extensions.addDeletionGuard((userId) => this.assertNotSoleOwner(userId));
  }

  /** Cross-tenant by nature: platform scope, filtered by the user. */
  membershipsOf(userId: string): Promise<MeMembership[]> {
    return this.uow.run(Scopes.platform, async (m) => {
      const rows = await queryRows<{
        tenant_id: string;
        name: string;
        slug: string;
        t_status: string;
        status: string;
        roles: string[];
        created_at: Date;
      }>(
        m,
        `SELECT t.tenant_id, t.name, t.slug, t.status AS t_status, m.status, m.roles, m.created_at
           FROM tenancy.memberships m JOIN tenancy.tenants t ON t.tenant_id = m.tenant_id
          WHERE m.user_id = $1 AND t.status <> 'deleted'
          ORDER BY t.name, t.tenant_id LIMIT 1000`,
        [userId],
      );
      return rows.map((r) => ({
        tenant_id: r.tenant_id,
        tenant_name: r.name,
        tenant_slug: r.slug,
        tenant_status: r.t_status,
        status: r.status,
        roles: r.roles,
        joined_at: r.created_at.toISOString(),
      }));
    });
  }

  async assertNotSoleOwner(userId: string): Promise<void> {
    const sole = await this.uow.run(Scopes.platform, (m) =>
      queryRows<{ tenant_id: string }>(
        m,
        `SELECT m.tenant_id FROM tenancy.memberships m JOIN tenancy.tenants t ON t.tenant_id = m.tenant_id
          WHERE m.user_id = $1 AND m.status = 'active' AND m.roles @> ARRAY['owner'] AND t.status <> 'deleted'
            AND NOT EXISTS (SELECT 1 FROM tenancy.memberships o
                             WHERE o.tenant_id = m.tenant_id AND o.user_id <> m.user_id AND o.status = 'active' AND o.roles @> ARRAY['owner'])`,
        [userId],
      ),
    );
    if (sole.length) throw TenancyErrors.soleOwnerOf(sole.map((r) => r.tenant_id));
  }
}
