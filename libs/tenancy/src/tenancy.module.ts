import { Module, OnModuleInit } from '@nestjs/common';
import { AccountModule } from '@user-engine/account';
import { PermissionCatalog } from '@user-engine/kernel';
import { TenancyAccountHooks } from './account-hooks';
import { AcceptInvitationHandler } from './commands/accept-invitation/accept-invitation.handler';
import { ChangeMemberStatusHandler } from './commands/change-member-status/change-member-status.handler';
import { ChangeTenantStatusHandler } from './commands/change-tenant-status/change-tenant-status.handler';
import { CreateTenantHandler } from './commands/create-tenant/create-tenant.handler';
import { DeleteTenantHandler } from './commands/delete-tenant/delete-tenant.handler';
import { InviteMemberHandler } from './commands/invite-member/invite-member.handler';
import { RemoveMemberHandler } from './commands/remove-member/remove-member.handler';
import { ResendInvitationHandler } from './commands/resend-invitation/resend-invitation.handler';
import { RevokeInvitationHandler } from './commands/revoke-invitation/revoke-invitation.handler';
import { SetMemberRolesHandler } from './commands/set-member-roles/set-member-roles.handler';
import { UpdateTenantHandler } from './commands/update-tenant/update-tenant.handler';
import { UserDeletedHandler } from './events/user-deleted.event-handler';
import { AdminTenantsController } from './http/admin-tenants.controller';
import { AuditController } from './http/audit.controller';
import { InvitationAcceptController, InvitationsController } from './http/invitations.controller';
import { MembersController } from './http/members.controller';
import { TenantsController } from './http/tenants.controller';
import { InvitationMails } from './mail/invitation-mails';
import { InvitationsRepository } from './persistence/invitations.repository';
import { MembershipsRepository } from './persistence/memberships.repository';
import { TenantsRepository } from './persistence/tenants.repository';
import { GetDiagnosticsHandler } from './queries/get-diagnostics/get-diagnostics.handler';
import { GetMembershipHandler } from './queries/get-membership/get-membership.handler';
import { GetTenantHandler } from './queries/get-tenant/get-tenant.handler';
import { GetSeatUsageHandler } from './queries/get-seat-usage/get-seat-usage.handler';
import { SeatLimits } from './seat-limits';
import { DiagnosticChecks } from './queries/get-diagnostics/diagnostic-checks';
import { ListAuditHandler } from './queries/list-audit/list-audit.handler';
import { ListInvitationsHandler } from './queries/list-invitations/list-invitations.handler';
import { ListMembersHandler } from './queries/list-members/list-members.handler';
import { ListMyTenantsHandler } from './queries/list-my-tenants/list-my-tenants.handler';
import { ListTenantsHandler } from './queries/list-tenants/list-tenants.handler';
import { TenancyHousekeeping } from './tenancy-housekeeping';
import { TenancyJournal } from './tenancy-journal';
import { TENANCY_PERMISSIONS } from './tenancy.permissions';

const COMMAND_HANDLERS = [
  CreateTenantHandler,
  UpdateTenantHandler,
  DeleteTenantHandler,
  ChangeTenantStatusHandler,
  ChangeMemberStatusHandler,
  RemoveMemberHandler,
  SetMemberRolesHandler,
  InviteMemberHandler,
  ResendInvitationHandler,
  RevokeInvitationHandler,
  AcceptInvitationHandler,
];

const QUERY_HANDLERS = [
  GetTenantHandler,
  GetMembershipHandler,
  GetSeatUsageHandler,
  ListMyTenantsHandler,
  ListTenantsHandler,
  ListMembersHandler,
  ListInvitationsHandler,
  GetDiagnosticsHandler,
  ListAuditHandler,
];

/**
 * Tenants, memberships (the tenant-scoped account state, with role bindings) and invitations. It
 * depends on account (users, mail, tokens) and needs the access module's TenantRolePolicy, which
 * that module provides: tenancy never imports access.
 */
@Module({
  imports: [AccountModule],
  controllers: [
    TenantsController,
    MembersController,
    InvitationsController,
    InvitationAcceptController,
    AuditController,
    AdminTenantsController,
  ],
  providers: [
    ...COMMAND_HANDLERS,
    ...QUERY_HANDLERS,
    UserDeletedHandler,
    TenantsRepository,
    MembershipsRepository,
    InvitationsRepository,
    InvitationMails,
    TenancyJournal,
    TenancyHousekeeping,
    TenancyAccountHooks,
    SeatLimits,
    DiagnosticChecks,
  ],
  exports: [SeatLimits, DiagnosticChecks],
})
export class TenancyModule implements OnModuleInit {
  constructor(private readonly catalog: PermissionCatalog) {}

  onModuleInit(): void {
    this.catalog.register('tenancy', TENANCY_PERMISSIONS);
  }
}
