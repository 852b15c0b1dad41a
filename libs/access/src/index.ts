// The access module's public surface: the decision point and what the CLI needs.
export * from './access.module';
export * from './access.config';
export { AccessFacade } from './access-facade';
export type { AccessCheck, AccessSubject, Decision, DenyReason } from './access-facade';
export { PLATFORM_OPERATOR } from './access.permissions';
export { GrantPlatformRole } from './commands/grant-platform-role/grant-platform-role.command';
export { OperatorsExist } from './commands/grant-platform-role/grant-platform-role.handler';

import { accessConfig } from './access.config';
import { AccessModule } from './access.module';

/** What the composition root mounts when MODULES includes `access` (it needs account and tenancy). */
export const accessFeature = {
  module: AccessModule,
  configs: [accessConfig],
  requires: ['account', 'tenancy'],
};
