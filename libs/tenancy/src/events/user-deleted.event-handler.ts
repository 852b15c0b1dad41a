import { type IntegrationEvent, MembershipRemoved, UserDeleted, type UserDeletedV1 } from '@user-engine/contracts';
import { ChangeFeed, IntegrationEventHandler, OutboxPublisher, queryRows, UnitOfWork } from '@user-engine/kernel';
import { TENANCY_CHANGES } from '../tenant-role-policy';

/**
 * An erased account leaves every tenant: its memberships go (with `membership.removed`), and open
 * invitations it sent stay valid — they are the tenant's, not the user's.
 */
@IntegrationEventHandler(UserDeleted, { name: 'tenancy.user-deleted', scope: 'platform' })
export class UserDeletedHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: OutboxPublisher,
    private readonly changes: ChangeFeed,
  ) {}

  async handle(event: IntegrationEvent<UserDeletedV1>): Promise<void> {
    const userId = event.payload.user_id;
    const removed = await queryRows<{ tenant_id: string }>(
      this.uow.manager,
      `DELETE FROM tenancy.memberships WHERE user_id = $1 RETURNING tenant_id`,
      [userId],
    );
    for (const { tenant_id } of removed) {
      await this.outbox.publish(MembershipRemoved, {
        tenantId: tenant_id,
        aggregate: { type: 'membership', id: `${tenant_id}:${userId}` },
        actor: { type: 'system', id: null },
        payload: { tenant_id, user_id: userId, reason: 'user_deleted' },
      });
      await this.changes.changed(TENANCY_CHANGES, tenant_id);
    }
  }
}
