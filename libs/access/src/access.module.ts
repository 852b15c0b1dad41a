import { Global, Module, OnModuleInit } from '@nestjs/common';
import { AccountModule } from '@user-engine/account';
import { PermissionCatalog } from '@user-engine/kernel';
import { TenantRolePolicy } from '@user-engine/tenancy';
import { AccessAuthorizer } from './access-authorizer';
import { AccessFacade } from './access-facade';
import { ACCESS_PERMISSIONS, SERVICE_SCOPES } from './access.permissions';
import { AuthorizationFacts } from './authorization-facts';
import { CreateRoleHandler } from './commands/create-role/create-role.handler';
import { DeleteRoleHandler } from './commands/delete-role/delete-role.handler';
import { GrantPlatformRoleHandler } from './commands/grant-platform-role/grant-platform-role.handler';
import { RevokePlatformRoleHandler } from './commands/revoke-platform-role/revoke-platform-role.handler';
import { RoleDefinitions } from './commands/role-definitions';
import { UpdateRoleHandler } from './commands/update-role/update-role.handler';
import { AccessAccountHooks } from './account-hooks';
import { TenantErasedHandler } from './events/tenant-erased.event-handler';
import { TenantErasedKeysHandler } from './events/tenant-erased-keys.event-handler';
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
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { ApplicationCatalogs } from './application-catalogs';
import { CreateApiKeyHandler } from './commands/create-api-key/create-api-key.handler';
import { PublishCatalogHandler } from './commands/publish-catalog/publish-catalog.handler';
import { RevokeApiKeyHandler } from './commands/revoke-api-key/revoke-api-key.handler';
import { CredentialsController } from './http/credentials.controller';
import { InternalTenantsController } from './http/internal/internal-tenants.controller';
import { InternalUsersController } from './http/internal/internal-users.controller';
import { ApiKeysRepository } from './persistence/api-keys.repository';
import { CatalogsRepository } from './persistence/catalogs.repository';
import { GetCatalogHandler } from './queries/get-catalog/get-catalog.handler';
import { ListApiKeysHandler } from './queries/list-api-keys/list-api-keys.handler';

/**
 * Authorization: the permission catalog's built-in roles, tenants' custom roles, platform roles and
 * the one decision point (AccessFacade) that the kernel's guard, the check endpoints and token
 * issuance all use; applications with their catalogs and API keys, and the internal API that sibling
 * services call with those keys (through account's and tenancy's exported queries). Global so that tenancy receives its TenantRolePolicy without importing access.
 */
@Global()
@Module({
  imports: [AccountModule],
  controllers: [
    RolesController,
    AuthorizationController,
    AdminController,
    ApplicationsController,
    CredentialsController,
    InternalUsersController,
    InternalTenantsController,
  ],
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
    TenantErasedKeysHandler,
    ApplicationsRepository,
    RegisterApplicationHandler,
    UpdateApplicationHandler,
    ListApplicationsHandler,
    GetApplicationHandler,
    UserDeletedHandler,
    AccessAccountHooks,
    ApiKeysRepository,
    CatalogsRepository,
    ApiKeyAuthenticator,
    ApplicationCatalogs,
    CreateApiKeyHandler,
    RevokeApiKeyHandler,
    ListApiKeysHandler,
    PublishCatalogHandler,
    GetCatalogHandler,
  ],
  exports: [AccessFacade, TenantRolePolicy],
})
export class AccessModule implements OnModuleInit {
  constructor(private readonly catalog: PermissionCatalog) {}

  onModuleInit(): void {
    this.catalog.register('access', ACCESS_PERMISSIONS);
    this.catalog.registerServiceScopes('access', SERVICE_SCOPES);
  }
}
