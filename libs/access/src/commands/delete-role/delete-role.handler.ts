import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import type { Page } from '@user-engine/kernel';
import { ListMembers, type MemberView } from '@user-engine/tenancy';
import { AccessErrors } from '../../access.errors';
import { isBuiltIn } from '../../domain/roles';
import { RolesRepository } from '../../persistence/roles.repository';
import { RoleDefinitions } from '../role-definitions';
import { DeleteRole } from './delete-role.command';

@CommandHandler(DeleteRole)
export class DeleteRoleHandler implements ICommandHandler<DeleteRole, void> {
  constructor(
    private readonly roles: RolesRepository,
    private readonly queries: QueryBus,
    private readonly definitions: RoleDefinitions,
  ) {}

  async execute(c: DeleteRole): Promise<void> {
    if (isBuiltIn(c.key)) throw AccessErrors.builtInRole();
    const existing = await this.roles.lockAll(c.tenantId);
    const role = existing.find((r) => r.key === c.key);
    if (!role) throw AccessErrors.roleNotFound();
    const holders = await this.queries.execute<ListMembers, Page<MemberView>>(new ListMembers(c.tenantId, { role: c.key }, { limit: 100 }));
    const inheritedBy = existing.filter((r) => r.inherits.includes(c.key)).map((r) => r.key);
    if (holders.items.length || inheritedBy.length) throw AccessErrors.roleInUse(holders.items.length, inheritedBy);
    await this.roles.delete(c.tenantId, c.key);
    await this.definitions.changed(c.tenantId, 'role.deleted', c.key, c.actor, c.client, {
      permissions: role.permissions,
      inherits: role.inherits,
    });
  }
}
