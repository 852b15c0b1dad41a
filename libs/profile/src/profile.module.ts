import { Module, OnModuleInit } from '@nestjs/common';
import { PermissionCatalog } from '@user-engine/kernel';
import { CreateProfileHandler } from './commands/create-profile/create-profile.handler';
import { EraseUserProfileHandler } from './commands/erase-user-profile/erase-user-profile.handler';
import { RemoveMemberLayerHandler } from './commands/remove-member-layer/remove-member-layer.handler';
import { RemoveTenantLayersHandler } from './commands/remove-tenant-layers/remove-tenant-layers.handler';
import { UpdateProfileHandler } from './commands/update-profile/update-profile.handler';
import { InternalProfilesController } from './http/internal-profiles.controller';
import { ProfileController } from './http/profile.controller';
import { TenantProfileController } from './http/tenant-profile.controller';
import { ProfilesRepository } from './persistence/profiles.repository';
import { PROFILE_PERMISSIONS, PROFILE_SERVICE_SCOPES } from './profile.permissions';
import { GetEffectiveProfileHandler } from './queries/get-effective-profile/get-effective-profile.handler';
import { GetProfileProjectionHandler } from './queries/get-profile-projection/get-profile-projection.handler';
import { GetProfileHandler } from './queries/get-profile/get-profile.handler';

/**
 * User profiles: the global profile, per-tenant layers and the effective profile, with the
 * applications' attributes validated against their published catalogs (the kernel's
 * AttributeCatalog, which the access module keeps current) and projected per application. It
 * reacts to nothing itself: the integration module drives creation and erasure through its commands.
 */
@Module({
  controllers: [ProfileController, TenantProfileController, InternalProfilesController],
  providers: [
    ProfilesRepository,
    CreateProfileHandler,
    UpdateProfileHandler,
    EraseUserProfileHandler,
    RemoveTenantLayersHandler,
    RemoveMemberLayerHandler,
    GetProfileHandler,
    GetEffectiveProfileHandler,
    GetProfileProjectionHandler,
  ],
})
export class ProfileModule implements OnModuleInit {
  constructor(private readonly catalog: PermissionCatalog) {}

  onModuleInit(): void {
    this.catalog.register('profile', PROFILE_PERMISSIONS);
    this.catalog.registerServiceScopes('profile', PROFILE_SERVICE_SCOPES);
  }
}
