// The tenancy module's public surface: what other modules, the composition root and the CLI may use.
export * from './tenancy.module';
export * from './tenancy.config';
export { TenantRolePolicy, TENANCY_CHANGES } from './tenant-role-policy';
export type { AssignmentInput, RoleSummary } from './tenant-role-policy';
export { OWNER_ROLE } from './domain/membership-status';
export type { MembershipStatus, TenantStatus } from './domain/membership-status';
export type { MemberView, TenantView } from './queries/views';
export { GetTenant } from './queries/get-tenant/get-tenant.query';
export { GetMembership } from './queries/get-membership/get-membership.query';
export { ListMembers } from './queries/list-members/list-members.query';
export { GetSeatUsage } from './queries/get-seat-usage/get-seat-usage.query';
export { SeatLimits } from './seat-limits';
export { DiagnosticChecks } from './queries/get-diagnostics/diagnostic-checks';
export type { DiagnosticCheck, DiagnosticContributor } from './queries/get-diagnostics/diagnostic-checks';
export type { SeatGuard, SeatRequest, SeatUsage } from './seat-limits';
export { TenancyErrors } from './tenancy.errors';
/** The member-list query (status, role, email prefix, page): the internal API takes the same. */
export { MemberQueryDto } from './http/tenancy.dto';
export { TenancyHousekeeping } from './tenancy-housekeeping';

import { tenancyConfig } from './tenancy.config';
import { TenancyModule } from './tenancy.module';

/** What the composition root mounts when MODULES includes `tenancy` (it needs account and access). */
export const tenancyFeature = {
  module: TenancyModule,
  configs: [tenancyConfig],
  requires: ['account', 'access'],
};
