import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { TenantErased } from '@user-engine/contracts';
import { AuditLog, ChangeFeed, OutboxPublisher, PeriodicJob, queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import { tenancyConfig, type TenancyConfig } from './tenancy.config';
import { TENANCY_CHANGES } from './tenant-role-policy';

/**
 * Erases tenants whose retention period after deletion has ended: the tenant row goes, its
 * memberships and invitations with it (foreign keys), and `tenant.erased` tells the other modules
 * and services to erase what they hold. The audit trail stays (it is append-only by design).
 */
@Injectable()
export class TenancyHousekeeping implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TenancyHousekeeping');
  private readonly job: PeriodicJob;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: OutboxPublisher,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditLog,
    @Inject(tenancyConfig.KEY) config: TenancyConfig,
  ) {
    this.job = new PeriodicJob('tenant erasure', config.erasureInterval, () => this.eraseExpired().then(() => undefined), this.logger);
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Erases every deleted tenant past its retention (SKIP LOCKED: replicas share the work); returns their ids. */
  async eraseExpired(batch = 100): Promise<string[]> {
    return this.uow.run(Scopes.platform, async (m) => {
      const erased = await queryRows<{ tenant_id: string }>(
        m,
        `DELETE FROM tenancy.tenants WHERE tenant_id IN (
           SELECT tenant_id FROM tenancy.tenants WHERE status = 'deleted' AND erase_after <= now()
            ORDER BY erase_after LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING tenant_id`,
        [batch],
      );
      const at = new Date().toISOString();
      for (const { tenant_id } of erased) {
        await this.outbox.publish(TenantErased, {
          tenantId: tenant_id,
          aggregate: { type: 'tenant', id: tenant_id },
          actor: { type: 'system', id: null },
          payload: { tenant_id, erased_at: at },
        });
        await this.changes.changed(TENANCY_CHANGES, tenant_id);
        // The trail outlives the tenant's data: its last entry says why the rest is gone.
        await this.audit.append({
          tenantId: tenant_id,
          actor: { type: 'system', id: 'tenant-erasure' },
          action: 'tenant.erased',
          outcome: 'success',
          resource: { type: 'tenant', id: tenant_id },
        });
      }
      if (erased.length) this.logger.log(`erased ${erased.length} deleted tenant(s)`);
      return erased.map((r) => r.tenant_id);
    });
  }
}
