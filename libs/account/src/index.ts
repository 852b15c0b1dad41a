// The account module's public surface: what other modules, the composition root, the CLI and the
// internal API may use. Everything else in libs/account is internal.
export * from './account.module';
export * from './account.config';
export * from './domain/password/password-hasher';
export * from './domain/password/password-policy';
export type { UserStatus } from './domain/user-status';
export type { UserView } from './queries/user.view';
export { GetUser } from './queries/get-user/get-user.query';
export { FindUserByEmail } from './queries/find-user-by-email/find-user-by-email.query';
export { GetUsersByIds } from './queries/get-users-by-ids/get-users-by-ids.query';
export { ChangeUserStatus } from './commands/change-user-status/change-user-status.command';
export { LinkTrustedIdentity } from './commands/link-trusted-identity/link-trusted-identity.command';
export type { LinkResult } from './commands/link-identity/link-identity.handler';
export type { IdentityView } from './queries/identity.view';
export { DeleteAccount } from './commands/delete-account/delete-account.command';
export { SigningKeys } from './tokens/signing-keys';
export { AccountExtensions } from './account-extensions';
export { Background } from './background';
export type { TenantClaims, TenantClaimsSource, MeMembership, MembershipsSource, DeletionGuard, PlanSource } from './account-extensions';
export { SearchUsers } from './queries/search-users/search-users.query';
export { AccessTokens } from './tokens/access-tokens';
export type { AccessTokenClaims, IssueAccessToken } from './tokens/access-tokens';

import { accountConfig } from './account.config';
import { AccountModule } from './account.module';
import { IdentityEntity } from './persistence/identity.entity';
import { SessionEntity } from './persistence/session.entity';
import { SigningKeyEntity } from './persistence/signing-key.entity';
import { UserEntity } from './persistence/user.entity';

/** What the composition root mounts when MODULES includes `account`. */
export const accountFeature = {
  module: AccountModule,
  entities: [UserEntity, SessionEntity, IdentityEntity, SigningKeyEntity],
  configs: [accountConfig],
};
