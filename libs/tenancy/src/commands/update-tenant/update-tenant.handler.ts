import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantUpdated } from '@user-engine/contracts';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { toTenantView, type TenantView } from '../../queries/views';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { UpdateTenant } from './update-tenant.command';

@CommandHandler(UpdateTenant)
export class UpdateTenantHandler implements ICommandHandler<UpdateTenant, TenantView> {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly journal: TenancyJournal,
  ) {}

  async execute(c: UpdateTenant): Promise<TenantView> {
    const before = await this.tenants.find(c.tenantId, { lock: true });
    if (!before || before.status === 'deleted') throw TenancyErrors.notFound();
    const changes = Object.entries(c.changes)
      .filter(([k, v]) => v !== undefined && v !== before[k as 'name' | 'slug'])
      .map(([k]) => k);
    if (!changes.length) return toTenantView(before);
    const after = await this.tenants.update(c.tenantId, c.changes);
    if (!after) throw TenancyErrors.slugTaken();
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: 'tenant.updated',
      resource: { type: 'tenant', id: c.tenantId },
      data: Object.fromEntries(changes.map((k) => [k, { from: before[k as 'name' | 'slug'], to: after[k as 'name' | 'slug'] }])),
      event: {
        definition: TenantUpdated,
        aggregate: { type: 'tenant', id: c.tenantId },
        payload: { tenant_id: c.tenantId, name: after.name, slug: after.slug, changes, updated_at: after.updated_at.toISOString() },
      },
    });
    return toTenantView(after);
  }
}
