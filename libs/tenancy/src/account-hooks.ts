import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccountExtensions, type MeMembership } from '@user-engine/account';
import { ChangeFeed, queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import { TenancyErrors } from './tenancy.errors';
import { TENANCY_CHANGES, TENANCY_MEMBER_CHANGES } from './tenant-role-policy';

const CACHE_SIZE = 50_000;
const CACHE_TTL_MS = 300_000;

/**
 * What tenancy adds to the account module: the memberships in `GET /v1/me`, and a refusal to erase
 * an account that is the only active owner of a live tenant (the tenant would be left unmanageable).
 *
 * `GET /v1/me` is the hottest authenticated route, so a user's memberships are cached per process
 * and dropped when they change: the user's own memberships (member signal) or anything shown of
 * one of their tenants (tenant signal, through a tenant → users index).
 */
@Injectable()
export class TenancyAccountHooks implements OnModuleInit {
  private byUser = new Map<string, { at: number; memberships: Promise<MeMembership[]> }>();
  private usersOfTenant = new Map<string, Set<string>>();
  /** Sequence number of the last change signal per tenant: catches a change racing a load. */
  private changeSeq = 0;
  private tenantChangedAt = new Map<string, number>();

  constructor(
    private readonly extensions: AccountExtensions,
    private readonly uow: UnitOfWork,
    private readonly changes: ChangeFeed,
  ) {}

  onModuleInit(): void {
    this.extensions.useMemberships({ membershipsOf: (userId) => this.membershipsOf(userId) });
    this.extensions.addDeletionGuard((userId) => this.assertNotSoleOwner(userId));
    const clear = () => {
      this.byUser = new Map();
      this.usersOfTenant = new Map();
      this.tenantChangedAt = new Map();
    };
    this.changes.listen(TENANCY_MEMBER_CHANGES, { onChange: (userId) => this.byUser.delete(userId), onResync: clear });
    this.changes.listen(TENANCY_CHANGES, {
      onChange: (tenantId) => {
        if (this.tenantChangedAt.size >= CACHE_SIZE) this.tenantChangedAt.clear();
        this.tenantChangedAt.set(tenantId, ++this.changeSeq);
        for (const userId of this.usersOfTenant.get(tenantId) ?? []) this.byUser.delete(userId);
        this.usersOfTenant.delete(tenantId);
      },
      onResync: clear,
    });
  }

  membershipsOf(userId: string): Promise<MeMembership[]> {
    const cached = this.byUser.get(userId);
    if (cached && Date.now() - cached.at < CACHE_TTL_MS) return cached.memberships;
    // Stored before it resolves: a change committed meanwhile deletes it, so its (possibly stale)
    // result is never served to a later request.
    const memberships = this.load(userId);
    const entry = { at: Date.now(), memberships };
    const startedAt = this.changeSeq;
    if (this.byUser.size >= CACHE_SIZE) this.byUser.delete(this.byUser.keys().next().value as string);
    this.byUser.set(userId, entry);
    memberships.then(
      (list) => {
        // One of its tenants changed while it loaded, before the index knew this user: drop it.
        const raced = list.some((m) => (this.tenantChangedAt.get(m.tenant_id) ?? 0) > startedAt);
        if (raced && this.byUser.get(userId) === entry) this.byUser.delete(userId);
        for (const m of list) {
          const users = this.usersOfTenant.get(m.tenant_id) ?? new Set<string>();
          users.add(userId);
          this.usersOfTenant.set(m.tenant_id, users);
        }
      },
      () => this.byUser.get(userId) === entry && this.byUser.delete(userId),
    );
    return memberships;
  }

  /** Cross-tenant by nature: platform scope, filtered by the user. */
  private load(userId: string): Promise<MeMembership[]> {
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
