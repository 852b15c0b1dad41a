import { type IntegrationEvent, TenantErased, type TenantErasedV1 } from '@user-engine/contracts';
import { ChangeFeed, IntegrationEventHandler, UnitOfWork } from '@user-engine/kernel';
import { ROLE_CHANGES } from '../authorization-facts';

/** An erased tenant's custom roles go with it (in the tenant's own scope). */
@IntegrationEventHandler(TenantErased, { name: 'access.tenant-erased', scope: 'event-tenant' })
export class TenantErasedHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly changes: ChangeFeed,
  ) {}

  async handle(event: IntegrationEvent<TenantErasedV1>): Promise<void> {
    await this.uow.manager.query(`DELETE FROM access.roles WHERE tenant_id = $1`, [event.payload.tenant_id]);
    await this.changes.changed(ROLE_CHANGES, event.payload.tenant_id);
  }
}
