import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { RolesRepository } from '../../persistence/roles.repository';
import { PermissionCatalog } from '@user-engine/kernel';
import { resolveRoles } from '../../domain/roles';
import { ListRoles } from './list-roles.query';
import { type RoleView, toRoleView } from './role.view';

@QueryHandler(ListRoles)
export class ListRolesHandler implements IQueryHandler<ListRoles, RoleView[]> {
  constructor(
    private readonly roles: RolesRepository,
    private readonly catalog: PermissionCatalog,
  ) {}

  async execute(q: ListRoles): Promise<RoleView[]> {
    // Read in the request's transaction (not the decision cache): what an admin edits is current.
    const custom = await this.roles.list(q.tenantId);
    return [...resolveRoles((r) => this.catalog.builtInPermissions(r), custom).values()].map(toRoleView);
  }
}
