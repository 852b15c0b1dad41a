import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantReactivated, TenantSuspended } from '@user-engine/contracts';
import { canTransitionTenant } from '../../domain/membership-status';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { toTenantView, type TenantView } from '../../queries/views';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { ChangeTenantStatus } from './change-tenant-status.command';

@CommandHandler(ChangeTenantStatus)
export class ChangeTenantStatusHandler implements ICommandHandler<ChangeTenantStatus, TenantView> {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly journal: TenancyJournal,
  ) {}

  async execute(c: ChangeTenantStatus): Promise<TenantView> {
    const tenant = await this.tenants.find(c.tenantId, { lock: true });
    if (!tenant || tenant.status === 'deleted') throw TenancyErrors.notFound();
    if (tenant.status === c.to) return toTenantView(tenant);
    if (!canTransitionTenant(tenant.status, c.to)) throw TenancyErrors.tenantTransition(tenant.status, c.to);
    const after = await this.tenants.setStatus(c.tenantId, c.to);
    const at = after.updated_at.toISOString();
    const entry = {
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      resource: { type: 'tenant', id: c.tenantId },
      data: { reason: c.reason },
      authzChanged: true,
    };
    const aggregate = { type: 'tenant', id: c.tenantId };
    if (c.to === 'suspended') {
      await this.journal.record({
        ...entry,
        action: 'tenant.suspended',
        event: { definition: TenantSuspended, aggregate, payload: { tenant_id: c.tenantId, reason: c.reason, suspended_at: at } },
      });
    } else {
      await this.journal.record({
        ...entry,
        action: 'tenant.reactivated',
        event: { definition: TenantReactivated, aggregate, payload: { tenant_id: c.tenantId, reactivated_at: at } },
      });
    }
    return toTenantView(after);
  }
}
