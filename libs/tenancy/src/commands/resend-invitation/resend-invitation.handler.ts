import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newSecureToken } from '@user-engine/kernel';
import { InvitationMails } from '../../mail/invitation-mails';
import { InvitationsRepository } from '../../persistence/invitations.repository';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { toInvitationView, type InvitationView } from '../../queries/views';
import { tenancyConfig, type TenancyConfig } from '../../tenancy.config';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { TenantRolePolicy } from '../../tenant-role-policy';
import { ResendInvitation } from './resend-invitation.command';

@CommandHandler(ResendInvitation)
export class ResendInvitationHandler implements ICommandHandler<ResendInvitation, InvitationView> {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly invitations: InvitationsRepository,
    private readonly mails: InvitationMails,
    private readonly journal: TenancyJournal,
    private readonly policy: TenantRolePolicy,
    @Inject(tenancyConfig.KEY) private readonly config: TenancyConfig,
  ) {}

  async execute(c: ResendInvitation): Promise<InvitationView> {
    const tenant = await this.tenants.find(c.tenantId);
    const invitation = await this.invitations.find(c.tenantId, c.invitationId, { lock: true });
    if (!tenant || !invitation || invitation.status !== 'pending') throw TenancyErrors.invitationNotFound();
    // Re-sending renews the grant: the sender must be able to give these roles now.
    await this.policy.assertAssignable({ tenantId: c.tenantId, actor: c.actor, roles: invitation.roles });
    const token = newSecureToken();
    const expiresAt = new Date(Date.now() + this.config.invitationTtl);
    const after = await this.invitations.reissue(c.tenantId, c.invitationId, token.hash, expiresAt);
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: 'invitation.resent',
      resource: { type: 'invitation', id: c.invitationId },
      data: { email: invitation.email, sent_count: after.sent_count },
    });
    await this.mails.invite(invitation.email, tenant.name, token.token, expiresAt);
    return toInvitationView(after);
  }
}
