import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetUsersByIds, type UserView } from '@user-engine/account';
import { AuditLog, ChangeFeed } from '@user-engine/kernel';
import { AccessErrors } from '../../access.errors';
import { PLATFORM_OPERATOR } from '../../access.permissions';
import { PLATFORM_ROLE_CHANGES } from '../../authorization-facts';
import { PlatformRolesRepository } from '../../persistence/platform-roles.repository';
import { GrantPlatformRole } from './grant-platform-role.command';

export class OperatorsExist extends Error {
  constructor() {
    super('A platform operator exists already: grant the role through the API (POST /v1/admin/operators).');
  }
}

@CommandHandler(GrantPlatformRole)
export class GrantPlatformRoleHandler implements ICommandHandler<GrantPlatformRole, void> {
  constructor(
    private readonly roles: PlatformRolesRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
    private readonly queries: QueryBus,
  ) {}

  /** Whether any operator can still act: holders whose accounts are active. */
  private async usableOperators(): Promise<number> {
    const ids = (await this.roles.holders(PLATFORM_OPERATOR)).map((h) => h.user_id);
    if (!ids.length) return 0;
    const users = await this.queries.execute<GetUsersByIds, UserView[]>(new GetUsersByIds(ids));
    return users.filter((u) => u.status === 'active').length;
  }

  async execute(c: GrantPlatformRole): Promise<void> {
    await this.roles.lock();
    // The bootstrap also recovers a platform whose operators' accounts are all suspended or gone.
    if (c.bootstrap && (await this.usableOperators()) > 0) throw new OperatorsExist();
    if (!(await this.roles.grant(c.userId, PLATFORM_OPERATOR, c.actor?.userId ?? null))) throw AccessErrors.alreadyOperator();
    await this.audit.append({
      actor: c.actor ? { type: 'user', id: c.actor.userId } : { type: 'system', id: 'cli:bootstrap-admin' },
      action: 'platform_role.granted',
      outcome: 'success',
      resource: { type: 'user', id: c.userId },
      ip: c.client?.ip ?? null,
      userAgent: c.client?.userAgent ?? null,
      data: { role: PLATFORM_OPERATOR },
    });
    await this.changes.changed(PLATFORM_ROLE_CHANGES, c.userId);
  }
}
