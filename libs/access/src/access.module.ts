import { Global, Module, OnModuleInit } from '@nestjs/common';
import { AccountModule } from '@user-engine/account';
import { PermissionCatalog } from '@user-engine/kernel';
import { TenantRolePolicy } from '@user-engine/tenancy';
import { AccessAuthorizer } from './access-authorizer';
import { AccessFacade } from './access-facade';
import { ACCESS_PERMISSIONS } from './access.permissions';
import { AuthorizationFacts } from './authorization-facts';
import { CreateRoleHandler } from './commands/create-role/create-role.handler';
import { DeleteRoleHandler } from './commands/delete-role/delete-role.handler';
import { GrantPlatformRoleHandler } from './commands/grant-platform-role/grant-platform-role.handler';
import { RevokePlatformRoleHandler } from './commands/revoke-platform-role/revoke-platform-role.handler';
import { RoleDefinitions } from './commands/role-definitions';
import { UpdateRoleHandler } from './commands/update-role/update-role.handler';
import { AccessAccountHooks } from './account-hooks';
import { TenantErasedHandler } from './events/tenant-erased.event-handler';
import { UserDeletedHandler } from './events/user-deleted.event-handler';
import { AdminController } from './http/admin.controller';
import { ApplicationsController } from './http/applications.controller';
import { RegisterApplicationHandler } from './commands/register-application/register-application.handler';
import { UpdateApplicationHandler } from './commands/update-application/update-application.handler';
import { GetApplicationHandler } from './queries/get-application/get-application.handler';
import { ListApplicationsHandler } from './queries/list-applications/list-applications.handler';
import { ApplicationsRepository } from './persistence/applications.repository';
import { AuthorizationController } from './http/authorization.controller';
import { RolesController } from './http/roles.controller';
import { PlatformRolesRepository } from './persistence/platform-roles.repository';
import { RolesRepository } from './persistence/roles.repository';
import { ListOperatorsHandler } from './queries/list-operators/list-operators.handler';
import { ListRolesHandler } from './queries/list-roles/list-roles.handler';
import { AccessRolePolicy } from './role-policy';
import { TenantTokenClaims } from './tenant-claims';

/**
 * Authorization: the permission catalog's built-in roles, tenants' custom roles, platform roles and
 * the one decision point (AccessFacade) that the kernel's guard, the check endpoints and token
 * issuance all use. Global so that tenancy receives its TenantRolePolicy without importing access.
 */
@Global()
@Module({
  imports: [AccountModule],
  controllers: [RolesController, AuthorizationController, AdminController, ApplicationsController],
  providers: [
    AuthorizationFacts,
    AccessFacade,
    AccessAuthorizer,
    AccessRolePolicy,
    { provide: TenantRolePolicy, useExisting: AccessRolePolicy },
    TenantTokenClaims,
    RoleDefinitions,
    RolesRepository,
    PlatformRolesRepository,
    CreateRoleHandler,
    UpdateRoleHandler,
    DeleteRoleHandler,
    GrantPlatformRoleHandler,
    RevokePlatformRoleHandler,
    ListRolesHandler,
    ListOperatorsHandler,
    TenantErasedHandler,
    ApplicationsRepository,
    RegisterApplicationHandler,
    UpdateApplicationHandler,
    ListApplicationsHandler,
    GetApplicationHandler,
    UserDeletedHandler,
    AccessAccountHooks,
  ],
  exports: [AccessFacade, TenantRolePolicy],
})
export class AccessModule implements OnModuleInit {
  constructor(private readonly catalog: PermissionCatalog) {}

  onModuleInit(): void {
    this.catalog.register('access', ACCESS_PERMISSIONS);
  }
}
