// The profile module's public surface: its commands for the integration module's reactions, its queries.
export * from './profile.module';
export * from './profile.config';
export { CreateProfile } from './commands/create-profile/create-profile.command';
export { EraseUserProfile } from './commands/erase-user-profile/erase-user-profile.command';
export { RemoveTenantLayers } from './commands/remove-tenant-layers/remove-tenant-layers.command';
export { RemoveMemberLayer } from './commands/remove-member-layer/remove-member-layer.command';
export { GetProfile } from './queries/get-profile/get-profile.query';
export { GetEffectiveProfile } from './queries/get-effective-profile/get-effective-profile.query';
export { GetProfileProjection } from './queries/get-profile-projection/get-profile-projection.query';
export type { ProfileView, EffectiveProfileView } from './queries/views';

import { profileConfig } from './profile.config';
import { ProfileModule } from './profile.module';

/**
 * What the composition root mounts when MODULES includes `profile`: members and tenants come from
 * tenancy, and profiles are created and erased only by the integration module's reactions.
 */
export const profileFeature = {
  module: ProfileModule,
  configs: [profileConfig],
  requires: ['account', 'tenancy', 'integration'],
};
