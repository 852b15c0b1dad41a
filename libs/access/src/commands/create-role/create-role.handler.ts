import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccessErrors } from '../../access.errors';
import { isBuiltIn } from '../../domain/roles';
import { RolesRepository } from '../../persistence/roles.repository';
import { type RoleView, toRoleView } from '../../queries/list-roles/role.view';
import { RoleDefinitions } from '../role-definitions';
import { CreateRole } from './create-role.command';

@CommandHandler(CreateRole)
export class CreateRoleHandler implements ICommandHandler<CreateRole, RoleView> {
  constructor(
    private readonly roles: RolesRepository,
    private readonly definitions: RoleDefinitions,
  ) {}

  async execute(c: CreateRole): Promise<RoleView> {
    const existing = await this.roles.lockAll(c.tenantId);
    if (isBuiltIn(c.role.key) || existing.some((r) => r.key === c.role.key)) throw AccessErrors.roleExists();
    const resolved = await this.definitions.validate(c.tenantId, c.actor, c.role, existing);
    await this.roles.insert(c.tenantId, c.role);
    await this.definitions.changed(c.tenantId, 'role.created', c.role.key, c.actor, c.client, {
      permissions: c.role.permissions,
      inherits: c.role.inherits,
    });
    return toRoleView(resolved);
  }
}
