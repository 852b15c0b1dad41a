import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccessErrors } from '../../access.errors';
import { type CustomRoleDefinition, isBuiltIn } from '../../domain/roles';
import { RolesRepository } from '../../persistence/roles.repository';
import { type RoleView, toRoleView } from '../../queries/list-roles/role.view';
import { RoleDefinitions } from '../role-definitions';
import { UpdateRole } from './update-role.command';

@CommandHandler(UpdateRole)
export class UpdateRoleHandler implements ICommandHandler<UpdateRole, RoleView> {
  constructor(
    private readonly roles: RolesRepository,
    private readonly definitions: RoleDefinitions,
  ) {}

  async execute(c: UpdateRole): Promise<RoleView> {
    if (isBuiltIn(c.key)) throw AccessErrors.builtInRole();
    const existing = await this.roles.lockAll(c.tenantId);
    const before = existing.find((r) => r.key === c.key);
    if (!before) throw AccessErrors.roleNotFound();
    const after: CustomRoleDefinition = {
      key: c.key,
      name: c.changes.name ?? before.name,
      description: c.changes.description === undefined ? before.description : c.changes.description,
      permissions: c.changes.permissions ?? before.permissions,
      inherits: c.changes.inherits ?? before.inherits,
    };
    // Changing a held role is a grant to its holders: the author must hold its new permissions.
    const resolved = await this.definitions.validate(
      c.tenantId,
      c.actor,
      after,
      existing.filter((r) => r.key !== c.key),
      before,
    );
    await this.roles.update(c.tenantId, after);
    await this.definitions.changed(c.tenantId, 'role.updated', c.key, c.actor, c.client, {
      from: { permissions: before.permissions, inherits: before.inherits },
      to: { permissions: after.permissions, inherits: after.inherits },
    });
    return toRoleView(resolved);
  }
}
