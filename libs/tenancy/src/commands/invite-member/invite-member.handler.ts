import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newSecureToken, uuidv7 } from '@user-engine/kernel';
import { InvitationMails } from '../../mail/invitation-mails';
import { InvitationsRepository } from '../../persistence/invitations.repository';
import { MembershipsRepository } from '../../persistence/memberships.repository';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { invitationStatus, toInvitationView, type InvitationView } from '../../queries/views';
import { tenancyConfig, type TenancyConfig } from '../../tenancy.config';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { TenantRolePolicy } from '../../tenant-role-policy';
import { SeatLimits } from '../../seat-limits';
import { InviteMember } from './invite-member.command';

@CommandHandler(InviteMember)
export class InviteMemberHandler implements ICommandHandler<InviteMember, InvitationView> {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly invitations: InvitationsRepository,
    private readonly policy: TenantRolePolicy,
    private readonly seats: SeatLimits,
    private readonly mails: InvitationMails,
    private readonly journal: TenancyJournal,
    @Inject(tenancyConfig.KEY) private readonly config: TenancyConfig,
  ) {}

  async execute(c: InviteMember): Promise<InvitationView> {
    const roles = [...new Set(c.roles)].sort();
    // The tenant row first (as every membership change takes it), then the role rules: one lock
    // order for all, and this orders the invitation against accepts and other invitations.
    const tenant = await this.tenants.find(c.tenantId, { lock: true });
    if (!tenant || tenant.status !== 'active') throw TenancyErrors.notFound();
    await this.policy.assertAssignable({ tenantId: c.tenantId, actor: c.actor, roles });
    if (await this.memberships.findByEmail(c.tenantId, c.email)) throw TenancyErrors.alreadyMember();
    const open = await this.invitations.findPendingByEmail(c.tenantId, c.email);
    if (open && invitationStatus(open) === 'pending') throw TenancyErrors.alreadyInvited();
    if (open) await this.invitations.close(c.tenantId, open.id, 'revoked'); // expired: replaced by the new one
    await this.seats.assertAvailable(c.tenantId, 'invitation');
    const token = newSecureToken();
    const expiresAt = new Date(Date.now() + this.config.invitationTtl);
    const invitation = await this.invitations.insert({
      tenantId: c.tenantId,
      id: uuidv7(),
      email: c.email,
      roles,
      tokenHash: token.hash,
      invitedBy: c.actor.userId,
      expiresAt,
    });
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: 'invitation.created',
      resource: { type: 'invitation', id: invitation.id },
      data: { email: c.email, roles },
    });
    await this.mails.invite(c.email, tenant.name, token.token, expiresAt);
    return toInvitationView(invitation);
  }
}
