import { type IntegrationEvent, MembershipRemoved, UserDeleted, type UserDeletedV1 } from '@user-engine/contracts';
import { IntegrationEventHandler, queryRows, UnitOfWork } from '@user-engine/kernel';
import { TenancyJournal } from '../tenancy-journal';

/**
 * An erased account leaves every tenant: its memberships go (with `membership.removed`, audited in
 * each tenant). Invitations it sent stop working with it: an invitation is accepted only while its
 * inviter can still grant its roles.
 */
@IntegrationEventHandler(UserDeleted, { name: 'tenancy.user-deleted', scope: 'platform' })
export class UserDeletedHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly journal: TenancyJournal,
  ) {}

  async handle(event: IntegrationEvent<UserDeletedV1>): Promise<void> {
    const userId = event.payload.user_id;
    const removed = await queryRows<{ tenant_id: string; roles: string[] }>(
      this.uow.manager,
      `DELETE FROM tenancy.memberships WHERE user_id = $1 RETURNING tenant_id, roles`,
      [userId],
    );
    for (const { tenant_id, roles } of removed) {
      await this.journal.record({
        tenantId: tenant_id,
        actor: { kind: 'system' },
        action: 'membership.removed',
        resource: { type: 'membership', id: userId },
        data: { reason: 'user_deleted', roles },
        event: {
          definition: MembershipRemoved,
          aggregate: { type: 'membership', id: `${tenant_id}:${userId}` },
          payload: { tenant_id, user_id: userId, reason: 'user_deleted' },
        },
        authzChanged: true,
      });
    }
  }
}
