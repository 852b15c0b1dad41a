import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MembershipAdded, TenantCreated } from '@user-engine/contracts';
import { OWNER_ROLE } from '../../domain/membership-status';
import { MembershipsRepository } from '../../persistence/memberships.repository';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { toTenantView, type TenantView } from '../../queries/views';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { CreateTenant } from './create-tenant.command';

@CommandHandler(CreateTenant)
export class CreateTenantHandler implements ICommandHandler<CreateTenant, TenantView> {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly journal: TenancyJournal,
  ) {}

  async execute(c: CreateTenant): Promise<TenantView> {
    const tenant = await this.tenants.insert({ id: c.tenantId, name: c.name, slug: c.slug, createdBy: c.actor.userId });
    if (!tenant) throw TenancyErrors.slugTaken();
    await this.memberships.insert({ tenantId: c.tenantId, userId: c.actor.userId, email: c.email, roles: [OWNER_ROLE], invitedBy: null });
    const base = { tenantId: c.tenantId, actor: c.actor, client: c.client };
    await this.journal.record({
      ...base,
      action: 'tenant.created',
      resource: { type: 'tenant', id: c.tenantId },
      data: { name: c.name, slug: c.slug },
      event: {
        definition: TenantCreated,
        aggregate: { type: 'tenant', id: c.tenantId },
        payload: {
          tenant_id: c.tenantId,
          name: c.name,
          slug: c.slug,
          created_by: c.actor.userId,
          created_at: tenant.created_at.toISOString(),
        },
      },
    });
    await this.journal.record({
      ...base,
      action: 'membership.added',
      resource: { type: 'membership', id: c.actor.userId },
      data: { roles: [OWNER_ROLE], via: 'tenant_created' },
      event: {
        definition: MembershipAdded,
        aggregate: { type: 'membership', id: `${c.tenantId}:${c.actor.userId}` },
        payload: { tenant_id: c.tenantId, user_id: c.actor.userId, status: 'active', roles: [OWNER_ROLE], via: 'tenant_created' },
      },
      authzChanged: true,
    });
    return toTenantView(tenant);
  }
}
