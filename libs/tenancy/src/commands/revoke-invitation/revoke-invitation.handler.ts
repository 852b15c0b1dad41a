import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { InvitationsRepository } from '../../persistence/invitations.repository';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { RevokeInvitation } from './revoke-invitation.command';

@CommandHandler(RevokeInvitation)
export class RevokeInvitationHandler implements ICommandHandler<RevokeInvitation, void> {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly journal: TenancyJournal,
  ) {}

  async execute(c: RevokeInvitation): Promise<void> {
    const invitation = await this.invitations.find(c.tenantId, c.invitationId, { lock: true });
    if (!invitation || invitation.status !== 'pending') throw TenancyErrors.invitationNotFound();
    await this.invitations.close(c.tenantId, c.invitationId, 'revoked');
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: 'invitation.revoked',
      resource: { type: 'invitation', id: c.invitationId },
      data: { email: invitation.email },
    });
  }
}
