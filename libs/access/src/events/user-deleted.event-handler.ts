import { type IntegrationEvent, UserDeleted, type UserDeletedV1 } from '@user-engine/contracts';
import { AuditLog, ChangeFeed, IntegrationEventHandler } from '@user-engine/kernel';
import { PLATFORM_OPERATOR } from '../access.permissions';
import { PLATFORM_ROLE_CHANGES } from '../authorization-facts';
import { PlatformRolesRepository } from '../persistence/platform-roles.repository';

/** An erased account holds no platform role: a tombstone must not count as an operator. */
@IntegrationEventHandler(UserDeleted, { name: 'access.user-deleted', scope: 'platform' })
export class UserDeletedHandler {
  constructor(
    private readonly roles: PlatformRolesRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
  ) {}

  async handle(event: IntegrationEvent<UserDeletedV1>): Promise<void> {
    const userId = event.payload.user_id;
    if (!(await this.roles.revoke(userId, PLATFORM_OPERATOR))) return;
    await this.audit.append({
      actor: { type: 'system', id: 'account-erasure' },
      action: 'platform_role.revoked',
      outcome: 'success',
      resource: { type: 'user', id: userId },
      data: { role: PLATFORM_OPERATOR, reason: 'user_deleted' },
    });
    await this.changes.changed(PLATFORM_ROLE_CHANGES, userId);
  }
}
