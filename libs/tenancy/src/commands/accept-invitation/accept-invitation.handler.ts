import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetUser, type UserView } from '@user-engine/account';
import { MembershipAdded } from '@user-engine/contracts';
import { AuditLog, hashSecureToken, queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import { InvitationsRepository } from '../../persistence/invitations.repository';
import { MembershipsRepository } from '../../persistence/memberships.repository';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { invitationStatus, toMemberView, type MemberView } from '../../queries/views';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { TenantRolePolicy } from '../../tenant-role-policy';
import { SeatLimits } from '../../seat-limits';
import { AcceptInvitation } from './accept-invitation.command';

export interface AcceptedInvitation extends MemberView {
  tenant_id: string;
}

@CommandHandler(AcceptInvitation)
export class AcceptInvitationHandler implements ICommandHandler<AcceptInvitation, AcceptedInvitation> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly queries: QueryBus,
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly invitations: InvitationsRepository,
    private readonly policy: TenantRolePolicy,
    private readonly seats: SeatLimits,
    private readonly journal: TenancyJournal,
    private readonly audit: AuditLog,
  ) {}

  async execute(c: AcceptInvitation): Promise<AcceptedInvitation> {
    // Which tenant the token belongs to: the only cross-tenant read, by the token's hash alone.
    const [found] = await this.uow.run(Scopes.platform, (m) =>
      queryRows<{ tenant_id: string; id: string }>(m, `SELECT tenant_id, id FROM tenancy.invitations WHERE token_hash = $1`, [
        hashSecureToken(c.token),
      ]),
    );
    if (!found) throw TenancyErrors.invitationInvalid();
    const user = await this.queries.execute<GetUser, UserView | undefined>(new GetUser(c.actor.userId));
    if (!user?.email) throw TenancyErrors.invitationInvalid();

    const tenantId = found.tenant_id;
    const member = await this.uow.run(Scopes.tenant(tenantId), async () => {
      const tenant = await this.tenants.find(tenantId, { lock: true });
      const invitation = await this.invitations.find(tenantId, found.id, { lock: true });
      if (!tenant || tenant.status !== 'active' || !invitation || invitationStatus(invitation) !== 'pending') {
        throw TenancyErrors.invitationInvalid();
      }
      // Only the owner of the invited address, proven by verification, may take the seat.
      if (!user.email_verified || user.email !== invitation.email) {
        await this.audit.append(
          {
            tenantId,
            actor: { type: 'user', id: user.id },
            action: 'invitation.accept_refused',
            outcome: 'denied',
            resource: { type: 'invitation', id: invitation.id },
            ip: c.client.ip,
            userAgent: c.client.userAgent,
            data: { reason: 'email_mismatch' },
          },
          { separate: true },
        );
        throw TenancyErrors.invitationEmailMismatch();
      }
      if (await this.memberships.find(tenantId, user.id)) throw TenancyErrors.alreadyMember();
      // A custom role deleted since the invitation was sent is not granted; viewer is the floor.
      const known = new Set((await this.policy.listRoles(tenantId)).map((r) => r.key));
      const kept = invitation.roles.filter((r) => known.has(r));
      const roles = kept.length ? kept : ['viewer'];
      // An invitation carries its inviter's authority: one who can no longer grant these roles
      // (suspended, removed, demoted) cannot bring anyone in with them.
      if (!(await this.policy.canAssign({ tenantId, actor: { userId: invitation.invited_by }, roles }))) {
        throw TenancyErrors.invitationInvalid();
      }
      await this.seats.assertAvailable(tenantId, 'member');
      const row = await this.memberships.insert({
        tenantId,
        userId: user.id,
        email: invitation.email,
        roles,
        invitedBy: invitation.invited_by,
      });
      await this.invitations.close(tenantId, invitation.id, { accepted_by: user.id });
      await this.journal.record({
        tenantId,
        actor: c.actor,
        client: c.client,
        action: 'invitation.accepted',
        resource: { type: 'invitation', id: invitation.id },
        data: { email: invitation.email },
      });
      await this.journal.record({
        tenantId,
        actor: c.actor,
        client: c.client,
        action: 'membership.added',
        resource: { type: 'membership', id: user.id },
        data: { roles: row.roles, via: 'invitation', invited_by: invitation.invited_by },
        event: {
          definition: MembershipAdded,
          aggregate: { type: 'membership', id: `${tenantId}:${user.id}` },
          payload: { tenant_id: tenantId, user_id: user.id, status: 'active', roles: row.roles, via: 'invitation' },
        },
        authzChanged: true,
      });
      return row;
    });
    return { tenant_id: tenantId, ...toMemberView(member) };
  }
}
