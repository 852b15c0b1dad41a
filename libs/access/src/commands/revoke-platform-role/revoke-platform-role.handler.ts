import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog, ChangeFeed } from '@user-engine/kernel';
import { AccessErrors } from '../../access.errors';
import { PLATFORM_OPERATOR } from '../../access.permissions';
import { PLATFORM_ROLE_CHANGES } from '../../authorization-facts';
import { PlatformRolesRepository } from '../../persistence/platform-roles.repository';
import { RevokePlatformRole } from './revoke-platform-role.command';

@CommandHandler(RevokePlatformRole)
export class RevokePlatformRoleHandler implements ICommandHandler<RevokePlatformRole, void> {
  constructor(
    private readonly roles: PlatformRolesRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
  ) {}

  async execute(c: RevokePlatformRole): Promise<void> {
    await this.roles.lock();
    const holders = await this.roles.holders(PLATFORM_OPERATOR);
    if (!holders.some((h) => h.user_id === c.userId)) throw AccessErrors.notOperator();
    if (holders.length === 1) throw AccessErrors.lastOperator();
    await this.roles.revoke(c.userId, PLATFORM_OPERATOR);
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: 'platform_role.revoked',
      outcome: 'success',
      resource: { type: 'user', id: c.userId },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: { role: PLATFORM_OPERATOR },
    });
    await this.changes.changed(PLATFORM_ROLE_CHANGES, c.userId);
  }
}
