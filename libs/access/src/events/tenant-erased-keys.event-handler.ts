import { type IntegrationEvent, TenantErased, type TenantErasedV1 } from '@user-engine/contracts';
import { AuditLog, ChangeFeed, IntegrationEventHandler, UnitOfWork } from '@user-engine/kernel';
import { API_KEY_CHANGES } from '../api-key-authenticator';

/**
 * API keys bound to an erased tenant are revoked: there is nothing left for them to ask about, and a
 * key must not outlive its tenant (API keys are platform resources, hence the platform scope).
 */
@IntegrationEventHandler(TenantErased, { name: 'access.tenant-erased-keys', scope: 'platform' })
export class TenantErasedKeysHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
  ) {}

  async handle(event: IntegrationEvent<TenantErasedV1>): Promise<void> {
    const revoked = (await this.uow.manager.query(
      `UPDATE access.api_keys SET revoked_at = now() WHERE tenant_id = $1 AND revoked_at IS NULL RETURNING id, application_id, prefix`,
      [event.payload.tenant_id],
    )) as [{ id: string; application_id: string; prefix: string }[], number];
    for (const key of revoked[0]) {
      await this.audit.append({
        actor: { type: 'system' },
        action: 'api_key.revoked',
        outcome: 'success',
        resource: { type: 'api_key', id: key.id },
        data: { application_id: key.application_id, prefix: key.prefix, reason: 'tenant_erased', tenant_id: event.payload.tenant_id },
      });
    }
    if (revoked[0].length) await this.changes.changed(API_KEY_CHANGES, event.payload.tenant_id);
  }
}
