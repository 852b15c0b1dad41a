import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantDeleted } from '@user-engine/contracts';
import { canTransitionTenant } from '../../domain/membership-status';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { tenancyConfig, type TenancyConfig } from '../../tenancy.config';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { DeleteTenant } from './delete-tenant.command';

@CommandHandler(DeleteTenant)
export class DeleteTenantHandler implements ICommandHandler<DeleteTenant, void> {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly journal: TenancyJournal,
    @Inject(tenancyConfig.KEY) private readonly config: TenancyConfig,
  ) {}

  async execute(c: DeleteTenant): Promise<void> {
    const tenant = await this.tenants.find(c.tenantId, { lock: true });
    if (!tenant || tenant.status === 'deleted') throw TenancyErrors.notFound();
    if (!canTransitionTenant(tenant.status, 'deleted')) throw TenancyErrors.tenantTransition(tenant.status, 'deleted');
    const eraseAfter = new Date(Date.now() + this.config.deletedRetention);
    const after = await this.tenants.setStatus(c.tenantId, 'deleted', eraseAfter);
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: 'tenant.deleted',
      resource: { type: 'tenant', id: c.tenantId },
      data: { erase_after: eraseAfter.toISOString() },
      event: {
        definition: TenantDeleted,
        aggregate: { type: 'tenant', id: c.tenantId },
        payload: { tenant_id: c.tenantId, deleted_at: after.deleted_at!.toISOString(), erase_after: eraseAfter.toISOString() },
      },
      authzChanged: true,
    });
  }
}
